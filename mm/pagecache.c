/*
 * The page cache (alto/pagecache.h). Each file's pages sit in a radix tree
 * (lib/radix.c) under the cache's spinlock, each with a reference count
 * and flags; every page is also on one global list in the order it was
 * cached, which reclaim walks from the cold end with a second chance for
 * pages used since (PG_REFERENCED). Reclaim frees only pages that are
 * clean, unreferenced and mapped by no one (the page allocator's share
 * counts), and takes a cache's lock only by trying, so the page allocator
 * may call it from any context.
 *
 * Dirty pages hang on their cache's dirty list, and caches with dirty pages
 * on a global one, which the flusher thread, fsync, sync and throttled
 * writers walk. Writers are held to a fifth of memory in dirty pages (past
 * it, a writer writes back itself before it dirties more); the flusher
 * starts at a tenth and otherwise runs every five seconds. A page given to
 * a shared writable mapping (PG_SHARED) is written back whenever its file
 * is, and stays dirty while mapped, since writes through the mapping are
 * not seen.
 *
 * Reads read ahead: a read that continues where the last one ended doubles
 * the window (up to 64 pages), one that does not reads what it asked for.
 * Pages being read carry PG_LOCKED; others wanting them wait on one
 * sequence-counted queue. Reads, write-backs, reclaim and throttling pass
 * the pcache_* tracepoints of mm_trace.h.
 */
#include <alto/late.h>
#include <alto/mm.h>
#include <alto/pagecache.h>
#include <alto/printk.h>
#include <alto/radix.h>
#include <alto/sched.h>
#include <alto/string.h>
#include <alto/time.h>
#include <alto/vfs.h>
#include <alto/vm.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include "internal.h"
#include "mm_trace.h"

#define PG_UPTODATE   0x1
#define PG_DIRTY      0x2
#define PG_REFERENCED 0x4
#define PG_LOCKED     0x8  /* being read in */
#define PG_SHARED     0x10 /* given to a shared mapping: dirty while mapped */
#define PG_WRITEBACK  0x20
#define PG_REMOVED    0x40 /* out of the tree: the last reference frees it */

#define RA_MIN	       4
#define RA_MAX	       64
#define WB_BATCH       256 /* pages handed to the file system at once */
#define WRITE_CHUNK    (256 * 1024)
#define FLUSH_INTERVAL (5 * NSEC_PER_SEC)

struct pc_page {
	void *page;
	uint64_t index;
	struct pcache *pc;
	struct list lru;
	struct list dirty;
	uint32_t refs;
	uint16_t flags;
	uint8_t dirty_mask; /* the sectors to write: all, unless the user said which */
};

struct pcache {
	struct vnode *vnode;
	const struct pcache_ops *ops;
	struct spinlock lock;
	struct radix_tree pages;
	uint64_t npages, ndirty;
	struct list dirty;	/* its dirty pages */
	struct list dirty_link; /* in dirty_caches while it has dirty pages */
	int wb_busy;		/* being written back by someone (under dirty_lock) */
	int error;		/* the first write-back error since fsync last looked */
	uint64_t ra_next;	/* where a sequential read would go on */
	unsigned int ra_pages;
};

static struct spinlock lru_lock = SPINLOCK_INIT;
static struct list lru = LIST_INIT(lru); /* coldest first */
static struct spinlock dirty_lock = SPINLOCK_INIT;
static struct list dirty_caches = LIST_INIT(dirty_caches);
static struct waitq wb_wq = WAITQ_INIT(wb_wq); /* wb_busy cleared */

static uint64_t nr_cached, nr_dirty, nr_writeback, nr_shared; /* atomic, in pages */

static struct waitq io_wq = WAITQ_INIT(io_wq); /* PG_LOCKED cleared */
static unsigned int io_seq;
static struct waitq flusher_wq = WAITQ_INIT(flusher_wq);
static bool flusher_kicked;

static void count(uint64_t *c, int64_t delta)
{
	__atomic_add_fetch(c, (uint64_t)delta, __ATOMIC_RELAXED);
}

static uint64_t dirty_limit(void)
{
	return pages_total_count() / 5;
}

static uint64_t dirty_background(void)
{
	return pages_total_count() / 10;
}

static void *node_alloc(void)
{
	return kzalloc(sizeof(struct radix_node));
}

