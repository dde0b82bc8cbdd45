/*
 * Host tests of lib/radix.c: items at small, sparse and huge indexes
 * (UINT64_MAX included), ordered walks with radix_next against a sorted
 * model, deletion freeing every node (ASan sees a leak otherwise), and a
 * failing allocator leaving the tree usable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <alto/radix.h>
#include <uapi/errno.h>

static int live_nodes, fail_after = -1;

static void *node_alloc(void)
{
	if (fail_after == 0)
		return NULL;
	if (fail_after > 0)
		fail_after--;
	live_nodes++;
	return calloc(1, sizeof(struct radix_node));
}

static void node_free(void *n)
{
	live_nodes--;
	free(n);
}

static void *item(uint64_t i)
{
	return (void *)(uintptr_t)((i << 1) | 1); /* never NULL */
}

static void test_basic(void **state)
{
	struct radix_tree t;
	uint64_t idx[] = { 0,	      1, 63, 64, 4095, 4096, 1ull << 30, 1ull << 40, UINT64_MAX - 1,
			   UINT64_MAX };
	size_t n = sizeof(idx) / sizeof(idx[0]);

	(void)state;
	radix_init(&t, node_alloc, node_free);
	assert_true(radix_empty(&t));
	for (size_t i = 0; i < n; i++)
		assert_int_equal(radix_insert(&t, idx[i], item(i)), 0);
	assert_int_equal(radix_insert(&t, 64, item(99)), -EEXIST);
	for (size_t i = 0; i < n; i++)
		assert_ptr_equal(radix_lookup(&t, idx[i]), item(i));
	assert_null(radix_lookup(&t, 2));
	assert_null(radix_lookup(&t, (1ull << 40) + 1));
	/* The walk sees them in order. */
	uint64_t at = 0;
	for (size_t i = 0; i < n; i++) {
		assert_ptr_equal(radix_next(&t, &at), item(i));
		assert_true(at == idx[i]);
		if (at == UINT64_MAX)
			break;
		at++;
	}
	at = 5;
	assert_ptr_equal(radix_next(&t, &at), item(2));
	assert_true(at == 63);
	for (size_t i = 0; i < n; i++)
		assert_ptr_equal(radix_delete(&t, idx[i]), item(i));
	assert_null(radix_delete(&t, 1));
	assert_true(radix_empty(&t));
	assert_int_equal(live_nodes, 0);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Random indexes of every size against a sorted array. */
static void test_model(void **state)
{
	enum {
		N = 5000
	};
	static uint64_t keys[N];
	struct radix_tree t;
	size_t n = 0;

	(void)state;
	srand(7);
	radix_init(&t, node_alloc, node_free);
	while (n < N) {
		uint64_t k = ((uint64_t)rand() << 33 ^ (uint64_t)rand() << 11 ^ (uint64_t)rand()) >>
			     (rand() % 64);
		int r = radix_insert(&t, k, item(k));
		if (r == -EEXIST)
			continue;
		assert_int_equal(r, 0);
		keys[n++] = k;
	}
	qsort(keys, n, sizeof(keys[0]), cmp_u64);
	uint64_t at = 0;
	for (size_t i = 0; i < n; i++) {
		assert_ptr_equal(radix_next(&t, &at), item(keys[i]));
		assert_true(at == keys[i]);
		at++;
	}
	if (keys[n - 1] != UINT64_MAX)
		assert_null(radix_next(&t, &at));
	/* Delete every other one, then walk again. */
	for (size_t i = 0; i < n; i += 2)
		assert_ptr_equal(radix_delete(&t, keys[i]), item(keys[i]));
	at = 0;
	for (size_t i = 1; i < n; i += 2) {
		assert_ptr_equal(radix_next(&t, &at), item(keys[i]));
		assert_true(at == keys[i]);
		at++;
	}
	for (size_t i = 1; i < n; i += 2)
		assert_ptr_equal(radix_delete(&t, keys[i]), item(keys[i]));
	assert_true(radix_empty(&t));
	assert_int_equal(live_nodes, 0);
}

/* Pages of a file, in order, as the page cache stores them. */
static void test_dense(void **state)
{
	struct radix_tree t;

	(void)state;
	radix_init(&t, node_alloc, node_free);
	for (uint64_t i = 0; i < 100000; i++)
		assert_int_equal(radix_insert(&t, i, item(i)), 0);
	assert_int_equal(t.height, 3);
	uint64_t at = 0, count = 0;
	while (radix_next(&t, &at)) {
		assert_true(at == count);
		count++;
		at++;
	}
	assert_true(count == 100000);
	for (uint64_t i = 100000; i-- > 0;)
		assert_ptr_equal(radix_delete(&t, i), item(i));
	assert_int_equal(live_nodes, 0);
}

static void test_alloc_failure(void **state)
{
	struct radix_tree t;

	(void)state;
	radix_init(&t, node_alloc, node_free);
	assert_int_equal(radix_insert(&t, 1, item(1)), 0);
	fail_after = 0;
	assert_int_equal(radix_insert(&t, 1ull << 20, item(2)), -ENOMEM);
	/* Part of the path made, then no memory: nothing left behind. */
	fail_after = 1;
	assert_int_equal(radix_insert(&t, 1ull << 40, item(3)), -ENOMEM);
	fail_after = 2;
	assert_int_equal(radix_insert(&t, 1ull << 40, item(3)), -ENOMEM);
	fail_after = -1;
	assert_ptr_equal(radix_lookup(&t, 1), item(1));
	assert_int_equal(radix_insert(&t, 1ull << 20, item(2)), 0);
	assert_ptr_equal(radix_delete(&t, 1), item(1));
	assert_ptr_equal(radix_delete(&t, 1ull << 20), item(2));
	assert_true(radix_empty(&t));
	assert_int_equal(live_nodes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_dense),
		cmocka_unit_test(test_alloc_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
