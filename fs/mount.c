/*
 * The mount table and file system types. Types register with FILESYSTEM()
 * in a linker section and are found by name; a mount sits on a directory
 * (its `covered` vnode) and is listed in the order it was made, which is
 * what /proc/mounts shows. Unmounting refuses a mount still in use: open
 * files (counted per mount), references to its root beyond the mount's own
 * and the walk's, and whatever the file system itself knows of (its vnodes
 * held by working directories). sync and power-off go through every mount.
 */
#include <alto/block.h>
#include <alto/boot.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/string.h>
#include <uapi/errno.h>
#include <uapi/mount.h>
#include <uapi/stat.h>
#include "internal.h"

static struct list mounts = LIST_INIT(mounts);
static struct mutex mounts_lock = MUTEX_INIT(mounts_lock);
static unsigned int next_mount_id = 1;

extern const struct fs_type *const __filesystems_start[], *const __filesystems_end[];

const struct fs_type *fs_type_find(const char *name)
{
	for (const struct fs_type *const *t = __filesystems_start; t < __filesystems_end; t++) {
		if (!strcmp((*t)->name, name))
			return *t;
	}
	return NULL;
}

void fs_types_for_each(void (*fn)(const struct fs_type *t, void *ctx), void *ctx)
{
	for (const struct fs_type *const *t = __filesystems_start; t < __filesystems_end; t++)
		fn(*t, ctx);
}

void mount_init(struct mount *m, const char *fstype, uint32_t magic)
{
	mutex_init(&m->ns_lock);
	m->fstype = fstype;
	m->source = fstype;
	m->magic = magic;
	m->next_ino = 0;
	list_init(&m->link);
	mutex_lock(&mounts_lock);
	m->id = next_mount_id++;
	/* Anonymous devices, as Linux numbers them for in-memory file systems: 0:N. */
	m->dev = makedev_linux(0, m->id);
	mutex_unlock(&mounts_lock);
}

void mount_add_root(struct mount *m)
{
	mutex_lock(&mounts_lock);
	list_append(&mounts, &m->link);
	mutex_unlock(&mounts_lock);
}

int vfs_mount(struct mount *m, const char *path)
{
	struct vnode *dir;
	int err = vfs_lookup(NULL, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &dir);

	if (err)
		return err;
	mutex_lock(&mounts_lock);
	if (dir->mounted) {
		mutex_unlock(&mounts_lock);
		vnode_put(dir);
		return -EBUSY;
	}
	m->covered = dir; /* the reference moves to the mount */
	dir->mounted = m;
	list_append(&mounts, &m->link);
	mutex_unlock(&mounts_lock);
	return 0;
}

/* The MNT_* flags mount(2)'s MS_* ask for. */
static unsigned int mnt_flags(unsigned long ms)
{
	return (ms & MS_RDONLY ? MNT_RDONLY : 0) | (ms & MS_NOSUID ? MNT_NOSUID : 0) |
	       (ms & MS_NODEV ? MNT_NODEV : 0) | (ms & MS_NOEXEC ? MNT_NOEXEC : 0);
}

/* A file system's last call: everything written back, its state freed. */
static void release(struct mount *m)
{
	if (m->ops && m->ops->sync)
		m->ops->sync(m, SYNC_WAIT | SYNC_FINAL);
	if (m->ops && m->ops->unmount)
		m->ops->unmount(m);
}

int vfs_mount_fs(const char *fstype, const char *source, const char *target, unsigned int flags,
		 const char *data)
{
	const struct fs_type *t = fs_type_find(fstype);
	struct mount *m;

	if (!t)
		return -ENODEV;
	if (t->needs_device && !source)
		return -ENOTBLK;
	m = t->mount(t, source, mnt_flags(flags), data);
	if (IS_ERR(m))
		return (int)PTR_ERR(m);
	m->flags |= mnt_flags(flags);
	int err = vfs_mount(m, target);
	if (err)
		release(m);
	return err;
}

