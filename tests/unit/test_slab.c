/*
 * Host tests of the heap core (mm/slab.c) over the real buddy core, as in the
 * kernel, through a page provider that can be given a small budget so that
 * running out of pages, and recovering from it, can be tested.
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

#define ARENA_ORDER 13 /* 32 MiB */
#define ARENA_PAGES (1u << ARENA_ORDER)
#define MAX_LIVE    4000

struct provider {
	struct buddy b;
	uint8_t meta[ARENA_PAGES];
	char *arena;
	size_t budget; /* pages; 0 for no limit */
	size_t used;
};

struct object {
	unsigned char *p;
	size_t size;
	unsigned char tag;
};

struct fixture {
	struct provider pv;
	struct heap h;
	struct object live[MAX_LIVE];
	int nlive;
};

static void *pv_alloc(void *ctx, unsigned int order)
{
	struct provider *pv = ctx;
	size_t n = (size_t)1 << order;
	void *p;

	if (pv->budget && pv->used + n > pv->budget)
		return NULL;
	p = buddy_alloc(&pv->b, order);
	if (p)
		pv->used += n;
	return p;
}

static void pv_free(void *ctx, void *p)
{
	struct provider *pv = ctx;
	int order = buddy_order_of(&pv->b, p);

	assert_true(order >= 0);
	assert_int_equal(buddy_free(&pv->b, p), 0);
	pv->used -= (size_t)1 << order;
}

static int pv_order_of(void *ctx, const void *p)
{
	struct provider *pv = ctx;

	return buddy_order_of(&pv->b, p);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct provider *pv = &f->pv;
	struct heap_page_ops ops = { pv_alloc, pv_free, pv_order_of, pv };

	pv->arena = aligned_alloc(PAGE_SIZE << ARENA_ORDER, PAGE_SIZE << ARENA_ORDER);
	assert_non_null(pv->arena);
	buddy_init(&pv->b);
	assert_int_equal(buddy_add_zone(&pv->b, pv->arena, ARENA_PAGES, pv->meta), 0);
	buddy_release_range(&pv->b, pv->arena, ARENA_PAGES);
	heap_init(&f->h, &ops);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->pv.arena);
	free(f);
	return 0;
}

/* Nothing held: no bytes, and after a trim no pages, here or in the provider. */
static void assert_heap_empty(struct fixture *f)
{
	size_t cached = f->h.pages_in_use;

	assert_int_equal(f->h.bytes_in_use, 0);
	assert_true(cached <= HEAP_NCLASSES);
	assert_int_equal(heap_trim(&f->h), cached);
	assert_int_equal(f->h.pages_in_use, 0);
	assert_int_equal(f->pv.used, 0);
	assert_int_equal(f->pv.b.free_pages, ARENA_PAGES);
}

static void check_shape(struct heap *h, const void *p, size_t size)
{
	size_t usable = heap_usable_size(h, p);

	assert_true(usable >= size && usable > 0);
	assert_true(((uintptr_t)p & 15) == 0);
	if (size > HEAP_MAX_SMALL) {
		assert_true(((uintptr_t)p & (PAGE_SIZE - 1)) == 0);
		assert_true(usable < 2 * size || usable == PAGE_SIZE);
	} else {
		assert_true(((uintptr_t)p & (PAGE_SIZE - 1)) != 0);
		assert_true(usable <= HEAP_MAX_SMALL);
	}
}

static void test_every_size(void **state)
{
	struct fixture *f = *state;

	for (size_t size = 0; size <= 8192; size++) {
		unsigned char *p = heap_alloc(&f->h, size);

		assert_non_null(p);
		check_shape(&f->h, p, size);
		assert_int_equal(f->h.bytes_in_use, heap_usable_size(&f->h, p));
		memset(p, 0xa5, size);
		assert_int_equal(heap_free(&f->h, p), 0);
	}
	assert_heap_empty(f);
}

