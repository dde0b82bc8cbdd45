/*
 * The descriptor table. Slots hold referenced files; lookups take the lock
 * only long enough to grab a reference, or none in a threaded process
 * (fd_get_light), and files are dropped outside it because releasing one
 * may sleep (a pipe's lock). The table grows by doubling, never beyond
 * RLIMIT_NOFILE. A freed table's memory, like a released file's, waits for
 * the lockless lookups under way: one may have read the process's table
 * just before execve or an exit replaced it.
 */
#include <alto/fdtable.h>
#include <alto/mm.h>
#include <alto/process.h>
#include <alto/string.h>
#include <alto/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include "internal.h"
#include "vfs_trace.h"

#define NR_OPEN	     (1u << 20) /* Linux's ceiling on RLIMIT_NOFILE */
#define DEFAULT_FILE 1024
#define LONG_BITS    (8 * sizeof(unsigned long))

unsigned long fd_limit(void)
{
	struct process *p = current_process();
	unsigned long lim = DEFAULT_FILE;

	if (p) {
		unsigned long flags = spin_lock(&p->lock);
		lim = p->rlimits[RLIMIT_NOFILE].rlim_cur;
		spin_unlock(&p->lock, flags);
	}
	return MIN(lim, (unsigned long)NR_OPEN);
}

struct fdtable *fdtable_create(void)
{
	struct fdtable *t = kzalloc(sizeof(*t));

	if (t) {
		mutex_init(&t->lock);
		t->users = 1;
	}
	return t;
}

void fdtable_get(struct fdtable *t)
{
	__atomic_fetch_add(&t->users, 1, __ATOMIC_RELAXED);
}

void fdtable_put(struct fdtable *t)
{
	if (t && __atomic_sub_fetch(&t->users, 1, __ATOMIC_ACQ_REL) == 0)
		fdtable_free(t);
}

static bool cloexec_bit(struct fdtable *t, unsigned int fd)
{
	return t->cloexec[fd / LONG_BITS] & (1ul << (fd % LONG_BITS));
}

static void set_cloexec_bit(struct fdtable *t, unsigned int fd, bool on)
{
	unsigned long bit = 1ul << (fd % LONG_BITS);

	if (on)
		t->cloexec[fd / LONG_BITS] |= bit;
	else
		t->cloexec[fd / LONG_BITS] &= ~bit;
}

/* Make room for slot fd; called with the lock held. */
static int grow(struct fdtable *t, unsigned int fd)
{
	unsigned int size = MAX(MAX(t->size * 2, fd + 1), 64u);
	struct file **files;
	unsigned long *cloexec;

	if (fd < t->size)
		return 0;
	size = ALIGN_UP(size, (unsigned int)LONG_BITS);
	files = kzalloc((size + 1) * sizeof(*files)); /* [0]: the chain of old slots */
	cloexec = kzalloc(size / 8);
	if (!files || !cloexec) {
		kfree(files);
		kfree(cloexec);
		return -ENOMEM;
	}
	files++;
	if (t->size) {
		memcpy(files, t->files, t->size * sizeof(*files));
		memcpy(cloexec, t->cloexec, t->size / 8);
	}
	/*
	 * The old slots stay allocated until the table goes (fd_get_light
	 * may be reading them; they at most double the table's memory), the
	 * new ones are published before the size that covers them.
	 */
	files[-1] = (struct file *)t->files;
	kfree(t->cloexec);
	__atomic_store_n(&t->files, files, __ATOMIC_RELEASE);
	t->cloexec = cloexec;
	__atomic_store_n(&t->size, size, __ATOMIC_RELEASE);
	return 0;
}

int fd_alloc(struct fdtable *t, struct file *f, int min, bool cloexec)
{
	unsigned long lim = fd_limit();
	unsigned int fd;
	int err;

	if (min < 0)
		return -EINVAL;
	mutex_lock(&t->lock);
	for (fd = (unsigned int)min; fd < t->size && t->files[fd]; fd++)
		;
	err = fd >= lim ? -EMFILE : grow(t, fd);
	if (!err) {
		t->files[fd] = f;
		set_cloexec_bit(t, fd, cloexec);
		trace_fd_install((int)fd, f);
	}
	mutex_unlock(&t->lock);
	return err ? err : (int)fd;
}

struct file *fd_get(struct fdtable *t, int fd)
{
	struct file *f = NULL;

	if (fd < 0)
		return NULL;
	mutex_lock(&t->lock);
	if ((unsigned int)fd < t->size && (f = t->files[fd]))
		file_get(f);
	mutex_unlock(&t->lock);
	return f;
}

/* Empty slot fd (lock held): the file it had, for the caller to put. */
static struct file *take_slot(struct fdtable *t, unsigned int fd)
{
	struct file *f = fd < t->size ? t->files[fd] : NULL;

