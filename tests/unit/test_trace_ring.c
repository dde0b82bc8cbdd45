/*
 * Host tests of the trace ring (kernel/trace_ring.c) and of the pattern
 * matching that --trace uses (lib/glob.c). The ring is checked against a
 * model: records of random sizes are written; whatever the wraps and
 * overwrites, the walk must give back exactly the newest records that fit,
 * in order, each intact, and count the others as lost.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <alto/glob.h>
#include <alto/trace.h>
#include "kernel/trace_ring.h"

#define RING  4096
#define MAXRS 512

/* A record whose every word after the head says which record it is. */
static void write_record(struct trace_ring *r, uint64_t seq, size_t size)
{
	struct trace_record *rec = trace_ring_reserve(r, size);

	rec->tsc = seq;
	rec->id = 1;
	rec->size = (uint16_t)size;
	rec->tid = (int32_t)seq;
	for (size_t i = 0; i < (size - TRACE_RECORD_HEAD) / 8; i++)
		rec->args[i] = seq * 1000 + i;
}

struct walked {
	uint64_t seqs[RING];
	size_t sizes[RING];
	size_t n;
};

static void collect(const void *p, size_t size, void *arg)
{
	const struct trace_record *rec = p;
	struct walked *w = arg;

	assert_int_equal(rec->size, size);
	assert_int_equal(rec->id, 1);
	for (size_t i = 0; i < (size - TRACE_RECORD_HEAD) / 8; i++)
		assert_int_equal(rec->args[i], rec->tsc * 1000 + i);
	w->seqs[w->n] = rec->tsc;
	w->sizes[w->n++] = size;
}

static void test_empty(void **state)
{
	(void)state;
	static uint8_t buf[RING];
	struct trace_ring r;
	struct walked w = { .n = 0 };

	trace_ring_init(&r, buf, RING);
	assert_int_equal(trace_ring_walk(&r, collect, &w), 0);
	assert_int_equal(r.lost, 0);
}

/* Records that fit without wrapping come back as written. */
static void test_fits(void **state)
{
	(void)state;
	static uint8_t buf[RING];
	struct trace_ring r;
	struct walked w = { .n = 0 };

	trace_ring_init(&r, buf, RING);
	for (uint64_t i = 0; i < 10; i++)
		write_record(&r, i, 16 + 8 * i);
	assert_int_equal(trace_ring_walk(&r, collect, &w), 10);
	for (uint64_t i = 0; i < 10; i++)
		assert_int_equal(w.seqs[i], i);
	assert_int_equal(r.lost, 0);
}

/* Random sizes, many wraps: the newest records that fit are all there, in order. */
static void test_wraps_against_model(void **state)
{
	(void)state;
	static uint8_t buf[RING];
	static size_t sizes[100000];
	struct trace_ring r;

	srand(17);
	for (int round = 0; round < 50; round++) {
		size_t n = 1 + (size_t)rand() % 3000, lost_before = 0;
		trace_ring_init(&r, buf, RING);
		memset(buf, 0xaa, sizeof(buf));
		for (size_t i = 0; i < n; i++) {
			sizes[i] = 16 + 8 * ((size_t)rand() % (MAXRS / 8 - 1));
			write_record(&r, i, sizes[i]);
		}
		struct walked w = { .n = 0 };
		trace_ring_walk(&r, collect, &w);
		assert_true(w.n > 0);
		/* What is kept: a run of the newest, ending with the last written. */
		assert_int_equal(w.seqs[w.n - 1], n - 1);
		size_t bytes = 0;
		for (size_t i = 0; i < w.n; i++) {
			assert_int_equal(w.seqs[i], n - w.n + i);
			assert_int_equal(w.sizes[i], sizes[n - w.n + i]);
			bytes += w.sizes[i];
		}
		/* Nothing more could have been kept: the next older one would not fit. */
		if (w.n < n)
			assert_true(bytes + sizes[n - w.n - 1] > RING - MAXRS);
		lost_before = n - w.n;
		assert_int_equal(r.lost, lost_before);
	}
}

/* After a clear, only what is written next is there, and nothing counts as lost. */
static void test_clear(void **state)
{
	(void)state;
	static uint8_t buf[RING];
	struct trace_ring r;
	struct walked w = { .n = 0 };

	trace_ring_init(&r, buf, RING);
	for (uint64_t i = 0; i < 500; i++)
		write_record(&r, i, 64);
	assert_true(r.lost > 0);
	trace_ring_clear(&r);
	assert_int_equal(r.lost, 0);
	write_record(&r, 1000, 48);
	assert_int_equal(trace_ring_walk(&r, collect, &w), 1);
	assert_int_equal(w.seqs[0], 1000);
}

/* A record that does not fit before the end goes to the start; so does one after an 8-byte gap. */
static void test_no_record_wraps(void **state)
{
	(void)state;
	static uint8_t buf[RING];
	struct trace_ring r;

	trace_ring_init(&r, buf, RING);
	write_record(&r, 0, RING - 24); /* leaves 24: a pad of 24 when the next is bigger */
	void *next = trace_ring_reserve(&r, 32);
	assert_ptr_equal(next, buf);
	trace_ring_init(&r, buf, RING);
	write_record(&r, 0, RING - 8); /* leaves 8: too small even for a pad record */
	write_record(&r, 1, 16);
	struct walked w = { .n = 0 };
	trace_ring_walk(&r, collect, &w);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.seqs[0], 1);
	assert_int_equal(r.lost, 1);
}

static bool match(const char *pattern, const char *s)
{
	return glob_match(pattern, strlen(pattern), s);
}

static void test_glob(void **state)
{
	(void)state;
	assert_true(match("*", "sched_switch"));
	assert_true(match("sched_*", "sched_switch"));
	assert_false(match("sched_*", "sys_enter_read"));
	assert_true(match("sys_*_read", "sys_enter_read"));
	assert_true(match("sys_*_read", "sys_exit_read"));
	assert_false(match("sys_*_read", "sys_enter_readv"));
	assert_true(match("*read*", "sys_enter_pread64"));
	assert_true(match("page_fault_?nter", "page_fault_enter"));
	assert_false(match("page_fault_?nter", "page_fault_exit"));
	assert_true(match("a*b*c", "aXXbYYc"));
	assert_false(match("a*b*c", "aXXbYY"));
	assert_true(match("**x", "x"));
	assert_false(match("", "x"));
	assert_true(glob_match_list("vfs_*,sched_wake", "sched_wake"));
	assert_true(glob_match_list("vfs_*,sched_wake", "vfs_open"));
	assert_false(glob_match_list("vfs_*,sched_wake", "sched_switch"));
	assert_false(glob_match_list(",,", "x"));
	assert_true(glob_match_list("x,,*", "y"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_fits),
		cmocka_unit_test(test_wraps_against_model),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_no_record_wraps),
		cmocka_unit_test(test_glob),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
