/*
 * The virtual file system. A vnode is a file, directory, symlink or device
 * with its attributes; an open file is a vnode with a position, flags and
 * the file_ops of its kind. Paths are kernel strings resolved from a base
 * directory (NULL: the working directory) by Linux's rules. Functions return
 * 0 or -errno; those returning pointers give ERR_PTR(-errno).
 */
#ifndef ALTO_VFS_H
#define ALTO_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <alto/fdtable.h>
#include <alto/list.h>
#include <alto/sync.h>
#include <alto/uaccess.h>
#include <uapi/dirent.h>
#include <uapi/statfs.h>
#include <uapi/time.h>
#include <uapi/uio.h>

struct vnode;
struct file;
struct mount;
struct pcache;
struct poll_table;
struct pipe;

/*
 * Where a read copies to or a write copies from: a list of segments in the
 * application's memory (user) or the kernel's. The copy helpers advance it.
 */
struct uio {
	struct iovec *iov; /* the current segment; copies advance it */
	int iovcnt;
	size_t resid; /* bytes left in all segments */
	bool user;
	bool nowait;	     /* RWF_NOWAIT: a call that would block fails with EAGAIN */
	struct iovec one;    /* the segment of a single-buffer uio */
	struct iovec *alloc; /* an imported array to free, or NULL */
};

static inline void uio_init_kernel(struct uio *u, void *buf, size_t len)
{
	u->one = (struct iovec){ (uint64_t)(uintptr_t)buf, len };
	u->iov = &u->one;
	u->iovcnt = 1;
	u->resid = len;
	u->user = false;
	u->nowait = false;
	u->alloc = NULL;
}

static inline void uio_init_user(struct uio *u, void __user *buf, size_t len)
{
	uio_init_kernel(u, (void *)buf, len);
	u->user = true;
}
/* Copy n bytes (n <= resid) to the reader, from the writer, or zeroes: 0 or -EFAULT. */
int uio_copy_out(struct uio *u, const void *src, size_t n);
int uio_copy_in(struct uio *u, void *dst, size_t n);
int uio_zero(struct uio *u, size_t n);
/* Import an application's iovec array into fast[nfast], or a kmalloc'd copy: its total. */
long uio_import(struct uio *u, const struct iovec __user *iov, int cnt, struct iovec *fast,
		int nfast);
void uio_free(struct uio *u);
/* Limit the uio to its first max bytes. */
void uio_clamp(struct uio *u, size_t max);
/*
 * Touch each page of the next n bytes of a writer's uio without taking
 * them, so that copying them in later, under a file's lock, does not fault.
 */
void uio_prefault(struct uio *u, size_t n);

/* A change of attributes: what mask names (VA_*), for setattr. */
struct vattr {
	unsigned int mask;
	uint32_t mode; /* permission bits only */
	uint32_t uid, gid;
	struct timespec atime, mtime; /* already resolved (no UTIME_NOW/OMIT) */
};
#define VA_MODE	 0x1
#define VA_UID	 0x2
#define VA_GID	 0x4
#define VA_ATIME 0x8
#define VA_MTIME 0x10

/* One directory entry for a readdir callback; return nonzero to stop before it. */
typedef int (*vfs_dirent_fn)(void *ctx, const char *name, size_t len, uint64_t ino,
			     unsigned int type, uint64_t next_cookie);

/*
 * A file system's operations on its vnodes. Directory operations are called
 * with the mount's ns_lock held; data operations take the vnode's lock.
 * Names are not NUL-terminated; len is at most NAME_MAX. Results come back
 * referenced.
 */
