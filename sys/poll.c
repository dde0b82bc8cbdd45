/*
 * poll, ppoll, select and pselect6 on fs/poll.c's machinery. Each scan
 * takes fresh references to the files it polls and keeps them until the
 * next scan, so a file closed meanwhile cannot free a wait queue that still
 * holds our entry. Remaining time is written back, as Linux does. A signal
 * interrupts the wait: EINTR after a handler, else the call restarts (poll
 * with a timeout through restart_syscall, to the same deadline). ppoll and
 * pselect6 wait with their signal mask, kept until the handler has run.
 */
#include <alto/fdtable.h>
#include <alto/mm.h>
#include <alto/signal.h>
#include <alto/string.h>
#include <alto/syscall.h>
#include <alto/time.h>
#include <alto/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/poll.h>
#include "internal.h"

#define POLLIN_SET  (POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR)
#define POLLOUT_SET (POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR)
#define POLLEX_SET  POLLPRI
#define LONG_BITS   (8 * sizeof(unsigned long))

/* Deadlines from the application's timeouts: 0 is none, POLL_NO_WAIT is zero time. */
uint64_t deadline_after(uint64_t ns)
{
	return ns ? time_now_ns() + ns : POLL_NO_WAIT;
}

long timespec_deadline(const struct timespec __user *uts, uint64_t *deadline)
{
	struct timespec ts;

	*deadline = 0;
	if (!uts)
		return 0;
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (long)NSEC_PER_SEC)
		return -EINVAL;
	if ((uint64_t)ts.tv_sec > UINT64_MAX / NSEC_PER_SEC / 4)
		return 0; /* centuries: forever */
	*deadline = deadline_after(ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec);
	return 0;
}

static uint64_t time_left(uint64_t deadline)
{
	uint64_t now = time_now_ns();

	return deadline == POLL_NO_WAIT || now >= deadline ? 0 : deadline - now;
}

static void put_timespec_left(struct timespec __user *uts, uint64_t deadline)
{
	uint64_t left = time_left(deadline);
	struct timespec ts = { (int64_t)(left / NSEC_PER_SEC), (long)(left % NSEC_PER_SEC) };

	if (uts && deadline)
		copy_to_user(uts, &ts, sizeof(ts));
}

/* Swap the reference held for slot i for a fresh one to fd (NULL if closed). */
static struct file *refresh(struct file **slot, int fd)
{
	file_put(*slot);
	*slot = fd_get_file(fd);
	if (*slot && ((*slot)->flags & O_PATH)) {
		file_put(*slot);
		*slot = NULL;
	}
	return *slot;
}

static void put_all(struct file **files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		file_put(files[i]);
}

struct poll_ctx {
	struct pollfd *fds;
	struct file **files;
	unsigned int n;
};

static int poll_scan(void *arg, struct poll_table *pt)
{
	struct poll_ctx *c = arg;
	int ready = 0;

	for (unsigned int i = 0; i < c->n; i++) {
		struct pollfd *p = &c->fds[i];
		struct file *f;
		p->revents = 0;
		if (p->fd < 0)
			continue;
		f = refresh(&c->files[i], p->fd);
		if (pt)
			pt->events = (uint16_t)p->events;
		if (f)
			p->revents = vfs_poll_file(f, pt) & (p->events | POLLERR | POLLHUP);
		else
			p->revents = POLLNVAL;
		ready += p->revents != 0;
	}
	return ready;
}

static long do_poll(struct pollfd __user *ufds, unsigned int n, uint64_t deadline)
{
	struct poll_ctx c = { .n = n };
	size_t bytes = n * sizeof(struct pollfd);
	long r;

	if (n > fd_limit())
		return -EINVAL;
	c.fds = kmalloc(bytes);
	c.files = kzalloc(n * sizeof(*c.files));
	r = c.fds && c.files ? 0 : -ENOMEM;
	if (!r && copy_from_user(c.fds, ufds, bytes))
		r = -EFAULT;
	if (!r)
		r = vfs_poll(poll_scan, &c, deadline);
	if (r >= 0 && copy_to_user(ufds, c.fds, bytes))
		r = -EFAULT;
	if (c.files)
		put_all(c.files, n);
	kfree(c.files);
	kfree(c.fds);
	return r;
}

