/*
 * The per-process file descriptor table: slots of open files with a
 * close-on-exec bit each. New descriptors take the lowest free number below
 * RLIMIT_NOFILE, as POSIX requires; the table grows as needed. Processes
 * made with CLONE_FILES share one table; fork copies it (the same open
 * files, referenced once more).
 */
#ifndef ALTO_FDTABLE_H
#define ALTO_FDTABLE_H

#include <stdbool.h>
#include <alto/process.h>
#include <alto/sync.h>

struct file;

/*
 * Memory that a lookup without a lock may still be reading (a released
 * file, a replaced descriptor table): free(d) runs once no lookup that
 * could have reached it is under way (file_lookups_defer, fs/file.c).
 */
struct lookup_deferred {
	struct lookup_deferred *next;
	void (*free)(struct lookup_deferred *d);
};

struct fdtable {
	struct mutex lock;
	int users;		     /* processes sharing it (atomic) */
	unsigned int size;	     /* slots in files[] */
	struct file **files;	     /* files[-1]: the slots before the last growth, or NULL */
	unsigned long *cloexec;	     /* one bit per slot */
	struct lookup_deferred dead; /* freed, waiting for the lookups under way */
};

struct fdtable *fdtable_create(void);
/* A copy for a new process (fork): every open file referenced again, CLOEXEC bits kept. */
struct fdtable *fdtable_copy(struct fdtable *t);
void fdtable_get(struct fdtable *t);
/* A process stops using t; the last one closes everything and frees it. */
void fdtable_put(struct fdtable *t);
/* Close the descriptors marked close-on-exec (execve). */
void fdtable_close_cloexec(struct fdtable *t);
/* fds 0, 1 and 2 on the console, one open file shared by all three. */
int fdtable_setup_stdio(struct fdtable *t);
/* Close every descriptor (at exit). */
void fdtable_close_all(struct fdtable *t);
/* Close everything and free the table (its memory once no lockless lookup may read it). */
void fdtable_free(struct fdtable *t);

/* Install f (taking over the caller's reference) at the lowest free fd >= min. */
int fd_alloc(struct fdtable *t, struct file *f, int min, bool cloexec);
/* The file at fd, referenced, or NULL. */
struct file *fd_get(struct fdtable *t, int fd);
int fd_close(struct fdtable *t, int fd);
/*
 * The file at fd in the current process for the length of one system call
 * (file NULL: none); fd_put_light(ref) after. Never takes the table's lock.
 * A process with one thread and a table of its own (the common case) takes
 * no reference either: nothing but this thread could close fd, so the
 * table pins the file. Otherwise a reference, as fd_get: a close() racing
 * the call leaves the file open until the call is done. Returned by value
 * (two registers), so the caller keeps nothing in memory for it.
 */
struct fd_ref {
	struct file *file;
	bool put; /* a reference was taken */
};
struct fd_ref fd_get_light_slow(struct process *p, int fd);
/*
 * fd_get_light's common case, one test for it all: one thread and a table of
 * its own (only this thread could change the table, and it is here; a thread
 * count that moves is another thread's clone or exit: there is none), fd in
 * range (a negative one is out of it). The table then pins the file.
 */
static inline bool fd_pinned(const struct process *p, const struct fdtable *t, int fd)
{
	/* Zero when it all holds: arithmetic, which the compiler keeps as one branch. */
	unsigned int other = (READ_ONCE(p->nthreads) ^ 1) |
			     ((unsigned int)READ_ONCE(t->users) ^ 1) |
			     ((unsigned int)fd >= t->size);
	return !other;
}

/*
 * Inline for its common case (fd_pinned), in the caller. The rest in
 * fd_get_light_slow; a process without a table (exited) has no files.
 */
static inline struct fd_ref fd_get_light(int fd)
{
	struct process *p = current_process(); /* a system call's: never NULL */
	struct fdtable *t = READ_ONCE(p->files);

	if (unlikely(!t))
		return (struct fd_ref){ NULL, false };
	if (likely(fd_pinned(p, t, fd)))
		return (struct fd_ref){ t->files[fd], false };
	return fd_get_light_slow(p, fd);
}

/* The file at fd when fd_pinned holds, without a reference; else NULL (use fd_get_light). */
static inline struct file *fd_peek_pinned(int fd)
{
	struct process *p = current_process();
	struct fdtable *t = READ_ONCE(p->files);

	return t && fd_pinned(p, t, fd) ? t->files[fd] : NULL;
}
void file_put(struct file *f);
static inline void fd_put_light(struct fd_ref ref)
{
	if (ref.put)
		file_put(ref.file);
}
/* The lowest open descriptor >= from, or -1 (for /proc/PID/fd). */
int fd_next(struct fdtable *t, int from);
/* dup2/dup3: make newfd refer to oldfd's file (closing what newfd had). */
int fd_dup2(struct fdtable *t, int oldfd, int newfd, bool cloexec);
/* F_GETFD: 0 or FD_CLOEXEC, or -EBADF; F_SETFD. */
int fd_get_cloexec(struct fdtable *t, int fd);
int fd_set_cloexec(struct fdtable *t, int fd, bool on);
/* close_range(2): close, or with CLOSE_RANGE_CLOEXEC mark, fds first..last. */
int fd_close_range(struct fdtable *t, unsigned int first, unsigned int last, unsigned int flags);
/* The RLIMIT_NOFILE soft limit of the current process. */
unsigned long fd_limit(void);

/*
 * Install a new file (the caller's reference, or an ERR_PTR passed through
 * as its error) at the lowest free descriptor of the current process: the
 * descriptor, or -errno with the file put.
 */
int fd_install(struct file *f, bool cloexec);

/* The current process's descriptor table: the file at fd, referenced, or NULL. */
struct file *fd_get_file(int fd);
struct fdtable *current_fdtable(void);

#endif
