/*
 * Unpacking the initrd (cpio newc) into the root. The archive is checked
 * whole first, so a damaged one leaves the root untouched. Entries keep the
 * archive's mode, owner and mtime (missing parents get 0755); page-aligned
 * file data is borrowed in place, as the initrd stays in memory.
 *
 * The boot does not create the files: one pass over the headers indexes the
 * archive by path (a hash table; a later entry replaces an earlier one, as
 * when unpacking), and each ramfs directory is filled from its index entry
 * the first time anything reads or changes it (initrd_populate), so an
 * image of 5,000 files costs the boot one pass, and a program pays only for
 * the directories it opens. What the index cannot say exactly (names with
 * "." or "..", a path through a symlink of the image, a file and a
 * directory at one path) is unpacked as before, entry by entry through the
 * VFS, with directory times set last; so are entries under a directory the
 * root already has (/dev and /tmp are mounted before the unpacking).
 */
#include <alto/boot.h>
#include <alto/cpio.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/string.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include "internal.h"

/* 0 with the number of entries in *n, or -EINVAL with one line saying why. */
static int check_archive(const void *data, size_t size, size_t *n)
{
	struct cpio_entry e;
	size_t off = 0, last = 0;
	int r;

	for (*n = 0; (r = cpio_next(data, size, &off, &e)) == 1; ++*n)
		last = off;
	if (r < 0) {
		printk("initrd: malformed cpio archive (bad or truncated entry at offset %zu of %zu)\n",
		       last, size);
		return -EINVAL;
	}
	/* Only padding may follow the trailer: more would be lost without a word. */
	for (size_t i = off; i < size; i++) {
		if (((const char *)data)[i]) {
			printk("initrd: the cpio archive ends at byte %zu of %zu, before data that "
			       "would not be read\n",
			       off, size);
			return -EINVAL;
		}
	}
	return 0;
}

/* "/name" without "./" or "/" in front; false for the root itself. */
static bool entry_path(const struct cpio_entry *e, char *path)
{
	const char *name = e->name;
	size_t len = e->namelen;

	while (len && (name[0] == '/' || (name[0] == '.' && (len == 1 || name[1] == '/')))) {
		name++;
		len--;
	}
	if (!len || len > PATH_MAX - 2)
		return false;
	path[0] = '/';
	memcpy(path + 1, name, len);
	path[len + 1] = 0;
	return true;
}

static int make_parents(char *path)
{
	for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = 0;
		int err = vfs_mkdir(NULL, path, 0755);
		*p = '/';
		if (err && err != -EEXIST)
			return err;
	}
	return 0;
}

static void set_attrs(const char *path, const struct cpio_entry *e, bool times)
{
	struct timespec t[2] = { { e->mtime, 0 }, { e->mtime, 0 } };
	struct vnode *v;

	if (vfs_lookup(NULL, path, 0, &v))
		return;
	vfs_chown(v, e->uid, e->gid);
	if (!S_ISLNK(v->mode) && v != v->mount->root)
		vfs_chmod(v, e->mode);
	if (times)
		vfs_utimes(v, t);
	vnode_put(v);
}

static int unpack_file(const char *path, const struct cpio_entry *e)
{
	struct file *f;
	long err;

	vfs_unlink(NULL, path); /* a later entry replaces an earlier one */
	f = vfs_open_kernel(path, O_WRONLY | O_CREAT | O_EXCL, e->mode & S_IALLUGO);
	if (IS_ERR(f))
		return (int)PTR_ERR(f);
	if (vnode_is_ramfs(f->vnode))
		err = ramfs_fill(f->vnode, e->data, e->size, true);
	else
		err = vfs_pwrite(f, e->data, e->size, 0);
	file_put(f);
	return err < 0 ? (int)err : 0;
}

static int unpack_symlink(const char *path, const struct cpio_entry *e)
{
	char *target;
	int err;

	if (!e->size || e->size >= PATH_MAX)
		return -EINVAL;
	target = kmalloc(e->size + 1);
	if (!target)
		return -ENOMEM;
	memcpy(target, e->data, e->size);
	target[e->size] = 0;
	vfs_unlink(NULL, path);
	err = vfs_symlink(target, NULL, path);
	kfree(target);
	return err;
}

/* Where the kernel mounts its own file systems: only a directory may be there. */
static const char *const mount_points[] = { "/dev", "/tmp", "/proc", "/sys" };

