/*
 * epoll on the readiness model. Each item of a set hangs callback entries
 * (hooks) on the wait queues its file names at EPOLL_CTL_ADD; a
 * notification meeting the item's events puts it on the set's ready list
 * and wakes the set's waiters. epoll_wait takes items off that list one at
 * a time, asks the file again what is ready (so nothing stale or spurious
 * is reported), and puts level-triggered items back: an edge that arrives
 * while an item is off the list puts it back on, so no edge is lost.
 *
 * Locks: the set's mutex serializes control, scans and removal (a scan
 * calls poll ops, which may sleep); the ready list and the items' events
 * live under the set's wait-queue lock, a spinlock, because hooks run in
 * whatever context notifies (interrupt handlers, timers). The wait queue
 * also holds the set's own readers: epoll_wait sleepers and the hooks of
 * sets or polls watching this set. Items do not reference their files (as
 * on Linux): a file's last reference takes it out of every set, under the
 * global files lock that guards each file's list of items. Nesting sets
 * goes through the nest lock, which keeps cycles and deep nests out.
 */
#include <alto/epoll.h>
#include <alto/mm.h>
#include <alto/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include <uapi/poll.h>
#include "internal.h"

#define EP_PRIVATE_BITS (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)
#define EP_EXCLUSIVE_OK \
	(EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE)
#define EP_MAX_NESTS	 4
#define EP_FIRST_BUCKETS 16

struct epitem;

struct ep_hook {
	struct waitq_entry e;
	struct epitem *epi;
	struct ep_hook *next;
};

struct epoll {
	struct mutex mtx;
	struct waitq wq; /* its lock: rdlist and every item's events */
	struct list rdlist;
	struct list items;
	struct list *buckets; /* items by descriptor number */
	unsigned int nbuckets, nitems;
	long refs;
	struct file *file; /* its own file (not referenced: the set goes with it) */
};

struct epitem {
	struct list link;   /* ep->items */
	struct list hlink;  /* a bucket */
	struct list rdlink; /* rdlist or a scan's list; self-linked when on none */
	struct list flink;  /* file->ep_links */
	struct epoll *ep;
	struct file *file;
	int fd;
	uint32_t events;
	uint64_t data;
	struct ep_hook *hooks;
};

static struct mutex ep_files_lock = MUTEX_INIT(ep_files_lock);
static struct mutex ep_nest_lock = MUTEX_INIT(ep_nest_lock);

static const struct file_ops epoll_fops;

static bool is_epoll(const struct file *f)
{
	return f->ops == &epoll_fops;
}

static struct epoll *epoll_of(struct file *f)
{
	return f->priv;
}

static void ep_get(struct epoll *ep)
{
	__atomic_add_fetch(&ep->refs, 1, __ATOMIC_RELAXED);
}

static void ep_put(struct epoll *ep)
{
	if (__atomic_sub_fetch(&ep->refs, 1, __ATOMIC_ACQ_REL))
		return;
	kfree(ep->buckets);
	kfree(ep);
}

/* Move every node of from (a list head) to the front of to. */
static void list_splice_front(struct list *from, struct list *to)
{
	if (list_empty(from))
		return;
	struct list *first = from->next, *last = from->prev;
	first->prev = to;
	last->next = to->next;
	to->next->prev = last;
	to->next = first;
	list_init(from);
}

/* ---- readiness: the hooks */

/* A notification on one of the item's queues (that queue's lock held). */
static void ep_wake(struct waitq_entry *e, unsigned int events)
{
	struct epitem *epi = container_of(e, struct ep_hook, e)->epi;
	struct epoll *ep = epi->ep;

	spin_lock_noirq(&ep->wq.lock);
	/* A one-shot item that fired is disabled until EPOLL_CTL_MOD. */
	if ((epi->events & ~EP_PRIVATE_BITS) && (events & epi->events)) {
		if (list_empty(&epi->rdlink))
			list_append(&ep->rdlist, &epi->rdlink);
		waitq_notify_locked(&ep->wq, EPOLLIN | EPOLLRDNORM);
	}
	spin_unlock_noirq(&ep->wq.lock);
}