int pcache_init(struct vnode *v, const struct pcache_ops *ops)
{
	struct pcache *pc = kzalloc(sizeof(*pc));

	if (!pc)
		return -ENOMEM;
	pc->vnode = v;
	pc->ops = ops;
	spin_init(&pc->lock);
	radix_init(&pc->pages, node_alloc, kfree);
	list_init(&pc->dirty);
	list_init(&pc->dirty_link);
	v->pcache = pc;
	return 0;
}

/* Memory for a new page, after making room when free memory runs low. */
static void *alloc_page(void)
{
	uint64_t low = MAX(pages_total_count() / 64, 256ul);

	if (pages_free_count() < low)
		pcache_reclaim(64);
	return page_alloc(0);
}

static void free_pc_page(struct pc_page *p)
{
	page_free(p->page);
	kfree(p);
}

/* A referenced page of pc at index, or NULL (pc->lock held). */
static struct pc_page *find_get(struct pcache *pc, uint64_t index)
{
	struct pc_page *p = radix_lookup(&pc->pages, index);

	if (p) {
		p->refs++;
		p->flags |= PG_REFERENCED;
	}
	return p;
}

static void put_locked(struct pc_page *p)
{
	BUG_ON(p->refs == 0);
	if (--p->refs == 0 && (p->flags & PG_REMOVED))
		free_pc_page(p);
}

static void put(struct pc_page *p)
{
	struct pcache *pc = p->pc;
	unsigned long irq = spin_lock(&pc->lock);

	put_locked(p);
	spin_unlock(&pc->lock, irq);
}

void pcache_put_page(struct pc_page *p)
{
	put(p);
}

/* Insert a new page (referenced, with flags) at index: NULL when one is there or no memory. */
static struct pc_page *insert(struct pcache *pc, uint64_t index, void *page, uint32_t flags)
{
	struct pc_page *p = kzalloc(sizeof(*p));

	if (!p)
		return NULL;
	*p = (struct pc_page){ .page = page, .index = index, .pc = pc, .refs = 1, .flags = flags };
	list_init(&p->dirty);
	unsigned long irq = spin_lock(&pc->lock);
	if (radix_insert(&pc->pages, index, p)) {
		spin_unlock(&pc->lock, irq);
		kfree(p);
		return NULL;
	}
	pc->npages++;
	spin_lock_noirq(&lru_lock);
	list_append(&lru, &p->lru);
	spin_unlock_noirq(&lru_lock);
	spin_unlock(&pc->lock, irq);
	count(&nr_cached, 1);
	return p;
}

/* Take p out of its cache (pc->lock held): freed now, or by its last reference. */
static void remove_locked(struct pcache *pc, struct pc_page *p)
{
	radix_delete(&pc->pages, p->index);
	pc->npages--;
	spin_lock_noirq(&lru_lock);
	list_remove(&p->lru);
	spin_unlock_noirq(&lru_lock);
	if (p->flags & PG_DIRTY) {
		list_remove(&p->dirty);
		pc->ndirty--;
		if (!(p->flags & PG_SHARED))
			count(&nr_dirty, -1);
	}
	if (p->flags & PG_SHARED)
		count(&nr_shared, -1);
	count(&nr_cached, -1);
	p->flags = (p->flags & ~(PG_DIRTY | PG_SHARED)) | PG_REMOVED;
	if (p->refs == 0)
		free_pc_page(p);
}

static void wake_flusher(void)
{
	WRITE_ONCE(flusher_kicked, true);
	waitq_wake_all(&flusher_wq);
}

/* Mark p dirty (pc->lock held); the cache joins the dirty list. */
static void dirty_locked(struct pcache *pc, struct pc_page *p, uint8_t mask)
{
	p->dirty_mask |= mask;
	if (p->flags & PG_DIRTY)
		return;
	p->flags |= PG_DIRTY;
	list_append(&pc->dirty, &p->dirty);
	if (pc->ndirty++ == 0) {
		spin_lock_noirq(&dirty_lock);
		if (list_empty(&pc->dirty_link))
			list_append(&dirty_caches, &pc->dirty_link);
		spin_unlock_noirq(&dirty_lock);
	}
	if (!(p->flags & PG_SHARED))
		count(&nr_dirty, 1);
}

