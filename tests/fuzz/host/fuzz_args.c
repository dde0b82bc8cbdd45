/*
 * libFuzzer target: the command-line words shared by the kernel and the
 * host tool (lib/args.c). The input, cut at NUL bytes, is a list of words:
 * quoted with args_quote and joined, args_split must give them back
 * exactly, and no quoted word may need more than twice its length plus two.
 * The input as one line is split too (any bytes), and the words are checked
 * against Linux's execve limits (args_exec_check) without a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <alto/args.h>

#define MAX_WORDS 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *words[MAX_WORDS], *split[MAX_WORDS];
	int n = 0;

	memcpy(text, data, size);
	text[size] = 0;
	for (char *p = text; p <= text + size && n < MAX_WORDS; p += strlen(p) + 1)
		words[n++] = p;
	size_t len = 0;
	for (int i = 0; i < n; i++) {
		size_t need = args_quote(words[i], NULL, 0);
		if (need > 2 * strlen(words[i]) + 2)
			abort();
		len += need + 1;
	}
	char *line = malloc(len + 1), *at = line;
	for (int i = 0; i < n; i++) {
		if (i)
			*at++ = ' ';
		at += args_quote(words[i], at, len + 1 - (size_t)(at - line));
	}
	*at = 0;
	if (args_split(line, split, MAX_WORDS) != n)
		abort();
	for (int i = 0; i < n; i++) {
		if (strcmp(split[i], words[i]))
			abort();
	}
	const char *why;
	args_exec_check(words[0], n, words, 0, NULL, &why);
	memcpy(text, data, size);
	text[size] = 0;
	args_split(text, NULL, MAX_WORDS);
	memcpy(text, data, size);
	args_split(text, split, MAX_WORDS);
	free(line);
	free(text);
	return 0;
}
