/*
 * Extended attributes: getxattr, setxattr, listxattr and removexattr with
 * their l (the symlink itself) and f (a descriptor) forms. Names and values
 * are copied through kernel buffers (Linux's limits: names of 255 bytes,
 * values of 64 KiB) and the file system does the rest; file systems that
 * keep none answer ENODATA for a get, an empty list, and EOPNOTSUPP for a
 * change, as Linux's tmpfs does for user attributes.
 */
#include <alto/fdtable.h>
#include <alto/mm.h>
#include <alto/syscall.h>
#include <alto/vfs.h>
#include <uapi/errno.h>

#define XATTR_NAME_MAX 255
#define XATTR_SIZE_MAX 65536
#define XATTR_CREATE   0x1
#define XATTR_REPLACE  0x2

/* The vnode a path or a descriptor names, referenced. */
static long target(const char __user *path, int fd, int lflags, struct vnode **v)
{
	if (!path) {
		struct file *f = fd_get_file(fd);
		if (!f)
			return -EBADF;
		*v = f->vnode;
		vnode_get(*v);
		file_put(f);
		return 0;
	}
	char *name = vfs_getname(path);
	if (IS_ERR(name))
		return PTR_ERR(name);
	long r = vfs_lookup(NULL, name, lflags, v);
	vfs_putname(name);
	return r;
}

static long get_name(const char __user *uname, char *name)
{
	long n = strncpy_from_user(name, uname, XATTR_NAME_MAX + 1);

	if (n < 0)
		return n;
	return n == 0 || n > XATTR_NAME_MAX ? -ERANGE : 0;
}

static long getx(const char __user *path, int fd, int lflags, const char __user *uname,
		 void __user *value, size_t size)
{
	char name[XATTR_NAME_MAX + 1];
	struct vnode *v;
	long r = get_name(uname, name);

	if (r || (r = target(path, fd, lflags, &v)))
		return r;
	size = MIN(size, (size_t)XATTR_SIZE_MAX);
	void *buf = size ? kmalloc(size) : NULL;
	r = size && !buf ? -ENOMEM : vfs_getxattr(v, name, buf, size);
	if (r > 0 && size && copy_to_user(value, buf, (size_t)r))
		r = -EFAULT;
	kfree(buf);
	vnode_put(v);
	return r;
}

static long listx(const char __user *path, int fd, int lflags, char __user *list, size_t size)
{
	struct vnode *v;
	long r = target(path, fd, lflags, &v);

	if (r)
		return r;
	size = MIN(size, (size_t)XATTR_SIZE_MAX);
	char *buf = size ? kmalloc(size) : NULL;
	r = size && !buf ? -ENOMEM : vfs_listxattr(v, buf, size);
	if (r > 0 && size && copy_to_user(list, buf, (size_t)r))
		r = -EFAULT;
	kfree(buf);
	vnode_put(v);
	return r;
}

static long setx(const char __user *path, int fd, int lflags, const char __user *uname,
		 const void __user *value, size_t size, int flags)
{
	char name[XATTR_NAME_MAX + 1];
	struct vnode *v;

	if (flags & ~(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	if (size > XATTR_SIZE_MAX)
		return -E2BIG;
	long r = get_name(uname, name);
	if (r || (r = target(path, fd, lflags, &v)))
		return r;
	void *buf = size ? kmalloc(size) : NULL;
	if (size && !buf)
		r = -ENOMEM;
	else if (size && copy_from_user(buf, value, size))
		r = -EFAULT;
	else
		r = vfs_setxattr(v, name, buf, size, flags);
	kfree(buf);
	vnode_put(v);
	return r;
}

static long removex(const char __user *path, int fd, int lflags, const char __user *uname)
{
	char name[XATTR_NAME_MAX + 1];
	struct vnode *v;
	long r = get_name(uname, name);

	if (r || (r = target(path, fd, lflags, &v)))
		return r;
	r = vfs_removexattr(v, name);
	vnode_put(v);
	return r;
}

SYSCALL_DEFINE(getxattr, const char __user *path, const char __user *name, void __user *value,
	       unsigned long size)
{
	return getx(path, -1, LOOKUP_FOLLOW, name, value, size);
}

SYSCALL_DEFINE(lgetxattr, const char __user *path, const char __user *name, void __user *value,
	       unsigned long size)
{
	return getx(path, -1, 0, name, value, size);
}

SYSCALL_DEFINE(fgetxattr, int fd, const char __user *name, void __user *value, unsigned long size)
{
	return getx(NULL, fd, 0, name, value, size);
}

SYSCALL_DEFINE(listxattr, const char __user *path, char __user *list, unsigned long size)
{
	return listx(path, -1, LOOKUP_FOLLOW, list, size);
}

SYSCALL_DEFINE(llistxattr, const char __user *path, char __user *list, unsigned long size)
{
	return listx(path, -1, 0, list, size);
}

SYSCALL_DEFINE(flistxattr, int fd, char __user *list, unsigned long size)
{
	return listx(NULL, fd, 0, list, size);
}

SYSCALL_DEFINE(setxattr, const char __user *path, const char __user *name, const void __user *value,
	       unsigned long size, int flags)
{
	return setx(path, -1, LOOKUP_FOLLOW, name, value, size, flags);
}

SYSCALL_DEFINE(lsetxattr, const char __user *path, const char __user *name,
	       const void __user *value, unsigned long size, int flags)
{
	return setx(path, -1, 0, name, value, size, flags);
}

SYSCALL_DEFINE(fsetxattr, int fd, const char __user *name, const void __user *value,
	       unsigned long size, int flags)
{
	return setx(NULL, fd, 0, name, value, size, flags);
}

SYSCALL_DEFINE(removexattr, const char __user *path, const char __user *name)
{
	return removex(path, -1, LOOKUP_FOLLOW, name);
}

SYSCALL_DEFINE(lremovexattr, const char __user *path, const char __user *name)
{
	return removex(path, -1, 0, name);
}

SYSCALL_DEFINE(fremovexattr, int fd, const char __user *name)
{
	return removex(NULL, fd, 0, name);
}
