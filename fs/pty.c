/*
 * Pseudo-terminals: /dev/ptmx opens a master and makes /dev/pts/N, the
 * slave (a character device, major 136, minor N), which opens once the
 * master unlocks it (TIOCSPTLCK) or comes straight from TIOCGPTPEER, as
 * glibc's and musl's openpty use them. What the master writes goes through
 * the slave's line discipline (termios: ICRNL, the canonical line with
 * erase, kill and end of file, echo back to the master, VINTR and VQUIT
 * as signals, VMIN); what the slave writes reaches the master with \n
 * sent as \r\n under OPOST and ONLCR. When the slave's last reference goes,
 * the master reads EIO once its data is out and polls POLLHUP; when the
 * master's goes, the slave reads end of file and writes EIO, and its name
 * disappears. Both ends notify one wait queue with the events that changed.
 */
#include <alto/format.h>
#include <alto/mm.h>
#include <alto/process.h>
#include <alto/signal.h>
#include <alto/string.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/poll.h>
#include <uapi/stat.h>
#include <uapi/termios.h>
#include "internal.h"

#define PTS_MAJOR   136
#define PTY_MAX	    256
#define IN_SIZE	    4096 /* the slave's input, as Linux's N_TTY buffer */
#define OUT_SIZE    16384
#define TIOCGPTN    0x80045430u
#define TIOCSPTLCK  0x40045431u
#define TIOCGPTLCK  0x80045439u
#define TIOCGPTPEER 0x5441u

struct pty {
	int index;
	struct mutex lock;
	struct waitq wq;
	struct termios termios;
	struct winsize winsize;
	bool locked;
	int slaves;	   /* open slave files */
	bool slave_opened; /* a slave has been open: its last close is a hang-up */
	bool master_gone;
	/* Input: in[0..ready) is readable; in[ready..len) the line being edited. */
	char in[IN_SIZE];
	size_t len, ready;
	unsigned int eofs; /* canonical: ends of file queued after the ready data */
	char out[OUT_SIZE];
	size_t out_len;
};

static struct mutex ptys_lock = MUTEX_INIT(ptys_lock);
static struct pty *ptys[PTY_MAX];

static bool canon(struct pty *p)
{
	return p->termios.c_lflag & ICANON;
}

static bool is_cc(struct pty *p, char c, int i)
{
	return p->termios.c_cc[i] && (uint8_t)c == p->termios.c_cc[i];
}

/* Output towards the master (lock held): \n as \r\n under OPOST and ONLCR. */
static size_t put_out(struct pty *p, const char *s, size_t n)
{
	bool onlcr = (p->termios.c_oflag & (OPOST | ONLCR)) == (OPOST | ONLCR);
	size_t done = 0;

	for (; done < n; done++) {
		if (s[done] == '\n' && onlcr) {
			if (p->out_len + 2 > OUT_SIZE)
				break;
			p->out[p->out_len++] = '\r';
		} else if (p->out_len == OUT_SIZE) {
			break;
		}
		p->out[p->out_len++] = s[done];
	}
	return done;
}

static void echo(struct pty *p, char c)
{
	uint32_t lf = p->termios.c_lflag;

	if (!(lf & ECHO)) {
		if (c == '\n' && (lf & ECHONL))
			put_out(p, "\n", 1);
		return;
	}
	if (((uint8_t)c < 0x20 && c != '\n' && c != '\t') && (lf & ECHOCTL)) {
		char caret[2] = { '^', (char)(c ^ 0x40) };
		put_out(p, caret, 2);
	} else {
		put_out(p, &c, 1);
	}
}

static void erase(struct pty *p)
{
	if (p->len == p->ready)
		return;
	p->len--;
	if ((p->termios.c_lflag & (ECHO | ECHOE)) == (ECHO | ECHOE))
		put_out(p, "\b \b", 3);
}

/* A signal character: the line goes, the process hears of it. */
static bool signal_char(struct pty *p, char c)
{
	int sig = is_cc(p, c, VINTR) ? SIGINT : is_cc(p, c, VQUIT) ? SIGQUIT : 0;

	if (!(p->termios.c_lflag & ISIG) || !sig)
		return false;
	echo(p, c);
	p->len = p->ready;
	if (current_process())
		signal_send_process(current_process(), sig, NULL);
	return true;
}

