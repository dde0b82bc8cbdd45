/*
 * ramfs: the root file system, /tmp and /dev. A file is an array of page
 * pointers (appends never copy old data; a missing page is a hole of zeros;
 * a page borrowed from the initrd is copied on its first write). These
 * pages are also what mmap maps: a shared mapping gets the file's own pages,
 * so there is no separate page cache to keep coherent. Directory entries
 * carry increasing cookies, so a listing resumes correctly after entries
 * are removed. A directory of the initrd may still be lazy: its entries
 * (already counted in its size, links and nentries) are added by
 * initrd_populate() the first time anything reads or changes it.
 * Registered as ramfs (no limit), tmpfs (at most size= bytes, half of RAM
 * by default: past it, ENOSPC) and devtmpfs.
 */
#include <alto/format.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/string.h>
#include <alto/vm.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include "internal.h"

#define PAGE_BORROWED 1ul /* in a page pointer: not ours to write or free */
#define DIRENT_SIZE   20  /* what tmpfs counts per entry in a directory's size */
#define FIRST_COOKIE  2	  /* 0 and 1 are "." and ".." */

struct ramfs_node;

struct ramfs_dirent {
	struct list link;
	uint64_t cookie;
	struct ramfs_node *node; /* the entry holds a reference */
	size_t len;
	char name[];
};

struct ramfs_node {
	struct vnode v;
	union {
		struct {
			struct list entries; /* in increasing cookie order */
			/* NULL at the root; a removed directory holds a reference to it */
			struct ramfs_node *parent;
			uint64_t next_cookie;
			unsigned int nentries;
			bool dead;
			struct initrd_entry *lazy; /* entries still in the initrd */
		} dir;
		struct {
			uintptr_t *pages;
			size_t cap;
			size_t npages; /* pages present */
		} reg;
		char *target; /* symlinks */
	};
};

/* A mount's limit and what it uses, in pages (limit 0: none). */
struct ramfs_sb {
	uint64_t max_pages;
	uint64_t used_pages; /* atomic */
};

static const struct vnode_ops ramfs_ops;
static const struct file_ops ramfs_file_ops;
static const struct mount_ops ramfs_mount_ops;

static struct ramfs_node *node_of(struct vnode *v)
{
	return container_of(v, struct ramfs_node, v);
}

bool vnode_is_ramfs(const struct vnode *v)
{
	return v->ops == &ramfs_ops;
}

static struct ramfs_node *node_new(struct mount *m, uint32_t mode)
{
	struct ramfs_node *n = kzalloc(sizeof(*n));

	if (!n)
		return NULL;
	vnode_init(&n->v, m, &ramfs_ops, mode);
	if (S_ISDIR(mode)) {
		list_init(&n->dir.entries);
		n->dir.next_cookie = FIRST_COOKIE;
		n->v.nlink = 2;
		n->v.size = 2 * DIRENT_SIZE;
		n->v.fops = &vfs_dir_fops;
	} else if (S_ISREG(mode)) {
		n->v.fops = &ramfs_file_ops;
	}
	return n;
}

struct vnode *ramfs_new_file(struct mount *m, unsigned int mode)
{
	struct ramfs_node *n = node_new(m, S_IFREG | (mode & S_IALLUGO));

	if (!n)
		return NULL;
	n->v.nlink = 0;
	return &n->v;
}

struct mount *ramfs_create(const char *fstype, uint32_t magic, unsigned int mode)
{
	struct mount *m = kzalloc(sizeof(*m));
	struct ramfs_sb *sb = kzalloc(sizeof(*sb));
	struct ramfs_node *root;

	if (!m || !sb)
		goto fail;
	mount_init(m, fstype, magic);
	m->ops = &ramfs_mount_ops;
	m->priv = sb;
	root = node_new(m, S_IFDIR | mode);
	if (!root)
		goto fail;
	m->root = &root->v;
	return m;
fail:
	kfree(sb);
	kfree(m);
	return NULL;
}

/* Take a page of the mount's allowance: false when it is used up. */
static bool charge_page(struct mount *m)
{
	struct ramfs_sb *sb = m->priv;
	uint64_t used = __atomic_add_fetch(&sb->used_pages, 1, __ATOMIC_RELAXED);

	if (sb->max_pages && used > sb->max_pages) {
		__atomic_sub_fetch(&sb->used_pages, 1, __ATOMIC_RELAXED);
		return false;
	}
	return true;
}

