/*
 * A FUSE connection: the transports registered (virtio-fs devices, by tag),
 * requests and their replies, the name cache, and the mount of the
 * "virtiofs" file system type: INIT, statfs, sync and unmount. A request is
 * laid out as the server reads it: its header, arguments and names copied
 * into one buffer of the kernel's own (what the caller passes may be on its
 * stack, which the device cannot reach), then data pages; the reply's header
 * and fixed part in another buffer, then the pages that receive its data.
 * Requests and replies pass the tracepoints of fuse_trace.h.
 */
#include <alto/format.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/spinlock.h>
#include <alto/string.h>
#include <alto/time.h>
#include <uapi/errno.h>
#include <uapi/statfs.h>
#include "internal.h"
#define TRACE_DEFINE 1
#include "fuse_trace.h"

static struct list transports = LIST_INIT(transports);
static struct spinlock transports_lock = SPINLOCK_INIT;

int fuse_transport_register(struct fuse_transport *t)
{
	unsigned long irq = spin_lock(&transports_lock);

	list_append(&transports, &t->link);
	spin_unlock(&transports_lock, irq);
	return 0;
}

struct fuse_transport *fuse_transport_find(const char *tag)
{
	struct fuse_transport *found = NULL;
	struct list *l;
	unsigned long irq = spin_lock(&transports_lock);

	list_for_each(l, &transports) {
		struct fuse_transport *t = list_entry(l, struct fuse_transport, link);
		if (!strcmp(t->tag, tag)) {
			found = t;
			break;
		}
	}
	spin_unlock(&transports_lock, irq);
	return found;
}

void fuse_transports_for_each(void (*fn)(struct fuse_transport *t, void *arg), void *arg)
{
	struct list *l;

	/* Transports are never removed. */
	list_for_each(l, &transports)
		fn(list_entry(l, struct fuse_transport, link), arg);
}

long fuse_send(struct fuse_conn *fc, struct fuse_args *a)
{
	uint32_t in_len = sizeof(struct fuse_in_header), out_len = sizeof(struct fuse_out_header);

	for (unsigned int i = 0; i < a->nin; i++)
		in_len += a->in[i].len;
	out_len += a->out_len + a->var_len;
	struct fuse_req *req = kzalloc(sizeof(*req));
	char *in = kmalloc(in_len), *out = kzalloc(out_len);
	long r = -ENOMEM;
	if (!req || !in || !out)
		goto done;
	struct fuse_in_header *h = (void *)in;
	*h = (struct fuse_in_header){
		.len = in_len + (a->pages_out ? 0 : a->data_len),
		.opcode = a->opcode,
		.unique = __atomic_add_fetch(&fc->unique, 1, __ATOMIC_RELAXED),
		.nodeid = a->nodeid,
	};
	char *p = in + sizeof(*h);
	for (unsigned int i = 0; i < a->nin; i++) {
		memcpy(p, a->in[i].buf, a->in[i].len);
		p += a->in[i].len;
	}
	req->segs[req->nin++] = (struct fuse_seg){ in, in_len };
	uint32_t left = a->data_len;
	for (unsigned int i = 0; !a->pages_out && i < a->npages; i++) {
		uint32_t n = MIN(left, (uint32_t)PAGE_SIZE);
		req->segs[req->nin++] = (struct fuse_seg){ a->pages[i].page, n };
		left -= n;
	}
	req->segs[req->nin + req->nout++] = (struct fuse_seg){ out, out_len };
	for (unsigned int i = 0; a->pages_out && i < a->npages; i++)
		req->segs[req->nin + req->nout++] =
			(struct fuse_seg){ a->pages[i].page, PAGE_SIZE };
	trace_fuse_request_enter(h->unique, a->opcode, a->nodeid, h->len);
	r = fc->t->send(fc->t, req);
	if (r)
		goto sent;
	struct fuse_out_header *oh = (void *)out;
	if (req->written < sizeof(*oh) || oh->error > 0 || oh->error < -4095) {
		printk("virtiofs (%s): a bad reply to request %u\n", fc->t->tag, a->opcode);
		r = -EIO;
	} else if (oh->error) {
		r = oh->error;
	} else {
		r = (long)(req->written - sizeof(*oh));
		/* The fixed part, then what is variable; data went to the pages. */
		memcpy(a->out, out + sizeof(*oh), MIN((uint32_t)r, a->out_len));
		if (a->var && (uint32_t)r > a->out_len)
			memcpy(a->var, out + sizeof(*oh) + a->out_len,
			       MIN((uint32_t)r - a->out_len, a->var_len));
	}
sent:
	trace_fuse_request_exit(h->unique, a->opcode, r);
done:
	kfree(req);
	kfree(in);
	kfree(out);
	return r;
}

