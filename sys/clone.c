/*
 * clone, clone3, fork and vfork: the arguments decoded and checked as Linux
 * does; kernel/fork.c makes the thread (CLONE_THREAD) or the process. The
 * flags C libraries and Go pass are supported: a thread shares everything
 * (CLONE_VM, FS, FILES, SIGHAND); a process copies or shares each part,
 * vfork (CLONE_VFORK) waits for the child's exec or exit, CLONE_PIDFD gives
 * a pidfd. Namespaces are refused with one line.
 */
#include <alto/layout.h>
#include <alto/printk.h>
#include <alto/process.h>
#include <alto/syscall.h>
#include <alto/string.h>
#include <uapi/errno.h>

#define CLONE_VM	     0x00000100
#define CLONE_FS	     0x00000200
#define CLONE_FILES	     0x00000400
#define CLONE_SIGHAND	     0x00000800
#define CLONE_PIDFD	     0x00001000
#define CLONE_VFORK	     0x00004000
#define CLONE_THREAD	     0x00010000
#define CLONE_SYSVSEM	     0x00040000
#define CLONE_SETTLS	     0x00080000
#define CLONE_PARENT_SETTID  0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_DETACHED	     0x00400000
#define CLONE_CHILD_SETTID   0x01000000
#define CLONE_IO	     0x80000000u

#define CLONE_PARENT	0x00008000
#define CLONE_NEWNS	0x00020000
#define CLONE_UNTRACED	0x00800000
#define CLONE_NEWCGROUP 0x02000000
#define CLONE_NEWUTS	0x04000000
#define CLONE_NEWIPC	0x08000000
#define CLONE_NEWUSER	0x10000000
#define CLONE_NEWPID	0x20000000
#define CLONE_NEWNET	0x40000000
#define CLONE_PTRACE	0x00002000

#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)
#define NAMESPACES                                                                     \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | \
	 CLONE_NEWPID | CLONE_NEWNET)
#define ALLOWED                                                                                \
	(THREAD_FLAGS | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |                   \
	 CLONE_CHILD_CLEARTID | CLONE_DETACHED | CLONE_CHILD_SETTID | CLONE_IO | CLONE_VFORK | \
	 CLONE_PARENT | CLONE_PIDFD | CLONE_UNTRACED | CLONE_PTRACE)

/* One console line per kind of clone Alto cannot make. */
static long refuse(const char *what, const char *why)
{
	static bool said;

	if (!said)
		printk_note("alto: %s: %s\n", what, why);
	said = true;
	return -EINVAL;
}

/* Linux's checks of the flags, in its order, then a thread or a process. */
static long do_clone(uint64_t flags, const struct clone_args_k *a, const char *what)
{
	if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
		return -EINVAL;
	if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
		return -EINVAL;
	if ((flags & CLONE_PIDFD) && ((flags & (CLONE_DETACHED | CLONE_THREAD)) || !a->pidfd))
		return -EINVAL;
	if (flags & NAMESPACES)
		return refuse(what, "namespaces are not supported");
	if (flags & ~(uint64_t)ALLOWED)
		return -EINVAL;
	if (!(flags & CLONE_THREAD))
		return process_fork(a);
	if ((flags & THREAD_FLAGS) != THREAD_FLAGS)
		return refuse(what, "a thread with its own files or working directory "
				    "(CLONE_THREAD without CLONE_FS or CLONE_FILES)");
	return process_clone_thread(a);
}

/* x86_64 order: flags, stack, parent_tid, child_tid, tls. */
SYSCALL_DEFINE(clone, unsigned long flags, unsigned long stack, int __user *parent_tid,
	       int __user *child_tid, unsigned long tls)
{
	struct clone_args_k a = {
		.flags = flags & ~0xfful,
		.exit_signal = (int)(flags & 0xff),
		.stack = stack,
		.tls = tls,
		.tls_set = flags & CLONE_SETTLS,
		.parent_tid = (flags & CLONE_PARENT_SETTID) ? parent_tid : NULL,
		.child_tid = child_tid,
		.child_tid_set = flags & CLONE_CHILD_SETTID,
		.child_tid_clear =
			(flags & CLONE_CHILD_CLEARTID) ? (uint32_t __user *)child_tid : NULL,
		/* Linux's clone() takes the pidfd where CLONE_PARENT_SETTID would write. */
		.pidfd = (flags & CLONE_PIDFD) ? parent_tid : NULL,
	};

	if ((flags & CLONE_PIDFD) && (flags & CLONE_PARENT_SETTID))
		return -EINVAL;
	if (a.exit_signal >= NSIG)
		return -EINVAL;
	return do_clone(a.flags, &a, "clone");
}

struct clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

SYSCALL_DEFINE(clone3, const struct clone_args __user *uargs, size_t size)
{
	struct clone_args c;

	memset(&c, 0, sizeof(c));
	if (size < 64 || size > PAGE_SIZE)
		return -EINVAL;
	if (copy_from_user(&c, uargs, MIN(size, sizeof(c))))
		return -EFAULT;
	if (c.set_tid || c.set_tid_size || c.exit_signal >= NSIG || (c.flags & 0xff))
		return -EINVAL;
	struct clone_args_k a = {
		.flags = c.flags,
		.exit_signal = (int)c.exit_signal,
		.pidfd = (c.flags & CLONE_PIDFD) ? (int __user *)c.pidfd : NULL,
		.stack = c.stack ? c.stack + c.stack_size : 0, /* clone3 gives the lowest address */
		.tls = c.tls,
		.tls_set = c.flags & CLONE_SETTLS,
		.parent_tid = (c.flags & CLONE_PARENT_SETTID) ? (int __user *)c.parent_tid : NULL,
		.child_tid = (int __user *)c.child_tid,
		.child_tid_set = c.flags & CLONE_CHILD_SETTID,
		.child_tid_clear =
			(c.flags & CLONE_CHILD_CLEARTID) ? (uint32_t __user *)c.child_tid : NULL,
	};
	return do_clone(c.flags, &a, "clone3");
}

SYSCALL_DEFINE(fork, void)
{
	struct clone_args_k a = { .exit_signal = SIGCHLD };

	return process_fork(&a);
}

SYSCALL_DEFINE(vfork, void)
{
	struct clone_args_k a = { .flags = CLONE_VM | CLONE_VFORK, .exit_signal = SIGCHLD };

	return process_fork(&a);
}