/* One byte from the master through the line discipline (lock held); false: no room. */
static bool input_byte(struct pty *p, char c)
{
	uint32_t in = p->termios.c_iflag;

	if (in & ISTRIP)
		c &= 0x7f;
	if (c == '\r' && (in & IGNCR))
		return true;
	if (c == '\r' && (in & ICRNL))
		c = '\n';
	else if (c == '\n' && (in & INLCR))
		c = '\r';
	if (signal_char(p, c))
		return true;
	if (canon(p)) {
		if (is_cc(p, c, VERASE)) {
			erase(p);
			return true;
		}
		if (is_cc(p, c, VKILL)) {
			while (p->len > p->ready)
				erase(p);
			return true;
		}
		if (is_cc(p, c, VEOF)) {
			if (p->len == p->ready)
				p->eofs++;
			p->ready = p->len; /* what was typed goes, without a newline */
			return true;
		}
	}
	/* Full: raw input waits for the reader; a full line drops what comes, as N_TTY. */
	if (p->len >= IN_SIZE - (canon(p) ? 1 : 0) && !(canon(p) && c == '\n'))
		return canon(p);
	p->in[p->len++] = c;
	echo(p, c);
	if (!canon(p) || c == '\n' || is_cc(p, c, VEOL) || is_cc(p, c, VEOL2))
		p->ready = p->len;
	return true;
}

/* Bytes a slave read may take now, -1 to wait (lock held). */
static long slave_readable(struct pty *p, size_t want)
{
	if (canon(p)) {
		if (p->ready) {
			char *nl = memchr(p->in, '\n', p->ready);
			return nl ? nl - p->in + 1 : (long)p->ready;
		}
		return p->eofs || p->master_gone ? 0 : -1;
	}
	size_t vmin = p->termios.c_cc[VMIN];
	if (p->ready && p->ready >= MIN(MAX(vmin, (size_t)1), want))
		return (long)p->ready;
	if (p->master_gone || (!vmin && !p->termios.c_cc[VTIME]))
		return (long)p->ready;
	return -1;
}

/* Take n bytes of ready input (lock held). */
static void take_in(struct pty *p, size_t n)
{
	memmove(p->in, p->in + n, p->len - n);
	p->len -= n;
	p->ready -= n;
}

static void notify(struct pty *p, unsigned int events)
{
	waitq_notify(&p->wq, events);
}

/*
 * Sleep until something changes: p->lock is dropped meanwhile. The wait
 * queue's lock is taken before p->lock is dropped, so a notification made
 * after our look at the state cannot be missed.
 */
static int wait_change(struct pty *p)
{
	unsigned long flags = spin_lock(&p->wq.lock);

	mutex_unlock(&p->lock);
	int r = waitq_wait_interruptible_locked(&p->wq, &flags, 0);
	spin_unlock(&p->wq.lock, flags);
	mutex_lock(&p->lock);
	return r ? -ERESTARTSYS : 0;
}

/* ---- the slave */

static struct pty *pty_of(struct file *f)
{
	return f->priv;
}

static long slave_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct pty *p = pty_of(f);
	long r;

	mutex_lock(&p->lock);
	while ((r = slave_readable(p, u->resid)) < 0) {
		if ((f->flags & O_NONBLOCK) || u->nowait) {
			r = -EAGAIN;
			break;
		}
		if ((r = wait_change(p)))
			break;
	}
	if (r == 0 && canon(p) && p->eofs && !p->ready)
		p->eofs--;
	if (r > 0) {
		r = (long)MIN((size_t)r, u->resid);
		if (uio_copy_out(u, p->in, (size_t)r))
			r = -EFAULT;
		else
			take_in(p, (size_t)r);
	}
	mutex_unlock(&p->lock);
	if (r > 0)
		notify(p, POLLOUT | POLLWRNORM);
	return r;
}

static long slave_write(struct file *f, struct uio *u, uint64_t *pos)
{
	struct pty *p = pty_of(f);
	char buf[256];
	long done = 0, err = 0;

	mutex_lock(&p->lock);
	while (u->resid && !err) {
		if (p->master_gone) {
			err = -EIO;
		} else if (p->out_len + 2 > OUT_SIZE) {
			err = (f->flags & O_NONBLOCK) || u->nowait ? -EAGAIN : wait_change(p);
		} else {
			size_t n = MIN(u->resid, MIN(sizeof(buf), (OUT_SIZE - p->out_len) / 2));
			if (uio_copy_in(u, buf, n)) {
				err = -EFAULT;
				break;
			}
			done += (long)put_out(p, buf, n);
			notify(p, POLLIN | POLLRDNORM);
		}
	}
	mutex_unlock(&p->lock);
	return done ? done : err;
}

