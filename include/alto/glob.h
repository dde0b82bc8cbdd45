/*
 * Shell-style name patterns (lib/glob.c): '*' matches any run of
 * characters, '?' any one character, everything else itself. Used for
 * --trace=GLOB lists; also built on the host for its unit test.
 */
#ifndef ALTO_GLOB_H
#define ALTO_GLOB_H

#include <stdbool.h>
#include <stddef.h>

/* Does s match the pattern's first plen characters? */
bool glob_match(const char *pattern, size_t plen, const char *s);
/* Does s match one of the comma-separated patterns of list? */
bool glob_match_list(const char *list, const char *s);

#endif
