/*
 * ext2's operations on names: lookup, create (files, directories, devices,
 * FIFOs, sockets), symlink, link, unlink and rmdir, rename (replacing,
 * RENAME_NOREPLACE, RENAME_EXCHANGE, directories moving between parents).
 * The VFS holds the mount's name lock around each; link counts and times
 * change under the vnode's lock and reach the disk through the inode.
 */
#include <alto/string.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include "internal.h"

/* New times (ctime, and mtime when mtime is set) and a link count change, written out. */
static void touch(struct ext2_inode_info *ei, bool mtime, int nlink_delta)
{
	struct timespec now = vfs_now_in(ei->v.mount);

	rw_write_lock(&ei->v.lock);
	ei->v.ctime = now;
	if (mtime)
		ei->v.mtime = now;
	ei->v.nlink += nlink_delta;
	mutex_lock(&ei->fs->lock);
	ext2_write_inode(ei);
	mutex_unlock(&ei->fs->lock);
	rw_write_unlock(&ei->v.lock);
}

static struct ext2_inode_info *lookup_child(struct ext2_inode_info *dir, const char *name,
					    size_t len, int *err)
{
	uint32_t ino;

	*err = ext2_dir_lookup(dir, name, len, &ino);
	if (*err)
		return NULL;
	struct ext2_inode_info *ei = ext2_iget(dir->fs, ino);
	if (IS_ERR(ei)) {
		*err = (int)PTR_ERR(ei);
		return NULL;
	}
	return ei;
}

int ext2_lookup(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
	int err;
	struct ext2_inode_info *ei;

	if (dir->nlink == 0)
		return -ENOENT;
	ei = lookup_child(EI(dir), name, len, &err);
	if (ei)
		*out = &ei->v;
	return err;
}

/* Can name be added to dir? */
static int check_new(struct ext2_inode_info *dir, const char *name, size_t len)
{
	uint32_t ino;

	if (dir->v.nlink == 0)
		return -ENOENT;
	int err = ext2_dir_lookup(dir, name, len, &ino);
	return err == -ENOENT ? 0 : err ? err : -EEXIST;
}

/* Give a new inode its name, or let it go (it is deleted) when that fails. */
static int name_new(struct ext2_inode_info *dir, const char *name, size_t len,
		    struct ext2_inode_info *ei, struct vnode **out)
{
	int err = ext2_dir_add(dir, name, len, ei);

	if (err) {
		ei->v.nlink = 0;
		vnode_put(&ei->v);
		return err;
	}
	touch(dir, true, S_ISDIR(ei->v.mode) ? 1 : 0);
	*out = &ei->v;
	return 0;
}

int ext2_create(struct vnode *vdir, const char *name, size_t len, uint32_t mode, uint64_t rdev,
		struct vnode **out)
{
	struct ext2_inode_info *dir = EI(vdir);
	int err = check_new(dir, name, len);

	if (err)
		return err;
	if (S_ISDIR(mode) && dir->v.nlink >= EXT2_LINK_MAX)
		return -EMLINK;
	struct ext2_inode_info *ei = ext2_new_inode(dir->fs, dir, mode, rdev);
	if (IS_ERR(ei))
		return (int)PTR_ERR(ei);
	if (S_ISDIR(mode)) {
		err = ext2_dir_init(ei, dir);
		if (err) {
			vnode_put(&ei->v);
			return err;
		}
	}
	touch(ei, false, S_ISDIR(mode) ? 2 : 1);
	return name_new(dir, name, len, ei, out);
}

int ext2_symlink(struct vnode *vdir, const char *name, size_t len, const char *target,
		 struct vnode **out)
{
	struct ext2_inode_info *dir = EI(vdir);
	size_t tlen = strlen(target);
	int err = check_new(dir, name, len);

	if (err)
		return err;
	if (tlen >= dir->fs->block_size || tlen >= PAGE_SIZE)
		return -ENAMETOOLONG;
	struct ext2_inode_info *ei = ext2_new_inode(dir->fs, dir, S_IFLNK | 0777, 0);
	if (IS_ERR(ei))
		return (int)PTR_ERR(ei);
	if (tlen < sizeof(ei->i_block)) {
		memcpy(ei->i_block, target, tlen); /* a fast symlink: in the inode */
	} else {
		struct pc_page *ref;
		uint64_t block;
		mutex_lock(&ei->fs->lock);
		err = ext2_bmap(ei, 0, true, &block);
		mutex_unlock(&ei->fs->lock);
		char *page = err ? NULL : pcache_get_page(&ei->v, 0, false, &ref, &err);
		if (!page) {
			vnode_put(&ei->v);
			return err;
		}
		memcpy(page, target, tlen);
		pcache_mark_dirty(ref);
		pcache_put_page(ref);
	}
	ei->v.size = tlen;
	touch(ei, false, 1);
	return name_new(dir, name, len, ei, out);
}

int ext2_link(struct vnode *vdir, const char *name, size_t len, struct vnode *v)
{
	struct ext2_inode_info *dir = EI(vdir), *ei = EI(v);
	int err = check_new(dir, name, len);

	if (err)
		return err;
	if (v->nlink == 0)
		return -ENOENT;
	if (v->nlink >= EXT2_LINK_MAX)
		return -EMLINK;
	err = ext2_dir_add(dir, name, len, ei);
	if (err)
		return err;
	touch(ei, false, 1);
	touch(dir, true, 0);
	return 0;
}