struct ep_ptable {
	struct poll_table pt;
	struct epitem *epi;
	int err;
};

static void ep_queue(struct poll_table *pt, struct waitq *wq)
{
	struct ep_ptable *t = container_of(pt, struct ep_ptable, pt);
	struct ep_hook *h = kzalloc(sizeof(*h));

	if (!h) {
		t->err = -ENOMEM;
		return;
	}
	h->epi = t->epi;
	h->e.func = ep_wake;
	h->e.events = WAITQ_ALL; /* the item's events may change: ep_wake filters */
	h->next = t->epi->hooks;
	t->epi->hooks = h;
	waitq_add(wq, &h->e);
}

static void ep_unhook(struct epitem *epi)
{
	while (epi->hooks) {
		struct ep_hook *h = epi->hooks;
		waitq_remove(&h->e);
		epi->hooks = h->next;
		kfree(h);
	}
}

/* What the item's file reports now, of what the item wants. */
static uint32_t ep_item_poll(struct epitem *epi, struct poll_table *pt)
{
	if (!(epi->events & ~EP_PRIVATE_BITS))
		return 0;
	return vfs_poll_file(epi->file, pt) & epi->events;
}

/* Put epi on the ready list (if not there) and wake the set's waiters. */
static void ep_make_ready(struct epoll *ep, struct epitem *epi)
{
	unsigned long flags = spin_lock(&ep->wq.lock);

	if (list_empty(&epi->rdlink))
		list_append(&ep->rdlist, &epi->rdlink);
	waitq_notify_locked(&ep->wq, EPOLLIN | EPOLLRDNORM);
	spin_unlock(&ep->wq.lock, flags);
}

/* ---- the items: lookup, insertion, removal (ep->mtx held) */

static struct list *bucket(struct epoll *ep, int fd)
{
	return &ep->buckets[(unsigned int)fd & (ep->nbuckets - 1)];
}

static struct epitem *ep_find(struct epoll *ep, struct file *f, int fd)
{
	struct list *head = bucket(ep, fd), *pos;

	list_for_each(pos, head) {
		struct epitem *epi = list_entry(pos, struct epitem, hlink);
		if (epi->file == f && epi->fd == fd)
			return epi;
	}
	return NULL;
}

/* Twice as many buckets once the items outnumber them twice. */
static void ep_grow(struct epoll *ep)
{
	unsigned int n = ep->nbuckets * 2;
	struct list *b = kmalloc(n * sizeof(*b)), *pos;

	if (!b)
		return; /* longer chains, nothing worse */
	for (unsigned int i = 0; i < n; i++)
		list_init(&b[i]);
	kfree(ep->buckets);
	ep->buckets = b;
	ep->nbuckets = n;
	list_for_each(pos, &ep->items) {
		struct epitem *epi = list_entry(pos, struct epitem, link);
		list_append(bucket(ep, epi->fd), &epi->hlink);
	}
}

static void ep_remove(struct epoll *ep, struct epitem *epi)
{
	ep_unhook(epi);
	mutex_lock(&ep_files_lock);
	list_remove(&epi->flink);
	mutex_unlock(&ep_files_lock);
	unsigned long flags = spin_lock(&ep->wq.lock);
	list_remove(&epi->rdlink);
	spin_unlock(&ep->wq.lock, flags);
	list_remove(&epi->link);
	list_remove(&epi->hlink);
	ep->nitems--;
	kfree(epi);
}

