/*
 * The console device (fds 0-2, /dev/console, /dev/tty). With --tty it is a
 * terminal: termios, a window size, \n sent as \r\n, a canonical line
 * discipline with echo. Without, it acts like a pipe, and --stdin-eof marks
 * the end of input. Readers (and poll) process the UART's ring themselves;
 * only Ctrl-C and the host's trace-dump request are caught at interrupt
 * time.
 */
#include <alto/boot.h>
#include <alto/console.h>
#include <alto/format.h>
#include <alto/printk.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/signal.h>
#include <alto/string.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/poll.h>
#include <uapi/termios.h>
#include "internal.h"
#include <alto/trace.h>

#define INBUF 4096

static struct {
	bool tty;     /* --tty: the host's stdio is a terminal */
	bool escaped; /* --stdin-eof: decode the host's escapes */
	struct mutex in_lock, out_lock;
	struct termios termios;
	struct winsize winsize;
	/* Input: buf[rpos..len) is readable, or (canonical) the line being edited. */
	char buf[INBUF];
	size_t len, rpos;
	bool line_done; /* canonical: buf holds a whole line */
	bool eof_once;	/* canonical: Ctrl-D on an empty line, one read returns 0 */
	bool eof;	/* escaped: the host's input ended, for good */
	bool esc;	/* escaped: CONSOLE_ESC seen, its second byte not yet */
	bool flush;	/* set by Ctrl-C: drop the line being edited */
} con;

const struct termios tty_default_termios = {
	.c_iflag = ICRNL | IXON,
	.c_oflag = OPOST | ONLCR,
	.c_cflag = B38400 | CS8 | CREAD | HUPCL,
	.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | IEXTEN | ECHOCTL | ECHOKE,
	.c_cc = { [VINTR] = 003,
		  [VQUIT] = 034,
		  [VERASE] = 0177,
		  [VKILL] = 025,
		  [VEOF] = 004,
		  [VTIME] = 0,
		  [VMIN] = 1,
		  [VSTART] = 021,
		  [VSTOP] = 023,
		  [VSUSP] = 032,
		  [VREPRINT] = 022,
		  [VDISCARD] = 017,
		  [VWERASE] = 027,
		  [VLNEXT] = 026 },
};

static bool lflag(uint32_t bit)
{
	return con.termios.c_lflag & bit;
}

static bool canonical(void)
{
	return con.tty && lflag(ICANON);
}

/* Is c the (enabled) control character at index i? */
static bool is_cc(char c, int i)
{
	return con.termios.c_cc[i] && (uint8_t)c == con.termios.c_cc[i];
}

/*
 * Output: \n becomes \r\n on a terminal with OPOST and ONLCR. On the UART
 * it is written a line at a time (256 bytes at most) under the console lock
 * that printk takes, so the kernel's lines (a child process dying, say) fall
 * between the program's lines, not inside them. A stream a driver took
 * (console_stream_register) carries the program's bytes alone.
 */
#define OUTPUT_CHUNK 256

static struct {
	const struct console_stream_ops *ops;
	void *priv;
	bool gone; /* the host's reader went: writes fail with EPIPE */
} streams[CONSOLE_STDERR + 1];

void console_stream_register(int stream, const struct console_stream_ops *ops, void *priv)
{
	/* priv stays when ops go: a writer that saw ops still has it. */
	if (ops)
		streams[stream].priv = priv;
	WRITE_ONCE(streams[stream].ops, ops);
}

void console_stream_gone(int stream)
{
	const struct console_stream_ops *ops = READ_ONCE(streams[stream].ops);

	WRITE_ONCE(streams[stream].gone, true);
	if (ops && ops->gone)
		ops->gone(streams[stream].priv);
}

/* Only stderr's: the host file kernel lines share (with stdout's when the tool merged them). */
void console_streams_sync(void)
{
	const struct console_stream_ops *ops = READ_ONCE(streams[CONSOLE_STDERR].ops);

	if (ops && ops->sync && !READ_ONCE(streams[CONSOLE_STDERR].gone))
		ops->sync(streams[CONSOLE_STDERR].priv);
}

/* What the stream took of s: see console_stream_register. */
static long sink(int stream, const char *s, size_t n)
{
	const struct console_stream_ops *ops = READ_ONCE(streams[stream].ops);

	if (ops)
		return ops->write(streams[stream].priv, s, n);
	console_write(s, n);
	return (long)n;
}

