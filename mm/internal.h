/*
 * Private declarations of mm/. First the two allocator cores: plain data
 * structures with no locks and no kernel calls, so the host unit tests link
 * them as they are; the kernel wraps each call in its own lock. Then the
 * kernel-only pieces.
 */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <alto/layout.h>
#include <alto/list.h>
#include <alto/vm.h>

#define BUDDY_MAX_ORDER 20 /* largest block: 2^20 pages */
#define BUDDY_MAX_ZONES 16

/* A contiguous, directly addressable range of pages with one meta byte per page. */
struct buddy_zone {
	uintptr_t base;
	size_t npages;
	uint8_t *meta;
};

/*
 * Free blocks of 2 MiB and more are kept without writing to them (up to
 * BUDDY_UNTOUCHED of them): a hypervisor backs guest RAM with huge pages
 * and gives one, zeroed, at the first write to each 2 MiB region, so
 * free-list nodes written into every big free block would make it hand
 * over most of RAM at boot. Such a block joins its free list when it is
 * split or merged.
 */
#define BUDDY_UNTOUCHED_ORDER 9
#define BUDDY_UNTOUCHED	      64

struct buddy_block {
	uintptr_t addr;
	unsigned int order;
};

struct buddy {
	struct buddy_zone zones[BUDDY_MAX_ZONES];
	int nzones;
	struct list free[BUDDY_MAX_ORDER + 1];	       /* nodes live in the free pages */
	struct buddy_block untouched[BUDDY_UNTOUCHED]; /* free, on no list */
	int nuntouched;
	size_t free_pages;
	size_t total_pages; /* pages ever released to the allocator */
};

void buddy_init(struct buddy *b);
/*
 * Register [base, base + npages * PAGE_SIZE), page aligned and overlapping no
 * other zone. meta is the caller's array of npages bytes. Every page starts out
 * reserved. Returns 0, -ENOSPC (too many zones) or -EINVAL.
 */
int buddy_add_zone(struct buddy *b, void *base, size_t npages, uint8_t *meta);
/*
 * Give reserved pages to the allocator, merging them with free neighbours.
 * Parts of the range outside every zone, and pages that are not reserved
 * (already released), are skipped.
 */
void buddy_release_range(struct buddy *b, void *start, size_t npages);
/* 2^order contiguous pages, aligned to 2^order pages by address; NULL when none. */
void *buddy_alloc(struct buddy *b, unsigned int order);
/*
 * Free a block returned by buddy_alloc. Returns 0, or -EINVAL when p is not
 * the start of an allocated block, and then changes nothing.
 */
int buddy_free(struct buddy *b, void *p);
/* Order of the allocated block starting at p, or -EINVAL. */
int buddy_order_of(const struct buddy *b, const void *p);

/* Where the heap gets whole pages from: the buddy allocator in the kernel. */
struct heap_page_ops {
	void *(*alloc)(void *ctx, unsigned int order); /* naturally aligned, or NULL */
	void (*free)(void *ctx, void *p);
	int (*order_of)(void *ctx, const void *p); /* order or -EINVAL */
	void *ctx;
};

#define HEAP_NCLASSES  14
#define HEAP_MAX_SMALL 2016	       /* larger requests get whole pages */
#define HEAP_MAX_ORDER BUDDY_MAX_ORDER /* largest request: 2^order pages */

struct heap {
	struct list partial[HEAP_NCLASSES]; /* per size class: slabs with free objects */
	struct heap_page_ops ops;
	size_t bytes_in_use; /* class size per slab object, whole pages per large one */
	size_t pages_in_use; /* pages held from ops, including cached empty slabs */
};

void heap_init(struct heap *h, const struct heap_page_ops *ops);
/* NULL when out of memory; size 0 gives a unique minimal object. */
void *heap_alloc(struct heap *h, size_t size);
/*
 * Free p (NULL is ignored). Returns 0, or -EINVAL for a pointer the heap did
 * not hand out or an object already free, and then changes nothing.
 */
int heap_free(struct heap *h, void *p);
/* Bytes usable at p: its class size or its whole pages; 0 for an invalid pointer. */
size_t heap_usable_size(const struct heap *h, const void *p);
/* Return the cached empty slabs to the page allocator; returns how many pages. */
size_t heap_trim(struct heap *h);

