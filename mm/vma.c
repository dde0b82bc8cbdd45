/*
 * The areas of an address space, kept in a balanced tree (mm/area_tree.c,
 * so that a program with tens of thousands of mappings pays O(log n) per
 * change), split and merged as mappings change, at most VM_MAX_MAP_COUNT
 * of them (vm.max_map_count) in each address space, and filled on first
 * touch: zeroed pages for anonymous memory, the file's pages for file
 * mappings (copied at the first write in a private one). fork copies the
 * tree and shares the pages, private ones copy-on-write. A change to
 * mappings is gathered under the lock, then the CPUs that hold the address
 * space forget the range, and only then are pages freed and files
 * released: another CPU may use a stale translation until the flush.
 */
#include <alto/cpu.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/process.h>
#include <alto/smp.h>
#include <alto/string.h>
#include <alto/trap.h>
#include <alto/uaccess.h>
#include <alto/vfs.h>
#include <alto/vm.h>
#include <alto/x86.h>
#include <uapi/errno.h>
#include <uapi/mman.h>
#include "internal.h"
#include "mm_trace.h"

#define PROT_MASK (PROT_READ | PROT_WRITE | PROT_EXEC)

struct vma {
	struct area_node node; /* in mm->areas: node.start and node.end bound the area */
	unsigned int prot;     /* PROT_READ | PROT_WRITE | PROT_EXEC */
	unsigned int flags;    /* VMA_* */
	struct file *file;     /* a reference, or NULL for anonymous memory */
	uint64_t offset;       /* the file offset that start maps */
	struct vma *dead_next; /* in a gather's list of areas to free */
};

/* What a change of mappings leaves to do once the lock is dropped. */
struct gather {
	struct mm *mm;
	uintptr_t start, end; /* the range to flush on the CPUs that hold mm */
	void *pages;	      /* pages to free after the flush (page_chain_add) */
	struct vma *dead;     /* areas to free (and files to release), chained through dead_next */
	void *unshare;	      /* a file page copied for a write: one mapper less after the flush */
};

static void gather_range(struct gather *g, uintptr_t start, uintptr_t end)
{
	if (g->start == g->end) {
		g->start = start;
		g->end = end;
	} else {
		g->start = MIN(g->start, start);
		g->end = MAX(g->end, end);
	}
}

/* Flush the CPUs that hold the address space, then free the gathered pages. Call without the mm
 * lock. */
static void gather_finish(struct gather *g)
{
	if (g->start != g->end)
		tlb_shootdown_user(mm_tlb_cpus(g->mm), g->start, g->end);
	if (g->unshare)
		page_unshare(g->unshare);
	page_chain_free(&g->pages);
	while (g->dead) {
		struct vma *next = (struct vma *)g->dead->dead_next;
		file_put(g->dead->file);
		kfree(g->dead);
		g->dead = next;
	}
}

static void gather_vma(struct gather *g, struct vma *v)
{
	v->dead_next = g->dead;
	g->dead = v;
}

static uint64_t pte_flags(unsigned int prot)
{
	uint64_t f = PTE_P | PTE_A;

	if (!(prot & PROT_MASK))
		return PTE_PROTNONE; /* contents kept, every access faults */
	if (prot & PROT_WRITE)
		f |= PTE_W | PTE_D;
	if (!(prot & PROT_EXEC))
		f |= PTE_NX;
	return f;
}

static struct vma *vma_of(struct area_node *n)
{
	return n ? container_of(n, struct vma, node) : NULL;
}

/* The first area that ends above addr (it may start above addr too), or NULL. */
static struct vma *find(struct mm *mm, uintptr_t addr)
{
	return vma_of(area_find(&mm->areas, addr));
}

static struct vma *next_of(struct vma *v)
{
	return vma_of(area_next(&v->node));
}

static struct vma *prev_of(struct vma *v)
{
	return vma_of(area_prev(&v->node));
}

/* v's end moved (a merge, or growing in place): the tree's summaries follow. */
static void set_end(struct vma *v, uintptr_t end)
{
	v->node.end = end;
	area_changed(&v->node);
}

static bool range_free(struct mm *mm, uintptr_t start, uintptr_t end)
{
	struct vma *v = find(mm, start);
	return !v || v->node.start >= end;
}

/* Alike and adjacent, in memory and in the file. */
static bool mergeable(const struct vma *a, const struct vma *b)
{
	return a->node.end == b->node.start && a->prot == b->prot && a->flags == b->flags &&
	       a->file == b->file &&
	       (!a->file || a->offset + (a->node.end - a->node.start) == b->offset);
}

/*
 * Drop an area joined into its neighbour. Its file reference is never the
 * last one (the neighbour holds another), so releasing it here, under the
 * lock, cannot call into the file system.
 */
static void drop_merged(struct mm *mm, struct vma *v)
{
	area_remove(&mm->areas, &v->node);
	file_put(v->file);
	kfree(v);
}

/* v takes over n, the area just after it. */
static void absorb(struct mm *mm, struct vma *v, struct vma *n)
{
	uintptr_t end = n->node.end;

	drop_merged(mm, n);
	set_end(v, end);
}

/* Join v with its neighbours when they are alike, keeping the tree small. */
static void merge(struct mm *mm, struct vma *v)
{
	struct vma *p = prev_of(v), *n = next_of(v);

	if (n && mergeable(v, n))
		absorb(mm, v, n);
	if (p && mergeable(p, v))
		absorb(mm, p, v);
}

/*
 * Join every run of alike areas that meets [start, end], the neighbours just
 * outside included. merge() may free the area after the one it is given, so
 * the walk takes the next area only once the current one stops growing.
 */
static void merge_range(struct mm *mm, uintptr_t start, uintptr_t end)
{
	struct vma *v = find(mm, start), *p, *n;

	if (!v)
		return;
	p = prev_of(v);
	if (p && mergeable(p, v)) {
		absorb(mm, p, v);
		v = p;
	}
	while ((n = next_of(v)) && n->node.start <= end) {
		if (mergeable(v, n)) {
			absorb(mm, v, n);
		} else {
			v = n;
		}
	}
}

