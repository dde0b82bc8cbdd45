/*
 * Heap core: small requests come from one-page slabs of fixed-size objects,
 * large ones get whole pages. A slab's header sits at the page start and its
 * objects after it, so a slab object is never page aligned and a large block
 * always is: that alone tells kfree which path a pointer belongs to.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <alto/compiler.h>
#include <alto/string.h>
#include <uapi/errno.h>
#include "internal.h"

#define SLAB_HEADER 64
#define SLAB_USABLE (PAGE_SIZE - SLAB_HEADER)
/* Mixed with the slab's or object's address so stale copies never match. */
#define SLAB_MAGIC 0x51ab51ab0a170000ull
#define FREE_MAGIC 0xf4eef4ee0a170000ull

static const uint16_t class_size[HEAP_NCLASSES] = {
	16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 672, 1008, 1344, HEAP_MAX_SMALL,
};

struct slab {
	uint64_t magic;
	uint16_t cls;
	uint16_t in_use;
	struct free_obj *free;
	struct list link; /* in its class's partial list while it has free objects */
};

/* A free object: next in its slab's free list, and a marker to catch double frees. */
struct free_obj {
	struct free_obj *next;
	uint64_t marker;
};

_Static_assert(sizeof(struct slab) <= SLAB_HEADER, "slab header too large");
_Static_assert(SLAB_USABLE % 2016 == 0 && SLAB_USABLE % 1344 == 0, "last classes fill a slab");

static uint64_t slab_magic(const struct slab *s)
{
	return SLAB_MAGIC ^ (uintptr_t)s;
}

static uint64_t free_marker(const struct free_obj *o)
{
	return FREE_MAGIC ^ (uintptr_t)o;
}

static unsigned int slab_capacity(unsigned int cls)
{
	return SLAB_USABLE / class_size[cls];
}

static int size_class(size_t size)
{
	for (int i = 0; i < HEAP_NCLASSES; i++) {
		if (size <= class_size[i])
			return i;
	}
	return -1;
}

/* Smallest order whose pages hold size bytes, or -1 when too large. */
static int large_order(size_t size)
{
	for (int order = 0; order <= HEAP_MAX_ORDER; order++) {
		if (size <= (size_t)PAGE_SIZE << order)
			return order;
	}
	return -1;
}

void heap_init(struct heap *h, const struct heap_page_ops *ops)
{
	memset(h, 0, sizeof(*h));
	for (int i = 0; i < HEAP_NCLASSES; i++)
		list_init(&h->partial[i]);
	h->ops = *ops;
}

static void *get_pages(struct heap *h, unsigned int order)
{
	void *p = h->ops.alloc(h->ops.ctx, order);

	/* Out of pages: the cached empty slabs may be enough. */
	if (!p && heap_trim(h))
		p = h->ops.alloc(h->ops.ctx, order);
	if (p)
		h->pages_in_use += (size_t)1 << order;
	return p;
}

static void put_pages(struct heap *h, void *p, unsigned int order)
{
	h->ops.free(h->ops.ctx, p);
	h->pages_in_use -= (size_t)1 << order;
}

static void slab_release(struct heap *h, struct slab *s)
{
	list_remove(&s->link);
	s->magic = 0;
	put_pages(h, s, 0);
}

static struct slab *slab_create(struct heap *h, unsigned int cls)
{
	struct slab *s = get_pages(h, 0);

	if (!s)
		return NULL;
	*s = (struct slab){ .magic = slab_magic(s), .cls = cls };
	list_init(&s->link);
	/* Thread the free list from the last object down, so it hands out in address order. */
	char *first = (char *)s + SLAB_HEADER;
	for (unsigned int i = slab_capacity(cls); i-- > 0;) {
		struct free_obj *o = (struct free_obj *)(first + i * class_size[cls]);
		*o = (struct free_obj){ s->free, free_marker(o) };
		s->free = o;
	}
	list_push(&h->partial[cls], &s->link);
	return s;
}

static void *slab_alloc(struct heap *h, unsigned int cls)
{
	struct slab *s;

	if (list_empty(&h->partial[cls]) && !slab_create(h, cls))
		return NULL;
	s = list_first_entry(&h->partial[cls], struct slab, link);

	struct free_obj *o = s->free;
	s->free = o->next;
	o->marker = 0;
	if (++s->in_use == slab_capacity(cls))
		list_remove(&s->link);
	h->bytes_in_use += class_size[cls];
	return o;
}

