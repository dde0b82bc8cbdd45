/*
 * The kernel's page allocator: the buddy core (mm/buddy.c) with one zone per
 * usable RAM range of the memory map, behind a spinlock. Bring-up order lives
 * here too: reservations, page tables, zones, then the hand-over of free RAM.
 */
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/spinlock.h>
#include <alto/string.h>
#include "internal.h"
#include "mm_trace.h"

static struct buddy buddy;
static struct spinlock page_lock = SPINLOCK_INIT;

void *page_alloc(unsigned int order)
{
	unsigned long flags = spin_lock(&page_lock);
	void *p = buddy_alloc(&buddy, order);

	spin_unlock(&page_lock, flags);
	trace_page_alloc(order, p);
	return p;
}

void *page_alloc_zeroed(unsigned int order)
{
	void *p = page_alloc(order);

	if (p)
		memset(p, 0, PAGE_SIZE << order);
	return p;
}

void page_free(void *p)
{
	if (!p)
		return;
	trace_page_free(p);
	unsigned long flags = spin_lock(&page_lock);
	int r = buddy_free(&buddy, p);

	spin_unlock(&page_lock, flags);
	if (r)
		panic("page_free: %p is not an allocated block", p);
}

int page_order(const void *p)
{
	unsigned long flags = spin_lock(&page_lock);
	int order = buddy_order_of(&buddy, p);

	spin_unlock(&page_lock, flags);
	return order;
}

uint64_t pages_free_count(void)
{
	return READ_ONCE(buddy.free_pages);
}

uint64_t pages_total_count(void)
{
	return buddy.total_pages;
}

static void add_zones(const struct mem_range *map, int n)
{
	for (int i = 0; i < n; i++) {
		if (map[i].type != E820_RAM)
			continue;
		uint64_t start = ALIGN_UP(map[i].start, PAGE_SIZE);
		uint64_t end = ALIGN_DOWN(map[i].end, PAGE_SIZE);
		if (start >= end)
			continue;
		size_t npages = (end - start) / PAGE_SIZE;
		uint8_t *meta = bootmem_alloc(ALIGN_UP(npages, PAGE_SIZE) / PAGE_SIZE);
		if (!meta)
			panic("mm: no memory for page metadata");
		if (buddy_add_zone(&buddy, phys_to_virt(start), npages, meta))
			panic("mm: too many memory ranges");
	}
}

static void release(uint64_t start, uint64_t end)
{
	buddy_release_range(&buddy, phys_to_virt(start), (end - start) / PAGE_SIZE);
}

void mm_init(const struct mem_range *map, int n, const struct mem_range *reserved, int nres)
{
	bootmem_init(map, n, reserved, nres);
	paging_init(map, n);
	buddy_init(&buddy);
	add_zones(map, n);
	bootmem_release_all(release);
	paging_use_page_allocator();
	heap_kernel_init();
}
