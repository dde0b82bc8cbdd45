/*
 * The machinery under poll and select. A scan asks every file for its
 * readiness and, through poll_wait(), puts an entry on each wait queue that
 * could change it, all in one waitq_group. If nothing is ready the thread
 * sleeps until any queue wakes the group or the deadline passes, and scans
 * again. Entries live in small chunks that never move while queued. A
 * signal ends the wait with -EINTR.
 */
#include <alto/mm.h>
#include <alto/time.h>
#include <uapi/errno.h>
#include <uapi/poll.h>
#include "internal.h"

#define INLINE_ENTRIES 8
#define CHUNK_ENTRIES  62

struct poll_chunk {
	struct poll_chunk *next;
	unsigned int n;
	struct waitq_entry e[CHUNK_ENTRIES];
};

struct poll_table {
	struct waitq_group group;
	unsigned int ninline;
	struct waitq_entry inline_e[INLINE_ENTRIES];
	struct poll_chunk *chunks;
	bool nomem;
};

static struct waitq_entry *next_entry(struct poll_table *pt)
{
	struct poll_chunk *c = pt->chunks;

	if (pt->ninline < INLINE_ENTRIES)
		return &pt->inline_e[pt->ninline++];
	if (!c || c->n == CHUNK_ENTRIES) {
		c = kmalloc(sizeof(*c));
		if (!c)
			return NULL;
		c->n = 0;
		c->next = pt->chunks;
		pt->chunks = c;
	}
	return &c->e[c->n++];
}

void poll_wait(struct poll_table *pt, struct waitq *wq)
{
	struct waitq_entry *e;

	if (!pt)
		return;
	e = next_entry(pt);
	if (!e) {
		/* Without an entry a wake-up could be missed: wait in short naps instead. */
		pt->nomem = true;
		return;
	}
	waitq_group_add(&pt->group, wq, e);
}

static void table_init(struct poll_table *pt)
{
	waitq_group_init(&pt->group);
	pt->ninline = 0;
	pt->chunks = NULL;
	pt->nomem = false;
}

static void table_clear(struct poll_table *pt)
{
	for (unsigned int i = 0; i < pt->ninline; i++)
		waitq_group_remove(&pt->inline_e[i]);
	while (pt->chunks) {
		struct poll_chunk *c = pt->chunks;
		for (unsigned int i = 0; i < c->n; i++)
			waitq_group_remove(&c->e[i]);
		pt->chunks = c->next;
		kfree(c);
	}
	pt->ninline = 0;
}

int vfs_poll(int (*scan)(void *ctx, struct poll_table *pt), void *ctx, uint64_t deadline)
{
	struct poll_table *pt;
	int n;

	if (deadline == POLL_NO_WAIT)
		return scan(ctx, NULL);
	pt = kmalloc(sizeof(*pt));
	if (!pt)
		return -ENOMEM;
	for (;;) {
		table_init(pt);
		n = scan(ctx, pt);
		if (n) {
			table_clear(pt);
			break;
		}
		uint64_t until = deadline;
		if (pt->nomem && (!until || until > time_now_ns() + NSEC_PER_MSEC))
			until = time_now_ns() + NSEC_PER_MSEC;
		int r = waitq_group_wait_interruptible(&pt->group, until);
		table_clear(pt);
		if (r == -ETIMEDOUT && until == deadline) {
			n = scan(ctx, NULL);
			break;
		}
		if (r == -EINTR) {
			n = -EINTR;
			break;
		}
	}
	kfree(pt);
	return n;
}

unsigned int vfs_poll_file(struct file *f, struct poll_table *pt)
{
	if (!f->ops->poll)
		return POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM;
	return f->ops->poll(f, pt);
}
