/*
 * Self tests that need several CPUs (they pass trivially on one): a TLB
 * shootdown must make every CPU see a changed mapping, and IPIs must reach
 * every CPU.
 */
#include <alto/cpu.h>
#include <alto/mm.h>
#include <alto/sched.h>
#include <alto/selftest.h>
#include <alto/smp.h>
#include <alto/string.h>
#include <alto/time.h>

int paging_map(uintptr_t va, uint64_t pa, size_t len, uint64_t flags);
uint64_t paging_unmap(uintptr_t va, size_t len);

static volatile uint64_t *shared_va;
static volatile int step;
static volatile uint64_t seen[8];

static void reader(void *arg)
{
	for (int round = 0; round < 8; round++) {
		while (step != 2 * round + 1)
			cpu_relax();
		seen[round] = *shared_va; /* cached by this CPU's TLB */
		step = 2 * round + 2;
	}
}

SELFTEST(tlb_shootdown)
{
	if (cpu_count < 2)
		ST_SKIP("needs two CPUs");
	uint64_t *pages[2] = { page_alloc_zeroed(0), page_alloc_zeroed(0) };
	ST_ASSERT(pages[0] && pages[1]);
	*pages[0] = 0xaaaa;
	*pages[1] = 0xbbbb;
	uintptr_t va = (uintptr_t)kstack_alloc(PAGE_SIZE); /* a page of vmap space */
	ST_ASSERT(va);
	uint64_t own = paging_unmap(va, PAGE_SIZE);
	shared_va = (volatile uint64_t *)va;
	step = 0;
	unsigned int me = this_cpu()->id;
	ST_ASSERT_EQ(sched_set_affinity(current_thread(), 1ull << me), 0);
	struct thread *t =
		thread_create_on(reader, NULL, "tlb-reader", 1ull << ((me + 1) % cpu_count));
	ST_ASSERT(!IS_ERR(t));
	int bad = 0;
	for (int round = 0; round < 8; round++) {
		uint64_t *p = pages[round % 2];
		paging_unmap(va, PAGE_SIZE);
		ST_ASSERT_EQ(paging_map(va, virt_to_phys(p), PAGE_SIZE, PTE_P | PTE_W | PTE_NX), 0);
		tlb_shootdown(va, va + PAGE_SIZE);
		step = 2 * round + 1;
		while (step != 2 * round + 2)
			cpu_relax();
		if (seen[round] != *p) {
			printk("    round %d: the other CPU saw %lx, not %lx\n", round, seen[round],
			       *p);
			bad++;
		}
	}
	thread_join(t);
	paging_unmap(va, PAGE_SIZE);
	paging_map(va, own, PAGE_SIZE, PTE_P | PTE_W | PTE_NX);
	kstack_free((void *)va, PAGE_SIZE);
	page_free(pages[0]);
	page_free(pages[1]);
	ST_ASSERT_EQ(bad, 0);
	return 0;
}