/* Insert a new area over a free range; it takes its own reference to file. */
static int insert(struct mm *mm, uintptr_t start, uintptr_t end, unsigned int prot,
		  unsigned int flags, struct file *file, uint64_t offset)
{
	struct vma *v = kzalloc(sizeof(*v));

	if (!v)
		return -ENOMEM;
	*v = (struct vma){ .node = { .start = start, .end = end },
			   .prot = prot,
			   .flags = flags | (mm->lock_future ? VMA_LOCKED : 0),
			   .file = file,
			   .offset = offset };
	if (file)
		file_get(file);
	area_insert(&mm->areas, &v->node);
	merge(mm, v);
	return 0;
}

/* Split v at addr (strictly inside it); v keeps the lower part. */
static int split(struct mm *mm, struct vma *v, uintptr_t addr)
{
	struct vma *upper = kzalloc(sizeof(*upper));

	if (!upper)
		return -ENOMEM;
	*upper = *v;
	upper->node = (struct area_node){ .start = addr, .end = v->node.end };
	upper->offset = v->offset + (addr - v->node.start);
	if (upper->file)
		file_get(upper->file);
	set_end(v, addr);
	area_insert(&mm->areas, &upper->node);
	return 0;
}

/*
 * Make area boundaries fall at start and end, so whole areas cover the
 * range. limit: refuse (-ENOMEM, nothing changed) when a split is needed
 * and the areas are already at the limit, as Linux's split_vma does.
 */
static int split_at(struct mm *mm, uintptr_t start, uintptr_t end, bool limit)
{
	struct vma *v = find(mm, start), *w = find(mm, end);
	bool split_start = v && v->node.start < start, split_end = w && w->node.start < end;

	if (limit && (split_start || split_end) && mm->areas.count >= VM_MAX_MAP_COUNT)
		return -ENOMEM;
	if (split_start && split(mm, v, start))
		return -ENOMEM;
	w = find(mm, end);
	if (split_end && split(mm, w, end))
		return -ENOMEM;
	return 0;
}

struct release_ctx {
	struct mm *mm;
	struct gather *g;
};

/* Free page after the flush. */
static void gather_page(struct gather *g, void *page)
{
	page_chain_add(&g->pages, page);
}

/*
 * A page leaving the mapping: freed after the flush, unless another address
 * space still maps it, or it is a file's own page, which only loses a mapper
 * (the page cache keeps a page while it is mapped).
 */
static void release_page(uint64_t pte, void *arg)
{
	struct release_ctx *c = arg;
	void *page = phys_to_virt(pte & PTE_ADDR_MASK);

	c->mm->resident--;
	if (pte & PTE_FILE)
		page_unshare(page);
	else if (page_unshare(page))
		gather_page(c->g, page);
}

static void drop_pages(struct mm *mm, uintptr_t start, uintptr_t end, struct gather *g)
{
	struct release_ctx c = { mm, g };

	paging_unmap_user_range(mm->root, start, end, release_page, &c);
	gather_range(g, start, end);
}

static int unmap_locked(struct mm *mm, uintptr_t start, uintptr_t end, struct gather *g)
{
	struct vma *v = find(mm, start);

	/* Only a hole inside one area adds one; Linux lets other unmaps go over the limit. */
	if (v && v->node.start < start && v->node.end > end && mm->areas.count >= VM_MAX_MAP_COUNT)
		return -ENOMEM;
	if (split_at(mm, start, end, false))
		return -ENOMEM;
	v = find(mm, start);
	while (v && v->node.start < end) {
		struct vma *n = next_of(v);
		area_remove(&mm->areas, &v->node);
		gather_vma(g, v);
		v = n;
	}
	drop_pages(mm, start, end, g);
	return 0;
}

/* A free range of len bytes, searched down from below; 0 when there is none. */
static uintptr_t find_gap(struct mm *mm, size_t len, uintptr_t below)
{
	return area_gap_below(&mm->areas, len, MMAP_MIN_ADDR, below);
}

/*
 * Linux's default (heuristic) overcommit: a private writable mapping that
 * reserves no memory by itself is refused only when it alone is larger
 * than all of RAM (there is no swap).
 */
static bool overcommits(size_t len, int prot, int flags)
{
	return (prot & PROT_WRITE) && (flags & MAP_TYPE) == MAP_PRIVATE &&
	       !(flags & MAP_NORESERVE) && len / PAGE_SIZE > pages_total_count();
}

static bool valid_range(uintptr_t addr, size_t len)
{
	return IS_ALIGNED(addr, PAGE_SIZE) && len && addr >= MMAP_MIN_ADDR && addr < USER_TOP &&
	       len <= USER_TOP - addr;
}

struct mm *mm_create(void)
{
	struct mm *mm = kzalloc(sizeof(*mm));

	if (!mm)
		return NULL;
	spin_init(&mm->lock);
	area_tree_init(&mm->areas);
	if (mm_space_init(mm)) {
		kfree(mm);
		return NULL;
	}
	trace_mm_create(mm);
	return mm;
}

/* The page at va, allocated (zeroed) and mapped when absent; call with the lock held. */
static void *page_at(struct mm *mm, uintptr_t va, unsigned int prot)
{
	uint64_t pte = paging_user_pte(mm->root, va);

	if (pte & PTE_P)
		return phys_to_virt(pte & PTE_ADDR_MASK);
	void *page = page_alloc_zeroed(0);
	if (!page)
		return NULL;
	if (paging_map_user(mm->root, va, virt_to_phys(page), pte_flags(prot))) {
		page_free(page);
		return NULL;
	}
	mm->resident++;
	return page;
}

struct fork_ctx {
	struct mm *child;
	const struct vma *v;
	bool failed;
};

/*
 * One page of the parent for the child: the same page, shared, one mapper
 * more. A private page becomes read-only on both sides (PTE_COW) until one
 * of them writes; a file's own page (PTE_FILE) counts the child's mapping
 * too, so that the page cache keeps it while either maps it, and the child
 * gets a shared one read-only, so that its first write marks the file
 * modified as the parent's did.
 */