static void uncharge_page(struct mount *m)
{
	struct ramfs_sb *sb = m->priv;

	__atomic_sub_fetch(&sb->used_pages, 1, __ATOMIC_RELAXED);
}

/* Timestamps and link counts change under the vnode's lock. */
static void touch(struct vnode *v, bool mtime, int nlink_delta)
{
	struct timespec now = vfs_now();

	rw_write_lock(&v->lock);
	v->ctime = now;
	if (mtime)
		v->mtime = now;
	v->nlink += nlink_delta;
	rw_write_unlock(&v->lock);
}

/* Directories. */

/* Under the mount's ns_lock, as every directory operation is. */
static void populate(struct ramfs_node *d)
{
	struct initrd_entry *lazy = d->dir.lazy;

	if (unlikely(lazy)) {
		d->dir.lazy = NULL;
		initrd_populate(&d->v, lazy);
	}
}

void ramfs_set_lazy(struct vnode *dir, struct initrd_entry *lazy, unsigned int nentries,
		    unsigned int nsubdirs)
{
	struct ramfs_node *d = node_of(dir);

	rw_write_lock(&dir->lock);
	d->dir.lazy = lazy;
	d->dir.nentries += nentries;
	dir->size += (uint64_t)nentries * DIRENT_SIZE;
	dir->nlink += nsubdirs;
	rw_write_unlock(&dir->lock);
}

bool ramfs_is_lazy(struct vnode *dir)
{
	return node_of(dir)->dir.lazy != NULL;
}

struct vnode *ramfs_new_node(struct mount *m, uint32_t mode, const char *target, size_t tlen)
{
	struct ramfs_node *n = node_new(m, mode);

	if (!n || !S_ISLNK(mode))
		return n ? &n->v : NULL;
	n->target = kmalloc(tlen + 1);
	if (!n->target) {
		vnode_put(&n->v);
		return NULL;
	}
	memcpy(n->target, target, tlen);
	n->target[tlen] = 0;
	n->v.size = tlen;
	return &n->v;
}

static struct ramfs_dirent *find(struct ramfs_node *d, const char *name, size_t len)
{
	struct list *l;

	list_for_each(l, &d->dir.entries) {
		struct ramfs_dirent *e = list_entry(l, struct ramfs_dirent, link);
		if (e->len == len && !memcmp(e->name, name, len))
			return e;
	}
	return NULL;
}

static struct ramfs_dirent *dirent_new(const char *name, size_t len, struct ramfs_node *n)
{
	struct ramfs_dirent *e = kmalloc(sizeof(*e) + len);

	if (e) {
		e->node = n;
		e->len = len;
		memcpy(e->name, name, len);
	}
	return e;
}

int ramfs_add_lazy_entry(struct vnode *dir, const char *name, size_t len, struct vnode *v)
{
	struct ramfs_node *d = node_of(dir), *n = node_of(v);
	struct ramfs_dirent *e = dirent_new(name, len, n);

	if (!e) {
		vnode_put(v);
		return -ENOMEM;
	}
	e->cookie = d->dir.next_cookie++;
	list_append(&d->dir.entries, &e->link);
	if (S_ISDIR(v->mode))
		n->dir.parent = d;
	return 0;
}

static void dirent_add(struct ramfs_node *d, struct ramfs_dirent *e)
{
	e->cookie = d->dir.next_cookie++;
	list_append(&d->dir.entries, &e->link);
	d->dir.nentries++;
	d->v.size += DIRENT_SIZE;
	if (S_ISDIR(e->node->v.mode)) {
		e->node->dir.parent = d;
		touch(&d->v, true, 1);
	} else {
		touch(&d->v, true, 0);
	}
}

/* Unhook e from d; the caller deals with the node and frees e. */
static void dirent_del(struct ramfs_node *d, struct ramfs_dirent *e)
{
	list_remove(&e->link);
	d->dir.nentries--;
	d->v.size -= DIRENT_SIZE;
	touch(&d->v, true, S_ISDIR(e->node->v.mode) ? -1 : 0);
}

/*
 * n lost a name: a directory dies with its only one, but its ".." still
 * leads to where it was (as on Linux), so it keeps its parent alive. Drops
 * the entry's reference.
 */