static int ep_insert(struct epoll *ep, struct file *tf, int fd, const struct epoll_event *ev)
{
	struct epitem *epi = kzalloc(sizeof(*epi));
	struct ep_ptable t = { .pt = { .queue = ep_queue }, .epi = epi };

	if (!epi)
		return -ENOMEM;
	if (ep->nitems >= 2 * ep->nbuckets)
		ep_grow(ep);
	list_init(&epi->rdlink);
	epi->ep = ep;
	epi->file = tf;
	epi->fd = fd;
	epi->events = ev->events | EPOLLERR | EPOLLHUP;
	epi->data = ev->data;
	list_append(&ep->items, &epi->link);
	list_append(bucket(ep, fd), &epi->hlink);
	ep->nitems++;
	mutex_lock(&ep_files_lock);
	list_append(&tf->ep_links, &epi->flink);
	mutex_unlock(&ep_files_lock);

	t.pt.events = epi->events;
	uint32_t ready = ep_item_poll(epi, &t.pt);
	if (t.err) {
		ep_remove(ep, epi);
		return t.err;
	}
	if (ready)
		ep_make_ready(ep, epi);
	return 0;
}

static void ep_modify(struct epoll *ep, struct epitem *epi, const struct epoll_event *ev)
{
	unsigned long flags = spin_lock(&ep->wq.lock);

	epi->events = ev->events | EPOLLERR | EPOLLHUP;
	epi->data = ev->data;
	spin_unlock(&ep->wq.lock, flags);
	/* What is ready now is reported, as after an ADD (this re-arms a one-shot item). */
	if (ep_item_poll(epi, NULL))
		ep_make_ready(ep, epi);
}

/* ---- nesting: cycles and depth, under ep_nest_lock */

/* Levels of sets below ep (0: none), or -ELOOP when target is among them. */
static int depth_below(struct epoll *ep, struct epoll *target, int level)
{
	struct list *pos;
	int depth = 0;

	if (level > EP_MAX_NESTS)
		return -ELOOP;
	mutex_lock(&ep->mtx);
	list_for_each(pos, &ep->items) {
		struct epitem *epi = list_entry(pos, struct epitem, link);
		if (!is_epoll(epi->file))
			continue;
		struct epoll *child = epoll_of(epi->file);
		int d = child == target ? -ELOOP : depth_below(child, target, level + 1);
		if (d < 0) {
			depth = d;
			break;
		}
		depth = MAX(depth, d + 1);
	}
	mutex_unlock(&ep->mtx);
	return depth;
}

/* Levels of sets above the set whose file is f (0: in none); ep_files_lock held. */
static int depth_above(struct file *f, int level)
{
	struct list *pos;
	int depth = 0;

	if (level > EP_MAX_NESTS)
		return level;
	list_for_each(pos, &f->ep_links) {
		struct epitem *epi = list_entry(pos, struct epitem, flink);
		depth = MAX(depth, 1 + depth_above(epi->ep->file, level + 1));
	}
	return depth;
}

/* ---- control */

static int ep_check_nest(struct file *epf, struct file *tf)
{
	struct epoll *ep = epoll_of(epf), *target = epoll_of(tf);
	int below = depth_below(target, ep, 1);

	if (below < 0)
		return below;
	mutex_lock(&ep_files_lock);
	int above = depth_above(epf, 0);
	mutex_unlock(&ep_files_lock);
	return above + 1 + below > EP_MAX_NESTS ? -ELOOP : 0;
}

int epoll_ctl(struct file *epf, int op, int fd, struct file *tf, const struct epoll_event *ev)
{
	struct epoll *ep;
	struct epitem *epi;
	bool nest;
	int err;

	if (!file_can_poll(tf))
		return -EPERM;
	if (epf == tf || !is_epoll(epf))
		return -EINVAL;
	if (op != EPOLL_CTL_DEL && (ev->events & EPOLLEXCLUSIVE)) {
		if (op == EPOLL_CTL_MOD)
			return -EINVAL;
		if (op == EPOLL_CTL_ADD && (is_epoll(tf) || (ev->events & ~EP_EXCLUSIVE_OK)))
			return -EINVAL;
	}
	ep = epoll_of(epf);
	nest = op == EPOLL_CTL_ADD && is_epoll(tf);
	if (nest) {
		mutex_lock(&ep_nest_lock);
		err = ep_check_nest(epf, tf);
		if (err) {
			mutex_unlock(&ep_nest_lock);
			return err;
		}
	}
	mutex_lock(&ep->mtx);
	epi = ep_find(ep, tf, fd);
	switch (op) {
	case EPOLL_CTL_ADD:
		err = epi ? -EEXIST : ep_insert(ep, tf, fd, ev);
		break;
	case EPOLL_CTL_MOD:
		err = !epi ? -ENOENT : (epi->events & EPOLLEXCLUSIVE) ? -EINVAL : 0;
		if (!err)
			ep_modify(ep, epi, ev);
		break;
	case EPOLL_CTL_DEL:
		err = epi ? 0 : -ENOENT;
		if (epi)
			ep_remove(ep, epi);
		break;
	default:
		err = -EINVAL;
	}
	mutex_unlock(&ep->mtx);
	if (nest)
		mutex_unlock(&ep_nest_lock);
	return err;
}

