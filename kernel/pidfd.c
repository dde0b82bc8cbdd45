/*
 * pidfds: a file that names a process (pidfd_open, clone's CLONE_PIDFD).
 * It keeps a reference to the process, so the id it names cannot be reused
 * under it; it polls readable once the process has exited, and
 * pidfd_send_signal and waitid(P_PIDFD) act on it.
 */
#include <alto/mm.h>
#include <alto/process.h>
#include <alto/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/poll.h>

static const struct file_ops pidfd_fops;

static unsigned int pidfd_poll(struct file *f, struct poll_table *pt)
{
	struct process *p = f->priv;

	if (pt)
		poll_wait(pt, &p->exit_wq);
	/* As Linux: readable (and hung up once reaped) when the process has exited. */
	enum process_state s = READ_ONCE(p->state);
	return s == PROCESS_ALIVE ? 0 : s == PROCESS_ZOMBIE ? POLLIN : POLLIN | POLLHUP;
}

static void pidfd_release(struct file *f)
{
	process_put(f->priv);
}

static const struct file_ops pidfd_fops = {
	.anon_name = "[pidfd]",
	.poll = pidfd_poll,
	.release = pidfd_release,
};

struct file *pidfd_file(struct process *p, unsigned int flags)
{
	process_get(p);
	struct file *f = vfs_anon_file(&pidfd_fops, 0, O_RDWR | (flags & O_NONBLOCK), p);
	if (IS_ERR(f))
		process_put(p);
	return f;
}

struct process *pidfd_process(struct file *f)
{
	if (f->ops != &pidfd_fops)
		return NULL;
	process_get(f->priv);
	return f->priv;
}