static uint8_t sector_mask(size_t off, size_t len)
{
	unsigned int first = (unsigned int)(off / 512),
		     last = (unsigned int)((off + len - 1) / 512);

	return len ? (uint8_t)(((2u << last) - 1) & ~((1u << first) - 1)) : 0;
}

void pcache_mark_dirty_range(struct pc_page *p, size_t off, size_t len)
{
	struct pcache *pc = p->pc;
	unsigned long irq = spin_lock(&pc->lock);

	dirty_locked(pc, p, sector_mask(off, len));
	spin_unlock(&pc->lock, irq);
	if (READ_ONCE(nr_dirty) > dirty_background())
		wake_flusher();
}

void pcache_mark_dirty(struct pc_page *p)
{
	pcache_mark_dirty_range(p, 0, PAGE_SIZE);
}

/* Wait until p's write-back ends. */
static void wait_writeback(struct pc_page *p)
{
	for (;;) {
		unsigned int seq = __atomic_load_n(&io_seq, __ATOMIC_ACQUIRE);
		if (!(READ_ONCE(p->flags) & PG_WRITEBACK))
			return;
		waitq_wait_seq(&io_wq, &io_seq, seq, WAITQ_ALL, 0);
	}
}

void pcache_forget_range(struct vnode *v, uint64_t off, size_t len)
{
	struct pcache *pc = v->pcache;
	unsigned long irq = spin_lock(&pc->lock);
	struct pc_page *p = find_get(pc, off / PAGE_SIZE);

	spin_unlock(&pc->lock, irq);
	if (!p)
		return;
	wait_writeback(p);
	irq = spin_lock(&pc->lock);
	p->dirty_mask &= (uint8_t)~sector_mask(off % PAGE_SIZE, len);
	if ((p->flags & PG_DIRTY) && !p->dirty_mask && !(p->flags & PG_SHARED)) {
		p->flags &= ~PG_DIRTY;
		list_remove(&p->dirty);
		count(&nr_dirty, -1);
		if (--pc->ndirty == 0) {
			spin_lock_noirq(&dirty_lock);
			list_remove(&pc->dirty_link);
			spin_unlock_noirq(&dirty_lock);
		}
	}
	put_locked(p);
	spin_unlock(&pc->lock, irq);
}

/* Wait until p is read in (or its read failed): true when it holds the file's bytes. */
static bool wait_uptodate(struct pc_page *p)
{
	for (;;) {
		unsigned int seq = __atomic_load_n(&io_seq, __ATOMIC_ACQUIRE);
		uint32_t flags = READ_ONCE(p->flags);
		if (!(flags & PG_LOCKED))
			return flags & PG_UPTODATE;
		waitq_wait_seq(&io_wq, &io_seq, seq, WAITQ_ALL, 0);
	}
}

/*
 * The read-ahead window for a miss at index, for a read that wants `want`
 * pages: growing while the reads follow each other, one page otherwise.
 */
static unsigned int window(struct pcache *pc, uint64_t index, unsigned int want)
{
	unsigned int n = 1;

	if (index == pc->ra_next || index == 0)
		n = MAX(MIN(pc->ra_pages * 2, (unsigned int)RA_MAX), (unsigned int)RA_MIN);
	pc->ra_pages = n;
	return MAX(n, MIN(want, (unsigned int)RA_MAX));
}

/*
 * Read pages from index on into the cache: up to n (stopping at the end of
 * the file, or at a page already cached). Returns the first, referenced,
 * or NULL with *err.
 */
static struct pc_page *read_in(struct pcache *pc, uint64_t index, unsigned int n, int *err)
{
	struct vnode *v = pc->vnode;
	uint64_t last = v->size ? (v->size - 1) / PAGE_SIZE : 0;
	struct pcache_io io[RA_MAX];
	struct pc_page *pages[RA_MAX];
	unsigned int got = 0;

