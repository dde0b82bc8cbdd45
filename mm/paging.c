/*
 * Page tables. The kernel's high half holds the direct map of RAM (the
 * largest pages that fit), the kernel image with per-section protections
 * (text RX, rodata R, data RW+NX), and the vmap area for device registers and
 * guarded kernel stacks. Every address space has a root of its own whose
 * upper 256 entries are the kernel root's: they point at the same tables, so
 * a kernel mapping made later is seen through every root. Those entries are
 * all made at boot and never change. The low half of a root is one
 * application's; the functions on it take the root they work on (as xv6's
 * walk(pagetable, va, alloc)), and the caller holds that address space's
 * lock, so only kernel mappings take the lock here.
 */
#include <alto/cpu.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/spinlock.h>
#include <alto/string.h>
#include <alto/x86.h>
#include <uapi/errno.h>
#include "internal.h"

#define PT_ENTRIES 512
#define PAGE_2M	   (1ull << 21)
#define PAGE_1G	   (1ull << 30)

#define KERNEL_FIRST_ENTRY 256 /* the high half starts here in every root */

static uint64_t *kernel_pml4;
static void *(*table_alloc)(void);
static bool roots_made; /* from then on, the kernel's top-level entries are frozen */
static struct spinlock paging_lock = SPINLOCK_INIT;
static uint64_t nx_bit;

extern char _text_start[], _text_end[], _rodata_start[], _rodata_end[];
extern char _data_start[], _data_end[];

static unsigned int index_at(uintptr_t va, int level)
{
	return (va >> (12 + 9 * (level - 1))) & 0x1ff;
}

/* NX is a reserved bit on CPUs without it: drop it there. */
static uint64_t usable_flags(uint64_t flags)
{
	return nx_bit ? flags : flags & ~PTE_NX;
}

static void *table_alloc_buddy(void)
{
	return page_alloc_zeroed(0);
}

/* The table that entry points to, created when asked; NULL if absent or a large page. */
static uint64_t *next_table(uint64_t *entry, bool create)
{
	if (!(*entry & PTE_P)) {
		if (!create)
			return NULL;
		void *t = table_alloc();
		if (!t)
			return NULL;
		*entry = virt_to_phys(t) | PTE_P | PTE_W;
	} else if (*entry & PTE_PS) {
		return NULL;
	}
	return phys_to_virt(*entry & PTE_ADDR_MASK);
}

/* Map one page of the given size (level 1: 4 KiB, 2: 2 MiB, 3: 1 GiB) in root. */
static int map_one(uint64_t *root, uintptr_t va, uint64_t pa, int level, uint64_t flags)
{
	uint64_t *table = root;

	/* A new top-level kernel entry would be missing from the roots made before. */
	BUG_ON(roots_made && root == kernel_pml4 && !(root[index_at(va, 4)] & PTE_P));
	for (int l = 4; l > level; l--) {
		table = next_table(&table[index_at(va, l)], true);
		if (!table)
			return -1;
	}
	table[index_at(va, level)] = pa | flags | (level > 1 ? PTE_PS : 0);
	return 0;
}

static int page_level_for(uintptr_t va, uint64_t pa, uint64_t remaining, bool large)
{
	if (large && cpu_features.pdpe1gb && IS_ALIGNED(va | pa, PAGE_1G) && remaining >= PAGE_1G)
		return 3;
	if (large && IS_ALIGNED(va | pa, PAGE_2M) && remaining >= PAGE_2M)
		return 2;
	return 1;
}

static int map_range_locked(uintptr_t va, uint64_t pa, uint64_t len, uint64_t flags, bool large)
{
	while (len) {
		int level = page_level_for(va, pa, len, large);
		uint64_t size = 1ull << (12 + 9 * (level - 1));
		if (map_one(kernel_pml4, va, pa, level, flags))
			return -1;
		va += size;
		pa += size;
		len -= size;
	}
	return 0;
}

/* The leaf entry mapping va in root and its level, or NULL. */
static uint64_t *walk(uint64_t *root, uintptr_t va, int *level_out)
{
	uint64_t *table = root;

	for (int l = 4; l >= 1; l--) {
		uint64_t *e = &table[index_at(va, l)];
		if (!(*e & PTE_P))
			return NULL;
		if (l == 1 || (*e & PTE_PS)) {
			*level_out = l;
			return e;
		}
		table = phys_to_virt(*e & PTE_ADDR_MASK);
	}
	return NULL;
}

uint64_t kernel_page_flags(uintptr_t va)
{
	int level;
	uint64_t *e = kernel_pml4 ? walk(kernel_pml4, va, &level) : NULL;

	return e ? *e & ~PTE_ADDR_MASK : 0;
}

