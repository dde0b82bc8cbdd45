/*
 * Declarations shared by the files of procfs: the tree machinery
 * (fs/procfs.c), the per-process files (fs/procfs_pid.c) and the system's
 * (fs/procfs_sys.c). The tree is described by constant tables of entries;
 * a vnode exists only while something holds it, and every file's text is
 * generated from live kernel state when it is read from its start.
 */
#ifndef FS_PROCFS_H
#define FS_PROCFS_H

#include <alto/compiler.h>
#include "internal.h"

/* Text being generated; it grows as needed, and oom records a failure to. */
struct pbuf {
	char *buf;
	size_t len, size;
	bool oom;
};

void pb_printf(struct pbuf *b, const char *fmt, ...) __printf(2, 3);
void pb_write(struct pbuf *b, const void *data, size_t len);

struct proc_node;

/* What the number of a numbered directory entry names. */
enum proc_number {
	PROC_NUM_PID, /* /proc/PID */
	PROC_NUM_TID, /* /proc/PID/task/TID */
	PROC_NUM_FD,  /* /proc/PID/fd/N, /proc/PID/fdinfo/N */
};

/* One name in a directory of procfs, or the directory itself. */
struct proc_entry {
	const char *name; /* NULL for numbered entries and ends a list */
	uint32_t mode;	  /* S_IFDIR, S_IFREG or S_IFLNK with permissions */
	/* Regular files: append the text. */
	void (*show)(struct pbuf *b, const struct proc_node *n);
	/* Symlinks: the target, NUL-terminated in buf; its length or -errno. */
	long (*link)(const struct proc_node *n, char *buf, size_t size);
	/* Magic links (may be NULL): the file itself, as vnode_ops.jump. */
	struct file *(*jump)(const struct proc_node *n);
	/* Directories: their fixed entries (up to one with a NULL name) ... */
	const struct proc_entry *children;
	/* ... and numbered ones: the lowest number >= from that exists, or -1. */
	long (*next)(const struct proc_node *dir, long from);
	const struct proc_entry *numbered;
	enum proc_number number;
};

struct proc_node {
	struct vnode v;
	const struct proc_entry *entry;
	struct proc_node *parent; /* referenced; NULL for the root */
	int pid, tid, fd;	  /* what the node is about; 0 (fd: -1) when nothing */
};

/* The tree: the root directory (fs/procfs_sys.c) and /proc/PID (fs/procfs_pid.c). */
extern const struct proc_entry proc_root_dir;
extern const struct proc_entry proc_pid_dir;
long proc_next_pid(const struct proc_node *dir, long from);
long proc_self_link(const struct proc_node *n, char *buf, size_t size);
long proc_thread_self_link(const struct proc_node *n, char *buf, size_t size);
void proc_show_mounts(struct pbuf *b, const struct proc_node *n);

/* The process a node is about (alive or a zombie), referenced (process_put), or NULL. */
struct process *proc_process(const struct proc_node *n);

/* Linux's ranges of a CPU mask: "0-3,5". */
void pb_cpu_list(struct pbuf *b, uint64_t mask);

#endif
