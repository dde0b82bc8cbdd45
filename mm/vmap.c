/*
 * The vmap area: kernel virtual space that is not the direct map. Device
 * registers get uncached mappings here, and kernel stacks get an unmapped
 * guard page below them so an overflow faults instead of corrupting memory.
 * A freed stack's addresses may still be cached in other CPUs' TLBs, so they
 * are reused only after a flush of every CPU, done in batches.
 */
#include <alto/mm.h>
#include <alto/cpu.h>
#include <alto/printk.h>
#include <alto/smp.h>
#include <alto/string.h>
#include <alto/sync.h>
#include <alto/spinlock.h>
#include "internal.h"
#include "mm_trace.h"

#define MMIO_BASE      VMAP_BASE
#define MMIO_SIZE      (VMAP_SIZE / 2)
#define STACK_BASE     (VMAP_BASE + VMAP_SIZE / 2)
#define MAX_FREE_SLOTS 256
#define STACK_SIZES    3 /* kernel threads', applications' (alto/sched.h), a self test's page */

static struct spinlock vmap_lock = SPINLOCK_INIT;
static uintptr_t mmio_next = MMIO_BASE;
static uintptr_t stack_next = STACK_BASE;
/*
 * Freed stack slots, a pool for each stack size (the first stack of a size
 * claims one): "clean" ones no CPU caches any more, "dirty" ones wait for
 * the next flush of all CPUs. (With one pool for the first size freed, the
 * exit of a kernel thread's 16 KiB stack made every application stack take
 * new addresses, and new page tables: a page per 57 forks, for good.)
 */
static struct slot_pool {
	size_t size; /* 0: not claimed yet */
	uintptr_t clean[MAX_FREE_SLOTS], dirty[MAX_FREE_SLOTS];
	int nclean, ndirty;
} pools[STACK_SIZES];

/* The pool of stacks of size, claimed if none is; NULL when every pool has another size. */
static struct slot_pool *pool_of(size_t size)
{
	for (int i = 0; i < STACK_SIZES; i++) {
		if (!pools[i].size)
			pools[i].size = size;
		if (pools[i].size == size)
			return &pools[i];
	}
	return NULL;
}

static uintptr_t take_va(uintptr_t *next, size_t len, uintptr_t limit)
{
	unsigned long flags = spin_lock(&vmap_lock);
	uintptr_t va = *next;

	if (va + len > limit || va + len < va)
		va = 0;
	else
		*next = va + len;
	spin_unlock(&vmap_lock, flags);
	return va;
}

void *mmio_map(uint64_t pa, size_t len)
{
	uint64_t base = ALIGN_DOWN(pa, PAGE_SIZE);
	size_t size = ALIGN_UP(pa + len, PAGE_SIZE) - base;
	uintptr_t va = take_va(&mmio_next, size, MMIO_BASE + MMIO_SIZE);

	if (!va || paging_map(va, base, size, PTE_P | PTE_W | PTE_PCD | PTE_PWT | PTE_NX))
		panic("mmio_map: cannot map %#lx (+%#zx)", pa, len);
	trace_mmio_map(pa, len, (void *)(va + (pa - base)));
	return (void *)(va + (pa - base));
}

const void *phys_map_ro(uint64_t pa, size_t len)
{
	if (kernel_addr_readable((uintptr_t)phys_to_virt(pa), len))
		return phys_to_virt(pa);

	uint64_t base = ALIGN_DOWN(pa, PAGE_SIZE);
	size_t size = ALIGN_UP(pa + len, PAGE_SIZE) - base;
	uintptr_t va = take_va(&mmio_next, size, MMIO_BASE + MMIO_SIZE);

	if (!va || paging_map(va, base, size, PTE_P | PTE_NX))
		return NULL;
	return (const void *)(va + (pa - base));
}

/*
 * Make pool's dirty slots clean: one flush of every CPU for all of them.
 * Only the slots that were dirty before the flush began are covered by it;
 * those freed meanwhile (pushed above them) stay dirty.
 */
static void clean_dirty_slots(struct slot_pool *pool)
{
	/* One cleaner at a time: another's snapshot would not match its flush. */
	static struct mutex cleaning = MUTEX_INIT(cleaning);

	if (!READ_ONCE(pool->ndirty) || !irq_enabled())
		return; /* a flush needs the other CPUs' answers: only from thread context */
	mutex_lock(&cleaning);
	unsigned long flags = spin_lock(&vmap_lock);
	int covered = pool->ndirty;
	spin_unlock(&vmap_lock, flags);
	tlb_flush_all();
	flags = spin_lock(&vmap_lock);
	int moved = 0;
	while (moved < covered && pool->nclean < MAX_FREE_SLOTS)
		pool->clean[pool->nclean++] = pool->dirty[moved++];
	pool->ndirty -= moved;
	memmove(pool->dirty, pool->dirty + moved, (size_t)pool->ndirty * sizeof(pool->dirty[0]));
	spin_unlock(&vmap_lock, flags);
	mutex_unlock(&cleaning);
}

static uintptr_t stack_slot(size_t size)
{
	uintptr_t va = 0;
	unsigned long flags = spin_lock(&vmap_lock);
	struct slot_pool *pool = pool_of(size);
	spin_unlock(&vmap_lock, flags);

	if (pool && !READ_ONCE(pool->nclean))
		clean_dirty_slots(pool);
	flags = spin_lock(&vmap_lock);
	if (pool && pool->nclean)
		va = pool->clean[--pool->nclean];
	spin_unlock(&vmap_lock, flags);
	if (!va)
		va = take_va(&stack_next, size + PAGE_SIZE, VMAP_BASE + VMAP_SIZE);
	return va;
}

void kstack_free(void *stack, size_t size)
{
	uintptr_t base = (uintptr_t)stack;

	trace_kstack_free(stack);
	for (uintptr_t va = base; va < base + size; va += PAGE_SIZE)
		page_free(phys_to_virt(paging_unmap(va, PAGE_SIZE)));

	/* With one CPU the unmap's own invlpg was enough; with more, wait for a flush. */
	unsigned long flags = spin_lock(&vmap_lock);
	struct slot_pool *pool = pool_of(size);
	if (pool && cpu_count == 1 && pool->nclean < MAX_FREE_SLOTS)
		pool->clean[pool->nclean++] = base - PAGE_SIZE;
	else if (pool && pool->ndirty < MAX_FREE_SLOTS)
		pool->dirty[pool->ndirty++] = base - PAGE_SIZE;
	spin_unlock(&vmap_lock, flags);
}

void *kstack_alloc(size_t size)
{
	size = ALIGN_UP(size, PAGE_SIZE);
	uintptr_t slot = stack_slot(size);

	if (!slot)
		return NULL;
	uintptr_t base = slot + PAGE_SIZE; /* the guard page stays unmapped */
	for (uintptr_t va = base; va < base + size; va += PAGE_SIZE) {
		void *page = page_alloc(0);
		if (!page ||
		    paging_map(va, virt_to_phys(page), PAGE_SIZE, PTE_P | PTE_W | PTE_NX)) {
			page_free(page);
			kstack_free((void *)base, va - base);
			return NULL;
		}
	}
	trace_kstack_alloc(size, (void *)base);
	return (void *)base;
}
