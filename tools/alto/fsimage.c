/*
 * ext2 images (alto build --fs ext2, alto run --root ext2): the image's
 * files laid out in a temporary directory by the image writer, then made
 * into a file system by e2fsprogs' mke2fs -d, on the host and never by
 * booting. The file system has 4 KiB blocks, no blocks reserved for root,
 * the directories the kernel mounts on (/dev, /proc, /sys, /tmp), and by
 * default room to spare: a quarter more than its files plus 64 MiB.
 */
#define _GNU_SOURCE /* nftw's FTW_PHYS */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "alto.h"

#define FS_BLOCK 4096ull
#define MIB	 (1024ull * 1024)

static unsigned long long used_bytes, entries;

static int count(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	used_bytes += (st->st_size + FS_BLOCK - 1) / FS_BLOCK * FS_BLOCK +
		      (S_ISREG(st->st_mode) ? 0 : FS_BLOCK);
	entries++;
	return 0;
}

static unsigned long long default_size(const char *dir)
{
	used_bytes = entries = 0;
	nftw(dir, count, 16, FTW_PHYS);
	/* Metadata: a 256-byte inode for each entry, block maps, directories, the journal of none.
	 */
	unsigned long long need = used_bytes + entries * 512 + used_bytes / 64;
	return (need + need / 4 + 64 * MIB + MIB - 1) / MIB * MIB;
}

void fsimage_build(const char *dir, const char *output, unsigned long long size)
{
	static const char *const mounts[] = { "dev", "proc", "sys", "tmp" };

	for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++) {
		char *p = xasprintf("%s/%s", dir, mounts[i]);
		if (mkdir(p, strcmp(mounts[i], "tmp") ? 0755 : 01777) && errno != EEXIST)
			die("cannot make %s: %s", p, strerror(errno));
		if (!strcmp(mounts[i], "tmp"))
			chmod(p, 01777);
		free(p);
	}
	unsigned long long need = default_size(dir);
	if (!size)
		size = need;
	else if (size < need - 64 * MIB + 4 * MIB)
		die("--size %lluM is too small for the files (at least %lluM)", size / MIB,
		    (need - 60 * MIB) / MIB);
	size = (size + FS_BLOCK - 1) / FS_BLOCK * FS_BLOCK;
	if (truncate(output, 0) && errno != ENOENT)
		die("cannot write %s: %s", output, strerror(errno));
	FILE *f = fopen(output, "w");
	if (!f || ftruncate(fileno(f), (off_t)size) || fclose(f))
		die("cannot write %s: %s", output, strerror(errno));
	char *inodes = xasprintf("%llu", entries * 2 + 1024);
	char *blocks = xasprintf("%llu", size / FS_BLOCK);
	run_host_tool("e2fsprogs", NULL,
		      (const char *const[]){ "mke2fs", "-q",   "-F",   "-t",   "ext2",
					     "-b",     "4096", "-m",   "0",    "-N",
					     inodes,   "-L",   "alto", "-E",   "root_owner=0:0",
					     "-d",     dir,    output, blocks, NULL });
	free(inodes);
	free(blocks);
}
