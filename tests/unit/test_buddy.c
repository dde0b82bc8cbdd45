/*
 * Host tests of the buddy allocator core (mm/buddy.c). Two zones over
 * aligned_alloc arenas: one aligned to its size, one offset so no large block
 * fits naturally, with a reserved hole. A shadow map of pages catches overlap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <uapi/errno.h>
#include "mm/internal.h"

#define ARENA_ORDER 12 /* zone 1: 16 MiB, aligned to 16 MiB */
#define Z1_PAGES    (1u << ARENA_ORDER)
#define Z2_OFFSET   3 /* zone 2 starts 3 pages past a 4 MiB boundary */
#define Z2_PAGES    1000
#define HOLE_FIRST  100 /* pages [100, 150) of zone 2 stay reserved */
#define HOLE_LAST   150
#define MAX_LIVE    8192

struct block {
	char *p;
	unsigned int order;
};

struct fixture {
	struct buddy b;
	char *arena1, *arena2, *z2;
	uint8_t meta1[Z1_PAGES], meta2[Z2_PAGES];
	uint8_t owned1[Z1_PAGES], owned2[Z2_PAGES]; /* shadow: page is in a live block */
	struct block live[MAX_LIVE];
	int nlive;
	size_t initial_free;
	size_t initial_counts[BUDDY_MAX_ORDER + 1];
};

static void count_free(const struct buddy *b, size_t counts[BUDDY_MAX_ORDER + 1])
{
	for (int i = 0; i <= BUDDY_MAX_ORDER; i++) {
		struct list *pos;
		counts[i] = 0;
		list_for_each(pos, &b->free[i])
			counts[i]++;
	}
	for (int i = 0; i < b->nuntouched; i++)
		counts[b->untouched[i].order]++;
}

static void assert_state_is_initial(struct fixture *f)
{
	size_t counts[BUDDY_MAX_ORDER + 1];

	assert_int_equal(f->b.free_pages, f->initial_free);
	count_free(&f->b, counts);
	assert_memory_equal(counts, f->initial_counts, sizeof(counts));
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->arena1 = aligned_alloc(PAGE_SIZE << ARENA_ORDER, PAGE_SIZE << ARENA_ORDER);
	f->arena2 = aligned_alloc(4 << 20, 4 << 20); /* C11: size a multiple of the alignment */
	assert_non_null(f->arena1);
	assert_non_null(f->arena2);
	f->z2 = f->arena2 + Z2_OFFSET * PAGE_SIZE;
	buddy_init(&f->b);
	assert_int_equal(buddy_add_zone(&f->b, f->arena1, Z1_PAGES, f->meta1), 0);
	assert_int_equal(buddy_add_zone(&f->b, f->z2, Z2_PAGES, f->meta2), 0);
	*state = f;
	return 0;
}

/* Setup, then release all of zone 1 and zone 2 except its hole. */
static int setup_released(void **state)
{
	setup(state);
	struct fixture *f = *state;

	buddy_release_range(&f->b, f->arena1, Z1_PAGES);
	buddy_release_range(&f->b, f->z2, HOLE_FIRST);
	buddy_release_range(&f->b, f->z2 + HOLE_LAST * PAGE_SIZE, Z2_PAGES - HOLE_LAST);
	f->initial_free = f->b.free_pages;
	count_free(&f->b, f->initial_counts);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->arena1);
	free(f->arena2);
	free(f);
	return 0;
}

/* The shadow page map of p, with *index set; fails the test if p is in no zone. */
static uint8_t *shadow_of(struct fixture *f, char *p, size_t *index)
{
	if (p >= f->arena1 && p < f->arena1 + Z1_PAGES * PAGE_SIZE) {
		*index = (p - f->arena1) / PAGE_SIZE;
		return f->owned1;
	}
	assert_true(p >= f->z2 && p < f->z2 + Z2_PAGES * PAGE_SIZE);
	*index = (p - f->z2) / PAGE_SIZE;
	assert_false(*index >= HOLE_FIRST && *index < HOLE_LAST);
	return f->owned2;
}

/* Check a new block against the model, claim its pages and tag its ends. */
static void track_alloc(struct fixture *f, char *p, unsigned int order)
{
	size_t n = (size_t)1 << order;

	assert_true(((uintptr_t)p & ((PAGE_SIZE << order) - 1)) == 0);
	assert_int_equal(buddy_order_of(&f->b, p), order);
	for (size_t k = 0; k < n; k++) {
		size_t i;
		uint8_t *owned = shadow_of(f, p + k * PAGE_SIZE, &i);

		assert_int_equal(owned[i], 0);
		owned[i] = 1;
	}
	memset(p, (int)order, 64);
	memset(p + n * PAGE_SIZE - 64, (int)order, 64);
	assert_true(f->nlive < MAX_LIVE);
	f->live[f->nlive++] = (struct block){ p, order };
}

