/*
 * Host tests of lib/errno_names.c against the C library: every value with
 * a name here has glibc's strerror text, names sit next to their values,
 * and values without an entry give NULL and "Unknown error".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <alto/errno_names.h>
#include <uapi/errno.h>

static void test_texts_are_strerror(void **state)
{
	int named = 0;

	(void)state;
	for (int e = 1; e < 512; e++) {
		if (!errno_name(e))
			continue;
		named++;
		assert_string_equal(errno_text(e), strerror(e));
	}
	assert_true(named >= 60);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(errno_name(EPERM), "EPERM");
	assert_string_equal(errno_name(ENOENT), "ENOENT");
	assert_string_equal(errno_name(ECANCELED), "ECANCELED");
	assert_string_equal(errno_name(512), "ERESTARTSYS");
	assert_string_equal(errno_name(516), "ERESTART_RESTARTBLOCK");
	assert_string_equal(errno_text(516), "Interrupted by signal");
}

static void test_unknown(void **state)
{
	const int values[] = { -1, 0, 515, 517, 4095 };

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		assert_null(errno_name(values[i]));
		assert_string_equal(errno_text(values[i]), "Unknown error");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_texts_are_strerror),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_unknown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