/* The bytes of s written (fewer, or -ERESTARTSYS, when a signal stopped a driver's stream). */
static long output(int stream, const char *s, size_t n)
{
	uint32_t of = con.termios.c_oflag;
	bool crlf = con.tty && (of & (OPOST | ONLCR)) == (OPOST | ONLCR);
	long done = 0;

	if (!crlf && READ_ONCE(streams[stream].ops))
		return sink(stream, s, n);
	while (n) {
		size_t max = MIN(n, (size_t)OUTPUT_CHUNK);
		const char *nl = memchr(s, '\n', max);
		size_t chunk = nl ? (size_t)(nl - s) + 1 : max;
		long r;
		if (crlf && nl) {
			char line[OUTPUT_CHUNK + 1];
			memcpy(line, s, chunk - 1);
			line[chunk - 1] = '\r';
			line[chunk] = '\n';
			r = sink(stream, line, chunk + 1);
			r = r == -EPIPE ? r : r < 0 ? -ERESTARTSYS : (long)chunk;
		} else {
			r = sink(stream, s, chunk);
		}
		if (r <= 0)
			return done ? done : r;
		done += r;
		if ((size_t)r < chunk)
			break;
		s += chunk;
		n -= chunk;
	}
	return done;
}

static void echo_out(const char *s, size_t n)
{
	mutex_lock(&con.out_lock);
	output(CONSOLE_STDOUT, s, n);
	mutex_unlock(&con.out_lock);
}

static bool is_ctrl(char c)
{
	return ((uint8_t)c < 0x20 && c != '\n' && c != '\t') || c == 0x7f;
}

static void echo_char(char c)
{
	if (!lflag(ECHO)) {
		if (c == '\n' && lflag(ECHONL))
			echo_out("\n", 1);
		return;
	}
	if (is_ctrl(c) && lflag(ECHOCTL)) {
		char caret[2] = { '^', (char)(c ^ 0x40) };
		echo_out(caret, 2);
	} else {
		echo_out(&c, 1);
	}
}

/* Erase the last character of the line being edited (a whole UTF-8 sequence). */
static void erase_one(void)
{
	size_t start = con.len;

	if (!con.len)
		return;
	start--;
	if (con.termios.c_iflag & IUTF8) {
		while (start && ((uint8_t)con.buf[start] & 0xc0) == 0x80)
			start--;
	}
	int width = is_ctrl(con.buf[start]) && lflag(ECHOCTL) ? 2 : 1;
	con.len = start;
	if (lflag(ECHO) && lflag(ECHOE)) {
		for (int i = 0; i < width; i++)
			echo_out("\b \b", 3);
	}
}

static void erase_word(void)
{
	while (con.len && con.buf[con.len - 1] == ' ')
		erase_one();
	while (con.len && con.buf[con.len - 1] != ' ')
		erase_one();
}

static void kill_line(char c)
{
	if (lflag(ECHO) && !lflag(ECHOKE)) {
		echo_char(c);
		if (lflag(ECHOK))
			echo_out("\n", 1);
		con.len = 0;
		return;
	}
	while (con.len)
		erase_one();
}

/* Input translations of c_iflag; false when the byte is dropped. */
static bool input_map(char *c)
{
	uint32_t in = con.termios.c_iflag;

	if (in & ISTRIP)
		*c &= 0x7f;
	if (*c == '\r') {
		if (in & IGNCR)
			return false;
		if (in & ICRNL)
			*c = '\n';
	} else if (*c == '\n' && (in & INLCR)) {
		*c = '\r';
	}
	return true;
}

/* The canonical line discipline, one byte at a time. */
static void canon_byte(char c)
{
	if (!input_map(&c))
		return;
	if (is_cc(c, VERASE) || (c == '\b' && lflag(IEXTEN) && con.termios.c_cc[VERASE] == 0177)) {
		erase_one();
	} else if (is_cc(c, VKILL)) {
		kill_line(c);
	} else if (is_cc(c, VWERASE) && lflag(IEXTEN)) {
		erase_word();
	} else if (is_cc(c, VEOF)) {
		if (con.len)
			con.line_done = true;
		else
			con.eof_once = true;
	} else if (c == '\n' || is_cc(c, VEOL) || is_cc(c, VEOL2)) {
		con.buf[con.len++] = c;
		con.line_done = true;
		echo_char(c);
	} else if (con.len < INBUF - 1) { /* room is kept for the newline */
		con.buf[con.len++] = c;
		echo_char(c);
	}
}

