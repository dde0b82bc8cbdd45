/*
 * The vmap area: kernel virtual space that is not the direct map. Device
 * registers get uncached mappings here, and kernel stacks get an unmapped
 * guard page below them so an overflow faults instead of corrupting memory.
 */
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/spinlock.h>
#include "internal.h"

#define MMIO_BASE      VMAP_BASE
#define MMIO_SIZE      (VMAP_SIZE / 2)
#define STACK_BASE     (VMAP_BASE + VMAP_SIZE / 2)
#define MAX_FREE_SLOTS 256

static struct spinlock vmap_lock = SPINLOCK_INIT;
static uintptr_t mmio_next = MMIO_BASE;
static uintptr_t stack_next = STACK_BASE;
/* Freed stack slots of KSTACK-sized stacks, reused before taking new space. */
static uintptr_t free_slots[MAX_FREE_SLOTS];
static int nfree_slots;
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

static uintptr_t stack_slot(size_t size)
{
	unsigned long flags = spin_lock(&vmap_lock);
	uintptr_t va = 0;

	if (size == slot_stack_size && nfree_slots)
		va = free_slots[--nfree_slots];
	spin_unlock(&vmap_lock, flags);
	if (!va)
		va = take_va(&stack_next, size + PAGE_SIZE, VMAP_BASE + VMAP_SIZE);
	return va;
}

void kstack_free(void *stack, size_t size)
{
	uintptr_t base = (uintptr_t)stack;

	for (uintptr_t va = base; va < base + size; va += PAGE_SIZE)
		page_free(phys_to_virt(paging_unmap(va, PAGE_SIZE)));

	unsigned long flags = spin_lock(&vmap_lock);
	if (!slot_stack_size)
		slot_stack_size = size;
	if (size == slot_stack_size && nfree_slots < MAX_FREE_SLOTS)
		free_slots[nfree_slots++] = base - PAGE_SIZE;
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
	return (void *)base;
}
