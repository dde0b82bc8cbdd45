/*
 * System calls on paths: open, stat and statx, access, the directory and
 * link operations, the working directory, permissions and owners, times,
 * truncate and statfs. Each *at() call turns its dirfd into a base vnode;
 * the plain calls are the *at() ones with AT_FDCWD.
 */
#include <alto/cred.h>
#include <alto/fdtable.h>
#include <alto/mm.h>
#include <alto/process.h>
#include <alto/string.h>
#include <alto/syscall.h>
#include <alto/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/stat.h>
#include "internal.h"

/* The directory a relative path starts from: NULL for the working directory. */
long at_base(int dirfd, const char *path, struct vnode **base)
{
	struct file *f;

	*base = NULL;
	if (path[0] == '/' || dirfd == AT_FDCWD)
		return 0;
	f = fd_get_file(dirfd);
	if (!f)
		return -EBADF;
	*base = f->vnode;
	vnode_get(*base);
	file_put(f);
	if (path[0] && !S_ISDIR((*base)->mode)) {
		vnode_put(*base);
		*base = NULL;
		return -ENOTDIR;
	}
	return 0;
}

long get_path(struct upath *p, int dirfd, const char __user *upath)
{
	long err;

	p->base = NULL;
	p->name = vfs_getname(upath);
	if (IS_ERR(p->name))
		return PTR_ERR(p->name);
	err = at_base(dirfd, p->name, &p->base);
	if (err)
		vfs_putname(p->name);
	return err;
}

void put_path(struct upath *p)
{
	vnode_put(p->base);
	vfs_putname(p->name);
}

/* Resolve a path to a referenced vnode with LOOKUP_* flags. */
static long path_vnode(int dirfd, const char __user *upath, int lflags, struct vnode **v)
{
	struct upath p;
	long err = get_path(&p, dirfd, upath);

	if (err)
		return err;
	err = vfs_lookup(p.base, p.name, lflags, v);
	put_path(&p);
	return err;
}

static int at_lflags(int flags)
{
	return (flags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW) |
	       (flags & AT_EMPTY_PATH ? LOOKUP_EMPTY : 0);
}

/* The vnode of any open file, O_PATH included. */
static long fd_vnode_any(int fd, struct vnode **v)
{
	struct file *f = fd_get_file(fd);

	if (!f)
		return -EBADF;
	vnode_get(*v = f->vnode);
	file_put(f);
	return 0;
}

SYSCALL_DEFINE(openat, int dirfd, const char __user *path, int flags, unsigned int mode)
{
	struct fdtable *t = current_fdtable();
	struct file *f;
	struct upath p;
	long r;

	if (!t)
		return -EMFILE;
	r = get_path(&p, dirfd, path);
	if (r)
		return r;
	mode = (flags & O_CREAT) ? mode & ~vfs_umask() & S_IALLUGO : 0;
	f = vfs_open(p.base, p.name, flags | O_LARGEFILE, mode);
	put_path(&p);
	if (IS_ERR(f))
		return PTR_ERR(f);
	r = fd_alloc(t, f, 0, flags & O_CLOEXEC);
	if (r < 0)
		file_put(f);
	return r;
}

SYSCALL_DEFINE(open, const char __user *path, int flags, unsigned int mode)
{
	return sys_openat(AT_FDCWD, path, flags, mode);
}

