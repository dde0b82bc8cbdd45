/*
 * Path resolution and the operations on names. The walk keeps the rest of
 * the path in a buffer of its own, so a symlink is followed by splicing its
 * target in front of what remains and walking on: no recursion, one counter
 * for the 40-link limit, and the same loop for middle and final links.
 */
#include <alto/cred.h>
#include <alto/mm.h>
#include <alto/string.h>
#include <uapi/errno.h>
#include <uapi/inotify.h>
#include <uapi/fcntl.h>
#include "internal.h"
#include "vfs_trace.h"

int vfs_step(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
	struct vnode *root = root_mount->root;
	struct vnode *v;
	int err;

	if (len > NAME_MAX)
		return -ENAMETOOLONG;
	if (len == 1 && name[0] == '.') {
		vnode_get(dir);
		*out = dir;
		return 0;
	}
	if (len == 2 && name[0] == '.' && name[1] == '.') {
		if (dir == root) {
			vnode_get(root);
			*out = root;
			return 0;
		}
		/* Leave a mounted file system through the directory it covers. */
		while (dir == dir->mount->root && dir->mount->covered)
			dir = dir->mount->covered;
	}
	mutex_lock(&dir->mount->ns_lock);
	err = dir->ops->lookup(dir, name, len, &v);
	mutex_unlock(&dir->mount->ns_lock);
	if (err)
		return err;
	while (v->mounted) {
		struct vnode *r = v->mounted->root;
		vnode_get(r);
		vnode_put(v);
		v = r;
	}
	*out = v;
	return 0;
}

int nd_start(struct nameidata *nd, struct vnode *base, const char *path)
{
	size_t len = strnlen(path, PATH_MAX);

	*nd = (struct nameidata){ 0 };
	if (len == PATH_MAX)
		return -ENAMETOOLONG;
	if (len == 0)
		return -ENOENT;
	nd->buf = kmalloc(PATH_MAX);
	if (!nd->buf)
		return -ENOMEM;
	memcpy(nd->buf, path, len + 1);
	nd->p = nd->buf;
	if (path[0] == '/') {
		nd->dir = vfs_root();
	} else if (base) {
		vnode_get(base);
		nd->dir = base;
	} else {
		nd->dir = vfs_cwd();
	}
	return 0;
}

void nd_end(struct nameidata *nd)
{
	vnode_put(nd->dir);
	file_put(nd->jumped);
	kfree(nd->buf);
	nd->dir = NULL;
	nd->jumped = NULL;
	nd->buf = NULL;
}

bool nd_last_is_dots(const struct nameidata *nd)
{
	return (nd->lastlen == 1 && nd->last[0] == '.') ||
	       (nd->lastlen == 2 && nd->last[0] == '.' && nd->last[1] == '.');
}

/* Replace the walked part of the path with link's target: target + rest. */
static int splice_link(struct nameidata *nd, struct vnode *link, const char *rest)
{
	size_t restlen = strlen(rest);
	char *tmp;
	long n;

	if (++nd->links > MAX_SYMLINKS)
		return -ELOOP;
	tmp = kmalloc(PATH_MAX);
	if (!tmp)
		return -ENOMEM;
	n = link->ops->readlink(link, tmp, PATH_MAX);
	if (n >= 0 && (size_t)n + restlen + 1 >= PATH_MAX)
		n = -ENAMETOOLONG;
	if (n == 0)
		n = -ENOENT;
	if (n > 0) {
		tmp[n] = '/';
		memcpy(tmp + n + 1, rest, restlen + 1);
		if (!restlen)
			tmp[n] = 0;
		memcpy(nd->buf, tmp, n + restlen + 2);
		nd->p = nd->buf;
		if (tmp[0] == '/') {
			vnode_put(nd->dir);
			nd->dir = vfs_root();
		}
	}
	kfree(tmp);
	return n < 0 ? (int)n : 0;
}

/*
 * Follow the link met in the walk: a magic link puts the walk on its
 * file's vnode (*target, referenced; nd->dir becomes the directory the file
 * was opened in, possibly NULL), an ordinary one splices its text in front
 * of rest (*target NULL).
 */
