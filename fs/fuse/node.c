/*
 * FUSE nodes: the table of nodes by the server's node id (kept after their
 * last user, with their cached pages, until there are too many), their
 * attributes (valid for as long as the server said; refreshed by stat and
 * at open, and the cached pages dropped when the file changed on the host),
 * the file handle each node keeps for its page cache's reads and writes
 * (opened for writing once the file is), truncation, setattr, fsync, and
 * the page cache's I/O: runs of consecutive pages in one READ or WRITE.
 */
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/string.h>
#include <alto/time.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include "internal.h"

static const struct file_ops fuse_file_fops;
static const struct pcache_ops fuse_pcache_ops;

static struct list *bucket(struct fuse_conn *fc, uint64_t nodeid)
{
	return &fc->nodes[nodeid % FUSE_HASH];
}

static void set_ops(struct fuse_node *n)
{
	uint32_t mode = n->v.mode;

	if (S_ISREG(mode)) {
		n->v.ops = &fuse_file_vops;
		n->v.fops = &fuse_file_fops;
	} else if (S_ISDIR(mode)) {
		n->v.ops = &fuse_dir_vops;
		n->v.fops = &vfs_dir_fops;
	} else if (S_ISLNK(mode)) {
		n->v.ops = &fuse_link_vops;
	} else {
		n->v.ops = &fuse_special_vops;
	}
}

static uint64_t decode_dev(uint32_t x)
{
	return makedev_linux((x & 0xfff00) >> 8, (x & 0xff) | ((x >> 12) & 0xfff00));
}

/*
 * Take the server's attributes (v's lock held, or v not yet shared). While
 * pages written here wait to go to the host, the size and times they gave
 * the file are the ones that hold.
 */
static void take_attr(struct fuse_node *n, const struct fuse_attr *a, bool local_data)
{
	struct vnode *v = &n->v;

	v->ino = a->ino;
	v->mode = a->mode;
	v->nlink = a->nlink;
	v->uid = a->uid;
	v->gid = a->gid;
	v->blocks = a->blocks;
	v->rdev = S_ISCHR(a->mode) || S_ISBLK(a->mode) ? decode_dev(a->rdev) : 0;
	v->atime = (struct timespec){ (int64_t)a->atime, a->atimensec };
	if (local_data)
		return;
	v->size = a->size;
	v->mtime = (struct timespec){ (int64_t)a->mtime, a->mtimensec };
	v->ctime = (struct timespec){ (int64_t)a->ctime, a->ctimensec };
}

/* The file changed on the host since its pages were read: they go. */
static bool changed(const struct vnode *v, const struct fuse_attr *a)
{
	return S_ISREG(v->mode) && (v->size != a->size || v->mtime.tv_sec != (int64_t)a->mtime ||
				    v->mtime.tv_nsec != (long)a->mtimensec);
}

void fuse_set_attr(struct fuse_node *n, const struct fuse_attr *attr, uint64_t expires)
{
	struct vnode *v = &n->v;
	bool stale;

	rw_write_lock(&v->lock);
	bool dirty = pcache_has_dirty(v);
	stale = !dirty && changed(v, attr);
	take_attr(n, attr, dirty);
	n->attr_expires = expires;
	rw_write_unlock(&v->lock);
	if (stale)
		pcache_invalidate(v);
}

struct fuse_node *fuse_node_get(struct fuse_conn *fc, uint64_t nodeid, const struct fuse_attr *attr,
				uint64_t expires)
{
	struct list *l;

	mutex_lock(&fc->lock);
	list_for_each(l, bucket(fc, nodeid)) {
		struct fuse_node *n = list_entry(l, struct fuse_node, hash_link);
		if (n->nodeid == nodeid) {
			vnode_get(&n->v);
			if (n->unused) {
				n->unused = false;
				fc->nunused--;
			}
			n->nlookup++;
			mutex_unlock(&fc->lock);
			fuse_set_attr(n, attr, expires);
			return n;
		}
	}
	struct fuse_node *n = kzalloc(sizeof(*n));
	if (!n || pcache_init(&n->v, &fuse_pcache_ops)) {
		mutex_unlock(&fc->lock);
		kfree(n);
		return ERR_PTR(-ENOMEM);
	}
	struct pcache *pc = n->v.pcache;
	vnode_init(&n->v, &fc->mount, &fuse_special_vops, attr->mode);
	n->v.pcache = pc;
	n->fc = fc;
	n->nodeid = nodeid;
	n->nlookup = 1;
	mutex_init(&n->fh_lock);
	take_attr(n, attr, false);
	n->attr_expires = expires;
	set_ops(n);
	list_append(bucket(fc, nodeid), &n->hash_link);
	fc->nnodes++;
	mutex_unlock(&fc->lock);
	return n;
}