/* Free live block k, checking its tags survived. */
static void untrack_free(struct fixture *f, int k)
{
	struct block blk = f->live[k];
	size_t n = (size_t)1 << blk.order, i;
	uint8_t *owned = shadow_of(f, blk.p, &i);

	for (int j = 0; j < 64; j++) {
		assert_int_equal(blk.p[j], blk.order);
		assert_int_equal(blk.p[n * PAGE_SIZE - 64 + j], blk.order);
	}
	memset(owned + i, 0, n);
	assert_int_equal(buddy_free(&f->b, blk.p), 0);
	f->live[k] = f->live[--f->nlive];
}

static void free_all(struct fixture *f)
{
	while (f->nlive)
		untrack_free(f, f->nlive - 1);
}

static void test_add_zone_errors(void **state)
{
	struct fixture *f = *state;
	static uint8_t meta[BUDDY_MAX_ZONES][1];
	char *p = f->arena1;

	assert_int_equal(buddy_add_zone(&f->b, p + 1, 1, meta[0]), -EINVAL);
	assert_int_equal(buddy_add_zone(&f->b, f->arena1, 0, meta[0]), -EINVAL);
	assert_int_equal(buddy_add_zone(&f->b, f->z2 + 5 * PAGE_SIZE, 1, meta[0]), -EINVAL);
	assert_int_equal(buddy_add_zone(&f->b, f->z2 - PAGE_SIZE, 2, meta[0]), -EINVAL);
	assert_int_equal(buddy_add_zone(&f->b, (void *)(uintptr_t)-PAGE_SIZE, 2, meta[0]), -EINVAL);
	/* Fake zones past the arenas are never touched: nothing is released in them. */
	for (int i = 2; i < BUDDY_MAX_ZONES; i++) {
		void *base = (void *)(uintptr_t)(0x7000000000000ull + i * PAGE_SIZE);
		assert_int_equal(buddy_add_zone(&f->b, base, 1, meta[i]), 0);
	}
	assert_int_equal(buddy_add_zone(&f->b, (void *)0x7100000000000ull, 1, meta[0]), -ENOSPC);
	assert_int_equal(f->b.free_pages, 0);
	assert_null(buddy_alloc(&f->b, 0));
}

static void test_release_coalesces(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(f->b.free_pages, Z1_PAGES + Z2_PAGES - (HOLE_LAST - HOLE_FIRST));
	assert_int_equal(f->b.total_pages, f->b.free_pages);
	/* Zone 1 is one block; zone 2 cannot hold an aligned block bigger than order 8. */
	assert_int_equal(f->initial_counts[ARENA_ORDER], 1);
	for (int i = 9; i <= BUDDY_MAX_ORDER; i++)
		assert_int_equal(f->initial_counts[i], i == ARENA_ORDER);
	assert_null(buddy_alloc(&f->b, ARENA_ORDER + 1));
	assert_null(buddy_alloc(&f->b, BUDDY_MAX_ORDER + 1));
	char *p = buddy_alloc(&f->b, ARENA_ORDER);
	assert_ptr_equal(p, f->arena1);
	assert_int_equal(buddy_free(&f->b, p), 0);
	assert_state_is_initial(f);
}

