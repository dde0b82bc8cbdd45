/*
 * Host tests of the area tree (mm/area_tree.c): every operation checked
 * against a brute-force model (a sorted array of the same ranges), the AVL
 * balance and every node's summary (span, largest inner gap) checked after
 * each change on small trees and now and then on a tree of 100,000 areas
 * inserted and removed in random order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "mm/internal.h"

#define PAGE 4096ul

static uint64_t rng = 88172645463325252ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void shuffle(struct area_node **a, size_t n)
{
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = next_rand() % (i + 1);
		struct area_node *t = a[i];
		a[i] = a[j];
		a[j] = t;
	}
}

struct summary {
	uintptr_t first, last, gap;
	int height;
	size_t count;
};

/* Check n's subtree recursively (order, balance, parent links, summaries). */
static struct summary check_subtree(const struct area_node *n, const struct area_node *parent,
				    uintptr_t lo, uintptr_t hi)
{
	struct summary s = { 0 }, l, r;

	if (!n)
		return s;
	assert_ptr_equal(n->parent, parent);
	assert_true(n->start < n->end);
	assert_true(n->start >= lo && n->end <= hi);
	l = check_subtree(n->child[0], n, lo, n->start);
	r = check_subtree(n->child[1], n, n->end, hi);
	assert_true(abs(l.height - r.height) <= 1);
	s.height = 1 + (l.height > r.height ? l.height : r.height);
	s.count = 1 + l.count + r.count;
	s.first = n->child[0] ? l.first : n->start;
	s.last = n->child[1] ? r.last : n->end;
	s.gap = l.gap > r.gap ? l.gap : r.gap;
	if (n->child[0] && n->start - l.last > s.gap)
		s.gap = n->start - l.last;
	if (n->child[1] && r.first - n->end > s.gap)
		s.gap = r.first - n->end;
	assert_int_equal(n->height, s.height);
	assert_int_equal(n->first, s.first);
	assert_int_equal(n->last, s.last);
	assert_int_equal(n->gap, s.gap);
	return s;
}

static void check_tree(const struct area_tree *t)
{
	struct summary s = check_subtree(t->root, NULL, 0, UINTPTR_MAX);
	assert_int_equal(s.count, t->count);
}

/* The model: a flag per slot of PAGE bytes, slot i at base + i * PAGE. */
#define SLOTS 600
static struct area_node slot_nodes[SLOTS];
static bool used[SLOTS];
static const uintptr_t base = 0x10000;

static uintptr_t model_find_end_above(uintptr_t addr)
{
	for (int i = 0; i < SLOTS; i++) {
		if (used[i] && base + (i + 1) * PAGE > addr)
			return base + i * PAGE;
	}
	return 0;
}

static uintptr_t model_gap_below(size_t len, uintptr_t floor, uintptr_t top)
{
	for (uintptr_t s = top - len; s >= floor && s + len <= top; s -= PAGE) {
		bool free_range = true;
		for (uintptr_t a = s; a < s + len; a += PAGE) {
			if (a >= base && a < base + SLOTS * PAGE && used[(a - base) / PAGE])
				free_range = false;
		}
		if (free_range)
			return s;
		if (s < PAGE)
			break;
	}
	return 0;
}

static void compare_with_model(const struct area_tree *t)
{
	/* In-order walk both ways. */
	int i = 0;
	for (struct area_node *n = area_first(t); n; n = area_next(n), i++) {
		while (!used[i])
			i++;
		assert_int_equal(n->start, base + i * PAGE);
	}
	i = SLOTS - 1;
	for (struct area_node *n = area_last(t); n; n = area_prev(n), i--) {
		while (!used[i])
			i--;
		assert_int_equal(n->start, base + i * PAGE);
	}
	for (int k = 0; k < 20; k++) {
		uintptr_t addr = base - PAGE + next_rand() % ((SLOTS + 2) * PAGE);
		struct area_node *n = area_find(t, addr);
		assert_int_equal(n ? n->start : 0, model_find_end_above(addr));
	}
	for (int k = 0; k < 20; k++) {
		size_t len = (1 + next_rand() % 4) * PAGE;
		uintptr_t floor = base + (next_rand() % (SLOTS / 2)) * PAGE;
		uintptr_t top = floor + (next_rand() % (SLOTS / 2 + 4)) * PAGE;
		assert_int_equal(area_gap_below(t, len, floor, top),
				 model_gap_below(len, floor, top));
	}
}