struct fuse_node *fuse_node_find(struct fuse_conn *fc, uint64_t nodeid)
{
	struct fuse_node *found = NULL;
	struct list *l;

	mutex_lock(&fc->lock);
	list_for_each(l, bucket(fc, nodeid)) {
		struct fuse_node *n = list_entry(l, struct fuse_node, hash_link);
		if (n->nodeid == nodeid) {
			vnode_get(&n->v);
			if (n->unused) {
				n->unused = false;
				fc->nunused--;
			}
			found = n;
			break;
		}
	}
	mutex_unlock(&fc->lock);
	return found;
}

struct fuse_node *fuse_node_from_entry(struct fuse_conn *fc, const struct fuse_entry_out *e)
{
	return fuse_node_get(fc, e->nodeid, &e->attr,
			     fuse_valid_ns(e->attr_valid, e->attr_valid_nsec));
}

int fuse_refresh(struct fuse_node *n, bool force)
{
	if (!force && READ_ONCE(n->attr_expires) > time_now_ns())
		return 0;
	struct fuse_attr_out out;
	struct fuse_getattr_in in = { 0 };
	struct fuse_args a = { .opcode = FUSE_GETATTR,
			       .nodeid = n->nodeid,
			       .in = { { &in, sizeof(in) } },
			       .nin = 1,
			       .out = &out,
			       .out_len = sizeof(out) };
	long r = fuse_send(n->fc, &a);

	if (r < 0)
		return (int)r;
	fuse_set_attr(n, &out.attr, fuse_valid_ns(out.attr_valid, out.attr_valid_nsec));
	return 0;
}

static void release(struct fuse_node *n, uint32_t opcode, uint64_t fh)
{
	struct fuse_release_in in = { .fh = fh };
	struct fuse_args a = {
		.opcode = opcode, .nodeid = n->nodeid, .in = { { &in, sizeof(in) } }, .nin = 1
	};

	fuse_send(n->fc, &a);
}

/*
 * A node nobody uses keeps its pages but not its handles: as with Linux's
 * release at the last close, the host may free a file removed meanwhile.
 * What is dirty (written through a mapping) goes first.
 */
static void close_handles(struct fuse_node *n)
{
	if (pcache_has_dirty(&n->v))
		pcache_writeback(&n->v);
	mutex_lock(&n->fh_lock);
	if (READ_ONCE(n->v.refs) == 0) {
		if (n->has_fh)
			release(n, FUSE_RELEASE, n->fh);
		if (n->has_dir_fh)
			release(n, FUSE_RELEASEDIR, n->dir_fh);
		n->has_fh = n->has_dir_fh = false;
	}
	mutex_unlock(&n->fh_lock);
}

/* Let a node go: its dirty pages written, its handles closed, the server told. */
static void destroy(struct fuse_node *n)
{
	if (pcache_has_dirty(&n->v))
		pcache_writeback(&n->v);
	if (n->has_fh)
		release(n, FUSE_RELEASE, n->fh);
	if (n->has_dir_fh)
		release(n, FUSE_RELEASEDIR, n->dir_fh);
	fuse_forget(n->fc, n->nodeid, n->nlookup);
	pcache_destroy(&n->v);
	kfree(n);
}

/*
 * The last user went: the node stays cached, unless too many nodes are
 * unused, when this one is let go. A lookup may have revived it by the time
 * the lock is ours.
 */
