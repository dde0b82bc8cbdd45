/*
 * A file larger than the VM's memory, for tests/cases/82-disk.sh: write
 * SIZE MiB of a pattern that depends on each byte's offset to FILE, read it
 * all back checking every byte, and print a checksum of what was read. In
 * 128 MiB of RAM, a 1 GiB file only fits through the page cache writing
 * back dirty pages and giving clean ones back to the page allocator.
 */
#include "common.h"
#include <stdint.h>

static void fill(uint64_t *buf, size_t words, uint64_t off)
{
	for (size_t i = 0; i < words; i++) {
		uint64_t x = off / 8 + i;
		buf[i] = x * 0x9e3779b97f4a7c15ull ^ (x >> 17);
	}
}

int main(int argc, char **argv)
{
	static uint64_t buf[(1 << 20) / 8], want[(1 << 20) / 8];
	uint64_t h = 1469598103934665603ull;

	setup();
	if (argc != 3)
		die_setup("usage: disk-big FILE SIZE-MIB");
	long mib = atol(argv[2]);
	int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die_setup("open");
	for (long i = 0; i < mib; i++) {
		fill(buf, sizeof(buf) / 8, (uint64_t)i << 20);
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			printf("write at %ld MiB: %s\n", i, errname(errno));
			return 1;
		}
	}
	printf("wrote %ld MiB\n", mib);
	if (lseek(fd, 0, SEEK_SET) != 0)
		die_setup("lseek");
	for (long i = 0; i < mib; i++) {
		if (read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			printf("read at %ld MiB: %s\n", i, errname(errno));
			return 1;
		}
		fill(want, sizeof(want) / 8, (uint64_t)i << 20);
		if (memcmp(buf, want, sizeof(buf))) {
			printf("wrong data in MiB %ld\n", i);
			return 1;
		}
		for (size_t j = 0; j < sizeof(buf) / 8; j++)
			h = (h ^ buf[j]) * 1099511628211ull;
	}
	printf("read back %ld MiB, all as written: checksum %016llx\n", mib, (unsigned long long)h);
	close(fd);
	return 0;
}