struct vnode_ops {
	int (*lookup)(struct vnode *dir, const char *name, size_t len, struct vnode **out);
	/* mode carries the type: S_IFREG, S_IFDIR, S_IFCHR... */
	int (*create)(struct vnode *dir, const char *name, size_t len, uint32_t mode, uint64_t rdev,
		      struct vnode **out);
	int (*symlink)(struct vnode *dir, const char *name, size_t len, const char *target,
		       struct vnode **out);
	int (*link)(struct vnode *dir, const char *name, size_t len, struct vnode *v);
	int (*unlink)(struct vnode *dir, const char *name, size_t len, bool rmdir);
	int (*rename)(struct vnode *odir, const char *oname, size_t olen, struct vnode *ndir,
		      const char *nname, size_t nlen, unsigned int flags);
	/* Emit entries from *cookie on ("." is 0, ".." is 1), advancing it. */
	int (*readdir)(struct vnode *dir, uint64_t *cookie, vfs_dirent_fn fn, void *ctx);
	/* The name of child in dir, for getcwd: its length, or -ENOENT. */
	int (*name_of)(struct vnode *dir, struct vnode *child, char *buf, size_t size);
	/* A symlink's target, truncated to size: its length. */
	long (*readlink)(struct vnode *v, char *buf, size_t size);
	/*
	 * A magic link (may be NULL): following it lands on an open file's
	 * vnode, not on a name, as /proc/PID/fd/N do on Linux (a pipe, a
	 * deleted file). The file, referenced; NULL when this link is an
	 * ordinary one (follow its text); or ERR_PTR.
	 */
	struct file *(*jump)(struct vnode *link);
	int (*truncate)(struct vnode *v, uint64_t size);
	/*
	 * Attributes (may be NULL: the vnode's own fields are the truth).
	 * getattr refreshes the vnode's fields before stat reads them (a
	 * file system whose files change behind its back, as a host's do);
	 * setattr applies what va names (vattr_apply() does the fields) and
	 * keeps it; fsync makes the file's data (and, unless datasync, its
	 * attributes) durable.
	 */
	int (*getattr)(struct vnode *v);
	int (*setattr)(struct vnode *v, const struct vattr *va);
	int (*fsync)(struct vnode *v, bool datasync);
	/*
	 * Extended attributes (NULL: a file has none and can have none).
	 * get and list return the bytes copied (or needed, when size is 0)
	 * or -errno (-ERANGE when size is too small, -ENODATA when absent).
	 */
	long (*getxattr)(struct vnode *v, const char *name, void *buf, size_t size);
	long (*listxattr)(struct vnode *v, char *buf, size_t size);
	int (*setxattr)(struct vnode *v, const char *name, const void *value, size_t size,
			int flags);
	int (*removexattr)(struct vnode *v, const char *name);
	/*
	 * For mmap (may be NULL: private mappings then read through file_ops).
	 * Call fn(page, arg) with the file's own page holding byte off while
	 * the file cannot shrink, and return what fn returns. own: the page must
	 * stay the file's for as long as it is mapped (a shared mapping), so a
	 * hole gets a page; otherwise a hole gives -ENODATA. -ENXIO when off
	 * lies beyond the end of the file. A file system that frees pages when
	 * a file shrinks calls mm_file_shrunk() first.
	 */
	int (*map_page)(struct vnode *v, uint64_t off, bool own, int (*fn)(void *page, void *arg),
			void *arg);
	/* The last reference is gone: free the vnode. */
	void (*free)(struct vnode *v);
};

struct vnode {
	const struct vnode_ops *ops;
	const struct file_ops *fops; /* what an open file of it does (not for devices) */
	struct mount *mount;
	struct mount *mounted; /* a file system mounted on this directory */
	long refs;
	struct rwlock lock; /* the attributes below and the data */
	uint64_t ino;
	uint32_t mode; /* type and permissions, as st_mode */
	uint32_t uid, gid;
	uint32_t nlink;
	uint64_t rdev;
	uint64_t size;
	uint64_t blocks; /* 512-byte units in use */
	struct timespec atime, mtime, ctime, btime;
	struct pipe *fifo;     /* a FIFO's pipe while it is open (fs/pipe.c) */
	uint32_t seals;	       /* a memfd's F_SEAL_* (fs/memfd.c), under lock */
	struct pcache *pcache; /* its pages, for file systems on the page cache (mm/pagecache.c) */
	int write_denied;      /* a running program or interpreter (vfs_deny_write) */
};