static unsigned int slave_poll(struct file *f, struct poll_table *pt)
{
	struct pty *p = pty_of(f);
	unsigned int mask = 0;

	poll_wait(pt, &p->wq);
	mutex_lock(&p->lock);
	/* Raw input is readable for poll once VMIN bytes are there (at least one). */
	if (canon(p) ? slave_readable(p, 1) >= 0 :
		       p->ready >= MAX((size_t)p->termios.c_cc[VMIN], (size_t)1))
		mask |= POLLIN | POLLRDNORM;
	if (p->out_len + 2 <= OUT_SIZE)
		mask |= POLLOUT | POLLWRNORM;
	/* A hung-up terminal is everything at once, as Linux's hung_up_tty_poll says. */
	if (p->master_gone)
		mask = POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLHUP | POLLERR;
	mutex_unlock(&p->lock);
	return mask;
}

static int termios_ioctl(struct pty *p, unsigned int cmd, unsigned long arg)
{
	struct termios t;
	struct winsize ws;

	switch (cmd) {
	case TCGETS:
		return copy_to_user((void __user *)arg, &p->termios, sizeof(p->termios));
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		if (copy_from_user(&t, (void __user *)arg, sizeof(t)))
			return -EFAULT;
		mutex_lock(&p->lock);
		if (cmd == TCSETSF)
			p->len = p->ready = p->eofs = 0;
		/* Leaving canonical mode: the line being edited becomes input. */
		p->termios = t;
		if (!canon(p))
			p->ready = p->len;
		mutex_unlock(&p->lock);
		notify(p, WAITQ_ALL);
		return 0;
	case TIOCGWINSZ:
		return copy_to_user((void __user *)arg, &p->winsize, sizeof(p->winsize));
	case TIOCSWINSZ:
		if (copy_from_user(&ws, (void __user *)arg, sizeof(ws)))
			return -EFAULT;
		p->winsize = ws;
		return 0;
	case TCFLSH:
		if (arg > TCIOFLUSH)
			return -EINVAL;
		mutex_lock(&p->lock);
		if (arg != TCOFLUSH)
			p->len = p->ready = p->eofs = 0;
		if (arg != TCIFLUSH)
			p->out_len = 0;
		mutex_unlock(&p->lock);
		notify(p, WAITQ_ALL);
		return 0;
	case TIOCGPGRP:
	case TIOCGSID:
		return put_user(current_process() ? current_process()->pid : 0, (int __user *)arg);
	}
	return tty_ioctl_ignored(cmd) ? 0 : -ENOTTY;
}

static int slave_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct pty *p = pty_of(f);

	if (cmd == FIONREAD || cmd == TIOCOUTQ) {
		mutex_lock(&p->lock);
		long n = cmd == FIONREAD ? MAX(slave_readable(p, IN_SIZE), 0l) : (long)p->out_len;
		mutex_unlock(&p->lock);
		return put_user((int)n, (int __user *)arg);
	}
	return termios_ioctl(p, cmd, arg);
}

static void pty_free(struct pty *p)
{
	mutex_lock(&ptys_lock);
	ptys[p->index] = NULL;
	mutex_unlock(&ptys_lock);
	kfree(p);
}

static void slave_release(struct file *f)
{
	struct pty *p = pty_of(f);

	mutex_lock(&p->lock);
	bool last = --p->slaves == 0 && p->master_gone;
	mutex_unlock(&p->lock);
	notify(p, WAITQ_ALL);
	if (last)
		pty_free(p);
}

/* Opening /dev/pts/N: the pty of that number, unlocked and with its master. */
static int slave_open(struct file *f)
{
	uint32_t n = minor_linux(f->vnode->rdev);
	struct pty *p;
	int err = 0;

	mutex_lock(&ptys_lock);
	p = n < PTY_MAX ? ptys[n] : NULL;
	if (!p) {
		err = -EIO;
	} else {
		mutex_lock(&p->lock);
		if (p->master_gone)
			err = -EIO;
		else if (p->locked)
			err = -EIO;
		else
			p->slaves++;
		p->slave_opened = p->slave_opened || !err;
		mutex_unlock(&p->lock);
	}
	mutex_unlock(&ptys_lock);
	if (!err)
		f->priv = p;
	return err;
}

const struct file_ops pts_fops = {
	.read = slave_read,
	.write = slave_write,
	.poll = slave_poll,
	.ioctl = slave_ioctl,
	.open = slave_open,
	.release = slave_release,
};

/* ---- the master */

static long master_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct pty *p = pty_of(f);
	long r = 0;

	mutex_lock(&p->lock);
	while (!p->out_len && !r) {
		if (!p->slaves && p->slave_opened)
			r = -EIO;
		else if ((f->flags & O_NONBLOCK) || u->nowait)
			r = -EAGAIN;
		else
			r = wait_change(p);
	}
	if (!r) {
		r = (long)MIN(p->out_len, u->resid);
		if (uio_copy_out(u, p->out, (size_t)r)) {
			r = -EFAULT;
		} else {
			memmove(p->out, p->out + r, p->out_len - (size_t)r);
			p->out_len -= (size_t)r;
		}
	}
	mutex_unlock(&p->lock);
	if (r > 0)
		notify(p, POLLOUT | POLLWRNORM);
	return r;
}

