/*
 * The kernel's page allocator: the buddy core (mm/buddy.c) with one zone per
 * usable RAM range of the memory map, behind a spinlock. Bring-up order lives
 * here too: reservations, page tables, zones, then the hand-over of free RAM.
 * When no block is left, the page cache gives back clean pages nobody uses
 * (pcache_reclaim) and the allocation is tried again. Each page also has a
 * share count, changed with atomic instructions and no lock: for anonymous
 * memory, how many more address spaces map it since a fork; for a file's
 * page, every mapping of it (the page cache keeps a page while mapped).
 */
#include <alto/mm.h>
#include <alto/pagecache.h>
#include <alto/printk.h>
#include <alto/spinlock.h>
#include <alto/string.h>
#include "internal.h"
#include "mm_trace.h"

static struct buddy buddy;
static struct spinlock page_lock = SPINLOCK_INIT;

/* Share counts, one per page of each zone (see the opening comment). */
static struct {
	uintptr_t base, end;
	uint32_t *count;
} shares[BUDDY_MAX_ZONES];
static int nshares;

/* The count of an allocator page; NULL for other memory (the kernel image, the initrd). */
static uint32_t *share_of(const void *page)
{
	uintptr_t a = (uintptr_t)page;

	for (int i = 0; i < nshares; i++) {
		if (a >= shares[i].base && a < shares[i].end)
			return &shares[i].count[(a - shares[i].base) >> PAGE_SHIFT];
	}
	return NULL;
}

void page_share(void *page)
{
	uint32_t *count = share_of(page);

	if (count)
		__atomic_fetch_add(count, 1, __ATOMIC_RELAXED);
}

bool page_unshare(void *page)
{
	uint32_t *count = share_of(page), n;

	if (!count)
		return false;
	n = __atomic_load_n(count, __ATOMIC_RELAXED);
	while (n) {
		if (__atomic_compare_exchange_n(count, &n, n - 1, false, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			return false;
	}
	return true;
}

uint32_t page_sharers(const void *page)
{
	uint32_t *count = share_of(page);

	return count ? __atomic_load_n(count, __ATOMIC_ACQUIRE) : 0;
}

/*
 * A page on its way out has no sharer, so its count (kernel memory) can
 * hold the next page's frame number plus one until page_chain_free sets it
 * back to 0. (A program's thread writing a page that another thread was
 * unmapping overwrote a link kept in the page itself: page_free of a user
 * value, a panic.)
 */
void page_chain_add(void **chain, void *page)
{
	uint32_t *count = share_of(page);

	if (!count || __atomic_load_n(count, __ATOMIC_RELAXED))
		panic("page_chain_add: %p is not a page to free", page);
	*count = *chain ? (uint32_t)(virt_to_phys(*chain) >> PAGE_SHIFT) + 1 : 0;
	*chain = page;
}

void page_chain_free(void **chain)
{
	while (*chain) {
		void *page = *chain;
		uint32_t *count = share_of(page);
		*chain = *count ? phys_to_virt((uint64_t)(*count - 1) << PAGE_SHIFT) : NULL;
		*count = 0;
		page_free(page);
	}
}

void *page_alloc_noreclaim(unsigned int order)
{
	unsigned long flags = spin_lock(&page_lock);
	void *p = buddy_alloc(&buddy, order);

	spin_unlock(&page_lock, flags);
	trace_page_alloc(order, p);
	return p;
}

void *page_alloc(unsigned int order)
{
	void *p = page_alloc_noreclaim(order);

	/* Clean cached file pages are the memory that can be had back at once. */
	for (int round = 0; !p && round < 4; round++) {
		if (!pcache_reclaim((1ul << order) * 32))
			break;
		p = page_alloc_noreclaim(order);
	}
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