	n = (unsigned int)MIN((uint64_t)n, last >= index ? last - index + 1 : 1);
	for (; got < n; got++) {
		void *page = alloc_page();
		struct pc_page *p = page ? insert(pc, index + got, page, PG_LOCKED) : NULL;
		if (!p) {
			page_free(page);
			break;
		}
		pages[got] = p;
		io[got] = (struct pcache_io){ index + got, page, PAGE_SIZE, 0xff };
	}
	if (!got) {
		*err = -ENOMEM; /* or someone else is reading it in: the caller looks again */
		return NULL;
	}
	pc->ra_next = index + got;
	trace_pcache_read_enter(v->ino, index, got);
	int r = pc->ops->read_pages(v, io, (int)got);
	trace_pcache_read_exit(v->ino, index, r);
	unsigned long irq = spin_lock(&pc->lock);
	for (unsigned int i = 0; i < got; i++) {
		pages[i]->flags &= ~PG_LOCKED;
		if (!r)
			pages[i]->flags |= PG_UPTODATE;
		else
			remove_locked(pc, pages[i]);
		if (i)
			put_locked(pages[i]);
	}
	if (r)
		put_locked(pages[0]);
	spin_unlock(&pc->lock, irq);
	waitq_notify_seq(&io_wq, &io_seq, WAITQ_ALL);
	*err = r;
	return r ? NULL : pages[0];
}

/* Page index of pc, holding the file's bytes, referenced; NULL with *err. */
static struct pc_page *get_uptodate(struct pcache *pc, uint64_t index, unsigned int want, int *err)
{
	int r = -EIO;

	for (int tries = 0; tries < 5; tries++) {
		unsigned long irq = spin_lock(&pc->lock);
		struct pc_page *p = find_get(pc, index);
		spin_unlock(&pc->lock, irq);
		if (p && wait_uptodate(p))
			return p;
		if (p) {
			put(p); /* its read failed: try ourselves */
			continue;
		}
		/* -ENOMEM may also mean that another reader got there first: look again. */
		p = read_in(pc, index, window(pc, index, want), &r);
		if (p)
			return p;
		if (r != -ENOMEM)
			break;
	}
	*err = r;
	return NULL;
}

/* Page index for writing over all of it (or beyond the end): no need to read it. */
static struct pc_page *get_fresh(struct pcache *pc, uint64_t index, int *err)
{
	for (int tries = 0; tries < 4; tries++) {
		unsigned long irq = spin_lock(&pc->lock);
		struct pc_page *p = find_get(pc, index);
		spin_unlock(&pc->lock, irq);
		if (p) {
			if (wait_uptodate(p))
				return p;
			put(p);
			continue;
		}
		void *page = alloc_page();
		if (!page) {
			*err = -ENOMEM;
			return NULL;
		}
		memset(page, 0, PAGE_SIZE);
		p = insert(pc, index, page, PG_UPTODATE);
		if (p)
			return p;
		page_free(page);
	}
	*err = -ENOMEM;
	return NULL;
}

void *pcache_get_page(struct vnode *v, uint64_t index, bool read, struct pc_page **ref, int *err)
{
	struct pc_page *p =
		read ? get_uptodate(v->pcache, index, 1, err) : get_fresh(v->pcache, index, err);

	*ref = p;
	return p ? p->page : NULL;
}

long pcache_read(struct file *f, struct uio *u, uint64_t *pos)
{
	return pcache_read_at(f->vnode, u, pos);
}

long pcache_read_at(struct vnode *v, struct uio *u, uint64_t *pos)
{
	struct pcache *pc = v->pcache;
	uint64_t off = *pos;
	long done = 0;

	while (u->resid) {
		rw_read_lock(&v->lock);
		uint64_t size = v->size;
		if (off >= size) {
			rw_read_unlock(&v->lock);
			break;
		}
		size_t poff = off % PAGE_SIZE;
		uint64_t left = MIN((uint64_t)u->resid, size - off);
		unsigned int want = (unsigned int)MIN((poff + left + PAGE_SIZE - 1) / PAGE_SIZE,
						      (uint64_t)RA_MAX);
		int err = 0;
		struct pc_page *p = get_uptodate(pc, off / PAGE_SIZE, want, &err);
		rw_read_unlock(&v->lock);
		if (!p) {
			done = done ? done : err;
			break;
		}
		size_t chunk = (size_t)MIN(PAGE_SIZE - poff, left);
		err = uio_copy_out(u, (char *)p->page + poff, chunk);
		put(p);
		if (err) {
			done = done ? done : err;
			break;
		}
		off += chunk;
		done += chunk;
	}
	if (done > 0)
		*pos = off;
	return done;
}

static struct pcache *pick(bool (*match)(struct pcache *pc, void *arg), void *arg);
static void unbusy(struct pcache *pc);

