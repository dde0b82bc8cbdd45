/*
 * Declarations shared by the files of sys/: the table built from
 * syscalls.def, the --strace printer, and the time-outs and signal masks
 * of the waiting calls (sys/poll.c, sys/epoll.c).
 */
#ifndef SYS_INTERNAL_H
#define SYS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <alto/signal.h>
#include <alto/syscall.h>
#include <alto/uaccess.h>
#include <uapi/time.h>

struct trap_frame;

/* Argument kinds (see syscalls.def), NULL for a number Linux does not have. */
const char *syscall_args(unsigned long nr);

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

/* Deadlines of waiting calls: 0 is none, POLL_NO_WAIT zero time (ns: a relative time-out). */
uint64_t deadline_after(uint64_t ns);
/* The deadline of a relative timespec time-out (NULL: none): 0, -EFAULT or -EINVAL. */
long timespec_deadline(const struct timespec __user *uts, uint64_t *deadline);
/* Wait with the application's signal mask (NULL: keep the present one); 0 or -errno. */
long set_wait_mask(const ksigset_t __user *umask, size_t size);
/* After the wait: EINTR keeps the mask for the handler, anything else restores it now. */
long finish_masked(long r);

#endif