static void test_size_zero_is_unique(void **state)
{
	struct fixture *f = *state;
	void *a = heap_alloc(&f->h, 0), *b = heap_alloc(&f->h, 0);

	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	assert_int_equal(heap_usable_size(&f->h, a), 16);
	assert_int_equal(heap_free(&f->h, a), 0);
	assert_int_equal(heap_free(&f->h, b), 0);
	assert_int_equal(heap_free(&f->h, NULL), 0);
	assert_int_equal(heap_usable_size(&f->h, NULL), 0);
	assert_heap_empty(f);
}

static size_t random_size(void)
{
	int r = rand() % 100;

	if (r < 70)
		return rand() % 257;
	if (r < 95)
		return rand() % (HEAP_MAX_SMALL + 1);
	return rand() % (5 * PAGE_SIZE);
}

static void fill(struct object *o)
{
	for (size_t i = 0; i < o->size; i++)
		o->p[i] = (unsigned char)(o->tag + i);
}

static void verify(const struct object *o)
{
	for (size_t i = 0; i < o->size; i++) {
		if (o->p[i] != (unsigned char)(o->tag + i))
			fail_msg("object %p of %zu bytes corrupted at %zu", (void *)o->p, o->size,
				 i);
	}
}

static bool track(struct fixture *f, size_t size)
{
	struct object *o = &f->live[f->nlive];

	o->p = heap_alloc(&f->h, size);
	if (!o->p)
		return false;
	o->size = size;
	o->tag = (unsigned char)rand();
	fill(o);
	f->nlive++;
	return true;
}

static void untrack(struct fixture *f, int k)
{
	verify(&f->live[k]);
	assert_int_equal(heap_free(&f->h, f->live[k].p), 0);
	f->live[k] = f->live[--f->nlive];
}

static void free_all(struct fixture *f)
{
	while (f->nlive)
		untrack(f, f->nlive - 1);
}

static size_t live_bytes(struct fixture *f)
{
	size_t sum = 0;

	for (int k = 0; k < f->nlive; k++)
		sum += heap_usable_size(&f->h, f->live[k].p);
	return sum;
}

static void test_random_mixed(void **state)
{
	struct fixture *f = *state;

	srand(4242);
	for (int op = 0; op < 30000; op++) {
		if (f->nlive && (rand() % 100 < 48 || f->nlive == MAX_LIVE))
			untrack(f, rand() % f->nlive);
		else
			assert_true(track(f, random_size()));
		if (op % 1000 == 0)
			assert_int_equal(f->h.bytes_in_use, live_bytes(f));
	}
	assert_int_equal(f->h.bytes_in_use, live_bytes(f));
	assert_int_equal(f->h.pages_in_use, f->pv.used);
	free_all(f);
	assert_heap_empty(f);
}

/* Fill a 64-page budget, free everything, and do it again. */
static void test_exhaustion(void **state)
{
	struct fixture *f = *state;

	f->pv.budget = 64;
	srand(7);
	for (int round = 0; round < 3; round++) {
		while (f->nlive < MAX_LIVE && track(f, random_size()))
			;
		assert_true(f->nlive < MAX_LIVE);
		assert_true(f->h.pages_in_use <= 64);
		assert_null(heap_alloc(&f->h, 64 * PAGE_SIZE));
		free_all(f);
		assert_heap_empty(f);
	}
}

/* Cached empty slabs are given back when the pages run out. */
static void test_trim_under_pressure(void **state)
{
	struct fixture *f = *state;
	void *p;

	f->pv.budget = 64;
	for (size_t size = 16; size <= HEAP_MAX_SMALL; size += 160)
		assert_true(track(f, size));
	free_all(f);
	assert_true(f->h.pages_in_use > 1);
	p = heap_alloc(&f->h, 64 * PAGE_SIZE);
	assert_non_null(p);
	assert_int_equal(f->h.pages_in_use, 64);
	assert_int_equal(heap_free(&f->h, p), 0);
	assert_heap_empty(f);
}

/* A slab that empties goes back to the pages, unless its class has no other. */
static void test_empty_slabs(void **state)
{
	struct fixture *f = *state;
	int per_slab = (PAGE_SIZE - 64) / 64;

	for (int i = 0; i < 3 * per_slab; i++)
		assert_true(track(f, 64));
	assert_int_equal(f->h.pages_in_use, 3);
	free_all(f);
	assert_int_equal(f->h.pages_in_use, 1);
	assert_int_equal(f->h.bytes_in_use, 0);
	assert_true(track(f, 64));
	assert_int_equal(f->h.pages_in_use, 1);
	free_all(f);
	assert_heap_empty(f);
}

