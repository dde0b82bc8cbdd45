/*
 * vsnprintf for the kernel and for anything else built freestanding. It is
 * compiled on the host too, where tests compare it with the C library's.
 */
#include <stdbool.h>
#include <stdint.h>
#include <alto/format.h>
#include <alto/string.h>
#include <uapi/errno.h>

struct out {
	char *buf;
	size_t size;
	size_t len;
};

struct spec {
	bool left, zero, plus, space, alt;
	int width;
	int prec;    /* -1: none */
	char length; /* 'H' hh, 'h', 'l', 'L' ll, 'z', 't', 'j', 0 */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

static void put_str(struct out *o, const char *s, const struct spec *sp)
{
	if (!s)
		s = "(null)";
	int n = (int)strnlen(s, sp->prec >= 0 ? (size_t)sp->prec : SIZE_MAX);

	if (!sp->left)
		pad(o, ' ', sp->width - n);
	for (int i = 0; i < n; i++)
		put(o, s[i]);
	if (sp->left)
		pad(o, ' ', sp->width - n);
}

/* Format an unsigned magnitude with sign/prefix handling per C rules. */
static void put_num(struct out *o, uint64_t v, bool neg, unsigned base, bool upper,
		    const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	while (v) {
		tmp[n++] = digits[v % base];
		v /= base;
	}
	int ndigits = n;
	int prec = sp->prec >= 0 ? sp->prec : 1;
	if (ndigits < prec)
		ndigits = prec;
	if (base == 8 && sp->alt && ndigits <= n)
		ndigits = n + 1;

	const char *prefix = "";
	if (neg)
		prefix = "-";
	else if (sp->plus && base == 10)
		prefix = "+";
	else if (sp->space && base == 10)
		prefix = " ";
	else if (sp->alt && base == 16 && n > 0)
		prefix = upper ? "0X" : "0x";
	int plen = (int)strlen(prefix);
	int total = plen + ndigits;
	bool zero = sp->zero && !sp->left && sp->prec < 0;

	if (!sp->left && !zero)
		pad(o, ' ', sp->width - total);
	for (int i = 0; i < plen; i++)
		put(o, prefix[i]);
	if (zero)
		pad(o, '0', sp->width - total);
	pad(o, '0', ndigits - n);
	while (n > 0)
		put(o, tmp[--n]);
	if (sp->left)
		pad(o, ' ', sp->width - total);
}

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .prec = -1 };
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->zero = true;
		else if (*f == '+')
			sp->plus = true;
		else if (*f == ' ')
			sp->space = true;
		else if (*f == '#')
			sp->alt = true;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = -sp->width;
		}
		f++;
	} else {
		while (*f >= '0' && *f <= '9')
			sp->width = sp->width * 10 + (*f++ - '0');
	}
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			f++;
		} else {
			while (*f >= '0' && *f <= '9')
				sp->prec = sp->prec * 10 + (*f++ - '0');
		}
	}
	if (f[0] == 'h' && f[1] == 'h') {
		sp->length = 'H';
		f += 2;
	} else if (f[0] == 'l' && f[1] == 'l') {
		sp->length = 'L';
		f += 2;
	} else if (*f == 'h' || *f == 'l' || *f == 'z' || *f == 't' || *f == 'j') {
		sp->length = *f++;
	}
	return f;
}

static int64_t get_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 'H':
		return (signed char)va_arg(*ap, int);
	case 'h':
		return (short)va_arg(*ap, int);
	case 'l':
	case 'L':
	case 'j':
		return va_arg(*ap, long long);
	case 'z':
	case 't':
		return va_arg(*ap, ptrdiff_t);
	default:
		return va_arg(*ap, int);
	}
}

static uint64_t get_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 'H':
		return (unsigned char)va_arg(*ap, unsigned);
	case 'h':
		return (unsigned short)va_arg(*ap, unsigned);
	case 'l':
	case 'L':
	case 'j':
		return va_arg(*ap, unsigned long long);
	case 'z':
	case 't':
		return va_arg(*ap, size_t);
	default:
		return va_arg(*ap, unsigned);
	}
}

static void convert(struct out *o, char c, struct spec *sp, va_list *ap)
{
	switch (c) {
	case 'd':
	case 'i': {
		int64_t v = get_signed(sp, ap);
		put_num(o, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, false, sp);
		break;
	}
	case 'u':
		sp->plus = sp->space = false; /* signs are for signed conversions only */
		put_num(o, get_unsigned(sp, ap), false, 10, false, sp);
		break;
	case 'x':
	case 'X':
		put_num(o, get_unsigned(sp, ap), false, 16, c == 'X', sp);
		break;
	case 'o':
		put_num(o, get_unsigned(sp, ap), false, 8, false, sp);
		break;
	case 'p': {
		void *p = va_arg(*ap, void *);
		sp->alt = true;
		if (!p) {
			put_str(o, "(nil)", sp);
			break;
		}
		put_num(o, (uintptr_t)p, false, 16, false, sp);
		break;
	}
	case 'c': {
		char ch = (char)va_arg(*ap, int);
		if (!sp->left)
			pad(o, ' ', sp->width - 1);
		put(o, ch);
		if (sp->left)
			pad(o, ' ', sp->width - 1);
		break;
	}
	case 's':
		put_str(o, va_arg(*ap, const char *), sp);
		break;
	case '%':
		put(o, '%');
		break;
	default:
		/* Unknown conversion: print it as it was written. */
		put(o, '%');
		put(o, c);
		break;
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	va_list args;

	va_copy(args, ap);
	while (*fmt) {
		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		struct spec sp;
		fmt = parse_spec(fmt + 1, &sp, &args);
		if (!*fmt)
			break;
		convert(&o, *fmt++, &sp, &args);
	}
	va_end(args);
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int parse_u64(const char *s, unsigned long long *out)
{
	unsigned base = 10;
	unsigned long long v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -EINVAL;
		if (v > (~0ull - d) / base)
			return -EINVAL;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

int parse_size(const char *s, unsigned long long *out)
{
	char num[32];
	size_t n = strlen(s);
	unsigned shift = 0;

	if (n == 0 || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n + 1);
	switch (num[n - 1]) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	}
	if (shift)
		num[n - 1] = 0;
	unsigned long long v;
	if (parse_u64(num, &v) || (v << shift) >> shift != v)
		return -EINVAL;
	*out = v << shift;
	return 0;
}
