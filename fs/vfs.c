/*
 * The VFS core: vnode references, files without names, attributes, the
 * working directory, and boot (vfs_init). A vnode lives while references
 * remain; file systems count one for each directory entry naming it, so the
 * last of links and open files frees it. The mount table is fs/mount.c.
 */
#include <alto/boot.h>
#include <alto/mm.h>
#include <alto/mqueue.h>
#include <alto/pagecache.h>
#include <alto/printk.h>
#include <alto/process.h>
#include <alto/string.h>
#include <alto/time.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/inotify.h>
#include "internal.h"
#define TRACE_DEFINE 1
#include "vfs_trace.h"

struct mount *root_mount;
struct mount pipefs_mount;
static struct mount anon_mount;

struct timespec vfs_now(void)
{
	uint64_t ns = time_realtime_ns();
	return (struct timespec){ (int64_t)(ns / NSEC_PER_SEC), (long)(ns % NSEC_PER_SEC) };
}

struct timespec vfs_time_trunc(const struct mount *m, struct timespec t)
{
	if (m->time_gran > 1)
		t.tv_nsec -= t.tv_nsec % m->time_gran;
	return t;
}

struct timespec vfs_now_in(const struct mount *m)
{
	return vfs_time_trunc(m, vfs_now());
}

void vnode_get(struct vnode *v)
{
	__atomic_add_fetch(&v->refs, 1, __ATOMIC_RELAXED);
}

void vnode_put(struct vnode *v)
{
	if (!v)
		return;
	long left = __atomic_sub_fetch(&v->refs, 1, __ATOMIC_ACQ_REL);
	BUG_ON(left < 0);
	if (left == 0)
		v->ops->free(v);
}

void vnode_init(struct vnode *v, struct mount *m, const struct vnode_ops *ops, uint32_t mode)
{
	struct timespec now = vfs_now();

	v->ops = ops;
	v->mount = m;
	v->refs = 1;
	rwlock_init(&v->lock);
	v->ino = __atomic_add_fetch(&m->next_ino, 1, __ATOMIC_RELAXED);
	v->mode = mode;
	v->nlink = 1;
	v->atime = v->mtime = v->ctime = v->btime = now;
}

static void anon_free(struct vnode *v)
{
	kfree(v);
}

static const struct vnode_ops anon_vops = {
	.free = anon_free,
};

struct file *vfs_anon_file(const struct file_ops *ops, uint32_t mode, unsigned int flags,
			   void *priv)
{
	struct vnode *v = kzalloc(sizeof(*v));
	struct file *f;

	if (!v)
		return ERR_PTR(-ENOMEM);
	vnode_init(v, &anon_mount, &anon_vops, mode | 0600);
	f = file_alloc(v, ops, flags);
	vnode_put(v); /* the file holds it */
	if (!IS_ERR(f))
		f->priv = priv;
	return f;
}

struct vnode *vfs_root(void)
{
	vnode_get(root_mount->root);
	return root_mount->root;
}

struct fs_state *fs_state_create(void)
{
	struct fs_state *fs = kzalloc(sizeof(*fs));

	if (!fs)
		return NULL;
	mutex_init(&fs->lock);
	fs->cwd = vfs_root();
	fs->umask = 022;
	fs->users = 1;
	return fs;
}

struct fs_state *fs_state_copy(struct fs_state *from)
{
	struct fs_state *fs = kzalloc(sizeof(*fs));

	if (!fs)
		return NULL;
	mutex_init(&fs->lock);
	fs->users = 1;
	mutex_lock(&from->lock);
	fs->cwd = from->cwd;
	vnode_get(fs->cwd);
	fs->umask = from->umask;
	mutex_unlock(&from->lock);
	return fs;
}

void fs_state_get(struct fs_state *fs)
{
	__atomic_fetch_add(&fs->users, 1, __ATOMIC_RELAXED);
}

void fs_state_put(struct fs_state *fs)
{
	if (!fs || __atomic_sub_fetch(&fs->users, 1, __ATOMIC_ACQ_REL))
		return;
	vnode_put(fs->cwd);
	kfree(fs);
}

struct vnode *fs_state_cwd(struct fs_state *fs)
{
	mutex_lock(&fs->lock);
	struct vnode *v = fs->cwd;
	vnode_get(v);
	mutex_unlock(&fs->lock);
	return v;
}

int vfs_chdir_fs(struct fs_state *fs, const char *path)
{
	struct vnode *v;
	int r = vfs_lookup(NULL, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &v);

	if (r)
		return r;
	mutex_lock(&fs->lock);
	struct vnode *old = fs->cwd;
	fs->cwd = v;
	mutex_unlock(&fs->lock);
	vnode_put(old);
	return 0;
}

