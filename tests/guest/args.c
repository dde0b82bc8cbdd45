/*
 * Arguments and environment as the program receives them: every argv word
 * (escaped so that blanks and quotes show) and every environment entry, in
 * order. The runner passes the same words and variables natively and to
 * alto run. With --sizes first, only their counts, sizes and a hash of
 * every byte (for megabytes of arguments, at Linux's limits).
 */
#include <stdint.h>
#include "common.h"

extern char **environ;

/* FNV-1a over the strings, each with its NUL. */
static uint64_t hash_strings(char **v, int n, uint64_t h, size_t *bytes, size_t *longest)
{
	for (int i = 0; i < n; i++) {
		size_t len = strlen(v[i]);
		for (size_t k = 0; k <= len; k++)
			h = (h ^ (unsigned char)v[i][k]) * 0x100000001b3ull;
		*bytes += len + 1;
		if (len > *longest)
			*longest = len;
	}
	return h;
}

static int sizes(int argc, char **argv)
{
	size_t bytes = 0, longest = 0;
	int envc = 0;

	while (environ[envc])
		envc++;
	uint64_t h = hash_strings(argv, argc, 0xcbf29ce484222325ull, &bytes, &longest);
	h = hash_strings(environ, envc, h, &bytes, &longest);
	printf("argc %d, envc %d, %zu bytes of strings, the longest %zu, hash %016llx\n", argc,
	       envc, bytes, longest, (unsigned long long)h);
	return 0;
}

int main(int argc, char **argv)
{
	setup();
	if (argc > 1 && !strcmp(argv[1], "--sizes"))
		return sizes(argc, argv);
	printf("argc: %d\n", argc);
	for (int i = 0; i < argc; i++) {
		char what[32];
		snprintf(what, sizeof(what), "argv[%d]", i);
		show(what, argv[i], strlen(argv[i]));
	}
	int n = 0;
	for (char **e = environ; *e; e++, n++) {
		char what[32];
		snprintf(what, sizeof(what), "env[%d]", n);
		show(what, *e, strlen(*e));
	}
	printf("environment entries: %d\n", n);
	const char *home = getenv("HOME");
	printf("getenv HOME: %s\n", home ? home : "(unset)");
	return 0;
}
