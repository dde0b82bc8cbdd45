/*
 * procfs on /proc: the tree machinery. Directories are constant tables of
 * entries (fs/procfs.h) plus numbered entries listed on demand (pids, tids,
 * file descriptors). A lookup makes a fresh node that lives while it is
 * referenced; its inode number is derived from what it names, so a name
 * keeps its number across lookups. A file's text is generated when it is
 * read from offset 0 and kept for the reads that follow, so a reader that
 * goes on in pieces sees one consistent snapshot, as with Linux's seq_file.
 */
#include <alto/cred.h>
#include <alto/format.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/process.h>
#include <alto/string.h>
#include <uapi/errno.h>
#include <uapi/statfs.h>
#include <stdarg.h>
#include "procfs.h"

static const struct vnode_ops proc_ops;
static const struct file_ops proc_file_ops;
static struct mount proc_mount;

void pb_write(struct pbuf *b, const void *data, size_t len)
{
	if (b->oom)
		return;
	if (b->len + len + 1 > b->size) {
		size_t size = MAX(b->size * 2, ALIGN_UP(b->len + len + 1, 1024));
		char *buf = kmalloc(size);
		if (!buf) {
			b->oom = true;
			return;
		}
		memcpy(buf, b->buf, b->len);
		kfree(b->buf);
		b->buf = buf;
		b->size = size;
	}
	memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = 0;
}

void pb_printf(struct pbuf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if ((size_t)n < sizeof(small)) {
		pb_write(b, small, (size_t)n);
		return;
	}
	char *big = kmalloc((size_t)n + 1);
	if (!big) {
		b->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	pb_write(b, big, (size_t)n);
	kfree(big);
}

void pb_cpu_list(struct pbuf *b, uint64_t mask)
{
	bool first = true;

	for (int i = 0; i < 64; i++) {
		if (!(mask & (1ull << i)))
			continue;
		int j = i;
		while (j + 1 < 64 && (mask & (1ull << (j + 1))))
			j++;
		pb_printf(b, j > i ? "%s%d-%d" : "%s%d", first ? "" : ",", i, j);
		first = false;
		i = j;
	}
	pb_write(b, "\n", 1);
}

struct process *proc_process(const struct proc_node *n)
{
	struct process *p = n->pid > INIT_PID ? process_find(n->pid) : NULL;

	if (p && READ_ONCE(p->state) == PROCESS_REAPED) {
		process_put(p);
		return NULL;
	}
	return p;
}

static struct proc_node *node_of(struct vnode *v)
{
	return container_of(v, struct proc_node, v);
}

/* The same name gets the same number: a mix of what the node is about. */
static uint64_t ino_of(const struct proc_entry *e, int pid, int tid, int fd)
{
	uint64_t h = (uintptr_t)e;

	h = h * 1000003 + (uint64_t)pid;
	h = h * 1000003 + (uint64_t)tid;
	h = h * 1000003 + (uint64_t)(fd + 1);
	h ^= h >> 29;
	return (h & 0xffffffffffull) + 2; /* 1 is the root's */
}

static struct proc_node *node_new(struct proc_node *parent, const struct proc_entry *e, int pid,
				  int tid, int fd)
{
	struct proc_node *n = kzalloc(sizeof(*n));

	if (!n)
		return NULL;
	vnode_init(&n->v, &proc_mount, &proc_ops, e->mode);
	n->v.ino = parent ? ino_of(e, pid, tid, fd) : 1;
	n->v.fops = S_ISDIR(e->mode) ? &vfs_dir_fops : &proc_file_ops;
	n->v.nlink = S_ISDIR(e->mode) ? 2 : 1;
	n->entry = e;
	n->parent = parent;
	n->pid = pid;
	n->tid = tid;
	n->fd = fd;
	if (parent)
		vnode_get(&parent->v);
	/* What is about a process belongs to its effective ids, as on Linux. */
	struct process *p = pid ? proc_process(n) : NULL;
	if (p) {
		struct cred *c = cred_of_process(p);
		n->v.uid = c->euid;
		n->v.gid = c->egid;
		cred_put(c);
		process_put(p);
	}
	return n;
}

/* The child a numbered entry names under dir: who it is about. */
static void numbered_ids(const struct proc_node *dir, long num, int *pid, int *tid, int *fd)
{
	*pid = dir->pid;
	*tid = dir->tid;
	*fd = dir->fd;
	switch (dir->entry->number) {
	case PROC_NUM_PID:
		*pid = (int)num;
		*tid = 0;
		break;
	case PROC_NUM_TID:
		*tid = (int)num;
		break;
	case PROC_NUM_FD:
		*fd = (int)num;
		break;
	}
}

/* A decimal number without sign or leading zeros, as procfs names them; -1 if not one. */
static long parse_number(const char *name, size_t len)
{
	long v = 0;

	if (!len || len > 9 || (name[0] == '0' && len > 1))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		v = v * 10 + (name[i] - '0');
	}
	return v;
}