static long poll_interrupted(long r, struct pollfd __user *fds, unsigned int nfds,
			     uint64_t deadline);

static long poll_restart(struct restart_block *rb)
{
	struct pollfd __user *fds = (struct pollfd __user *)rb->arg[0];
	unsigned int nfds = (unsigned int)rb->arg[1];
	uint64_t deadline = rb->arg[2];

	return poll_interrupted(do_poll(fds, nfds, deadline), fds, nfds, deadline);
}

/* A poll that a signal interrupted restarts, with a timeout to the same deadline. */
static long poll_interrupted(long r, struct pollfd __user *fds, unsigned int nfds,
			     uint64_t deadline)
{
	if (r != -EINTR)
		return r;
	if (!deadline)
		return -ERESTARTNOHAND;
	return signal_set_restart(poll_restart, (uint64_t)fds, nfds, deadline, 0);
}

SYSCALL_DEFINE(poll, struct pollfd __user *fds, unsigned int nfds, int timeout)
{
	uint64_t deadline = timeout < 0 ? 0 : deadline_after((uint64_t)timeout * NSEC_PER_MSEC);

	return poll_interrupted(do_poll(fds, nfds, deadline), fds, nfds, deadline);
}

/* ppoll's and pselect6's mask for the wait, put back on the way out. */
long set_wait_mask(const ksigset_t __user *umask, size_t size)
{
	ksigset_t mask;

	if (!umask)
		return 0;
	if (size != sizeof(ksigset_t))
		return -EINVAL;
	if (copy_from_user(&mask, umask, sizeof(mask)))
		return -EFAULT;
	signal_set_temporary_mask(mask);
	return 0;
}

/*
 * After an interrupted wait the temporary mask stays for the handler (its
 * frame records the saved one); otherwise it goes now.
 */
long finish_masked(long r)
{
	if (r == -EINTR)
		return -ERESTARTNOHAND;
	signal_restore_temporary_mask();
	return r;
}

SYSCALL_DEFINE(ppoll, struct pollfd __user *fds, unsigned int nfds, struct timespec __user *tsp,
	       const ksigset_t __user *sigmask, size_t sigsetsize)
{
	uint64_t deadline;
	long r = timespec_deadline(tsp, &deadline);

	if (!r)
		r = set_wait_mask(sigmask, sigsetsize);
	if (r)
		return r;
	r = do_poll(fds, nfds, deadline);
	put_timespec_left(tsp, deadline);
	return finish_masked(r);
}

struct select_ctx {
	int nfds;
	unsigned long *in[3], *out[3]; /* read, write, except; in[i] NULL when not given */
	struct file **files;
};

static bool bit(const unsigned long *set, int fd)
{
	return set && (set[fd / LONG_BITS] >> (fd % LONG_BITS)) & 1;
}

static int select_one(struct select_ctx *c, int fd, struct poll_table *pt)
{
	static const unsigned int sets[3] = { POLLIN_SET, POLLOUT_SET, POLLEX_SET };
	struct file *f = refresh(&c->files[fd], fd);
	unsigned int mask;
	int ready = 0;

	if (!f)
		return -EBADF;
	if (pt) {
		pt->events = 0;
		for (int i = 0; i < 3; i++)
			pt->events |= bit(c->in[i], fd) ? sets[i] : 0;
	}
	mask = vfs_poll_file(f, pt);
	for (int i = 0; i < 3; i++) {
		if (bit(c->in[i], fd) && (mask & sets[i])) {
			c->out[i][fd / LONG_BITS] |= 1ul << (fd % LONG_BITS);
			ready++;
		}
	}
	return ready;
}