bool kernel_addr_readable(uintptr_t va, size_t len)
{
	uintptr_t end = va + len;

	if (end < va || !kernel_pml4)
		return false;
	for (uintptr_t p = ALIGN_DOWN(va, PAGE_SIZE); p < end; p += PAGE_SIZE) {
		int level;
		if (!walk(kernel_pml4, p, &level))
			return false;
	}
	return true;
}

static void map_kernel_image(void)
{
	struct {
		char *start, *end;
		uint64_t flags;
	} sections[] = {
		{ _text_start, _text_end, PTE_P },
		{ _rodata_start, _rodata_end, PTE_P | nx_bit },
		{ _data_start, _data_end, PTE_P | PTE_W | nx_bit },
	};

	for (size_t i = 0; i < ARRAY_SIZE(sections); i++) {
		uintptr_t va = (uintptr_t)sections[i].start;
		uint64_t len = sections[i].end - sections[i].start;
		if (map_range_locked(va, virt_to_phys(sections[i].start), len, sections[i].flags,
				     false))
			panic("paging: no memory for the kernel's page tables");
	}
}

/* Direct-map every 2 MiB-rounded chunk that holds RAM or firmware tables. */
static void map_direct(const struct mem_range *map, int n)
{
	for (int i = 0; i < n; i++) {
		const struct mem_range *r = &map[i];
		if (r->type != E820_RAM && r->type != E820_ACPI && r->type != E820_NVS)
			continue;
		uint64_t start = ALIGN_DOWN(r->start, PAGE_2M);
		uint64_t end = ALIGN_UP(r->end, PAGE_2M);
		if (end > DIRECT_MAP_MAX)
			end = DIRECT_MAP_MAX;
		for (uint64_t pa = start; pa < end; pa += PAGE_2M) {
			int level;
			if (walk(kernel_pml4, DIRECT_MAP_BASE + pa, &level))
				continue; /* shared with an earlier range */
			uint64_t len = PAGE_2M;
			/* Take a whole 1 GiB page when the range covers it. */
			if (cpu_features.pdpe1gb && IS_ALIGNED(pa, PAGE_1G) && end - pa >= PAGE_1G)
				len = PAGE_1G;
			if (map_range_locked(DIRECT_MAP_BASE + pa, pa, len, PTE_P | PTE_W | nx_bit,
					     true))
				panic("paging: no memory for the direct map");
			pa += len - PAGE_2M;
		}
	}
}

void paging_init(const struct mem_range *map, int n)
{
	nx_bit = cpu_features.nx ? PTE_NX : 0;
	table_alloc = bootmem_alloc_page;
	kernel_pml4 = table_alloc();
	if (!kernel_pml4)
		panic("paging: no memory for the page tables");
	map_direct(map, n);
	map_kernel_image();
	/* The vmap area's top-level entry exists before any other root copies them. */
	if (!next_table(&kernel_pml4[index_at(VMAP_BASE, 4)], true))
		panic("paging: no memory for the page tables");
	write_cr3(virt_to_phys(kernel_pml4));
}

uint64_t paging_kernel_cr3(void)
{
	return virt_to_phys(kernel_pml4);
}

void paging_use_page_allocator(void)
{
	table_alloc = table_alloc_buddy;
}

int paging_map(uintptr_t va, uint64_t pa, size_t len, uint64_t flags)
{
	unsigned long irq = spin_lock(&paging_lock);
	int r = map_range_locked(va, pa, len, usable_flags(flags), false);

	spin_unlock(&paging_lock, irq);
	return r;
}

/* Unmap 4 KiB pages; returns the physical address the first page mapped. */
uint64_t paging_unmap(uintptr_t va, size_t len)
{
	unsigned long irq = spin_lock(&paging_lock);
	uint64_t first = 0;

	for (uintptr_t p = va; p < va + len; p += PAGE_SIZE) {
		int level;
		uint64_t *e = walk(kernel_pml4, p, &level);
		if (!e)
			continue;
		BUG_ON(level != 1);
		if (p == va)
			first = *e & PTE_ADDR_MASK;
		*e = 0;
		invlpg(p);
	}
	spin_unlock(&paging_lock, irq);
	return first;
}

uint64_t paging_phys_of(uintptr_t va)
{
	int level;
	uint64_t *e = walk(kernel_pml4, va, &level);

	if (!e)
		return 0;
	uint64_t size = 1ull << (12 + 9 * (level - 1));
	return (*e & PTE_ADDR_MASK & ~(size - 1)) | (va & (size - 1));
}

/*
 * Roots of address spaces: the kernel's half copied from the kernel root
 * (the same tables below it), the low half empty.
 */
uint64_t *paging_root_create(void)
{
	uint64_t *root = page_alloc_zeroed(0);

	if (!root)
		return NULL;
	WRITE_ONCE(roots_made, true);
	memcpy(root + KERNEL_FIRST_ENTRY, kernel_pml4 + KERNEL_FIRST_ENTRY,
	       (PT_ENTRIES - KERNEL_FIRST_ENTRY) * sizeof(uint64_t));
	return root;
}

