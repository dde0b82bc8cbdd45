/*
 * Host tests of command-line quoting (lib/args.c): whatever the host tool
 * quotes with args_quote(), the kernel's parser (cmd_parse, lib/commands.c)
 * must give back exactly as the program's arguments, for nasty hand-picked
 * arguments (the grammar's separators among them) and for random bytes;
 * the quoted form's bound, and Linux's execve limits (args_exec_check).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <alto/args.h>
#include <alto/commands.h>

/* Quote each argument, join them with one blank, and return the line (malloc'd). */
static char *quote_all(const char *const *args, int n)
{
	size_t len = 0;
	char *line;

	for (int i = 0; i < n; i++)
		len += args_quote(args[i], NULL, 0) + 1;
	line = malloc(len + 1);
	assert_non_null(line);
	size_t off = 0;
	for (int i = 0; i < n; i++) {
		if (i)
			line[off++] = ' ';
		size_t need = args_quote(args[i], NULL, 0);
		assert_int_equal(args_quote(args[i], line + off, need + 1), need);
		assert_int_equal(strlen(line + off), need);
		off += need;
	}
	line[off] = 0;
	return line;
}

/* The arguments after a program, quoted, come back from the parser as that program's argv. */
static void round_trip(const char *const *args, int n)
{
	char *quoted = quote_all(args, n);
	size_t len = strlen(quoted) + 8;
	char *line = malloc(len);
	size_t size = 64 * len + 1024;
	char *arena = malloc(size);
	struct cmd_line cl;
	struct cmd_error err;

	assert_non_null(line);
	assert_non_null(arena);
	snprintf(line, len, "/prog %s", quoted);
	int r = cmd_parse(line, arena, size, &cl, &err);
	if (r)
		fail_msg("parse error %d at column %d (%s) in: %s", r, err.column, err.what, line);
	if (cl.ncmds != 1 || cl.cmds[0].argc != n + 1)
		fail_msg("%d arguments came back as %d commands, %d words from: %s", n, cl.ncmds,
			 cl.ncmds ? cl.cmds[0].argc - 1 : 0, line);
	for (int i = 0; i < n; i++) {
		if (strcmp(cl.cmds[0].argv[i + 1], args[i]))
			fail_msg("argument %d \"%s\" came back as \"%s\" from: %s", i, args[i],
				 cl.cmds[0].argv[i + 1], line);
	}
	free(arena);
	free(line);
	free(quoted);
}

static void test_nasty_arguments(void **state)
{
	static const char *const args[] = {
		"plain",
		"with space",
		"",
		"it's",
		"\"double\"",
		"both ' and \"",
		"back\\slash",
		"\\",
		"\\\\",
		"'",
		"''",
		"\"",
		"trailing backslash\\",
		"tab\there",
		"new\nline",
		" leading and trailing ",
		"-x",
		"--option=value with space",
		"--",
		"-",
		"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		"$HOME `cmd` $(x) ;|&<>*?[]{}~#!",
		"'\\''",
		"\t\n ",
		";",
		"&",
		"!",
		"&!",
		"a;b&c!d",
		"runscript",
	};
	int n = sizeof(args) / sizeof(args[0]);
	(void)state;

	round_trip(args, n);
	for (int i = 0; i < n; i++)
		round_trip(&args[i], 1);
	round_trip(args, 0);
}

/* Random arguments of random bytes (no NUL), including blanks and quotes. */
static void test_random_bytes(void **state)
{
	(void)state;
	char storage[10][32];
	const char *args[10];

	srand(12345);
	for (int iter = 0; iter < 20000; iter++) {
		int n = rand() % 10;
		for (int i = 0; i < n; i++) {
			int len = rand() % 31;
			for (int j = 0; j < len; j++) {
				/* Half the time draw from the characters that matter most. */
				static const char special[] = " \t\n'\"\\-=;&!";
				storage[i][j] = rand() % 2 ?
							special[rand() % (sizeof(special) - 1)] :
							(char)(1 + rand() % 255);
			}
			storage[i][len] = 0;
			args[i] = storage[i];
		}
		round_trip(args, n);
	}
}

