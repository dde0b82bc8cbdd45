/*
 * The boot memory allocator: before the buddy allocator exists, page tables
 * and the buddy's own metadata come from here. It knows the usable RAM minus
 * the reservations and hands pages out from the end of ranges; what is left
 * goes to the buddy allocator in one step.
 */
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/string.h>
#include "internal.h"

#define MAX_FREE	64
#define EARLY_MAP_LIMIT (1ull << 30) /* what boot.S maps */

static struct mem_range free_ranges[MAX_FREE];
static int nfree;
static bool closed;

/* Remove [start, end) from the free ranges, splitting one when needed. */
static void carve(uint64_t start, uint64_t end)
{
	for (int i = 0; i < nfree; i++) {
		struct mem_range *r = &free_ranges[i];
		if (end <= r->start || start >= r->end)
			continue;
		if (start > r->start && end < r->end) {
			if (nfree == MAX_FREE)
				panic("bootmem: memory map too fragmented");
			free_ranges[nfree++] = (struct mem_range){ end, r->end, E820_RAM };
			r->end = start;
		} else if (start > r->start) {
			r->end = start;
		} else if (end < r->end) {
			r->start = end;
		} else {
			r->start = r->end; /* empty; skipped from now on */
		}
	}
}

void bootmem_init(const struct mem_range *map, int n, const struct mem_range *res, int nres)
{
	for (int i = 0; i < n && nfree < MAX_FREE; i++) {
		if (map[i].type != E820_RAM)
			continue;
		uint64_t start = ALIGN_UP(map[i].start, PAGE_SIZE);
		uint64_t end = ALIGN_DOWN(map[i].end, PAGE_SIZE);
		if (start < end)
			free_ranges[nfree++] = (struct mem_range){ start, end, E820_RAM };
	}
	for (int i = 0; i < nres; i++)
		carve(ALIGN_DOWN(res[i].start, PAGE_SIZE), ALIGN_UP(res[i].end, PAGE_SIZE));
}

static void *take(size_t npages, uint64_t limit)
{
	uint64_t size = (uint64_t)npages * PAGE_SIZE;

	BUG_ON(closed);
	for (int i = 0; i < nfree; i++) {
		struct mem_range *r = &free_ranges[i];
		uint64_t end = MIN(r->end, limit);
		if (end <= r->start || end - r->start < size)
			continue;
		uint64_t start = end - size;
		carve(start, end);
		void *p = phys_to_virt(start);
		memset(p, 0, size);
		return p;
	}
	return NULL;
}

void *bootmem_alloc_page(void)
{
	return take(1, EARLY_MAP_LIMIT);
}

void *bootmem_alloc(size_t npages)
{
	return take(npages, EARLY_MAP_LIMIT);
}

void bootmem_release_all(void (*release)(uint64_t start, uint64_t end))
{
	closed = true;
	for (int i = 0; i < nfree; i++) {
		if (free_ranges[i].start < free_ranges[i].end)
			release(free_ranges[i].start, free_ranges[i].end);
	}
	nfree = 0;
}