/* The mount whose root is at target (referenced through its root), or -EINVAL. */
static int mount_at(const char *target, struct mount **out)
{
	struct vnode *v;
	int err = vfs_lookup(NULL, target, LOOKUP_FOLLOW, &v);

	if (err)
		return err;
	if (v != v->mount->root || !v->mount->covered) {
		vnode_put(v);
		return -EINVAL;
	}
	*out = v->mount;
	return 0;
}

int vfs_remount(const char *target, unsigned int flags)
{
	struct mount *m;
	int err = mount_at(target, &m);

	if (err)
		return err;
	unsigned int want = mnt_flags(flags);
	if ((want & MNT_RDONLY) && !(m->flags & MNT_RDONLY) && m->ops && m->ops->sync)
		m->ops->sync(m, SYNC_WAIT);
	m->flags = want;
	vnode_put(m->root);
	return 0;
}

static bool busy(struct mount *m)
{
	/* The mount's own reference to its root and the one the walk took. */
	if (READ_ONCE(m->root->refs) > 2 || READ_ONCE(m->nfiles) > 0 || m->root->mounted)
		return true;
	return m->ops && m->ops->busy && m->ops->busy(m);
}

int vfs_umount(const char *target, int flags)
{
	struct mount *m;
	int err;

	if (flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW))
		return -EINVAL;
	err = mount_at(target, &m);
	if (err)
		return err;
	mutex_lock(&mounts_lock);
	if (busy(m)) {
		mutex_unlock(&mounts_lock);
		vnode_put(m->root);
		return -EBUSY;
	}
	m->covered->mounted = NULL;
	list_remove(&m->link);
	mutex_unlock(&mounts_lock);
	vnode_put(m->root); /* the walk's */
	vnode_put(m->covered);
	release(m);
	return 0;
}

/* The mounts as they are now, referenced through their roots, for work that sleeps. */
static int snapshot(struct mount ***out)
{
	struct list *l;
	int n = 0, i = 0;

	mutex_lock(&mounts_lock);
	list_for_each(l, &mounts)
		n++;
	struct mount **all = kmalloc((size_t)(n ? n : 1) * sizeof(*all));
	if (all) {
		list_for_each(l, &mounts) {
			struct mount *m = list_entry(l, struct mount, link);
			vnode_get(m->root);
			all[i++] = m;
		}
	}
	mutex_unlock(&mounts_lock);
	*out = all;
	return all ? n : 0;
}

static void sync_mounts(unsigned int how, bool reverse)
{
	struct mount **all;
	int n = snapshot(&all);

	for (int j = 0; j < n; j++) {
		struct mount *m = all[reverse ? n - 1 - j : j];
		if (m->ops && m->ops->sync)
			m->ops->sync(m, how);
		vnode_put(m->root);
	}
	kfree(all);
}

/* File systems first, then what was written to block devices directly (/dev/vda). */
void vfs_sync_all(bool wait)
{
	sync_mounts(wait ? SYNC_WAIT : 0, false);
	blkdev_sync_all();
}

void vfs_shutdown(void)
{
	sync_mounts(SYNC_WAIT | SYNC_FINAL, true);
	blkdev_sync_all();
}

int vfs_syncfs(struct file *f)
{
	struct mount *m = f->vnode->mount;

	return m->ops && m->ops->sync ? m->ops->sync(m, SYNC_WAIT) : 0;
}

int vfs_check_writable(const struct vnode *v)
{
	return READ_ONCE(v->mount->flags) & MNT_RDONLY ? -EROFS : 0;
}

int vfs_statfs(struct vnode *v, struct statfs *st)
{
	struct mount *m = v->mount;
	uint64_t total = pages_total_count(), free = pages_free_count();
	int err = 0;

	*st = (struct statfs){
		.f_bsize = PAGE_SIZE,
		.f_blocks = total,
		.f_bfree = free,
		.f_bavail = free,
		.f_files = total,
		.f_ffree = free,
		.f_namelen = NAME_MAX,
		.f_frsize = PAGE_SIZE,
	};
	if (m->ops && m->ops->statfs)
		err = m->ops->statfs(m, st);
	st->f_type = m->magic;
	st->f_fsid[0] = (int32_t)m->dev;
	st->f_fsid[1] = 0;
	st->f_flags = ST_VALID | (m->flags & MNT_RDONLY ? ST_RDONLY : 0) |
		      (m->flags & MNT_NOSUID ? ST_NOSUID : 0) |
		      (m->flags & MNT_NODEV ? ST_NODEV : 0) |
		      (m->flags & MNT_NOEXEC ? ST_NOEXEC : 0);
	return err;
}