SYSCALL_DEFINE(creat, const char __user *path, unsigned int mode)
{
	return sys_openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

static void fill_stat(const struct kstat *k, struct stat *st)
{
	*st = (struct stat){
		.st_dev = k->dev,
		.st_ino = k->ino,
		.st_nlink = k->nlink,
		.st_mode = k->mode,
		.st_uid = k->uid,
		.st_gid = k->gid,
		.st_rdev = k->rdev,
		.st_size = (int64_t)k->size,
		.st_blksize = k->blksize,
		.st_blocks = (int64_t)k->blocks,
		.st_atime_sec = k->atime.tv_sec,
		.st_atime_nsec = k->atime.tv_nsec,
		.st_mtime_sec = k->mtime.tv_sec,
		.st_mtime_nsec = k->mtime.tv_nsec,
		.st_ctime_sec = k->ctime.tv_sec,
		.st_ctime_nsec = k->ctime.tv_nsec,
	};
}

static long put_stat(struct vnode *v, struct stat __user *buf)
{
	struct kstat k;
	struct stat st;

	vfs_getattr(v, &k);
	fill_stat(&k, &st);
	return copy_to_user(buf, &st, sizeof(st));
}

SYSCALL_DEFINE(newfstatat, int dirfd, const char __user *path, struct stat __user *buf, int flags)
{
	struct vnode *v;
	long r;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	r = path_vnode(dirfd, path, at_lflags(flags), &v);
	if (r)
		return r;
	r = put_stat(v, buf);
	vnode_put(v);
	return r;
}

SYSCALL_DEFINE(stat, const char __user *path, struct stat __user *buf)
{
	return sys_newfstatat(AT_FDCWD, path, buf, 0);
}

SYSCALL_DEFINE(lstat, const char __user *path, struct stat __user *buf)
{
	return sys_newfstatat(AT_FDCWD, path, buf, AT_SYMLINK_NOFOLLOW);
}

SYSCALL_DEFINE(fstat, int fd, struct stat __user *buf)
{
	struct file *f = fd_get_file(fd);
	long r;

	if (!f)
		return -EBADF;
	r = put_stat(f->vnode, buf);
	file_put(f);
	return r;
}

static struct statx_timestamp sx_time(struct timespec t)
{
	return (struct statx_timestamp){ .tv_sec = t.tv_sec, .tv_nsec = (uint32_t)t.tv_nsec };
}

static void fill_statx(const struct kstat *k, struct statx *sx)
{
	*sx = (struct statx){
		.stx_mask = STATX_BASIC_STATS | STATX_BTIME | STATX_MNT_ID,
		.stx_blksize = k->blksize,
		.stx_nlink = k->nlink,
		.stx_uid = k->uid,
		.stx_gid = k->gid,
		.stx_mode = (uint16_t)k->mode,
		.stx_ino = k->ino,
		.stx_size = k->size,
		.stx_blocks = k->blocks,
		.stx_atime = sx_time(k->atime),
		.stx_btime = sx_time(k->btime),
		.stx_ctime = sx_time(k->ctime),
		.stx_mtime = sx_time(k->mtime),
		.stx_rdev_major = major_linux(k->rdev),
		.stx_rdev_minor = minor_linux(k->rdev),
		.stx_dev_major = major_linux(k->dev),
		.stx_dev_minor = minor_linux(k->dev),
		.stx_mnt_id = k->mnt_id,
	};
}

#define STATX_FLAGS (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE)

SYSCALL_DEFINE(statx, int dirfd, const char __user *path, int flags, unsigned int mask,
	       struct statx __user *buf)
{
	struct vnode *v;
	struct kstat k;
	struct statx sx;
	long r;

	if ((flags & ~STATX_FLAGS) || (flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE ||
	    (mask & STATX__RESERVED))
		return -EINVAL;
	if (path)
		r = path_vnode(dirfd, path, at_lflags(flags), &v);
	else if (!(flags & AT_EMPTY_PATH))
		r = -EFAULT;
	else if (dirfd == AT_FDCWD)
		r = (v = vfs_cwd(), 0);
	else
		r = fd_vnode_any(dirfd, &v);
	if (r)
		return r;
	vfs_getattr(v, &k);
	vnode_put(v);
	fill_statx(&k, &sx);
	return copy_to_user(buf, &sx, sizeof(sx));
}

/*
 * access() checks with the real ids (and the capabilities a real root id
 * has); AT_EACCESS with the effective ones. Linux uses the same ids for
 * the path walk itself; Alto walks with the effective ones.
 */
SYSCALL_DEFINE(faccessat2, int dirfd, const char __user *path, int mode, int flags)
{
	struct vnode *v;
	long r;

	if ((mode & ~(R_OK | W_OK | X_OK)) ||
	    (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)))
		return -EINVAL;
	r = path_vnode(dirfd, path, at_lflags(flags), &v);
	if (r)
		return r;
	struct cred *c = cred_current(), *check = c;
	if (!(flags & AT_EACCESS))
		check = cred_for_access(c);
	/* R_OK, W_OK and X_OK are MAY_READ, MAY_WRITE and MAY_EXEC. */
	r = check ? vfs_permission_cred(check, v, mode) : -ENOMEM;
	if (check != c)
		cred_put(check);
	cred_put(c);
	vnode_put(v);
	return r;
}

SYSCALL_DEFINE(faccessat, int dirfd, const char __user *path, int mode)
{
	return sys_faccessat2(dirfd, path, mode, 0);
}

SYSCALL_DEFINE(access, const char __user *path, int mode)
{
	return sys_faccessat2(AT_FDCWD, path, mode, 0);
}

SYSCALL_DEFINE(mkdirat, int dirfd, const char __user *path, unsigned int mode)
{
	struct upath p;
	long r = get_path(&p, dirfd, path);

	if (r)
		return r;
	r = vfs_mkdir(p.base, p.name, mode & ~vfs_umask());
	put_path(&p);
	return r;
}

SYSCALL_DEFINE(mkdir, const char __user *path, unsigned int mode)
{
	return sys_mkdirat(AT_FDCWD, path, mode);
}

SYSCALL_DEFINE(mknodat, int dirfd, const char __user *path, unsigned int mode, unsigned int dev)
{
	uint32_t type = mode & S_IFMT;
	struct upath p;
	long r;

	if (type && type != S_IFREG && type != S_IFCHR && type != S_IFIFO && type != S_IFSOCK)
		return type == S_IFDIR ? -EINVAL : -EPERM;
	r = get_path(&p, dirfd, path);
	if (r)
		return r;
	r = vfs_mknod(p.base, p.name, mode & ~vfs_umask(),
		      makedev_linux((dev >> 8) & 0xfff, (dev & 0xff) | ((dev >> 12) & 0xfff00)));
	put_path(&p);
	return r;
}

SYSCALL_DEFINE(mknod, const char __user *path, unsigned int mode, unsigned int dev)
{
	return sys_mknodat(AT_FDCWD, path, mode, dev);
}

SYSCALL_DEFINE(unlinkat, int dirfd, const char __user *path, int flags)
{
	struct upath p;
	long r;

	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	r = get_path(&p, dirfd, path);
	if (r)
		return r;
	r = flags ? vfs_rmdir(p.base, p.name) : vfs_unlink(p.base, p.name);
	put_path(&p);
	return r;
}

SYSCALL_DEFINE(unlink, const char __user *path)
{
	return sys_unlinkat(AT_FDCWD, path, 0);
}

SYSCALL_DEFINE(rmdir, const char __user *path)
{
	return sys_unlinkat(AT_FDCWD, path, AT_REMOVEDIR);
}

SYSCALL_DEFINE(renameat2, int olddirfd, const char __user *oldpath, int newdirfd,
	       const char __user *newpath, unsigned int flags)
{
	struct upath o, n;
	long r = get_path(&o, olddirfd, oldpath);

	if (r)
		return r;
	r = get_path(&n, newdirfd, newpath);
	if (!r) {
		r = vfs_rename(o.base, o.name, n.base, n.name, flags);
		put_path(&n);
	}
	put_path(&o);
	return r;
}

SYSCALL_DEFINE(renameat, int olddirfd, const char __user *oldpath, int newdirfd,
	       const char __user *newpath)
{
	return sys_renameat2(olddirfd, oldpath, newdirfd, newpath, 0);
}

SYSCALL_DEFINE(rename, const char __user *oldpath, const char __user *newpath)
{
	return sys_renameat2(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

SYSCALL_DEFINE(linkat, int olddirfd, const char __user *oldpath, int newdirfd,
	       const char __user *newpath, int flags)
{
	struct upath o, n;
	long r;

	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	r = get_path(&o, olddirfd, oldpath);
	if (r)
		return r;
	r = get_path(&n, newdirfd, newpath);
	if (!r) {
		int lflags = (flags & AT_SYMLINK_FOLLOW ? LOOKUP_FOLLOW : 0) |
			     (flags & AT_EMPTY_PATH ? LOOKUP_EMPTY : 0);
		r = vfs_link(o.base, o.name, n.base, n.name, lflags);
		put_path(&n);
	}
	put_path(&o);
	return r;
}

SYSCALL_DEFINE(link, const char __user *oldpath, const char __user *newpath)
{
	return sys_linkat(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

SYSCALL_DEFINE(symlinkat, const char __user *target, int newdirfd, const char __user *linkpath)
{
	char *t = vfs_getname(target);
	struct upath p;
	long r;

	if (IS_ERR(t))
		return PTR_ERR(t);
	r = get_path(&p, newdirfd, linkpath);
	if (!r) {
		r = vfs_symlink(t, p.base, p.name);
		put_path(&p);
	}
	vfs_putname(t);
	return r;
}

SYSCALL_DEFINE(symlink, const char __user *target, const char __user *linkpath)
{
	return sys_symlinkat(target, AT_FDCWD, linkpath);
}

SYSCALL_DEFINE(readlinkat, int dirfd, const char __user *path, char __user *buf, int size)
{
	char *kbuf;
	struct upath p;
	long r;

	if (size <= 0)
		return -EINVAL;
	r = get_path(&p, dirfd, path);
	if (r)
		return r;
	kbuf = kmalloc(PATH_MAX);
	r = kbuf ? vfs_readlink(p.base, p.name, LOOKUP_EMPTY, kbuf, MIN(size, PATH_MAX)) : -ENOMEM;
	if (r > 0 && copy_to_user(buf, kbuf, r))
		r = -EFAULT;
	kfree(kbuf);
	put_path(&p);
	return r;
}

SYSCALL_DEFINE(readlink, const char __user *path, char __user *buf, int size)
{
	return sys_readlinkat(AT_FDCWD, path, buf, size);
}

SYSCALL_DEFINE(chdir, const char __user *path)
{
	struct vnode *v;
	long r = path_vnode(AT_FDCWD, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &v);

	if (r)
		return r;
	r = vfs_chdir(v);
	vnode_put(v);
	return r;
}

SYSCALL_DEFINE(fchdir, int fd)
{
	struct file *f = fd_get_file(fd);
	long r;

	if (!f)
		return -EBADF;
	r = vfs_chdir(f->vnode);
	file_put(f);
	return r;
}

SYSCALL_DEFINE(getcwd, char __user *buf, size_t size)
{
	char *kbuf = kmalloc(PATH_MAX);
	long r;

	if (!kbuf)
		return -ENOMEM;
	r = vfs_getcwd(kbuf, MIN(size, (size_t)PATH_MAX));
	if (r > 0 && copy_to_user(buf, kbuf, r))
		r = -EFAULT;
	kfree(kbuf);
	return r;
}

SYSCALL_DEFINE(umask, unsigned int mask)
{
	return vfs_set_umask(mask);
}

/* fchmod, fchown and futimes-style calls act on an open file, not an O_PATH one. */
static long fd_vnode(int fd, struct vnode **v)
{
	struct file *f = fd_get_file(fd);
	long r = 0;

	if (!f)
		return -EBADF;
	if (f->flags & O_PATH)
		r = -EBADF;
	else
		vnode_get(*v = f->vnode);
	file_put(f);
	return r;
}

SYSCALL_DEFINE(fchmodat, int dirfd, const char __user *path, unsigned int mode)
{
	struct vnode *v;
	long r = path_vnode(dirfd, path, LOOKUP_FOLLOW, &v);

	if (r)
		return r;
	r = vfs_chmod(v, mode);
	vnode_put(v);
	return r;
}

SYSCALL_DEFINE(chmod, const char __user *path, unsigned int mode)
{
	return sys_fchmodat(AT_FDCWD, path, mode);
}

SYSCALL_DEFINE(fchmod, int fd, unsigned int mode)
{
	struct vnode *v;
	long r = fd_vnode(fd, &v);

	if (r)
		return r;
	r = vfs_chmod(v, mode);
	vnode_put(v);
	return r;
}

SYSCALL_DEFINE(fchownat, int dirfd, const char __user *path, uint32_t uid, uint32_t gid, int flags)
{
	struct vnode *v;
	long r;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	r = path_vnode(dirfd, path, at_lflags(flags), &v);
	if (r)
		return r;
	r = vfs_chown(v, uid, gid);
	vnode_put(v);
	return r;
}

SYSCALL_DEFINE(chown, const char __user *path, uint32_t uid, uint32_t gid)
{
	return sys_fchownat(AT_FDCWD, path, uid, gid, 0);
}

SYSCALL_DEFINE(lchown, const char __user *path, uint32_t uid, uint32_t gid)
{
	return sys_fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW);
}

SYSCALL_DEFINE(fchown, int fd, uint32_t uid, uint32_t gid)
{
	struct vnode *v;
	long r = fd_vnode(fd, &v);

	if (r)
		return r;
	r = vfs_chown(v, uid, gid);
	vnode_put(v);
	return r;
}

SYSCALL_DEFINE(truncate, const char __user *path, int64_t length)
{
	struct vnode *v;
	long r;

	if (length < 0)
		return -EINVAL;
	r = path_vnode(AT_FDCWD, path, LOOKUP_FOLLOW, &v);
	if (r)
		return r;
	r = S_ISDIR(v->mode) ? -EISDIR : vfs_permission(v, MAY_WRITE) ?: vfs_truncate(v, length);
	vnode_put(v);
	return r;
}

/* Set times on a path, or on dirfd itself when path is NULL (utimensat's extension). */
static long set_times(int dirfd, const char __user *path, const struct timespec *t, int flags)
{
	struct vnode *v;
	long r;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (path) {
		r = path_vnode(dirfd, path, at_lflags(flags), &v);
	} else {
		if (flags & AT_SYMLINK_NOFOLLOW)
			return -EINVAL;
		if (dirfd == AT_FDCWD)
			return -EFAULT;
		r = fd_vnode(dirfd, &v);
	}
	if (r)
		return r;
	r = vfs_utimes(v, t);
	vnode_put(v);
	return r;
}

SYSCALL_DEFINE(utimensat, int dirfd, const char __user *path, const struct timespec __user *times,
	       int flags)
{
	struct timespec t[2];

	if (times && copy_from_user(t, times, sizeof(t)))
		return -EFAULT;
	return set_times(dirfd, path, times ? t : NULL, flags);
}

/* timeval pairs (utimes, futimesat) as timespecs. */
static long timevals(const struct timeval __user *utv, struct timespec *t)
{
	struct timeval tv[2];

	if (copy_from_user(tv, utv, sizeof(tv)))
		return -EFAULT;
	for (int i = 0; i < 2; i++) {
		if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
			return -EINVAL;
		t[i] = (struct timespec){ tv[i].tv_sec, tv[i].tv_usec * 1000 };
	}
	return 0;
}

SYSCALL_DEFINE(futimesat, int dirfd, const char __user *path, const struct timeval __user *tv)
{
	struct timespec t[2];
	long r = tv ? timevals(tv, t) : 0;

	return r ? r : set_times(dirfd, path, tv ? t : NULL, 0);
}

SYSCALL_DEFINE(utimes, const char __user *path, const struct timeval __user *tv)
{
	return sys_futimesat(AT_FDCWD, path, tv);
}

SYSCALL_DEFINE(utime, const char __user *path, const int64_t __user *times)
{
	int64_t ut[2];
	struct timespec t[2];

	if (times && copy_from_user(ut, times, sizeof(ut)))
		return -EFAULT;
	t[0] = (struct timespec){ times ? ut[0] : 0, 0 };
	t[1] = (struct timespec){ times ? ut[1] : 0, 0 };
	return set_times(AT_FDCWD, path, times ? t : NULL, 0);
}

static long put_statfs(struct vnode *v, struct statfs __user *buf)
{
	struct statfs st;

	vfs_statfs(v, &st);
	return copy_to_user(buf, &st, sizeof(st));
}

SYSCALL_DEFINE(statfs, const char __user *path, struct statfs __user *buf)
{
	struct vnode *v;
	long r = path_vnode(AT_FDCWD, path, LOOKUP_FOLLOW, &v);

	if (r)
		return r;
	r = put_statfs(v, buf);
	vnode_put(v);
	return r;
}

SYSCALL_DEFINE(fstatfs, int fd, struct statfs __user *buf)
{
	struct file *f = fd_get_file(fd);
	long r;

	if (!f)
		return -EBADF;
	r = put_statfs(f->vnode, buf);
	file_put(f);
	return r;
}

/*
 * Extended attributes: no file system here keeps any. A file has none to
 * get (ENODATA, which ls and cp take as "no ACL, no label"), lists none,
 * and cannot get one (EOPNOTSUPP).
 */
static long no_xattr(const char __user *path, int lflags, long result)
{
	struct vnode *v;
	long r = path_vnode(AT_FDCWD, path, lflags, &v);

	if (r)
		return r;
	vnode_put(v);
	return result;
}

static long no_fxattr(int fd, long result)
{
	struct file *f = fd_get_file(fd);

	if (!f)
		return -EBADF;
	file_put(f);
	return result;
}

SYSCALL_DEFINE(getxattr, const char __user *path, const char __user *name, void __user *value,
	       unsigned long size)
{
	return no_xattr(path, LOOKUP_FOLLOW, -ENODATA);
}

SYSCALL_DEFINE(lgetxattr, const char __user *path, const char __user *name, void __user *value,
	       unsigned long size)
{
	return no_xattr(path, 0, -ENODATA);
}

SYSCALL_DEFINE(fgetxattr, int fd, const char __user *name, void __user *value, unsigned long size)
{
	return no_fxattr(fd, -ENODATA);
}

SYSCALL_DEFINE(listxattr, const char __user *path, char __user *list, unsigned long size)
{
	return no_xattr(path, LOOKUP_FOLLOW, 0);
}

SYSCALL_DEFINE(llistxattr, const char __user *path, char __user *list, unsigned long size)
{
	return no_xattr(path, 0, 0);
}

SYSCALL_DEFINE(flistxattr, int fd, char __user *list, unsigned long size)
{
	return no_fxattr(fd, 0);
}
