/*
 * execve and execveat: the file, the argument and environment strings copied
 * into the kernel with Linux's limits (128 KiB a string, a quarter of
 * RLIMIT_STACK in all, E2BIG beyond), then kernel/execve.c replaces the
 * program. execveat takes a directory descriptor, AT_EMPTY_PATH (fexecve)
 * and AT_SYMLINK_NOFOLLOW.
 */
#include <alto/fdtable.h>
#include <alto/mm.h>
#include <alto/process.h>
#include <alto/string.h>
#include <alto/syscall.h>
#include <alto/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/stat.h>
#include "internal.h"

#define MAX_ARG_STRLEN (32 * PAGE_SIZE)
#define MIN_ARG_TOTAL  (32 * PAGE_SIZE)

/* A quarter of the stack limit, as Linux allows (at least 128 KiB, at most 6 MiB). */
static size_t arg_limit(void)
{
	struct process *p = current_process();
	unsigned long flags = spin_lock(&p->lock);
	uint64_t stack = p->rlimits[RLIMIT_STACK].rlim_cur;

	spin_unlock(&p->lock, flags);
	return (size_t)MAX(MIN(stack / 4, (uint64_t)(3 * (8ul << 20) / 4)),
			   (uint64_t)MIN_ARG_TOTAL);
}

/* Copy a NULL-terminated array of strings; *total counts bytes against the limit. */
static long copy_strings(const char __user *const __user *uv, char ***out, int *count,
			 size_t *total, size_t limit)
{
	char **v = NULL;
	int n = 0, cap = 0;

	*out = NULL;
	*count = 0;
	for (; uv; n++) {
		const char __user *us;
		if (get_user(us, &uv[n]))
			goto fault;
		if (!us)
			break;
		if (n + 1 >= cap) {
			cap = cap ? cap * 2 : 16;
			char **w = kmalloc((size_t)cap * sizeof(char *));
			if (!w)
				goto nomem;
			if (n)
				memcpy(w, v, (size_t)n * sizeof(char *));
			kfree(v);
			v = w;
		}
		char *buf = kmalloc(MAX_ARG_STRLEN);
		if (!buf)
			goto nomem;
		long len = strncpy_from_user(buf, us, MAX_ARG_STRLEN);
		*total += (len < 0 ? 0 : (size_t)len) + 1 + sizeof(char *);
		if (len < 0 || *total > limit) {
			kfree(buf);
			*out = v;
			*count = n;
			return len == -EFAULT ? -EFAULT : -E2BIG;
		}
		v[n] = kmalloc((size_t)len + 1);
		if (v[n])
			memcpy(v[n], buf, (size_t)len + 1);
		kfree(buf);
		if (!v[n])
			goto nomem;
	}
	if (v)
		v[n] = NULL;
	*out = v;
	*count = n;
	return 0;
fault:
	*out = v;
	*count = n;
	return -EFAULT;
nomem:
	*out = v;
	*count = n;
	return -ENOMEM;
}

static long copy_args(const char __user *const __user *argv, const char __user *const __user *envp,
		      struct exec_args *a)
{
	size_t total = 0, limit = arg_limit();

	return copy_strings(argv, &a->argv, &a->argc, &total, limit) ?:
		       copy_strings(envp, &a->envp, &a->envc, &total, limit);
}

/* The file execveat names: path from dirfd, or with AT_EMPTY_PATH and "" the descriptor itself. */
static struct file *open_target(int dirfd, const char *path, int flags)
{
	struct vnode *base;
	struct file *f;

	if (!path[0]) {
		if (!(flags & AT_EMPTY_PATH))
			return ERR_PTR(-ENOENT);
		f = fd_get_file(dirfd);
		return f ? f : ERR_PTR(-EBADF);
	}
	long r = at_base(dirfd, path, &base);
	if (r)
		return ERR_PTR(r);
	f = vfs_open(base, path, O_RDONLY | ((flags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0), 0);
	vnode_put(base);
	return f;
}

static long do_execveat(int dirfd, const char __user *upath, const char __user *const __user *argv,
			const char __user *const __user *envp, int flags)
{
	struct exec_args a = { 0 };
	long r;

	if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return -EINVAL;
	char *path = vfs_getname(upath);
	if (IS_ERR(path))
		return PTR_ERR(path);
	struct file *f = open_target(dirfd, path, flags);
	r = IS_ERR(f) ? PTR_ERR(f) : copy_args(argv, envp, &a);
	if (!r)
		r = process_execve(f, path, &a);
	if (!IS_ERR(f))
		file_put(f);
	exec_args_free(&a);
	vfs_putname(path);
	return r;
}

SYSCALL_DEFINE(execve, const char __user *path, const char __user *const __user *argv,
	       const char __user *const __user *envp)
{
	return do_execveat(AT_FDCWD, path, argv, envp, 0);
}

SYSCALL_DEFINE(execveat, int dirfd, const char __user *path, const char __user *const __user *argv,
	       const char __user *const __user *envp, int flags)
{
	return do_execveat(dirfd, path, argv, envp, flags);
}
