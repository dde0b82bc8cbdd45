/*
 * Command lines for several programs, as OSv takes them (lib/commands.c,
 * shared by the kernel and the host tool, unit-tested on the host):
 *
 *     [--opt...] cmd [; | & | ! | &!] [--env=N=V] [--cwd=DIR] cmd ...
 *
 * A command is a program and its arguments. After it, `;` (or the end)
 * runs the next one once it has ended, `&` runs it in the background and
 * goes on at once, `!` waits for it and then ends the VM (every other
 * process with it), `&!` runs it in the background and ends the VM when it
 * ends. Words are separated by blanks; "..." keeps blanks and separators
 * (\" and \\ inside), '...' keeps everything, a backslash outside quotes
 * keeps the next character. Options at the very start of the line
 * (--name or --name=value) are the line's (the kernel's, and --env= and
 * --cwd= for every command); those at the start of a later command may
 * only be --env=NAME=VALUE (repeatable) and --cwd=DIR, for that command.
 * `runscript FILE` as a command stands for the commands in FILE, whose
 * $NAME and ${NAME} are first replaced from the environment (cmd_expand).
 */
#ifndef ALTO_COMMANDS_H
#define ALTO_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>

#define CMD_BACKGROUND 0x1 /* & or &!: do not wait for it */
#define CMD_ENDS_VM    0x2 /* ! or &!: when it ends, the VM ends */

struct cmd {
	char **argv; /* NULL-terminated */
	int argc;
	char **env; /* its --env= values, NAME=VALUE, NULL-terminated */
	int envc;
	const char *cwd; /* its --cwd=, or NULL */
	unsigned int flags;
	int column; /* where it starts in the line, from 1 */
};

struct cmd_line {
	char **opts; /* the line's leading options, as written (--name[=value]), NULL-terminated */
	int nopts;
	struct cmd *cmds;
	int ncmds;
};

/* What is wrong with a line, and where (the column, from 1). */
struct cmd_error {
	int column;
	const char *what;
};

/*
 * Parse line into out, laid out in arena (size bytes; 64 times the line's
 * length and 1 KiB more is always enough). Returns 0 (an empty line has no
 * command), -EINVAL with *err saying what and where, or -E2BIG when the
 * arena is too small.
 */
int cmd_parse(const char *line, void *arena, size_t size, struct cmd_line *out,
	      struct cmd_error *err);

/*
 * runscript's expansion of text: $NAME and ${NAME} become lookup's value
 * (NULL: nothing), \$ a plain $ (other backslashes stay for cmd_parse);
 * nothing changes inside '...', as in a shell.
 * NAME is a letter or _ then letters, digits and _. Writes at most size
 * bytes (NUL included) to out and returns the length of the whole result,
 * or -EINVAL with *err for a ${ without its }.
 */
long cmd_expand(const char *text, const char *(*lookup)(const char *name, size_t len, void *ctx),
		void *ctx, char *out, size_t size, struct cmd_error *err);

/* Where an error's column falls in a text of several lines: the line, its text, the column in it.
 */
struct cmd_place {
	int line, column;
	const char *text; /* the line's start; len bytes long */
	int len;
	bool several; /* the text has more than one line */
};
struct cmd_place cmd_error_place(const char *text, int column);

/* Is argv the runscript command (runscript FILE)? */
bool cmd_is_runscript(const struct cmd *c);

#endif
