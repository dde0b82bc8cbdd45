/*
 * Splitting a command line into words with the shell's quoting subset:
 * blanks separate words, '...' is literal, "..." allows \" and \\, and a
 * backslash outside quotes escapes the next character. The host tool quotes
 * arguments so that the kernel's split gives them back exactly (lib/args.c).
 */
#ifndef ALTO_ARGS_H
#define ALTO_ARGS_H

#include <stddef.h>

/*
 * Split s in place (quotes are removed from it) into at most max words.
 * Returns the number of words, -E2BIG when there are more than max, or
 * -EINVAL for an unterminated quote.
 */
int args_split(char *s, char **argv, int max);

/*
 * Write arg to out (of size bytes) quoted for args_split; returns the length
 * the quoted form needs (as snprintf does).
 */
size_t args_quote(const char *arg, char *out, size_t size);

#endif