static int check_mount_point(const struct cpio_entry *e, const char *path)
{
	for (size_t i = 0; i < ARRAY_SIZE(mount_points); i++) {
		if (strcmp(path, mount_points[i]) || (e->mode & CPIO_S_IFMT) == CPIO_S_IFDIR)
			continue;
		printk("initrd: the image has a file at %s, where Alto mounts a file system; "
		       "only a directory can be there\n",
		       path);
		return -ENOTDIR;
	}
	return 0;
}

static int unpack_entry(const struct cpio_entry *e, char *path)
{
	int err;

	if (!entry_path(e, path))
		return 0;
	err = check_mount_point(e, path);
	if (err)
		return err;
	err = make_parents(path);
	if (err)
		return err;
	switch (e->mode & CPIO_S_IFMT) {
	case CPIO_S_IFDIR:
		err = vfs_mkdir(NULL, path, e->mode & S_IALLUGO);
		if (err == -EEXIST)
			err = 0;
		break;
	case CPIO_S_IFREG:
		err = unpack_file(path, e);
		break;
	case CPIO_S_IFLNK:
		err = unpack_symlink(path, e);
		break;
	default:
		return 0; /* devices and FIFOs: /dev is devfs */
	}
	if (!err)
		set_attrs(path, e, (e->mode & CPIO_S_IFMT) != CPIO_S_IFDIR);
	return err;
}

/*
 * The old way, for what the index leaves out: the entries at the offsets
 * of only (every entry when only is NULL) through the VFS; then, once
 * nothing more changes them, the directories' times.
 */
static int unpack_eager(const void *data, size_t size, const size_t *only, size_t n)
{
	char *path = kmalloc(PATH_MAX);
	struct cpio_entry e;
	int err = 0;

	if (!path)
		return -ENOMEM;
	for (int pass = 0; pass < 2 && !err; pass++) {
		size_t off = 0;
		for (size_t i = 0; !err && (!only || i < n); i++) {
			if (only)
				off = only[i];
			if (cpio_next(data, size, &off, &e) != 1)
				break;
			if (pass == 0)
				err = unpack_entry(&e, path);
			else if ((e.mode & CPIO_S_IFMT) == CPIO_S_IFDIR && entry_path(&e, path))
				set_attrs(path, &e, true);
			if (err)
				printk("initrd: cannot unpack %s: error %d\n", path, err);
		}
	}
	kfree(path);
	return err;
}

/* The index: one entry per path of the archive, and the directories it implies. */

#define IMPLICIT SIZE_MAX /* the offset of a directory no entry of the archive names */

enum kind {
	KIND_DIR,
	KIND_FILE,
	KIND_LINK,
	KIND_OTHER
};

struct initrd_entry {
	struct initrd_entry *hnext;	       /* in its hash bucket */
	struct initrd_entry *sibling;	       /* in its directory, in archive order */
	struct initrd_entry *children, **tail; /* a directory's */
	struct initrd_index *ix;
	const char *path; /* in the archive, without "/" or "./" in front */
	uint32_t len, hash;
	size_t off;			 /* of its cpio entry */
	unsigned int nentries, nsubdirs; /* a directory's live children */
	uint8_t kind;
	bool dead;  /* replaced by a later entry */
	bool eager; /* a directory the root had already: unpacked the old way */
};

struct initrd_index {
	const char *data;
	size_t size;
	struct initrd_entry *entries, **buckets, root;
	size_t nentries, cap, mask; /* cap: room in entries */
	size_t *eager, neager;	    /* offsets of the entries unpacked the old way */
	size_t lazy;		    /* directories still to fill: the index goes with the last */
};

static uint32_t hash_path(const char *p, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)p[i]) * 16777619u;
	return h;
}

static struct initrd_entry *find_path(struct initrd_index *ix, const char *p, size_t len,
				      uint32_t h)
{
	if (!len)
		return &ix->root;
	for (struct initrd_entry *e = ix->buckets[h & ix->mask]; e; e = e->hnext) {
		if (e->hash == h && e->len == len && !memcmp(e->path, p, len))
			return e;
	}
	return NULL;
}

static void add_child(struct initrd_entry *dir, struct initrd_entry *e)
{
	*dir->tail = e;
	dir->tail = &e->sibling;
	dir->nentries++;
	if (e->kind == KIND_DIR)
		dir->nsubdirs++;
}

