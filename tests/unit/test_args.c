/*
 * Host tests of command-line quoting (lib/args.c): whatever the host tool
 * quotes with args_quote(), the kernel's args_split() must give back exactly,
 * for nasty hand-picked arguments and for random bytes; and the splitter's
 * own rules and errors.
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

#define MAX_WORDS 64

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

static void round_trip(const char *const *args, int n)
{
	char *line = quote_all(args, n);
	char *copy = strdup(line);
	char *words[MAX_WORDS];

	int got = args_split(copy, words, MAX_WORDS);
	if (got != n)
		fail_msg("%d arguments came back as %d from: %s", n, got, line);
	for (int i = 0; i < n; i++) {
		if (strcmp(words[i], args[i]))
			fail_msg("argument %d \"%s\" came back as \"%s\" from: %s", i, args[i],
				 words[i], line);
	}
	free(copy);
	free(line);
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
				static const char special[] = " \t\n'\"\\-=";
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

static void expect_split(const char *line, int n, const char *const *want)
{
	char *copy = strdup(line);
	char *words[MAX_WORDS];
	int got = args_split(copy, words, MAX_WORDS);

	if (got != n)
		fail_msg("\"%s\" split into %d words, expected %d", line, got, n);
	for (int i = 0; i < n; i++)
		assert_string_equal(words[i], want[i]);
	free(copy);
}

static void test_split_rules(void **state)
{
	(void)state;
	expect_split("", 0, NULL);
	expect_split(" \t\n ", 0, NULL);
	expect_split("  a  b\tc\n", 3, (const char *[]){ "a", "b", "c" });
	expect_split("a\\ b", 1, (const char *[]){ "a b" });
	expect_split("\"x\\\"y\"", 1, (const char *[]){ "x\"y" });
	expect_split("'a\\b'", 1, (const char *[]){ "a\\b" });
	expect_split("\"a\\b\"", 1, (const char *[]){ "a\\b" });
	expect_split("pre'mid dle'post", 1, (const char *[]){ "premid dlepost" });
	expect_split("'' \"\"", 2, (const char *[]){ "", "" });
	expect_split("--env=A=1 /bin/prog arg", 3,
		     (const char *[]){ "--env=A=1", "/bin/prog", "arg" });
}

static void expect_error(const char *line, int max, int err)
{
	char *copy = strdup(line);
	char *words[MAX_WORDS];
	int got = args_split(copy, words, max);

	if (got != -err)
		fail_msg("\"%s\" (at most %d words) gave %d, expected %d", line, max, got, -err);
	free(copy);
}

static void test_split_errors(void **state)
{
	(void)state;
	expect_error("'abc", MAX_WORDS, EINVAL);
	expect_error("\"abc", MAX_WORDS, EINVAL);
	expect_error("a 'b c", MAX_WORDS, EINVAL);
	expect_error("a \"b\\\"", MAX_WORDS, EINVAL);
	expect_error("a b c", 2, E2BIG);
	expect_error("a", 0, E2BIG);
	char *copy = strdup("a b c");
	char *words[3];
	assert_int_equal(args_split(copy, words, 3), 3);
	free(copy);
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

/* Counting only (argv NULL) gives the number a real split gives. */
static void test_split_count(void **state)
{
	char *a = strdup("one 'two three' \"four\" five\\ six ''"), *b = strdup(a);
	char *words[MAX_WORDS];
	(void)state;

	assert_int_equal(args_split(a, NULL, MAX_WORDS), 5);
	assert_int_equal(args_split(b, words, MAX_WORDS), 5);
	assert_string_equal(words[4], "");
	free(a);
	free(b);
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
		cmocka_unit_test(test_split_rules),	 cmocka_unit_test(test_split_errors),
		cmocka_unit_test(test_quote_truncation), cmocka_unit_test(test_quote_bound),
		cmocka_unit_test(test_split_count),	 cmocka_unit_test(test_exec_limits),
	};

	return cmocka_run_group_tests_name("args", tests, NULL, NULL);
}
