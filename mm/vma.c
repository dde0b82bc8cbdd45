/*
 * The application's address space: areas kept in a sorted list, split and
 * merged as mappings change, and filled with zeroed pages on first touch.
 * Anonymous memory only for now; private file mappings are copied in by the
 * mmap system call. A change to mappings is gathered under the lock, then
 * every CPU's TLB forgets the range, and only then are pages freed: another
 * CPU may use a stale translation until the flush.
 */
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/smp.h>
#include <alto/string.h>
#include <alto/trap.h>
#include <alto/uaccess.h>
#include <alto/vm.h>
#include <uapi/errno.h>
#include <uapi/mman.h>
#include "internal.h"

#define PROT_MASK (PROT_READ | PROT_WRITE | PROT_EXEC)

/* What a change of mappings leaves to do once the lock is dropped. */
struct gather {
	uintptr_t start, end; /* the range to flush on every CPU */
	void *pages;	      /* pages to free after the flush, chained through themselves */
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

/* Flush every CPU, then free the gathered pages. Call without the mm lock. */
static void gather_finish(struct gather *g)
{
	if (g->start != g->end)
		tlb_shootdown(g->start, g->end);
	while (g->pages) {
		void *next = *(void **)g->pages;
		page_free(g->pages);
		g->pages = next;
	}
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

static struct vma *vma_of(struct list *l)
{
	return list_entry(l, struct vma, link);
}

/* The first area that ends above addr (it may start above addr too), or NULL. */
static struct vma *find(struct mm *mm, uintptr_t addr)
{
	struct list *pos;

	list_for_each(pos, &mm->vmas) {
		if (vma_of(pos)->end > addr)
			return vma_of(pos);
	}
	return NULL;
}

static struct vma *next_of(struct mm *mm, struct vma *v)
{
	return v->link.next == &mm->vmas ? NULL : vma_of(v->link.next);
}

static struct vma *prev_of(struct mm *mm, struct vma *v)
{
	return v->link.prev == &mm->vmas ? NULL : vma_of(v->link.prev);
}

static bool range_free(struct mm *mm, uintptr_t start, uintptr_t end)
{
	struct vma *v = find(mm, start);
	return !v || v->start >= end;
}

static bool mergeable(const struct vma *a, const struct vma *b)
{
	return a->end == b->start && a->prot == b->prot && a->flags == b->flags;
}

/* Join v with its neighbours when they are alike, keeping the list short. */
static void merge(struct mm *mm, struct vma *v)
{
	struct vma *p = prev_of(mm, v), *n = next_of(mm, v);

	if (n && mergeable(v, n)) {
		v->end = n->end;
		list_remove(&n->link);
		kfree(n);
		mm->nvmas--;
	}
	if (p && mergeable(p, v)) {
		p->end = v->end;
		list_remove(&v->link);
		kfree(v);
		mm->nvmas--;
	}
}

/* Insert a new area over a free range. */
static int insert(struct mm *mm, uintptr_t start, uintptr_t end, unsigned int prot,
		  unsigned int flags)
{
	struct vma *v = kzalloc(sizeof(*v));
	struct vma *after = find(mm, start);

	if (!v)
		return -ENOMEM;
	*v = (struct vma){ .start = start, .end = end, .prot = prot, .flags = flags };
	list_insert_before(after ? &after->link : &mm->vmas, &v->link);
	mm->nvmas++;
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
	upper->start = addr;
	v->end = addr;
	list_insert_between(&upper->link, &v->link, v->link.next);
	mm->nvmas++;
	return 0;
}

/* Make area boundaries fall at start and end, so whole areas cover the range. */
static int split_at(struct mm *mm, uintptr_t start, uintptr_t end)
{
	struct vma *v = find(mm, start);

	if (v && v->start < start && split(mm, v, start))
		return -ENOMEM;
	v = find(mm, end);
	if (v && v->start < end && split(mm, v, end))
		return -ENOMEM;
	return 0;
}

struct release_ctx {
	struct mm *mm;
	struct gather *g;
};

static void release_page(uint64_t pa, void *arg)
{
	struct release_ctx *c = arg;
	void *page = phys_to_virt(pa);

	*(void **)page = c->g->pages;
	c->g->pages = page;
	c->mm->resident--;
}

static void drop_pages(struct mm *mm, uintptr_t start, uintptr_t end, struct gather *g)
{
	struct release_ctx c = { mm, g };

	paging_unmap_user_range(start, end, release_page, &c);
	gather_range(g, start, end);
}

static int unmap_locked(struct mm *mm, uintptr_t start, uintptr_t end, struct gather *g)
{
	if (split_at(mm, start, end))
		return -ENOMEM;
	struct vma *v = find(mm, start);
	while (v && v->start < end) {
		struct vma *n = next_of(mm, v);
		list_remove(&v->link);
		kfree(v);
		mm->nvmas--;
		v = n;
	}
	drop_pages(mm, start, end, g);
	return 0;
}

/* A free range of len bytes, searched down from the top of the mmap region. */
static uintptr_t find_gap(struct mm *mm, size_t len, uintptr_t below)
{
	uintptr_t top = below;
	struct list *pos;

	for (pos = mm->vmas.prev; pos != &mm->vmas; pos = pos->prev) {
		struct vma *v = vma_of(pos);
		if (v->start >= top)
			continue;
		if (v->end <= top && top - v->end >= len)
			return top - len;
		top = MIN(top, v->start);
	}
	return top >= MMAP_MIN_ADDR + len ? top - len : 0;
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
	list_init(&mm->vmas);
	return mm;
}

void mm_destroy(struct mm *mm)
{
	struct gather g = { 0 };
	unsigned long flags = spin_lock(&mm->lock);

	unmap_locked(mm, 0, USER_TOP, &g);
	spin_unlock(&mm->lock, flags);
	gather_finish(&g);
	kfree(mm);
}

static long place(struct mm *mm, uintptr_t addr, size_t len, int flags, struct gather *g)
{
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (!valid_range(addr, len))
			return addr < MMAP_MIN_ADDR ? -EPERM : -EINVAL;
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
	if (!len || len > USER_TOP)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	unsigned int vflags = (flags & MAP_TYPE) == MAP_SHARED ? VMA_SHARED : 0;
	struct gather g = { 0 };
	unsigned long irq = spin_lock(&mm->lock);
	long r = place(mm, addr, len, flags, &g);
	if (r >= 0 && insert(mm, (uintptr_t)r, (uintptr_t)r + len, prot & PROT_MASK, vflags))
		r = -ENOMEM;
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
		r = insert(mm, start, start + len, prot & PROT_MASK, vma_flags);
	spin_unlock(&mm->lock, irq);
	return r;
}

long mm_munmap(struct mm *mm, uintptr_t addr, size_t len)
{
	if (!IS_ALIGNED(addr, PAGE_SIZE) || !len || addr >= USER_TOP || len > USER_TOP - addr)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	struct gather g = { 0 };
	unsigned long irq = spin_lock(&mm->lock);
	long r = unmap_locked(mm, addr, addr + len, &g);
	spin_unlock(&mm->lock, irq);
	gather_finish(&g);
	return r;
}

/* True when [start, end) is covered by areas without holes. */
static bool fully_mapped(struct mm *mm, uintptr_t start, uintptr_t end)
{
	for (struct vma *v = find(mm, start); start < end; v = next_of(mm, v)) {
		if (!v || v->start > start)
			return false;
		start = v->end;
	}
	return true;
}

long mm_check_mapped(struct mm *mm, uintptr_t addr, size_t len)
{
	unsigned long irq = spin_lock(&mm->lock);
	bool ok = fully_mapped(mm, addr, addr + ALIGN_UP(len, PAGE_SIZE));

	spin_unlock(&mm->lock, irq);
	return ok ? 0 : -ENOMEM;
}

long mm_mprotect(struct mm *mm, uintptr_t addr, size_t len, int prot)
{
	if (!IS_ALIGNED(addr, PAGE_SIZE) || addr >= USER_TOP ||
	    (prot & ~(PROT_MASK | PROT_GROWSDOWN | PROT_GROWSUP)))
		return -EINVAL;
	if (!len)
		return 0;
	uintptr_t end = ALIGN_UP(addr + len, PAGE_SIZE);
	struct gather g = { 0 };
	unsigned long irq = spin_lock(&mm->lock);
	long r = fully_mapped(mm, addr, end) ? split_at(mm, addr, end) : -ENOMEM;
	if (!r) {
		for (struct vma *v = find(mm, addr); v && v->start < end; v = next_of(mm, v))
			v->prot = prot & PROT_MASK;
		paging_protect_user_range(addr, end, pte_flags(prot));
		gather_range(&g, addr, end);
		struct vma *v = find(mm, addr);
		while (v && v->start < end) {
			struct vma *n = next_of(mm, v);
			merge(mm, v);
			v = n;
		}
	}
	spin_unlock(&mm->lock, irq);
	gather_finish(&g);
	return r;
}

/* Grow the area that ends at old_end in place, if the space after it is free. */
static bool grow_in_place(struct mm *mm, uintptr_t old_end, uintptr_t new_end)
{
	struct vma *v = find(mm, old_end - 1);

	if (!v || v->end != old_end || !range_free(mm, old_end, new_end) || new_end > USER_TOP)
		return false;
	v->end = new_end;
	merge(mm, v);
	return true;
}

static long move_area(struct mm *mm, uintptr_t old, size_t old_len, size_t new_len, uintptr_t to,
		      struct gather *g)
{
	struct vma *v = find(mm, old);
	unsigned int prot = v->prot, vflags = v->flags;

	if (insert(mm, to, to + new_len, prot, vflags))
		return -ENOMEM;
	if (paging_move_user_range(old, old + old_len, (intptr_t)to - (intptr_t)old))
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
	struct gather g = { 0 };
	unsigned long irq = spin_lock(&mm->lock);
	struct vma *v = find(mm, old);
	long r;
	if (!old_len || !v || v->start > old || v->end < old + old_len) {
		r = -EFAULT; /* Linux: the old range must lie within one mapping */
	} else if (flags & MREMAP_FIXED) {
		r = place(mm, new_addr, new_len, MAP_FIXED, &g);
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
	if (!IS_ALIGNED(addr, PAGE_SIZE) || addr >= USER_TOP)
		return -EINVAL;
	uintptr_t end = ALIGN_UP(addr + len, PAGE_SIZE);
	struct gather g = { 0 };
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
	struct gather g = { 0 };
	unsigned long irq = spin_lock(&mm->lock);
	uintptr_t old_end = ALIGN_UP(mm->brk, PAGE_SIZE);
	uintptr_t new_end = ALIGN_UP(addr, PAGE_SIZE);

	if (addr < mm->brk_start || addr >= USER_TOP)
		goto out;
	if (new_end > old_end) {
		if (!range_free(mm, old_end, new_end) ||
		    insert(mm, old_end, new_end, PROT_READ | PROT_WRITE, VMA_HEAP))
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

/* The page at va, allocated (zeroed) and mapped when absent; call with the lock held. */
static void *page_at(struct mm *mm, uintptr_t va, unsigned int prot)
{
	uint64_t pte = paging_user_pte(va);

	if (pte & PTE_P)
		return phys_to_virt(pte & PTE_ADDR_MASK);
	void *page = page_alloc_zeroed(0);
	if (!page)
		return NULL;
	if (paging_map_user(va, virt_to_phys(page), pte_flags(prot))) {
		page_free(page);
		return NULL;
	}
	mm->resident++;
	return page;
}

void *mm_page(struct mm *mm, uintptr_t va)
{
	unsigned long irq = spin_lock(&mm->lock);
	struct vma *v = find(mm, va);
	void *p = v && v->start <= va ? page_at(mm, ALIGN_DOWN(va, PAGE_SIZE), v->prot) : NULL;

	spin_unlock(&mm->lock, irq);
	return p ? (char *)p + (va & (PAGE_SIZE - 1)) : NULL;
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

int mm_fault(struct mm *mm, uintptr_t addr, unsigned long error)
{
	unsigned long irq = spin_lock(&mm->lock);
	struct vma *v = find(mm, addr);
	int r = 0;

	if (!v || v->start > addr)
		r = SEGV_MAPERR;
	else if (!access_allowed(v, error))
		r = SEGV_ACCERR;
	else if (error & PF_PRESENT)
		r = (paging_user_pte(addr) & pte_flags(v->prot)) == pte_flags(v->prot) ?
			    0 :
			    SEGV_ACCERR;
	else if (!page_at(mm, ALIGN_DOWN(addr, PAGE_SIZE), v->prot))
		r = SEGV_MAPERR; /* out of memory: nothing better to give the program */
	spin_unlock(&mm->lock, irq);
	return r;
}

int mm_vmas(struct mm *mm, uintptr_t from, struct vma_info *out, int max)
{
	unsigned long irq = spin_lock(&mm->lock);
	int n = 0;

	/* Areas carry no file yet: file-backed mappings will fill file and offset here. */
	for (struct vma *v = find(mm, from); v && n < max; v = next_of(mm, v))
		out[n++] = (struct vma_info){ v->start, v->end, v->prot, v->flags, NULL, 0 };
	spin_unlock(&mm->lock, irq);
	return n;
}

void mm_print(struct mm *mm)
{
	struct list *pos;

	list_for_each(pos, &mm->vmas) {
		struct vma *v = vma_of(pos);
		printk("  %012lx-%012lx %c%c%c%s\n", v->start, v->end,
		       v->prot & PROT_READ ? 'r' : '-', v->prot & PROT_WRITE ? 'w' : '-',
		       v->prot & PROT_EXEC ? 'x' : '-',
		       v->flags & VMA_STACK ? " [stack]" :
		       v->flags & VMA_HEAP  ? " [heap]" :
					      "");
	}
}