static long master_write(struct file *f, struct uio *u, uint64_t *pos)
{
	struct pty *p = pty_of(f);
	long done = 0, err = 0;
	char c;

	mutex_lock(&p->lock);
	while (u->resid && !err) {
		if (uio_copy_in(u, &c, 1)) {
			err = -EFAULT;
			break;
		}
		while (!err && !input_byte(p, c))
			err = (f->flags & O_NONBLOCK) || u->nowait ? -EAGAIN : wait_change(p);
		if (!err)
			done++;
	}
	mutex_unlock(&p->lock);
	if (done)
		notify(p, POLLIN | POLLRDNORM | POLLOUT);
	return done ? done : err;
}

static unsigned int master_poll(struct file *f, struct poll_table *pt)
{
	struct pty *p = pty_of(f);
	unsigned int mask = 0;

	poll_wait(pt, &p->wq);
	mutex_lock(&p->lock);
	if (p->out_len)
		mask |= POLLIN | POLLRDNORM;
	if (p->len < IN_SIZE - 1)
		mask |= POLLOUT | POLLWRNORM;
	if (!p->slaves && p->slave_opened)
		mask |= POLLHUP;
	mutex_unlock(&p->lock);
	return mask;
}

static char *pts_path(int n, char *buf, size_t size)
{
	snprintf(buf, size, "/dev/pts/%d", n);
	return buf;
}

/* TIOCGPTPEER: the slave as a new open file, without a path walk. */
static int open_peer(struct pty *p, unsigned long flags)
{
	char path[32];
	struct file *f;

	if (flags & ~(O_ACCMODE | O_NONBLOCK | O_NOCTTY | O_CLOEXEC))
		return -EINVAL;
	f = vfs_open_kernel(pts_path(p->index, path, sizeof(path)), (int)(flags & ~O_CLOEXEC), 0);
	return fd_install(f, flags & O_CLOEXEC);
}

static int master_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct pty *p = pty_of(f);
	int v;

	switch (cmd) {
	case TIOCGPTN:
		return put_user((unsigned int)p->index, (unsigned int __user *)arg);
	case TIOCSPTLCK:
		if (get_user(v, (int __user *)arg))
			return -EFAULT;
		p->locked = v != 0;
		return 0;
	case TIOCGPTLCK:
		return put_user((int)p->locked, (int __user *)arg);
	case TIOCGPTPEER:
		return open_peer(p, arg);
	case FIONREAD:
		return put_user((int)READ_ONCE(p->out_len), (int __user *)arg);
	}
	return termios_ioctl(p, cmd, arg);
}

static void master_release(struct file *f)
{
	struct pty *p = pty_of(f);
	char path[32];

	if (!p)
		return;
	vfs_unlink(NULL, pts_path(p->index, path, sizeof(path)));
	mutex_lock(&p->lock);
	p->master_gone = true;
	bool last = !p->slaves;
	mutex_unlock(&p->lock);
	notify(p, WAITQ_ALL);
	if (last)
		pty_free(p);
}

/* Opening /dev/ptmx: a new pty, locked, and its slave's name in /dev/pts. */
static int master_open(struct file *f)
{
	struct pty *p = kzalloc(sizeof(*p));
	char path[32];
	int n, err;

	if (!p)
		return -ENOMEM;
	mutex_lock(&ptys_lock);
	for (n = 0; n < PTY_MAX && ptys[n]; n++)
		;
	if (n < PTY_MAX)
		ptys[n] = p;
	mutex_unlock(&ptys_lock);
	if (n == PTY_MAX) {
		kfree(p);
		return -ENOSPC;
	}
	p->index = n;
	mutex_init(&p->lock);
	waitq_init(&p->wq);
	p->termios = tty_default_termios;
	p->locked = true;
	err = vfs_mknod(NULL, pts_path(n, path, sizeof(path)), S_IFCHR | 0620,
			makedev_linux(PTS_MAJOR, (uint32_t)n));
	if (err) {
		pty_free(p);
		return err;
	}
	f->priv = p;
	return 0;
}

const struct file_ops ptmx_fops = {
	.read = master_read,
	.write = master_write,
	.poll = master_poll,
	.ioctl = master_ioctl,
	.open = master_open,
	.release = master_release,
};

bool pts_major(uint32_t major)
{
	return major == PTS_MAJOR;
}