static void fork_one(uint64_t *pte, uintptr_t va, void *arg)
{
	struct fork_ctx *c = arg;
	uint64_t entry = *pte;
	void *page = phys_to_virt(entry & PTE_ADDR_MASK);

	if (c->failed)
		return;
	if (!(entry & PTE_FILE)) {
		if (!(c->v->flags & VMA_SHARED)) {
			entry = (entry & ~(PTE_W | PTE_D)) | PTE_COW;
			*pte = entry;
		}
	} else if (c->v->file && (c->v->flags & VMA_SHARED)) {
		entry &= ~(PTE_W | PTE_D);
	}
	page_share(page);
	if (paging_map_user(c->child->root, va, entry & PTE_ADDR_MASK, entry & ~PTE_ADDR_MASK)) {
		page_unshare(page); /* the parent still has it: never the last */
		c->failed = true;
		return;
	}
	c->child->resident++;
}

/*
 * Shared anonymous memory (MAP_SHARED|MAP_ANONYMOUS, /dev/zero) has no file
 * to meet in: every page of v must exist before the fork shares it, or the
 * two sides would each fill an untouched page with a zeroed page of their
 * own. -ENOMEM when a page cannot be had.
 */
static int populate_shared(struct mm *mm, const struct vma *v)
{
	if (v->file || !(v->flags & VMA_SHARED))
		return 0;
	for (uintptr_t va = v->node.start; va < v->node.end; va += PAGE_SIZE) {
		if (paging_user_pte(mm->root, va) & (PTE_P | PTE_PROTNONE))
			continue;
		if (!page_at(mm, va, v->prot))
			return -ENOMEM;
	}
	return 0;
}

/*
 * A copy of area v for the child, in the child's tree; -ENOMEM. Memory
 * locks are not inherited (mlock(2)), so neither are VMA_LOCKED and
 * MCL_FUTURE; the areas are not merged again, as on Linux.
 */
static int fork_area(struct mm *child, const struct vma *v)
{
	struct vma *c = kzalloc(sizeof(*c));

	if (!c)
		return -ENOMEM;
	*c = (struct vma){ .node = { .start = v->node.start, .end = v->node.end },
			   .prot = v->prot,
			   .flags = v->flags & ~VMA_LOCKED,
			   .file = v->file,
			   .offset = v->offset };
	if (c->file)
		file_get(c->file);
	area_insert(&child->areas, &c->node);
	return 0;
}

struct mm *mm_fork(struct mm *parent)
{
	struct mm *child = mm_create();
	struct gather g = { .mm = parent };
	int r = 0;

	if (!child)
		return NULL;
	unsigned long irq = spin_lock(&parent->lock);
	child->mmap_top = parent->mmap_top;
	child->brk_start = parent->brk_start;
	child->brk = parent->brk;
	child->stack_top = parent->stack_top;
	for (int i = 0; i < 2 && parent->running[i]; i++)
		mm_deny_write(child, parent->running[i]);
	for (struct vma *v = find(parent, 0); v && !r; v = next_of(v)) {
		struct fork_ctx ctx = { child, v, false };
		r = populate_shared(parent, v) ?: fork_area(child, v);
		if (!r)
			paging_walk_user_range(parent->root, v->node.start, v->node.end, fork_one,
					       &ctx);
		if (ctx.failed)
			r = -ENOMEM;
	}
	/* The parent's pages are read-only now: its CPUs must forget them writable. */
	gather_range(&g, 0, USER_TOP);
	spin_unlock(&parent->lock, irq);
	gather_finish(&g);
	if (r) {
		mm_put(child);
		return NULL;
	}
	trace_mm_fork(parent, child);
	return child;
}

void mm_deny_write(struct mm *mm, struct vnode *v)
{
	int i = mm->running[0] ? 1 : 0;

	BUG_ON(mm->running[i]);
	vnode_get(v);
	vfs_deny_write(v);
	mm->running[i] = v;
}

void mm_teardown(struct mm *mm)
{
	struct gather g = { .mm = mm };

	trace_mm_destroy(mm);
	unsigned long flags = spin_lock(&mm->lock);

	unmap_locked(mm, 0, USER_TOP, &g);
	spin_unlock(&mm->lock, flags);
	gather_finish(&g);
	mm_space_release(mm);
	for (int i = 0; i < 2 && mm->running[i]; i++) {
		vfs_allow_write(mm->running[i]);
		vnode_put(mm->running[i]);
		mm->running[i] = NULL;
	}
}

static long place(struct mm *mm, uintptr_t addr, size_t len, int flags, struct gather *g)
{
	if (mm->areas.count > VM_MAX_MAP_COUNT)
		return -ENOMEM; /* Linux's test, before the new area (which may merge) */
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		/* Linux's order: the range, the alignment, then mmap_min_addr. */
		if (len > USER_TOP || addr > USER_TOP - len)
			return -ENOMEM;
		if (!IS_ALIGNED(addr, PAGE_SIZE))
			return -EINVAL;
		if (addr < MMAP_MIN_ADDR)
			return -EPERM;
		if (!range_free(mm, addr, addr + len)) {
			if (flags & MAP_FIXED_NOREPLACE)
				return -EEXIST;
			if (unmap_locked(mm, addr, addr + len, g))
				return -ENOMEM;
		}
		return (long)addr;
	}
	/* A hint is taken when that place is free. */
	addr = ALIGN_DOWN(addr, PAGE_SIZE);
	if (addr && valid_range(addr, len) && range_free(mm, addr, addr + len))
		return (long)addr;
	uintptr_t below = (flags & MAP_32BIT) ? 0x80000000ul : mm->mmap_top;
	addr = find_gap(mm, len, below);
	return addr ? (long)addr : -ENOMEM;
}