/* Non-canonical input: translate, echo, and decode the host's escapes in place. */
static size_t raw_bytes(char *p, size_t n)
{
	size_t w = 0;

	for (size_t r = 0; r < n && !con.eof; r++) {
		char c = p[r];
		if (con.tty) {
			if (!input_map(&c))
				continue;
			echo_char(c);
		} else if (con.escaped && con.esc) {
			con.esc = false;
			if ((uint8_t)c == CONSOLE_ESC_EOF) {
				con.eof = true;
				break;
			}
			if ((uint8_t)c == CONSOLE_ESC_TRACE)
				continue; /* seen at interrupt time (escape_hook) */
		} else if (con.escaped && (uint8_t)c == CONSOLE_ESC) {
			con.esc = true;
			continue;
		}
		p[w++] = c;
	}
	return w;
}

/* Move what the UART has received into the input buffer, without blocking. */
static void pump(void)
{
	if (__atomic_exchange_n(&con.flush, false, __ATOMIC_ACQ_REL) && canonical() &&
	    !con.line_done)
		con.len = 0;
	if (canonical()) {
		char c;
		while (!con.line_done && !con.eof_once && console_read_nonblock(&c, 1) == 1)
			canon_byte(c);
		return;
	}
	if (con.rpos) {
		memmove(con.buf, con.buf + con.rpos, con.len - con.rpos);
		con.len -= con.rpos;
		con.rpos = 0;
	}
	while (!con.eof && con.len < INBUF) {
		long n = console_read_nonblock(con.buf + con.len, INBUF - con.len);
		if (n <= 0)
			break;
		con.len += raw_bytes(con.buf + con.len, (size_t)n);
	}
}

/* Bytes a read may take now: -1 when it must wait, 0 at end of input. */
static long readable(size_t want)
{
	size_t avail = con.len - con.rpos;

	if (canonical()) {
		if (con.line_done)
			return (long)avail;
		return con.eof_once ? 0 : -1;
	}
	if (con.tty) {
		size_t vmin = con.termios.c_cc[VMIN];
		return avail >= MIN(vmin, want) ? (long)avail : -1;
	}
	return avail || con.eof ? (long)avail : -1;
}

static long take(struct uio *u, size_t avail)
{
	size_t n = MIN(avail, u->resid);

	if (!canonical() && !avail)
		return 0;
	if (canonical() && !con.line_done) {
		con.eof_once = false;
		return 0;
	}
	if (uio_copy_out(u, con.buf + con.rpos, n))
		return -EFAULT;
	con.rpos += n;
	if (canonical() && con.rpos == con.len) {
		con.len = con.rpos = 0;
		con.line_done = false;
	}
	return (long)n;
}

static long con_read(struct file *f, struct uio *u, uint64_t *pos)
{
	long r;

	if (!u->resid)
		return 0;
	mutex_lock(&con.in_lock);
	for (;;) {
		pump();
		r = readable(u->resid);
		if (r >= 0) {
			r = take(u, (size_t)r);
			break;
		}
		if ((f->flags & O_NONBLOCK) || u->nowait) {
			r = -EAGAIN;
			break;
		}
		mutex_unlock(&con.in_lock);
		if (console_wait_input())
			return -ERESTARTSYS;
		mutex_lock(&con.in_lock);
	}
	mutex_unlock(&con.in_lock);
	return r;
}

/* fd 2's console file, opened apart from fds 0 and 1 (fdtable_setup_stdio). */
void console_mark_stderr(struct file *f)
{
	f->priv = (void *)(uintptr_t)CONSOLE_STDERR;
}

/* /dev/stderr (/proc/self/fd/2) writes where fd 2 does. */
static void console_reopen(struct file *f, const struct file *from)
{
	f->priv = from->priv;
}

static int file_stream(const struct file *f)
{
	return f->priv ? CONSOLE_STDERR : CONSOLE_STDOUT;
}

