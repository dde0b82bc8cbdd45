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

static struct spinlock vmap_lock = SPINLOCK_INIT;
static uintptr_t mmio_next = MMIO_BASE;
static uintptr_t stack_next = STACK_BASE;
/*
 * Freed stack slots of one size: "clean" ones no CPU caches any more, "dirty"
 * ones wait for the next flush of all CPUs.
 */
static uintptr_t clean_slots[MAX_FREE_SLOTS], dirty_slots[MAX_FREE_SLOTS];
static int nclean, ndirty;
static size_t slot_stack_size;

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
 * Make the dirty slots clean: one flush of every CPU for all of them. Only
 * the slots that were dirty before the flush began are covered by it; those
 * freed meanwhile (pushed above them) stay dirty.
 */
static void clean_dirty_slots(void)
{
	/* One cleaner at a time: another's snapshot would not match its flush. */
	static struct mutex cleaning = MUTEX_INIT(cleaning);

	if (!READ_ONCE(ndirty) || !irq_enabled())
		return; /* a flush needs the other CPUs' answers: only from thread context */
	mutex_lock(&cleaning);
	unsigned long flags = spin_lock(&vmap_lock);
	int covered = ndirty;
	spin_unlock(&vmap_lock, flags);
	tlb_flush_all();
	flags = spin_lock(&vmap_lock);
	int moved = 0;
	while (moved < covered && nclean < MAX_FREE_SLOTS)
		clean_slots[nclean++] = dirty_slots[moved++];
	ndirty -= moved;
	memmove(dirty_slots, dirty_slots + moved, (size_t)ndirty * sizeof(dirty_slots[0]));
	spin_unlock(&vmap_lock, flags);
	mutex_unlock(&cleaning);
}

static uintptr_t stack_slot(size_t size)
{
	uintptr_t va = 0;

	if (size == slot_stack_size && !READ_ONCE(nclean))
		clean_dirty_slots();
	unsigned long flags = spin_lock(&vmap_lock);
	if (size == slot_stack_size && nclean)
		va = clean_slots[--nclean];
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
	if (!slot_stack_size)
		slot_stack_size = size;
	if (size == slot_stack_size && cpu_count == 1 && nclean < MAX_FREE_SLOTS)
		clean_slots[nclean++] = base - PAGE_SIZE;
	else if (size == slot_stack_size && ndirty < MAX_FREE_SLOTS)
		dirty_slots[ndirty++] = base - PAGE_SIZE;
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
