/*
 * Declarations shared by the files of sys/: the table built from
 * syscalls.def and the --strace printer.
 */
#ifndef SYS_INTERNAL_H
#define SYS_INTERNAL_H

#include <stdbool.h>
#include <alto/uaccess.h>

struct trap_frame;

#define NR_SYSCALLS 451

struct syscall_desc {
	void *fn; /* NULL: not implemented */
	const char *name;
	const char *args; /* argument kinds, see syscalls.def */
};

extern const struct syscall_desc syscall_table[NR_SYSCALLS];

/*
 * Paths of the *at() calls (sys/fs.c): the directory a relative path starts
 * from (NULL: the working directory), and a path argument with its base,
 * released by put_path().
 */
struct vnode;
struct upath {
	char *name;
	struct vnode *base;
};
long at_base(int dirfd, const char *path, struct vnode **base);
long get_path(struct upath *p, int dirfd, const char __user *upath);
void put_path(struct upath *p);

void strace_enter(struct trap_frame *f, unsigned long nr);
void strace_exit(struct trap_frame *f, unsigned long nr, long ret);

#endif