/* Zone 1 released in odd pieces, in a scrambled order, ends as one block. */
static void test_release_unaligned(void **state)
{
	struct fixture *f = *state;
	static const size_t cuts[][2] = {
		{ 17, 4000 }, { 0, 5 }, { 4001, Z1_PAGES - 4001 }, { 5, 12 }, { 4000, 1 },
	};
	size_t counts[BUDDY_MAX_ORDER + 1];

	for (size_t i = 0; i < ARRAY_SIZE(cuts); i++)
		buddy_release_range(&f->b, f->arena1 + cuts[i][0] * PAGE_SIZE, cuts[i][1]);
	assert_int_equal(f->b.free_pages, Z1_PAGES);
	assert_ptr_equal(buddy_alloc(&f->b, ARENA_ORDER), f->arena1);
	assert_int_equal(buddy_free(&f->b, f->arena1), 0);

	/* Releasing again, overlapping zone edges or inside a page, changes nothing. */
	count_free(&f->b, f->initial_counts);
	buddy_release_range(&f->b, f->arena1 - 10 * PAGE_SIZE, Z1_PAGES + 20);
	buddy_release_range(&f->b, f->z2 + 10 * PAGE_SIZE + 1, 1);
	assert_int_equal(f->b.free_pages, Z1_PAGES);
	count_free(&f->b, counts);
	assert_memory_equal(counts, f->initial_counts, sizeof(counts));

	/* A range not page aligned gives only the whole pages inside it: 8..11. */
	buddy_release_range(&f->b, f->z2 + 7 * PAGE_SIZE + 100, 4);
	assert_int_equal(f->b.free_pages, Z1_PAGES + 3);
	assert_int_equal(f->b.total_pages, Z1_PAGES + 3);
	/* Pages 8..10 of zone 2 are page numbers 11, 12, 13 mod 1024: one order-0, one order-1. */
	count_free(&f->b, counts);
	assert_int_equal(counts[0] - f->initial_counts[0], 1);
	assert_int_equal(counts[1] - f->initial_counts[1], 1);
}

static unsigned int random_order(void)
{
	int r = rand() % 100;

	if (r < 60)
		return 0;
	if (r < 85)
		return 1 + rand() % 3;
	return 4 + rand() % 6;
}

static void test_random(void **state)
{
	struct fixture *f = *state;

	srand(12345);
	for (int op = 0; op < 40000; op++) {
		if (f->nlive && (rand() % 100 < 45 || f->nlive == MAX_LIVE)) {
			untrack_free(f, rand() % f->nlive);
			continue;
		}
		unsigned int order = random_order();
		char *p = buddy_alloc(&f->b, order);
		if (p)
			track_alloc(f, p, order);
	}
	size_t live_pages = 0;
	for (int k = 0; k < f->nlive; k++)
		live_pages += (size_t)1 << f->live[k].order;
	assert_int_equal(f->b.free_pages + live_pages, f->initial_free);
	free_all(f);
	assert_state_is_initial(f);
	assert_ptr_equal(buddy_alloc(&f->b, ARENA_ORDER), f->arena1);
}

static void test_exhaustion(void **state)
{
	struct fixture *f = *state;
	char *p;

	for (int round = 0; round < 2; round++) {
		while ((p = buddy_alloc(&f->b, 0)))
			track_alloc(f, p, 0);
		assert_int_equal(f->nlive, f->initial_free);
		assert_int_equal(f->b.free_pages, 0);
		assert_null(buddy_alloc(&f->b, 3));
		free_all(f);
		assert_state_is_initial(f);
	}
}

static void test_bad_free(void **state)
{
	struct fixture *f = *state;
	char *p = buddy_alloc(&f->b, 3);
	char *q = buddy_alloc(&f->b, 0);
	char *bad[] = {
		p + PAGE_SIZE,	   /* interior page */
		p + 1,		   /* not page aligned */
		p + 8 * PAGE_SIZE, /* head of a free block, split off when p was carved */
		f->z2 + HOLE_FIRST * PAGE_SIZE, /* reserved */
		f->arena2,			/* outside every zone */
		NULL,
	};

	assert_non_null(p);
	assert_non_null(q);
	assert_ptr_not_equal(q, bad[2]);
	size_t free_before = f->b.free_pages;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(buddy_free(&f->b, bad[i]), -EINVAL);
		assert_int_equal(buddy_order_of(&f->b, bad[i]), -EINVAL);
	}
	assert_int_equal(f->b.free_pages, free_before);
	assert_int_equal(buddy_order_of(&f->b, p), 3);
	assert_int_equal(buddy_free(&f->b, p), 0);
	assert_int_equal(buddy_free(&f->b, p), -EINVAL);
	assert_int_equal(buddy_order_of(&f->b, p), -EINVAL);
	assert_int_equal(f->b.free_pages, free_before + 8);
	assert_int_equal(buddy_free(&f->b, q), 0);
	assert_int_equal(buddy_free(&f->b, q), -EINVAL);
	assert_state_is_initial(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_zone_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_coalesces, setup_released, teardown),
		cmocka_unit_test_setup_teardown(test_release_unaligned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random, setup_released, teardown),
		cmocka_unit_test_setup_teardown(test_exhaustion, setup_released, teardown),
		cmocka_unit_test_setup_teardown(test_bad_free, setup_released, teardown),
	};

	return cmocka_run_group_tests_name("buddy", tests, NULL, NULL);
}