static void fuse_free(struct vnode *v)
{
	struct fuse_node *n = FN(v);
	struct fuse_conn *fc = n->fc;
	bool drop = false;

	mutex_lock(&fc->lock);
	bool idle = READ_ONCE(v->refs) == 0 && !n->unused;
	if (idle) {
		/* A removed file goes at once: the server's hold on it keeps its space. */
		drop = fc->nunused >= FUSE_MAX_CACHED || v->nlink == 0;
		if (drop) {
			list_remove(&n->hash_link);
			fc->nnodes--;
		} else {
			n->unused = true;
			fc->nunused++;
		}
	}
	mutex_unlock(&fc->lock);
	if (drop)
		destroy(n);
	else if (idle)
		close_handles(n);
}

void fuse_nodes_drop(struct fuse_conn *fc)
{
	for (int i = 0; i < FUSE_HASH; i++) {
		while (!list_empty(&fc->nodes[i])) {
			struct fuse_node *n =
				list_first_entry(&fc->nodes[i], struct fuse_node, hash_link);
			list_remove(&n->hash_link);
			destroy(n);
		}
	}
}

bool fuse_nodes_busy(struct fuse_conn *fc)
{
	bool busy = false;
	struct list *l;

	mutex_lock(&fc->lock);
	for (int i = 0; i < FUSE_HASH && !busy; i++) {
		list_for_each(l, &fc->nodes[i]) {
			struct fuse_node *n = list_entry(l, struct fuse_node, hash_link);
			if (&n->v != fc->mount.root && READ_ONCE(n->v.refs) > 0)
				busy = true;
		}
	}
	mutex_unlock(&fc->lock);
	return busy;
}

/*
 * The node's handle for its cache's I/O: opened read-only at first need,
 * again for writing when a writer comes (the read-only one then closed).
 */
static int file_handle(struct fuse_node *n, bool write, uint64_t *fh)
{
	int err = 0;

	mutex_lock(&n->fh_lock);
	if (!n->has_fh || (write && !n->fh_writable)) {
		struct fuse_open_in in = { .flags = write ? O_RDWR : O_RDONLY };
		struct fuse_open_out out;
		struct fuse_args a = { .opcode = FUSE_OPEN,
				       .nodeid = n->nodeid,
				       .in = { { &in, sizeof(in) } },
				       .nin = 1,
				       .out = &out,
				       .out_len = sizeof(out) };
		long r = fuse_send(n->fc, &a);
		if (r == -EACCES && write) { /* a file one may write but not read */
			in.flags = O_WRONLY;
			r = fuse_send(n->fc, &a);
		}
		if (r < 0) {
			err = (int)r;
		} else {
			if (n->has_fh)
				release(n, FUSE_RELEASE, n->fh);
			n->fh = out.fh;
			n->has_fh = true;
			n->fh_writable = write;
		}
	}
	*fh = n->fh;
	mutex_unlock(&n->fh_lock);
	return err;
}

/* Opening a file: fresh attributes (the host may have changed it) and a handle that fits. */
static int fuse_open(struct file *f)
{
	struct fuse_node *n = FN(f->vnode);
	uint64_t fh;
	int err = fuse_refresh(n, true);

	if (!err)
		err = file_handle(n, file_writable(f), &fh);
	return err;
}

/*
 * Only the sectors of a page that were written go to the host (a byte
 * written into a hole must not fill the rest of the page's with zeros
 * there): each run of them is a WRITE of its own.
 */