/* Free a table of the low half at level (3: a PDPT) with the tables below it. */
static void free_table(uint64_t *table, int level)
{
	for (int i = 0; level > 1 && i < PT_ENTRIES; i++) {
		if ((table[i] & PTE_P) && !(table[i] & PTE_PS))
			free_table(phys_to_virt(table[i] & PTE_ADDR_MASK), level - 1);
	}
	page_free(table);
}

void paging_root_free(uint64_t *root)
{
	for (int i = 0; i < KERNEL_FIRST_ENTRY; i++) {
		if (root[i] & PTE_P)
			free_table(phys_to_virt(root[i] & PTE_ADDR_MASK), 3);
	}
	page_free(root);
}

uint64_t paging_root_cr3(const uint64_t *root)
{
	return virt_to_phys(root);
}

/*
 * Application pages (the low half). They are supervisor pages like all others:
 * the application runs at ring 0. Range operations walk the tables and skip
 * whole empty tables, so a sparse multi-GiB mapping costs what it holds.
 * They change entries only: the caller flushes the TLBs of the CPUs that
 * hold the address space (mm/vma.c gathers the ranges).
 */
int paging_map_user(uint64_t *root, uintptr_t va, uint64_t pa, uint64_t flags)
{
	return map_one(root, va, pa, 1, usable_flags(flags));
}

uint64_t paging_user_pte(uint64_t *root, uintptr_t va)
{
	int level;
	uint64_t *e = walk(root, va, &level);

	return e && level == 1 ? *e : 0;
}

void paging_walk_user_range(uint64_t *root, uintptr_t start, uintptr_t end,
			    void (*fn)(uint64_t *pte, uintptr_t va, void *arg), void *arg)
{
	uintptr_t va = start;

	while (va < end) {
		uint64_t *table = root;
		int level = 4;
		/* Descend until a missing table (skip its whole span) or a 4 KiB entry. */
		for (; level > 1; level--) {
			uint64_t *e = &table[index_at(va, level)];
			if (!(*e & PTE_P) || (*e & PTE_PS))
				break;
			table = phys_to_virt(*e & PTE_ADDR_MASK);
		}
		uint64_t span = 1ull << (12 + 9 * (level - 1));
		if (level == 1) {
			uint64_t *e = &table[index_at(va, 1)];
			if (*e & (PTE_P | PTE_PROTNONE))
				fn(e, va, arg);
		}
		va = ALIGN_DOWN(va, span) + span;
	}
}

struct unmap_ctx {
	void (*release)(uint64_t pte, void *arg);
	void *arg;
};

static void unmap_one(uint64_t *pte, uintptr_t va, void *arg)
{
	struct unmap_ctx *c = arg;
	uint64_t entry = *pte;

	*pte = 0;
	if (c->release)
		c->release(entry, c->arg);
}

void paging_unmap_user_range(uint64_t *root, uintptr_t start, uintptr_t end,
			     void (*release)(uint64_t pte, void *arg), void *arg)
{
	struct unmap_ctx c = { release, arg };

	paging_walk_user_range(root, start, end, unmap_one, &c);
}

struct protect_ctx {
	uint64_t flags;
	bool cow;
};

/*
 * A file's page in a private mapping stays read-only: the first write copies
 * it; so does a page shared copy-on-write since a fork. The software bits go
 * along.
 */
static void protect_one(uint64_t *pte, uintptr_t va, void *arg)
{
	struct protect_ctx *c = arg;
	uint64_t soft = *pte & (PTE_FILE | PTE_COW);
	uint64_t flags = c->flags;

	if (((soft & PTE_FILE) && c->cow) || (soft & PTE_COW))
		flags &= ~(PTE_W | PTE_D);
	*pte = (*pte & PTE_ADDR_MASK) | flags | soft;
}

void paging_protect_user_range(uint64_t *root, uintptr_t start, uintptr_t end, uint64_t flags,
			       bool cow)
{
	struct protect_ctx c = { usable_flags(flags), cow };

	paging_walk_user_range(root, start, end, protect_one, &c);
}

struct move_ctx {
	uint64_t *root;
	intptr_t delta;
	int failed;
};

static void move_one(uint64_t *pte, uintptr_t va, void *arg)
{
	struct move_ctx *c = arg;
	uint64_t entry = *pte;

	*pte = 0;
	if (map_one(c->root, va + c->delta, entry & PTE_ADDR_MASK, 1, entry & ~PTE_ADDR_MASK))
		c->failed = 1;
}

/* Move the pages of [start, end) by delta (mremap); -ENOMEM if a table could not be made. */
int paging_move_user_range(uint64_t *root, uintptr_t start, uintptr_t end, intptr_t delta)
{
	struct move_ctx c = { root, delta, 0 };

	paging_walk_user_range(root, start, end, move_one, &c);
	return c.failed ? -ENOMEM : 0;
}