static void drop_link(struct ramfs_node *n)
{
	if (S_ISDIR(n->v.mode)) {
		n->dir.dead = true;
		vnode_get(&n->dir.parent->v);
		touch(&n->v, false, -(int)n->v.nlink);
	} else {
		touch(&n->v, false, -1);
	}
	vnode_put(&n->v);
}

static int ramfs_lookup(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
	struct ramfs_node *d = node_of(dir), *n;

	if (len == 2 && name[0] == '.' && name[1] == '.') {
		n = d->dir.parent ? d->dir.parent : d;
	} else if (d->dir.dead) {
		return -ENOENT;
	} else {
		populate(d);
		struct ramfs_dirent *e = find(d, name, len);
		if (!e)
			return -ENOENT;
		n = e->node;
	}
	vnode_get(&n->v);
	*out = &n->v;
	return 0;
}

/* Add a new node under name; the entry takes the node's first reference. */
static int add_new(struct ramfs_node *d, const char *name, size_t len, struct ramfs_node *n,
		   struct vnode **out)
{
	struct ramfs_dirent *e = dirent_new(name, len, n);

	if (!e) {
		vnode_put(&n->v);
		return -ENOSPC;
	}
	dirent_add(d, e);
	vnode_get(&n->v);
	*out = &n->v;
	return 0;
}

static int check_new_name(struct ramfs_node *d, const char *name, size_t len)
{
	if (d->dir.dead)
		return -ENOENT;
	populate(d);
	return find(d, name, len) ? -EEXIST : 0;
}

static int ramfs_create_op(struct vnode *dir, const char *name, size_t len, uint32_t mode,
			   uint64_t rdev, struct vnode **out)
{
	struct ramfs_node *d = node_of(dir), *n;
	int err = check_new_name(d, name, len);

	if (err)
		return err;
	n = node_new(dir->mount, mode);
	if (!n)
		return -ENOSPC;
	n->v.rdev = rdev;
	return add_new(d, name, len, n, out);
}

static int ramfs_symlink(struct vnode *dir, const char *name, size_t len, const char *target,
			 struct vnode **out)
{
	struct ramfs_node *d = node_of(dir), *n;
	size_t tlen = strlen(target);
	int err = check_new_name(d, name, len);

	if (err)
		return err;
	n = node_new(dir->mount, S_IFLNK | 0777);
	if (!n)
		return -ENOSPC;
	n->target = kmalloc(tlen + 1);
	if (!n->target) {
		vnode_put(&n->v);
		return -ENOSPC;
	}
	memcpy(n->target, target, tlen + 1);
	n->v.size = tlen;
	return add_new(d, name, len, n, out);
}

static int ramfs_link(struct vnode *dir, const char *name, size_t len, struct vnode *v)
{
	struct ramfs_node *d = node_of(dir), *n = node_of(v);
	struct ramfs_dirent *e;
	int err = check_new_name(d, name, len);

	if (err)
		return err;
	if (v->nlink == 0)
		return -ENOENT; /* unlinked while we looked */
	e = dirent_new(name, len, n);
	if (!e)
		return -ENOSPC;
	vnode_get(v);
	touch(v, false, 1);
	dirent_add(d, e);
	return 0;
}

static int ramfs_unlink(struct vnode *dir, const char *name, size_t len, bool rmdir)
{
	struct ramfs_node *d = node_of(dir), *n;
	struct ramfs_dirent *e;

	populate(d);
	e = d->dir.dead ? NULL : find(d, name, len);
	if (!e)
		return -ENOENT;
	n = e->node;
	if (rmdir && !S_ISDIR(n->v.mode))
		return -ENOTDIR;
	if (!rmdir && S_ISDIR(n->v.mode))
		return -EISDIR;
	if (n->v.mounted)
		return -EBUSY;
	if (rmdir && n->dir.nentries)
		return -ENOTEMPTY;
	dirent_del(d, e);
	kfree(e);
	drop_link(n);
	return 0;
}

/* Is d the directory n or below it? (Moving n there would detach a loop.) */
static bool is_below(struct ramfs_node *d, struct ramfs_node *n)
{
	for (; d; d = d->dir.parent) {
		if (d == n)
			return true;
	}
	return false;
}