void vnode_get(struct vnode *v);
void vnode_put(struct vnode *v);
/* Timestamps are wall-clock time (CLOCK_REALTIME). */
struct timespec vfs_now(void);
/* Now, as files of m keep it (to the second where they have no room for more). */
struct timespec vfs_now_in(const struct mount *m);
/* t cut to m's granularity. */
struct timespec vfs_time_trunc(const struct mount *m, struct timespec t);
/* Set the fields va names, and ctime (with v's lock held for writing, or not yet shared). */
void vattr_apply(struct vnode *v, const struct vattr *va);

/*
 * A mounted file system's operations, all optional. statfs fills what it
 * knows (the VFS fills f_type, f_fsid, f_flags); sync writes back what is
 * dirty (and waits for it with wait); unmount is the last call, after the
 * mount left the tree and every vnode of it but the root was let go: it
 * writes everything back and frees the file system's state.
 */
struct mount_ops {
	int (*statfs)(struct mount *m, struct statfs *st);
	/* how: SYNC_WAIT, and SYNC_FINAL for the last one (unmount, power-off). */
	int (*sync)(struct mount *m, unsigned int how);
	void (*unmount)(struct mount *m);
	/* Vnodes of it still in use beyond the root's own reference (umount's EBUSY). */
	bool (*busy)(struct mount *m);
	/* Options for /proc/mounts after rw/ro (",size=..."): bytes written to buf. */
	int (*show_options)(struct mount *m, char *buf, size_t size);
};

#define SYNC_WAIT  0x1 /* until it is on the device */
#define SYNC_FINAL 0x2 /* nothing is written after this: mark the file system clean */

/* Mount flags (the MS_* of mount(2) that Alto keeps). */
#define MNT_RDONLY 0x1
#define MNT_NOSUID 0x2
#define MNT_NODEV  0x4
#define MNT_NOEXEC 0x8
/*
 * A file a process runs (its program or interpreter) may not change under
 * it: while denied, opening it for writing or truncating it is ETXTBSY, as
 * on Linux. Each deny is undone by one allow when the image goes.
 */
void vfs_deny_write(struct vnode *v);
void vfs_allow_write(struct vnode *v);

struct mount {
	struct vnode *root;    /* referenced */
	struct vnode *covered; /* the directory it sits on (referenced), NULL for / */
	struct mutex ns_lock;  /* the names: lookups, creation, removal, rename */
	const char *fstype;
	const char *source; /* what /proc/mounts shows first (a device, or the type) */
	const struct mount_ops *ops;
	void *priv;	    /* the file system's */
	unsigned int flags; /* MNT_* */
	uint32_t magic;	    /* statfs f_type */
	uint64_t dev;	    /* st_dev */
	unsigned int id;
	uint64_t next_ino;
	uint32_t time_gran; /* nanoseconds its times are kept to (0: 1) */
	long nfiles;	    /* open files of it (atomic), for umount's EBUSY */
	struct list link;
};

/* Attach m on the directory at path. */
int vfs_mount(struct mount *m, const char *path);

/*
 * File system types register with FILESYSTEM(); mount(2) and the kernel's
 * own mounts find them by name. mount makes a struct mount (root set,
 * mount_init() called) from source (a device path or NULL), MNT_* flags and
 * the options text data (may be NULL), or returns ERR_PTR(-errno).
 */
struct fs_type {
	const char *name;
	struct mount *(*mount)(const struct fs_type *t, const char *source, unsigned int flags,
			       const char *data);
	bool needs_device; /* "nodev" in /proc/filesystems when false */
};

#define FILESYSTEM(id)                                                                      \
	static const struct fs_type id;                                                     \
	static const struct fs_type *const id##_ptr __used __section(".filesystems") = &id; \
	static const struct fs_type id