long mm_mmap_anon(struct mm *mm, uintptr_t addr, size_t len, int prot, int flags)
{
	if (!len)
		return -EINVAL;
	if (len > USER_TOP)
		return -ENOMEM; /* Linux: longer than the address space (or 0 once page-aligned) */
	len = ALIGN_UP(len, PAGE_SIZE);
	if (overcommits(len, prot, flags))
		return -ENOMEM;
	unsigned int vflags = (flags & MAP_TYPE) == MAP_SHARED ? VMA_SHARED : 0;
	struct gather g = { .mm = mm };
	unsigned long irq = spin_lock(&mm->lock);
	long r = place(mm, addr, len, flags, &g);
	if (r >= 0 &&
	    insert(mm, (uintptr_t)r, (uintptr_t)r + len, prot & PROT_MASK, vflags, NULL, 0))
		r = -ENOMEM;
	spin_unlock(&mm->lock, irq);
	gather_finish(&g);
	return r;
}

long mm_mmap_file(struct mm *mm, uintptr_t addr, size_t len, int prot, int flags, struct file *f,
		  uint64_t off)
{
	if (!len || !IS_ALIGNED(off, PAGE_SIZE))
		return -EINVAL;
	if (len > USER_TOP)
		return -ENOMEM;
	if (off + ALIGN_UP(len, PAGE_SIZE) < off)
		return -EOVERFLOW;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (overcommits(len, prot, flags))
		return -ENOMEM;
	unsigned int vflags = 0;
	if ((flags & MAP_TYPE) != MAP_PRIVATE)
		vflags = VMA_SHARED | (file_writable(f) ? VMA_MAYWRITE : 0);
	struct gather g = { .mm = mm };
	unsigned long irq = spin_lock(&mm->lock);
	long r = place(mm, addr, len, flags, &g);
	if (r >= 0 &&
	    insert(mm, (uintptr_t)r, (uintptr_t)r + len, prot & PROT_MASK, vflags, f, off))
		r = -ENOMEM;
	spin_unlock(&mm->lock, irq);
	gather_finish(&g);
	if (r >= 0)
		trace_mm_map_file((uint64_t)r, len, prot, off, f);
	return r;
}

long mm_map_special(struct mm *mm, uintptr_t addr, uint64_t pa, size_t npages, int prot)
{
	size_t len = npages * PAGE_SIZE;
	struct gather g = { .mm = mm };
	unsigned long irq = spin_lock(&mm->lock);
	long r = place(mm, addr, len, MAP_FIXED, &g);

	if (r >= 0 && insert(mm, addr, addr + len, prot & PROT_MASK, VMA_SPECIAL, NULL, 0))
		r = -ENOMEM;
	/* PTE_FILE: not ours to free; read-only in a private area, so a write copies. */
	for (size_t i = 0; r >= 0 && i < npages; i++) {
		uint64_t flags = (pte_flags(prot) & ~(PTE_W | PTE_D)) | PTE_FILE;
		if (paging_map_user(mm->root, addr + i * PAGE_SIZE, pa + i * PAGE_SIZE, flags))
			r = -ENOMEM;
		else
			mm->resident++;
	}
	spin_unlock(&mm->lock, irq);
	gather_finish(&g);
	return r;
}

long mm_map_fixed(struct mm *mm, uintptr_t start, size_t len, int prot, unsigned int vma_flags)
{
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!valid_range(start, len))
		return -EINVAL;
	unsigned long irq = spin_lock(&mm->lock);
	long r = range_free(mm, start, start + len) ? 0 : -EEXIST;
	if (!r)
		r = insert(mm, start, start + len, prot & PROT_MASK, vma_flags, NULL, 0);
	spin_unlock(&mm->lock, irq);
	return r;
}

long mm_munmap(struct mm *mm, uintptr_t addr, size_t len)
{
	if (!IS_ALIGNED(addr, PAGE_SIZE) || !len || addr >= USER_TOP || len > USER_TOP - addr)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	struct gather g = { .mm = mm };
	unsigned long irq = spin_lock(&mm->lock);
	long r = unmap_locked(mm, addr, addr + len, &g);
	spin_unlock(&mm->lock, irq);
	gather_finish(&g);
	return r;
}

/* True when [start, end) is covered by areas without holes. */
static bool fully_mapped(struct mm *mm, uintptr_t start, uintptr_t end)
{
	for (struct vma *v = find(mm, start); start < end; v = next_of(v)) {
		if (!v || v->node.start > start)
			return false;
		start = v->node.end;
	}
	return true;
}

long mm_check_mapped(struct mm *mm, uintptr_t addr, size_t len)
{
	/* Linux's access_ok: a range that passes the top (or wraps) is not mapped. */
	if (len > USER_TOP || addr > USER_TOP - len)
		return -ENOMEM;
	unsigned long irq = spin_lock(&mm->lock);
	bool ok = fully_mapped(mm, addr, addr + ALIGN_UP(len, PAGE_SIZE));

	spin_unlock(&mm->lock, irq);
	return ok ? 0 : -ENOMEM;
}

/* Set or clear VMA_LOCKED on v. */
static void set_locked(struct vma *v, bool lock)
{
	v->flags = lock ? v->flags | VMA_LOCKED : v->flags & ~VMA_LOCKED;
}

long mm_mlock(struct mm *mm, uintptr_t addr, size_t len, bool lock)
{
	uintptr_t start = ALIGN_DOWN(addr, PAGE_SIZE), end = ALIGN_UP(addr + len, PAGE_SIZE);

	if (end < start || addr + len < addr)
		return -EINVAL;
	if (end == start)
		return 0;
	unsigned long irq = spin_lock(&mm->lock);
	/* Linux changes the areas up to the first hole, then says ENOMEM. */
	uintptr_t mapped = start;
	for (struct vma *v = find(mm, start); v && v->node.start <= mapped && mapped < end;
	     v = next_of(v))
		mapped = MIN(v->node.end, end);
	long r = mapped > start ? split_at(mm, start, mapped, true) : 0;
	if (!r && mapped > start) {
		for (struct vma *v = find(mm, start); v && v->node.start < mapped; v = next_of(v))
			set_locked(v, lock);
		merge_range(mm, start, mapped);
	}
	if (!r && mapped < end)
		r = -ENOMEM;
	spin_unlock(&mm->lock, irq);
	return r;
}

