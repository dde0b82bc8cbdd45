/*
 * NUMA policy calls on a machine of one node, as top and numactl make
 * them: get_mempolicy (the policy, the allowed nodes, the node of an
 * address, the checks) and set_mempolicy (the policies that keep node 0).
 * Natively the host must have one node too (the test says so).
 */
#include "common.h"
#include <sys/mman.h>
#include <sys/syscall.h>

static long get(int *mode, unsigned long *mask, unsigned long maxnode, void *addr,
		unsigned long flags)
{
	return syscall(SYS_get_mempolicy, mode, mask, maxnode, addr, flags);
}

static long set(int mode, const unsigned long *mask, unsigned long maxnode)
{
	return syscall(SYS_set_mempolicy, mode, mask, maxnode);
}

int main(void)
{
	unsigned long mask[2];
	int mode = -1;
	char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	setup();
	page[0] = 1;
	mask[0] = mask[1] = ~0ul;
	result("get_mempolicy", get(&mode, mask, 128, NULL, 0));
	printf("mode %d mask %lx %lx\n", mode, mask[0], mask[1]);
	mask[0] = mask[1] = ~0ul;
	result("MEMS_ALLOWED", get(&mode, mask, 65, NULL, 4));
	printf("mode %d mask %lx %lx\n", mode, mask[0], mask[1]);
	mode = -1;
	result("NODE|ADDR of a mapped page", get(&mode, NULL, 0, page, 3));
	printf("node %d\n", mode);
	munmap(page, 4096);
	result("ADDR of an unmapped page", get(&mode, NULL, 0, page, 2));
	result("an address without ADDR", get(&mode, NULL, 0, page, 0));
	result("NODE alone", get(&mode, NULL, 0, NULL, 1));
	result("MEMS_ALLOWED|NODE", get(&mode, NULL, 0, NULL, 5));
	result("unknown flags", get(&mode, NULL, 0, NULL, 8));
	result("a mask of 0 nodes", get(&mode, mask, 0, NULL, 0));
	mask[0] = 1;
	result("set_mempolicy DEFAULT", set(0, NULL, 0));
	result("set_mempolicy BIND node 0", set(2, mask, 64));
	result("set_mempolicy PREFERRED none", set(1, NULL, 0));
	result("set_mempolicy DEFAULT with nodes", set(0, mask, 64));
	result("set_mempolicy mode 9", set(9, NULL, 0));
	result("set_mempolicy LOCAL", set(4, NULL, 0));
	result("get_mempolicy", get(&mode, NULL, 0, NULL, 0));
	return 0;
}
