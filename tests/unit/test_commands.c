/*
 * Host tests of the several-program command line (lib/commands.c): the
 * separators and what they mean, quoting and escapes, the line's options
 * and each command's --env= and --cwd=, runscript's $VAR expansion, and
 * every error with the column it names; then random lines, which must
 * parse or fail cleanly (ASan and UBSan watch) and never overrun the arena.
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
#include <alto/commands.h>

static char arena[64 * 1024];
static struct cmd_line cl;
static struct cmd_error err;

static int parse(const char *line)
{
	return cmd_parse(line, arena, sizeof(arena), &cl, &err);
}

/* Command i's argv joined by '|' (so that empty words show). */
static const char *args(int i)
{
	static char buf[1024];

	buf[0] = 0;
	for (int w = 0; w < cl.cmds[i].argc; w++) {
		if (w)
			strcat(buf, "|");
		strcat(buf, cl.cmds[i].argv[w]);
	}
	assert_null(cl.cmds[i].argv[cl.cmds[i].argc]);
	return buf;
}

static void one_command(void **state)
{
	(void)state;
	assert_int_equal(parse("/bin/prog a b  c"), 0);
	assert_int_equal(cl.ncmds, 1);
	assert_string_equal(args(0), "/bin/prog|a|b|c");
	assert_int_equal(cl.cmds[0].flags, 0);
	assert_int_equal(cl.cmds[0].column, 1);
	assert_int_equal(cl.nopts, 0);
	assert_int_equal(cl.cmds[0].envc, 0);
	assert_null(cl.cmds[0].cwd);
}

static void empty_lines(void **state)
{
	(void)state;
	assert_int_equal(parse(""), 0);
	assert_int_equal(cl.ncmds, 0);
	assert_int_equal(parse("   \t\n "), 0);
	assert_int_equal(cl.ncmds, 0);
	assert_int_equal(parse("--quiet --selftest=a,b"), 0);
	assert_int_equal(cl.ncmds, 0);
	assert_int_equal(cl.nopts, 2);
	assert_string_equal(cl.opts[1], "--selftest=a,b");
}

static void separators(void **state)
{
	(void)state;
	assert_int_equal(parse("a 1; b 2 & c ! d &! e"), 0);
	assert_int_equal(cl.ncmds, 5);
	assert_string_equal(args(0), "a|1");
	assert_int_equal(cl.cmds[0].flags, 0);
	assert_string_equal(args(1), "b|2");
	assert_int_equal(cl.cmds[1].flags, CMD_BACKGROUND);
	assert_string_equal(args(2), "c");
	assert_int_equal(cl.cmds[2].flags, CMD_ENDS_VM);
	assert_string_equal(args(3), "d");
	assert_int_equal(cl.cmds[3].flags, CMD_BACKGROUND | CMD_ENDS_VM);
	assert_string_equal(args(4), "e");
	assert_int_equal(cl.cmds[4].flags, 0);
	assert_int_equal(cl.cmds[4].column, 21);
	/* No blanks needed around separators; a line may end with &, ! or &!. */
	assert_int_equal(parse("a;b&c!"), 0);
	assert_int_equal(cl.ncmds, 3);
	assert_int_equal(cl.cmds[2].flags, CMD_ENDS_VM);
	assert_int_equal(parse("a &"), 0);
	assert_int_equal(cl.cmds[0].flags, CMD_BACKGROUND);
	assert_int_equal(parse("a&!"), 0);
	assert_int_equal(cl.cmds[0].flags, CMD_BACKGROUND | CMD_ENDS_VM);
}

static void quoting(void **state)
{
	(void)state;
	assert_int_equal(parse("p \"two words\" 'it''s' \"a;b&c!\" 'x\"y' \"q\\\"t\\\\\" \"\" ''"),
			 0);
	assert_int_equal(cl.ncmds, 1);
	assert_string_equal(args(0), "p|two words|its|a;b&c!|x\"y|q\"t\\||");
	assert_int_equal(parse("p a\\;b \\& \\\\ c\\ d \"\\n\" '\\n'"), 0);
	assert_int_equal(cl.ncmds, 1);
	assert_string_equal(args(0), "p|a;b|&|\\|c d|\\n|\\n");
	/* A backslash before a newline continues the line. */
	assert_int_equal(parse("p one\\\ntwo"), 0);
	assert_string_equal(args(0), "p|onetwo");
	assert_int_equal(parse("p \"it's\" 'say \"hi\"'"), 0);
	assert_string_equal(args(0), "p|it's|say \"hi\"");
}

