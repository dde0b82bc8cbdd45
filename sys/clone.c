/*
 * clone and clone3. Threads only: the flags pthread_create passes (CLONE_VM,
 * FS, FILES, SIGHAND, THREAD, SYSVSEM, SETTLS, PARENT_SETTID, CHILD_CLEARTID).
 * Creating a process (fork, vfork, clone without CLONE_THREAD) is refused
 * with ENOSYS and one line: Alto runs a single process.
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

#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)
#define ALLOWED                                                              \
	(THREAD_FLAGS | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | \
	 CLONE_CHILD_CLEARTID | CLONE_DETACHED | CLONE_CHILD_SETTID | CLONE_IO)

static long no_processes(const char *what)
{
	static bool said;

	if (!said)
		printk("alto: %s creates a process, which Alto does not support (one process)\n",
		       what);
	said = true;
	return -ENOSYS;
}

static long do_clone(uint64_t flags, const struct clone_args_k *a, const char *what)
{
	if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
		return -EINVAL;
	if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
		return -EINVAL;
	if ((flags & THREAD_FLAGS) != THREAD_FLAGS)
		return no_processes(what);
	if (flags & ~(uint64_t)ALLOWED)
		return -EINVAL;
	return process_clone(a);
}

/* x86_64 order: flags, stack, parent_tid, child_tid, tls. */
SYSCALL_DEFINE(clone, unsigned long flags, unsigned long stack, int __user *parent_tid,
	       int __user *child_tid, unsigned long tls)
{
	struct clone_args_k a = {
		.flags = flags,
		.stack = stack,
		.tls = tls,
		.tls_set = flags & CLONE_SETTLS,
		.parent_tid = (flags & CLONE_PARENT_SETTID) ? parent_tid : NULL,
		.child_tid = child_tid,
		.child_tid_set = flags & CLONE_CHILD_SETTID,
		.child_tid_clear =
			(flags & CLONE_CHILD_CLEARTID) ? (uint32_t __user *)child_tid : NULL,
	};

	return do_clone(flags & ~0xfful, &a, "clone");
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
	if (c.set_tid || c.set_tid_size || (c.flags & CLONE_PIDFD))
		return -EINVAL;
	struct clone_args_k a = {
		.flags = c.flags,
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
	return no_processes("fork");
}

SYSCALL_DEFINE(vfork, void)
{
	return no_processes("vfork");
}

SYSCALL_DEFINE(execve, const char __user *path, void __user *argv, void __user *envp)
{
	static bool said;

	if (!said)
		printk("alto: execve is not supported (one program per VM)\n");
	said = true;
	return -ENOSYS;
}
