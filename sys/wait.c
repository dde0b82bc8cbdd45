/*
 * Waiting for children and naming processes by descriptor: wait4, waitid,
 * pidfd_open and pidfd_send_signal. The arguments are checked as Linux does;
 * kernel/wait.c finds the child and kernel/pidfd.c makes the files.
 */
#include <alto/cred.h>
#include <alto/clock.h>
#include <alto/fdtable.h>
#include <alto/process.h>
#include <alto/string.h>
#include <alto/syscall.h>
#include <alto/time.h>
#include <alto/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/resource.h>
#include <uapi/wait.h>

#define WAIT4_OPTIONS (WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL)
#define WAITID_OPTIONS \
	(WNOHANG | WSTOPPED | WEXITED | WCONTINUED | WNOWAIT | __WNOTHREAD | __WCLONE | __WALL)

static long put_rusage(struct rusage __user *ru, const struct wait_result *r)
{
	struct rusage u;

	if (!ru)
		return 0;
	memset(&u, 0, sizeof(u));
	u.ru_utime = ns_to_timeval(r->cpu_ns);
	return copy_to_user(ru, &u, sizeof(u));
}

SYSCALL_DEFINE(wait4, int pid, int __user *status, int options, struct rusage __user *ru)
{
	struct wait_result r;
	int idtype = pid < -1 ? P_PGID : pid == -1 ? P_ALL : pid == 0 ? P_PGID : P_PID;

	if ((unsigned int)options & ~(unsigned int)WAIT4_OPTIONS)
		return -EINVAL;
	/* INT_MIN has no group to name. */
	if (pid == INT32_MIN)
		return -ESRCH;
	long found = process_wait_child(idtype,
					pid < -1 ? -pid :
					pid > 0	 ? pid :
						   0,
					options | WEXITED, &r);
	if (found <= 0)
		return found;
	if (status && put_user(r.status, status))
		return -EFAULT;
	return put_rusage(ru, &r) ?: found;
}

/* P_PIDFD: the pid behind a pidfd (-EBADF, -EINVAL when the descriptor is no pidfd). */
static long pid_of_pidfd(int fd)
{
	struct file *f = fd_get_file(fd);

	if (!f)
		return -EBADF;
	struct process *p = pidfd_process(f);
	file_put(f);
	if (!p)
		return -EINVAL;
	long pid = p->pid;
	process_put(p);
	return pid;
}

SYSCALL_DEFINE(waitid, int idtype, int id, struct ksiginfo __user *infop, int options,
	       struct rusage __user *ru)
{
	struct wait_result r = { 0 };
	struct ksiginfo info;

	if (((unsigned int)options & ~(unsigned int)WAITID_OPTIONS) ||
	    !(options & (WEXITED | WSTOPPED | WCONTINUED)))
		return -EINVAL;
	if (idtype == P_PIDFD) {
		long pid = pid_of_pidfd(id);
		if (pid < 0)
			return pid;
		id = (int)pid;
	} else if (idtype != P_ALL && idtype != P_PID && idtype != P_PGID) {
		return -EINVAL;
	} else if ((idtype == P_PID && id <= 0) || (idtype == P_PGID && id < 0)) {
		return -EINVAL;
	}
	long found = process_wait_child(idtype, id, options, &r);
	if (found < 0)
		return found;
	/* WNOHANG with nothing to report: the fields read zero, as Linux writes them. */
	memset(&info, 0, sizeof(info));
	if (found) {
		info.si_signo = SIGCHLD;
		info.si_code = r.code;
		info.child.pid = r.pid;
		info.child.status = r.si_status;
	}
	if (infop && copy_to_user(infop, &info, sizeof(info)))
		return -EFAULT;
	return put_rusage(ru, &r);
}

SYSCALL_DEFINE(pidfd_open, int pid, unsigned int flags)
{
	if (flags & ~(unsigned int)O_NONBLOCK)
		return -EINVAL;
	if (pid <= 0)
		return -EINVAL;
	struct process *p = process_find(pid);
	if (!p || p->pid == INIT_PID) {
		process_put(p);
		return -ESRCH;
	}
	struct file *f = pidfd_file(p, flags);
	process_put(p);
	if (IS_ERR(f))
		return PTR_ERR(f);
	int fd = fd_alloc(current_fdtable(), f, 0, true);
	if (fd < 0)
		file_put(f);
	return fd;
}

SYSCALL_DEFINE(pidfd_send_signal, int pidfd, int sig, const struct ksiginfo __user *uinfo,
	       unsigned int flags)
{
	struct ksiginfo info = { .si_signo = sig, .si_code = SI_USER };

	if (flags)
		return -EINVAL;
	if (sig < 0 || sig >= NSIG)
		return -EINVAL;
	if (uinfo) {
		if (copy_from_user(&info, uinfo, sizeof(info)))
			return -EFAULT;
		/* As Linux: only the kernel may claim a signal came from it, or from kill. */
		if (info.si_signo != sig || info.si_code >= 0 || info.si_code == SI_TKILL)
			return -EPERM;
	} else {
		struct cred *c = cred_current();
		info.kill.pid = current_process()->pid;
		info.kill.uid = c->uid;
		cred_put(c);
	}
	struct file *f = fd_get_file(pidfd);
	if (!f)
		return -EBADF;
	struct process *p = pidfd_process(f);
	file_put(f);
	if (!p)
		return -EBADF;
	long r = p->state == PROCESS_REAPED ? -ESRCH : process_may_signal(p, sig);
	if (!r && sig)
		r = signal_send_process(p, sig, &info);
	process_put(p);
	return r;
}