/* Lock (or unlock) every area, when current; new areas are locked from now on when future. */
static void lock_all(struct mm *mm, bool lock, bool current, bool future)
{
	unsigned long irq = spin_lock(&mm->lock);

	mm->lock_future = future;
	if (current) {
		for (struct vma *v = find(mm, 0); v; v = next_of(v))
			set_locked(v, lock);
		merge_range(mm, 0, USER_TOP);
	}
	spin_unlock(&mm->lock, irq);
}

void mm_mlock_all(struct mm *mm, bool current, bool future)
{
	lock_all(mm, true, current, future);
}

void mm_munlock_all(struct mm *mm)
{
	lock_all(mm, false, true, false);
}

long mm_msync(struct mm *mm, uintptr_t addr, size_t len, int flags)
{
	uintptr_t end = addr + ALIGN_UP(len, PAGE_SIZE);
	struct gather g = { .mm = mm };
	long r = 0;

	if (end < addr || ALIGN_UP(len, PAGE_SIZE) < len)
		return -ENOMEM;
	unsigned long irq = spin_lock(&mm->lock);
	uintptr_t at = addr;
	for (struct vma *v = find(mm, addr); v && v->node.start < end; v = next_of(v)) {
		if (v->node.start > at)
			r = -ENOMEM; /* a hole: Linux goes on and says so at the end */
		at = v->node.end;
		if ((flags & MS_INVALIDATE) && (v->flags & VMA_LOCKED)) {
			r = -EBUSY;
			break;
		}
		if ((flags & MS_SYNC) && v->file && (v->flags & VMA_SHARED)) {
			uintptr_t s = MAX(v->node.start, addr), e = MIN(v->node.end, end);
			paging_protect_user_range(mm->root, s, e, pte_flags(v->prot), true);
			gather_range(&g, s, e);
		}
	}
	if (!r && at < end)
		r = -ENOMEM;
	spin_unlock(&mm->lock, irq);
	gather_finish(&g);
	return r;
}

/* Linux refuses write access to a shared mapping of a file opened read-only. */
static bool writable_shared(struct mm *mm, uintptr_t start, uintptr_t end)
{
	for (struct vma *v = find(mm, start); v && v->node.start < end; v = next_of(v)) {
		if (v->file && (v->flags & VMA_SHARED) && !(v->flags & VMA_MAYWRITE))
			return false;
	}
	return true;
}

long mm_mprotect(struct mm *mm, uintptr_t addr, size_t len, int prot)
{
	if (!IS_ALIGNED(addr, PAGE_SIZE) || (prot & ~(PROT_MASK | PROT_GROWSDOWN | PROT_GROWSUP)))
		return -EINVAL;
	if (!len)
		return 0;
	if (addr >= USER_TOP || len > USER_TOP - addr)
		return -ENOMEM; /* nothing is mapped there */
	uintptr_t end = ALIGN_UP(addr + len, PAGE_SIZE);
	struct gather g = { .mm = mm };
	unsigned long irq = spin_lock(&mm->lock);
	long r = fully_mapped(mm, addr, end) ? 0 : -ENOMEM;
	if (!r && (prot & PROT_WRITE) && !writable_shared(mm, addr, end))
		r = -EACCES;
	if (!r)
		r = split_at(mm, addr, end, true);
	if (!r) {
		for (struct vma *v = find(mm, addr); v && v->node.start < end; v = next_of(v)) {
			v->prot = prot & PROT_MASK;
			/* File pages stay read-only: private ones are copied, shared ones marked.
			 */
			paging_protect_user_range(mm->root, v->node.start, v->node.end,
						  pte_flags(prot),
						  !(v->flags & VMA_SHARED) || v->file);
		}
		gather_range(&g, addr, end);
		merge_range(mm, addr, end);
	}
	spin_unlock(&mm->lock, irq);
	gather_finish(&g);
	return r;
}

/* Grow the area that ends at old_end in place, if the space after it is free. */
static bool grow_in_place(struct mm *mm, uintptr_t old_end, uintptr_t new_end)
{
	struct vma *v = find(mm, old_end - 1);

	if (!v || v->node.end != old_end || !range_free(mm, old_end, new_end) || new_end > USER_TOP)
		return false;
	set_end(v, new_end);
	merge(mm, v);
	return true;
}

static long move_area(struct mm *mm, uintptr_t old, size_t old_len, size_t new_len, uintptr_t to,
		      struct gather *g)
{
	struct vma *v = find(mm, old);
	uint64_t offset = v->offset + (old - v->node.start);

	if (insert(mm, to, to + new_len, v->prot, v->flags, v->file, offset))
		return -ENOMEM;
	if (paging_move_user_range(mm->root, old, old + old_len, (intptr_t)to - (intptr_t)old))
		return -ENOMEM;
	gather_range(g, old, old + old_len);
	unmap_locked(mm, old, old + old_len, g);
	return (long)to;
}

long mm_mremap(struct mm *mm, uintptr_t old, size_t old_len, size_t new_len, int flags,
	       uintptr_t new_addr)
{
	if (!IS_ALIGNED(old, PAGE_SIZE) || !new_len || (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) ||
	    ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)))
		return -EINVAL;
	old_len = ALIGN_UP(old_len, PAGE_SIZE);
	new_len = ALIGN_UP(new_len, PAGE_SIZE);
	struct gather g = { .mm = mm };
	unsigned long irq = spin_lock(&mm->lock);
	struct vma *v = find(mm, old);
	long r;
	if (!old_len || !v || v->node.start > old || v->node.end < old + old_len) {
		r = -EFAULT; /* Linux: the old range must lie within one mapping */
	} else if (flags & MREMAP_FIXED) {
		/* mremap says EINVAL for a bad new place, where mmap says ENOMEM or EPERM. */
		r = valid_range(new_addr, new_len) ? place(mm, new_addr, new_len, MAP_FIXED, &g) :
						     -EINVAL;
		if (r >= 0)
			r = move_area(mm, old, MIN(old_len, new_len), new_len, new_addr, &g);
	} else if (new_len <= old_len) {
		r = unmap_locked(mm, old + new_len, old + old_len, &g) ?: (long)old;
	} else if (grow_in_place(mm, old + old_len, old + new_len)) {
		r = (long)old;
	} else if (flags & MREMAP_MAYMOVE) {
		uintptr_t to = find_gap(mm, new_len, mm->mmap_top);
		r = to ? move_area(mm, old, old_len, new_len, to, &g) : -ENOMEM;
	} else {
		r = -ENOMEM;
	}
	spin_unlock(&mm->lock, irq);
	gather_finish(&g);
	return r;
}

