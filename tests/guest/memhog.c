/*
 * Not a differential test: touches N MiB of fresh anonymous memory (the
 * argument, default 1024), page by page, saying every 16 MiB how far it got.
 * In a guest with less memory than that, the kernel must kill it with a
 * line saying it is out of memory, not blame it with a SIGSEGV.
 */
#include "common.h"
#include <sys/mman.h>

int main(int argc, char **argv)
{
	long mib = argc > 1 ? atol(argv[1]) : 1024;
	char *p = mmap(NULL, mib << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	setup();
	if (p == MAP_FAILED) {
		printf("mmap of %ld MiB: %s\n", mib, errname(errno));
		return 1;
	}
	for (long off = 0; off < mib << 20; off += 4096) {
		p[off] = 1;
		if (off % (16 << 20) == 0)
			printf("touched %ld MiB\n", off >> 20);
	}
	printf("touched all %ld MiB\n", mib);
	return 0;
}
