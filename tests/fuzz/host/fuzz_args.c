/*
 * libFuzzer target: the command-line words shared by the kernel and the
 * host tool (lib/args.c, lib/commands.c). The input, cut at NUL bytes, is
 * a list of words: quoted with args_quote and joined after a program name,
 * cmd_parse must give them back exactly as that program's arguments, and no
 * quoted word may need more than twice its length plus two. The input as
 * one line is parsed too (any bytes), and the words are checked against
 * Linux's execve limits (args_exec_check) without a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <alto/args.h>
#include <alto/commands.h>

#define MAX_WORDS 256

/* Parse line with the arena cmd_parse always fits in; the arena is the caller's to free. */
static int parse(const char *line, struct cmd_line *cl, void **arena)
{
	size_t size = 64 * strlen(line) + 1024;
	struct cmd_error err;

	*arena = malloc(size);
	return cmd_parse(line, *arena, size, cl, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *words[MAX_WORDS];
	int n = 0;

	memcpy(text, data, size);
	text[size] = 0;
	for (char *p = text; p <= text + size && n < MAX_WORDS; p += strlen(p) + 1)
		words[n++] = p;
	size_t len = sizeof("/p");
	for (int i = 0; i < n; i++) {
		size_t need = args_quote(words[i], NULL, 0);
		if (need > 2 * strlen(words[i]) + 2)
			abort();
		len += need + 1;
	}
	char *line = malloc(len + 1), *at = line;
	at += strlen(strcpy(line, "/p"));
	for (int i = 0; i < n; i++) {
		*at++ = ' ';
		at += args_quote(words[i], at, len + 1 - (size_t)(at - line));
	}
	*at = 0;
	struct cmd_line cl;
	void *arena;
	if (parse(line, &cl, &arena) || cl.ncmds != 1 || cl.cmds[0].argc != n + 1)
		abort();
	for (int i = 0; i < n; i++) {
		if (strcmp(cl.cmds[0].argv[i + 1], words[i]))
			abort();
	}
	free(arena);
	const char *why;
	args_exec_check(words[0], n, words, 0, NULL, &why);
	memcpy(text, data, size);
	text[size] = 0;
	parse(text, &cl, &arena);
	free(arena);
	free(line);
	free(text);
	return 0;
}
