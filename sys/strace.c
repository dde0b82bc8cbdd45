/*
 * --strace: one line per system call, "name(args) = result", in strace's
 * style. Calls that may block or never return (read, exit) are announced
 * before they run, so a hang shows where it is.
 */
#include <alto/errno_names.h>
#include <alto/printk.h>
#include <alto/sched.h>
#include <alto/cpu.h>
#include <alto/string.h>
#include <alto/syscall.h>
#include <alto/trap.h>
#include <alto/uaccess.h>
#include <uapi/errno.h>
#include "internal.h"

#define STR_MAX 64

bool strace_enabled;

struct line {
	char buf[512];
	size_t len;
};

static void add(struct line *l, const char *fmt, ...) __printf(2, 3);
static void add(struct line *l, const char *fmt, ...)
{
	va_list ap;

	if (l->len >= sizeof(l->buf))
		return;
	va_start(ap, fmt);
	int n = vsnprintf(l->buf + l->len, sizeof(l->buf) - l->len, fmt, ap);
	va_end(ap);
	l->len = MIN(l->len + (size_t)n, sizeof(l->buf) - 1);
}

/* Read a string or buffer of the application: the bytes shown, and whether more remain. */
static long fetch(char *tmp, size_t cap, const char __user *p, size_t len, bool is_string,
		  bool *more)
{
	if (!is_string) {
		size_t n = MIN(len, cap);
		*more = n < len;
		return copy_from_user(tmp, p, n) ? -EFAULT : (long)n;
	}
	long r = strncpy_from_user(tmp, p, cap);
	*more = r == -ENAMETOOLONG;
	return *more ? (long)cap : r;
}

/* A string or buffer of the application, escaped and cut at STR_MAX bytes. */
static void add_quoted(struct line *l, const char __user *p, size_t len, bool is_string)
{
	char tmp[STR_MAX];
	bool more;

	if (!p) {
		add(l, "NULL");
		return;
	}
	long n = fetch(tmp, sizeof(tmp), p, len, is_string, &more);
	if (n < 0) {
		add(l, "%p", (const void *)p);
		return;
	}
	add(l, "\"");
	for (long i = 0; i < n; i++) {
		unsigned char c = (unsigned char)tmp[i];
		if (c == '\n')
			add(l, "\\n");
		else if (c == '\t')
			add(l, "\\t");
		else if (c == '"' || c == '\\')
			add(l, "\\%c", c);
		else if (c < 32 || c >= 127)
			add(l, "\\%o", c);
		else
			add(l, "%c", c);
	}
	add(l, more ? "\"..." : "\"");
}

static void add_arg(struct line *l, char kind, long v, long next)
{
	switch (kind) {
	case 'd':
		add(l, v == -100 ? "AT_FDCWD" : "%d", (int)v);
		break;
	case 'u':
		add(l, "%lu", v);
		break;
	case 's':
		add_quoted(l, (const char *)v, STR_MAX, true);
		break;
	case 'b':
		add_quoted(l, (const char *)v, (size_t)next, false);
		break;
	case 'm':
		add(l, "0%lo", v);
		break;
	case 'p':
		add(l, v ? "%#lx" : "NULL", v);
		break;
	default:
		add(l, "%#lx", v);
		break;
	}
}

static void format_call(struct line *l, const struct trap_frame *f, unsigned long nr)
{
	const long args[6] = { f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9 };
	const char *kinds = syscall_args(nr);

	if (kinds) {
		add(l, "%s(", syscall_name(nr));
	} else { /* past the table or in a gap: no name, six raw arguments */
		add(l, "syscall_%lu(", nr);
		kinds = "xxxxxx";
	}
	for (int i = 0; kinds[i] && i < 6; i++) {
		if (i)
			add(l, ", ");
		add_arg(l, kinds[i], args[i], i < 5 ? args[i + 1] : 0);
	}
	add(l, ")");
}

static bool announce_first(unsigned long nr)
{
	static const char *const blocking[] = {
		"exit",	  "exit_group", "read",	    "nanosleep",  "clock_nanosleep", "poll",
		"ppoll",  "select",	"pselect6", "epoll_wait", "epoll_pwait",     "epoll_pwait2",
		"accept", "accept4",	"recvfrom", "recvmsg",	  "connect",
	};
	const char *name = syscall_name(nr);

	for (size_t i = 0; name && i < sizeof(blocking) / sizeof(blocking[0]); i++) {
		if (!strcmp(name, blocking[i]))
			return true;
	}
	return false;
}

void strace_enter(struct trap_frame *f, unsigned long nr)
{
	if (!announce_first(nr))
		return;
	struct line l = { .len = 0 };
	format_call(&l, f, nr);
	add(&l, " ...\n");
	console_write(l.buf, l.len);
}

void strace_exit(struct trap_frame *f, unsigned long nr, long ret)
{
	struct line l = { .len = 0 };

	format_call(&l, f, nr);
	if (ret < 0 && ret >= -4095) {
		const char *name = errno_name((int)-ret);
		if (name)
			add(&l, " = -1 %s (%s)\n", name, errno_text((int)-ret));
		else
			add(&l, " = -1 errno %ld\n", -ret);
	} else {
		/* Addresses (mmap, brk) read better in hex, counts in decimal. */
		add(&l, ret > 0xffff ? " = %#lx\n" : " = %ld\n", ret);
	}
	console_write(l.buf, l.len);
}