const struct fs_type *fs_type_find(const char *name);
void fs_types_for_each(void (*fn)(const struct fs_type *t, void *ctx), void *ctx);
/* Mount a file system of that type on the directory at target: mount(2) without MS_REMOUNT. */
int vfs_mount_fs(const char *fstype, const char *source, const char *target, unsigned int flags,
		 const char *data);
/* mount(2) with MS_REMOUNT: change the flags of the mount whose root is at target. */
int vfs_remount(const char *target, unsigned int flags);
/* umount2(2): detach the mount whose root is at target; -EBUSY while it is in use. */
int vfs_umount(const char *target, int flags);
/* Write back every file system (sync(2)); with wait, until it is on its devices. */
void vfs_sync_all(bool wait);
/* Write everything back, last mounted first, and mark disks clean, at power-off. */
void vfs_shutdown(void);
/* The kernel's --mount=SOURCE:DIR[:TYPE[:OPTIONS]] options: 0, or -errno after a line. */
int vfs_mount_boot(void);
/* -EROFS when v's file system is mounted read-only. */
int vfs_check_writable(const struct vnode *v);

/*
 * Open files. Reads and writes at the file position hold pos_lock when the
 * file is seekable, so that concurrent calls do not share an offset.
 */
struct file_ops {
	/* Transfer at *pos (ignored where there is no position); return bytes or -errno. */
	long (*read)(struct file *f, struct uio *u, uint64_t *pos);
	long (*write)(struct file *f, struct uio *u, uint64_t *pos);
	/*
	 * Optional, for a device whose read or write ignores the position and
	 * is a plain function of one application buffer (null, zero): read(2)
	 * and write(2) call it directly, without a uio or the position
	 * (vfs_read_user). len is at most VFS_MAX_RW.
	 */
	long (*read_user)(struct file *f, void __user *buf, size_t len);
	long (*write_user)(struct file *f, const void __user *buf, size_t len);
	/*
	 * FILE_IO_DIRECT_READ, _WRITE: that direct op neither blocks nor
	 * touches the buffer (/dev/null's), so read(2) or write(2) may call it
	 * with interrupts still off from the system call entry.
	 */
	unsigned int direct_short;
	/* NULL: not seekable (ESPIPE). Returns the new position. */
	int64_t (*llseek)(struct file *f, int64_t off, int whence);
	/* arg is an application pointer or value; NULL or unknown: -ENOTTY. */
	int (*ioctl)(struct file *f, unsigned int cmd, unsigned long arg);
	/* Readiness (POLLIN...), registering on the file's wait queues when pt is set. */
	unsigned int (*poll)(struct file *f, struct poll_table *pt);
	int (*open)(struct file *f);
	/* Opened again through a magic link to from (may be NULL): take what from's open set. */
	void (*reopen)(struct file *f, const struct file *from);
	/* A descriptor of f is being closed by the current process (each close, as Linux's flush).
	 */
	void (*flush)(struct file *f);
	void (*release)(struct file *f);
	/* A file without a name: what /proc/PID/fd shows, "anon_inode:" and this. */
	const char *anon_name;
	/* Or a file that names itself (memfd): the NUL-terminated text, its length. */
	long (*path)(struct file *f, char *buf, size_t size);
	/* mmap gives zero-filled anonymous memory, shared or private (/dev/zero). */
	bool map_zero;
};

struct file {
	long refs;
	const struct file_ops *ops;
	struct vnode *vnode; /* referenced */
	unsigned int flags;  /* O_ACCMODE and status flags (O_APPEND, O_NONBLOCK, O_PATH) */
	unsigned int io;     /* FILE_IO_*: what read and write may do, fixed at open */
	uint64_t pos;
	struct mutex pos_lock;
	void *priv;
	struct vnode *parent;	     /* the directory it was opened in (referenced), for its path */
	struct list ep_links;	     /* epoll items watching it (fs/epoll.c) */
	struct lookup_deferred dead; /* released, waiting for the lookups under way */
};