static void test_bad_free(void **state)
{
	struct fixture *f = *state;
	char *a = heap_alloc(&f->h, 32), *b = heap_alloc(&f->h, 32);
	char *big = heap_alloc(&f->h, 3 * PAGE_SIZE);
	char *slab_page = (char *)((uintptr_t)a & ~(uintptr_t)(PAGE_SIZE - 1));
	char *bad[] = {
		a + 16,		 /* inside an object */
		a + 1,		 /* not aligned */
		slab_page,	 /* the slab itself */
		slab_page + 32,	 /* in the header */
		big + PAGE_SIZE, /* inside a large block */
		big + 100,	 /* inside a large block, not page aligned */
		f->pv.arena + (ARENA_PAGES - 1) * PAGE_SIZE, /* a free page */
	};

	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(big);
	memset(big, 0, 3 * PAGE_SIZE);
	size_t bytes = f->h.bytes_in_use, pages = f->h.pages_in_use;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(heap_free(&f->h, bad[i]), -EINVAL);
		assert_int_equal(heap_usable_size(&f->h, bad[i]), 0);
	}
	assert_int_equal(f->h.bytes_in_use, bytes);
	assert_int_equal(f->h.pages_in_use, pages);
	assert_int_equal(heap_usable_size(&f->h, big), 4 * PAGE_SIZE);

	assert_int_equal(heap_free(&f->h, a), 0);
	assert_int_equal(heap_free(&f->h, a), -EINVAL);
	assert_int_equal(heap_free(&f->h, big), 0);
	assert_int_equal(heap_free(&f->h, big), -EINVAL);
	/* a is free again, not handed out twice. */
	char *c = heap_alloc(&f->h, 32), *d = heap_alloc(&f->h, 32);
	assert_ptr_equal(c, a);
	assert_ptr_not_equal(d, a);
	assert_int_equal(heap_free(&f->h, b), 0);
	assert_int_equal(heap_free(&f->h, b), -EINVAL);
	assert_int_equal(heap_free(&f->h, c), 0);
	assert_int_equal(heap_free(&f->h, d), 0);
	/* The now empty slab stays cached, and knows c is free. */
	assert_int_equal(heap_free(&f->h, c), -EINVAL);
	assert_heap_empty(f);
}

/* A 384-byte slab holds 10 objects and 192 spare bytes, where no object starts. */
static void test_free_past_last_object(void **state)
{
	struct fixture *f = *state;
	char *p = heap_alloc(&f->h, 384);
	char *page = (char *)((uintptr_t)p & ~(uintptr_t)(PAGE_SIZE - 1));

	assert_int_equal(heap_usable_size(&f->h, page + 64 + 9 * 384), 384);
	assert_int_equal(heap_free(&f->h, page + 64 + 10 * 384), -EINVAL);
	assert_int_equal(heap_usable_size(&f->h, page + 64 + 10 * 384), 0);
	assert_int_equal(heap_free(&f->h, p), 0);
	assert_heap_empty(f);
}

/* A live object whose bytes look like a free one is still freed. */
static void test_live_object_with_free_pattern(void **state)
{
	struct fixture *f = *state;
	uint64_t *a = heap_alloc(&f->h, 16), *b = heap_alloc(&f->h, 16);

	assert_int_equal(heap_free(&f->h, a), 0);
	/* Freed a holds its free-list link and marker; give b a marker of its own. */
	uint64_t marker = a[1] ^ (uintptr_t)a ^ (uintptr_t)b;
	b[0] = 0;
	b[1] = marker;
	assert_int_equal(heap_free(&f->h, b), 0);
	assert_int_equal(heap_free(&f->h, b), -EINVAL);
	assert_heap_empty(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_size_zero_is_unique, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_mixed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhaustion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trim_under_pressure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_slabs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_free, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_past_last_object, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_object_with_free_pattern, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("slab", tests, NULL, NULL);
}
