/*
 * Host tests of the LZ4 block compressor (lib/lz4.c) against Debian's
 * liblz4, the reference decoder: whatever the input (empty, tiny, random,
 * runs, trace-like records, the largest block), LZ4_decompress_safe must
 * give it back byte for byte, the output must stay within LZ4_BOUND, and
 * what repeats must shrink.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <lz4.h>
#include <alto/lz4.h>

static uint32_t table[LZ4_HASH_ENTRIES];

/* Compress, check the bound, decompress with liblz4, compare; returns the compressed size. */
static size_t round_trip(const uint8_t *src, size_t n)
{
	uint8_t *packed = malloc(LZ4_BOUND(n)), *back = malloc(n + 1);

	assert_non_null(packed);
	assert_non_null(back);
	size_t c = lz4_compress(src, n, packed, table);
	assert_true(c <= LZ4_BOUND(n));
	int got = LZ4_decompress_safe((const char *)packed, (char *)back, (int)c, (int)n);
	assert_int_equal(got, (int)n);
	assert_memory_equal(back, src, n);
	free(packed);
	free(back);
	return c;
}

static void test_small(void **state)
{
	(void)state;
	uint8_t buf[32];

	for (size_t n = 0; n <= sizeof(buf); n++) {
		memset(buf, 'a', n);
		round_trip(buf, n);
	}
}

static void test_random(void **state)
{
	(void)state;
	static uint8_t buf[LZ4_MAX_INPUT];

	srand(5);
	for (int round = 0; round < 200; round++) {
		size_t n = (size_t)rand() % (sizeof(buf) + 1);
		int alphabet = 1 + rand() % 256;
		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)(rand() % alphabet);
		round_trip(buf, n);
	}
}

/* Long runs: lengths that need many 255 bytes, on both sides of a match. */
static void test_runs(void **state)
{
	(void)state;
	static uint8_t buf[LZ4_MAX_INPUT];
	size_t n = 0;

	memset(buf, 0, sizeof(buf));
	for (size_t i = 0; i < 700; i++)
		buf[n++] = (uint8_t)(rand() % 256); /* 700 literals first */
	n = sizeof(buf);			    /* then zeros: a 60 KiB match */
	size_t c = round_trip(buf, n);
	assert_true(c < 1200);
}

/* Records shaped like the tracer's compress to less than half. */
static void test_trace_like(void **state)
{
	(void)state;
	static uint64_t words[LZ4_MAX_INPUT / 8];
	uint64_t tsc = 1000000;

	for (size_t i = 0; i + 5 <= sizeof(words) / 8; i += 5) {
		tsc += 100 + (uint64_t)(rand() % 50);
		words[i] = tsc;
		words[i + 1] = (uint64_t)(i % 7) | 40ull << 16 | (uint64_t)(2 + i % 3) << 32;
		words[i + 2] = 3;
		words[i + 3] = 0x7fff12345000ull + (uint64_t)(rand() % 16) * 8;
		words[i + 4] = 4096;
	}
	size_t c = round_trip((const uint8_t *)words, sizeof(words));
	printf("trace-like: %zu bytes to %zu\n", sizeof(words), c);
	assert_true(c * 2 < sizeof(words));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_runs),
		cmocka_unit_test(test_trace_like),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
