/*
 * Self tests of the kernel's page tables: each part of the kernel image has
 * exactly the rights it needs, the direct map is not executable, and the
 * application's half (page 0 above all) is empty.
 */
#include <alto/cpu.h>
#include <alto/layout.h>
#include <alto/x86.h>
#include <alto/mm.h>
#include <alto/selftest.h>

extern char _text_start[], _rodata_start[], _data_start[], _bss_start[];

static const char rodata_probe[] = "read-only";
static char data_probe[] = "writable";

SELFTEST(kernel_protections)
{
	uint64_t nx = cpu_features.nx ? PTE_NX : 0;
	uint64_t text = kernel_page_flags((uintptr_t)_text_start);
	uint64_t ro = kernel_page_flags((uintptr_t)rodata_probe);
	uint64_t data = kernel_page_flags((uintptr_t)data_probe);
	uint64_t bss = kernel_page_flags((uintptr_t)_bss_start);
	uint64_t direct = kernel_page_flags((uintptr_t)phys_to_virt(0x100000));

	ST_ASSERT((text & (PTE_P | PTE_W | PTE_NX)) == PTE_P);
	ST_ASSERT((ro & (PTE_P | PTE_W | PTE_NX)) == (PTE_P | nx));
	ST_ASSERT((data & (PTE_P | PTE_W | PTE_NX)) == (PTE_P | PTE_W | nx));
	ST_ASSERT((bss & (PTE_P | PTE_W | PTE_NX)) == (PTE_P | PTE_W | nx));
	ST_ASSERT((direct & (PTE_P | PTE_W | PTE_NX)) == (PTE_P | PTE_W | nx));
	/* Every page is a supervisor page. */
	ST_ASSERT(!((text | ro | data | direct) & PTE_U));
	/* Nothing in the application's half: not page 0, not 0x400000. */
	ST_ASSERT_EQ(kernel_page_flags(0), 0);
	ST_ASSERT_EQ(kernel_page_flags(0x400000), 0);
	ST_ASSERT(!kernel_addr_readable(0, 1));
	/* CR0.WP: read-only pages are read-only for the kernel too. */
	ST_ASSERT(read_cr0() & (1ul << 16));
	return 0;
}

/* Writing read-only data must fault (CR0.WP), not silently succeed. */
SELFTEST_MANUAL(write_rodata)
{
	printk("selftest write_rodata: writing a read-only string\n");
	*(volatile char *)rodata_probe = 'X';
	return -1;
}

__noinline int selftest_smash(volatile int n);
__noinline int selftest_smash(volatile int n)
{
	volatile char buf[16];

	for (int i = 0; i < n; i++)
		buf[i] = 'A';
	return buf[0];
}

/* Writing past a stack array must be caught by the canary. */
SELFTEST_MANUAL(stack_protector)
{
	printk("selftest stack_protector: overrunning a stack buffer\n");
	selftest_smash(64);
	return -1;
}