/* Can target (a name that exists) be replaced by src? */
static int check_replace(struct ramfs_node *src, struct ramfs_node *target)
{
	if (S_ISDIR(src->v.mode) && !S_ISDIR(target->v.mode))
		return -ENOTDIR;
	if (!S_ISDIR(src->v.mode) && S_ISDIR(target->v.mode))
		return -EISDIR;
	if (S_ISDIR(target->v.mode) && target->dir.nentries)
		return -ENOTEMPTY;
	return target->v.mounted ? -EBUSY : 0;
}

/* A directory moving from od to nd takes its ".." link along. */
static void reparent(struct ramfs_node *n, struct ramfs_node *od, struct ramfs_node *nd)
{
	if (!S_ISDIR(n->v.mode) || od == nd)
		return;
	n->dir.parent = nd;
	touch(&od->v, false, -1);
	touch(&nd->v, false, 1);
}

static int exchange(struct ramfs_node *od, struct ramfs_dirent *oe, struct ramfs_node *nd,
		    struct ramfs_dirent *ne)
{
	struct ramfs_node *a = oe->node, *b = ne->node;

	if ((S_ISDIR(a->v.mode) && is_below(nd, a)) || (S_ISDIR(b->v.mode) && is_below(od, b)))
		return -EINVAL;
	oe->node = b;
	ne->node = a;
	reparent(a, od, nd);
	reparent(b, nd, od);
	touch(&a->v, false, 0);
	touch(&b->v, false, 0);
	touch(&od->v, true, 0);
	touch(&nd->v, true, 0);
	return 0;
}

/*
 * Move the entry oe of od to the name in nd, replacing ne when there is one.
 * Link counts follow the entries: dirent_del and dirent_add count a
 * directory's "..", and a directory replacing a directory leaves nd's alone.
 */
static int move(struct ramfs_node *od, struct ramfs_dirent *oe, struct ramfs_node *nd,
		struct ramfs_dirent *ne, const char *name, size_t len)
{
	struct ramfs_node *src = oe->node, *target = ne ? ne->node : NULL;
	struct ramfs_dirent *e = NULL;

	if (S_ISDIR(src->v.mode) && is_below(nd, src))
		return -EINVAL;
	if (target) {
		int err = check_replace(src, target);
		if (err)
			return err;
	} else if (!(e = dirent_new(name, len, src))) {
		return -ENOSPC;
	}
	/* The reference held by oe moves to the new or the replaced entry. */
	dirent_del(od, oe);
	kfree(oe);
	if (target) {
		ne->node = src;
		if (S_ISDIR(src->v.mode))
			src->dir.parent = nd;
		drop_link(target);
		touch(&nd->v, true, 0);
	} else {
		dirent_add(nd, e);
	}
	touch(&src->v, false, 0);
	return 0;
}

static int ramfs_rename(struct vnode *odir, const char *oname, size_t olen, struct vnode *ndir,
			const char *nname, size_t nlen, unsigned int flags)
{
	struct ramfs_node *od = node_of(odir), *nd = node_of(ndir);
	struct ramfs_dirent *oe, *ne;

	populate(od);
	populate(nd);
	oe = od->dir.dead ? NULL : find(od, oname, olen);
	if (!oe || nd->dir.dead)
		return -ENOENT;
	ne = find(nd, nname, nlen);
	if (flags & RENAME_EXCHANGE)
		return ne ? exchange(od, oe, nd, ne) : -ENOENT;
	if (ne && (flags & RENAME_NOREPLACE))
		return -EEXIST;
	if (ne && ne->node == oe->node)
		return 0; /* two names of one file: POSIX says do nothing */
	return move(od, oe, nd, ne, nname, nlen);
}

static int emit_dots(struct ramfs_node *d, uint64_t *cookie, vfs_dirent_fn fn, void *ctx)
{
	struct ramfs_node *parent = d->dir.parent ? d->dir.parent : d;

	if (*cookie == 0) {
		if (fn(ctx, ".", 1, d->v.ino, DT_DIR, 1))
			return 1;
		*cookie = 1;
	}
	if (*cookie == 1) {
		/* A mount's root shows the ".." of the directory it covers. */
		struct vnode *up = &parent->v;
		if (d == parent && d->v.mount->covered)
			up = d->v.mount->covered;
		if (fn(ctx, "..", 2, up->ino, DT_DIR, 2))
			return 1;
		*cookie = 2;
	}
	return 0;
}