	if (f) {
		t->files[fd] = NULL;
		set_cloexec_bit(t, fd, false);
	}
	return f;
}

int fd_next(struct fdtable *t, int from)
{
	int found = -1;

	mutex_lock(&t->lock);
	for (unsigned int fd = (unsigned int)MAX(from, 0); fd < t->size; fd++) {
		if (t->files[fd]) {
			found = (int)fd;
			break;
		}
	}
	mutex_unlock(&t->lock);
	return found;
}

/* Drop a descriptor's reference to f (NULL: none), telling its file first (flush). */
static void close_file(struct file *f)
{
	if (f && f->ops->flush)
		f->ops->flush(f);
	file_put(f);
}

int fd_close(struct fdtable *t, int fd)
{
	struct file *f = NULL;

	mutex_lock(&t->lock);
	if (fd >= 0)
		f = take_slot(t, (unsigned int)fd);
	mutex_unlock(&t->lock);
	trace_fd_close(fd, f ? 0 : -EBADF);
	if (!f)
		return -EBADF;
	close_file(f);
	return 0;
}

int fd_dup2(struct fdtable *t, int oldfd, int newfd, bool cloexec)
{
	struct file *f, *old = NULL;
	int err = 0;

	if (newfd < 0 || (unsigned long)newfd >= fd_limit())
		return -EBADF;
	mutex_lock(&t->lock);
	f = oldfd >= 0 && (unsigned int)oldfd < t->size ? t->files[oldfd] : NULL;
	if (!f)
		err = -EBADF;
	if (!err)
		err = grow(t, (unsigned int)newfd);
	if (!err && oldfd != newfd) {
		old = take_slot(t, (unsigned int)newfd);
		file_get(f);
		t->files[newfd] = f;
	}
	if (!err)
		set_cloexec_bit(t, (unsigned int)newfd, cloexec);
	mutex_unlock(&t->lock);
	close_file(old);
	return err ? err : newfd;
}

int fd_get_cloexec(struct fdtable *t, int fd)
{
	int r = -EBADF;

	mutex_lock(&t->lock);
	if (fd >= 0 && (unsigned int)fd < t->size && t->files[fd])
		r = cloexec_bit(t, (unsigned int)fd) ? FD_CLOEXEC : 0;
	mutex_unlock(&t->lock);
	return r;
}

int fd_set_cloexec(struct fdtable *t, int fd, bool on)
{
	int r = -EBADF;

	mutex_lock(&t->lock);
	if (fd >= 0 && (unsigned int)fd < t->size && t->files[fd]) {
		set_cloexec_bit(t, (unsigned int)fd, on);
		r = 0;
	}
	mutex_unlock(&t->lock);
	return r;
}

int fd_close_range(struct fdtable *t, unsigned int first, unsigned int last, unsigned int flags)
{
	if (first > last || (flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)))
		return -EINVAL;
	for (unsigned int fd = first; fd <= last; fd++) {
		struct file *f = NULL;
		mutex_lock(&t->lock);
		if (fd >= t->size) {
			mutex_unlock(&t->lock);
			break;
		}
		if (flags & CLOSE_RANGE_CLOEXEC) {
			if (t->files[fd])
				set_cloexec_bit(t, fd, true);
		} else {
			f = take_slot(t, fd);
		}
		mutex_unlock(&t->lock);
		close_file(f);
		if (fd == UINT32_MAX)
			break;
	}
	return 0;
}

struct fdtable *fdtable_copy(struct fdtable *t)
{
	struct fdtable *c = fdtable_create();

	if (!c)
		return NULL;
	mutex_lock(&t->lock);
	int err = t->size ? grow(c, t->size - 1) : 0;
	for (unsigned int fd = 0; !err && fd < t->size; fd++) {
		if (t->files[fd])
			file_get(t->files[fd]);
		c->files[fd] = t->files[fd];
	}
	if (!err && t->size)
		memcpy(c->cloexec, t->cloexec, t->size / 8);
	mutex_unlock(&t->lock);
	if (err) {
		fdtable_free(c);
		return NULL;
	}
	return c;
}

void fdtable_close_cloexec(struct fdtable *t)
{
	for (unsigned int fd = 0;; fd++) {
		struct file *f = NULL;
		mutex_lock(&t->lock);
		if (fd >= t->size) {
			mutex_unlock(&t->lock);
			return;
		}
		if (cloexec_bit(t, fd))
			f = take_slot(t, fd);
		mutex_unlock(&t->lock);
		close_file(f);
	}
}

void fdtable_close_all(struct fdtable *t)
{
	fd_close_range(t, 0, UINT32_MAX, 0);
}

