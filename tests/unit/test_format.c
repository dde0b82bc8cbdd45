/*
 * Host tests of lib/format.c: every format is printed by Alto's vsnprintf and
 * by the C library's, into several buffer sizes, and the bytes and return
 * values must agree. lib/format.c is built renamed (alto_vsnprintf).
 */
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <cmocka.h>
#include <uapi/errno.h>

/* Alto's header, with its names mapped as lib/format.c was compiled. */
#define vsnprintf alto_vsnprintf
#define snprintf  alto_snprintf
#include <alto/format.h>
#undef vsnprintf
#undef snprintf

#define BUF 512

static void check_size(size_t size, const char *fmt, va_list ap)
{
	char want[BUF], got[BUF];
	va_list ap2;

	memset(want, 'x', sizeof(want));
	memset(got, 'x', sizeof(got));
	va_copy(ap2, ap);
	int wn = vsnprintf(want, size, fmt, ap);
	int gn = alto_vsnprintf(got, size, fmt, ap2);
	va_end(ap2);
	if (wn != gn || memcmp(want, got, sizeof(want)))
		fail_msg("\"%s\" into %zu bytes: libc %d \"%.*s\", alto %d \"%.*s\"", fmt, size, wn,
			 (int)strnlen(want, BUF), want, gn, (int)strnlen(got, BUF), got);
}

/* Compare the two into a roomy buffer, then truncated, down to no buffer at all. */
static void __printf(1, 2) check(const char *fmt, ...)
{
	static const size_t sizes[] = { BUF, 0, 1, 2, 5, 17 };
	va_list ap;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		va_start(ap, fmt);
		check_size(sizes[i], fmt, ap);
		va_end(ap);
	}
}

static void test_signed(void **state)
{
	(void)state;
	check("%d %d %d %d %d", 0, 1, -1, INT_MAX, INT_MIN);
	check("%i|%i", 42, -42);
	check("[%5d] [%-5d] [%05d] [%05d]", 42, 42, 42, -42);
	check("[%+d] [%+d] [% d] [% d] [%+05d]", 42, -42, 42, -42, 7);
	check("[%.3d] [%.0d] [%5.0d] [%.0d] [%-+8.4d]", 7, 0, 0, 1, 12);
	check("[%.3d] [%6.3d] [%-6.3d]", -7, -7, -7);
	check("[%1d] [%2d]", 123, -123);
}

static void test_unsigned(void **state)
{
	(void)state;
	check("%u %u %u", 0u, 1u, UINT_MAX);
	check("%x %X %x %X", 0xdeadbeefu, 0xdeadbeefu, 0u, 0xabcu);
	check("[%#x] [%#x] [%#X] [%#08x] [%#.4x] [%-#8x] [%#8x]", 0u, 255u, 255u, 255u, 1u, 255u,
	      255u);
	check("[%.0x] [%#.0x] [%5.0x]", 0u, 0u, 0u);
	check("%o %o %o", 0u, 8u, 0777u);
	check("[%#o] [%#o] [%#.0o] [%.0o] [%#5o] [%#.3o] [%#.3o]", 0u, 8u, 0u, 0u, 8u, 8u, 01234u);
	check("[%010u] [%-10u] [%.12u]", 42u, 42u, 42u);
}

static void test_char_and_string(void **state)
{
	(void)state;
	check("%c%c%c", 'a', 'b', 'c');
	check("[%3c] [%-3c] [%c]", 'x', 'y', 0);
	check("[%s] [%10s] [%-10s] [%.2s] [%10.2s] [%s] [%.0s]", "hello", "hello", "hello", "hello",
	      "hello", "", "abc");
	check("[%.*s] [%*s] [%-*s]", 3, "abcdef", 6, "ab", 6, "ab");
	check("%300s|", "long");
	check("%s and %s", "a string somewhat longer than the small buffers", "more");
}

static void test_pointer_and_percent(void **state)
{
	(void)state;
	check("%p %p %p", (void *)0x1234, (void *)UINTPTR_MAX, (void *)&state);
	check("[%p] [%20p] [%-20p] [%10p]", NULL, (void *)0xabc, (void *)0xabc, NULL);
	check("%% 100%% %d%%", 5);
	check("no conversions at all");
	check("%s", "");
}

static void test_star(void **state)
{
	(void)state;
	check("[%*d] [%*d] [%-*d]", 5, 42, -5, 42, 5, 42);
	check("[%.*d] [%.*d] [%*.*d]", 4, 42, -1, 42, 8, 3, -5);
	check("[%0*d] [%.*x]", 6, -3, 0, 0u);
}

static void test_length_modifiers(void **state)
{
	(void)state;
	check("%hhd %hhd %hhu %hhx %hhd", (signed char)44, (signed char)-127, (unsigned char)255,
	      (unsigned char)0xff, (signed char)-128);
	check("%hd %hd %hu %hx", (short)-1000, SHRT_MIN, (unsigned short)USHRT_MAX,
	      (unsigned short)0xbeef);
	check("%ld %ld %lu %lx", LONG_MIN, LONG_MAX, ULONG_MAX, 0x123456789abcdefUL);
	check("%lld %lld %llu %llo", LLONG_MIN, LLONG_MAX, ULLONG_MAX, ULLONG_MAX);
	check("%zu %zd %zx %zd", SIZE_MAX, (ssize_t)-1, (size_t)0xfeed, (ssize_t)SSIZE_MAX);
	check("%td %td %tx", (ptrdiff_t)-5, PTRDIFF_MIN, (ptrdiff_t)0x7f);
	check("%jd %jd %ju %jX", INTMAX_MIN, INTMAX_MAX, UINTMAX_MAX, UINTMAX_MAX);
	check("%" PRId64 " %" PRIu64 " %" PRIx64 " %" PRIi64, INT64_MIN, UINT64_MAX, UINT64_MAX,
	      INT64_MAX);
	check("[%-+24lld] [%024lld] [% lld]", LLONG_MIN, LLONG_MIN, LLONG_MAX);
}