long mm_madvise(struct mm *mm, uintptr_t addr, size_t len, int advice)
{
	/* Linux's order: the alignment, a length that wraps, then what is mapped. */
	if (!IS_ALIGNED(addr, PAGE_SIZE) || ALIGN_UP(len, PAGE_SIZE) < len ||
	    addr + ALIGN_UP(len, PAGE_SIZE) < addr)
		return -EINVAL;
	uintptr_t end = addr + ALIGN_UP(len, PAGE_SIZE);
	if (end == addr)
		return 0;
	if (end > USER_TOP)
		return -ENOMEM;
	struct gather g = { .mm = mm };
	unsigned long irq = spin_lock(&mm->lock);
	long r = fully_mapped(mm, addr, end) ? 0 : -ENOMEM;
	/* Private anonymous memory reads back as zeros after DONTNEED: drop the pages. */
	if (!r && (advice == MADV_DONTNEED || advice == MADV_FREE || advice == MADV_REMOVE))
		drop_pages(mm, addr, end, &g);
	spin_unlock(&mm->lock, irq);
	gather_finish(&g);
	return r;
}

long mm_brk(struct mm *mm, uintptr_t addr)
{
	struct gather g = { .mm = mm };
	unsigned long irq = spin_lock(&mm->lock);
	uintptr_t old_end = ALIGN_UP(mm->brk, PAGE_SIZE);
	uintptr_t new_end = ALIGN_UP(addr, PAGE_SIZE);

	if (addr < mm->brk_start || addr >= USER_TOP)
		goto out;
	if (new_end > old_end) {
		if (overcommits(new_end - old_end, PROT_WRITE, MAP_PRIVATE) ||
		    !range_free(mm, old_end, new_end) ||
		    insert(mm, old_end, new_end, PROT_READ | PROT_WRITE, VMA_HEAP, NULL, 0))
			goto out;
	} else if (new_end < old_end) {
		unmap_locked(mm, new_end, old_end, &g);
	}
	mm->brk = addr;
out:
	addr = mm->brk;
	spin_unlock(&mm->lock, irq);
	gather_finish(&g);
	return (long)addr;
}

/* Where a file page goes: the area it was asked for, checked again once it is ready. */
struct file_fault {
	struct mm *mm;
	uintptr_t va;
	struct file *file;
	uint64_t offset;
	bool copy;	   /* map a private copy of the file's page */
	bool private_page; /* the page given is already private: map it as it is */
	bool write;	   /* a write: a shared page is mapped writable, the file modified */
	struct gather g;
};

static bool still_mapped(struct mm *mm, const struct file_fault *c, struct vma **out)
{
	struct vma *v = find(mm, c->va);

	*out = v;
	return v && v->node.start <= c->va && v->file == c->file &&
	       v->offset + (c->va - v->node.start) == c->offset;
}

/*
 * Map page at c->va unless the area changed meanwhile or another CPU was
 * first. A file's own page is read-only in a private mapping (the first
 * write copies it). Called from the file system's map_page with the file
 * locked, so the file cannot shrink before the page is in place. A private
 * page that ends up unused is freed.
 */
static int install(void *page, void *arg)
{
	struct file_fault *c = arg;
	struct mm *mm = c->mm;
	void *priv = c->private_page ? page : NULL;
	struct vma *v;

	if (c->copy) {
		priv = page_alloc(0);
		if (!priv)
			return -ENOMEM;
		memcpy(priv, page, PAGE_SIZE);
		page = priv;
	}
	unsigned long irq = spin_lock(&mm->lock);
	int r = 0;
	if (still_mapped(mm, c, &v) &&
	    !(paging_user_pte(mm->root, c->va) & (PTE_P | PTE_PROTNONE))) {
		uint64_t flags = pte_flags(v->prot);
		if (!priv)
			flags |= PTE_FILE;
		/* A file's page is writable only after a write fault (marks the file modified). */
		if (!priv && (!(v->flags & VMA_SHARED) || !c->write))
			flags &= ~(PTE_W | PTE_D);
		r = paging_map_user(mm->root, c->va, virt_to_phys(page), flags) ? -ENOMEM : 0;
		if (!r) {
			mm->resident++;
			if (!priv)
				page_share(page); /* before the file system lets go of it */
			priv = NULL;
		}
	}
	spin_unlock(&mm->lock, irq);
	if (priv)
		page_free(priv);
	return r;
}

/* A private page for the fault: zeros, or the file's bytes read through the VFS. */
static int install_private(struct file_fault *c, bool read)
{
	void *page = page_alloc_zeroed(0);

	if (!page)
		return -ENOMEM;
	long n = read ? vfs_pread(c->file, page, PAGE_SIZE, c->offset) : 1;
	if (n <= 0) {
		page_free(page);
		return n == 0 ? -ENXIO : (int)n;
	}
	c->copy = false;
	c->private_page = true;
	return install(page, c);
}

/*
 * Fill the page at c->va from the file; sleeps. Returns 0 (also when the
 * area changed meanwhile: the access is simply tried again), -ENXIO beyond
 * the end of the file, or -ENOMEM. File systems without map_page give
 * private copies only (mmap refuses to share their files).
 */
static int fill_from_file(struct file_fault *c, bool shared)
{
	struct vnode *vn = c->file->vnode;

	if (!vn->ops->map_page)
		return install_private(c, true);
	int r = vn->ops->map_page(vn, c->offset, shared, install, c);
	if (r == -ENODATA) /* a hole in a private mapping */
		r = install_private(c, false);
	return r;
}

/* Copy the file's page at va (mapped read-only) for a write to a private mapping. */
static int copy_on_write(struct mm *mm, uintptr_t va, uint64_t pte, unsigned int prot,
			 struct gather *g)
{
	void *page = page_alloc(0);

