/*
 * Disk figures for bench/disk.py, run the same in Alto and in the Linux
 * guest (and natively), timed inside by CLOCK_MONOTONIC:
 *   diskbench write FILE MIB   MIB MiB in 1 MiB writes, then fsync: MB/s
 *   diskbench read FILE        the whole file in 1 MiB reads: MB/s
 *   diskbench rand FILE N      N reads of 4 KiB at random aligned offsets: reads/s
 * Each prints one line "NAME VALUE".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static int fail(const char *what)
{
	perror(what);
	return 1;
}

int main(int argc, char **argv)
{
	static char buf[1 << 20];

	if (argc < 3)
		return fprintf(stderr, "usage: diskbench write|read|rand FILE [N]\n"), 2;
	const char *mode = argv[1], *file = argv[2];
	long n = argc > 3 ? atol(argv[3]) : 0;
	double start = now();
	if (!strcmp(mode, "write")) {
		int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			return fail("open");
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (char)(i * 7);
		for (long i = 0; i < n; i++) {
			if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
				return fail("write");
		}
		if (fsync(fd))
			return fail("fsync");
		printf("write-MBps %.1f\n", n / (now() - start) * 1.048576);
		return close(fd);
	}
	int fd = open(file, O_RDONLY);
	if (fd < 0)
		return fail("open");
	if (!strcmp(mode, "read")) {
		long total = 0;
		ssize_t got;
		while ((got = read(fd, buf, sizeof(buf))) > 0)
			total += got;
		printf("read-MBps %.1f\n", total / 1e6 / (now() - start));
		return 0;
	}
	off_t blocks = lseek(fd, 0, SEEK_END) / 4096;
	uint64_t x = 88172645463325252ull;
	for (long i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (pread(fd, buf, 4096, (off_t)(x % (uint64_t)blocks) * 4096) != 4096)
			return fail("pread");
	}
	printf("rand-reads-per-s %.0f\n", n / (now() - start));
	return 0;
}