int ext2_unlink(struct vnode *vdir, const char *name, size_t len, bool rmdir)
{
	struct ext2_inode_info *dir = EI(vdir);
	int err;
	struct ext2_inode_info *ei = lookup_child(dir, name, len, &err);

	if (!ei)
		return err;
	if (rmdir && !S_ISDIR(ei->v.mode))
		err = -ENOTDIR;
	else if (!rmdir && S_ISDIR(ei->v.mode))
		err = -EISDIR;
	else if (ei->v.mounted)
		err = -EBUSY;
	else if (rmdir && !ext2_dir_empty(ei))
		err = -ENOTEMPTY;
	if (!err)
		err = ext2_dir_remove(dir, name, len);
	if (!err) {
		touch(ei, false, rmdir ? -(int)ei->v.nlink : -1);
		touch(dir, true, rmdir ? -1 : 0);
	}
	vnode_put(&ei->v); /* with no names and no users left, the inode goes */
	return err;
}

/* Is dir the directory src or below it? Follows ".." up to the root. */
static int is_below(struct ext2_inode_info *dir, struct ext2_inode_info *src)
{
	uint32_t ino = (uint32_t)dir->v.ino;
	int err = 0;

	vnode_get(&dir->v);
	for (int depth = 0; ino != EXT2_ROOT_INO && depth < 4096; depth++) {
		if (ino == src->v.ino) {
			err = 1;
			break;
		}
		uint32_t up;
		err = ext2_dir_lookup(dir, "..", 2, &up);
		vnode_put(&dir->v);
		dir = NULL;
		if (err)
			return err;
		dir = ext2_iget(src->fs, up);
		if (IS_ERR(dir))
			return (int)PTR_ERR(dir);
		ino = up;
	}
	vnode_put(&dir->v);
	return err;
}

/* Can target (an existing name) be replaced by src? */
static int check_replace(struct ext2_inode_info *src, struct ext2_inode_info *target)
{
	if (S_ISDIR(src->v.mode) && !S_ISDIR(target->v.mode))
		return -ENOTDIR;
	if (!S_ISDIR(src->v.mode) && S_ISDIR(target->v.mode))
		return -EISDIR;
	if (S_ISDIR(target->v.mode) && !ext2_dir_empty(target))
		return -ENOTEMPTY;
	return target->v.mounted ? -EBUSY : 0;
}

/* A directory that changes parents takes its ".." link along. */
static int reparent(struct ext2_inode_info *d, struct ext2_inode_info *from,
		    struct ext2_inode_info *to)
{
	if (!S_ISDIR(d->v.mode) || from == to)
		return 0;
	int err = ext2_dir_set_parent(d, (uint32_t)to->v.ino);
	if (!err) {
		touch(from, false, -1);
		touch(to, false, 1);
	}
	return err;
}

static int exchange(struct ext2_inode_info *od, const char *oname, size_t olen,
		    struct ext2_inode_info *nd, const char *nname, size_t nlen,
		    struct ext2_inode_info *a, struct ext2_inode_info *b)
{
	int err = 0;

	if ((S_ISDIR(a->v.mode) && (err = is_below(nd, a))) ||
	    (S_ISDIR(b->v.mode) && (err = is_below(od, b))))
		return err > 0 ? -EINVAL : err;
	err = ext2_dir_set(od, oname, olen, b);
	if (!err)
		err = ext2_dir_set(nd, nname, nlen, a);
	if (!err)
		err = reparent(a, od, nd);
	if (!err)
		err = reparent(b, nd, od);
	touch(a, false, 0);
	touch(b, false, 0);
	touch(od, true, 0);
	touch(nd, true, 0);
	return err;
}

static int move(struct ext2_inode_info *od, const char *oname, size_t olen,
		struct ext2_inode_info *nd, const char *nname, size_t nlen,
		struct ext2_inode_info *src, struct ext2_inode_info *target)
{
	int err = 0;

	if (S_ISDIR(src->v.mode) && (err = is_below(nd, src)))
		return err > 0 ? -EINVAL : err;
	if (target && (err = check_replace(src, target)))
		return err;
	if (!target && S_ISDIR(src->v.mode) && od != nd && nd->v.nlink >= EXT2_LINK_MAX)
		return -EMLINK;
	err = target ? ext2_dir_set(nd, nname, nlen, src) : ext2_dir_add(nd, nname, nlen, src);
	if (!err)
		err = ext2_dir_remove(od, oname, olen);
	if (err)
		return err;
	if (target) {
		bool dir = S_ISDIR(target->v.mode);
		touch(target, false, dir ? -(int)target->v.nlink : -1);
		if (dir)
			touch(nd, false, -1); /* its ".." pointed here */
	}
	err = reparent(src, od, nd);
	touch(src, false, 0);
	touch(od, true, 0);
	touch(nd, true, 0);
	return err;
}

int ext2_rename(struct vnode *vod, const char *oname, size_t olen, struct vnode *vnd,
		const char *nname, size_t nlen, unsigned int flags)
{
	struct ext2_inode_info *od = EI(vod), *nd = EI(vnd);
	int err;
	struct ext2_inode_info *src = lookup_child(od, oname, olen, &err), *target;

	if (!src)
		return err;
	if (nd->v.nlink == 0) {
		vnode_put(&src->v);
		return -ENOENT;
	}
	target = lookup_child(nd, nname, nlen, &err);
	if (!target && err != -ENOENT) {
		vnode_put(&src->v);
		return err;
	}
	if (flags & RENAME_EXCHANGE)
		err = target ? exchange(od, oname, olen, nd, nname, nlen, src, target) : -ENOENT;
	else if (target && (flags & RENAME_NOREPLACE))
		err = -EEXIST;
	else if (target == src)
		err = 0; /* two names of one file: nothing to do */
	else
		err = move(od, oname, olen, nd, nname, nlen, src, target);
	vnode_put(&src->v);
	if (target)
		vnode_put(&target->v);
	return err;
}