	if (!page)
		return -ENOMEM;
	memcpy(page, phys_to_virt(pte & PTE_ADDR_MASK), PAGE_SIZE);
	trace_page_fault_cow(va);
	if (paging_map_user(mm->root, va, virt_to_phys(page), pte_flags(prot))) {
		page_free(page);
		return -ENOMEM;
	}
	/* Other CPUs may still read the file's page through the old entry. */
	gather_range(g, va, va + PAGE_SIZE);
	g->unshare = phys_to_virt(pte & PTE_ADDR_MASK);
	return 0;
}

/*
 * A write to a page shared since a fork: the last mapper takes it back
 * writable; otherwise the writer gets a copy and lets go of its share.
 */
static int break_cow(struct mm *mm, uintptr_t va, uint64_t pte, unsigned int prot, struct gather *g)
{
	void *old = phys_to_virt(pte & PTE_ADDR_MASK);
	void *page = old;

	if (page_sharers(old)) {
		page = page_alloc(0);
		if (!page)
			return -ENOMEM;
		memcpy(page, old, PAGE_SIZE);
	}
	if (paging_map_user(mm->root, va, virt_to_phys(page), pte_flags(prot))) {
		if (page != old)
			page_free(page);
		return -ENOMEM;
	}
	invlpg(va);
	if (page != old) {
		/* Other threads may still read the old page through their TLBs. */
		gather_range(g, va, va + PAGE_SIZE);
		if (page_unshare(old))
			gather_page(g, old);
	}
	return 0;
}

static bool access_allowed(const struct vma *v, unsigned long error)
{
	if (!(v->prot & PROT_MASK))
		return false;
	if ((error & PF_WRITE) && !(v->prot & PROT_WRITE))
		return false;
	if ((error & PF_FETCH) && !(v->prot & PROT_EXEC))
		return false;
	return true;
}

enum {
	RESOLVED = 0,
	NEED_FILE = -1,
	MODIFIED = -2 /* resolved by a write to a shared file page: mark the file */
};		      /* besides the SEGV codes */

/*
 * The part of a fault decided under the lock. force: the kernel writes into
 * the page whatever the area's protection (the loader); write: the access
 * writes. NEED_FILE leaves c ready for fill_from_file.
 */
static int fault_locked(struct mm *mm, uintptr_t va, bool write, bool force, unsigned long error,
			struct file_fault *c, bool *shared)
{
	struct vma *v = find(mm, va);

	if (!v || v->node.start > va)
		return SEGV_MAPERR;
	if (!force && !access_allowed(v, error))
		return SEGV_ACCERR;
	uint64_t pte = paging_user_pte(mm->root, va);
	bool cow = v->file && !(v->flags & VMA_SHARED) && write;
	if (pte & PTE_P) {
		if (cow && (pte & PTE_FILE))
			return copy_on_write(mm, va, pte, v->prot, &c->g) ? VM_FAULT_OOM : RESOLVED;
		if (write && (pte & PTE_COW))
			return break_cow(mm, va, pte, v->prot, &c->g) ? VM_FAULT_OOM : RESOLVED;
		if (force)
			return RESOLVED;
		/* The first write to a shared file page since it was mapped or synced. */
		if (write && v->file && (v->flags & VMA_SHARED) && (v->prot & PROT_WRITE) &&
		    (pte & PTE_FILE) && !(pte & PTE_W)) {
			if (paging_map_user(mm->root, va, pte & PTE_ADDR_MASK,
					    pte_flags(v->prot) | PTE_FILE))
				return SEGV_MAPERR;
			c->file = v->file;
			file_get(c->file);
			return MODIFIED;
		}
		/* Another CPU resolved it first, or the access is not allowed. */
		uint64_t want = pte_flags(v->prot);
		if ((pte & PTE_FILE) && (!(v->flags & VMA_SHARED) || !write))
			want &= ~(PTE_W | PTE_D);
		return (pte & want) == want ? RESOLVED : SEGV_ACCERR;
	}
	trace_page_fault_fill(va, v->file != NULL, v->file ? v->offset + (va - v->node.start) : 0);
	if (!v->file)
		return page_at(mm, va, v->prot) ? RESOLVED : VM_FAULT_OOM;
	*c = (struct file_fault){ .g = { .mm = mm },
				  .mm = mm,
				  .va = va,
				  .file = v->file,
				  .offset = v->offset + (va - v->node.start),
				  .copy = cow,
				  .write = write };
	file_get(c->file);
	*shared = v->flags & VMA_SHARED;
	return NEED_FILE;
}

/* A write through a shared mapping modified the file: its mtime and ctime (as Linux's
 * page_mkwrite). */
static void file_modified(struct file *f)
{
	irq_enable();
	vfs_file_modified(f->vnode);
	irq_disable();
}

/* Resolve one page; returns RESOLVED, a SEGV code, VM_FAULT_SIGBUS or VM_FAULT_OOM. */
static int fault_in(struct mm *mm, uintptr_t va, bool write, bool force, unsigned long error,
		    bool can_sleep)
{
	struct file_fault c = { .g = { .mm = mm } };
	bool shared = false;

	va = ALIGN_DOWN(va, PAGE_SIZE);
	unsigned long irq = spin_lock(&mm->lock);
	int r = fault_locked(mm, va, write, force, error, &c, &shared);
	spin_unlock(&mm->lock, irq);
	gather_finish(&c.g);
	if (r == MODIFIED) {
		/* The timestamps take the file's sleeping lock: skipped where that cannot be. */
		if (can_sleep)
			file_modified(c.file);
		file_put(c.file);
		return RESOLVED;
	}
	if (r != NEED_FILE)
		return r;
	if (!can_sleep) {
		printk("alto: a file mapping was touched where the kernel cannot sleep\n");
		r = SEGV_MAPERR;
	} else {
		irq_enable();
		r = fill_from_file(&c, shared);
		irq_disable();
		r = r == -ENXIO	 ? VM_FAULT_SIGBUS :
		    r == -ENOMEM ? VM_FAULT_OOM :
		    r		 ? SEGV_MAPERR :
				   RESOLVED;
		if (r == RESOLVED && shared && write)
			file_modified(c.file);
	}
	file_put(c.file);
	return r;
}

