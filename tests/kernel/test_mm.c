/*
 * Self tests of the page allocator and the kernel heap as the kernel runs
 * them: real RAM, the real direct map, exhaustion of all free memory and
 * recovery, and no leak afterwards.
 */
#include <alto/mm.h>
#include <alto/pagecache.h>
#include <alto/selftest.h>
#include <alto/string.h>

SELFTEST(pages)
{
	uint64_t before = pages_free_count();
	void *blocks[12];

	for (unsigned int order = 0; order < ARRAY_SIZE(blocks); order++) {
		blocks[order] = page_alloc(order);
		ST_ASSERT(blocks[order]);
		ST_ASSERT(IS_ALIGNED((uintptr_t)blocks[order], PAGE_SIZE << order));
		memset(blocks[order], (int)order, PAGE_SIZE << order);
	}
	for (unsigned int order = 0; order < ARRAY_SIZE(blocks); order++) {
		const uint8_t *p = blocks[order];
		ST_ASSERT(p[0] == order && p[(PAGE_SIZE << order) - 1] == order);
		page_free(blocks[order]);
	}
	ST_ASSERT_EQ(pages_free_count(), before);
	printk("    %lu MiB free of %lu MiB\n", before >> (20 - PAGE_SHIFT),
	       pages_total_count() >> (20 - PAGE_SHIFT));
	return 0;
}

/*
 * Take every free page, largest blocks first, then give them all back. Only
 * the ends of each block are touched: enough to prove the whole of RAM is
 * mapped and accounted for, without making the host back every page.
 */
SELFTEST(pages_exhaust)
{
	uint64_t before = pages_free_count();
	void *head = NULL;
	uint64_t n = 0;

	for (int order = 20; order >= 0; order--) {
		void *p;
		while ((p = page_alloc((unsigned int)order))) {
			size_t size = PAGE_SIZE << order;
			((volatile char *)p)[size - 1] = 1;
			*(void **)p = head;
			head = p;
			n += 1ull << order;
		}
	}
	ST_ASSERT_EQ(n, before);
	ST_ASSERT_EQ(pages_free_count(), 0);
	ST_ASSERT(page_alloc(0) == NULL);
	ST_ASSERT(kmalloc(1 << 20) == NULL); /* large heap requests fail cleanly too */
	while (head) {
		void *next = *(void **)head;
		page_free(head);
		head = next;
	}
	/* More, not fewer: under pressure the heap gave its cached empty slabs back. */
	ST_ASSERT(pages_free_count() >= before);
	void *p = page_alloc(10);
	ST_ASSERT(p);
	page_free(p);
	return 0;
}

SELFTEST(heap)
{
	size_t before = heap_bytes_in_use();
	static void *ptrs[512];

	for (unsigned int i = 0; i < ARRAY_SIZE(ptrs); i++) {
		size_t size = (i * 37) % 5000;
		ptrs[i] = kmalloc(size);
		ST_ASSERT(ptrs[i]);
		memset(ptrs[i], (int)i, size);
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(ptrs); i++) {
		size_t size = (i * 37) % 5000;
		const uint8_t *p = ptrs[i];
		for (size_t j = 0; j < size; j += 61)
			ST_ASSERT(p[j] == (uint8_t)i);
		kfree(ptrs[i]);
	}
	ST_ASSERT_EQ(heap_bytes_in_use(), before);
	return 0;
}

/* kmalloc until memory runs out: NULL, never a crash; then everything comes back. */
SELFTEST(heap_exhaust)
{
	/* What the page cache holds would be given back on the way and count as freed. */
	pcache_reclaim(UINT64_MAX);
	uint64_t pages_before = pages_free_count();
	size_t bytes_before = heap_bytes_in_use();
	void *head = NULL;
	uint64_t n = 0;
	void *p;

	while ((p = kmalloc(n % 3 ? 64 : 3000))) {
		*(void **)p = head;
		head = p;
		n++;
	}
	ST_ASSERT(n > 0);
	ST_ASSERT(pages_free_count() == 0);
	while (head) {
		void *next = *(void **)head;
		kfree(head);
		head = next;
	}
	ST_ASSERT_EQ(heap_bytes_in_use(), bytes_before);
	/* Empty slabs go back to the page allocator, all but one per size class. */
	ST_ASSERT(pages_free_count() + 16 >= pages_before);
	p = kmalloc(100000);
	ST_ASSERT(p);
	kfree(p);
	return 0;
}

SELFTEST(kstack_guard)
{
	char *stack = kstack_alloc(16384);

	ST_ASSERT(stack);
	ST_ASSERT(kernel_addr_readable((uintptr_t)stack, 16384));
	ST_ASSERT(!kernel_addr_readable((uintptr_t)stack - 1, 1));
	stack[0] = 1;
	stack[16383] = 2;
	kstack_free(stack, 16384);
	ST_ASSERT(!kernel_addr_readable((uintptr_t)stack, 1));
	return 0;
}