/*
 * The areas of an address space (mm/area_tree.c; the types are in
 * alto/vm.h): non-overlapping [start, end) ranges in a balanced (AVL) tree,
 * every operation O(log n). The caller owns
 * the nodes (embedded in its own structures) and the locking. start and end
 * are the caller's to set before area_insert; when it moves them later
 * without changing the order of areas, it calls area_changed.
 */
void area_tree_init(struct area_tree *t);
/* Add n, whose range must overlap no area of t. */
void area_insert(struct area_tree *t, struct area_node *n);
void area_remove(struct area_tree *t, struct area_node *n);
/* n's start or end moved (areas keep their order and do not overlap). */
void area_changed(struct area_node *n);
/* The first area that ends above addr (it may start above addr too), or NULL. */
struct area_node *area_find(const struct area_tree *t, uintptr_t addr);
/* The lowest and highest areas, and a node's neighbours; NULL where there is none. */
struct area_node *area_first(const struct area_tree *t);
struct area_node *area_last(const struct area_tree *t);
struct area_node *area_next(const struct area_node *n);
struct area_node *area_prev(const struct area_node *n);
/*
 * The highest start s such that [s, s + len) overlaps no area and lies in
 * [floor, top); 0 when there is none (floor must be above 0).
 */
uintptr_t area_gap_below(const struct area_tree *t, size_t len, uintptr_t floor, uintptr_t top);

/*
 * Kernel-only pieces of mm/ (not built into the host tests): the boot memory
 * allocator, the page tables, and the glue around the allocator cores.
 */
struct mem_range;

void bootmem_init(const struct mem_range *map, int n, const struct mem_range *res, int nres);
/* One zeroed page below the early mapping's limit, for page tables; NULL if none. */
void *bootmem_alloc_page(void);
/* npages contiguous zeroed pages (any address in the direct map); NULL if none. */
void *bootmem_alloc(size_t npages);
/* Hand every page still free to the page allocator; bootmem is closed after. */
void bootmem_release_all(void (*release)(uint64_t start, uint64_t end));

void paging_init(const struct mem_range *map, int n);
void paging_use_page_allocator(void);
int paging_map(uintptr_t va, uint64_t pa, size_t len, uint64_t flags);
uint64_t paging_unmap(uintptr_t va, size_t len);
uint64_t paging_phys_of(uintptr_t va);

/*
 * Roots of address spaces: a new one shares the kernel's half with every
 * other root; freeing one frees its low half's tables (whose pages must have
 * been unmapped before).
 */
uint64_t *paging_root_create(void);
void paging_root_free(uint64_t *root);
uint64_t paging_root_cr3(const uint64_t *root);

/* The low half of root; the caller holds the lock of the address space. */
int paging_map_user(uint64_t *root, uintptr_t va, uint64_t pa, uint64_t flags);
/* The 4 KiB entry mapping va (0 when none). */
uint64_t paging_user_pte(uint64_t *root, uintptr_t va);
/* Call fn on every entry in [start, end) that holds a page (present or PROT_NONE). */
void paging_walk_user_range(uint64_t *root, uintptr_t start, uintptr_t end,
			    void (*fn)(uint64_t *pte, uintptr_t va, void *arg), void *arg);
/* Unmap every page in [start, end), handing each entry (address and flags) to release. */
void paging_unmap_user_range(uint64_t *root, uintptr_t start, uintptr_t end,
			     void (*release)(uint64_t pte, void *arg), void *arg);
/*
 * New flags for every page in [start, end); pages shared copy-on-write, and
 * with cow those with PTE_FILE, stay read-only. The caller flushes the TLBs.
 */
void paging_protect_user_range(uint64_t *root, uintptr_t start, uintptr_t end, uint64_t flags,
			       bool cow);
int paging_move_user_range(uint64_t *root, uintptr_t start, uintptr_t end, intptr_t delta);

/* mm/space.c: the root of a new address space, and letting it go. */
struct mm;
int mm_space_init(struct mm *mm);
void mm_space_release(struct mm *mm);
/* Empty mm (every area and page) and free its page tables: its last user is gone. */
void mm_teardown(struct mm *mm);
/* The CPUs to flush after a change to mm's page tables (read after a fence). */
uint64_t mm_tlb_cpus(struct mm *mm);

int page_order(const void *p);
/* page_alloc without asking the page cache for memory (for the heap, which holds its lock). */
void *page_alloc_noreclaim(unsigned int order);
void heap_kernel_init(void);

#endif
