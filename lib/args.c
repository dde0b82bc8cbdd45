/*
 * Quoting a program's arguments for the command line the kernel parses
 * (lib/commands.c): the host tool quotes each word so that the parser gives
 * it back exactly, blanks, quotes and the separators ; & ! included.
 */
#include <stdbool.h>
#include <alto/args.h>
#include <alto/string.h>
#include <uapi/errno.h>

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'; /* cmd_parse's blanks */
}

size_t args_quote(const char *arg, char *out, size_t size)
{
	size_t n = 0;
	bool plain = *arg != 0;

	for (const char *p = arg; *p; p++)
		plain &= !blank(*p) && !strchr("'\"\\;&!", *p);
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