/* ---- scans */

/*
 * Take the ready list for a scan. Its items stay linked (in the scan's
 * list), so hooks leave them alone until the scan takes each one off.
 */
static void scan_start(struct epoll *ep, struct list *tx)
{
	unsigned long flags = spin_lock(&ep->wq.lock);

	list_init(tx);
	list_splice_front(&ep->rdlist, tx);
	spin_unlock(&ep->wq.lock, flags);
}

/* The next item of the scan, off every list (so a new edge puts it back), or NULL. */
static struct epitem *scan_next(struct epoll *ep, struct list *tx)
{
	unsigned long flags = spin_lock(&ep->wq.lock);
	struct epitem *epi = NULL;

	if (!list_empty(tx)) {
		epi = list_first_entry(tx, struct epitem, rdlink);
		list_remove(&epi->rdlink);
	}
	spin_unlock(&ep->wq.lock, flags);
	return epi;
}

/* What the scan did not reach goes back to the front of the ready list. */
static void scan_end(struct epoll *ep, struct list *tx)
{
	unsigned long flags = spin_lock(&ep->wq.lock);

	list_splice_front(tx, &ep->rdlist);
	spin_unlock(&ep->wq.lock, flags);
}

/* Back on the ready list (the end: others get their turn), unless an edge put it there. */
static void requeue(struct epoll *ep, struct epitem *epi)
{
	unsigned long flags = spin_lock(&ep->wq.lock);

	if (list_empty(&epi->rdlink))
		list_append(&ep->rdlist, &epi->rdlink);
	spin_unlock(&ep->wq.lock, flags);
}

/* Copy up to max ready events out: their number, or -EFAULT when none could be. */
static long ep_harvest(struct epoll *ep, struct epoll_event __user *out, int max)
{
	struct list tx;
	struct epitem *epi;
	long n = 0;

	mutex_lock(&ep->mtx);
	scan_start(ep, &tx);
	while (n < max && (epi = scan_next(ep, &tx))) {
		uint32_t revents = ep_item_poll(epi, NULL);
		if (!revents)
			continue; /* not ready after all: the next edge brings it back */
		struct epoll_event ev = { .events = revents, .data = epi->data };
		if (copy_to_user(&out[n], &ev, sizeof(ev))) {
			requeue(ep, epi);
			if (!n)
				n = -EFAULT;
			break;
		}
		n++;
		if (epi->events & EPOLLONESHOT) {
			unsigned long flags = spin_lock(&ep->wq.lock);
			epi->events &= EP_PRIVATE_BITS;
			spin_unlock(&ep->wq.lock, flags);
		} else if (!(epi->events & EPOLLET)) {
			requeue(ep, epi); /* level-triggered: asked again next time */
		}
	}
	scan_end(ep, &tx);
	mutex_unlock(&ep->mtx);
	return n;
}

/* Is any item really ready? Those that are stay on the ready list. */
static bool ep_peek(struct epoll *ep)
{
	struct list tx;
	struct epitem *epi;
	bool ready = false;

	mutex_lock(&ep->mtx);
	scan_start(ep, &tx);
	while (!ready && (epi = scan_next(ep, &tx))) {
		if (ep_item_poll(epi, NULL)) {
			ready = true;
			requeue(ep, epi);
		}
	}
	scan_end(ep, &tx);
	mutex_unlock(&ep->mtx);
	return ready;
}