static void options(void **state)
{
	(void)state;
	assert_int_equal(
		parse("--quiet --env=A=1 --cwd=/tmp prog x ; --env=B=2 --env=C= --cwd=/d q"), 0);
	assert_int_equal(cl.nopts, 3);
	assert_string_equal(cl.opts[0], "--quiet");
	assert_string_equal(cl.opts[1], "--env=A=1");
	assert_string_equal(cl.opts[2], "--cwd=/tmp");
	assert_null(cl.opts[3]);
	assert_int_equal(cl.ncmds, 2);
	assert_string_equal(args(0), "prog|x");
	assert_int_equal(cl.cmds[0].envc, 0); /* the line's options are not the first command's */
	assert_string_equal(args(1), "q");
	assert_int_equal(cl.cmds[1].envc, 2);
	assert_string_equal(cl.cmds[1].env[0], "B=2");
	assert_string_equal(cl.cmds[1].env[1], "C=");
	assert_null(cl.cmds[1].env[2]);
	assert_string_equal(cl.cmds[1].cwd, "/d");
	assert_int_equal(cl.cmds[1].column, 67);
	/* Options after the program are its arguments. */
	assert_int_equal(parse("prog --env=X=1 --cwd=/"), 0);
	assert_string_equal(args(0), "prog|--env=X=1|--cwd=/");
	/* A quoted option is still an option; "--" alone is a word. */
	assert_int_equal(parse("a ; \"--env=A=b c\" p -- x"), 0);
	assert_string_equal(cl.cmds[1].env[0], "A=b c");
	assert_string_equal(args(1), "p|--|x");
	assert_int_equal(parse("a ; -- p"), 0);
	assert_string_equal(args(1), "--|p");
}

static void expect_error(const char *line, int column, const char *what)
{
	assert_int_equal(parse(line), -EINVAL);
	assert_string_equal(err.what, what);
	assert_int_equal(err.column, column);
}

static void errors(void **state)
{
	(void)state;
	expect_error("prog \"unclosed", 6, "a quote is not closed");
	expect_error("prog 'unclosed \"x\"", 6, "a quote is not closed");
	expect_error("a ; b \"x\" 'y", 11, "a quote is not closed");
	expect_error("prog a\\", 7, "a backslash ends the line");
	expect_error("; prog", 1, "no command before ';'");
	expect_error("a ;; b", 4, "no command before ';'");
	expect_error("a & ; b", 5, "no command before ';'");
	expect_error("  & a", 3, "no command before '&'");
	expect_error("a ; ! b", 5, "no command before '!'");
	expect_error("a ; &!", 5, "no command before '&!'");
	expect_error("prog ;", 6, "nothing follows the final ';'");
	expect_error("a ; b ;   ", 7, "nothing follows the final ';'");
	expect_error("--quiet ; prog", 1, "options but no program");
	expect_error("a ; --env=A=1", 5, "no program after the options");
	expect_error("a ; --env=A p", 5, "--env= needs NAME=VALUE");
	expect_error("a ; --env==1 p", 5, "--env= needs NAME=VALUE");
	expect_error("a ; --cwd= p", 5, "--cwd= needs a directory");
	expect_error("a ; --quiet p", 5,
		     "only --env= and --cwd= may start a command after the first");
}

static void places(void **state)
{
	(void)state;
	struct cmd_place p = cmd_error_place("one line", 5);
	assert_int_equal(p.line, 1);
	assert_int_equal(p.column, 5);
	assert_false(p.several);
	assert_int_equal(p.len, 8);
	const char *text = "first\nsecond line\nthird\n";
	p = cmd_error_place(text, 10); /* the 'o' of second */
	assert_int_equal(p.line, 2);
	assert_int_equal(p.column, 4);
	assert_true(p.several);
	assert_int_equal(p.len, 11);
	assert_memory_equal(p.text, "second line", 11);
	/* One line and its newline is still one line. */
	assert_false(cmd_error_place("a\n", 1).several);
}

static void runscript(void **state)
{
	(void)state;
	assert_int_equal(parse("runscript /etc/cmd ; other"), 0);
	assert_true(cmd_is_runscript(&cl.cmds[0]));
	assert_false(cmd_is_runscript(&cl.cmds[1]));
	assert_int_equal(parse("runscript"), 0);
	assert_false(cmd_is_runscript(&cl.cmds[0]));
}