static int proc_lookup(struct vnode *dir, const char *name, size_t len, struct vnode **out)
{
	struct proc_node *d = node_of(dir), *n = NULL;
	const struct proc_entry *e = d->entry;

	if (len == 2 && name[0] == '.' && name[1] == '.') {
		*out = d->parent ? &d->parent->v : dir;
		vnode_get(*out);
		return 0;
	}
	for (const struct proc_entry *c = e->children; c && c->name; c++) {
		if (strlen(c->name) == len && !memcmp(c->name, name, len)) {
			n = node_new(d, c, d->pid, d->tid, d->fd);
			goto found;
		}
	}
	long num = e->next ? parse_number(name, len) : -1;
	if (num < 0 || e->next(d, num) != num)
		return -ENOENT;
	int pid, tid, fd;
	numbered_ids(d, num, &pid, &tid, &fd);
	n = node_new(d, e->numbered, pid, tid, fd);
found:
	if (!n)
		return -ENOMEM;
	*out = &n->v;
	return 0;
}

static unsigned int dtype(uint32_t mode)
{
	return (mode & S_IFMT) >> 12;
}

static int proc_readdir(struct vnode *dir, uint64_t *cookie, vfs_dirent_fn fn, void *ctx)
{
	struct proc_node *d = node_of(dir);
	const struct proc_entry *e = d->entry;
	struct vnode *up = d->parent ? &d->parent->v : proc_mount.covered;
	uint64_t nfixed = 0;
	char name[16];

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
	for (const struct proc_entry *c = e->children; c && c->name; c++, nfixed++) {
		if (2 + nfixed < *cookie)
			continue;
		if (fn(ctx, c->name, strlen(c->name), ino_of(c, d->pid, d->tid, d->fd),
		       dtype(c->mode), 3 + nfixed))
			return 0;
		*cookie = 3 + nfixed;
	}
	if (!e->next)
		return 0;
	for (long num = e->next(d, (long)(*cookie - 2 - nfixed)); num >= 0;
	     num = e->next(d, num + 1)) {
		int pid, tid, fd;
		numbered_ids(d, num, &pid, &tid, &fd);
		int len = snprintf(name, sizeof(name), "%ld", num);
		if (fn(ctx, name, (size_t)len, ino_of(e->numbered, pid, tid, fd),
		       dtype(e->numbered->mode), 3 + nfixed + (uint64_t)num))
			return 0;
		*cookie = 3 + nfixed + (uint64_t)num;
	}
	return 0;
}

static int proc_name_of(struct vnode *dir, struct vnode *child, char *buf, size_t size)
{
	struct proc_node *n = node_of(child), *d = node_of(dir);
	int len;

	if (n->parent != d)
		return -ENOENT;
	if (n->entry->name) {
		len = (int)strlen(n->entry->name);
		if ((size_t)len >= size)
			return -ENOENT;
		memcpy(buf, n->entry->name, (size_t)len);
		return len;
	}
	long num = d->entry->number == PROC_NUM_PID ? n->pid :
		   d->entry->number == PROC_NUM_TID ? n->tid :
						      n->fd;
	len = snprintf(buf, size, "%ld", num);
	return (size_t)len < size ? len : -ENOENT;
}

static long proc_readlink(struct vnode *v, char *buf, size_t size)
{
	struct proc_node *n = node_of(v);
	char *tmp = kmalloc(PATH_MAX);

	if (!tmp)
		return -ENOMEM;
	long len = n->entry->link(n, tmp, PATH_MAX);
	if (len >= 0) {
		len = MIN((size_t)len, size);
		memcpy(buf, tmp, (size_t)len);
	}
	kfree(tmp);
	return len;
}