static bool any(struct pcache *pc, void *arg)
{
	return true;
}

/* Hold writers to the dirty limit: past it, write back before dirtying more. */
static void balance_dirty(void)
{
	if (READ_ONCE(nr_dirty) <= dirty_limit())
		return;
	trace_pcache_throttle(READ_ONCE(nr_dirty), dirty_limit());
	wake_flusher();
	for (int rounds = 0; READ_ONCE(nr_dirty) > dirty_background() && rounds < 64; rounds++) {
		struct pcache *pc = pick(any, NULL);
		if (!pc) {
			thread_sleep_ns(NSEC_PER_MSEC); /* all being written: wait for them */
			continue;
		}
		pcache_writeback(pc->vnode);
		unbusy(pc);
	}
}

/* Write [off, off + chunk) of one page from u. */
static int write_page(struct pcache *pc, struct uio *u, uint64_t off, size_t chunk)
{
	struct vnode *v = pc->vnode;
	uint64_t index = off / PAGE_SIZE;
	size_t poff = off % PAGE_SIZE;
	int err = pc->ops->prepare_write ? pc->ops->prepare_write(v, index, poff, chunk) : 0;

	if (err)
		return err;
	/* Written whole, or with nothing of the file in it: no need to read it first. */
	bool fresh = chunk == PAGE_SIZE || index * PAGE_SIZE >= v->size;
	struct pc_page *p = fresh ? get_fresh(pc, index, &err) : get_uptodate(pc, index, 1, &err);
	if (!p)
		return err;
	err = uio_copy_in(u, (char *)p->page + poff, chunk);
	/* The sectors written: a file system that can write less than pages writes those. */
	pcache_mark_dirty_range(p, poff, chunk);
	put(p);
	return err;
}

long pcache_write(struct file *f, struct uio *u, uint64_t *pos)
{
	return pcache_write_at(f->vnode, u, pos, f->flags & O_APPEND);
}

long pcache_write_at(struct vnode *v, struct uio *u, uint64_t *pos, bool append)
{
	struct pcache *pc = v->pcache;
	uint64_t off = *pos;
	long done = 0;
	int err = 0;

	if (!u->resid)
		return 0;
	while (u->resid && !err) {
		size_t part = MIN(u->resid, (size_t)WRITE_CHUNK);
		/* Fault the source in first: a fault under our lock could need another file's. */
		uio_prefault(u, part);
		balance_dirty();
		rw_write_lock(&v->lock);
		if (append)
			off = v->size;
		if (off > INT64_MAX - part) {
			rw_write_unlock(&v->lock);
			err = -EFBIG;
			break;
		}
		uint64_t end = off + part;
		while (off < end) {
			size_t chunk = (size_t)MIN(PAGE_SIZE - off % PAGE_SIZE, end - off);
			err = write_page(pc, u, off, chunk);
			if (err)
				break;
			off += chunk;
			done += (long)chunk;
			if (off > v->size)
				v->size = off;
		}
		if (done) {
			v->mtime = v->ctime = vfs_now_in(v->mount);
			if (pc->ops->attrs_changed)
				pc->ops->attrs_changed(v);
		}
		rw_write_unlock(&v->lock);
	}
	if (done > 0)
		*pos = off;
	return done ? done : err;
}

int pcache_map_page(struct vnode *v, uint64_t off, bool own, int (*fn)(void *page, void *arg),
		    void *arg)
{
	struct pcache *pc = v->pcache;
	uint64_t index = off / PAGE_SIZE;
	int err = 0;

	/* A shared mapping may make the page dirty, which needs storage for it: that writes. */
	if (own)
		rw_write_lock(&v->lock);
	else
		rw_read_lock(&v->lock);
	struct pc_page *p = NULL;
	if (off >= v->size)
		err = -ENXIO;
	else
		p = get_uptodate(pc, index, RA_MIN, &err);
	if (p && own && !(READ_ONCE(p->flags) & PG_SHARED)) {
		size_t len = (size_t)MIN((uint64_t)PAGE_SIZE, v->size - index * PAGE_SIZE);
		err = pc->ops->prepare_write ? pc->ops->prepare_write(v, index, 0, len) : 0;
		if (!err) {
			unsigned long irq = spin_lock(&pc->lock);
			if (!(p->flags & PG_SHARED)) {
				if (p->flags & PG_DIRTY) { /* it moves from write()'s count */
					count(&nr_dirty, -1);
					p->flags &= ~PG_DIRTY;
					list_remove(&p->dirty);
					pc->ndirty--;
				}
				p->flags |= PG_SHARED;
				count(&nr_shared, 1);
				dirty_locked(pc, p, 0xff);
			}
			spin_unlock(&pc->lock, irq);
		}
	}
	if (p && !err)
		err = fn(p->page, arg);
	if (p)
		put(p);
	if (own)
		rw_write_unlock(&v->lock);
	else
		rw_read_unlock(&v->lock);
	return err;
}