/* struct file's io: the checks of every read and write, made once at open. */
#define FILE_IO_READ	     0x1  /* readable, with a read op */
#define FILE_IO_WRITE	     0x2  /* writable, with a write op */
#define FILE_IO_SEEK	     0x4  /* has a position (an llseek op) */
#define FILE_IO_LOCK_POS     0x8  /* ... whose updates are atomic: a regular file or directory */
#define FILE_IO_DIRECT_READ  0x10 /* readable, with a read_user op */
#define FILE_IO_DIRECT_WRITE 0x20 /* writable, with a write_user op */
#define FILE_IO_SHORT_READ   0x40 /* ... a read_user op in file_ops.direct_short */
#define FILE_IO_SHORT_WRITE  0x80 /* ... a write_user op in file_ops.direct_short */

/*
 * A file with no name (sockets, eventfd, epoll...): a fresh vnode of that
 * mode in an anonymous file system (st_dev and st_ino work), with ops and priv.
 */
struct file *vfs_anon_file(const struct file_ops *ops, uint32_t mode, unsigned int flags,
			   void *priv);
/* A new open file of v (takes its own reference to v), running f->ops->open. */
struct file *file_alloc(struct vnode *v, const struct file_ops *ops, unsigned int flags);
void file_get(struct file *f);
/*
 * A reference to f unless it has none left (being released): for a lookup
 * without the table's lock (fs/fdtable.c), whose f may have been closed
 * meanwhile. The lookup runs between file_lookups_begin and _end: released
 * files' memory waits for the lookups under way (fs/file.c).
 */
bool file_get_unless_zero(struct file *f);
void file_lookups_begin(void);
void file_lookups_end(void);
/*
 * d is out of every place a lookup starting now could find it: free(d)
 * when the lookups under way have ended (at once if there are none).
 */
void file_lookups_defer(struct lookup_deferred *d, void (*free)(struct lookup_deferred *d));
/* Drop a reference; the last one releases the file. */
void file_put(struct file *f);
bool file_readable(const struct file *f);
bool file_writable(const struct file *f);

/* Boot and process launch. */
/*
 * The root (a disk with --root=DEV[:TYPE[:OPTIONS]], else a ramfs for the
 * image), devfs on /dev, a tmpfs on /tmp (mode 1777), the console: 0, or
 * -errno after a line saying what failed.
 */
int vfs_init(void);
/* Mount the file system of --root (not attached anywhere: it becomes /), or ERR_PTR. */
struct mount *vfs_mount_root(const char *spec);
/* Mount /sys (fs/sysfs.c) once the CPUs are up and the image unpacked: it lists cpu0..N-1. */
void sysfs_init(void);
/* Mount /proc (fs/procfs*.c), after sysfs_init. */
void procfs_init(void);
/* Fill the root from a cpio newc archive; -EINVAL (and one line) if malformed. */
int initrd_unpack(const void *data, size_t size);
/* The root directory, referenced (for process->cwd). */
struct vnode *vfs_root(void);
/* The working directory of the current process (the root before there is one), referenced. */
struct vnode *vfs_cwd(void);

/*
 * A process's place in the file tree: its working directory and umask,
 * shared by processes made with CLONE_FS, copied by fork.
 */
struct fs_state {
	struct mutex lock;
	struct vnode *cwd; /* a reference is held */
	unsigned int umask;
	int users; /* atomic */
};

/* The root as working directory, umask 022; NULL without memory. */
struct fs_state *fs_state_create(void);
struct fs_state *fs_state_copy(struct fs_state *fs);
void fs_state_get(struct fs_state *fs);
void fs_state_put(struct fs_state *fs);
/* Make the directory at path (from the root or the current one) fs's working directory. */
int vfs_chdir_fs(struct fs_state *fs, const char *path);
/* fs's working directory, referenced. */
struct vnode *fs_state_cwd(struct fs_state *fs);
/* The current process's umask; set it, returning the old one (umask(2)). */
unsigned int vfs_umask(void);
unsigned int vfs_set_umask(unsigned int mask);