void *mm_page(struct mm *mm, uintptr_t va)
{
	bool irq_on = irq_enabled();

	/* A file page takes two rounds: read it in, then copy it for writing. */
	for (int round = 0; round < 4; round++) {
		unsigned long irq = spin_lock(&mm->lock);
		uint64_t pte = paging_user_pte(mm->root, ALIGN_DOWN(va, PAGE_SIZE));
		struct vma *v = find(mm, va);
		bool own = v && v->node.start <= va && (pte & PTE_P) && !(pte & PTE_COW) &&
			   (!(pte & PTE_FILE) || (v->flags & VMA_SHARED));
		spin_unlock(&mm->lock, irq);
		if (own)
			return (char *)phys_to_virt(pte & PTE_ADDR_MASK) + (va & (PAGE_SIZE - 1));
		if (fault_in(mm, va, true, true, 0, irq_on) != RESOLVED)
			return NULL;
		if (irq_on)
			irq_enable();
	}
	return NULL;
}

long mm_read(struct mm *mm, uintptr_t va, void *dst, size_t len)
{
	bool irq_on = irq_enabled();

	while (len) {
		size_t n = MIN(len, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
		unsigned long irq = spin_lock(&mm->lock);
		uint64_t pte = paging_user_pte(mm->root, ALIGN_DOWN(va, PAGE_SIZE));
		if (pte & PTE_P)
			memcpy(dst,
			       (char *)phys_to_virt(pte & PTE_ADDR_MASK) + (va & (PAGE_SIZE - 1)),
			       n);
		spin_unlock(&mm->lock, irq);
		if (!(pte & PTE_P)) {
			int r = fault_in(mm, va, false, true, 0, irq_on);
			if (irq_on)
				irq_enable();
			if (r != RESOLVED)
				return -EFAULT;
			continue;
		}
		va += n;
		dst = (char *)dst + n;
		len -= n;
	}
	return 0;
}

long mm_shared_phys(struct mm *mm, uintptr_t va, uint64_t *pa)
{
	uintptr_t page = ALIGN_DOWN(va, PAGE_SIZE);

	for (int round = 0; round < 2; round++) {
		unsigned long irq = spin_lock(&mm->lock);
		struct vma *v = find(mm, va);
		uint64_t pte = paging_user_pte(mm->root, page);
		long r = !v || v->node.start > va ? -EFAULT :
			 !(v->flags & VMA_SHARED) ? -ENOENT :
			 !(v->prot & PROT_MASK)	  ? -EFAULT :
			 (pte & PTE_P)		  ? 0 :
						    -EAGAIN;
		spin_unlock(&mm->lock, irq);
		if (!r)
			*pa = (pte & PTE_ADDR_MASK) | (va & (PAGE_SIZE - 1));
		if (r != -EAGAIN)
			return r;
		bool irq_on = irq_enabled();
		int f = fault_in(mm, va, false, false, 0, irq_on);
		if (irq_on)
			irq_enable(); /* a file's page was read with them on, then off */
		if (f != RESOLVED)
			return -EFAULT;
	}
	return -EFAULT;
}

long mm_write(struct mm *mm, uintptr_t va, const void *src, size_t len)
{
	while (len) {
		size_t n = MIN(len, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
		void *dst = mm_page(mm, va);
		if (!dst)
			return -ENOMEM;
		memcpy(dst, src, n);
		va += n;
		src = (const char *)src + n;
		len -= n;
	}
	return 0;
}

int mm_fault(struct mm *mm, uintptr_t addr, unsigned long error, bool can_sleep)
{
	return fault_in(mm, addr, error & PF_WRITE, false, error, can_sleep);
}

struct shrunk {
	struct vnode *vnode;
	uint64_t keep; /* bytes of the file that stay, page-aligned */
};

/* Unmap the pages of one address space beyond the new end of the file. */
static void drop_beyond(struct mm *mm, void *arg)
{
	struct shrunk *sh = arg;
	struct vnode *vn = sh->vnode;
	uint64_t keep = sh->keep;
	struct gather g = { .mm = mm };
	unsigned long irq = spin_lock(&mm->lock);
	for (struct vma *v = find(mm, 0); v; v = next_of(v)) {
		uint64_t vend = v->offset + (v->node.end - v->node.start);
		if (!v->file || v->file->vnode != vn || vend <= keep)
			continue;
		uintptr_t from =
			v->offset >= keep ? v->node.start : v->node.start + (keep - v->offset);
		drop_pages(mm, from, v->node.end, &g);
	}
	spin_unlock(&mm->lock, irq);
	gather_finish(&g);
}

void mm_file_shrunk(struct vnode *vn, uint64_t size)
{
	struct shrunk sh = { vn, ALIGN_UP(size, PAGE_SIZE) };

	mm_for_each(drop_beyond, &sh);
}

int mm_vmas(struct mm *mm, uintptr_t from, struct vma_info *out, int max)
{
	unsigned long irq = spin_lock(&mm->lock);
	int n = 0;

	/* A file comes with a reference of its own: the caller puts it. */
	for (struct vma *v = find(mm, from); v && n < max; v = next_of(v)) {
		if (v->file)
			file_get(v->file);
		out[n++] = (struct vma_info){ v->node.start, v->node.end, v->prot,
					      v->flags,	     v->file,	  v->offset };
	}
	spin_unlock(&mm->lock, irq);
	return n;
}

void mm_print(struct mm *mm)
{
	for (struct vma *v = find(mm, 0); v; v = next_of(v)) {
		printk("  %012lx-%012lx %c%c%c%s\n", v->node.start, v->node.end,
		       v->prot & PROT_READ ? 'r' : '-', v->prot & PROT_WRITE ? 'w' : '-',
		       v->prot & PROT_EXEC ? 'x' : '-',
		       v->flags & VMA_STACK ? " [stack]" :
		       v->flags & VMA_HEAP  ? " [heap]" :
					      "");
	}
}
