/*
 * inotify system calls: flags, descriptors and paths here; watches and
 * events in fs/inotify.c.
 */
#include <alto/fdtable.h>
#include <alto/syscall.h>
#include <alto/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/inotify.h>

SYSCALL_DEFINE(inotify_init1, int flags)
{
	if (flags & ~(IN_CLOEXEC | IN_NONBLOCK))
		return -EINVAL;
	return fd_install(inotify_create(flags & IN_NONBLOCK), flags & IN_CLOEXEC);
}

SYSCALL_DEFINE(inotify_init, void)
{
	return sys_inotify_init1(0);
}

SYSCALL_DEFINE(inotify_add_watch, int fd, const char __user *upath, uint32_t mask)
{
	struct file *f = fd_get_file(fd);
	struct vnode *v;
	char *path;
	long r;

	if (!f)
		return -EBADF;
	path = vfs_getname(upath);
	r = IS_ERR(path) ? PTR_ERR(path) : 0;
	if (!r)
		r = vfs_lookup(NULL, path, (mask & IN_DONT_FOLLOW) ? 0 : LOOKUP_FOLLOW, &v);
	if (!r) {
		r = inotify_add(f, v, mask);
		vnode_put(v);
	}
	vfs_putname(path);
	file_put(f);
	return r;
}

SYSCALL_DEFINE(inotify_rm_watch, int fd, int wd)
{
	struct file *f = fd_get_file(fd);
	long r;

	if (!f)
		return -EBADF;
	r = inotify_rm(f, wd);
	file_put(f);
	return r;
}