struct vnode *vfs_cwd(void)
{
	struct process *p = current_process();

	return p && p->fs ? fs_state_cwd(p->fs) : vfs_root();
}

unsigned int vfs_umask(void)
{
	struct process *p = current_process();

	return p && p->fs ? READ_ONCE(p->fs->umask) : 022;
}

unsigned int vfs_set_umask(unsigned int mask)
{
	struct process *p = current_process();

	if (!p || !p->fs)
		return 022;
	mutex_lock(&p->fs->lock);
	unsigned int old = p->fs->umask;
	p->fs->umask = mask & 0777;
	mutex_unlock(&p->fs->lock);
	return old;
}

int vfs_chdir(struct vnode *v)
{
	struct process *p = current_process();

	if (!S_ISDIR(v->mode))
		return -ENOTDIR;
	if (!p || !p->fs)
		return -ESRCH;
	vnode_get(v);
	mutex_lock(&p->fs->lock);
	struct vnode *old = p->fs->cwd;
	p->fs->cwd = v;
	mutex_unlock(&p->fs->lock);
	vnode_put(old);
	return 0;
}

void vfs_getattr(struct vnode *v, struct kstat *st)
{
	/* A file system whose files change behind its back refreshes them first. */
	if (v->ops->getattr)
		v->ops->getattr(v);
	rw_read_lock(&v->lock);
	*st = (struct kstat){
		.dev = v->mount->dev,
		.ino = v->ino,
		.rdev = v->rdev,
		.size = v->size,
		.blocks = v->blocks,
		.mode = v->mode,
		.uid = v->uid,
		.gid = v->gid,
		.nlink = v->nlink,
		.blksize = PAGE_SIZE,
		.mnt_id = v->mount->id,
		.atime = v->atime,
		.mtime = v->mtime,
		.ctime = v->ctime,
		.btime = v->btime,
	};
	rw_read_unlock(&v->lock);
}

void vattr_apply(struct vnode *v, const struct vattr *va)
{
	if (va->mask & VA_MODE)
		v->mode = (v->mode & S_IFMT) | (va->mode & S_IALLUGO);
	if (va->mask & VA_UID)
		v->uid = va->uid;
	if (va->mask & VA_GID)
		v->gid = va->gid;
	if (va->mask & VA_ATIME)
		v->atime = vfs_time_trunc(v->mount, va->atime);
	if (va->mask & VA_MTIME)
		v->mtime = vfs_time_trunc(v->mount, va->mtime);
	v->ctime = vfs_now_in(v->mount);
}

/* Through the file system's setattr when it has one, which keeps the change. */
static int setattr(struct vnode *v, const struct vattr *va)
{
	int err = vfs_check_writable(v);

	if (err)
		return err;
	if (v->ops->setattr) {
		err = v->ops->setattr(v, va);
	} else {
		rw_write_lock(&v->lock);
		vattr_apply(v, va);
		rw_write_unlock(&v->lock);
	}
	if (!err)
		fsnotify_vnode(v, IN_ATTRIB);
	return err;
}

void vfs_file_modified(struct vnode *v)
{
	struct timespec now = vfs_now_in(v->mount);

	rw_write_lock(&v->lock);
	v->mtime = v->ctime = now;
	rw_write_unlock(&v->lock);
}

static bool not_after(struct timespec a, struct timespec b)
{
	return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec <= b.tv_nsec);
}

void vfs_file_accessed(struct vnode *v)
{
	struct timespec now = vfs_now_in(v->mount);

	if (vfs_check_writable(v))
		return; /* no access times on a read-only mount */
	rw_write_lock(&v->lock);
	if (not_after(v->atime, v->mtime) || not_after(v->atime, v->ctime) ||
	    now.tv_sec - v->atime.tv_sec >= 24 * 3600)
		v->atime = now;
	rw_write_unlock(&v->lock);
}

int vfs_chmod(struct vnode *v, unsigned int mode)
{
	struct vattr va = { .mask = VA_MODE, .mode = mode };
	int err = vfs_check_writable(v);

	if (!err)
		err = vfs_may_chmod(v);
	return err ? err : setattr(v, &va);
}

int vfs_chown(struct vnode *v, uint32_t uid, uint32_t gid)
{
	struct vattr va = { .uid = uid, .gid = gid };
	int err = vfs_check_writable(v);

	if (!err)
		err = vfs_may_chown(v, uid, gid);
	if (err)
		return err;
	if (uid != (uint32_t)-1)
		va.mask |= VA_UID;
	if (gid != (uint32_t)-1)
		va.mask |= VA_GID;
	/* As Linux: a file's set-user-ID bit goes, and set-group-ID when the group may run it. */
	uint32_t mode = READ_ONCE(v->mode), kill = S_ISUID | (mode & S_IXGRP ? S_ISGID : 0);
	if (!S_ISDIR(mode) && (mode & kill)) {
		va.mask |= VA_MODE;
		va.mode = mode & ~kill;
	}
	return setattr(v, &va);
}

