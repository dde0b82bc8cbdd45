/*
 * /tmp's size limit and tmpfs mounts, in Alto only (tests/cases/83-memory.sh
 * compares the output with the text Linux's tmpfs gives for the same steps):
 * /tmp holds half of RAM by default; writing past it is ENOSPC (never a
 * fault or a hang) and removing the file gives the space back; a tmpfs
 * mounted with size=1m holds 1 MiB; mount options are checked; unmounting
 * refuses a mount in use.
 */
#include "common.h"
#include <stdint.h>
#include <sys/mount.h>
#include <sys/statfs.h>

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

/* Write to path until it fails: the bytes written, errno left as the failure set it. */
static uint64_t fill(const char *path)
{
	static char buf[1 << 16];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	uint64_t total = 0;
	ssize_t n;

	if (fd < 0)
		return 0;
	memset(buf, 'x', sizeof(buf));
	while ((n = write(fd, buf, sizeof(buf))) > 0)
		total += (uint64_t)n;
	int saved = errno;
	close(fd);
	errno = saved;
	return total;
}

int main(void)
{
	struct statfs st;

	setup();
	uint64_t ram = mem_total();
	statfs("/tmp", &st);
	uint64_t size = (uint64_t)st.f_blocks * st.f_bsize;
	/* What /tmp already holds (this program, when it lives under /tmp) is not free. */
	uint64_t avail = (uint64_t)st.f_bavail * st.f_bsize;
	printf("/tmp is tmpfs: %s\n", st.f_type == 0x01021994 ? "yes" : "no");
	check("/tmp holds half of RAM", size / 4096 == ram / 2 / 4096);
	uint64_t wrote = fill("/tmp/big");
	printf("writing past it: %s\n", errname(errno));
	check("it took the whole free space, to a page",
	      wrote <= avail && wrote + 4096 >= avail - 16 * 4096);
	statfs("/tmp", &st);
	check("no space left", st.f_bavail < 64);
	result("unlink", unlink("/tmp/big"));
	statfs("/tmp", &st);
	check("the space is back", (uint64_t)st.f_bavail * st.f_bsize == avail);

	mkdir("/small", 0755);
	result("mount tmpfs size=1m", mount("tmpfs", "/small", "tmpfs", 0, "size=1m,mode=700"));
	struct stat s;
	stat("/small", &s);
	printf("mode of its root: %o\n", s.st_mode & 07777);
	wrote = fill("/small/f");
	printf("writing 1 MiB and more: %s after %llu KiB\n", errname(errno),
	       (unsigned long long)wrote >> 10);
	int fd = open("/small/f", O_RDONLY);
	result("umount while a file is open", umount("/small"));
	close(fd);
	result("umount", umount("/small"));
	result("umount again", umount("/small"));
	result("mount with a bad option", mount("tmpfs", "/small", "tmpfs", 0, "size=lots"));
	result("mount an unknown type", mount("x", "/small", "nosuchfs", 0, NULL));
	result("remount /tmp read-only", mount(NULL, "/tmp", NULL, MS_REMOUNT | MS_RDONLY, NULL));
	result("create on it", open("/tmp/ro", O_CREAT | O_WRONLY, 0644));
	result("remount it read-write", mount(NULL, "/tmp", NULL, MS_REMOUNT, NULL));
	fd = open("/tmp/rw", O_CREAT | O_WRONLY, 0644);
	result("create again", fd < 0 ? -1 : 0);
	close(fd);
	unlink("/tmp/rw");
	return 0;
}