static unsigned int dtype(uint32_t mode)
{
	return (mode & S_IFMT) >> 12; /* DT_* are the S_IF* type bits shifted */
}

static int ramfs_readdir(struct vnode *dir, uint64_t *cookie, vfs_dirent_fn fn, void *ctx)
{
	struct ramfs_node *d = node_of(dir);
	struct list *l;

	if (d->dir.dead)
		return -ENOENT;
	populate(d);
	if (emit_dots(d, cookie, fn, ctx))
		return 0;
	list_for_each(l, &d->dir.entries) {
		struct ramfs_dirent *e = list_entry(l, struct ramfs_dirent, link);
		if (e->cookie < *cookie)
			continue;
		if (fn(ctx, e->name, e->len, e->node->v.ino, dtype(e->node->v.mode), e->cookie + 1))
			return 0;
		*cookie = e->cookie + 1;
	}
	return 0;
}

static int ramfs_name_of(struct vnode *dir, struct vnode *child, char *buf, size_t size)
{
	struct ramfs_node *d = node_of(dir);
	struct list *l;

	list_for_each(l, &d->dir.entries) {
		struct ramfs_dirent *e = list_entry(l, struct ramfs_dirent, link);
		if (&e->node->v == child && e->len < size) {
			memcpy(buf, e->name, e->len);
			return (int)e->len;
		}
	}
	return -ENOENT;
}

static long ramfs_readlink(struct vnode *v, char *buf, size_t size)
{
	size_t n = MIN(size, (size_t)v->size);

	memcpy(buf, node_of(v)->target, n);
	return (long)n;
}

/* Regular files: the page array. Called with the vnode's lock held. */

static void *page_ptr(uintptr_t p)
{
	return (void *)(p & ~PAGE_BORROWED);
}

static void update_blocks(struct ramfs_node *n)
{
	n->v.blocks = n->reg.npages * (PAGE_SIZE / 512);
}

static int ensure_cap(struct ramfs_node *n, uint64_t npages)
{
	size_t cap = MAX(MAX((size_t)npages, n->reg.cap * 2), (size_t)8);
	uintptr_t *pages;

	if (npages <= n->reg.cap)
		return 0;
	if (npages > (SIZE_MAX / sizeof(*pages)) / 2)
		return -EFBIG;
	pages = kzalloc(cap * sizeof(*pages));
	if (!pages)
		return -ENOSPC;
	if (n->reg.pages)
		memcpy(pages, n->reg.pages, n->reg.cap * sizeof(*pages));
	kfree(n->reg.pages);
	n->reg.pages = pages;
	n->reg.cap = cap;
	return 0;
}

/* The page at index i, ours and writable: allocated (zeroed) or copied from a borrowed one. */
static void *writable_page(struct ramfs_node *n, size_t i)
{
	uintptr_t p = n->reg.pages[i];
	void *page;

	if (p && !(p & PAGE_BORROWED))
		return (void *)p;
	if (!charge_page(n->v.mount))
		return NULL;
	page = page_alloc_zeroed(0);
	if (!page) {
		uncharge_page(n->v.mount);
		return NULL;
	}
	if (p)
		memcpy(page, page_ptr(p), PAGE_SIZE);
	else
		n->reg.npages++;
	n->reg.pages[i] = (uintptr_t)page;
	return page;
}

static void free_page_at(struct ramfs_node *n, size_t i)
{
	uintptr_t p = n->reg.pages[i];

	if (!p)
		return;
	if (!(p & PAGE_BORROWED)) {
		page_free((void *)p);
		uncharge_page(n->v.mount);
	}
	n->reg.pages[i] = 0;
	n->reg.npages--;
}

/* Shrink: free whole pages past the end and zero the tail of the last one. */
static int shrink(struct ramfs_node *n, uint64_t size)
{
	size_t first = (size_t)((size + PAGE_SIZE - 1) / PAGE_SIZE);

	/* Mappings must let go of the pages before they are freed. */
	mm_file_shrunk(&n->v, size);
	if (size % PAGE_SIZE && first - 1 < n->reg.cap && n->reg.pages[first - 1]) {
		char *page = writable_page(n, first - 1);
		if (!page)
			return -ENOMEM;
		memset(page + size % PAGE_SIZE, 0, PAGE_SIZE - size % PAGE_SIZE);
	}
	/* Up to the capacity: a write that faulted may have left a page past the end. */
	for (size_t i = first; i < n->reg.cap; i++)
		free_page_at(n, i);
	if (size == 0) {
		kfree(n->reg.pages);
		n->reg.pages = NULL;
		n->reg.cap = 0;
	}
	return 0;
}

