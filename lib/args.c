/*
 * Command-line words with shell-style quoting, shared by the kernel (which
 * splits its command line into the application's argv) and the host tool
 * (which quotes each argument).
 */
#include <stdbool.h>
#include <alto/args.h>
#include <alto/string.h>
#include <uapi/errno.h>

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* Copy one word starting at *src to *dst, unquoting; returns 0 or -EINVAL. */
static int one_word(char **src, char **dst)
{
	char *s = *src, *d = *dst;
	char quote = 0;

	for (; *s && (quote || !blank(*s)); s++) {
		if (quote == '\'') {
			if (*s == '\'')
				quote = 0;
			else
				*d++ = *s;
		} else if (*s == '\\' && s[1] && (!quote || s[1] == '"' || s[1] == '\\')) {
			*d++ = *++s;
		} else if (*s == '"') {
			quote = quote ? 0 : '"';
		} else if (*s == '\'' && !quote) {
			quote = '\'';
		} else {
			*d++ = *s;
		}
	}
	if (quote)
		return -EINVAL;
	*src = s;
	*dst = d;
	return 0;
}

int args_split(char *s, char **argv, int max)
{
	char *out = s;
	int n = 0;

	for (;;) {
		while (blank(*s))
			s++;
		if (!*s)
			break;
		if (n == max)
			return -E2BIG;
		argv[n++] = out;
		/* The unquoted word is never longer than the quoted one: write it in place. */
		bool end = false;
		if (one_word(&s, &out))
			return -EINVAL;
		end = !*s;
		*out++ = 0;
		if (end)
			break;
		s++;
	}
	return n;
}

size_t args_quote(const char *arg, char *out, size_t size)
{
	size_t n = 0;
	bool plain = *arg != 0;

	for (const char *p = arg; *p; p++)
		plain &= !blank(*p) && !strchr("'\"\\", *p);
	if (plain) {
		size_t len = strlen(arg);
		if (size) {
			size_t n = len < size - 1 ? len : size - 1;
			memcpy(out, arg, n);
			out[n] = 0;
		}
		return len;
	}
	/* '...' with each ' written as '\'' */
#define PUT(c)                        \
	do {                          \
		if (n + 1 < size)     \
			out[n] = (c); \
		n++;                  \
	} while (0)
	PUT('\'');
	for (const char *p = arg; *p; p++) {
		if (*p == '\'') {
			PUT('\'');
			PUT('\\');
			PUT('\'');
			PUT('\'');
		} else {
			PUT(*p);
		}
	}
	PUT('\'');
#undef PUT
	if (size)
		out[n < size ? n : size - 1] = 0;
	return n;
}