static int write_sectors(struct fuse_node *fn, uint64_t fh, struct pcache_io *io)
{
	for (uint32_t s = 0; s < io->len;) {
		if (!(io->mask >> (s / 512) & 1)) {
			s += 512;
			continue;
		}
		uint32_t end = s;
		while (end < io->len && (io->mask >> (end / 512) & 1))
			end = MIN(end + 512, (uint32_t)io->len);
		struct fuse_write_in in = { .fh = fh,
					    .offset = io->index * PAGE_SIZE + s,
					    .size = end - s };
		struct fuse_write_out out;
		char *data = kmalloc(end - s);
		if (!data)
			return -ENOMEM;
		memcpy(data, (char *)io->page + s, end - s);
		struct fuse_args a = { .opcode = FUSE_WRITE,
				       .nodeid = fn->nodeid,
				       .in = { { &in, sizeof(in) }, { data, end - s } },
				       .nin = 2,
				       .out = &out,
				       .out_len = sizeof(out) };
		long r = fuse_send(fn->fc, &a);
		kfree(data);
		if (r < 0)
			return (int)r;
		if (out.size != end - s)
			return -EIO;
		s = end;
	}
	return 0;
}

/* Runs of consecutive whole pages go in one request each, up to max_io bytes. */
static int transfer(struct vnode *v, struct pcache_io *io, int n, bool write)
{
	struct fuse_node *fn = FN(v);
	struct fuse_conn *fc = fn->fc;
	uint64_t fh;
	int err = file_handle(fn, write, &fh);

	for (int i = 0; !err && i < n;) {
		if (write && io[i].mask != 0xff) {
			err = write_sectors(fn, fh, &io[i++]);
			continue;
		}
		int run = 1;
		while (i + run < n && io[i + run].index == io[i].index + run &&
		       (uint64_t)(run + 1) * PAGE_SIZE <= fc->max_io &&
		       (!write || (io[i + run - 1].len == PAGE_SIZE && io[i + run].mask == 0xff)))
			run++;
		uint32_t bytes = write ? (uint32_t)((run - 1) * PAGE_SIZE + io[i + run - 1].len) :
					 (uint32_t)(run * PAGE_SIZE);
		struct fuse_read_in rin = { .fh = fh,
					    .offset = io[i].index * PAGE_SIZE,
					    .size = bytes };
		struct fuse_write_in win = { .fh = fh,
					     .offset = io[i].index * PAGE_SIZE,
					     .size = bytes };
		struct fuse_write_out wout;
		struct fuse_args a = { .opcode = write ? FUSE_WRITE : FUSE_READ,
				       .nodeid = fn->nodeid,
				       .nin = 1,
				       .pages = io + i,
				       .npages = (unsigned int)run,
				       .data_len = bytes,
				       .pages_out = !write };
		a.in[0] = write ? (struct fuse_seg){ &win, sizeof(win) } :
				  (struct fuse_seg){ &rin, sizeof(rin) };
		if (write) {
			a.out = &wout;
			a.out_len = sizeof(wout);
		}
		long r = fuse_send(fc, &a);
		if (r < 0) {
			err = (int)r;
		} else if (write && wout.size != bytes) {
			err = -EIO;
		} else if (!write) {
			/* A short read ends at the end of the file: the rest is zeros. */
			for (int k = 0; k < run; k++) {
				uint64_t got = (uint64_t)r > (uint64_t)k * PAGE_SIZE ?
						       (uint64_t)r - (uint64_t)k * PAGE_SIZE :
						       0;
				if (got < PAGE_SIZE)
					memset((char *)io[i + k].page + got, 0, PAGE_SIZE - got);
			}
		}
		i += run;
	}
	return err;
}

static int fuse_read_pages(struct vnode *v, struct pcache_io *io, int n)
{
	return transfer(v, io, n, false);
}

static int fuse_write_pages(struct vnode *v, struct pcache_io *io, int n)
{
	return transfer(v, io, n, true);
}

static const struct pcache_ops fuse_pcache_ops = {
	.read_pages = fuse_read_pages,
	.write_pages = fuse_write_pages,
};

static int setattr_req(struct fuse_node *n, struct fuse_setattr_in *in)
{
	struct fuse_attr_out out;
	struct fuse_args a = { .opcode = FUSE_SETATTR,
			       .nodeid = n->nodeid,
			       .in = { { in, sizeof(*in) } },
			       .nin = 1,
			       .out = &out,
			       .out_len = sizeof(out) };
	long r = fuse_send(n->fc, &a);

	if (r < 0)
		return (int)r;
	fuse_set_attr(n, &out.attr, fuse_valid_ns(out.attr_valid, out.attr_valid_nsec));
	return 0;
}