static int ramfs_truncate(struct vnode *v, uint64_t size)
{
	struct ramfs_node *n = node_of(v);
	int err = 0;

	if (size > INT64_MAX)
		return -EFBIG;
	rw_write_lock(&v->lock);
	if (((v->seals & F_SEAL_SHRINK) && size < v->size) ||
	    ((v->seals & F_SEAL_GROW) && size > v->size))
		err = -EPERM;
	else if (size < v->size)
		err = shrink(n, size);
	if (!err) {
		v->size = size;
		v->mtime = v->ctime = vfs_now();
		update_blocks(n);
	}
	rw_write_unlock(&v->lock);
	return err;
}

static int ramfs_map_page(struct vnode *v, uint64_t off, bool own, int (*fn)(void *page, void *arg),
			  void *arg)
{
	struct ramfs_node *n = node_of(v);
	size_t i = off / PAGE_SIZE;
	int r;

	/* A shared mapping may add a page or replace a borrowed one: that writes. */
	if (own)
		rw_write_lock(&v->lock);
	else
		rw_read_lock(&v->lock);
	if (off >= v->size) {
		r = -ENXIO;
	} else if (own) {
		void *page = ensure_cap(n, i + 1) ? NULL : writable_page(n, i);
		update_blocks(n);
		r = page ? fn(page, arg) : -ENOMEM;
	} else {
		uintptr_t p = i < n->reg.cap ? n->reg.pages[i] : 0;
		r = p ? fn(page_ptr(p), arg) : -ENODATA;
	}
	if (own)
		rw_write_unlock(&v->lock);
	else
		rw_read_unlock(&v->lock);
	return r;
}

/* A memfd's seals against writing, or growing to end (lock held). */
static bool sealed(const struct vnode *v, uint64_t end)
{
	return (v->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) ||
	       ((v->seals & F_SEAL_GROW) && end > v->size);
}

long ramfs_file_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct ramfs_node *n = node_of(f->vnode);
	uint64_t off = *pos;
	long done = 0;

	rw_read_lock(&n->v.lock);
	while (u->resid && off < n->v.size) {
		size_t i = off / PAGE_SIZE, poff = off % PAGE_SIZE;
		size_t chunk = MIN(MIN(PAGE_SIZE - poff, u->resid), n->v.size - off);
		size_t before = u->resid;
		uintptr_t p = i < n->reg.cap ? n->reg.pages[i] : 0;
		int err =
			p ? uio_copy_out(u, (char *)page_ptr(p) + poff, chunk) : uio_zero(u, chunk);
		/* On a fault, what reached the application still counts, as on Linux. */
		off += before - u->resid;
		done += before - u->resid;
		if (err) {
			done = done ? done : err;
			break;
		}
	}
	rw_read_unlock(&n->v.lock);
	if (done > 0)
		*pos = off;
	return done;
}

static long write_pages(struct ramfs_node *n, struct uio *u, uint64_t off)
{
	long done = 0;

	while (u->resid) {
		size_t i = off / PAGE_SIZE, poff = off % PAGE_SIZE;
		size_t chunk = MIN(PAGE_SIZE - poff, u->resid);
		char *page = writable_page(n, i);
		size_t before = u->resid;
		int err = page ? uio_copy_in(u, page + poff, chunk) : -ENOSPC;
		/* On a fault, what came from the application is written, as on Linux. */
		off += before - u->resid;
		done += before - u->resid;
		if (err)
			return done ? done : err;
	}
	return done;
}

