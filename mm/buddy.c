/*
 * Buddy page allocator core: blocks of 2^order pages, aligned on their address
 * so a block's buddy is one XOR away. All state is one meta byte per page plus
 * free lists whose nodes live inside the free pages, so it needs no memory of
 * its own and runs unchanged in the kernel and in host tests.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <alto/compiler.h>
#include <alto/string.h>
#include <uapi/errno.h>
#include "internal.h"

/*
 * Meta byte of a page. Only a block's first page carries FREE or ALLOC and the
 * order; the other pages of a block are 0. RESERVED marks pages never released,
 * which lets buddy_release_range skip pages it has already been given; with
 * FREE, a free block on no list (b->untouched).
 */
#define META_FREE     0x80
#define META_ALLOC    0x40
#define META_RESERVED 0x20
#define META_ORDER    0x1f

_Static_assert(BUDDY_MAX_ORDER <= META_ORDER, "order must fit in the meta byte");

static size_t block_bytes(unsigned int order)
{
	return (size_t)PAGE_SIZE << order;
}

static struct buddy_zone *zone_of(const struct buddy *b, uintptr_t addr)
{
	for (int i = 0; i < b->nzones; i++) {
		const struct buddy_zone *z = &b->zones[i];
		if (addr >= z->base && (addr - z->base) >> PAGE_SHIFT < z->npages)
			return (struct buddy_zone *)z;
	}
	return NULL;
}

static size_t page_index(const struct buddy_zone *z, uintptr_t addr)
{
	return (addr - z->base) >> PAGE_SHIFT;
}

/* True if the whole block [addr, addr + 2^order pages) lies in z. */
static bool block_in_zone(const struct buddy_zone *z, uintptr_t addr, unsigned int order)
{
	return addr >= z->base && page_index(z, addr) + ((size_t)1 << order) <= z->npages;
}

static void push_free(struct buddy *b, struct buddy_zone *z, uintptr_t addr, unsigned int order)
{
	b->free_pages += (size_t)1 << order;
	if (order >= BUDDY_UNTOUCHED_ORDER && b->nuntouched < BUDDY_UNTOUCHED) {
		z->meta[page_index(z, addr)] = META_FREE | META_RESERVED | order;
		b->untouched[b->nuntouched++] = (struct buddy_block){ addr, order };
		return;
	}
	z->meta[page_index(z, addr)] = META_FREE | order;
	list_push(&b->free[order], (struct list *)addr);
}

static void take_free(struct buddy *b, struct buddy_zone *z, uintptr_t addr, unsigned int order)
{
	uint8_t *meta = &z->meta[page_index(z, addr)];

	b->free_pages -= (size_t)1 << order;
	if (!(*meta & META_RESERVED)) {
		list_remove((struct list *)addr);
	} else {
		for (int i = 0; i < b->nuntouched; i++) {
			if (b->untouched[i].addr == addr) {
				b->untouched[i] = b->untouched[--b->nuntouched];
				break;
			}
		}
	}
	*meta = 0;
}

/* A free block of that order on no list, or 0. */
static uintptr_t untouched_of_order(const struct buddy *b, unsigned int order)
{
	for (int i = 0; i < b->nuntouched; i++) {
		if (b->untouched[i].order == order)
			return b->untouched[i].addr;
	}
	return 0;
}

/* Free a block whose pages are all marked 0, merging it with free buddies. */
static void free_block(struct buddy *b, struct buddy_zone *z, uintptr_t addr, unsigned int order)
{
	while (order < BUDDY_MAX_ORDER) {
		uintptr_t buddy = addr ^ block_bytes(order);

		if (!block_in_zone(z, buddy, order) ||
		    (z->meta[page_index(z, buddy)] & ~META_RESERVED) != (META_FREE | order))
			break;
		take_free(b, z, buddy, order);
		addr = MIN(addr, buddy);
		order++;
	}
	push_free(b, z, addr, order);
}

void buddy_init(struct buddy *b)
{
	memset(b, 0, sizeof(*b));
	for (int i = 0; i <= BUDDY_MAX_ORDER; i++)
		list_init(&b->free[i]);
}

static bool zones_overlap(const struct buddy *b, uintptr_t base, size_t npages)
{
	for (int i = 0; i < b->nzones; i++) {
		const struct buddy_zone *z = &b->zones[i];
		if (base < z->base + z->npages * PAGE_SIZE && z->base < base + npages * PAGE_SIZE)
			return true;
	}
	return false;
}

int buddy_add_zone(struct buddy *b, void *base, size_t npages, uint8_t *meta)
{
	uintptr_t addr = (uintptr_t)base;

	if (!npages || !meta || !IS_ALIGNED(addr, PAGE_SIZE) ||
	    npages > (UINTPTR_MAX - addr) / PAGE_SIZE || zones_overlap(b, addr, npages))
		return -EINVAL;
	if (b->nzones == BUDDY_MAX_ZONES)
		return -ENOSPC;
	memset(meta, META_RESERVED, npages);
	b->zones[b->nzones++] = (struct buddy_zone){ addr, npages, meta };
	return 0;
}