static int follow_link(struct nameidata *nd, struct vnode *link, const char *rest,
		       struct vnode **target)
{
	struct file *f = link->ops->jump ? link->ops->jump(link) : NULL;

	*target = NULL;
	if (IS_ERR(f))
		return (int)PTR_ERR(f);
	if (!f)
		return splice_link(nd, link, rest);
	if (++nd->links > MAX_SYMLINKS) {
		file_put(f);
		return -ELOOP;
	}
	vnode_get(f->vnode);
	*target = f->vnode;
	vnode_put(nd->dir);
	nd->dir = f->parent;
	if (nd->dir)
		vnode_get(nd->dir);
	file_put(nd->jumped);
	nd->jumped = f;
	return 0;
}

int nd_walk_parent(struct nameidata *nd)
{
	for (;;) {
		const char *p = nd->p, *name, *after;
		struct vnode *child;
		int err;

		while (*p == '/')
			p++;
		for (name = p; *p && *p != '/'; p++)
			;
		for (after = p; *after == '/'; after++)
			;
		/* Looking a name up in a directory needs search permission there. */
		if (p != name && S_ISDIR(nd->dir->mode) &&
		    (err = vfs_permission(nd->dir, MAY_EXEC)))
			return err;
		if (!*after) {
			nd->last = name;
			nd->lastlen = p - name;
			nd->trailing_slash = p != after && p != name;
			nd->p = after;
			return 0;
		}
		if (!S_ISDIR(nd->dir->mode))
			return -ENOTDIR;
		err = vfs_step(nd->dir, name, p - name, &child);
		if (err)
			return err;
		if (S_ISLNK(child->mode)) {
			struct vnode *target;

			err = follow_link(nd, child, p, &target);
			vnode_put(child);
			if (err)
				return err;
			if (!target)
				continue;
			child = target;
		}
		if (!S_ISDIR(child->mode)) {
			vnode_put(child);
			return -ENOTDIR;
		}
		vnode_put(nd->dir);
		nd->dir = child;
		nd->p = after;
	}
}

int nd_walk_final(struct nameidata *nd, bool follow, struct vnode **out)
{
	for (;;) {
		struct vnode *v;
		int err = nd_walk_parent(nd);

		if (err)
			return err;
		if (!nd->lastlen) {
			/* "/" or a link to it: the directory itself. */
			vnode_get(nd->dir);
			*out = nd->dir;
			return 0;
		}
		if (!S_ISDIR(nd->dir->mode))
			return -ENOTDIR;
		err = vfs_step(nd->dir, nd->last, nd->lastlen, &v);
		if (err) {
			nd->at_final = err == -ENOENT;
			return err;
		}
		if (S_ISLNK(v->mode) && (follow || nd->trailing_slash)) {
			struct vnode *target;

			err = follow_link(nd, v, nd->trailing_slash ? "/" : "", &target);
			vnode_put(v);
			if (err)
				return err;
			if (!target)
				continue;
			v = target;
		}
		if (nd->trailing_slash && !S_ISDIR(v->mode)) {
			vnode_put(v);
			return -ENOTDIR;
		}
		*out = v;
		return 0;
	}
}

int vfs_lookup(struct vnode *base, const char *path, int flags, struct vnode **out)
{
	struct nameidata nd;
	int err;

	if (!path[0] && (flags & LOOKUP_EMPTY)) {
		*out = base ? base : vfs_cwd();
		if (base)
			vnode_get(base);
		err = 0;
	} else {
		err = nd_start(&nd, base, path);
		if (!err)
			err = nd_walk_final(&nd, flags & LOOKUP_FOLLOW, out);
		nd_end(&nd);
	}
	if (!err && (flags & LOOKUP_DIRECTORY) && !S_ISDIR((*out)->mode)) {
		vnode_put(*out);
		err = -ENOTDIR;
	}
	trace_vfs_lookup(err, path);
	return err;
}

int vfs_stat(struct vnode *base, const char *path, int flags, struct kstat *st)
{
	struct vnode *v;
	int err = vfs_lookup(base, path, flags, &v);

	if (err)
		return err;
	vfs_getattr(v, st);
	vnode_put(v);
	return 0;
}

