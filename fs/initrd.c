/*
 * Unpacking the initrd (cpio newc) into the root. The archive is checked
 * whole first, so a damaged one leaves the root untouched. Entries keep the
 * archive's mode, owner and mtime (missing parents get 0755); page-aligned
 * file data is borrowed in place, as the initrd stays in memory. Directory
 * times are set last, once nothing more is added to them.
 */
#include <alto/cpio.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/string.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include "internal.h"

static int check_archive(const void *data, size_t size)
{
	struct cpio_entry e;
	size_t off = 0, last = 0;
	int r;

	while ((r = cpio_next(data, size, &off, &e)) == 1)
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

/* Second pass: directory mtimes, which every entry added to them changed. */
static void set_dir_times(const void *data, size_t size, char *path)
{
	struct cpio_entry e;
	size_t off = 0;

	while (cpio_next(data, size, &off, &e) == 1) {
		if ((e.mode & CPIO_S_IFMT) == CPIO_S_IFDIR && entry_path(&e, path))
			set_attrs(path, &e, true);
	}
}

int initrd_unpack(const void *data, size_t size)
{
	struct cpio_entry e;
	size_t off = 0;
	char *path;
	int err = check_archive(data, size);

	if (err)
		return err;
	path = kmalloc(PATH_MAX);
	if (!path)
		return -ENOMEM;
	while (!err && cpio_next(data, size, &off, &e) == 1) {
		err = unpack_entry(&e, path);
		if (err)
			printk("initrd: cannot unpack %s: error %d\n", path, err);
	}
	if (!err)
		set_dir_times(data, size, path);
	kfree(path);
	return err;
}