static int select_scan(void *arg, struct poll_table *pt)
{
	struct select_ctx *c = arg;
	size_t words = (c->nfds + LONG_BITS - 1) / LONG_BITS;
	int ready = 0;

	for (int i = 0; i < 3; i++)
		memset(c->out[i], 0, words * sizeof(long));
	for (int fd = 0; fd < c->nfds; fd++) {
		if (!bit(c->in[0], fd) && !bit(c->in[1], fd) && !bit(c->in[2], fd))
			continue;
		int r = select_one(c, fd, pt);
		if (r < 0)
			return r;
		ready += r;
	}
	return ready;
}

/* Bitmaps: in[0..2] then out[0..2], each `words` longs, in one allocation. */
static long select_sets(struct select_ctx *c, unsigned long __user *const user[3], size_t words)
{
	unsigned long *mem = kzalloc(6 * words * sizeof(long) + 1);

	if (!mem)
		return -ENOMEM;
	for (int i = 0; i < 3; i++) {
		c->out[i] = mem + (3 + i) * words;
		c->in[i] = user[i] ? mem + i * words : NULL;
		if (user[i] && copy_from_user(c->in[i], user[i], words * sizeof(long))) {
			kfree(mem);
			return -EFAULT;
		}
	}
	return 0;
}

static long do_select(int nfds, unsigned long __user *const user[3], uint64_t deadline)
{
	struct select_ctx c = { .nfds = nfds };
	size_t words;
	long r;

	if (nfds < 0)
		return -EINVAL;
	c.nfds = nfds = (int)MIN((unsigned long)nfds, fd_limit());
	words = (nfds + LONG_BITS - 1) / LONG_BITS;
	r = select_sets(&c, user, words);
	if (r)
		return r;
	c.files = kzalloc(nfds * sizeof(*c.files) + 1);
	r = c.files ? vfs_poll(select_scan, &c, deadline) : -ENOMEM;
	for (int i = 0; i < 3 && r >= 0; i++) {
		if (user[i] && copy_to_user(user[i], c.out[i], words * sizeof(long)))
			r = -EFAULT;
	}
	if (c.files)
		put_all(c.files, nfds);
	kfree(c.files);
	kfree(c.out[0] - 3 * words);
	return r;
}

SYSCALL_DEFINE(select, int nfds, unsigned long __user *rd, unsigned long __user *wr,
	       unsigned long __user *ex, struct timeval __user *tvp)
{
	unsigned long __user *const sets[3] = { rd, wr, ex };
	uint64_t deadline = 0, left;
	struct timeval tv;
	long r;

	if (tvp) {
		if (copy_from_user(&tv, tvp, sizeof(tv)))
			return -EFAULT;
		if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
			return -EINVAL;
		if ((uint64_t)tv.tv_sec < UINT64_MAX / NSEC_PER_SEC / 4)
			deadline = deadline_after(tv.tv_sec * NSEC_PER_SEC +
						  tv.tv_usec * NSEC_PER_USEC);
	}
	r = do_select(nfds, sets, deadline);
	if (tvp && deadline) {
		left = time_left(deadline);
		tv = (struct timeval){ (int64_t)(left / NSEC_PER_SEC),
				       (long)(left % NSEC_PER_SEC / NSEC_PER_USEC) };
		copy_to_user(tvp, &tv, sizeof(tv));
	}
	/* A restart reads the remaining time just written back. */
	return r == -EINTR ? -ERESTARTNOHAND : r;
}

SYSCALL_DEFINE(pselect6, int nfds, unsigned long __user *rd, unsigned long __user *wr,
	       unsigned long __user *ex, struct timespec __user *tsp, const void __user *sig)
{
	unsigned long __user *const sets[3] = { rd, wr, ex };
	struct {
		const ksigset_t __user *mask;
		size_t size;
	} sm = { NULL, 0 };
	uint64_t deadline;
	long r = timespec_deadline(tsp, &deadline);

	if (!r && sig && copy_from_user(&sm, sig, sizeof(sm)))
		r = -EFAULT;
	if (!r)
		r = set_wait_mask(sm.mask, sm.size);
	if (r)
		return r;
	r = do_select(nfds, sets, deadline);
	put_timespec_left(tsp, deadline);
	return finish_masked(r);
}