/* Walk to the parent of a name to be created; "/", "." and ".." already exist. */
static int walk_for_create(struct nameidata *nd, struct vnode *base, const char *path)
{
	int err = nd_start(nd, base, path);

	if (!err)
		err = nd_walk_parent(nd);
	if (!err && !S_ISDIR(nd->dir->mode))
		err = -ENOTDIR;
	if (!err && (!nd->lastlen || nd_last_is_dots(nd)))
		err = -EEXIST;
	if (!err && nd->lastlen > NAME_MAX)
		err = -ENAMETOOLONG;
	if (!err && vfs_check_writable(nd->dir)) {
		/* A name that exists is EEXIST even on a read-only file system, as on Linux. */
		struct vnode *v;
		err = vfs_step(nd->dir, nd->last, nd->lastlen, &v) ? -EROFS : -EEXIST;
		if (err == -EEXIST)
			vnode_put(v);
	}
	return err;
}

/* An existing name gives EEXIST before permission is looked at, as on Linux. */
static int may_create_name(struct nameidata *nd)
{
	struct vnode *v;

	if (!vfs_step(nd->dir, nd->last, nd->lastlen, &v)) {
		vnode_put(v);
		return -EEXIST;
	}
	return vfs_may_create(nd->dir);
}

static int create_node(struct vnode *base, const char *path, uint32_t mode, uint64_t rdev)
{
	struct nameidata nd;
	struct vnode *v = NULL;
	int err = walk_for_create(&nd, base, path);

	if (!err && nd.trailing_slash && !S_ISDIR(mode))
		err = -ENOENT;
	if (!err)
		err = may_create_name(&nd);
	if (!err) {
		struct mount *m = nd.dir->mount;
		mutex_lock(&m->ns_lock);
		err = nd.dir->ops->create(nd.dir, nd.last, nd.lastlen, mode, rdev, &v);
		if (!err)
			vfs_own_new(nd.dir, v);
		mutex_unlock(&m->ns_lock);
	}
	if (!err)
		fsnotify_name(nd.dir, nd.last, nd.lastlen,
			      IN_CREATE | (S_ISDIR(mode) ? IN_ISDIR : 0), 0);
	vnode_put(v);
	nd_end(&nd);
	return err;
}

int vfs_mkdir(struct vnode *base, const char *path, unsigned int mode)
{
	return create_node(base, path, S_IFDIR | (mode & (S_IALLUGO & ~S_ISUID & ~S_ISGID)), 0);
}

int vfs_mknod(struct vnode *base, const char *path, unsigned int mode, uint64_t rdev)
{
	uint32_t type = mode & S_IFMT;

	if (!type)
		mode |= type = S_IFREG;
	if (type != S_IFREG && type != S_IFCHR && type != S_IFBLK && type != S_IFIFO &&
	    type != S_IFSOCK)
		return type == S_IFDIR ? -EPERM : -EOPNOTSUPP;
	return create_node(base, path, mode & (S_IFMT | S_IALLUGO),
			   type == S_IFCHR || type == S_IFBLK ? rdev : 0);
}

int vfs_symlink(const char *target, struct vnode *base, const char *path)
{
	struct nameidata nd;
	struct vnode *v = NULL;
	int err;

	if (!target[0])
		return -ENOENT;
	if (strnlen(target, PATH_MAX) == PATH_MAX)
		return -ENAMETOOLONG;
	err = walk_for_create(&nd, base, path);
	if (!err && nd.trailing_slash)
		err = -ENOENT;
	if (!err)
		err = may_create_name(&nd);
	if (!err) {
		struct mount *m = nd.dir->mount;
		mutex_lock(&m->ns_lock);
		err = nd.dir->ops->symlink(nd.dir, nd.last, nd.lastlen, target, &v);
		if (!err)
			vfs_own_new(nd.dir, v);
		mutex_unlock(&m->ns_lock);
	}
	if (!err)
		fsnotify_name(nd.dir, nd.last, nd.lastlen, IN_CREATE, 0);
	vnode_put(v);
	nd_end(&nd);
	return err;
}