static int fuse_setattr(struct vnode *v, const struct vattr *va)
{
	struct fuse_setattr_in in = { 0 };

	if (va->mask & VA_MODE) {
		in.valid |= FATTR_MODE;
		in.mode = (v->mode & S_IFMT) | va->mode;
	}
	if (va->mask & VA_UID) {
		in.valid |= FATTR_UID;
		in.uid = va->uid;
	}
	if (va->mask & VA_GID) {
		in.valid |= FATTR_GID;
		in.gid = va->gid;
	}
	if (va->mask & VA_ATIME) {
		in.valid |= FATTR_ATIME;
		in.atime = (uint64_t)va->atime.tv_sec;
		in.atimensec = (uint32_t)va->atime.tv_nsec;
	}
	if (va->mask & VA_MTIME) {
		in.valid |= FATTR_MTIME;
		in.mtime = (uint64_t)va->mtime.tv_sec;
		in.mtimensec = (uint32_t)va->mtime.tv_nsec;
	}
	return setattr_req(FN(v), &in);
}

static int fuse_truncate(struct vnode *v, uint64_t size)
{
	struct fuse_node *n = FN(v);
	struct fuse_setattr_in in = { .valid = FATTR_SIZE, .size = size };

	/* Pages written back first: what is past the end must not come back later. */
	int err = pcache_writeback(v);
	if (err)
		return err;
	rw_write_lock(&v->lock);
	if (size < v->size)
		pcache_truncate(v, size);
	rw_write_unlock(&v->lock);
	err = setattr_req(n, &in);
	if (!err) {
		/* The tail of the last page (zeroed, so dirty) kept the old size from the reply. */
		rw_write_lock(&v->lock);
		v->size = size;
		rw_write_unlock(&v->lock);
	}
	return err;
}

/*
 * Writes go through to the host before write() returns, as Linux's
 * virtio-fs does by default: the host's view (sizes, blocks, times, free
 * space) is right at once, and a host that reads the file sees the data.
 * Pages written through a shared mapping go at msync, fsync or by the
 * flusher.
 */
static long fuse_file_write(struct file *f, struct uio *u, uint64_t *pos)
{
	struct vnode *v = f->vnode;
	long n = pcache_write(f, u, pos);

	if (n > 0) {
		int err = pcache_writeback(v);
		WRITE_ONCE(FN(v)->attr_expires, 0);
		if (err)
			return err;
	}
	return n;
}

static int fuse_fsync(struct vnode *v, bool datasync)
{
	struct fuse_node *n = FN(v);
	int err = pcache_writeback(v);

	if (err || !n->has_fh || S_ISDIR(v->mode))
		return err;
	struct fuse_fsync_in in = { .fh = n->fh,
				    .fsync_flags = datasync ? FUSE_FSYNC_FDATASYNC : 0 };
	struct fuse_args a = {
		.opcode = FUSE_FSYNC, .nodeid = n->nodeid, .in = { { &in, sizeof(in) } }, .nin = 1
	};
	long r = fuse_send(n->fc, &a);
	return r == -ENOSYS ? 0 : (int)MIN(r, 0l);
}

static int fuse_getattr(struct vnode *v)
{
	return fuse_refresh(FN(v), false);
}

static long fuse_readlink(struct vnode *v, char *buf, size_t size)
{
	char *target = kmalloc(PAGE_SIZE);
	struct fuse_args a = { .opcode = FUSE_READLINK,
			       .nodeid = FN(v)->nodeid,
			       .var = target,
			       .var_len = PAGE_SIZE };

	if (!target)
		return -ENOMEM;
	long r = fuse_send(FN(v)->fc, &a);
	if (r >= 0) {
		r = MIN((size_t)r, size);
		memcpy(buf, target, (size_t)r);
	}
	kfree(target);
	return r;
}