void vfs_for_each_mount(void (*fn)(struct mount *m, void *ctx), void *ctx)
{
	struct list *l;

	mutex_lock(&mounts_lock);
	list_for_each(l, &mounts)
		fn(list_entry(l, struct mount, link), ctx);
	mutex_unlock(&mounts_lock);
}

/* "ro" and "rw" among the options become flags; the others go to the file system. */
static unsigned int split_flags(char *opts)
{
	unsigned int flags = 0;
	char *out = opts;

	for (char *p = opts; p && *p;) {
		char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == 2 && !memcmp(p, "ro", 2)) {
			flags |= MS_RDONLY;
		} else if (!(len == 2 && !memcmp(p, "rw", 2)) && len) {
			if (out != opts)
				*out++ = ',';
			memmove(out, p, len);
			out += len;
		}
		p += len + (comma != NULL);
	}
	if (out)
		*out = 0;
	return flags;
}

/* Directories down to path, made as needed (mkdir -p). */
static int make_dirs(char *path)
{
	for (char *p = strchr(path + 1, '/');; p = strchr(p + 1, '/')) {
		if (p)
			*p = 0;
		int err = vfs_mkdir(NULL, path, 0755);
		if (p)
			*p = '/';
		if (err && err != -EEXIST)
			return err;
		if (!p)
			return 0;
	}
}

/* Split "a:b:c:rest" into up to n fields (the last keeps its colons); copy is kmalloc'd. */
static char *split_fields(const char *arg, char **field, int n)
{
	char *copy = kmalloc(strlen(arg) + 1);

	if (!copy)
		return NULL;
	strlcpy(copy, arg, strlen(arg) + 1);
	for (int i = 0; i < n; i++)
		field[i] = NULL;
	char *p = copy;
	for (int i = 0; p && i < n; i++) {
		field[i] = p;
		p = i < n - 1 ? strchr(p, ':') : NULL;
		if (p)
			*p++ = 0;
	}
	return copy;
}

struct mount *vfs_mount_root(const char *spec)
{
	char *field[3];
	char *copy = split_fields(spec, field, 3);

	if (!copy)
		return ERR_PTR(-ENOMEM);
	const char *type = field[1] && *field[1] ? field[1] : "ext2";
	unsigned int flags = split_flags(field[2]);
	const struct fs_type *t = fs_type_find(type);
	struct mount *m = t ? t->mount(t, field[0], mnt_flags(flags), field[2]) : ERR_PTR(-ENODEV);
	if (IS_ERR(m))
		printk("alto: cannot mount the root file system %s (%s): error %ld\n", field[0],
		       type, PTR_ERR(m));
	else
		m->flags |= mnt_flags(flags);
	kfree(copy);
	return m;
}

/* One --mount=SOURCE:DIR[:TYPE[:OPTIONS]]: 0, or -errno after a line saying why. */
static int mount_option(const char *arg)
{
	char *field[4];
	char *copy = split_fields(arg, field, 4);
	int err;

	if (!copy)
		return -ENOMEM;
	const char *type = field[2] && *field[2] ? field[2] : "ext2";
	unsigned int flags = split_flags(field[3]);
	if (!field[1] || field[1][0] != '/') {
		printk("alto: --mount=%s: the form is SOURCE:/DIR[:TYPE[:OPTIONS]]\n", arg);
		err = -EINVAL;
	} else if ((err = make_dirs(field[1])) ||
		   (err = vfs_mount_fs(type, field[0], field[1], flags, field[3]))) {
		printk("alto: cannot mount %s on %s (%s): error %d\n", field[0], field[1], type,
		       err);
	}
	kfree(copy);
	return err;
}

int vfs_mount_boot(void)
{
	const char *arg;
	int err = 0;

	for (int i = 0; !err && (arg = cmdline_get_nth("mount", i)); i++)
		err = mount_option(arg);
	return err;
}
