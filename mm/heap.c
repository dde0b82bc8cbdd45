/*
 * kmalloc/kfree: the slab core (mm/slab.c) over the page allocator, behind a
 * spinlock so that interrupt handlers may allocate too. Pages come without
 * reclaim under that lock (reclaim frees heap memory itself); when none is
 * left, kmalloc lets the lock go, has the page cache give memory back, and
 * tries again.
 */
#include <alto/mm.h>
#include <alto/pagecache.h>
#include <alto/printk.h>
#include <alto/spinlock.h>
#include <alto/string.h>
#include "internal.h"
#include "mm_trace.h"

static struct heap heap;
static struct spinlock heap_lock = SPINLOCK_INIT;

static void *pages_alloc(void *ctx, unsigned int order)
{
	return page_alloc_noreclaim(order);
}

static void pages_free(void *ctx, void *p)
{
	page_free(p);
}

static int pages_order(void *ctx, const void *p)
{
	return page_order(p);
}

void heap_kernel_init(void)
{
	static const struct heap_page_ops ops = {
		.alloc = pages_alloc,
		.free = pages_free,
		.order_of = pages_order,
	};

	heap_init(&heap, &ops);
}

void *kmalloc(size_t size)
{
	void *p;

	for (int round = 0;; round++) {
		unsigned long flags = spin_lock(&heap_lock);
		p = heap_alloc(&heap, size);
		spin_unlock(&heap_lock, flags);
		if (p || round == 4 || !pcache_reclaim(MAX(size / PAGE_SIZE, 1ul) * 32)) {
			trace_kmalloc(size, p);
			return p;
		}
	}
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

void kfree(void *p)
{
	if (!p)
		return;
	trace_kfree(p);
	unsigned long flags = spin_lock(&heap_lock);
	int r = heap_free(&heap, p);

	spin_unlock(&heap_lock, flags);
	if (r)
		panic("kfree: %p was not allocated by kmalloc, or was freed twice", p);
}

size_t heap_bytes_in_use(void)
{
	return READ_ONCE(heap.bytes_in_use);
}