void pcache_truncate(struct vnode *v, uint64_t size)
{
	struct pcache *pc = v->pcache;
	uint64_t first = (size + PAGE_SIZE - 1) / PAGE_SIZE;

	/* Mappings let go of the pages first (later touches get SIGBUS). */
	mm_file_shrunk(v, size);
	unsigned long irq = spin_lock(&pc->lock);
	struct pc_page *p;
	for (uint64_t at = first; (p = radix_next(&pc->pages, &at)); at++)
		remove_locked(pc, p);
	spin_unlock(&pc->lock, irq);
	/* The rest of the last page reads as zeros from now on, on the device too. */
	if (size % PAGE_SIZE && size < v->size) {
		int err;
		p = get_uptodate(pc, size / PAGE_SIZE, 1, &err);
		if (p) {
			memset((char *)p->page + size % PAGE_SIZE, 0, PAGE_SIZE - size % PAGE_SIZE);
			pcache_mark_dirty(p);
			put(p);
		}
	}
}

void pcache_invalidate(struct vnode *v)
{
	struct pcache *pc = v->pcache;
	struct pc_page *p;
	unsigned long irq = spin_lock(&pc->lock);

	/* Pages in use, dirty or mapped stay: only what is clean and idle goes. */
	for (uint64_t at = 0; (p = radix_next(&pc->pages, &at)); at++) {
		if (!p->refs && !(p->flags & (PG_DIRTY | PG_LOCKED | PG_WRITEBACK)) &&
		    !page_sharers(p->page))
			remove_locked(pc, p);
	}
	pc->ra_next = 0;
	spin_unlock(&pc->lock, irq);
}

static int cmp_index(const void *a, const void *b)
{
	const struct pcache_io *x = a, *y = b;

	return x->index < y->index ? -1 : x->index > y->index;
}

/* Sort a batch by index (insertion sort: batches are small and mostly in order). */
static void sort_io(struct pcache_io *io, struct pc_page **pages, int n)
{
	for (int i = 1; i < n; i++) {
		struct pcache_io t = io[i];
		struct pc_page *tp = pages[i];
		int j = i - 1;
		for (; j >= 0 && cmp_index(&io[j], &t) > 0; j--) {
			io[j + 1] = io[j];
			pages[j + 1] = pages[j];
		}
		io[j + 1] = t;
		pages[j + 1] = tp;
	}
}

/*
 * Take up to WB_BATCH pages off the list `from` for writing (pc->lock
 * held): clean, under write-back, referenced.
 */
static int take_batch(struct pcache *pc, struct list *from, struct pcache_io *io,
		      struct pc_page **pages)
{
	uint64_t size = pc->vnode->size;
	int n = 0;

	while (n < WB_BATCH && !list_empty(from)) {
		struct pc_page *p = list_first_entry(from, struct pc_page, dirty);
		list_remove(&p->dirty);
		p->flags = (p->flags & ~PG_DIRTY) | PG_WRITEBACK;
		pc->ndirty--;
		if (!(p->flags & PG_SHARED))
			count(&nr_dirty, -1);
		count(&nr_writeback, 1);
		p->refs++;
		pages[n] = p;
		uint64_t start = p->index * PAGE_SIZE;
		size_t len = start < size ? (size_t)MIN((uint64_t)PAGE_SIZE, size - start) : 0;
		io[n++] = (struct pcache_io){ p->index, p->page, len, p->dirty_mask };
		p->dirty_mask = 0;
	}
	return n;
}

