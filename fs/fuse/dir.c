/*
 * FUSE directories: lookups (answered from the name cache while the server's
 * entry timeout lasts, misses included), creation of every kind of file,
 * links, removal and rename (RENAME2 for its flags), each forgetting the
 * names it changes; listings through READDIR with the server's offsets as
 * positions, on a directory handle opened at first need.
 */
#include <alto/mm.h>
#include <alto/string.h>
#include <alto/time.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include "internal.h"

#define READDIR_BUF 4096

/* A miss on a read-only mount (the host's own files) is remembered this long. */
#define NEGATIVE_NS (10 * NSEC_PER_SEC)

int fuse_lookup(struct vnode *vdir, const char *name, size_t len, struct vnode **out)
{
	struct fuse_node *dir = FN(vdir), *n;
	struct fuse_conn *fc = dir->fc;
	struct fuse_entry_out e;
	uint64_t nodeid;

	if (fuse_name_cached(fc, dir->nodeid, name, len, &nodeid)) {
		if (!nodeid)
			return -ENOENT;
		/* A node still cached was looked up already: the server counted it. */
		n = fuse_node_find(fc, nodeid);
		if (n) {
			*out = &n->v;
			return 0;
		}
	}
	char *copy = kmalloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, name, len);
	copy[len] = 0;
	struct fuse_args a = { .opcode = FUSE_LOOKUP,
			       .nodeid = dir->nodeid,
			       .in = { { copy, (uint32_t)len + 1 } },
			       .nin = 1,
			       .out = &e,
			       .out_len = sizeof(e) };
	long r = fuse_send(fc, &a);
	kfree(copy);
	if (r >= 0 && !e.nodeid) {
		/* A miss the server says may be remembered. */
		fuse_name_remember(fc, dir->nodeid, name, len, 0,
				   fuse_valid_ns(e.entry_valid, e.entry_valid_nsec));
		return -ENOENT;
	}
	if (r == -ENOENT && (fc->mount.flags & MNT_RDONLY))
		fuse_name_remember(fc, dir->nodeid, name, len, 0, time_now_ns() + NEGATIVE_NS);
	if (r < 0)
		return (int)r;
	/*
	 * ".." that leads to the shared directory itself: the server may give
	 * it a node id of its own, but it is the mount's root here (or paths
	 * built upwards would go past it).
	 */
	struct vnode *root = fc->mount.root;
	if (len == 2 && name[0] == '.' && name[1] == '.' && e.nodeid != FUSE_ROOT_ID &&
	    e.attr.ino == root->ino) {
		fuse_forget(fc, e.nodeid, 1);
		vnode_get(root);
		*out = root;
		return 0;
	}
	n = fuse_node_from_entry(fc, &e);
	if (IS_ERR(n))
		return (int)PTR_ERR(n);
	fuse_name_remember(fc, dir->nodeid, name, len, e.nodeid,
			   fuse_valid_ns(e.entry_valid, e.entry_valid_nsec));
	*out = &n->v;
	return 0;
}

/* A name made here: the node from the reply's entry, and the directory's changed times. */
static int made(struct fuse_node *dir, const char *name, size_t len, struct fuse_entry_out *e,
		struct vnode **out)
{
	struct fuse_conn *fc = dir->fc;
	struct fuse_node *n = fuse_node_from_entry(fc, e);

	if (IS_ERR(n))
		return (int)PTR_ERR(n);
	fuse_name_remember(fc, dir->nodeid, name, len, e->nodeid,
			   fuse_valid_ns(e->entry_valid, e->entry_valid_nsec));
	WRITE_ONCE(dir->attr_expires, 0);
	if (out)
		*out = &n->v;
	else
		vnode_put(&n->v);
	return 0;
}

/* The name as the server takes it: NUL-terminated, in memory of ours. */
static char *cname(const char *name, size_t len)
{
	char *c = kmalloc(len + 1);

	if (c) {
		memcpy(c, name, len);
		c[len] = 0;
	}
	return c;
}

int fuse_create(struct vnode *vdir, const char *name, size_t len, uint32_t mode, uint64_t rdev,
		struct vnode **out)
{
	struct fuse_node *dir = FN(vdir);
	char *c = cname(name, len);
	struct fuse_entry_out e;
	struct fuse_mkdir_in mkdir = { .mode = mode & 07777 };
	uint32_t dev = (uint32_t)((minor_linux(rdev) & 0xff) | (major_linux(rdev) << 8) |
				  ((minor_linux(rdev) & ~0xffu) << 12));
	struct fuse_mknod_in mknod = { .mode = mode, .rdev = dev };
	struct fuse_args a = { .opcode = S_ISDIR(mode) ? FUSE_MKDIR : FUSE_MKNOD,
			       .nodeid = dir->nodeid,
			       .nin = 2,
			       .out = &e,
			       .out_len = sizeof(e) };

