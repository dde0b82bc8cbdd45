/*
 * Self tests of address spaces as objects: two address spaces map the same
 * address to different pages and each root shows its own; the kernel's half
 * is the same tables in every root; letting an address space go frees its
 * pages and page tables, and takes its root off every CPU that held it.
 */
#include <alto/cpu.h>
#include <alto/mm.h>
#include <alto/selftest.h>
#include <alto/sched.h>
#include <alto/string.h>
#include <alto/vm.h>
#include <alto/x86.h>
#include <uapi/mman.h>

#define VA 0x40000000ul

static struct mm *space_with(char c)
{
	struct mm *mm = mm_create();

	if (!mm)
		return NULL;
	if (mm_mmap_anon(mm, VA, 3 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED) != (long)VA ||
	    mm_write(mm, VA + PAGE_SIZE, &c, 1)) {
		mm_put(mm);
		return NULL;
	}
	return mm;
}

/* What this CPU reads at VA + PAGE_SIZE with mm's root loaded. */
static char read_through(struct mm *mm)
{
	unsigned long flags = irq_save();
	struct mm *before = this_cpu()->mm;

	mm_activate(mm);
	char c = *(volatile char *)(VA + PAGE_SIZE);
	if (before)
		mm_activate(before);
	irq_restore(flags);
	return c;
}

SELFTEST(address_spaces)
{
	const uint64_t *kernel = phys_to_virt(paging_kernel_cr3());
	struct mm *a = space_with('a'), *b = space_with('b');

	ST_ASSERT(a && b);
	ST_ASSERT(a->root != b->root);
	for (int i = 256; i < 512; i++) {
		ST_ASSERT_EQ(a->root[i], kernel[i]);
		ST_ASSERT_EQ(b->root[i], kernel[i]);
	}
	for (int i = 0; i < 256; i++)
		ST_ASSERT(!(kernel[i] & PTE_P));
	ST_ASSERT_EQ(read_through(a), 'a');
	ST_ASSERT_EQ(read_through(b), 'b');
	ST_ASSERT_EQ(read_through(a), 'a');
	mm_put(a);
	mm_put(b);
	ST_ASSERT(this_cpu()->mm != a && this_cpu()->mm != b);
	return 0;
}

/* Creating and dropping address spaces leaks neither pages nor heap. */
SELFTEST(address_spaces_leak)
{
	struct mm *warm = space_with('w');

	ST_ASSERT(warm);
	mm_put(warm);
	uint64_t pages = pages_free_count();
	size_t heap = heap_bytes_in_use();
	for (int i = 0; i < 20; i++) {
		struct mm *mm = space_with('x');
		ST_ASSERT(mm);
		ST_ASSERT_EQ(read_through(mm), 'x');
		mm_put(mm);
	}
	ST_ASSERT_EQ(heap_bytes_in_use(), heap);
	ST_ASSERT_EQ(pages_free_count(), pages);
	return 0;
}