/*
 * The UART is slow (a long write takes minutes under TCG), so a pending
 * signal ends the write between chunks: the bytes written so far. On a
 * terminal (--tty) also before the first, with a restart code, as Linux's
 * tty does; when the host's side is a pipe or a file, a write that has not
 * started is not cut (natively the program's write to a file never is:
 * printf under a frequent SIGALRM lost lines), only a driver that must wait
 * for room gives up on a signal. A driver's stream takes large chunks,
 * copied through one buffer under the output lock.
 */
#define WRITE_CHUNK 65536

static long con_write(struct file *f, struct uio *u, uint64_t *pos)
{
	static char buf[WRITE_CHUNK];
	int stream = file_stream(f);
	size_t max = READ_ONCE(streams[stream].ops) ? WRITE_CHUNK : 512;
	long done = 0;

	mutex_lock(&con.out_lock);
	while (u->resid) {
		if (READ_ONCE(streams[stream].gone)) {
			done = done ? done : -EPIPE;
			break;
		}
		if ((done || con.tty) && signal_pending()) {
			done = done ? done : -ERESTARTSYS;
			break;
		}
		size_t chunk = MIN(u->resid, max);
		if (uio_copy_in(u, buf, chunk)) {
			done = done ? done : -EFAULT;
			break;
		}
		long r = output(stream, buf, chunk);
		if (r <= 0) {
			done = done ? done : r;
			break;
		}
		done += r;
		if ((size_t)r < chunk)
			break;
	}
	mutex_unlock(&con.out_lock);
	/* As a pipe with no reader: only an application's write raises SIGPIPE. */
	if (done == -EPIPE && u->user)
		signal_raise_current(SIGPIPE);
	return done;
}

static unsigned int console_poll(struct file *f, struct poll_table *pt)
{
	unsigned int mask = POLLOUT | POLLWRNORM;

	poll_wait(pt, console_input_waitq());
	mutex_lock(&con.in_lock);
	pump();
	long n = readable(1);
	/* The end of piped input shows as a hang-up, as a pipe's does. */
	if (n > 0 || (n == 0 && canonical()))
		mask |= POLLIN | POLLRDNORM;
	else if (n == 0 && con.eof)
		mask |= POLLHUP;
	mutex_unlock(&con.in_lock);
	return mask;
}

static void flush_input(void)
{
	char junk[64];

	while (console_read_nonblock(junk, sizeof(junk)) > 0)
		;
	con.len = con.rpos = 0;
	con.line_done = con.eof_once = false;
}

static int set_termios(unsigned int cmd, unsigned long arg)
{
	struct termios t;

	if (copy_from_user(&t, (void __user *)arg, sizeof(t)))
		return -EFAULT;
	mutex_lock(&con.in_lock);
	if (cmd == TCSETSF)
		flush_input();
	con.termios = t;
	/* Entering canonical mode: what is buffered becomes the line being edited. */
	if (canonical() && con.rpos) {
		memmove(con.buf, con.buf + con.rpos, con.len - con.rpos);
		con.len -= con.rpos;
		con.rpos = 0;
	}
	mutex_unlock(&con.in_lock);
	return 0;
}

static int fionread(unsigned long arg)
{
	long n;

	mutex_lock(&con.in_lock);
	pump();
	n = readable(INBUF);
	mutex_unlock(&con.in_lock);
	return put_user((int)MAX(n, 0), (int __user *)arg);
}

/*
 * The terminal's foreground process group (TIOCSPGRP sets it): the first
 * application's session, whose leader it is, until then. Ctrl-C goes there.
 */
static int fg_pgrp;

static int foreground_group(void)
{
	int pgid = READ_ONCE(fg_pgrp);

	return pgid ? pgid : process_console_session();
}

