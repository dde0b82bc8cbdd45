/*
 * An event's arguments as text. A tracepoint's format is printf-like: %d
 * %u %x %p take the next argument word, %s prints the payload as text and
 * %h as hex. A system call's entry is printed as strace does, from the
 * argument kinds of sys/syscalls.def, with its first string argument's
 * text; its exit as "= value" or "= -1 ENAME".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <alto/errno_names.h>
#include "alto.h"
#include "trace.h"

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->len >= o->size)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
	if (o->len >= o->size)
		o->len = o->size - 1;
}

/* The payload as a C string literal's body, cut at max bytes. */
static void put_text(struct out *o, const uint8_t *data, size_t n, size_t max)
{
	for (size_t i = 0; i < n && i < max; i++) {
		uint8_t c = data[i];
		if (c == '"' || c == '\\')
			put(o, "\\%c", c);
		else if (c >= 32 && c < 127)
			put(o, "%c", c);
		else if (c == '\n')
			put(o, "\\n");
		else
			put(o, "\\x%02x", c);
	}
	if (n > max)
		put(o, "...");
}

static void put_hex(struct out *o, const uint8_t *data, size_t n)
{
	for (size_t i = 0; i < n && i < 64; i++)
		put(o, "%02x", data[i]);
	if (n > 64)
		put(o, "...");
}

static void put_open_flags(struct out *o, uint64_t v)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} bits[] = {
		{ O_CREAT, "O_CREAT" },		{ O_EXCL, "O_EXCL" },
		{ O_NOCTTY, "O_NOCTTY" },	{ O_TRUNC, "O_TRUNC" },
		{ O_APPEND, "O_APPEND" },	{ O_NONBLOCK, "O_NONBLOCK" },
		{ O_DIRECTORY, "O_DIRECTORY" }, { O_NOFOLLOW, "O_NOFOLLOW" },
		{ O_CLOEXEC, "O_CLOEXEC" },	{ O_PATH, "O_PATH" },
	};
	static const char *const access[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };

	put(o, "%s", access[v & 3]);
	v &= ~3ull;
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if ((v & bits[i].bit) == bits[i].bit) {
			put(o, "|%s", bits[i].name);
			v &= ~bits[i].bit;
		}
	}
	if (v)
		put(o, "|%#llx", (unsigned long long)v);
}

static void syscall_enter(struct out *o, const struct tpoint *p, const struct tevent *e)
{
	bool string_done = false;

	put(o, "%s(", trace_syscall_name(p));
	for (unsigned int i = 0; i < p->nargs; i++) {
		uint64_t v = e->args[i];
		if (i)
			put(o, ", ");
		switch (p->fmt[i]) {
		case 'd': /* an int, as the kernel's --strace prints it */
			put(o, (int)v == -100 ? "AT_FDCWD" : "%d", (int)v);
			break;
		case 'u':
			put(o, "%llu", (unsigned long long)v);
			break;
		case 's':
			if (!string_done && v && e->kept) {
				put(o, "\"");
				put_text(o, e->data, e->kept, 128);
				put(o, "\"%s", e->len > e->kept ? "..." : "");
				string_done = true;
				break;
			}
			/* fall through */
		case 'p':
		case 'b':
			put(o, v ? "%#llx" : "NULL", (unsigned long long)v);
			break;
		case 'o':
			put_open_flags(o, v);
			break;
		case 'm':
			put(o, "0%llo", (unsigned long long)v);
			break;
		default:
			put(o, "%#llx", (unsigned long long)v);
		}
	}
	put(o, ")");
}

static void syscall_exit(struct out *o, const struct tevent *e)
{
	int64_t r = (int64_t)e->args[0];

	if (r < 0 && r >= -4095) {
		const char *name = errno_name((int)-r);
		put(o, "= -1 %s", name ? name : "");
		if (!name)
			put(o, "E%lld", (long long)-r);
	} else if (r > 0xffff) { /* addresses (mmap, brk) read better in hex */
		put(o, "= %#llx", (unsigned long long)r);
	} else {
		put(o, "= %lld", (long long)r);
	}
}

/* One conversion of a tracepoint format; returns the argument index after it. */
static unsigned int convert(struct out *o, char conv, const struct tpoint *p,
			    const struct tevent *e, unsigned int arg)
{
	if (conv == 's' || conv == 'h') {
		if (conv == 's')
			put_text(o, e->data, e->kept, 256);
		else
			put_hex(o, e->data, e->kept);
		return arg;
	}
	if (arg >= p->nargs) {
		put(o, "?");
		return arg;
	}
	uint64_t v = e->args[arg];
	if (conv == 'd')
		put(o, "%lld", (long long)v);
	else if (conv == 'u')
		put(o, "%llu", (unsigned long long)v);
	else
		put(o, "%#llx", (unsigned long long)v);
	return arg + 1;
}

void trace_format_args(const struct trace *t, const struct tevent *e, char *buf, size_t size)
{
	const struct tpoint *p = trace_point(t, e);
	struct out o = { buf, size, 0 };
	unsigned int arg = 0;

	buf[0] = 0;
	if (p->flags & TP_F_SYSCALL) {
		if (p->enter || !strncmp(p->name, "sys_enter_", 10))
			syscall_enter(&o, p, e);
		else
			syscall_exit(&o, e);
		return;
	}
	for (const char *f = p->fmt; *f; f++) {
		if (*f != '%' || !f[1]) {
			put(&o, "%c", *f);
			continue;
		}
		arg = convert(&o, *++f, p, e, arg);
	}
}

const char *trace_syscall_name(const struct tpoint *p)
{
	if (!strncmp(p->name, "sys_enter_", 10))
		return p->name + 10;
	if (!strncmp(p->name, "sys_exit_", 9))
		return p->name + 9;
	return p->name;
}
