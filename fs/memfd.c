/*
 * memfd_create: an anonymous file in memory, a ramfs file on a private
 * mount that no path reaches, shown in /proc as "/memfd:NAME (deleted)" as
 * Linux shows it. It reads, writes, truncates and maps as any ramfs file.
 * Seals (F_ADD_SEALS, F_GET_SEALS) live in the vnode, where ramfs's write
 * and truncate and mmap check them: F_SEAL_WRITE and F_SEAL_FUTURE_WRITE
 * refuse writes and shared writable mappings, F_SEAL_SHRINK and
 * F_SEAL_GROW size changes, F_SEAL_SEAL further seals.
 */
#include <alto/mm.h>
#include <alto/string.h>
#include <alto/format.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/stat.h>
#include "internal.h"

#define MFD_NAME_MAX (NAME_MAX - 6) /* "memfd:" and the name fit NAME_MAX */

static struct mount *memfd_mount;
static struct mutex memfd_lock = MUTEX_INIT(memfd_lock);

static const struct file_ops memfd_fops;

static bool is_memfd(const struct file *f)
{
	return f->ops == &memfd_fops;
}

static long memfd_path(struct file *f, char *buf, size_t size)
{
	int n = snprintf(buf, size, "/memfd:%s (deleted)", (const char *)f->priv);

	return (size_t)n < size ? n : -ENAMETOOLONG;
}

static void memfd_release(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops memfd_fops = {
	.read = ramfs_file_read,
	.write = ramfs_file_write,
	.llseek = vfs_generic_llseek,
	.path = memfd_path,
	.release = memfd_release,
};

struct file *memfd_create(const char *name, unsigned int flags)
{
	struct vnode *v;
	struct file *f;
	char *copy;

	if (strnlen(name, MFD_NAME_MAX + 1) > MFD_NAME_MAX)
		return ERR_PTR(-EINVAL);
	mutex_lock(&memfd_lock);
	if (!memfd_mount)
		memfd_mount = ramfs_create("tmpfs", TMPFS_MAGIC, 01777);
	mutex_unlock(&memfd_lock);
	if (!memfd_mount)
		return ERR_PTR(-ENOMEM);
	copy = kmalloc(strlen(name) + 1);
	if (!copy)
		return ERR_PTR(-ENOMEM);
	memcpy(copy, name, strlen(name) + 1);
	v = ramfs_new_file(memfd_mount, (flags & MFD_NOEXEC_SEAL) ? 0666 : 0777);
	if (!v) {
		kfree(copy);
		return ERR_PTR(-ENOMEM);
	}
	/* Without MFD_ALLOW_SEALING the file is sealed against seals, as on Linux. */
	if (flags & MFD_NOEXEC_SEAL)
		v->seals = F_SEAL_EXEC;
	else if (!(flags & MFD_ALLOW_SEALING))
		v->seals = F_SEAL_SEAL;
	f = file_alloc(v, &memfd_fops, O_RDWR | O_LARGEFILE);
	vnode_put(v);
	if (IS_ERR(f))
		kfree(copy);
	else
		f->priv = copy;
	return f;
}

int memfd_add_seals(struct file *f, unsigned int seals)
{
	struct vnode *v = f->vnode;
	int err = 0;

	if (!is_memfd(f) || (seals & ~F_SEAL_ALL))
		return -EINVAL;
	if (!file_writable(f))
		return -EPERM;
	rw_write_lock(&v->lock);
	if (v->seals & F_SEAL_SEAL)
		err = -EPERM;
	else
		v->seals |= seals;
	rw_write_unlock(&v->lock);
	return err;
}

int memfd_get_seals(struct file *f)
{
	return is_memfd(f) ? (int)READ_ONCE(f->vnode->seals) : -EINVAL;
}
