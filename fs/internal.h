/*
 * Declarations shared by the files of fs/: the path walker, the file
 * systems' constructors, the device registry, the console device and the
 * clock the timestamps come from.
 */
#ifndef FS_INTERNAL_H
#define FS_INTERNAL_H

#include <alto/vfs.h>
#include <alto/time.h>
#include <uapi/stat.h>

/* Linux's limit on symlinks followed in one lookup. */
#define MAX_SYMLINKS 40

/*
 * A path walk in progress. nd_walk_parent() stops at the final component
 * (dir and last); nd_walk_final() resolves it too. When the final lookup
 * fails with -ENOENT, at_final is set and dir/last name where to create it.
 */
struct nameidata {
	struct vnode *dir; /* referenced */
	char *buf;	   /* the remaining path (PATH_MAX) */
	const char *p;	   /* the walk's cursor in buf */
	const char *last;
	size_t lastlen;
	bool trailing_slash;
	bool at_final;
	int links;
	struct file *jumped; /* the file of the last magic link followed (referenced) */
};

int nd_start(struct nameidata *nd, struct vnode *base, const char *path);
int nd_walk_parent(struct nameidata *nd);
int nd_walk_final(struct nameidata *nd, bool follow, struct vnode **out);
void nd_end(struct nameidata *nd);
/* Write and search permission on dir to add a name (fs/perm.c). */
int vfs_may_create(struct vnode *dir);
/* The same to remove victim's name, and the sticky bit's rule: -EACCES or -EPERM. */
int vfs_may_delete(struct vnode *dir, struct vnode *victim);
/* A new node v in dir belongs to the caller's file-system ids (or dir's group). */
void vfs_own_new(struct vnode *dir, struct vnode *v);
/* The final component is "." or "..". */
bool nd_last_is_dots(const struct nameidata *nd);
/* One step: name in dir, with "." and "..", crossing mount points. */
int vfs_step(struct vnode *dir, const char *name, size_t len, struct vnode **out);

/* Vnodes and mounts. */
void vnode_init(struct vnode *v, struct mount *m, const struct vnode_ops *ops, uint32_t mode);
void mount_init(struct mount *m, const char *fstype, uint32_t magic);
/* List the root file system first in the mount table. */
void mount_add_root(struct mount *m);
extern struct mount *root_mount;
/* The pseudo file system of pipes: not in the tree, but st_dev and st_ino work. */
extern struct mount pipefs_mount;

/* ramfs: a mount with an empty root directory of that mode. */
struct mount *ramfs_create(const char *fstype, uint32_t magic, unsigned int mode);
/*
 * Give an empty ramfs file the contents data[0..size): whole pages of a
 * page-aligned data are borrowed (copied on the first write, never freed),
 * the rest copied. For the initrd, which stays in memory for the whole run.
 */
int ramfs_fill(struct vnode *v, const void *data, size_t size, bool borrow);
bool vnode_is_ramfs(const struct vnode *v);
/*
 * Lazy directories of the initrd (fs/initrd.c): ramfs_set_lazy() counts
 * nentries entries (nsubdirs of them directories) into a ramfs directory
 * now, and ramfs calls initrd_populate() under the mount's ns_lock the first
 * time anything reads or changes the directory; it names each new node with
 * ramfs_add_lazy_entry(), which changes nothing else (takes v's reference).
 */
struct initrd_entry;
void initrd_populate(struct vnode *dir, struct initrd_entry *lazy);
void ramfs_set_lazy(struct vnode *dir, struct initrd_entry *lazy, unsigned int nentries,
		    unsigned int nsubdirs);
bool ramfs_is_lazy(struct vnode *dir);
int ramfs_add_lazy_entry(struct vnode *dir, const char *name, size_t len, struct vnode *v);
/* A node of mode in m, in no directory yet; a symlink's target is target[0..tlen). */
struct vnode *ramfs_new_node(struct mount *m, uint32_t mode, const char *target, size_t tlen);
/* A regular ramfs file in m that no directory holds (memfd), referenced. */
struct vnode *ramfs_new_file(struct mount *m, unsigned int mode);
/* A ramfs file's read and write, for the file kinds built on it. */
long ramfs_file_read(struct file *f, struct uio *u, uint64_t *pos);
long ramfs_file_write(struct file *f, struct uio *u, uint64_t *pos);

/* Generic file ops. */
extern const struct file_ops vfs_dir_fops;
extern const struct file_ops vfs_path_fops; /* O_PATH: no I/O at all */
int64_t vfs_generic_llseek(struct file *f, int64_t off, int whence);

/* Block device files (fs/blkdev.c): their ops, and fsync of a /dev node. */
extern const struct file_ops blkdev_fops;
int blkdev_fsync(struct vnode *node);

/* Character devices: the file ops for a device number, or NULL. */
const struct file_ops *chrdev_fops(uint64_t rdev);
void devfs_init(void);

/* The console device (fs/console.c), and the settings a new terminal starts with. */
extern const struct file_ops console_fops, tty_fops;
struct termios;
extern const struct termios tty_default_termios;
/* Job control and line ioctls that a terminal of one session accepts and ignores. */
bool tty_ioctl_ignored(unsigned int cmd);
/* Pseudo-terminals (fs/pty.c): /dev/ptmx, and the slaves' major. */
extern const struct file_ops ptmx_fops, pts_fops;
bool pts_major(uint32_t major);
void console_dev_init(void);
/* Make f (a console file) the program's stderr stream. */
void console_mark_stderr(struct file *f);

/* Pipe files know their pipe; FIFOs open through fifo_fops. */
bool file_is_pipe(const struct file *f);
/*
 * Splicing a pipe (fs/splice.c): begin waits for data (unless nonblock or
 * O_NONBLOCK) and returns how much is buffered (0 at the end, -EAGAIN,
 * -ERESTARTSYS), holding other readers off until end, which takes the bytes
 * the other side accepted; peek copies the first n without taking them.
 * room waits for space to write: the bytes free, -EPIPE, -EAGAIN...
 */
long pipe_splice_begin(struct file *f, bool nonblock);
void pipe_splice_peek(struct file *f, void *buf, size_t n);
void pipe_splice_end(struct file *f, size_t taken);
long pipe_splice_room(struct file *f, bool nonblock);
bool pipe_same(struct file *a, struct file *b);
extern const struct file_ops fifo_fops;

#endif