	if (!c)
		return -ENOMEM;
	a.in[0] = S_ISDIR(mode) ? (struct fuse_seg){ &mkdir, sizeof(mkdir) } :
				  (struct fuse_seg){ &mknod, sizeof(mknod) };
	a.in[1] = (struct fuse_seg){ c, (uint32_t)len + 1 };
	long r = fuse_send(dir->fc, &a);
	kfree(c);
	return r < 0 ? (int)r : made(dir, name, len, &e, out);
}

int fuse_symlink(struct vnode *vdir, const char *name, size_t len, const char *target,
		 struct vnode **out)
{
	struct fuse_node *dir = FN(vdir);
	char *c = cname(name, len);
	struct fuse_entry_out e;
	struct fuse_args a = { .opcode = FUSE_SYMLINK,
			       .nodeid = dir->nodeid,
			       .in = { { c, (uint32_t)len + 1 },
				       { (void *)target, (uint32_t)strlen(target) + 1 } },
			       .nin = 2,
			       .out = &e,
			       .out_len = sizeof(e) };

	if (!c)
		return -ENOMEM;
	long r = fuse_send(dir->fc, &a);
	kfree(c);
	return r < 0 ? (int)r : made(dir, name, len, &e, out);
}

int fuse_link(struct vnode *vdir, const char *name, size_t len, struct vnode *v)
{
	struct fuse_node *dir = FN(vdir);
	char *c = cname(name, len);
	struct fuse_entry_out e;
	struct fuse_link_in in = { .oldnodeid = FN(v)->nodeid };
	struct fuse_args a = { .opcode = FUSE_LINK,
			       .nodeid = dir->nodeid,
			       .in = { { &in, sizeof(in) }, { c, (uint32_t)len + 1 } },
			       .nin = 2,
			       .out = &e,
			       .out_len = sizeof(e) };

	if (!c)
		return -ENOMEM;
	long r = fuse_send(dir->fc, &a);
	kfree(c);
	return r < 0 ? (int)r : made(dir, name, len, &e, NULL);
}

int fuse_unlink(struct vnode *vdir, const char *name, size_t len, bool rmdir)
{
	struct fuse_node *dir = FN(vdir);
	char *c = cname(name, len);
	struct fuse_args a = { .opcode = rmdir ? FUSE_RMDIR : FUSE_UNLINK,
			       .nodeid = dir->nodeid,
			       .in = { { c, (uint32_t)len + 1 } },
			       .nin = 1 };
	struct vnode *victim = NULL;

	if (!c)
		return -ENOMEM;
	/*
	 * The name is looked up first, as Linux's VFS does (virtiofsd answers
	 * EIO for a name that is not there); its link count changes, so its
	 * attributes are looked at again after.
	 */
	long r = fuse_lookup(vdir, name, len, &victim);
	if (!r && !rmdir && S_ISDIR(victim->mode))
		r = -EISDIR;
	else if (!r && rmdir && !S_ISDIR(victim->mode))
		r = -ENOTDIR;
	if (r) {
		vnode_put(victim);
		kfree(c);
		return (int)r;
	}
	WRITE_ONCE(FN(victim)->attr_expires, 0);
	r = fuse_send(dir->fc, &a);
	kfree(c);
	fuse_name_forget(dir->fc, dir->nodeid, name, len);
	WRITE_ONCE(dir->attr_expires, 0);
	if (!r)
		fuse_refresh(FN(victim), true); /* nlink 0 now, or one less */
	vnode_put(victim);
	return (int)MIN(r, 0l);
}