/* Path lookup flags. */
#define LOOKUP_FOLLOW	 0x1 /* follow a final symlink */
#define LOOKUP_DIRECTORY 0x2 /* the result must be a directory */
#define LOOKUP_EMPTY	 0x4 /* "" names base itself (AT_EMPTY_PATH) */

int vfs_lookup(struct vnode *base, const char *path, int flags, struct vnode **out);

/* Open with open(2)'s flags; mode is final (the caller applied the umask). */
struct file *vfs_open(struct vnode *base, const char *path, int flags, unsigned int mode);
struct file *vfs_open_kernel(const char *path, int flags, int mode);

/* Read or write at off, or at the file position (advancing it) when off < 0. */
long vfs_read(struct file *f, struct uio *u, int64_t off);
long vfs_write(struct file *f, struct uio *u, int64_t off);
/* The same for one buffer of the application's (read, write, pread64, pwrite64). */
long vfs_read_user(struct file *f, void __user *buf, size_t len, int64_t off);
long vfs_write_user(struct file *f, const void __user *buf, size_t len, int64_t off);
/*
 * Nonzero while something watches reads and writes: an I/O tracepoint
 * (vfs_io_enter, vfs_io_exit) or an inotify watch anywhere. Then read(2)
 * and write(2) go the traced way (vfs_read_user); otherwise a file with a
 * direct op (FILE_IO_DIRECT_*) is one call from the handler: vfs_direct.
 * vfs_io_hooks_update recomputes it after either changes.
 */
extern bool vfs_io_hooks;
void vfs_io_hooks_update(void);

/*
 * Whether read(2) or write(2) may call f's read_user or write_user op
 * itself, with interrupts off: f->io has need (FILE_IO_SHORT_READ or
 * _WRITE: the mode, the op, and an op that neither blocks nor touches the
 * buffer, worked out at open) and nothing watches. The buffer goes as it
 * is, at most VFS_MAX_RW, no uio, no position.
 */
static inline bool vfs_direct(const struct file *f, unsigned int need)
{
	return (f->io & need) && !READ_ONCE(vfs_io_hooks);
}
/* Kernel-buffer conveniences. */
long vfs_pread(struct file *f, void *buf, size_t len, uint64_t off);
long vfs_pwrite(struct file *f, const void *buf, size_t len, uint64_t off);
long vfs_kread(struct file *f, void *buf, size_t len);
long vfs_kwrite(struct file *f, const void *buf, size_t len);
int64_t vfs_lseek(struct file *f, int64_t off, int whence);
long vfs_file_size(struct file *f);
int vfs_ioctl(struct file *f, unsigned int cmd, unsigned long arg);
/* Directory entries from the file's position on; the position follows. */
int vfs_readdir(struct file *f, vfs_dirent_fn fn, void *ctx);
/* Largest number of bytes a single read or write transfers (Linux's MAX_RW_COUNT). */
#define VFS_MAX_RW 0x7ffff000ul

/* Attributes. */
struct kstat {
	uint64_t dev, ino, rdev, size, blocks;
	uint32_t mode, uid, gid, nlink, blksize;
	unsigned int mnt_id;
	struct timespec atime, mtime, ctime, btime;
};

void vfs_getattr(struct vnode *v, struct kstat *st);
/* stat() on a path; flags are LOOKUP_*. */
int vfs_stat(struct vnode *base, const char *path, int flags, struct kstat *st);
/*
 * Permission checks with the current credentials (fs/perm.c): mask is
 * MAY_READ, MAY_WRITE, MAY_EXEC (alto/cred.h); 0, -EACCES or -EPERM.
 */
