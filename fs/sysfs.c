/*
 * A minimal sysfs on /sys: a fixed tree of directories built at boot, with
 * read-only files whose text is generated at each read. It holds what C
 * libraries and libnuma read to count CPUs and nodes: the cpu and node
 * directories of /sys/devices/system, their online/possible/present lists.
 * Mounting makes the root alone; the tree under it is built the first time
 * the root is looked in (fill_root, once, under a mutex), so a program that
 * never reads /sys costs the boot none of it.
 */
#include <alto/cpu.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/string.h>
#include <alto/sync.h>
#include <uapi/errno.h>
#include "internal.h"

#define SYSFS_FILE_SIZE 4096 /* what Linux reports for every attribute */

struct sysfs_node {
	struct vnode v;
	const char *name;
	struct sysfs_node *parent; /* NULL for the root */
	struct list children;	   /* directories */
	struct list sibling;
	uint64_t cookie; /* readdir position: 2 + index among siblings */
	/* Files: write the text into buf (size bytes); returns its length. */
	size_t (*show)(char *buf, size_t size, unsigned long arg);
	unsigned long arg;
};

static const struct vnode_ops sysfs_ops;
static const struct file_ops sysfs_file_ops;
static struct mount sysfs_mount;
static struct mutex fill_lock = MUTEX_INIT(fill_lock);
static bool filled; /* the tree under the root is built */

static void fill_root(struct sysfs_node *root);

static struct sysfs_node *node_of(struct vnode *v)
{
	return container_of(v, struct sysfs_node, v);
}

/* "0" or "0-3": the CPUs (or nodes) 0..n-1 as Linux prints a list. */
static size_t show_range(char *buf, size_t size, unsigned long n)
{
	if (n <= 1)
		return (size_t)snprintf(buf, size, "0\n");
	return (size_t)snprintf(buf, size, "0-%lu\n", n - 1);
}

static size_t show_cpus(char *buf, size_t size, unsigned long unused)
{
	return show_range(buf, size, cpu_count);
}

static size_t show_one_node(char *buf, size_t size, unsigned long unused)
{
	return show_range(buf, size, 1);
}

/* A CPU bitmap as Linux prints one: 32-bit hex words, most significant first. */
static size_t show_cpumap(char *buf, size_t size, unsigned long unused)
{
	unsigned int n = cpu_count, words = (n + 31) / 32;
	size_t len = 0;

	for (unsigned int w = words; w-- > 0 && len < size;) {
		unsigned int bits = MIN(n - w * 32, 32u);
		uint32_t mask = bits == 32 ? 0xffffffffu : (1u << bits) - 1;
		int digits = w == words - 1 ? (int)(bits + 3) / 4 : 8;
		len += (size_t)snprintf(buf + len, size - len, "%0*x%s", digits, mask,
					w ? "," : "\n");
	}
	return MIN(len, size);
}

static size_t show_text(char *buf, size_t size, unsigned long text)
{
	return (size_t)snprintf(buf, size, "%s", (const char *)text);
}

static size_t show_meminfo(char *buf, size_t size, unsigned long unused)
{
	unsigned long total = pages_total_count() * (PAGE_SIZE / 1024);
	unsigned long free = pages_free_count() * (PAGE_SIZE / 1024);

	return (size_t)snprintf(buf, size,
				"Node 0 MemTotal:       %8lu kB\n"
				"Node 0 MemFree:        %8lu kB\n"
				"Node 0 MemUsed:        %8lu kB\n",
				total, free, total - free);
}

static struct sysfs_node *node_new(struct sysfs_node *parent, const char *name, uint32_t mode)
{
	struct sysfs_node *n = kzalloc(sizeof(*n));

	if (!n)
		panic("sysfs: out of memory");
	vnode_init(&n->v, &sysfs_mount, &sysfs_ops, mode);
	n->name = name;
	n->parent = parent;
	list_init(&n->children);
	if (S_ISDIR(mode)) {
		n->v.fops = &vfs_dir_fops;
		n->v.nlink = 2;
	} else {
		n->v.fops = &sysfs_file_ops;
		n->v.size = SYSFS_FILE_SIZE;
	}
	if (parent) {
		struct sysfs_node *last =
			list_empty(&parent->children) ?
				NULL :
				list_entry(parent->children.prev, struct sysfs_node, sibling);
		n->cookie = last ? last->cookie + 1 : 2;
		list_append(&parent->children, &n->sibling);
		if (S_ISDIR(mode))
			parent->v.nlink++;
	}
	return n;
}

