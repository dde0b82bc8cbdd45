/*
 * Memory: physical pages (a buddy allocator over all usable RAM), the kernel
 * heap (size-class slabs, whole pages for large requests), and the kernel's
 * page tables (direct map of RAM, kernel image, vmap area for stacks and MMIO).
 */
#ifndef ALTO_MM_H
#define ALTO_MM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <alto/compiler.h>
#include <alto/layout.h>

static inline void *phys_to_virt(uint64_t pa)
{
	return (void *)(pa + DIRECT_MAP_BASE);
}

static inline uint64_t virt_to_phys(const void *va)
{
	uintptr_t v = (uintptr_t)va;
	if (v >= KERNEL_VMA)
		return v - KERNEL_VMA;
	return v - DIRECT_MAP_BASE;
}

/* A physical memory range from the boot memory map. */
struct mem_range {
	uint64_t start, end; /* [start, end) */
	uint32_t type;	     /* E820 type: 1 usable, 2 reserved, 3 ACPI, 4 NVS */
};

#define E820_RAM  1
#define E820_ACPI 3
#define E820_NVS  4

/* Bring up memory: early reservations, page tables, page allocator, heap. */
void mm_init(const struct mem_range *map, int n, const struct mem_range *reserved, int nres);

/* Pages: 2^order contiguous pages from the direct map; NULL when out of memory. */
void *page_alloc(unsigned int order);
void *page_alloc_zeroed(unsigned int order);
void page_free(void *p);
uint64_t pages_free_count(void);
/*
 * Share counts of pages mapped by several address spaces: page_share adds
 * a mapper; page_unshare drops one and returns true when none was left,
 * for the caller to free the page; page_sharers says how many there are.
 * Anonymous memory (copy-on-write after fork, MAP_SHARED memory) counts
 * the mappers beyond the first; a page of the page cache counts every
 * mapping of it (PTE_FILE: the cache keeps it while any remain); memory
 * that is not the allocator's (the kernel image, the initrd) counts nothing.
 */
void page_share(void *page);
bool page_unshare(void *page);
uint32_t page_sharers(const void *page);
/*
 * Pages to free once the TLBs are flushed, in a chain (*chain: NULL when
 * empty). The link is kept in the page's share count, never in the page:
 * until the flush another CPU may still write the page through a stale
 * translation. Only a page page_unshare said to free may go in.
 */
void page_chain_add(void **chain, void *page);
void page_chain_free(void **chain);
uint64_t pages_total_count(void);

/* Heap. kmalloc(0) returns a unique pointer; kfree(NULL) does nothing. */
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);
/* Bytes the heap holds for live allocations, for leak checks in self tests. */
size_t heap_bytes_in_use(void);

/* Page-table flags for kernel mappings. */
#define PTE_P	(1ull << 0)
#define PTE_W	(1ull << 1)
#define PTE_U	(1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A	(1ull << 5)
#define PTE_D	(1ull << 6)
#define PTE_PS	(1ull << 7)
#define PTE_G	(1ull << 8)
#define PTE_NX	(1ull << 63)
/* Software bit: a page kept with its contents under PROT_NONE (P is clear). */
#define PTE_PROTNONE (1ull << 9)
/* Software bit: a file's own page (ramfs' page cache), mapped but never freed by the VM. */
#define PTE_FILE (1ull << 10)
/* Software bit: a private page shared with another address space since a fork (read-only). */
#define PTE_COW	      (1ull << 11)
#define PTE_ADDR_MASK 0x000ffffffffff000ull

/* The physical address of the kernel's top-level page table (for CR3). */
uint64_t paging_kernel_cr3(void);

/* Map device registers uncached into the vmap area. */
void *mmio_map(uint64_t pa, size_t len);
/* Map physical memory (firmware tables) cached, read-only. */
const void *phys_map_ro(uint64_t pa, size_t len);

/* A kernel stack with an unmapped guard page below it; returns its lowest byte. */
void *kstack_alloc(size_t size);
void kstack_free(void *stack, size_t size);

/* The flags of the page-table entry that maps va (PTE_P, PTE_W, PTE_NX...), 0 if unmapped. */
uint64_t kernel_page_flags(uintptr_t va);

/* True if [va, va+len) is mapped in kernel space (for backtraces and reports). */
bool kernel_addr_readable(uintptr_t va, size_t len);

#endif