static int tty_ioctl(unsigned int cmd, unsigned long arg)
{
	switch (cmd) {
	case TCGETS:
		return copy_to_user((void __user *)arg, &con.termios, sizeof(con.termios));
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		return set_termios(cmd, arg);
	case TIOCGWINSZ:
		return copy_to_user((void __user *)arg, &con.winsize, sizeof(con.winsize));
	case TIOCSWINSZ:
		return copy_from_user(&con.winsize, (void __user *)arg, sizeof(con.winsize));
	case TIOCGPGRP:
		return put_user(foreground_group(), (int __user *)arg);
	case TIOCGSID:
		return put_user(process_console_session(), (int __user *)arg);
	case TIOCOUTQ:
		return put_user(0, (int __user *)arg);
	case TCFLSH:
		if (arg > TCIOFLUSH)
			return -EINVAL;
		if (arg != TCOFLUSH) {
			mutex_lock(&con.in_lock);
			flush_input();
			mutex_unlock(&con.in_lock);
		}
		return 0;
	case TIOCSPGRP: {
		int pgid;
		if (get_user(pgid, (int __user *)arg))
			return -EFAULT;
		if (pgid <= 0)
			return -EINVAL;
		WRITE_ONCE(fg_pgrp, pgid);
		return 0;
	}
	}
	return tty_ioctl_ignored(cmd) ? 0 : -ENOTTY;
}

bool tty_ioctl_ignored(unsigned int cmd)
{
	return cmd == TIOCSPGRP || cmd == TIOCSCTTY || cmd == TIOCNOTTY || cmd == TCSBRK ||
	       cmd == TCXONC;
}

static int console_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	if (cmd == FIONREAD)
		return fionread(arg);
	return con.tty ? tty_ioctl(cmd, arg) : -ENOTTY;
}

const struct file_ops console_fops = {
	.read = con_read,
	.write = con_write,
	.ioctl = console_ioctl,
	.poll = console_poll,
	.reopen = console_reopen,
};

/* /dev/tty is the controlling terminal, which there is only with --tty. */
static int tty_open(struct file *f)
{
	return con.tty ? 0 : -ENXIO;
}

const struct file_ops tty_fops = {
	.read = con_read,
	.write = con_write,
	.ioctl = console_ioctl,
	.poll = console_poll,
	.open = tty_open,
};

/*
 * Ctrl-C and Ctrl-\ with ISIG, in the UART's interrupt handler: the byte is
 * dropped, the line being edited goes, and the process gets SIGINT or
 * SIGQUIT (sending only queues it, which an interrupt handler may do).
 */
static bool signal_hook(char c)
{
	int sig = is_cc(c, VINTR) ? SIGINT : is_cc(c, VQUIT) ? SIGQUIT : 0;

	if (!lflag(ISIG) || !(sig || is_cc(c, VSUSP)))
		return false;
	if (!sig)
		return true; /* no job control: Ctrl-Z does nothing */
	if (lflag(ECHO) && lflag(ECHOCTL)) {
		char caret[2] = { '^', (char)(c ^ 0x40) };
		uart_write(caret, 2);
	}
	__atomic_store_n(&con.flush, true, __ATOMIC_RELEASE);
	if (foreground_group())
		process_kill_group(foreground_group(), sig,
				   NULL); /* SI_KERNEL, as a tty sends it */
	return true;
}

/*
 * Escaped input: watch for the host's trace-dump request as bytes arrive
 * (the reader may not read for a long time). The bytes stay in the ring;
 * raw_bytes() drops the pair. ESC ESC is a literal byte, not an escape.
 */
static bool escape_hook(char c)
{
	static bool esc;

	if (esc && (uint8_t)c == CONSOLE_ESC_TRACE)
		trace_request_dump();
	esc = !esc && (uint8_t)c == CONSOLE_ESC;
	return false;
}

static void parse_winsize(const char *s)
{
	unsigned int cols = 0, rows = 0;

	while (*s >= '0' && *s <= '9')
		cols = cols * 10 + (*s++ - '0');
	if (*s++ == 'x') {
		while (*s >= '0' && *s <= '9')
			rows = rows * 10 + (*s++ - '0');
	}
	con.winsize = (struct winsize){ .ws_row = rows && rows < 10000 ? rows : 24,
					.ws_col = cols && cols < 10000 ? cols : 80 };
}

void console_dev_init(void)
{
	const char *tty = cmdline_get("tty");

	mutex_init(&con.in_lock);
	mutex_init(&con.out_lock);
	con.termios = tty_default_termios;
	con.tty = tty != NULL;
	con.escaped = !con.tty && cmdline_has("stdin-eof");
	if (con.escaped)
		console_input_hook = escape_hook;
	if (!con.tty)
		return;
	parse_winsize(tty);
	console_input_hook = signal_hook;
}