/* Extended attributes go to the host as they are. */
static long xattr_get(struct vnode *v, uint32_t opcode, const char *name, void *buf, size_t size)
{
	struct fuse_getxattr_in in = { .size = (uint32_t)MIN(size, (size_t)65536) };
	struct fuse_getxattr_out out;
	void *value = in.size ? kmalloc(in.size) : NULL;
	struct fuse_args a = {
		.opcode = opcode, .nodeid = FN(v)->nodeid, .in = { { &in, sizeof(in) } }, .nin = 1
	};

	if (in.size && !value)
		return -ENOMEM;
	if (name)
		a.in[a.nin++] = (struct fuse_seg){ (void *)name, (uint32_t)strlen(name) + 1 };
	if (in.size) {
		a.var = value;
		a.var_len = in.size;
	} else {
		a.out = &out;
		a.out_len = sizeof(out);
	}
	long r = fuse_send(FN(v)->fc, &a);
	if (r >= 0 && in.size)
		memcpy(buf, value, (size_t)r);
	else if (r >= 0)
		r = out.size;
	kfree(value);
	return r == -ENOSYS ? -EOPNOTSUPP : r;
}

static long fuse_getxattr(struct vnode *v, const char *name, void *buf, size_t size)
{
	return xattr_get(v, FUSE_GETXATTR, name, buf, size);
}

static long fuse_listxattr(struct vnode *v, char *buf, size_t size)
{
	return xattr_get(v, FUSE_LISTXATTR, NULL, buf, size);
}

static int fuse_setxattr(struct vnode *v, const char *name, const void *value, size_t size,
			 int flags)
{
	struct fuse_setxattr_in in = { .size = (uint32_t)size, .flags = (uint32_t)flags };
	struct fuse_args a = { .opcode = FUSE_SETXATTR,
			       .nodeid = FN(v)->nodeid,
			       .in = { { &in, sizeof(in) },
				       { (void *)name, (uint32_t)strlen(name) + 1 },
				       { (void *)value, (uint32_t)size } },
			       .nin = 3 };
	long r = fuse_send(FN(v)->fc, &a);

	return r == -ENOSYS ? -EOPNOTSUPP : (int)MIN(r, 0l);
}

static int fuse_removexattr(struct vnode *v, const char *name)
{
	struct fuse_args a = { .opcode = FUSE_REMOVEXATTR,
			       .nodeid = FN(v)->nodeid,
			       .in = { { (void *)name, (uint32_t)strlen(name) + 1 } },
			       .nin = 1 };
	long r = fuse_send(FN(v)->fc, &a);

	return r == -ENOSYS ? -EOPNOTSUPP : (int)MIN(r, 0l);
}

static const struct file_ops fuse_file_fops = {
	.open = fuse_open,
	.read = pcache_read,
	.write = fuse_file_write,
	.llseek = vfs_generic_llseek,
};

#define XATTR_OPS                                                                          \
	.getxattr = fuse_getxattr, .listxattr = fuse_listxattr, .setxattr = fuse_setxattr, \
	.removexattr = fuse_removexattr

const struct vnode_ops fuse_file_vops = {
	.truncate = fuse_truncate,
	.map_page = pcache_map_page,
	.getattr = fuse_getattr,
	.setattr = fuse_setattr,
	.fsync = fuse_fsync,
	.free = fuse_free,
	XATTR_OPS,
};

const struct vnode_ops fuse_dir_vops = {
	.lookup = fuse_lookup,
	.create = fuse_create,
	.symlink = fuse_symlink,
	.link = fuse_link,
	.unlink = fuse_unlink,
	.rename = fuse_rename,
	.readdir = fuse_readdir,
	.name_of = fuse_name_of,
	.getattr = fuse_getattr,
	.setattr = fuse_setattr,
	.fsync = fuse_fsync,
	.free = fuse_free,
	XATTR_OPS,
};

const struct vnode_ops fuse_link_vops = {
	.readlink = fuse_readlink,
	.getattr = fuse_getattr,
	.setattr = fuse_setattr,
	.free = fuse_free,
	XATTR_OPS,
};

const struct vnode_ops fuse_special_vops = {
	.getattr = fuse_getattr,
	.setattr = fuse_setattr,
	.free = fuse_free,
	XATTR_OPS,
};
