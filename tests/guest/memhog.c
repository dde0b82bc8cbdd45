/*
 * Not a differential test: touches N MiB of fresh anonymous memory (the
 * argument, default 1024), page by page, saying every 16 MiB how far it got.
 * It maps 16 MiB at a time, each well under the guest's memory, as Linux's
 * heuristic overcommit (which Alto follows) refuses one mapping larger
 * than all of it. In a guest with less memory than N MiB, the kernel must
 * kill it with a line saying it is out of memory, not blame it with a
 * SIGSEGV.
 */
#include "common.h"
#include <sys/mman.h>

#define CHUNK (16l << 20)

int main(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 1024;

	setup();
	for (long done = 0; done < mib << 20; done += CHUNK) {
		char *p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			       0);
		if (p == MAP_FAILED) {
			printf("mmap of 16 MiB after %ld MiB: %s\n", done >> 20, errname(errno));
			return 1;
		}
		printf("touched %ld MiB\n", done >> 20);
		for (long off = 0; off < CHUNK; off += 4096)
			p[off] = 1;
	}
	printf("touched all %ld MiB\n", mib);
	return 0;
}