static const char *lookup(const char *name, size_t len, void *ctx)
{
	(void)ctx;
	static const char *const vars[][2] = {
		{ "HOME", "/root" }, { "EMPTY", "" }, { "SPACED", "a b" }, { "_X1", "x1" }
	};

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		if (strlen(vars[i][0]) == len && !strncmp(vars[i][0], name, len))
			return vars[i][1];
	}
	return NULL;
}

static const char *expand(const char *text)
{
	static char out[256];
	long n = cmd_expand(text, lookup, NULL, out, sizeof(out), &err);

	assert_true(n >= 0);
	assert_int_equal((size_t)n, strlen(out));
	return out;
}

static void expansion(void **state)
{
	(void)state;
	assert_string_equal(expand("p $HOME/x ${HOME}y $NOPE. $EMPTY! ${_X1}2"),
			    "p /root/x /rooty . ! x12");
	assert_string_equal(expand("cost \\$5 and \\\\$HOME"), "cost $5 and \\\\/root");
	assert_string_equal(expand("lone $ and $1 and $-"), "lone $ and $1 and $-");
	assert_string_equal(expand("p \"$SPACED\" $SPACED"), "p \"a b\" a b");
	/* Single quotes keep $ as it is; inside double quotes they are plain characters. */
	assert_string_equal(expand("p '$HOME ${X' \"'$HOME'\" \\'$HOME"),
			    "p '$HOME ${X' \"'/root'\" \\'/root");
	/* The result parses: a quoted value stays one word. */
	assert_int_equal(parse(expand("p \"$SPACED\" $SPACED")), 0);
	assert_string_equal(args(0), "p|a b|a|b");
	char out[256];
	assert_int_equal(cmd_expand("a ${HOME", lookup, NULL, out, sizeof(out), &err), -EINVAL);
	assert_int_equal(err.column, 3);
	assert_string_equal(err.what, "${ is not closed by }");
	assert_int_equal(cmd_expand("a ${}", lookup, NULL, out, sizeof(out), &err), -EINVAL);
	assert_string_equal(err.what, "${} names no variable");
	/* Too small a buffer: cut, NUL-terminated, and the full length said. */
	char small[8];
	assert_int_equal(cmd_expand("$HOME/long/path", lookup, NULL, small, sizeof(small), &err),
			 15);
	assert_string_equal(small, "/root/l");
}

static void small_arena(void **state)
{
	(void)state;
	char tiny[64];
	struct cmd_line l;

	assert_int_equal(cmd_parse("a b c ; d e f ; g h i", tiny, sizeof(tiny), &l, &err), -E2BIG);
	/* The documented bound is always enough. */
	const char *line = "p 'a' \"b\" c;d;e&f!g&!h i j k l m n o p q r s t u v w x y z";
	size_t need = 64 * strlen(line) + 1024;
	char *exact = malloc(need);
	int r = cmd_parse(line, exact, need, &l, &err);
	free(exact);
	assert_int_equal(r, 0);
}

/* Random lines of the grammar's own characters: parse or fail, never overrun. */
static void random_lines(void **state)
{
	(void)state;
	static const char alphabet[] = "ab ;&!\"'\\-=\n\t$";
	char line[64];
	unsigned int seed = 12345;

	for (int round = 0; round < 20000; round++) {
		int len = (int)(rand_r(&seed) % (sizeof(line) - 1));
		for (int i = 0; i < len; i++)
			line[i] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
		line[len] = 0;
		size_t need = 64 * (size_t)len + 1024;
		char *mem = malloc(need);
		struct cmd_line l;
		int r = cmd_parse(line, mem, need, &l, &err);
		if (r != 0 && r != -EINVAL)
			free(mem);
		assert_true(r == 0 || r == -EINVAL);
		if (r == -EINVAL)
			assert_true(err.column >= 1 && err.column <= len + 1);
		for (int c = 0; r == 0 && c < l.ncmds; c++)
			assert_true(l.cmds[c].argc >= 1 && l.cmds[c].argv[l.cmds[c].argc] == NULL);
		free(mem);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_command),	cmocka_unit_test(empty_lines),
		cmocka_unit_test(separators),	cmocka_unit_test(quoting),
		cmocka_unit_test(options),	cmocka_unit_test(errors),
		cmocka_unit_test(runscript),	cmocka_unit_test(expansion),
		cmocka_unit_test(places),	cmocka_unit_test(small_arena),
		cmocka_unit_test(random_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
