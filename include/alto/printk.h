/*
 * Kernel console output and fatal errors. printk writes to every registered
 * console (the UART first); panic prints a report and powers the VM off with a
 * failure status, it never hangs.
 */
#ifndef ALTO_PRINTK_H
#define ALTO_PRINTK_H

#include <stdarg.h>
#include <alto/compiler.h>
#include <alto/format.h>

int printk(const char *fmt, ...) __printf(1, 2);
int vprintk(const char *fmt, va_list ap);
/*
 * A note: a line about something the kernel does not do for the program
 * (an unimplemented system call, an unsupported flag) that the program may
 * well work around. The kernel option --quiet=notes leaves notes out;
 * errors and fault reports go through printk and are always printed.
 */
int printk_note(const char *fmt, ...) __printf(1, 2);
/* Write raw bytes to the console, without formatting. */
void console_write(const char *s, size_t len);

__noreturn void panic(const char *fmt, ...) __printf(1, 2);
/* Stop taking the console lock (the panicking CPU may hold it). */
void printk_panic_mode(void);

#define BUG_ON(cond)                                                             \
	do {                                                                     \
		if (unlikely(cond))                                              \
			panic("BUG_ON(%s) at %s:%d", #cond, __FILE__, __LINE__); \
	} while (0)

#endif