/* A batch is written: pages mapped shared stay dirty; the cache may leave the dirty list. */
static void finish_batch(struct pcache *pc, struct pc_page **pages, int n, int err)
{
	unsigned long irq = spin_lock(&pc->lock);

	for (int i = 0; i < n; i++) {
		struct pc_page *p = pages[i];
		p->flags &= ~PG_WRITEBACK;
		count(&nr_writeback, -1);
		if ((p->flags & PG_SHARED) && !(p->flags & PG_REMOVED)) {
			if (page_sharers(p->page))
				dirty_locked(pc, p, 0xff);
			else {
				p->flags &= ~PG_SHARED;
				count(&nr_shared, -1);
			}
		}
		put_locked(p);
	}
	if (err && !pc->error)
		pc->error = err;
	if (pc->ndirty == 0) {
		spin_lock_noirq(&dirty_lock);
		list_remove(&pc->dirty_link);
		spin_unlock_noirq(&dirty_lock);
	}
	spin_unlock(&pc->lock, irq);
	waitq_notify_seq(&io_wq, &io_seq, WAITQ_ALL);
}

static int writeback_locked(struct pcache *pc)
{
	struct pcache_io *io = kmalloc(WB_BATCH * sizeof(*io));
	struct pc_page **pages = kmalloc(WB_BATCH * sizeof(*pages));
	struct list todo = LIST_INIT(todo);
	int first_err = 0;

	if (!io || !pages) {
		kfree(io);
		kfree(pages);
		return -ENOMEM;
	}
	/* What is dirty now; pages mapped shared that stay dirty go back on the cache's list. */
	unsigned long irq = spin_lock(&pc->lock);
	if (!list_empty(&pc->dirty)) {
		todo.next = pc->dirty.next;
		todo.prev = pc->dirty.prev;
		todo.next->prev = &todo;
		todo.prev->next = &todo;
		list_init(&pc->dirty);
	}
	spin_unlock(&pc->lock, irq);
	for (;;) {
		irq = spin_lock(&pc->lock);
		int n = take_batch(pc, &todo, io, pages);
		spin_unlock(&pc->lock, irq);
		if (!n)
			break;
		sort_io(io, pages, n);
		/* Pages wholly past the end (a racing truncation) have nothing to write. */
		int m = 0;
		while (m < n && io[m].len)
			m++;
		int err = 0;
		if (m) {
			trace_pcache_write_enter(pc->vnode->ino, io[0].index, (unsigned int)m);
			err = pc->ops->write_pages(pc->vnode, io, m);
			trace_pcache_write_exit(pc->vnode->ino, io[0].index, err);
		}
		if (err && !first_err)
			first_err = err;
		finish_batch(pc, pages, n, err);
	}
	kfree(io);
	kfree(pages);
	return first_err;
}

int pcache_writeback(struct vnode *v)
{
	struct pcache *pc = v->pcache;

	rw_read_lock(&v->lock);
	int err = writeback_locked(pc);
	rw_read_unlock(&v->lock);
	unsigned long irq = spin_lock(&pc->lock);
	if (!err)
		err = pc->error;
	pc->error = 0;
	spin_unlock(&pc->lock, irq);
	return err;
}

bool pcache_has_dirty(const struct vnode *v)
{
	return v->pcache && READ_ONCE(v->pcache->ndirty) != 0;
}

/* The first dirty cache that match() accepts and nobody writes back, marked busy. */
static struct pcache *pick(bool (*match)(struct pcache *pc, void *arg), void *arg)
{
	struct pcache *found = NULL;
	struct list *l;
	unsigned long irq = spin_lock(&dirty_lock);

	list_for_each(l, &dirty_caches) {
		struct pcache *pc = list_entry(l, struct pcache, dirty_link);
		if (!pc->wb_busy && match(pc, arg)) {
			found = pc;
			pc->wb_busy++;
			/* Others go first next time. */
			list_remove(&pc->dirty_link);
			list_append(&dirty_caches, &pc->dirty_link);
			break;
		}
	}
	spin_unlock(&dirty_lock, irq);
	return found;
}

static void unbusy(struct pcache *pc)
{
	unsigned long irq = spin_lock(&dirty_lock);

	pc->wb_busy--;
	spin_unlock(&dirty_lock, irq);
	waitq_wake_all(&wb_wq);
}

static bool of_mount(struct pcache *pc, void *m)
{
	return pc->vnode->mount == m;
}