int vfs_link(struct vnode *obase, const char *opath, struct vnode *nbase, const char *npath,
	     int lflags)
{
	struct nameidata nd;
	struct vnode *v;
	int err = vfs_lookup(obase, opath, lflags & (LOOKUP_FOLLOW | LOOKUP_EMPTY), &v);

	if (err)
		return err;
	if (S_ISDIR(v->mode)) {
		vnode_put(v);
		return -EPERM;
	}
	err = walk_for_create(&nd, nbase, npath);
	if (!err && nd.trailing_slash)
		err = -ENOENT;
	if (!err && nd.dir->mount != v->mount)
		err = -EXDEV;
	if (!err)
		err = may_create_name(&nd);
	if (!err) {
		struct mount *m = nd.dir->mount;
		mutex_lock(&m->ns_lock);
		err = nd.dir->ops->link(nd.dir, nd.last, nd.lastlen, v);
		mutex_unlock(&m->ns_lock);
	}
	if (!err) {
		fsnotify_vnode(v, IN_ATTRIB);
		fsnotify_name(nd.dir, nd.last, nd.lastlen, IN_CREATE, 0);
	}
	vnode_put(v);
	nd_end(&nd);
	return err;
}

/* Walk to the parent of an existing name to remove or rename. */
static int walk_existing_parent(struct nameidata *nd, struct vnode *base, const char *path)
{
	int err = nd_start(nd, base, path);

	if (!err)
		err = nd_walk_parent(nd);
	if (!err && !S_ISDIR(nd->dir->mode))
		err = -ENOTDIR;
	if (!err && nd->lastlen > NAME_MAX)
		err = -ENAMETOOLONG;
	if (!err)
		err = vfs_check_writable(nd->dir);
	return err;
}

/*
 * The name must exist (ENOENT first, as Linux), then the caller may remove
 * it: 0 with the victim in *out (referenced), or the error.
 */
static int may_remove(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
	struct vnode *v;
	int err = vfs_step(dir, name, len, &v);

	if (err)
		return err;
	err = vfs_may_delete(dir, v);
	if (err)
		vnode_put(v);
	else
		*out = v;
	return err;
}

/* What a removed name tells its watchers, in Linux's order: the victim, then the directory. */
static void notify_removed(struct nameidata *nd, struct vnode *victim, bool rmdir)
{
	if (!rmdir)
		fsnotify_vnode(victim, IN_ATTRIB); /* its link count */
	if (rmdir || !READ_ONCE(victim->nlink))
		fsnotify_vnode(victim, IN_DELETE_SELF);
	fsnotify_name(nd->dir, nd->last, nd->lastlen, IN_DELETE | (rmdir ? IN_ISDIR : 0), 0);
}

static int remove_name(struct nameidata *nd, bool rmdir)
{
	struct mount *m = nd->dir->mount;
	struct vnode *victim;
	int err = may_remove(nd->dir, nd->last, nd->lastlen, &victim);

	if (err)
		return err;
	mutex_lock(&m->ns_lock);
	err = nd->dir->ops->unlink(nd->dir, nd->last, nd->lastlen, rmdir);
	mutex_unlock(&m->ns_lock);
	if (!err && fsnotify_watching())
		notify_removed(nd, victim, rmdir);
	vnode_put(victim);
	return err;
}

int vfs_rmdir(struct vnode *base, const char *path)
{
	struct nameidata nd;
	int err = walk_existing_parent(&nd, base, path);

	if (!err && !nd.lastlen)
		err = -EBUSY;
	else if (!err && nd.lastlen == 1 && nd.last[0] == '.')
		err = -EINVAL;
	else if (!err && nd_last_is_dots(&nd))
		err = -ENOTEMPTY;
	if (!err)
		err = remove_name(&nd, true);
	nd_end(&nd);
	return err;
}

int vfs_unlink(struct vnode *base, const char *path)
{
	struct nameidata nd;
	int err = walk_existing_parent(&nd, base, path);

	if (!err && (!nd.lastlen || nd_last_is_dots(&nd)))
		err = -EISDIR;
	if (!err && nd.trailing_slash) {
		struct vnode *v;
		err = vfs_step(nd.dir, nd.last, nd.lastlen, &v);
		if (!err) {
			err = S_ISDIR(v->mode) ? -EISDIR : -ENOTDIR;
			vnode_put(v);
		}
	}
	if (!err)
		err = remove_name(&nd, false);
	nd_end(&nd);
	return err;
}

