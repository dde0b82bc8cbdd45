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

/* The bytes that quoting with q ('\'' or '"') adds to arg, quotes included. */
static size_t quoting_cost(const char *arg, char q)
{
	size_t extra = 2;

	for (const char *p = arg; *p; p++) {
		if (q == '\'' && *p == '\'')
			extra += 3; /* ' becomes '\'' */
		else if (q == '"' && (*p == '"' || *p == '\\'))
			extra += 1; /* a backslash before it */
	}
	return extra;
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
	/*
	 * '...' with each ' written as '\'', or "..." with a backslash before each
	 * " and \, whichever is shorter: never more than twice the word plus the
	 * quotes, which keeps the image's command line within its limit.
	 */
	char q = quoting_cost(arg, '"') < quoting_cost(arg, '\'') ? '"' : '\'';
#define PUT(c)                        \
	do {                          \
		if (n + 1 < size)     \
			out[n] = (c); \
		n++;                  \
	} while (0)
	PUT(q);
	for (const char *p = arg; *p; p++) {
		if (q == '\'' && *p == '\'') {
			PUT('\'');
			PUT('\\');
			PUT('\'');
			PUT('\'');
		} else if (q == '"' && (*p == '"' || *p == '\\')) {
			PUT('\\');
			PUT(*p);
		} else {
			PUT(*p);
		}
	}
	PUT(q);
#undef PUT
	if (size)
		out[n < size ? n : size - 1] = 0;
	return n;
}

/* The bytes a string takes on the new stack (with its NUL), or 0 when it is too long. */
static size_t exec_string(const char *s, const char **why)
{
	size_t len = strnlen(s, ARGS_MAX_STRLEN);

	if (len == ARGS_MAX_STRLEN) {
		*why = "an argument or environment string is longer than Linux takes "
		       "(131072 bytes with its NUL)";
		return 0;
	}
	return len + 1;
}

int args_exec_check(const char *path, int argc, char *const argv[], int envc, char *const envp[],
		    const char **why)
{
	size_t total = (size_t)(argc + envc) * sizeof(void *), n;

	if (!(n = exec_string(path, why)))
		return -E2BIG;
	total += n;
	for (int i = 0; i < argc + envc; i++) {
		if (!(n = exec_string(i < argc ? argv[i] : envp[i - argc], why)))
			return -E2BIG;
		total += n;
	}
	if (total > ARGS_MAX_TOTAL) {
		*why = "the arguments and environment take more than Linux takes (2 MiB, a "
		       "quarter of the 8 MiB stack, with one pointer each)";
		return -E2BIG;
	}
	return 0;
}
