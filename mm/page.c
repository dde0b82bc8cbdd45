/*
 * The kernel's page allocator: the buddy core (mm/buddy.c) with one zone per
 * usable RAM range of the memory map, behind a spinlock. Bring-up order lives
 * here too: reservations, page tables, zones, then the hand-over of free RAM.
 * Each page also has a share count (how many more address spaces map it
 * since a fork), changed with atomic instructions and no lock.
 */
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/spinlock.h>
#include <alto/string.h>
#include "internal.h"

static struct buddy buddy;
static struct spinlock page_lock = SPINLOCK_INIT;

/* Share counts, one per page of each zone: mappers beyond the first. */
static struct {
	uintptr_t base, end;
	uint32_t *count;
} shares[BUDDY_MAX_ZONES];
static int nshares;

static uint32_t *share_of(const void *page)
{
	uintptr_t a = (uintptr_t)page;

	for (int i = 0; i < nshares; i++) {
		if (a >= shares[i].base && a < shares[i].end)
			return &shares[i].count[(a - shares[i].base) >> PAGE_SHIFT];
	}
	panic("page_share: %p is not a page of the allocator", page);
}

void page_share(void *page)
{
	__atomic_fetch_add(share_of(page), 1, __ATOMIC_RELAXED);
}

bool page_unshare(void *page)
{
	uint32_t *count = share_of(page), n = __atomic_load_n(count, __ATOMIC_RELAXED);

	while (n) {
		if (__atomic_compare_exchange_n(count, &n, n - 1, false, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			return false;
	}
	return true;
}

uint32_t page_sharers(const void *page)
{
	return __atomic_load_n(share_of(page), __ATOMIC_ACQUIRE);
}

void *page_alloc(unsigned int order)
{
	unsigned long flags = spin_lock(&page_lock);
	void *p = buddy_alloc(&buddy, order);

	spin_unlock(&page_lock, flags);
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
		uint32_t *count = bootmem_alloc(ALIGN_UP(npages * 4, PAGE_SIZE) / PAGE_SIZE);
		if (!count)
			panic("mm: no memory for page share counts");
		shares[nshares].base = (uintptr_t)phys_to_virt(start);
		shares[nshares].end = (uintptr_t)phys_to_virt(end);
		shares[nshares++].count = count;
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