static struct sysfs_node *add_dir(struct sysfs_node *parent, const char *name)
{
	return node_new(parent, name, S_IFDIR | 0755);
}

static void add_file(struct sysfs_node *parent, const char *name,
		     size_t (*show)(char *, size_t, unsigned long), unsigned long arg)
{
	struct sysfs_node *n = node_new(parent, name, S_IFREG | 0444);

	n->show = show;
	n->arg = arg;
}

/* dir's children, once the tree is there: the root's are built by the first to ask. */
static struct sysfs_node *children_ready(struct vnode *dir)
{
	struct sysfs_node *d = node_of(dir);

	if (!d->parent && !__atomic_load_n(&filled, __ATOMIC_ACQUIRE)) {
		mutex_lock(&fill_lock);
		if (!filled) {
			fill_root(d);
			__atomic_store_n(&filled, true, __ATOMIC_RELEASE);
		}
		mutex_unlock(&fill_lock);
	}
	return d;
}

static int sysfs_lookup(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
	struct sysfs_node *d = children_ready(dir);
	struct list *l;

	if (len == 2 && name[0] == '.' && name[1] == '.') {
		*out = d->parent ? &d->parent->v : dir; /* the root's: vfs_step leaves the mount */
		vnode_get(*out);
		return 0;
	}
	list_for_each(l, &d->children) {
		struct sysfs_node *n = list_entry(l, struct sysfs_node, sibling);
		if (strlen(n->name) == len && !memcmp(n->name, name, len)) {
			vnode_get(&n->v);
			*out = &n->v;
			return 0;
		}
	}
	return -ENOENT;
}

static int sysfs_readdir(struct vnode *dir, uint64_t *cookie, vfs_dirent_fn fn, void *ctx)
{
	struct sysfs_node *d = children_ready(dir);
	struct vnode *up = d->parent ? &d->parent->v : sysfs_mount.covered;
	struct list *l;

	if (*cookie == 0) {
		if (fn(ctx, ".", 1, dir->ino, DT_DIR, 1))
			return 0;
		*cookie = 1;
	}
	if (*cookie == 1) {
		if (fn(ctx, "..", 2, up ? up->ino : dir->ino, DT_DIR, 2))
			return 0;
		*cookie = 2;
	}
	list_for_each(l, &d->children) {
		struct sysfs_node *n = list_entry(l, struct sysfs_node, sibling);
		if (n->cookie < *cookie)
			continue;
		if (fn(ctx, n->name, strlen(n->name), n->v.ino, (n->v.mode & S_IFMT) >> 12,
		       n->cookie + 1))
			return 0;
		*cookie = n->cookie + 1;
	}
	return 0;
}

static int sysfs_name_of(struct vnode *dir, struct vnode *child, char *buf, size_t size)
{
	struct sysfs_node *n = node_of(child);
	size_t len = strlen(n->name);

	if (n->parent != node_of(dir) || len >= size)
		return -ENOENT;
	memcpy(buf, n->name, len);
	return (int)len;
}

static void sysfs_free(struct vnode *v)
{
	/* The tree lives as long as the kernel: nodes always hold a reference. */
}

/* The tree is fixed: nothing may be created, linked, removed or renamed. */
static int sysfs_create(struct vnode *dir, const char *name, size_t len, uint32_t mode,
			uint64_t rdev, struct vnode **out)
{
	return -EPERM;
}

static int sysfs_symlink(struct vnode *dir, const char *name, size_t len, const char *target,
			 struct vnode **out)
{
	return -EPERM;
}

static int sysfs_link(struct vnode *dir, const char *name, size_t len, struct vnode *v)
{
	return -EPERM;
}

static int sysfs_unlink(struct vnode *dir, const char *name, size_t len, bool rmdir)
{
	return -EPERM;
}