static void *large_alloc(struct heap *h, size_t size)
{
	int order = large_order(size);
	void *p = order < 0 ? NULL : get_pages(h, order);

	if (p)
		h->bytes_in_use += (size_t)PAGE_SIZE << order;
	return p;
}

void *heap_alloc(struct heap *h, size_t size)
{
	int cls = size_class(size);

	return cls >= 0 ? slab_alloc(h, cls) : large_alloc(h, size);
}

/* The slab holding object p, or NULL if p cannot be the start of an object in one. */
static struct slab *slab_of(const void *p)
{
	struct slab *s = (struct slab *)ALIGN_DOWN((uintptr_t)p, PAGE_SIZE);
	size_t off = (uintptr_t)p - (uintptr_t)s;

	if (s->magic != slab_magic(s) || s->cls >= HEAP_NCLASSES || off < SLAB_HEADER)
		return NULL;
	off -= SLAB_HEADER;
	if (off % class_size[s->cls] || off / class_size[s->cls] >= slab_capacity(s->cls))
		return NULL;
	return s;
}

/* Whether o is already free: the marker says maybe, the free list says surely. */
static bool obj_is_free(const struct slab *s, const struct free_obj *o)
{
	if (o->marker != free_marker(o))
		return false;
	for (const struct free_obj *f = s->free; f; f = f->next) {
		if (f == o)
			return true;
	}
	return false;
}

/* Keep one empty slab per class so a single alloc/free pair does not churn pages. */
static bool only_partial(const struct heap *h, const struct slab *s)
{
	const struct list *head = &h->partial[s->cls];

	return head->next == &s->link && head->prev == &s->link;
}

static int slab_free(struct heap *h, struct slab *s, void *p)
{
	struct free_obj *o = p;
	unsigned int cls = s->cls;

	if (obj_is_free(s, o))
		return -EINVAL;
	if (s->in_use-- == slab_capacity(cls))
		list_push(&h->partial[cls], &s->link);
	*o = (struct free_obj){ s->free, free_marker(o) };
	s->free = o;
	h->bytes_in_use -= class_size[cls];
	if (s->in_use == 0 && !only_partial(h, s))
		slab_release(h, s);
	return 0;
}

/* Order of the large block at page-aligned p, or -EINVAL. */
static int large_order_of(const struct heap *h, const void *p)
{
	int order = h->ops.order_of(h->ops.ctx, p);

	/* A slab page's own address was never handed out. */
	if (order < 0 || ((const struct slab *)p)->magic == slab_magic(p))
		return -EINVAL;
	return order;
}

static int large_free(struct heap *h, void *p)
{
	int order = large_order_of(h, p);

	if (order < 0)
		return order;
	put_pages(h, p, order);
	h->bytes_in_use -= (size_t)PAGE_SIZE << order;
	return 0;
}

int heap_free(struct heap *h, void *p)
{
	struct slab *s;

	if (!p)
		return 0;
	if (IS_ALIGNED((uintptr_t)p, PAGE_SIZE))
		return large_free(h, p);
	s = slab_of(p);
	return s ? slab_free(h, s, p) : -EINVAL;
}

size_t heap_usable_size(const struct heap *h, const void *p)
{
	if (!p)
		return 0;
	if (IS_ALIGNED((uintptr_t)p, PAGE_SIZE)) {
		int order = large_order_of(h, p);
		return order < 0 ? 0 : (size_t)PAGE_SIZE << order;
	}
	const struct slab *s = slab_of(p);
	return s ? class_size[s->cls] : 0;
}

size_t heap_trim(struct heap *h)
{
	size_t pages = 0;

	for (int i = 0; i < HEAP_NCLASSES; i++) {
		struct list *pos, *tmp;

		list_for_each_safe(pos, tmp, &h->partial[i]) {
			struct slab *s = list_entry(pos, struct slab, link);
			if (s->in_use == 0) {
				slab_release(h, s);
				pages++;
			}
		}
	}
	return pages;
}
