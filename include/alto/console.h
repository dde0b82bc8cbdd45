/*
 * The console: the 8250 UART on COM1 carries the kernel's lines (printk) and
 * the console's input. Output is polled (it must work in a panic, with
 * interrupts off); input arrives by interrupt into a ring buffer that
 * console_read() drains, blocking until a byte is there. The program's
 * stdout and stderr (fds 1 and 2 of the console device) go to the UART too,
 * unless a driver registers an output stream for them
 * (console_stream_register: virtio-console's ports, when the host keeps the
 * streams apart).
 */
#ifndef ALTO_CONSOLE_H
#define ALTO_CONSOLE_H

/*
 * The host protocol for console input when the host's stdin is not a
 * terminal (kernel option --stdin-eof): the host tool escapes its stdin so
 * the end of it can reach the program. CONSOLE_ESC CONSOLE_ESC_EOF is the end
 * of input; CONSOLE_ESC CONSOLE_ESC_ESC is a literal 0xff byte; CONSOLE_ESC
 * CONSOLE_ESC_TRACE asks for a trace dump and is no input. When the host
 * stdio is a terminal the tool passes --tty=COLSxROWS instead and bytes pass
 * unchanged; a break (QEMU's Ctrl-A b) asks for the dump then.
 */
#define CONSOLE_ESC	  0xff
#define CONSOLE_ESC_EOF	  0x00
#define CONSOLE_ESC_ESC	  0xff
#define CONSOLE_ESC_TRACE 0x01 /* dump the trace rings now (SIGUSR1 to the host tool) */

/* Where the image keeps the application's command line (host tool and kernel). */
#define IMAGE_CMDLINE_PATH "/.alto/cmdline"
/* The longest kernel command line, with its NUL: the tool refuses a longer one. */
#define BOOT_CMDLINE_MAX 4096

#ifndef __HOST_TOOL__
#include <stddef.h>
#include <stdbool.h>

void uart_init(void);
void uart_write(const char *s, size_t len);

/* Read up to len bytes of console input; blocks until at least one. */
long console_read(char *buf, size_t len);
/* True when console_read() would not block. */
bool console_input_ready(void);
/* What console input there is, up to len bytes; 0 when none. */
long console_read_nonblock(char *buf, size_t len);
/* Block until console input is there, without taking it; -EINTR on a signal. */
int console_wait_input(void);
/* The queue woken when input arrives (all waiters), for poll. */
struct waitq;
struct waitq *console_input_waitq(void);
/* A hook called from the interrupt handler for each received byte; the console
 * device (fs/console.c) uses it for Ctrl-C with --tty. Return true to drop the byte. */
extern bool (*console_input_hook)(char c);

/* The program's output streams, by the fd that names them at start. */
#define CONSOLE_STDOUT 1
#define CONSOLE_STDERR 2
/*
 * A driver's output stream. write may sleep, and returns once the bytes
 * are its own: how many it took (fewer when a signal came while it waited,
 * or the reader went), -ERESTARTSYS when a signal came first, -EPIPE when
 * the reader is gone. gone (may be NULL) is told, from an interrupt
 * handler, that the host's reader went: it wakes the writers waiting in
 * write, and write takes nothing from then on.
 */
struct console_stream_ops {
	long (*write)(void *priv, const char *s, size_t len);
	void (*gone)(void *priv);
	/*
	 * May be NULL. Wait, polling and briefly (any lock may be held, interrupts may
	 * be off), until the host has what the stream took, so that a kernel line
	 * written next on the UART, which reaches the host at once, comes after it.
	 */
	void (*sync)(void *priv);
};

/* Send stream's output to ops (with priv) instead of the UART; NULL goes back to the UART. */
void console_stream_register(int stream, const struct console_stream_ops *ops, void *priv);
/*
 * The host's reader of stream is gone (a closed pipe): from now on a write
 * to it fails with EPIPE and raises SIGPIPE, as a write to a pipe with no
 * reader does. Safe in an interrupt handler.
 */
void console_stream_gone(int stream);
/* The stderr stream's sync (console_stream_ops): printk's, before a kernel line. */
void console_streams_sync(void);

#endif /* __HOST_TOOL__ */
#endif