struct cred;
int vfs_permission(struct vnode *v, int mask);
int vfs_permission_cred(const struct cred *c, struct vnode *v, int mask);
/* May the caller change v's mode (its owner, or CAP_FOWNER), or its owner and group? */
int vfs_may_chmod(struct vnode *v);
int vfs_may_chown(struct vnode *v, uint32_t uid, uint32_t gid);
/* v was written through a mapping: mtime and ctime are now. */
void vfs_file_modified(struct vnode *v);
/* v was mapped (read): atime is now, by the relatime rule (older than mtime or ctime, or a day). */
void vfs_file_accessed(struct vnode *v);
int vfs_chmod(struct vnode *v, unsigned int mode);
/* (uint32_t)-1 leaves an id unchanged. */
int vfs_chown(struct vnode *v, uint32_t uid, uint32_t gid);
/* times[0] atime, times[1] mtime; tv_nsec may be UTIME_NOW or UTIME_OMIT; NULL: now. */
int vfs_utimes(struct vnode *v, const struct timespec *times);
int vfs_truncate(struct vnode *v, int64_t size);
int vfs_statfs(struct vnode *v, struct statfs *st);
/* Extended attributes (the *xattr calls), through the file system's ops. */
long vfs_getxattr(struct vnode *v, const char *name, void *buf, size_t size);
long vfs_listxattr(struct vnode *v, char *buf, size_t size);
int vfs_setxattr(struct vnode *v, const char *name, const void *value, size_t size, int flags);
int vfs_removexattr(struct vnode *v, const char *name);
/* fsync(2), fdatasync(2): the file's data on its device. */
int vfs_fsync(struct file *f, bool datasync);
/* syncfs(2): the file system holding f. */
int vfs_syncfs(struct file *f);

/* Names. */
int vfs_mkdir(struct vnode *base, const char *path, unsigned int mode);
int vfs_mknod(struct vnode *base, const char *path, unsigned int mode, uint64_t rdev);
int vfs_rmdir(struct vnode *base, const char *path);
int vfs_unlink(struct vnode *base, const char *path);
/* flags: RENAME_NOREPLACE, RENAME_EXCHANGE. */
int vfs_rename(struct vnode *obase, const char *opath, struct vnode *nbase, const char *npath,
	       unsigned int flags);
/* lflags: LOOKUP_FOLLOW (AT_SYMLINK_FOLLOW), LOOKUP_EMPTY for the old path. */
int vfs_link(struct vnode *obase, const char *opath, struct vnode *nbase, const char *npath,
	     int lflags);
int vfs_symlink(const char *target, struct vnode *base, const char *path);
/* The target, truncated to size, not NUL-terminated: its length. */
long vfs_readlink(struct vnode *base, const char *path, int lflags, char *buf, size_t size);
/* The absolute path of the working directory with its NUL: its length. */
long vfs_getcwd(char *buf, size_t size);
/* The absolute path of a directory with its NUL, as getcwd gives it: its length. */
long vfs_dir_path(struct vnode *dir, char *buf, size_t size);
/*
 * What /proc shows for an open file, NUL-terminated: its absolute path
 * (with " (deleted)" once its name is gone), "pipe:[INO]", "socket:[INO]"
 * or "anon_inode:NAME". Returns its length or -errno.
 */
long vfs_file_path(struct file *f, char *buf, size_t size);
/* Call fn for each mount in the order they were made (for /proc/mounts). */
void vfs_for_each_mount(void (*fn)(struct mount *m, void *ctx), void *ctx);
/* Make v (a directory) the working directory of the current process. */
int vfs_chdir(struct vnode *v);

/*
 * memfd_create (fs/memfd.c): an anonymous file in memory, or ERR_PTR; flags
 * MFD_ALLOW_SEALING, MFD_NOEXEC_SEAL. Seals: F_ADD_SEALS and F_GET_SEALS,
 * -EINVAL for a file that is not a memfd.
 */
struct file *memfd_create(const char *name, unsigned int flags);
int memfd_add_seals(struct file *f, unsigned int seals);
int memfd_get_seals(struct file *f);

/*
 * splice and tee (fs/splice.c): up to len bytes between a pipe and another
 * file (at *off, advanced, or its position; NULL for a pipe), or copied
 * from one pipe to another; flags SPLICE_F_*. Bytes moved or -errno.
 */