static struct initrd_entry *new_entry(struct initrd_index *ix, const char *p, size_t len,
				      uint32_t h, enum kind kind, size_t off)
{
	struct initrd_entry *e;

	if (ix->nentries == ix->cap)
		return NULL; /* more implied directories than entries: the old way */
	e = &ix->entries[ix->nentries++];
	*e = (struct initrd_entry){ .ix = ix,
				    .path = p,
				    .len = (uint32_t)len,
				    .hash = h,
				    .off = off,
				    .kind = (uint8_t)kind };
	e->tail = &e->children;
	e->hnext = ix->buckets[h & ix->mask];
	ix->buckets[h & ix->mask] = e;
	return e;
}

/* Is p[0..len), a name in the root, one the root had before the unpacking (a mount point)? */
static bool under_existing(const char *p, size_t len)
{
	struct vnode *root = root_mount->root, *v;

	if (root->ops->lookup(root, p, len, &v))
		return false;
	vnode_put(v);
	return true;
}

/* The directory that holds p[0..len), made when only implied: NULL if a non-directory. */
static struct initrd_entry *parent_dir(struct initrd_index *ix, const char *p, size_t len)
{
	size_t plen = len;

	while (plen && p[plen - 1] != '/')
		plen--;
	plen = plen ? plen - 1 : 0;
	uint32_t h = hash_path(p, plen);
	struct initrd_entry *d = find_path(ix, p, plen, h);
	if (d)
		return d->kind == KIND_DIR ? d : NULL;
	struct initrd_entry *up = parent_dir(ix, p, plen);
	if (!up)
		return NULL;
	d = new_entry(ix, p, plen, h, KIND_DIR, IMPLICIT);
	if (d) {
		d->eager = up->eager || (up == &ix->root && under_existing(p, plen));
		add_child(up, d);
	}
	return d;
}

static enum kind kind_of(uint32_t mode)
{
	switch (mode & CPIO_S_IFMT) {
	case CPIO_S_IFDIR:
		return KIND_DIR;
	case CPIO_S_IFREG:
		return KIND_FILE;
	case CPIO_S_IFLNK:
		return KIND_LINK;
	default:
		return KIND_OTHER;
	}
}

/* A name the index can hold: no empty, "." or ".." component. */
static bool plain_path(const char *p, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && p[i] != '/')
			continue;
		size_t n = i - start;
		if (!n || (p[start] == '.' && (n == 1 || (n == 2 && p[start + 1] == '.'))))
			return false;
		start = i + 1;
	}
	return true;
}

/* Index one entry: 0, or -EAGAIN when only the old way does what it says. */
static int index_entry(struct initrd_index *ix, const struct cpio_entry *ce, size_t off, char *path)
{
	enum kind kind = kind_of(ce->mode);

	if (!entry_path(ce, path))
		return 0; /* the root itself */
	size_t len = ce->namelen - (size_t)(strchr(path, 0) - path - 1);
	const char *p = ce->name + len;
	len = ce->namelen - len;
	if (!memchr(p, '/', len)) {
		int err = check_mount_point(ce, path);
		if (err)
			return err;
	}
	if (!plain_path(p, len) || (kind == KIND_LINK && (!ce->size || ce->size >= PATH_MAX)))
		return -EAGAIN;
	struct initrd_entry *dir = parent_dir(ix, p, len);
	if (!dir)
		return -EAGAIN; /* a path through a symlink or file of the image */
	if (dir->eager || (dir == &ix->root && under_existing(p, len))) {
		ix->eager[ix->neager++] = off;
		return 0;
	}
	if (kind == KIND_OTHER)
		return 0; /* devices and FIFOs: /dev is devfs */
	uint32_t h = hash_path(p, len);
	struct initrd_entry *e = find_path(ix, p, len, h);
	if (e) {
		if ((e->kind == KIND_DIR) != (kind == KIND_DIR))
			return -EAGAIN; /* a file and a directory at one path */
		if (kind == KIND_DIR) {
			e->off = off; /* the last entry's attributes */
			return 0;
		}
		e->dead = true; /* replaced: the new one is listed last */
		dir->nentries--;
	}
	e = new_entry(ix, p, len, h, kind, off);
	if (!e)
		return -EAGAIN;
	add_child(dir, e);
	return 0;
}

static void free_index(struct initrd_index *ix)
{
	kfree(ix->entries);
	kfree(ix->buckets);
	kfree(ix->eager);
	kfree(ix);
}

/* The index of a checked archive of n entries: NULL for the old way, or an ERR_PTR. */
static struct initrd_index *build_index(const void *data, size_t size, size_t n)
{
	struct initrd_index *ix = kzalloc(sizeof(*ix));
	size_t nb = 16, off = 0, at = 0;
	struct cpio_entry e;
	int err = -ENOMEM;