long ramfs_file_write(struct file *f, struct uio *u, uint64_t *pos)
{
	struct ramfs_node *n = node_of(f->vnode);
	uint64_t off;
	long done;

	rw_write_lock(&n->v.lock);
	off = (f->flags & O_APPEND) ? n->v.size : *pos;
	if (off > INT64_MAX || u->resid > INT64_MAX - off)
		done = -EFBIG;
	else if (sealed(&n->v, off + u->resid))
		done = -EPERM;
	else
		done = ensure_cap(n, (off + u->resid + PAGE_SIZE - 1) / PAGE_SIZE);
	if (!done && u->resid)
		done = write_pages(n, u, off);
	if (done > 0) {
		off += done;
		n->v.size = MAX(n->v.size, off);
		n->v.mtime = n->v.ctime = vfs_now();
		update_blocks(n);
		*pos = off;
	}
	rw_write_unlock(&n->v.lock);
	return done;
}

int ramfs_fill(struct vnode *v, const void *data, size_t size, bool borrow)
{
	struct ramfs_node *n = node_of(v);
	const char *src = data;
	int err;

	borrow = borrow && IS_ALIGNED((uintptr_t)data, PAGE_SIZE);
	rw_write_lock(&v->lock);
	err = ensure_cap(n, (size + PAGE_SIZE - 1) / PAGE_SIZE);
	for (size_t off = 0; !err && off < size; off += PAGE_SIZE) {
		size_t i = off / PAGE_SIZE, chunk = MIN(PAGE_SIZE, size - off);
		if (borrow && chunk == PAGE_SIZE) {
			n->reg.pages[i] = (uintptr_t)(src + off) | PAGE_BORROWED;
			n->reg.npages++;
			continue;
		}
		char *page = writable_page(n, i);
		if (page)
			memcpy(page, src + off, chunk);
		else
			err = -ENOSPC;
	}
	if (!err)
		v->size = size;
	update_blocks(n);
	rw_write_unlock(&v->lock);
	return err;
}

static void ramfs_free(struct vnode *v)
{
	struct ramfs_node *n = node_of(v);

	if (S_ISREG(v->mode)) {
		for (size_t i = 0; i < n->reg.cap; i++)
			free_page_at(n, i);
		kfree(n->reg.pages);
	} else if (S_ISLNK(v->mode)) {
		kfree(n->target);
	} else if (S_ISDIR(v->mode) && n->dir.dead) {
		vnode_put(&n->dir.parent->v);
	}
	kfree(n);
}

static const struct vnode_ops ramfs_ops = {
	.lookup = ramfs_lookup,
	.create = ramfs_create_op,
	.symlink = ramfs_symlink,
	.link = ramfs_link,
	.unlink = ramfs_unlink,
	.rename = ramfs_rename,
	.readdir = ramfs_readdir,
	.name_of = ramfs_name_of,
	.readlink = ramfs_readlink,
	.truncate = ramfs_truncate,
	.map_page = ramfs_map_page,
	.free = ramfs_free,
};

static const struct file_ops ramfs_file_ops = {
	.read = ramfs_file_read,
	.write = ramfs_file_write,
	.llseek = vfs_generic_llseek,
};

/* Mounting: types, options, limits and unmounting. */

/* Remove every entry below root, deepest first, without recursion. */
static void empty_tree(struct ramfs_node *root)
{
	struct ramfs_node *d = root;

	for (;;) {
		if (list_empty(&d->dir.entries)) {
			if (d == root)
				return;
			d = d->dir.parent;
			continue;
		}
		struct ramfs_dirent *e = list_entry(d->dir.entries.next, struct ramfs_dirent, link);
		struct ramfs_node *n = e->node;
		if (S_ISDIR(n->v.mode) && !list_empty(&n->dir.entries)) {
			d = n;
			continue;
		}
		dirent_del(d, e);
		kfree(e);
		drop_link(n);
	}
}

static void ramfs_unmount(struct mount *m)
{
	empty_tree(node_of(m->root));
	vnode_put(m->root);
	kfree(m->priv);
	/* Vnodes of it that are still referenced keep pointing here: the struct stays. */
}

static int ramfs_statfs(struct mount *m, struct statfs *st)
{
	struct ramfs_sb *sb = m->priv;
	uint64_t used = READ_ONCE(sb->used_pages);

	if (!sb->max_pages) /* no limit: the VFS reported what memory holds */
		return 0;
	st->f_blocks = sb->max_pages;
	st->f_bfree = st->f_bavail = sb->max_pages > used ? sb->max_pages - used : 0;
	return 0;
}