long vfs_splice(struct file *in, int64_t *off_in, struct file *out, int64_t *off_out, size_t len,
		unsigned int flags);
long vfs_tee(struct file *in, struct file *out, size_t len, unsigned int flags);
/* Is f a pipe or FIFO? */
bool vfs_is_pipe(const struct file *f);

/*
 * inotify (fs/inotify.c). The VFS reports: an event about a name in a
 * directory (IN_CREATE, IN_DELETE, IN_MOVED_FROM/TO with a cookie from
 * fsnotify_cookie, IN_ISDIR for a directory), an event on a vnode itself
 * (IN_ATTRIB, IN_DELETE_SELF, IN_MOVE_SELF), and an event on an open file
 * (IN_OPEN, IN_ACCESS, IN_MODIFY, IN_CLOSE_*), which the directory it was
 * opened in hears of too, with its name. Each is one load when nobody
 * watches. inotify_create makes an instance (flags O_NONBLOCK);
 * inotify_add returns a watch descriptor for v, inotify_rm removes one.
 */
void fsnotify_name(struct vnode *dir, const char *name, size_t len, uint32_t mask, uint32_t cookie);
void fsnotify_vnode(struct vnode *v, uint32_t mask);
void fsnotify_file(struct file *f, uint32_t mask);
uint32_t fsnotify_cookie(void);
/* Does anybody watch anything? (Worth looking a victim up for its self events.) */
bool fsnotify_watching(void);
struct file *inotify_create(unsigned int flags);
int inotify_add(struct file *f, struct vnode *v, uint32_t mask);
int inotify_rm(struct file *f, int wd);

/* Pipes: a read end and a write end; flags O_NONBLOCK. */
int pipe_create(struct file **rd, struct file **wr, unsigned int flags);
/* F_GETPIPE_SZ and F_SETPIPE_SZ: the capacity, or -EBADF when f is not a pipe. */
long pipe_get_size(struct file *f);
long pipe_set_size(struct file *f, unsigned long size);
#define PIPE_BUF      4096
#define PIPE_DEF_SIZE 65536

/*
 * Readiness (docs/readiness.md). A file's poll op returns what is ready now
 * (POLLIN...) and, when pt is set, calls poll_wait() for each wait queue on
 * which it will waitq_notify() later changes of that readiness; each queue
 * must live at least as long as the file. pt->events says what the caller
 * waits for (POLLERR and POLLHUP always count). poll and select hang
 * temporary entries through a table of fs/poll.c, epoll persistent ones.
 */
struct poll_table {
	void (*queue)(struct poll_table *pt, struct waitq *wq);
	unsigned int events;
};

static inline void poll_wait(struct poll_table *pt, struct waitq *wq)
{
	if (pt && pt->queue)
		pt->queue(pt, wq);
}

/*
 * poll and select: vfs_poll() calls scan(ctx, pt) until it reports
 * something ready (> 0), an error (< 0), or the absolute monotonic deadline
 * passes (0: none; POLL_NO_WAIT: do not sleep); -EINTR when a signal is
 * pending for the thread (signal_pending()). Between scans the thread sleeps
 * until a queue the scan named is notified of an event it wants.
 */
#define POLL_NO_WAIT 1ull
int vfs_poll(int (*scan)(void *ctx, struct poll_table *pt), void *ctx, uint64_t deadline);
/* A file's readiness: its poll op, or "always ready" for files without one. */
unsigned int vfs_poll_file(struct file *f, struct poll_table *pt);
/* Whether f reports readiness at all (epoll refuses the others with EPERM). */
static inline bool file_can_poll(const struct file *f)
{
	return f->ops->poll != NULL;
}

/* Copy a path from the application: a kmalloc'd string (vfs_putname) or ERR_PTR. */
char *vfs_getname(const char __user *path);
void vfs_putname(char *name);

#endif