/* Promoted arguments wider than the modifier: only the low bits count. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
static void test_narrowing(void **state)
{
	(void)state;
	check("%hhd %hhd %hhu %hd %hu", 300, -129, 256 + 7, 70000, -1);
}

/* Flags C defines as having no effect here, which gcc warns about. */
static void test_ignored_flags(void **state)
{
	(void)state;
	check("[%-05d] [%+ d] [% +d] [%-08x]", 42, 42, 42, 0xabu);
	check("[%08.3d] [%08.3x] [%010.5d]", 7, 0xau, -42);
	check("[%+x] [% x] [%+o] [%+c] [%+s] [% s]", 5u, 5u, 5u, 'c', "s", "s");
}

/* '+' and ' ' are for signed conversions only: %u never gets a sign. */
static void test_sign_flags_on_unsigned(void **state)
{
	(void)state;
	check("[%+u] [% u] [%+5u] [% 05u]", 5u, 5u, 5u, 5u);
}
#pragma GCC diagnostic pop

static void test_mixed(void **state)
{
	(void)state;
	check("[%s|%d|%c|%x|%p|%zu]", "str", -1, 'z', 0xffu, (void *)0x10, (size_t)7);
	check("pid %d exited with %#x after %llu ns (%s)", 12, 0x100u, 123456789012ULL, "ok");
}

static void test_return_without_buffer(void **state)
{
	(void)state;
	assert_int_equal(alto_snprintf(NULL, 0, "%d-%s", 12345, "abc"), 9);
	char one[1] = { 'x' };
	assert_int_equal(alto_snprintf(one, 1, "hello"), 5);
	assert_int_equal(one[0], 0);
}

static void expect_u64(const char *s, unsigned long long want)
{
	unsigned long long v = 0;

	if (parse_u64(s, &v) != 0 || v != want)
		fail_msg("parse_u64(\"%s\") gave %llu, want %llu", s, v, want);
}

static void expect_u64_invalid(const char *s)
{
	unsigned long long v = 42;

	if (parse_u64(s, &v) != -EINVAL || v != 42)
		fail_msg("parse_u64(\"%s\") accepted or changed its output (%llu)", s, v);
}

static void test_parse_u64(void **state)
{
	static const char *invalid[] = {
		"",
		"0x",
		"0X",
		"12a",
		"-1",
		" 1",
		"1 ",
		"abc",
		"0xg",
		"+5",
		"1.5",
		"18446744073709551616",
		"99999999999999999999",
		"0x10000000000000000",
	};

	(void)state;
	expect_u64("0", 0);
	expect_u64("7", 7);
	expect_u64("00012", 12);
	expect_u64("18446744073709551615", ULLONG_MAX);
	expect_u64("18446744073709551610", ULLONG_MAX - 5);
	expect_u64("0x0", 0);
	expect_u64("0xff", 255);
	expect_u64("0XFF", 255);
	expect_u64("0xDeadBeef", 0xdeadbeefULL);
	expect_u64("0xFFFFFFFFFFFFFFFF", ULLONG_MAX);
	expect_u64("0x0000000000000000001", 1);
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		expect_u64_invalid(invalid[i]);
}

static void expect_size(const char *s, unsigned long long want)
{
	unsigned long long v = 0;

	if (parse_size(s, &v) != 0 || v != want)
		fail_msg("parse_size(\"%s\") gave %llu, want %llu", s, v, want);
}

static void test_parse_size(void **state)
{
	static const char *invalid[] = {
		"",
		"K",
		"k",
		"10T",
		"1KB",
		"1 K",
		"-1K",
		"0xK",
		"17179869184G",
		"18014398509481984M",
		"123456789012345678901234567890123K",
	};

	(void)state;
	expect_size("0", 0);
	expect_size("4096", 4096);
	expect_size("4K", 4096);
	expect_size("4k", 4096);
	expect_size("16M", 16ULL << 20);
	expect_size("16m", 16ULL << 20);
	expect_size("2G", 2ULL << 30);
	expect_size("1g", 1ULL << 30);
	expect_size("0x10K", 16384);
	expect_size("17179869183G", 17179869183ULL << 30);
	expect_size("18446744073709551615", ULLONG_MAX);
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		unsigned long long v = 42;
		if (parse_size(invalid[i], &v) != -EINVAL || v != 42)
			fail_msg("parse_size(\"%s\") accepted or changed its output (%llu)",
				 invalid[i], v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signed),
		cmocka_unit_test(test_unsigned),
		cmocka_unit_test(test_char_and_string),
		cmocka_unit_test(test_pointer_and_percent),
		cmocka_unit_test(test_star),
		cmocka_unit_test(test_length_modifiers),
		cmocka_unit_test(test_narrowing),
		cmocka_unit_test(test_ignored_flags),
		cmocka_unit_test(test_sign_flags_on_unsigned),
		cmocka_unit_test(test_mixed),
		cmocka_unit_test(test_return_without_buffer),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_parse_size),
	};

	return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
