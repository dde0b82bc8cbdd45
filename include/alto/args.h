/*
 * Quoting words for the kernel's command line (lib/args.c): the host tool
 * quotes each argument so that the kernel's parser (alto/commands.h) gives
 * it back exactly, blanks, quotes and the separators ; & ! included.
 */
#ifndef ALTO_ARGS_H
#define ALTO_ARGS_H

#include <stddef.h>

/*
 * Write arg to out (of size bytes) quoted for cmd_parse; returns the length
 * the quoted form needs (as snprintf does).
 */
size_t args_quote(const char *arg, char *out, size_t size);

#endif