void fuse_forget(struct fuse_conn *fc, uint64_t nodeid, uint64_t nlookup)
{
	struct fuse_req *req = kzalloc(sizeof(*req) + sizeof(struct fuse_in_header) +
				       sizeof(struct fuse_forget_in));

	if (!req || !nlookup || nodeid == FUSE_ROOT_ID) {
		kfree(req);
		return;
	}
	struct fuse_in_header *h = (void *)(req + 1);
	struct fuse_forget_in *f = (void *)(h + 1);
	*h = (struct fuse_in_header){ .len = sizeof(*h) + sizeof(*f),
				      .opcode = FUSE_FORGET,
				      .unique =
					      __atomic_add_fetch(&fc->unique, 1, __ATOMIC_RELAXED),
				      .nodeid = nodeid };
	f->nlookup = nlookup;
	trace_fuse_forget(nodeid, nlookup);
	req->segs[0] = (struct fuse_seg){ h, sizeof(*h) + sizeof(*f) };
	req->nin = 1;
	fc->t->send_forget(fc->t, req);
	kfree(req);
}

uint64_t fuse_valid_ns(uint64_t sec, uint32_t nsec)
{
	/* Servers say "forever" with huge numbers: a day is as good. */
	sec = MIN(sec, 86400ul);
	return time_now_ns() + sec * NSEC_PER_SEC + nsec;
}

/* The name cache: what a name in a directory was (0: nothing), until when. */
struct name_entry {
	struct list link;
	uint64_t dir, nodeid, expires;
	size_t len;
	char name[];
};

static struct list *name_bucket(struct fuse_conn *fc, uint64_t dir, const char *name, size_t len)
{
	uint64_t h = dir * 0x9e3779b97f4a7c15ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)name[i]) * 1099511628211ull;
	return &fc->names[h % FUSE_NAMES];
}

static struct name_entry *name_find(struct list *b, uint64_t dir, const char *name, size_t len)
{
	struct list *l;

	list_for_each(l, b) {
		struct name_entry *e = list_entry(l, struct name_entry, link);
		if (e->dir == dir && e->len == len && !memcmp(e->name, name, len))
			return e;
	}
	return NULL;
}

static void name_drop(struct fuse_conn *fc, struct name_entry *e)
{
	list_remove(&e->link);
	fc->nnames--;
	kfree(e);
}

bool fuse_name_cached(struct fuse_conn *fc, uint64_t dir, const char *name, size_t len,
		      uint64_t *nodeid)
{
	mutex_lock(&fc->lock);
	struct name_entry *e = name_find(name_bucket(fc, dir, name, len), dir, name, len);
	bool valid = e && e->expires > time_now_ns();
	if (valid)
		*nodeid = e->nodeid;
	else if (e)
		name_drop(fc, e);
	mutex_unlock(&fc->lock);
	return valid;
}

void fuse_name_remember(struct fuse_conn *fc, uint64_t dir, const char *name, size_t len,
			uint64_t nodeid, uint64_t expires)
{
	struct name_entry *n = kmalloc(sizeof(*n) + len);

	if (!n)
		return;
	*n = (struct name_entry){ .dir = dir, .nodeid = nodeid, .expires = expires, .len = len };
	memcpy(n->name, name, len);
	mutex_lock(&fc->lock);
	struct list *b = name_bucket(fc, dir, name, len);
	struct name_entry *old = name_find(b, dir, name, len);
	if (old)
		name_drop(fc, old);
	/* Full: start over (simpler than an LRU, and rare). */
	if (fc->nnames >= FUSE_MAX_CACHED) {
		for (int i = 0; i < FUSE_NAMES; i++) {
			while (!list_empty(&fc->names[i]))
				name_drop(fc,
					  list_first_entry(&fc->names[i], struct name_entry, link));
		}
	}
	list_push(b, &n->link);
	fc->nnames++;
	mutex_unlock(&fc->lock);
}

void fuse_name_forget(struct fuse_conn *fc, uint64_t dir, const char *name, size_t len)
{
	mutex_lock(&fc->lock);
	struct name_entry *e = name_find(name_bucket(fc, dir, name, len), dir, name, len);
	if (e)
		name_drop(fc, e);
	mutex_unlock(&fc->lock);
}

static void names_drop_all(struct fuse_conn *fc)
{
	mutex_lock(&fc->lock);
	for (int i = 0; i < FUSE_NAMES; i++) {
		while (!list_empty(&fc->names[i]))
			name_drop(fc, list_first_entry(&fc->names[i], struct name_entry, link));
	}
	mutex_unlock(&fc->lock);
}

/* Mounting. */

static int fuse_statfs(struct mount *m, struct statfs *st)
{
	struct fuse_statfs_out out;
	struct fuse_args a = {
		.opcode = FUSE_STATFS, .nodeid = FUSE_ROOT_ID, .out = &out, .out_len = sizeof(out)
	};
	long r = fuse_send(FC(m), &a);

	if (r < 0)
		return (int)r;
	st->f_bsize = out.st.bsize;
	st->f_frsize = out.st.frsize ? out.st.frsize : out.st.bsize;
	st->f_blocks = out.st.blocks;
	st->f_bfree = out.st.bfree;
	st->f_bavail = out.st.bavail;
	st->f_files = out.st.files;
	st->f_ffree = out.st.ffree;
	st->f_namelen = out.st.namelen;
	return 0;
}

