/*
 * epoll and eventfd (fs/epoll.c, fs/eventfd.c): files built on the
 * readiness model of docs/readiness.md. An epoll set keeps one item per
 * (file, descriptor number) with callback entries on the file's wait
 * queues from EPOLL_CTL_ADD until EPOLL_CTL_DEL, the close of the set, or
 * the last reference to the file going (not the close of the descriptor).
 */
#ifndef ALTO_EPOLL_H
#define ALTO_EPOLL_H

#include <stdint.h>
#include <alto/uaccess.h>
#include <uapi/epoll.h>

struct file;

/* A new epoll set (flags O_CLOEXEC only matters to the caller), or ERR_PTR. */
struct file *epoll_create(void);
/*
 * EPOLL_CTL_ADD, MOD or DEL of (tf, fd) in the set epf, as Linux checks
 * them: -EPERM for a file without readiness, -EINVAL for a set that is not
 * one or a bad combination of flags, -EEXIST, -ENOENT, -ELOOP for a cycle
 * or too deep a nest of sets, -ENOMEM.
 */
int epoll_ctl(struct file *epf, int op, int fd, struct file *tf, const struct epoll_event *ev);
/*
 * Wait until events are ready or the absolute monotonic deadline passes
 * (0: none; POLL_NO_WAIT: do not sleep) and copy up to max of them to the
 * application: their number, 0 on time-out, -EINTR when a signal comes,
 * -EFAULT, -EINVAL when epf is not a set.
 */
long epoll_wait(struct file *epf, struct epoll_event __user *events, int max, uint64_t deadline);
/* The last reference to f is going: take it out of every set (fs/file.c). */
void epoll_release_file(struct file *f);

/* An eventfd with this count; flags EFD_SEMAPHORE, EFD_NONBLOCK. */
struct file *eventfd_create(uint64_t count, unsigned int flags);

#endif
