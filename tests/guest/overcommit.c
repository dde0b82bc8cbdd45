/*
 * Memory requests larger than the machine, as Linux answers them with its
 * default (heuristic) overcommit: a private writable mapping of more than
 * all of RAM is refused with ENOMEM, as is a brk that large; MAP_NORESERVE,
 * PROT_NONE reservations and shared mappings are not counted; a mapping of
 * half of RAM is granted (pages come only when touched). Sizes come from
 * /proc/meminfo, so the same program gives the same answers on the host
 * and in Alto.
 */
#include "common.h"
#include <stdint.h>
#include <sys/mman.h>

static uint64_t mem_total(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	unsigned long long kb = 0;
	char line[256];

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			break;
	}
	if (f)
		fclose(f);
	return kb * 1024;
}

static void try_map(const char *what, uint64_t len, int prot, int flags)
{
	void *p = mmap(NULL, len, prot, flags | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		printf("%s: -1 %s\n", what, errname(errno));
		return;
	}
	printf("%s: mapped\n", what);
	munmap(p, len);
}

int main(void)
{
	setup();
	uint64_t total = mem_total();
	if (!total)
		die_setup("no MemTotal in /proc/meminfo");
	uint64_t big = (total * 3 / 2 + 4095) & ~4095ull;
	try_map("private writable, 1.5 x RAM", big, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	try_map("the same with MAP_NORESERVE", big, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_NORESERVE);
	try_map("PROT_NONE reservation, 1.5 x RAM", big, PROT_NONE, MAP_PRIVATE);
	try_map("read-only, 1.5 x RAM", big, PROT_READ, MAP_PRIVATE);
	try_map("private writable, half of RAM", total / 2 & ~4095ull, PROT_READ | PROT_WRITE,
		MAP_PRIVATE);
	void *start = sbrk(0);
	errno = 0;
	void *r = sbrk((intptr_t)big);
	printf("sbrk 1.5 x RAM: %s\n", r == (void *)-1 ? errname(errno) : "granted");
	check("the break did not move", sbrk(0) == start);
	r = sbrk(1 << 20);
	check("a small sbrk still works", r != (void *)-1);
	return 0;
}