static bool time_valid(const struct timespec *t)
{
	return t->tv_nsec == UTIME_NOW || t->tv_nsec == UTIME_OMIT ||
	       (t->tv_nsec >= 0 && t->tv_nsec < (long)NSEC_PER_SEC);
}

int vfs_utimes(struct vnode *v, const struct timespec *times)
{
	struct timespec now = vfs_now();
	struct timespec t[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
	struct vattr va = { 0 };

	if (times) {
		if (!time_valid(&times[0]) || !time_valid(&times[1]))
			return -EINVAL;
		t[0] = times[0];
		t[1] = times[1];
	}
	if (t[0].tv_nsec != UTIME_OMIT) {
		va.mask |= VA_ATIME;
		va.atime = t[0].tv_nsec == UTIME_NOW ? now : t[0];
	}
	if (t[1].tv_nsec != UTIME_OMIT) {
		va.mask |= VA_MTIME;
		va.mtime = t[1].tv_nsec == UTIME_NOW ? now : t[1];
	}
	if (!va.mask)
		return 0;
	return setattr(v, &va);
}

long vfs_getxattr(struct vnode *v, const char *name, void *buf, size_t size)
{
	return v->ops->getxattr ? v->ops->getxattr(v, name, buf, size) : -ENODATA;
}

long vfs_listxattr(struct vnode *v, char *buf, size_t size)
{
	return v->ops->listxattr ? v->ops->listxattr(v, buf, size) : 0;
}

int vfs_setxattr(struct vnode *v, const char *name, const void *value, size_t size, int flags)
{
	int err = vfs_check_writable(v);

	if (err)
		return err;
	if (!v->ops->setxattr)
		return -EOPNOTSUPP;
	err = v->ops->setxattr(v, name, value, size, flags);
	if (!err)
		fsnotify_vnode(v, IN_ATTRIB);
	return err;
}

int vfs_removexattr(struct vnode *v, const char *name)
{
	int err = vfs_check_writable(v);

	if (err)
		return err;
	if (!v->ops->removexattr)
		return -EOPNOTSUPP;
	err = v->ops->removexattr(v, name);
	if (!err)
		fsnotify_vnode(v, IN_ATTRIB);
	return err;
}

void vfs_deny_write(struct vnode *v)
{
	__atomic_add_fetch(&v->write_denied, 1, __ATOMIC_RELAXED);
}

void vfs_allow_write(struct vnode *v)
{
	__atomic_sub_fetch(&v->write_denied, 1, __ATOMIC_RELAXED);
}

int vfs_truncate(struct vnode *v, int64_t size)
{
	if (size < 0)
		return -EINVAL;
	if (S_ISDIR(v->mode))
		return -EISDIR;
	if (!S_ISREG(v->mode) || !v->ops->truncate)
		return -EINVAL;
	int err = vfs_check_writable(v); /* EROFS first, then ETXTBSY, as Linux */
	if (!err && READ_ONCE(v->write_denied))
		err = -ETXTBSY;
	if (!err)
		err = v->ops->truncate(v, (uint64_t)size);
	if (!err)
		fsnotify_vnode(v, IN_MODIFY);
	return err;
}

/* Prepend "/name" to the path being built backwards at buf[*pos..]. */
static int prepend(char *buf, size_t *pos, const char *name, size_t len)
{
	if (*pos < len + 1)
		return -ERANGE;
	*pos -= len;
	memcpy(buf + *pos, name, len);
	buf[--*pos] = '/';
	return 0;
}

/* One level up from v: the directory holding it and v's name there. */
static int name_in_parent(struct vnode **v, char *name)
{
	struct vnode *dir = *v, *parent;

	/* A mount's root is named by the directory it covers. */
	while (dir == dir->mount->root && dir->mount->covered)
		dir = dir->mount->covered;
	int err = vfs_step(dir, "..", 2, &parent);
	if (err)
		return err;
	mutex_lock(&parent->mount->ns_lock);
	err = parent->ops->name_of(parent, dir, name, NAME_MAX + 1);
	mutex_unlock(&parent->mount->ns_lock);
	vnode_put(*v);
	*v = parent;
	return err;
}

long vfs_dir_path(struct vnode *dir, char *buf, size_t size)
{
	struct vnode *v = dir, *root = root_mount->root;
	char *tmp = kmalloc(PATH_MAX), *name = kmalloc(NAME_MAX + 1);
	size_t pos = PATH_MAX - 1;
	long err = tmp && name ? 0 : -ENOMEM;

	vnode_get(v);
	if (!err)
		tmp[pos] = 0;
	while (!err && v != root) {
		int len = name_in_parent(&v, name);
		err = len < 0 ? len : prepend(tmp, &pos, name, len);
	}
	if (!err && pos == PATH_MAX - 1)
		tmp[--pos] = '/';
	if (!err) {
		size_t len = PATH_MAX - pos;
		err = len > size ? -ERANGE : (long)len;
		if (err > 0)
			memcpy(buf, tmp + pos, len);
	}
	vnode_put(v);
	kfree(tmp);
	kfree(name);
	return err;
}

long vfs_getcwd(char *buf, size_t size)
{
	struct vnode *cwd = vfs_cwd();
	long r = vfs_dir_path(cwd, buf, size);

	vnode_put(cwd);
	return r;
}

/* The path of a named file: its directory's path and its name there. */
static long named_file_path(struct file *f, char *buf, size_t size)
{
	struct vnode *dir = f->parent;
	long len = vfs_dir_path(dir, buf, size);
	int n;

	if (len < 0)
		return len;
	len--; /* the NUL */
	if (len > 1)
		buf[len++] = '/';
	else
		len = 1; /* the root: "/" is already there */
	if ((size_t)len + NAME_MAX + 1 > size)
		return -ENAMETOOLONG;
	mutex_lock(&dir->mount->ns_lock);
	n = dir->ops->name_of ? dir->ops->name_of(dir, f->vnode, buf + len, NAME_MAX + 1) : -ENOENT;
	mutex_unlock(&dir->mount->ns_lock);
	if (n >= 0) {
		len += n;
		buf[len] = 0;
		return len;
	}
	/* Removed since: Linux keeps the old name; the directory is what is left. */
	strlcpy(buf + len, "(deleted)", size - (size_t)len);
	return (long)strlen(buf);
}

long vfs_file_path(struct file *f, char *buf, size_t size)
{
	struct vnode *v = f->vnode;
	long n;

	if (f->ops->path)
		return f->ops->path(f, buf, size);
	if (file_is_pipe(f))
		n = snprintf(buf, size, "pipe:[%lu]", v->ino);
	else if (S_ISSOCK(v->mode))
		n = snprintf(buf, size, "socket:[%lu]", v->ino);
	else if (S_ISDIR(v->mode))
		return (n = vfs_dir_path(v, buf, size)) < 0 ? n : n - 1;
	else if (f->parent)
		return named_file_path(f, buf, size);
	else
		n = snprintf(buf, size, "anon_inode:%s",
			     f->ops->anon_name ? f->ops->anon_name : "[unknown]");
	return (size_t)n < size ? n : -ENAMETOOLONG;
}

static int mount_at(const char *path, const char *fstype, const char *options)
{
	int err = vfs_mkdir(NULL, path, 0755);

	if (err && err != -EEXIST) {
		printk("alto: cannot make %s on the root file system: error %d%s\n", path, err,
		       err == -EROFS ? " (it is read-only: the image must have it)" : "");
		return err;
	}
	err = vfs_mount_fs(fstype, NULL, path, 0, options);
	if (err)
		printk("alto: cannot mount %s on %s: error %d\n", fstype, path, err);
	return err;
}

bool vfs_io_hooks;

void vfs_io_hooks_update(void)
{
	WRITE_ONCE(vfs_io_hooks,
		   trace_on(vfs_io_enter) || trace_on(vfs_io_exit) || fsnotify_watching());
}

int vfs_init(void)
{
	const char *root = cmdline_get("root");
	static bool done;

	if (done) /* self tests call it too */
		return 0;
	done = true;
	mount_init(&pipefs_mount, "pipefs", PIPEFS_MAGIC);
	mount_init(&anon_mount, "anon_inodefs", ANON_INODE_FS_MAGIC);
	/* The root: a disk (--root=/dev/vda[:TYPE[:OPTIONS]]) or a ramfs for the image. */
	root_mount = root ? vfs_mount_root(root) : ramfs_create("rootfs", RAMFS_MAGIC, 0755);
	if (!root_mount || IS_ERR(root_mount))
		return root_mount ? (int)PTR_ERR(root_mount) : -ENOMEM;
	mount_add_root(root_mount);
	int err = mount_at("/dev", "devtmpfs", NULL);
	if (!err)
		err = mount_at("/tmp", "tmpfs", "mode=1777");
	if (err)
		return err;
	devfs_init();
	mqueue_init();
	console_dev_init();
	return 0;
}