/* Like snprintf: the needed length always, a terminated prefix when the buffer is short. */
static void test_quote_truncation(void **state)
{
	const char *args[] = { "plain", "needs quoting", "it's" };
	(void)state;

	for (size_t a = 0; a < sizeof(args) / sizeof(args[0]); a++) {
		size_t need = args_quote(args[a], NULL, 0);
		char full[64];
		args_quote(args[a], full, sizeof(full));
		for (size_t size = 1; size <= need + 1; size++) {
			char buf[64];
			memset(buf, 'X', sizeof(buf));
			assert_int_equal(args_quote(args[a], buf, size), need);
			assert_int_equal(strlen(buf), size - 1 < need ? size - 1 : need);
			assert_memory_equal(buf, full, strlen(buf));
			assert_int_equal(buf[size], 'X');
		}
	}
	char buf[8];
	assert_int_equal(args_quote("", buf, sizeof(buf)), 2);
	assert_string_equal(buf, "''");
}

/* The quoted form is never more than twice the word plus its two quotes. */
static void test_quote_bound(void **state)
{
	char word[64];
	(void)state;

	srand(4242);
	for (int iter = 0; iter < 20000; iter++) {
		int len = rand() % 63;
		for (int j = 0; j < len; j++)
			word[j] = "'\"\\ ab"[rand() % 6];
		word[len] = 0;
		size_t need = args_quote(word, NULL, 0);
		if (need > 2 * (size_t)len + 2)
			fail_msg("\"%s\" quoted needs %zu bytes", word, need);
	}
	assert_int_equal(args_quote("\'\'\'\'", NULL, 0), 6); /* "''''" */
	assert_int_equal(args_quote("\"\"\"\"", NULL, 0), 6); /* '""""' */
}

/* Linux's execve limits, to the byte: 131072 with the NUL, 2 MiB in all. */
static void test_exec_limits(void **state)
{
	static char big[ARGS_MAX_STRLEN + 1];
	char *argv[20], *envp[2] = { NULL, NULL };
	const char *why = NULL;
	(void)state;

	memset(big, 'x', ARGS_MAX_STRLEN);
	big[ARGS_MAX_STRLEN - 1] = 0; /* 131071 bytes and the NUL */
	argv[0] = big;
	assert_int_equal(args_exec_check("/p", 1, argv, 0, envp, &why), 0);
	big[ARGS_MAX_STRLEN - 1] = 'x';
	big[ARGS_MAX_STRLEN] = 0;
	assert_int_equal(args_exec_check("/p", 1, argv, 0, envp, &why), -E2BIG);
	assert_non_null(strstr(why, "longer than Linux takes"));
	envp[0] = big;
	assert_int_equal(args_exec_check("/p", 0, argv, 1, envp, &why), -E2BIG);
	assert_int_equal(args_exec_check(big, 0, argv, 0, envp, &why), -E2BIG);

	/* 16 strings of 131071 bytes: 16 * 131072 = 2 MiB, too much with the path and pointers. */
	big[ARGS_MAX_STRLEN - 1] = 0;
	for (int i = 0; i < 16; i++)
		argv[i] = big;
	assert_int_equal(args_exec_check("/p", 16, argv, 0, envp, &why), -E2BIG);
	assert_non_null(strstr(why, "2 MiB"));
	/* Exactly the limit: 15 big strings, the path "/p" (3 bytes), 16 pointers and one
	 * string that fills the rest. */
	size_t rest = ARGS_MAX_TOTAL - 15 * (size_t)ARGS_MAX_STRLEN - 3 - 16 * 8;
	char *fill = malloc(rest);
	memset(fill, 'y', rest - 1);
	fill[rest - 1] = 0;
	argv[15] = fill;
	assert_int_equal(args_exec_check("/p", 16, argv, 0, envp, &why), 0);
	fill[rest - 2] = 0; /* one byte less: still fine */
	assert_int_equal(args_exec_check("/p", 16, argv, 0, envp, &why), 0);
	assert_int_equal(args_exec_check("/pq", 16, argv, 0, envp, &why), 0);
	assert_int_equal(args_exec_check("/pqr", 16, argv, 0, envp, &why), -E2BIG);
	free(fill);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nasty_arguments),	 cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_quote_truncation), cmocka_unit_test(test_quote_bound),
		cmocka_unit_test(test_exec_limits),
	};

	return cmocka_run_group_tests_name("args", tests, NULL, NULL);
}