int pcache_sync_mount(struct mount *m)
{
	int first_err = 0;
	struct pcache *pc;

	/* Each round cleans one cache: as many rounds as caches were dirty, plus what writers add.
	 */
	for (int rounds = 0; rounds < 100000 && (pc = pick(of_mount, m)); rounds++) {
		int err = pcache_writeback(pc->vnode);
		if (err && !first_err)
			first_err = err;
		unbusy(pc);
	}
	return first_err;
}

void pcache_destroy(struct vnode *v)
{
	struct pcache *pc = v->pcache;
	struct pc_page *p;

	if (!pc)
		return;
	unsigned long irq = spin_lock(&dirty_lock);
	while (pc->wb_busy) {
		spin_unlock(&dirty_lock, irq);
		irq = spin_lock(&wb_wq.lock);
		if (READ_ONCE(pc->wb_busy))
			waitq_wait_locked(&wb_wq, &irq, time_now_ns() + NSEC_PER_MSEC);
		spin_unlock(&wb_wq.lock, irq);
		irq = spin_lock(&dirty_lock);
	}
	list_remove(&pc->dirty_link);
	spin_unlock(&dirty_lock, irq);
	irq = spin_lock(&pc->lock);
	for (uint64_t at = 0; (p = radix_next(&pc->pages, &at)); at++)
		remove_locked(pc, p);
	spin_unlock(&pc->lock, irq);
	kfree(pc);
	v->pcache = NULL;
}

unsigned long pcache_reclaim(unsigned long n)
{
	struct pc_page *freed = NULL;
	unsigned long nfreed = 0;
	uint64_t budget = 2 * READ_ONCE(nr_cached) + 64;
	unsigned long irq = spin_lock(&lru_lock);

	while (nfreed < n && budget-- && !list_empty(&lru)) {
		struct pc_page *p = list_first_entry(&lru, struct pc_page, lru);
		struct pcache *pc = p->pc;
		/* Whatever happens, it goes to the warm end. */
		list_remove(&p->lru);
		list_append(&lru, &p->lru);
		if (!spin_trylock_noirq(&pc->lock))
			continue;
		bool busy = p->refs || (p->flags & (PG_DIRTY | PG_LOCKED | PG_WRITEBACK)) ||
			    page_sharers(p->page);
		if (!busy && (p->flags & PG_REFERENCED)) {
			p->flags &= ~PG_REFERENCED;
			busy = true;
		}
		if (!busy) {
			radix_delete(&pc->pages, p->index);
			pc->npages--;
			list_remove(&p->lru);
			count(&nr_cached, -1);
			p->lru.next = (struct list *)freed; /* chained for freeing below */
			freed = p;
			nfreed++;
		}
		spin_unlock_noirq(&pc->lock);
	}
	spin_unlock(&lru_lock, irq);
	while (freed) {
		struct pc_page *next = (struct pc_page *)freed->lru.next;
		free_pc_page(freed);
		freed = next;
	}
	trace_pcache_reclaim(n, nfreed);
	return nfreed;
}

void pcache_stats(struct pcache_stats *st)
{
	st->cached = READ_ONCE(nr_cached);
	st->dirty = READ_ONCE(nr_dirty) + READ_ONCE(nr_shared);
	st->writeback = READ_ONCE(nr_writeback);
	st->mapped = READ_ONCE(nr_shared);
}

/* The flusher: every few seconds, or when dirty pages pass the background mark. */
static void flusher(void *arg)
{
	for (;;) {
		unsigned long irq = spin_lock(&flusher_wq.lock);
		if (!READ_ONCE(flusher_kicked))
			waitq_wait_locked(&flusher_wq, &irq, time_now_ns() + FLUSH_INTERVAL);
		flusher_kicked = false;
		spin_unlock(&flusher_wq.lock, irq);
		struct pcache *pc;
		int rounds = 0;
		while (rounds++ < 1000 && (pc = pick(any, NULL))) {
			pcache_writeback(pc->vnode);
			unbusy(pc);
		}
	}
}

/* With the late work (alto/late.h): a page dirtied before waits for it, or for sync. */
static void pcache_init_flusher(void)
{
	struct thread *t = thread_create(flusher, NULL, "flush");

	if (IS_ERR(t))
		panic("pagecache: cannot start the flusher");
	thread_detach(t);
}
LATE_INIT(pcache_init_flusher);