/* Random one-page areas come and go; the tree matches the model after each change. */
static void test_against_model(void **state __attribute__((unused)))
{
	struct area_tree t;

	area_tree_init(&t);
	memset(used, 0, sizeof(used));
	for (int step = 0; step < 4000; step++) {
		int i = next_rand() % SLOTS;
		struct area_node *n = &slot_nodes[i];
		if (used[i]) {
			area_remove(&t, n);
		} else {
			n->start = base + i * PAGE;
			n->end = n->start + PAGE;
			area_insert(&t, n);
		}
		used[i] = !used[i];
		check_tree(&t);
		if (step % 10 == 0)
			compare_with_model(&t);
	}
}

/* Growing an area in place (as a merge or brk does) keeps the summaries right. */
static void test_changed(void **state __attribute__((unused)))
{
	struct area_tree t;
	struct area_node n[3] = { { .start = 0x10000, .end = 0x11000 },
				  { .start = 0x20000, .end = 0x21000 },
				  { .start = 0x40000, .end = 0x41000 } };

	area_tree_init(&t);
	for (int i = 0; i < 3; i++)
		area_insert(&t, &n[i]);
	assert_int_equal(t.root->gap, 0x1f000);
	n[1].end = 0x3f000;
	area_changed(&n[1]);
	check_tree(&t);
	assert_int_equal(t.root->gap, 0xf000);
	assert_int_equal(area_gap_below(&t, 0x10000, 0x10000, 0x50000), 0);
	assert_int_equal(area_gap_below(&t, 0xf000, 0x10000, 0x50000), 0x41000);
	assert_int_equal(area_gap_below(&t, 0xf000, 0x10000, 0x41000), 0x11000);
	assert_int_equal(area_gap_below(&t, 0x1000, 0x10000, 0x40000), 0x3f000);
	n[1].start = 0x12000;
	area_changed(&n[1]);
	check_tree(&t);
	assert_int_equal(area_gap_below(&t, 0x1000, 0x10000, 0x3f000), 0x11000);
	assert_int_equal(area_gap_below(&t, 0x2000, 0x10000, 0x3f000), 0);
	assert_int_equal(area_gap_below(&t, 0, 0x10000, 0x3f000), 0);
}

/* 100,000 areas inserted, then removed, each in random order. */
#define MANY 100000

static void test_many(void **state __attribute__((unused)))
{
	struct area_node *nodes = calloc(MANY, sizeof(*nodes));
	struct area_node **order = calloc(MANY, sizeof(*order));
	struct area_tree t;

	assert_non_null(nodes);
	assert_non_null(order);
	area_tree_init(&t);
	for (size_t i = 0; i < MANY; i++) {
		nodes[i].start = base + 2 * i * PAGE; /* a one-page hole between areas */
		nodes[i].end = nodes[i].start + PAGE;
		order[i] = &nodes[i];
	}
	shuffle(order, MANY);
	for (size_t i = 0; i < MANY; i++) {
		area_insert(&t, order[i]);
		if (i % 20000 == 0)
			check_tree(&t);
	}
	check_tree(&t);
	assert_int_equal(t.count, MANY);
	/* AVL: height at most 1.44 log2(n + 2). */
	assert_true(t.root->height <= 25);
	assert_ptr_equal(area_find(&t, base + 2 * 777 * PAGE + 10), &nodes[777]);
	assert_ptr_equal(area_find(&t, base + 2 * 777 * PAGE + PAGE), &nodes[778]);
	assert_int_equal(area_gap_below(&t, PAGE, base, nodes[MANY - 1].start),
			 nodes[MANY - 2].end);
	assert_int_equal(area_gap_below(&t, 2 * PAGE, base, nodes[MANY - 1].start), 0);
	shuffle(order, MANY);
	for (size_t i = 0; i < MANY; i++) {
		area_remove(&t, order[i]);
		if (i % 20000 == 0)
			check_tree(&t);
	}
	assert_null(t.root);
	assert_int_equal(t.count, 0);
	free(nodes);
	free(order);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_model),
		cmocka_unit_test(test_changed),
		cmocka_unit_test(test_many),
	};
	return cmocka_run_group_tests_name("area_tree", tests, NULL, NULL);
}