	while (nb < 2 * n)
		nb *= 2;
	if (!ix)
		return ERR_PTR(-ENOMEM);
	*ix = (struct initrd_index){ .data = data, .size = size, .cap = 2 * n, .mask = nb - 1 };
	ix->root = (struct initrd_entry){ .ix = ix, .kind = KIND_DIR };
	ix->root.tail = &ix->root.children;
	ix->entries = kmalloc(2 * n * sizeof(*ix->entries));
	ix->buckets = kzalloc(nb * sizeof(*ix->buckets));
	ix->eager = kmalloc(n * sizeof(*ix->eager));
	char *path = kmalloc(PATH_MAX);
	if (ix->entries && ix->buckets && ix->eager && path) {
		err = 0;
		while (!err && cpio_skim(data, &off, &e)) {
			err = index_entry(ix, &e, at, path);
			at = off;
		}
	}
	kfree(path);
	if (!err)
		return ix;
	free_index(ix);
	return err == -EAGAIN ? NULL : ERR_PTR(err);
}

static void set_lazy(struct vnode *v, struct initrd_entry *d)
{
	if (!d->nentries)
		return;
	d->ix->lazy++;
	ramfs_set_lazy(v, d, d->nentries, d->nsubdirs);
}

static void set_times(struct vnode *v, uint32_t mtime)
{
	v->atime = v->mtime = (struct timespec){ mtime, 0 };
}

/* The node of one index entry, with its attributes: NULL when out of memory. */
static struct vnode *make_node(struct mount *m, struct initrd_entry *c)
{
	struct cpio_entry e;
	size_t off = c->off;
	struct vnode *v;

	if (c->off == IMPLICIT) {
		v = ramfs_new_node(m, S_IFDIR | 0755, NULL, 0);
		if (v)
			set_lazy(v, c);
		return v;
	}
	cpio_next(c->ix->data, c->ix->size, &off, &e); /* checked at boot */
	uint32_t mode = e.mode & S_IALLUGO;
	if (c->kind == KIND_DIR)
		v = ramfs_new_node(m, S_IFDIR | mode, NULL, 0);
	else if (c->kind == KIND_LINK)
		v = ramfs_new_node(m, S_IFLNK | 0777, e.data, e.size);
	else
		v = ramfs_new_node(m, S_IFREG | mode, NULL, 0);
	if (!v)
		return NULL;
	if (c->kind == KIND_FILE && ramfs_fill(v, e.data, e.size, true)) {
		vnode_put(v);
		return NULL;
	}
	if (c->kind == KIND_DIR)
		set_lazy(v, c);
	v->uid = e.uid;
	v->gid = e.gid;
	set_times(v, e.mtime);
	return v;
}

void initrd_populate(struct vnode *dir, struct initrd_entry *lazy)
{
	for (struct initrd_entry *c = lazy->children; c; c = c->sibling) {
		if (c->dead)
			continue;
		const char *name = c->path + c->len;
		while (name > c->path && name[-1] != '/')
			name--;
		struct vnode *v = make_node(dir->mount, c);
		size_t len = (size_t)(c->path + c->len - name);
		if (!v || ramfs_add_lazy_entry(dir, name, len, v))
			printk("initrd: out of memory for /%.*s: left out\n", (int)c->len, c->path);
	}
	if (!--lazy->ix->lazy)
		free_index(lazy->ix);
}

int initrd_unpack(const void *data, size_t size)
{
	struct vnode *root = root_mount->root;
	struct initrd_index *ix = NULL;
	size_t n;
	int err = check_archive(data, size, &n);

	if (err)
		return err;
	/* Only a ramfs root that no earlier archive left lazy takes an index. */
	if (vnode_is_ramfs(root) && !ramfs_is_lazy(root))
		ix = build_index(data, size, n);
	if (IS_ERR(ix))
		return (int)PTR_ERR(ix);
	if (!ix)
		return unpack_eager(data, size, NULL, 0);
	size_t *eager = ix->eager, neager = ix->neager;
	ix->eager = NULL;
	if (cmdline_has("verbose"))
		printk("initrd: %zu entries indexed, their directories filled on first use; "
		       "%zu unpacked now\n",
		       n - neager, neager);
	set_lazy(root, &ix->root);
	if (!ix->lazy)
		free_index(ix); /* everything was for the old way */
	err = neager ? unpack_eager(data, size, eager, neager) : 0;
	kfree(eager);
	return err;
}