/* ---- the set's file */

/* A set is readable when an item is ready: for poll, select and sets holding this one. */
static unsigned int epoll_poll(struct file *f, struct poll_table *pt)
{
	struct epoll *ep = epoll_of(f);

	poll_wait(pt, &ep->wq);
	return ep_peek(ep) ? POLLIN | POLLRDNORM : 0;
}

static void epoll_release(struct file *f)
{
	struct epoll *ep = epoll_of(f);

	mutex_lock(&ep->mtx);
	while (!list_empty(&ep->items))
		ep_remove(ep, list_first_entry(&ep->items, struct epitem, link));
	mutex_unlock(&ep->mtx);
	ep_put(ep);
}

static const struct file_ops epoll_fops = {
	.anon_name = "[eventpoll]",
	.poll = epoll_poll,
	.release = epoll_release,
};

struct file *epoll_create(void)
{
	struct epoll *ep = kzalloc(sizeof(*ep));
	struct file *f;

	if (ep)
		ep->buckets = kmalloc(EP_FIRST_BUCKETS * sizeof(*ep->buckets));
	if (!ep || !ep->buckets) {
		kfree(ep);
		return ERR_PTR(-ENOMEM);
	}
	mutex_init(&ep->mtx);
	waitq_init(&ep->wq);
	list_init(&ep->rdlist);
	list_init(&ep->items);
	ep->nbuckets = EP_FIRST_BUCKETS;
	for (unsigned int i = 0; i < ep->nbuckets; i++)
		list_init(&ep->buckets[i]);
	ep->refs = 1;
	f = vfs_anon_file(&epoll_fops, 0, O_RDWR, ep);
	if (IS_ERR(f))
		ep_put(ep);
	else
		ep->file = f;
	return f;
}

long epoll_wait(struct file *epf, struct epoll_event __user *events, int max, uint64_t deadline)
{
	struct epoll *ep;
	long n;

	if (!is_epoll(epf))
		return -EINVAL;
	ep = epoll_of(epf);
	for (;;) {
		n = ep_harvest(ep, events, max);
		if (n || deadline == POLL_NO_WAIT)
			return n;
		unsigned long flags = spin_lock(&ep->wq.lock);
		int r = 0;
		while (list_empty(&ep->rdlist) && !r)
			r = waitq_wait_events_locked(&ep->wq, &flags, deadline, WAITQ_ALL);
		spin_unlock(&ep->wq.lock, flags);
		if (r == -EINTR)
			return -EINTR;
		if (r == -ETIMEDOUT)
			return ep_harvest(ep, events, max);
	}
}

/* The set holding an item of f, referenced, or NULL when f is in none. */
static struct epoll *next_holder(struct file *f)
{
	struct epoll *ep = NULL;

	mutex_lock(&ep_files_lock);
	if (!list_empty(&f->ep_links)) {
		ep = list_first_entry(&f->ep_links, struct epitem, flink)->ep;
		ep_get(ep);
	}
	mutex_unlock(&ep_files_lock);
	return ep;
}

/* An item of ep for f, or NULL (ep->mtx held, so none can go meanwhile). */
static struct epitem *item_of(struct epoll *ep, struct file *f)
{
	struct epitem *found = NULL;
	struct list *pos;

	mutex_lock(&ep_files_lock);
	list_for_each(pos, &f->ep_links) {
		struct epitem *epi = list_entry(pos, struct epitem, flink);
		if (epi->ep == ep) {
			found = epi;
			break;
		}
	}
	mutex_unlock(&ep_files_lock);
	return found;
}

void epoll_release_file(struct file *f)
{
	struct epoll *ep;

	while ((ep = next_holder(f))) {
		struct epitem *epi;
		mutex_lock(&ep->mtx);
		while ((epi = item_of(ep, f)))
			ep_remove(ep, epi);
		mutex_unlock(&ep->mtx);
		ep_put(ep);
	}
}
