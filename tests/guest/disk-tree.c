/*
 * Lists a directory tree, sorted, one line per name: type, mode, links,
 * owner, size, blocks, modification time (to the nanosecond), and a
 * checksum of the contents (the target of a symlink, the numbers of a
 * device). Run natively and in Alto on the same image (tests/cases/
 * 82-disk.sh), so that each side checks what the other one wrote. Names
 * given after the directory are left out (lost+found, whose blocks the
 * two kernels may count differently).
 */
#include "common.h"
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/sysmacros.h>

static char **skip;
static int nskip;

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

static uint64_t hash_file(const char *path)
{
	uint64_t h = 1469598103934665603ull;
	char buf[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		h = hash_bytes(h, buf, (size_t)n);
	close(fd);
	return h;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool skipped(const char *name)
{
	for (int i = 0; i < nskip; i++) {
		if (!strcmp(name, skip[i]))
			return true;
	}
	return false;
}

static void walk(const char *path, const char *rel)
{
	DIR *d = opendir(path);
	char *names[4096];
	int n = 0;
	struct dirent *e;

	if (!d) {
		printf("%s: cannot list: %s\n", rel, errname(errno));
		return;
	}
	while ((e = readdir(d)) && n < 4096) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && !skipped(e->d_name))
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp);
	for (int i = 0; i < n; i++) {
		char full[4096], sub[4096], extra[512] = "";
		struct stat st;
		snprintf(full, sizeof(full), "%s/%s", path, names[i]);
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", names[i]);
		if (lstat(full, &st)) {
			printf("%s: lstat: %s\n", sub, errname(errno));
			continue;
		}
		if (S_ISREG(st.st_mode))
			snprintf(extra, sizeof(extra), "data %016llx",
				 (unsigned long long)hash_file(full));
		else if (S_ISLNK(st.st_mode)) {
			char t[4096];
			long len = readlink(full, t, sizeof(t));
			snprintf(extra, sizeof(extra), "-> %.*s", (int)(len < 0 ? 0 : len), t);
		} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
			snprintf(extra, sizeof(extra), "dev %u,%u", major(st.st_rdev),
				 minor(st.st_rdev));
		printf("%s: mode %o links %lu owner %u:%u size %ld blocks %ld mtime %ld.%09ld %s\n",
		       sub, st.st_mode, (unsigned long)st.st_nlink, st.st_uid, st.st_gid,
		       (long)st.st_size, (long)st.st_blocks, (long)st.st_mtim.tv_sec,
		       st.st_mtim.tv_nsec, extra);
		if (S_ISDIR(st.st_mode))
			walk(full, sub);
		free(names[i]);
	}
}

int main(int argc, char **argv)
{
	setup();
	if (argc < 2)
		die_setup("usage: disk-tree DIR [NAME-TO-SKIP...]");
	skip = argv + 2;
	nskip = argc - 2;
	walk(argv[1], "");
	return 0;
}