int fuse_rename(struct vnode *vod, const char *oname, size_t olen, struct vnode *vnd,
		const char *nname, size_t nlen, unsigned int flags)
{
	struct fuse_node *od = FN(vod), *nd = FN(vnd);
	char *o = cname(oname, olen), *n = cname(nname, nlen);
	struct fuse_rename2_in in = { .newdir = nd->nodeid, .flags = flags };
	struct fuse_args a = {
		.opcode = FUSE_RENAME2,
		.nodeid = od->nodeid,
		.in = { { &in, sizeof(in) }, { o, (uint32_t)olen + 1 }, { n, (uint32_t)nlen + 1 } },
		.nin = 3
	};
	long r = -ENOMEM;

	if (o && n)
		r = fuse_send(od->fc, &a);
	kfree(o);
	kfree(n);
	fuse_name_forget(od->fc, od->nodeid, oname, olen);
	fuse_name_forget(od->fc, nd->nodeid, nname, nlen);
	WRITE_ONCE(od->attr_expires, 0);
	WRITE_ONCE(nd->attr_expires, 0);
	return (int)MIN(r, 0l);
}

int fuse_dir_handle(struct fuse_node *n, uint64_t *fh)
{
	int err = 0;

	mutex_lock(&n->fh_lock);
	if (!n->has_dir_fh) {
		struct fuse_open_in in = { .flags = O_RDONLY | O_DIRECTORY };
		struct fuse_open_out out;
		struct fuse_args a = { .opcode = FUSE_OPENDIR,
				       .nodeid = n->nodeid,
				       .in = { { &in, sizeof(in) } },
				       .nin = 1,
				       .out = &out,
				       .out_len = sizeof(out) };
		long r = fuse_send(n->fc, &a);
		if (r < 0) {
			err = (int)r;
		} else {
			n->dir_fh = out.fh;
			n->has_dir_fh = true;
		}
	}
	*fh = n->dir_fh;
	mutex_unlock(&n->fh_lock);
	return err;
}

/*
 * Call fn on each record from *cookie on, reading READDIR_BUF bytes at a
 * time; fn returns nonzero to stop before a record.
 */
static int listing(struct fuse_node *n, uint64_t *cookie,
		   int (*fn)(void *ctx, const struct fuse_dirent *d), void *ctx)
{
	char *buf = kmalloc(READDIR_BUF);
	uint64_t fh;
	int err = fuse_dir_handle(n, &fh);

	if (!buf)
		err = -ENOMEM;
	while (!err) {
		struct fuse_read_in in = { .fh = fh, .offset = *cookie, .size = READDIR_BUF };
		struct fuse_args a = { .opcode = FUSE_READDIR,
				       .nodeid = n->nodeid,
				       .in = { { &in, sizeof(in) } },
				       .nin = 1,
				       .var = buf,
				       .var_len = READDIR_BUF };
		long r = fuse_send(n->fc, &a);
		if (r <= 0) {
			err = (int)r;
			break;
		}
		for (long off = 0; off + (long)sizeof(struct fuse_dirent) <= r;) {
			const struct fuse_dirent *d = (const void *)(buf + off);
			if (!d->namelen || d->namelen > NAME_MAX ||
			    off + (long)sizeof(*d) + d->namelen > r) {
				err = -EIO;
				break;
			}
			if (fn(ctx, d)) {
				kfree(buf);
				return 0;
			}
			*cookie = d->off;
			off += (long)FUSE_DIRENT_ALIGN(sizeof(*d) + d->namelen);
		}
	}
	kfree(buf);
	return err;
}

struct emit_ctx {
	vfs_dirent_fn fn;
	void *ctx;
};

static int emit(void *ctx, const struct fuse_dirent *d)
{
	struct emit_ctx *e = ctx;

	return e->fn(e->ctx, d->name, d->namelen, d->ino, d->type, d->off);
}

int fuse_readdir(struct vnode *dir, uint64_t *cookie, vfs_dirent_fn fn, void *ctx)
{
	struct emit_ctx e = { fn, ctx };

	return listing(FN(dir), cookie, emit, &e);
}

struct find_ctx {
	uint64_t ino;
	char *buf;
	size_t size;
	int len;
};

static int find_ino(void *ctx, const struct fuse_dirent *d)
{
	struct find_ctx *f = ctx;
	bool dots = (d->namelen == 1 && d->name[0] == '.') ||
		    (d->namelen == 2 && d->name[0] == '.' && d->name[1] == '.');

	if (dots || d->ino != f->ino || d->namelen >= f->size)
		return 0;
	memcpy(f->buf, d->name, d->namelen);
	f->len = (int)d->namelen;
	return 1;
}

int fuse_name_of(struct vnode *dir, struct vnode *child, char *buf, size_t size)
{
	struct find_ctx f = { child->ino, buf, size, -ENOENT };
	uint64_t cookie = 0;
	int err = listing(FN(dir), &cookie, find_ino, &f);

	return err ? err : f.len;
}