static void table_mem_free(struct lookup_deferred *d)
{
	struct fdtable *t = container_of(d, struct fdtable, dead);

	for (struct file **slots = t->files, **older; slots; slots = older) {
		older = (struct file **)slots[-1];
		kfree(slots - 1);
	}
	kfree(t->cloexec);
	kfree(t);
}

void fdtable_free(struct fdtable *t)
{
	if (!t)
		return;
	fdtable_close_all(t);
	/* Out of every process before its last put: only lookups under way may read it. */
	file_lookups_defer(&t->dead, table_mem_free);
}

/* Put f (the caller's reference) at fd, closing what was there. */
static int install_at(struct fdtable *t, struct file *f, unsigned int fd)
{
	struct file *old = NULL;
	int err;

	mutex_lock(&t->lock);
	err = grow(t, fd);
	if (!err) {
		old = take_slot(t, fd);
		t->files[fd] = f;
	}
	mutex_unlock(&t->lock);
	if (err)
		file_put(f);
	else
		close_file(old);
	return err;
}

/*
 * fds 0 and 1 share one console file, fd 2 has its own: the console sends
 * it to the stderr stream (fs/console.c).
 */
int fdtable_setup_stdio(struct fdtable *t)
{
	struct file *f = vfs_open_kernel("/dev/console", O_RDWR, 0);
	struct file *err_file = IS_ERR(f) ? f : vfs_open_kernel("/dev/console", O_RDWR, 0);
	int err = 0;

	if (IS_ERR(err_file)) {
		if (!IS_ERR(f))
			file_put(f);
		return (int)PTR_ERR(err_file);
	}
	console_mark_stderr(err_file);
	for (int fd = 0; fd < 2 && !err; fd++) {
		file_get(f);
		err = install_at(t, f, (unsigned int)fd);
	}
	file_put(f);
	if (err) {
		file_put(err_file);
		return err;
	}
	return install_at(t, err_file, 2);
}

struct fdtable *current_fdtable(void)
{
	struct process *p = current_process();

	return p ? p->files : NULL;
}

struct file *fd_get_file(int fd)
{
	struct fdtable *t = current_fdtable();

	return t ? fd_get(t, fd) : NULL;
}

/* The file at fd or NULL, read without the lock (grow() keeps old slots readable). */
static struct file *slot_unlocked(struct fdtable *t, int fd)
{
	unsigned int size = __atomic_load_n(&t->size, __ATOMIC_ACQUIRE);
	struct file **files = __atomic_load_n(&t->files, __ATOMIC_ACQUIRE);

	return (unsigned int)fd < size ? __atomic_load_n(&files[fd], __ATOMIC_ACQUIRE) : NULL;
}

/*
 * Other threads may close fd meanwhile: take a reference without the lock,
 * as long as the file has one left (its memory stays a file's until the
 * lookup ends, fs/file.c), and keep it only if fd still holds that file. A close racing the call
 * then either came first (EBADF) or leaves the file open until the call is
 * done.
 */
static __attribute__((noinline)) struct file *get_shared(struct process *p, int fd)
{
	struct file *f = NULL;

	file_lookups_begin();
	/* Read inside the lookup: a table replaced meanwhile stays readable until its end. */
	struct fdtable *t = __atomic_load_n(&p->files, __ATOMIC_ACQUIRE);
	while (t && (f = slot_unlocked(t, fd))) {
		if (file_get_unless_zero(f)) {
			if (f == slot_unlocked(t, fd))
				break;
			file_put(f);
		}
	}
	file_lookups_end();
	return f;
}

/*
 * The inline test failed: fd out of range, or the table shared then. It may
 * have stopped being shared since (the other user, a thread or a
 * CLONE_FILES process, left): that says nothing about fd, so the range is
 * looked at here, not inferred.
 */
struct fd_ref fd_get_light_slow(struct process *p, int fd)
{
	struct fdtable *t = READ_ONCE(p->files);

	if (!t || fd < 0)
		return (struct fd_ref){ NULL, false };
	if ((READ_ONCE(p->nthreads) == 1) & (READ_ONCE(t->users) == 1)) {
		struct file *f = (unsigned int)fd < t->size ? t->files[fd] : NULL;
		return (struct fd_ref){ f, false };
	}
	struct file *f = get_shared(p, fd);
	return (struct fd_ref){ f, f != NULL };
}

int fd_install(struct file *f, bool cloexec)
{
	struct fdtable *t = current_fdtable();
	int fd;

	if (IS_ERR(f))
		return (int)PTR_ERR(f);
	fd = t ? fd_alloc(t, f, 0, cloexec) : -EMFILE;
	if (fd < 0)
		file_put(f);
	return fd;
}