static int sysfs_rename(struct vnode *odir, const char *oname, size_t olen, struct vnode *ndir,
			const char *nname, size_t nlen, unsigned int flags)
{
	return -EPERM;
}

/* Opening for writing truncates first: refuse it as the open itself would be. */
static int sysfs_truncate(struct vnode *v, uint64_t size)
{
	return -EACCES;
}

static const struct vnode_ops sysfs_ops = {
	.lookup = sysfs_lookup,
	.create = sysfs_create,
	.symlink = sysfs_symlink,
	.link = sysfs_link,
	.unlink = sysfs_unlink,
	.rename = sysfs_rename,
	.readdir = sysfs_readdir,
	.name_of = sysfs_name_of,
	.truncate = sysfs_truncate,
	.free = sysfs_free,
};

/* Attributes without a store method refuse to open for writing, even for root. */
static int sysfs_open(struct file *f)
{
	return file_writable(f) ? -EACCES : 0;
}

static long sysfs_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct sysfs_node *n = node_of(f->vnode);
	char *buf = kmalloc(PAGE_SIZE);

	if (!buf)
		return -ENOMEM;
	size_t len = n->show(buf, PAGE_SIZE, n->arg);
	long done = 0;
	if (*pos < len) {
		done = (long)MIN(len - *pos, u->resid);
		if (uio_copy_out(u, buf + *pos, (size_t)done))
			done = -EFAULT;
		else
			*pos += (uint64_t)done;
	}
	kfree(buf);
	return done;
}

static const struct file_ops sysfs_file_ops = {
	.open = sysfs_open,
	.read = sysfs_read,
	.llseek = vfs_generic_llseek,
};

static void build_cpus(struct sysfs_node *system)
{
	struct sysfs_node *cpu = add_dir(system, "cpu");
	char *names = kzalloc((size_t)cpu_count * 8);

	if (!names)
		panic("sysfs: out of memory");
	add_file(cpu, "online", show_cpus, 0);
	add_file(cpu, "possible", show_cpus, 0);
	add_file(cpu, "present", show_cpus, 0);
	/* glibc's get_nprocs_conf counts these directories. */
	for (unsigned int i = 0; i < cpu_count; i++) {
		snprintf(names + i * 8, 8, "cpu%u", i);
		add_dir(cpu, names + i * 8);
	}
}

static void build_nodes(struct sysfs_node *system)
{
	struct sysfs_node *node = add_dir(system, "node");
	struct sysfs_node *node0;

	add_file(node, "online", show_one_node, 0);
	add_file(node, "possible", show_one_node, 0);
	add_file(node, "has_cpu", show_one_node, 0);
	add_file(node, "has_memory", show_one_node, 0);
	node0 = add_dir(node, "node0");
	add_file(node0, "cpulist", show_cpus, 0);
	add_file(node0, "cpumap", show_cpumap, 0);
	add_file(node0, "distance", show_text, (unsigned long)"10\n");
	add_file(node0, "meminfo", show_meminfo, 0);
}

static void fill_root(struct sysfs_node *root)
{
	struct sysfs_node *system = add_dir(add_dir(root, "devices"), "system");

	build_cpus(system);
	build_nodes(system);
}

/* There is one /sys: mounting it again (elsewhere) is EBUSY. */
static struct mount *sysfs_mount_fs(const struct fs_type *t, const char *source, unsigned int flags,
				    const char *data)
{
	if (sysfs_mount.root)
		return ERR_PTR(-EBUSY);
	mount_init(&sysfs_mount, "sysfs", SYSFS_MAGIC);
	sysfs_mount.root = &node_new(NULL, "", S_IFDIR | 0555)->v;
	return &sysfs_mount;
}

FILESYSTEM(sysfs_type) = { .name = "sysfs", .mount = sysfs_mount_fs };

void sysfs_init(void)
{
	int err = vfs_mkdir(NULL, "/sys", 0555);

	if (err && err != -EEXIST)
		panic("sysfs: cannot create /sys: %d", err);
	err = vfs_mount_fs("sysfs", NULL, "/sys", 0, NULL);
	if (err)
		panic("sysfs: cannot mount /sys: %d", err);
}
