/*
 * What fsync promises, for tests/cases/82-disk.sh: in the directory given,
 * write a file of 4 MiB and a small one in a new directory, fsync them (and
 * the directories), print "synced" with the big file's checksum, then keep
 * changing the file system (appending, creating and removing files) until
 * the VM is killed. The test kills QEMU once "synced" appears, then checks
 * the image: e2fsck -fn, and the synced files' contents.
 */
#include "common.h"
#include <stdint.h>

static uint64_t fill(char *buf, size_t n, unsigned int seed, uint64_t h)
{
	for (size_t i = 0; i < n; i++) {
		buf[i] = (char)(i * 7 + seed * 131 + (i >> 9));
		h = (h ^ (unsigned char)buf[i]) * 1099511628211ull;
	}
	return h;
}

static int open_in(const char *dir, const char *name, int flags)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return open(path, flags, 0644);
}

int main(int argc, char **argv)
{
	static char buf[1 << 20];
	uint64_t h = 1469598103934665603ull;

	setup();
	if (argc != 2)
		die_setup("usage: disk-crash DIR");
	const char *dir = argv[1];
	int fd = open_in(dir, "synced", O_WRONLY | O_CREAT | O_TRUNC);
	if (fd < 0)
		die_setup("open synced");
	for (unsigned int i = 0; i < 4; i++) {
		h = fill(buf, sizeof(buf), i, h);
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			die_setup("write synced");
	}
	if (fsync(fd))
		die_setup("fsync synced");
	close(fd);
	char sub[512];
	snprintf(sub, sizeof(sub), "%s/subdir", dir);
	mkdir(sub, 0755);
	fd = open_in(sub, "small", O_WRONLY | O_CREAT | O_TRUNC);
	if (fd < 0 || write(fd, "small and synced\n", 17) != 17 || fsync(fd))
		die_setup("small");
	close(fd);
	int d = open(sub, O_RDONLY | O_DIRECTORY);
	fsync(d);
	close(d);
	d = open(dir, O_RDONLY | O_DIRECTORY);
	fsync(d);
	close(d);
	printf("synced %016llx\n", (unsigned long long)h);
	/* Busy until killed: appends, new files, removals, never synced. */
	fd = open_in(dir, "unsynced", O_WRONLY | O_CREAT | O_TRUNC);
	for (unsigned int i = 0;; i++) {
		fill(buf, sizeof(buf), i + 100, 0);
		if (write(fd, buf, 64 * 1024) < 0 && errno == ENOSPC)
			ftruncate(fd, 0);
		char name[64];
		snprintf(name, sizeof(name), "churn-%u", i % 50);
		int c = open_in(dir, name, O_WRONLY | O_CREAT | O_TRUNC);
		if (c >= 0) {
			write(c, buf, 3000 + i % 5000);
			close(c);
		}
		snprintf(name, sizeof(name), "%s/churn-%u", dir, (i + 25) % 50);
		unlink(name);
	}
}