/* Largest naturally aligned block that starts at addr and ends by end. */
static unsigned int fit_order(uintptr_t addr, uintptr_t end)
{
	unsigned int order = 0;

	while (order < BUDDY_MAX_ORDER && IS_ALIGNED(addr, block_bytes(order + 1)) &&
	       end - addr >= block_bytes(order + 1))
		order++;
	return order;
}

/* Release pages [first, last) of z, all of them reserved. */
static void release_run(struct buddy *b, struct buddy_zone *z, size_t first, size_t last)
{
	uintptr_t addr = z->base + first * PAGE_SIZE;
	uintptr_t end = z->base + last * PAGE_SIZE;

	memset(z->meta + first, 0, last - first);
	b->total_pages += last - first;
	while (addr < end) {
		unsigned int order = fit_order(addr, end);

		free_block(b, z, addr, order);
		addr += block_bytes(order);
	}
}

/*
 * The end of the run of reserved pages that starts at i, eight meta bytes
 * at a time: the boot releases all of RAM, a page at a time otherwise.
 */
static size_t reserved_run_end(const uint8_t *meta, size_t i, size_t last)
{
	const uint64_t all = 0x0101010101010101ull * META_RESERVED;
	uint64_t w;

	for (; i + 8 <= last; i += 8) {
		__builtin_memcpy(&w, meta + i, 8);
		if (w != all)
			break;
	}
	while (i < last && meta[i] == META_RESERVED)
		i++;
	return i;
}

/* Release the reserved pages among [first, last) of z, run by run. */
static void release_in_zone(struct buddy *b, struct buddy_zone *z, size_t first, size_t last)
{
	while (first < last) {
		size_t run = reserved_run_end(z->meta, first, last);

		if (run > first)
			release_run(b, z, first, run);
		first = run + 1;
	}
}

void buddy_release_range(struct buddy *b, void *start, size_t npages)
{
	uintptr_t lo = (uintptr_t)start;
	uintptr_t hi =
		npages > (UINTPTR_MAX - lo) / PAGE_SIZE ? UINTPTR_MAX : lo + npages * PAGE_SIZE;

	for (int i = 0; i < b->nzones; i++) {
		struct buddy_zone *z = &b->zones[i];
		uintptr_t zend = z->base + z->npages * PAGE_SIZE;

		if (hi <= z->base || lo >= zend)
			continue;
		/* Only whole pages: round a partial first page up and a partial last one down. */
		size_t first = lo <= z->base ? 0 : page_index(z, lo + PAGE_SIZE - 1);
		size_t last = hi >= zend ? z->npages : page_index(z, hi);
		release_in_zone(b, z, first, last);
	}
}

void *buddy_alloc(struct buddy *b, unsigned int order)
{
	unsigned int k = order;
	uintptr_t addr = 0;

	for (; k <= BUDDY_MAX_ORDER; k++) {
		if (!list_empty(&b->free[k])) {
			addr = (uintptr_t)b->free[k].next;
			break;
		}
		if (k >= BUDDY_UNTOUCHED_ORDER && (addr = untouched_of_order(b, k)))
			break;
	}
	if (k > BUDDY_MAX_ORDER)
		return NULL;

	struct buddy_zone *z = zone_of(b, addr);

	take_free(b, z, addr, k);
	/* Split down to the requested order, keeping the low half each time. */
	while (k > order) {
		k--;
		push_free(b, z, addr + block_bytes(k), k);
	}
	z->meta[page_index(z, addr)] = META_ALLOC | order;
	return (void *)addr;
}

/* The zone of p when p starts an allocated block, else NULL. */
static struct buddy_zone *alloc_head(const struct buddy *b, const void *p)
{
	uintptr_t addr = (uintptr_t)p;
	struct buddy_zone *z = zone_of(b, addr);

	if (!z || !IS_ALIGNED(addr, PAGE_SIZE) || !(z->meta[page_index(z, addr)] & META_ALLOC))
		return NULL;
	return z;
}

int buddy_free(struct buddy *b, void *p)
{
	struct buddy_zone *z = alloc_head(b, p);

	if (!z)
		return -EINVAL;
	size_t i = page_index(z, (uintptr_t)p);
	unsigned int order = z->meta[i] & META_ORDER;

	z->meta[i] = 0;
	free_block(b, z, (uintptr_t)p, order);
	return 0;
}

int buddy_order_of(const struct buddy *b, const void *p)
{
	const struct buddy_zone *z = alloc_head(b, p);

	if (!z)
		return -EINVAL;
	return z->meta[page_index(z, (uintptr_t)p)] & META_ORDER;
}
