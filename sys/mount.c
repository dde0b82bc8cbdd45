/*
 * mount(2) and umount2(2): a file system type by name on a directory, a
 * remount that changes the flags, and unmounting what is not in use. Bind
 * and move mounts and propagation flags are not kept: they fail with one
 * console line naming what was asked.
 */
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/syscall.h>
#include <alto/vfs.h>
#include <uapi/errno.h>
#include <uapi/mount.h>

#define MS_PROPAGATION 0x1e0000 /* MS_UNBINDABLE, MS_PRIVATE, MS_SLAVE, MS_SHARED */
#define MOUNT_DATA_MAX 4096

/* A string argument, or NULL for a NULL pointer. */
static char *get_string(const char __user *s, size_t max, long *err)
{
	char *k;
	long n;

	*err = 0;
	if (!s)
		return NULL;
	k = kmalloc(max);
	if (!k) {
		*err = -ENOMEM;
		return NULL;
	}
	n = strncpy_from_user(k, s, max);
	if (n < 0 || (size_t)n == max) {
		*err = n < 0 ? n : -EINVAL;
		kfree(k);
		return NULL;
	}
	return k;
}

static long do_mount(const char *source, const char *target, const char *type, unsigned long flags,
		     const char *data)
{
	if ((flags & MS_MGC_MSK) == MS_MGC_VAL)
		flags &= ~MS_MGC_MSK;
	if (flags & (MS_BIND | MS_MOVE | MS_PROPAGATION)) {
		printk_note("alto: mount: bind, move and propagation mounts are not supported\n");
		return -EINVAL;
	}
	if (flags & MS_REMOUNT)
		return vfs_remount(target, (unsigned int)flags);
	if (!type)
		return -EINVAL;
	return vfs_mount_fs(type, source, target, (unsigned int)flags, data);
}

SYSCALL_DEFINE(mount, const char __user *usource, const char __user *utarget,
	       const char __user *utype, unsigned long flags, const void __user *udata)
{
	long err, e1, e2, e3, e4;
	char *target = get_string(utarget, PATH_MAX, &e1);
	char *source = get_string(usource, PATH_MAX, &e2);
	char *type = get_string(utype, 64, &e3);
	char *data = get_string(udata, MOUNT_DATA_MAX, &e4);

	err = e1 ? e1 : e2 ? e2 : e3 ? e3 : e4;
	if (!err && !target)
		err = -EFAULT;
	if (!err)
		err = do_mount(source, target, type, flags, data);
	kfree(target);
	kfree(source);
	kfree(type);
	kfree(data);
	return err;
}

SYSCALL_DEFINE(umount2, const char __user *utarget, int flags)
{
	char *target = vfs_getname(utarget);
	long err;

	if (IS_ERR(target))
		return PTR_ERR(target);
	err = vfs_umount(target, flags);
	vfs_putname(target);
	return err;
}