/* The source of a rename must exist; a trailing slash needs a directory. */
static int check_rename_source(struct nameidata *o, struct nameidata *n)
{
	struct vnode *v;
	int err;

	if (!o->lastlen || !n->lastlen || nd_last_is_dots(o) || nd_last_is_dots(n))
		return -EBUSY;
	if (o->dir->mount != n->dir->mount)
		return -EXDEV;
	err = vfs_step(o->dir, o->last, o->lastlen, &v);
	if (err)
		return err;
	if ((o->trailing_slash || n->trailing_slash) && !S_ISDIR(v->mode))
		err = -ENOTDIR;
	if (v->mount != o->dir->mount || v->mounted)
		err = -EBUSY; /* a mount point */
	vnode_put(v);
	return err;
}

/* A rename as watchers see it: moved from, moved to (one cookie), then the vnodes themselves. */
static void notify_moved(struct nameidata *o, struct nameidata *n, struct vnode *src,
			 struct vnode *dst, unsigned int flags)
{
	uint32_t cookie = fsnotify_cookie(), isdir = S_ISDIR(src->mode) ? IN_ISDIR : 0;

	fsnotify_name(o->dir, o->last, o->lastlen, IN_MOVED_FROM | isdir, cookie);
	fsnotify_name(n->dir, n->last, n->lastlen, IN_MOVED_TO | isdir, cookie);
	if (dst && (flags & RENAME_EXCHANGE)) {
		uint32_t back = fsnotify_cookie(), dir2 = S_ISDIR(dst->mode) ? IN_ISDIR : 0;
		fsnotify_name(n->dir, n->last, n->lastlen, IN_MOVED_FROM | dir2, back);
		fsnotify_name(o->dir, o->last, o->lastlen, IN_MOVED_TO | dir2, back);
		fsnotify_vnode(dst, IN_MOVE_SELF);
	} else if (dst && dst != src) {
		if (!S_ISDIR(dst->mode))
			fsnotify_vnode(dst, IN_ATTRIB);
		if (S_ISDIR(dst->mode) || !READ_ONCE(dst->nlink))
			fsnotify_vnode(dst, IN_DELETE_SELF);
	}
	fsnotify_vnode(src, IN_MOVE_SELF);
}

int vfs_rename(struct vnode *obase, const char *opath, struct vnode *nbase, const char *npath,
	       unsigned int flags)
{
	struct nameidata o, n = { 0 };
	int err;

	if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) ||
	    (flags & RENAME_NOREPLACE && flags & RENAME_EXCHANGE))
		return -EINVAL;
	err = walk_existing_parent(&o, obase, opath);
	if (!err)
		err = walk_existing_parent(&n, nbase, npath);
	if (!err)
		err = check_rename_source(&o, &n);
	struct vnode *src = NULL, *dst = NULL;
	if (!err)
		err = may_remove(o.dir, o.last, o.lastlen, &src);
	if (!err) {
		/* Replacing a name is removing it; otherwise one is added. */
		err = may_remove(n.dir, n.last, n.lastlen, &dst);
		if (err == -ENOENT) {
			dst = NULL;
			err = may_create_name(&n);
		}
	}
	if (!err) {
		struct mount *m = o.dir->mount;
		mutex_lock(&m->ns_lock);
		err = o.dir->ops->rename(o.dir, o.last, o.lastlen, n.dir, n.last, n.lastlen, flags);
		mutex_unlock(&m->ns_lock);
	}
	if (!err && fsnotify_watching())
		notify_moved(&o, &n, src, dst, flags);
	vnode_put(src);
	vnode_put(dst);
	nd_end(&n);
	nd_end(&o);
	return err;
}

long vfs_readlink(struct vnode *base, const char *path, int lflags, char *buf, size_t size)
{
	struct vnode *v;
	long err = vfs_lookup(base, path, lflags & LOOKUP_EMPTY, &v);

	if (err)
		return err;
	err = S_ISLNK(v->mode) ? v->ops->readlink(v, buf, size) : -EINVAL;
	vnode_put(v);
	return err;
}
