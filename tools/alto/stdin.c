/*
 * Console input. A terminal on stdin and stdout goes to QEMU as it is (the
 * kernel is told its size with --tty=COLSxROWS). Anything else (a file, a
 * pipe, /dev/null) is forwarded by a thread through a pipe, escaped so the
 * guest also learns where it ends (include/alto/console.h, --stdin-eof).
 * Then alto run also keeps the program's stdout and stderr apart from the
 * kernel's lines (console_split_streams; qemu.c adds the devices), and tells
 * the kernel when their readers are gone (console_watch_readers).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <alto/console.h>
#include <alto/power.h>
#include "alto.h"

const char *console_setup(struct vm_config *c)
{
	static char tty[64];
	struct winsize ws = { 0 };

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		c->stdin_escape = true;
		return "--stdin-eof";
	}
	c->stdin_escape = false;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) || !ws.ws_col || !ws.ws_row)
		ws = (struct winsize){ .ws_col = 80, .ws_row = 24 };
	snprintf(tty, sizeof(tty), "--tty=%ux%u", ws.ws_col, ws.ws_row);
	return tty;
}

static bool reopenable(int fd)
{
	struct stat st;

	return !fstat(fd, &st) && !S_ISSOCK(st.st_mode);
}

bool console_split_streams(const struct vm_config *c)
{
	return c->stdin_escape && reopenable(STDOUT_FILENO) && reopenable(STDERR_FILENO);
}

bool console_same_streams(void)
{
	struct stat out, err;

	return !fstat(STDOUT_FILENO, &out) && !fstat(STDERR_FILENO, &err) &&
	       out.st_dev == err.st_dev && out.st_ino == err.st_ino;
}

/* Write all of buf; false when the reader is gone (QEMU ended). */
static bool write_all(int fd, const unsigned char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= n;
	}
	return true;
}

/* Escape one block: every CONSOLE_ESC byte is doubled. out holds 2 * len bytes. */
static size_t escape(const unsigned char *in, size_t len, unsigned char *out)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		out[n++] = in[i];
		if (in[i] == CONSOLE_ESC)
			out[n++] = CONSOLE_ESC_ESC;
	}
	return n;
}

/* The pipe to QEMU's stdin, shared with trace requests; writes are whole escapes. */
static int console_fd = -1;
static pthread_mutex_t console_lock = PTHREAD_MUTEX_INITIALIZER;

static bool send_locked(const unsigned char *buf, size_t len)
{
	pthread_mutex_lock(&console_lock);
	bool ok = console_fd >= 0 && write_all(console_fd, buf, len);
	pthread_mutex_unlock(&console_lock);
	return ok;
}

/*
 * When the kernel traces, the pipe stays open after the end of input (the
 * escape says where the input ends), so that trace requests can still
 * come; otherwise QEMU sees the pipe's end too.
 */
static void *forward(void *arg)
{
	static unsigned char in[4096], out[2 * sizeof(in)];
	static const unsigned char eof[] = { CONSOLE_ESC, CONSOLE_ESC_EOF };
	bool keep_open = arg != NULL;

	for (;;) {
		ssize_t n = read(STDIN_FILENO, in, sizeof(in));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* an error reads as the end of input, as it would for the program */
		if (!send_locked(out, escape(in, n, out)))
			return NULL;
	}
	send_locked(eof, sizeof(eof));
	if (!keep_open) {
		pthread_mutex_lock(&console_lock);
		close(console_fd);
		console_fd = -1;
		pthread_mutex_unlock(&console_lock);
	}
	return NULL;
}

bool console_request_trace(void)
{
	static const unsigned char req[] = { CONSOLE_ESC, CONSOLE_ESC_TRACE };
	sigset_t pipe_set, old;
	struct timespec zero = { 0, 0 };

	/* QEMU may be gone: EPIPE, not the tool's end. */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	bool ok = send_locked(req, sizeof(req));
	if (!ok)
		sigtimedwait(&pipe_set, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ok;
}

/*
 * A detached thread (console input, the stream watch) that blocks every
 * signal: SIGCHLD must reach the main thread's sigtimedwait(), and SIGPIPE
 * (QEMU gone) must become EPIPE, not the end of the tool. The main thread
 * does not wait for it: when QEMU ends, the tool ends, even if stdin still
 * has data.
 */
static void start_quiet_thread(void *(*fn)(void *), void *arg, const char *what)
{
	sigset_t all, old;
	pthread_t thread;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int err = pthread_create(&thread, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		die("cannot start the %s thread: %s", what, strerror(err));
	pthread_detach(thread);
}

void console_forward_start(int fd, bool keep_open)
{
	console_fd = fd;
	start_quiet_thread(forward, keep_open ? &console_fd : NULL, "console input");
}

static bool is_pipe(int fd)
{
	struct stat st;

	return !fstat(fd, &st) && S_ISFIFO(st.st_mode);
}

/*
 * Wait for the readers of our stdout and stderr (pipes) to go: a pipe's
 * writing end shows POLLERR then. Each one gone is told to the kernel once
 * through the requests' UART (drivers/stop.c).
 */
static void *watch_readers(void *arg)
{
	static const char request[2] = { POWER_STDOUT_GONE, POWER_STDERR_GONE };
	struct pollfd p[2] = { { STDOUT_FILENO, 0, 0 }, { STDERR_FILENO, 0, 0 } };
	int requests = (int)(intptr_t)arg;

	for (int i = 0; i < 2; i++)
		p[i].fd = is_pipe(p[i].fd) ? p[i].fd : -1;
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			if ((p[i].revents & (POLLERR | POLLHUP)) &&
			    write(requests, &request[i], 1) < 0)
				return NULL; /* QEMU is gone */
			p[i].fd = -1;
		}
	}
	return NULL;
}

void console_watch_readers(int requests)
{
	if (is_pipe(STDOUT_FILENO) || is_pipe(STDERR_FILENO))
		start_quiet_thread(watch_readers, (void *)(intptr_t)requests, "stream watch");
}