static int ramfs_show_options(struct mount *m, char *buf, size_t size)
{
	struct ramfs_sb *sb = m->priv;
	int n = 0;

	if (sb->max_pages)
		n = snprintf(buf, size, ",size=%luk", sb->max_pages * (PAGE_SIZE / 1024));
	if (n >= 0 && (size_t)n < size)
		n += snprintf(buf + n, size - n, ",mode=%o", node_of(m->root)->v.mode & S_IALLUGO);
	return n;
}

static const struct mount_ops ramfs_mount_ops = {
	.statfs = ramfs_statfs,
	.unmount = ramfs_unmount,
	.show_options = ramfs_show_options,
};

/* A size as tmpfs takes it: bytes with k, m or g, or a % of RAM. */
static int tmpfs_parse_size(const char *s, size_t len, uint64_t *pages)
{
	char num[32];
	unsigned long long n;
	bool percent = len && s[len - 1] == '%';

	if (len >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, len);
	num[len - percent] = 0;
	if (percent ? parse_u64(num, &n) || n > 100 : parse_size(num, &n))
		return -EINVAL;
	if (percent)
		n = pages_total_count() * PAGE_SIZE / 100 * n;
	*pages = (n + PAGE_SIZE - 1) / PAGE_SIZE;
	return 0;
}

static int parse_mode(const char *s, size_t len, unsigned int *mode)
{
	unsigned int m = 0;

	if (!len)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '7' || m > 07777)
			return -EINVAL;
		m = m * 8 + (unsigned int)(s[i] - '0');
	}
	*mode = m & S_IALLUGO;
	return 0;
}

/* One option of "size=64m,mode=1777": Linux's tmpfs names the bad one. */
static int parse_option(const char *opt, size_t len, struct ramfs_sb *sb, unsigned int *mode)
{
	const char *eq = memchr(opt, '=', len);
	size_t klen = eq ? (size_t)(eq - opt) : len;
	const char *val = eq ? eq + 1 : opt + len;
	size_t vlen = opt + len - val;
	int err = -EINVAL;

	if (klen == 4 && !memcmp(opt, "size", 4) && eq)
		err = tmpfs_parse_size(val, vlen, &sb->max_pages);
	else if (klen == 4 && !memcmp(opt, "mode", 4) && eq)
		err = parse_mode(val, vlen, mode);
	else if ((klen == 9 && !memcmp(opt, "nr_inodes", 9)) ||
		 (klen == 3 && !memcmp(opt, "uid", 3)) || (klen == 3 && !memcmp(opt, "gid", 3)) ||
		 (klen == 6 && !memcmp(opt, "inode64", 6)))
		err = 0; /* accepted, not enforced */
	if (err)
		printk("tmpfs: bad mount option '%.*s'\n", (int)len, opt);
	return err;
}

static struct mount *ramfs_mount_type(const char *fstype, uint32_t magic, bool limited,
				      const char *data)
{
	struct ramfs_sb opts = { .max_pages = limited ? pages_total_count() / 2 : 0 };
	unsigned int mode = 0755;

	for (const char *p = data; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len && parse_option(p, len, &opts, &mode))
			return ERR_PTR(-EINVAL);
		p += len + (p[len] == ',');
	}
	struct mount *m = ramfs_create(fstype, magic, mode);
	if (!m)
		return ERR_PTR(-ENOMEM);
	((struct ramfs_sb *)m->priv)->max_pages = opts.max_pages;
	return m;
}

static struct mount *tmpfs_mount(const struct fs_type *t, const char *source, unsigned int flags,
				 const char *data)
{
	return ramfs_mount_type("tmpfs", TMPFS_MAGIC, true, data);
}

static struct mount *ramfs_mount(const struct fs_type *t, const char *source, unsigned int flags,
				 const char *data)
{
	return ramfs_mount_type("ramfs", RAMFS_MAGIC, false, data);
}

static struct mount *devtmpfs_mount(const struct fs_type *t, const char *source, unsigned int flags,
				    const char *data)
{
	return ramfs_mount_type("devtmpfs", TMPFS_MAGIC, false, data);
}

FILESYSTEM(tmpfs_type) = { .name = "tmpfs", .mount = tmpfs_mount };
FILESYSTEM(ramfs_type) = { .name = "ramfs", .mount = ramfs_mount };
FILESYSTEM(devtmpfs_type) = { .name = "devtmpfs", .mount = devtmpfs_mount };
