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
 * the quoted form needs (as snprintf does), at most 2 * strlen(arg) + 2.
 */
size_t args_quote(const char *arg, char *out, size_t size);

/*
 * What Linux's execve takes (fs/exec.c): each argument and environment
 * string at most ARGS_MAX_STRLEN bytes with its NUL, and all of them, the
 * program's path and one pointer per string within ARGS_MAX_TOTAL (a quarter
 * of the 8 MiB stack limit). The host tool refuses more before it boots
 * anything; the kernel checks again when it starts the program.
 */
#define ARGS_MAX_STRLEN (32 * 4096)
#define ARGS_MAX_TOTAL	((8ul << 20) / 4)
/* A quoted command line holding what ARGS_MAX_TOTAL allows (--env= prefixes included). */
#define ARGS_MAX_QUOTED (2 * ARGS_MAX_TOTAL + 4096)

/* 0 when execve would take these strings, else -E2BIG with *why set to a sentence. */
int args_exec_check(const char *path, int argc, char *const argv[], int envc, char *const envp[],
		    const char **why);

#endif