static struct file *proc_jump(struct vnode *v)
{
	struct proc_node *n = node_of(v);

	return n->entry->jump ? n->entry->jump(n) : NULL;
}

static void proc_free(struct vnode *v)
{
	struct proc_node *n = node_of(v);

	if (n->parent)
		vnode_put(&n->parent->v);
	kfree(n);
}

/* Nothing may be created, linked, removed or renamed. */
static int proc_create(struct vnode *dir, const char *name, size_t len, uint32_t mode,
		       uint64_t rdev, struct vnode **out)
{
	return -EACCES;
}

static int proc_symlink(struct vnode *dir, const char *name, size_t len, const char *target,
			struct vnode **out)
{
	return -EACCES;
}

static int proc_link(struct vnode *dir, const char *name, size_t len, struct vnode *v)
{
	return -EACCES;
}

static int proc_unlink(struct vnode *dir, const char *name, size_t len, bool rmdir)
{
	return -EACCES;
}

static int proc_rename(struct vnode *odir, const char *oname, size_t olen, struct vnode *ndir,
		       const char *nname, size_t nlen, unsigned int flags)
{
	return -EACCES;
}

static int proc_truncate(struct vnode *v, uint64_t size)
{
	return -EACCES;
}

static const struct vnode_ops proc_ops = {
	.lookup = proc_lookup,
	.create = proc_create,
	.symlink = proc_symlink,
	.link = proc_link,
	.unlink = proc_unlink,
	.rename = proc_rename,
	.readdir = proc_readdir,
	.name_of = proc_name_of,
	.readlink = proc_readlink,
	.jump = proc_jump,
	.truncate = proc_truncate,
	.free = proc_free,
};

/* An open file's text: generated at a read from offset 0, kept for the rest. */
struct proc_text {
	struct mutex lock;
	struct pbuf b;
	bool valid;
};

static int proc_open(struct file *f)
{
	struct proc_text *t;

	if (file_writable(f))
		return -EACCES;
	t = kzalloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	mutex_init(&t->lock);
	f->priv = t;
	return 0;
}

static void proc_release(struct file *f)
{
	struct proc_text *t = f->priv;

	kfree(t->b.buf);
	kfree(t);
}

static long proc_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct proc_node *n = node_of(f->vnode);
	struct proc_text *t = f->priv;
	long done = 0;

	mutex_lock(&t->lock);
	if (*pos == 0 || !t->valid) {
		kfree(t->b.buf);
		t->b = (struct pbuf){ 0 };
		n->entry->show(&t->b, n);
		t->valid = !t->b.oom;
		if (t->b.oom)
			done = -ENOMEM;
	}
	if (!done && *pos < t->b.len) {
		done = (long)MIN(t->b.len - *pos, u->resid);
		if (uio_copy_out(u, t->b.buf + *pos, (size_t)done))
			done = -EFAULT;
		else
			*pos += (uint64_t)done;
	}
	mutex_unlock(&t->lock);
	return done;
}

static const struct file_ops proc_file_ops = {
	.open = proc_open,
	.release = proc_release,
	.read = proc_read,
	.llseek = vfs_generic_llseek,
};

/* There is one /proc: mounting it again (elsewhere) is EBUSY. */
static struct mount *procfs_mount(const struct fs_type *t, const char *source, unsigned int flags,
				  const char *data)
{
	struct proc_node *root;

	if (proc_mount.root)
		return ERR_PTR(-EBUSY);
	mount_init(&proc_mount, "proc", PROC_SUPER_MAGIC);
	root = node_new(NULL, &proc_root_dir, 0, 0, -1);
	if (!root)
		return ERR_PTR(-ENOMEM);
	root->v.mode = S_IFDIR | 0555;
	proc_mount.root = &root->v;
	return &proc_mount;
}

FILESYSTEM(procfs_type) = { .name = "proc", .mount = procfs_mount };

void procfs_init(void)
{
	int err = vfs_mkdir(NULL, "/proc", 0555);

	if (err && err != -EEXIST)
		panic("procfs: cannot create /proc: %d", err);
	err = vfs_mount_fs("proc", NULL, "/proc", 0, NULL);
	if (err)
		panic("procfs: cannot mount /proc: %d", err);
}