static int fuse_sync(struct mount *m, unsigned int how)
{
	return m->flags & MNT_RDONLY ? 0 : pcache_sync_mount(m);
}

static bool fuse_busy(struct mount *m)
{
	return fuse_nodes_busy(FC(m));
}

static void fuse_unmount(struct mount *m)
{
	struct fuse_conn *fc = FC(m);

	vnode_put(m->root);
	names_drop_all(fc);
	fuse_nodes_drop(fc);
	fc->t->in_use = false;
	kfree(fc);
}

static const struct mount_ops fuse_mount_ops = {
	.statfs = fuse_statfs,
	.sync = fuse_sync,
	.busy = fuse_busy,
	.unmount = fuse_unmount,
};

static int init(struct fuse_conn *fc)
{
	struct fuse_init_in in = {
		.major = FUSE_KERNEL_VERSION,
		.minor = FUSE_KERNEL_MINOR_VERSION,
		.max_readahead = 64 * PAGE_SIZE,
		.flags = FUSE_ASYNC_READ | FUSE_ATOMIC_O_TRUNC | FUSE_BIG_WRITES | FUSE_DONT_MASK |
			 FUSE_PARALLEL_DIROPS | FUSE_MAX_PAGES,
	};
	struct fuse_init_out out = { 0 };
	struct fuse_args a = { .opcode = FUSE_INIT,
			       .in = { { &in, sizeof(in) } },
			       .nin = 1,
			       .out = &out,
			       .out_len = sizeof(out) };
	long r = fuse_send(fc, &a);

	if (r < 0)
		return (int)r;
	if (out.major != FUSE_KERNEL_VERSION || out.minor < 12) {
		printk("virtiofs (%s): the server speaks FUSE %u.%u, Alto needs 7.12 or later\n",
		       fc->t->tag, out.major, out.minor);
		return -EIO;
	}
	fc->minor = out.minor;
	/* What fits a request of ours and what the server takes at once. */
	uint32_t pages = MIN(64u, fc->t->max_segs - 4);
	if (out.flags & FUSE_MAX_PAGES && out.max_pages)
		pages = MIN(pages, (uint32_t)out.max_pages);
	fc->max_io = pages * PAGE_SIZE;
	if (out.max_write && out.max_write < fc->max_io)
		fc->max_io = MAX(ALIGN_DOWN(out.max_write, PAGE_SIZE), (uint32_t)PAGE_SIZE);
	return 0;
}

static struct mount *fuse_mount(const struct fs_type *type, const char *source, unsigned int flags,
				const char *data)
{
	struct fuse_transport *t = source ? fuse_transport_find(source) : NULL;
	struct fuse_conn *fc;
	int err;

	if (!t) {
		printk("virtiofs: no device with the tag %s\n", source ? source : "(none)");
		return ERR_PTR(-ENOENT);
	}
	if (t->in_use)
		return ERR_PTR(-EBUSY);
	if (data && *data) {
		printk("virtiofs: unknown mount options '%s'\n", data);
		return ERR_PTR(-EINVAL);
	}
	fc = kzalloc(sizeof(*fc));
	if (!fc)
		return ERR_PTR(-ENOMEM);
	fc->t = t;
	mutex_init(&fc->lock);
	for (int i = 0; i < FUSE_HASH; i++)
		list_init(&fc->nodes[i]);
	for (int i = 0; i < FUSE_NAMES; i++)
		list_init(&fc->names[i]);
	mount_init(&fc->mount, "virtiofs", FUSE_SUPER_MAGIC);
	snprintf(fc->source, sizeof(fc->source), "%s", t->tag);
	fc->mount.source = fc->source;
	fc->mount.ops = &fuse_mount_ops;
	err = init(fc);
	struct fuse_attr_out attr;
	struct fuse_getattr_in gin = { 0 };
	struct fuse_args a = { .opcode = FUSE_GETATTR,
			       .nodeid = FUSE_ROOT_ID,
			       .in = { { &gin, sizeof(gin) } },
			       .nin = 1,
			       .out = &attr,
			       .out_len = sizeof(attr) };
	long r = err ? err : fuse_send(fc, &a);
	if (r < 0) {
		kfree(fc);
		return ERR_PTR(r);
	}
	struct fuse_node *root = fuse_node_get(
		fc, FUSE_ROOT_ID, &attr.attr, fuse_valid_ns(attr.attr_valid, attr.attr_valid_nsec));
	if (IS_ERR(root)) {
		kfree(fc);
		return (struct mount *)root;
	}
	fc->mount.root = &root->v;
	t->in_use = true;
	return &fc->mount;
}

FILESYSTEM(virtiofs_type) = { .name = "virtiofs", .mount = fuse_mount };
