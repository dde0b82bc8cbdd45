/*
 * File system operations on a disk file system, in the directory given as
 * the argument (the root of an ext2 image): run natively on the image
 * loop-mounted by the host kernel and in Alto on a copy of the same image
 * (tests/cases/82-disk.sh), the outputs must match. It leaves files behind
 * on purpose (named keep-*), which disk-tree lists afterwards on both sides.
 * Covers files (appends, offsets, holes, truncation, large files with a
 * checksum), hard and symbolic links, directories (many entries, nesting,
 * removal), renames (over files, directories between parents, exchange,
 * no-replace), files removed while open, shared mappings, attributes
 * (modes, owners, times), statfs relations, fsync and the errors of each.
 */
#include "common.h"
#include <dirent.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <sys/statfs.h>
#include <sys/time.h>

#include <sys/syscall.h>
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE	 2
#endif

/* musl has no renameat2(). */
static long rename2(const char *from, const char *to, unsigned int flags)
{
	return syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, flags);
}

static char top[512];

static const char *at(const char *name)
{
	static char buf[4][1024];
	static int turn;
	char *b = buf[turn++ % 4];

	if (strlen(top) + strlen(name) + 2 > sizeof(buf[0]))
		die_setup("path too long");
	strcpy(b, top);
	strcat(b, "/");
	strcat(b, name);
	return b;
}

/* FNV-1a over a file's bytes. */
static uint64_t hash_file(const char *path, long *size)
{
	uint64_t h = 1469598103934665603ull;
	char buf[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	*size = 0;
	if (fd < 0)
		return 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			h = (h ^ (unsigned char)buf[i]) * 1099511628211ull;
		*size += n;
	}
	close(fd);
	return h;
}

static void put_file(const char *name, const char *text)
{
	int fd = open(at(name), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || close(fd))
		die_setup(name);
}

static void show_file(const char *what, const char *name)
{
	char buf[256];
	int fd = open(at(name), O_RDONLY);
	long n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));

	if (fd < 0) {
		printf("%s: -1 %s\n", what, errname(errno));
		return;
	}
	show(what, buf, n);
	close(fd);
}

static void stat_line(const char *what, const char *name)
{
	struct stat st;

	if (lstat(at(name), &st)) {
		printf("%s: -1 %s\n", what, errname(errno));
		return;
	}
	printf("%s: mode %o nlink %lu size %ld blocks %ld\n", what, st.st_mode,
	       (unsigned long)st.st_nlink, (long)st.st_size, (long)st.st_blocks);
}

static void files(void)
{
	int fd = open(at("keep-file"), O_RDWR | O_CREAT | O_EXCL, 0640);

	result("create keep-file", fd < 0 ? -1 : 0);
	result("write", write(fd, "hello, disk\n", 12));
	result("pwrite at 100", pwrite(fd, "X", 1, 100));
	char buf[128];
	long n = pread(fd, buf, sizeof(buf), 0);
	result("pread all", n);
	check("the gap reads as zeros", n == 101 && buf[50] == 0 && buf[100] == 'X');
	result("ftruncate 5", ftruncate(fd, 5));
	result("lseek end", lseek(fd, 0, SEEK_END));
	result("ftruncate 3000 (a hole)", ftruncate(fd, 3000));
	n = pread(fd, buf, 10, 2990);
	check("grown part reads zeros", n == 10 && !memchr(buf, 1, 10) && buf[0] == 0);
	result("fsync", fsync(fd));
	result("fdatasync", fdatasync(fd));
	close(fd);
	stat_line("keep-file", "keep-file");
	result("create again with O_EXCL", open(at("keep-file"), O_RDWR | O_CREAT | O_EXCL, 0640));

	fd = open(at("keep-append"), O_WRONLY | O_CREAT | O_APPEND, 0600);
	for (int i = 0; i < 3; i++) {
		lseek(fd, 0, SEEK_SET);
		dprintf(fd, "line %d\n", i);
	}
	close(fd);
	show_file("keep-append", "keep-append");

	/* A sparse file: one byte far out; Linux allocates the same blocks. */
	fd = open(at("keep-sparse"), O_WRONLY | O_CREAT, 0644);
	result("pwrite at 10 MiB", pwrite(fd, "s", 1, 10 << 20));
	result("pwrite at 300 KiB", pwrite(fd, "t", 1, 300 << 10));
	close(fd);
	stat_line("keep-sparse", "keep-sparse");
}

/* A file of several MiB, written in odd chunks and read back through a checksum. */
static void large(void)
{
	int fd = open(at("keep-large"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	static char chunk[12345];
	uint64_t want = 1469598103934665603ull;
	long total = 0;

	for (int i = 0; i < 700; i++) {
		for (size_t j = 0; j < sizeof(chunk); j++) {
			chunk[j] = (char)(i * 31 + j * 7);
			want = (want ^ (unsigned char)chunk[j]) * 1099511628211ull;
		}
		if (write(fd, chunk, sizeof(chunk)) != sizeof(chunk))
			die_setup("large write");
		total += sizeof(chunk);
	}
	result("fsync large", fsync(fd));
	close(fd);
	long size;
	uint64_t got = hash_file(at("keep-large"), &size);
	check("large file reads back what was written", got == want && size == total);
	stat_line("keep-large", "keep-large");
}

static void links(void)
{
	put_file("keep-target", "target text\n");
	result("link", link(at("keep-target"), at("keep-hardlink")));
	stat_line("after link", "keep-target");
	result("link over existing", link(at("keep-target"), at("keep-hardlink")));
	result("symlink short", symlink("keep-target", at("keep-symlink")));
	char longt[200];
	memset(longt, 'L', sizeof(longt) - 1);
	longt[sizeof(longt) - 1] = 0;
	memcpy(longt, "/long/", 6);
	result("symlink long", symlink(longt, at("keep-longlink")));
	char buf[300];
	long n = readlink(at("keep-symlink"), buf, sizeof(buf));
	show("readlink short", buf, n);
	n = readlink(at("keep-longlink"), buf, sizeof(buf));
	result("readlink long length", n);
	check("readlink long text", n == 199 && !memcmp(buf, longt, 199));
	show_file("read through the symlink", "keep-symlink");
	stat_line("symlink", "keep-symlink");
	stat_line("long symlink", "keep-longlink");
	result("readlink of a file", readlink(at("keep-target"), buf, sizeof(buf)));
	put_file("tmp-gone", "x");
	result("unlink", unlink(at("tmp-gone")));
	result("unlink again", unlink(at("tmp-gone")));
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a directory, sorted (the order on disk is the file system's own). */
static void list(const char *what, const char *name)
{
	DIR *d = opendir(at(name));
	char *names[2000];
	int n = 0;
	struct dirent *e;

	if (!d) {
		printf("%s: -1 %s\n", what, errname(errno));
		return;
	}
	while ((e = readdir(d)) && n < 2000)
		names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_names);
	printf("%s: %d entries:", what, n);
	for (int i = 0; i < n && i < 12; i++)
		printf(" %s", names[i]);
	printf("%s\n", n > 12 ? " ..." : "");
	for (int i = 0; i < n; i++)
		free(names[i]);
}

static void dirs(void)
{
	result("mkdir keep-dir", mkdir(at("keep-dir"), 0755));
	result("mkdir again", mkdir(at("keep-dir"), 0755));
	result("mkdir nested", mkdir(at("keep-dir/a"), 0700));
	result("mkdir nested 2", mkdir(at("keep-dir/a/b"), 0750));
	stat_line("keep-dir (nlink counts subdirectories)", "keep-dir");
	result("rmdir not empty", rmdir(at("keep-dir/a")));
	result("rmdir a file", rmdir(at("keep-target")));
	result("unlink a directory", unlink(at("keep-dir")));
	result("mkdir under a file", mkdir(at("keep-target/x"), 0755));
	/* Enough entries to fill several blocks, then remove every third one. */
	mkdir(at("keep-many"), 0755);
	char name[64];
	for (int i = 0; i < 600; i++) {
		snprintf(name, sizeof(name), "keep-many/file-%04d-with-a-longer-name", i);
		put_file(name, name);
	}
	for (int i = 0; i < 600; i += 3) {
		snprintf(name, sizeof(name), "keep-many/file-%04d-with-a-longer-name", i);
		unlink(at(name));
	}
	list("keep-many", "keep-many");
	stat_line("keep-many", "keep-many");
	for (int i = 1; i < 600; i += 3) {
		snprintf(name, sizeof(name), "keep-many/new-%d", i);
		put_file(name, "new");
	}
	list("keep-many refilled", "keep-many");
	mkdir(at("tmp-empty"), 0755);
	result("rmdir empty", rmdir(at("tmp-empty")));
	stat_line("root after rmdir", ".");
}

static void renames(void)
{
	put_file("keep-r1", "one");
	put_file("keep-r2", "two");
	result("rename over a file", rename(at("keep-r1"), at("keep-r2")));
	show_file("renamed", "keep-r2");
	result("old name gone", access(at("keep-r1"), F_OK));
	mkdir(at("keep-d1"), 0755);
	mkdir(at("keep-d2"), 0755);
	put_file("keep-d1/inside", "in d1");
	result("move a directory into another", rename(at("keep-d1"), at("keep-d2/moved")));
	stat_line("keep-d2 after", "keep-d2");
	show_file("through the moved directory", "keep-d2/moved/inside");
	result("\"..\" of the moved directory", access(at("keep-d2/moved/../moved/inside"), F_OK));
	result("move a directory into itself", rename(at("keep-d2"), at("keep-d2/moved/x")));
	mkdir(at("keep-d3"), 0755);
	put_file("keep-d3/full", "x");
	result("rename a directory over a non-empty one", rename(at("keep-d2"), at("keep-d3")));
	result("rename a file over a directory", rename(at("keep-r2"), at("keep-d3")));
	result("rename a directory over a file", rename(at("keep-d3"), at("keep-r2")));
	mkdir(at("tmp-e"), 0755);
	result("rename a directory over an empty one", rename(at("keep-d3"), at("tmp-e")));
	result("and back", rename(at("tmp-e"), at("keep-d3")));
	put_file("keep-x1", "x1");
	put_file("keep-x2", "x2");
	result("renameat2 exchange", rename2(at("keep-x1"), at("keep-x2"), RENAME_EXCHANGE));
	show_file("x1 after exchange", "keep-x1");
	result("renameat2 noreplace", rename2(at("keep-x1"), at("keep-x2"), RENAME_NOREPLACE));
	result("exchange a file and a directory",
	       rename2(at("keep-x1"), at("keep-d3"), RENAME_EXCHANGE));
	stat_line("keep-x1 is a directory now", "keep-x1");
	result("rename missing", rename(at("nothing"), at("keep-none")));
	link(at("keep-x2"), at("keep-x2-alias"));
	result("rename onto its own hard link", rename(at("keep-x2"), at("keep-x2-alias")));
	stat_line("both names stay", "keep-x2");
}

/* A file removed while open stays readable and writable until closed. */
static void unlinked_open(void)
{
	put_file("tmp-open", "still here");
	int fd = open(at("tmp-open"), O_RDWR);
	result("unlink while open", unlink(at("tmp-open")));
	char buf[32];
	long n = pread(fd, buf, sizeof(buf), 0);
	show("read after unlink", buf, n);
	result("write after unlink", pwrite(fd, "more", 4, 10));
	struct stat st;
	fstat(fd, &st);
	printf("fstat after unlink: nlink %lu size %ld\n", (unsigned long)st.st_nlink,
	       (long)st.st_size);
	close(fd);
}

static void mappings(void)
{
	int fd = open(at("keep-mapped"), O_RDWR | O_CREAT | O_TRUNC, 0644);

	ftruncate(fd, 3 * 4096);
	char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check("mmap shared", p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	memcpy(p + 4096, "written through the mapping", 27);
	result("msync", msync(p, 3 * 4096, MS_SYNC));
	char buf[32];
	long n = pread(fd, buf, 27, 4096);
	show("read() sees it", buf, n);
	pwrite(fd, "WRITTEN", 7, 4096);
	show("the mapping sees write()", p + 4096, 7);
	munmap(p, 3 * 4096);
	char *q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 4096);
	q[0] = 'p';
	n = pread(fd, buf, 7, 4096);
	show("a private write stays private", buf, n);
	munmap(q, 4096);
	close(fd);
}

static void attributes(void)
{
	put_file("keep-attrs", "a");
	result("chmod 4751", chmod(at("keep-attrs"), 04751));
	result("chown 1000:2000", chown(at("keep-attrs"), 1000, 2000));
	struct timespec t[2] = { { 1000000000, 123456789 }, { 1200000000, 987654321 } };
	result("utimensat", utimensat(AT_FDCWD, at("keep-attrs"), t, 0));
	struct stat st;
	stat(at("keep-attrs"), &st);
	printf("keep-attrs: mode %o uid %u gid %u atime %ld mtime %ld\n", st.st_mode, st.st_uid,
	       st.st_gid, (long)st.st_atime, (long)st.st_mtime);
	/* Nanoseconds survive where the inode has room for them (256-byte inodes). */
	printf("mtime nanoseconds kept: %s\n", st.st_mtim.tv_nsec == 987654321 ? "yes" : "no");
	/* From a time long past, so that the check holds at any granularity. */
	struct stat after;
	utimensat(AT_FDCWD, at("keep-file"), t, 0);
	int fd = open(at("keep-file"), O_WRONLY);
	write(fd, "!", 1);
	close(fd);
	stat(at("keep-file"), &after);
	check("a write moves mtime", after.st_mtim.tv_sec > t[1].tv_sec);
	result("mknod a FIFO", mknod(at("keep-fifo"), S_IFIFO | 0644, 0));
	result("mknod a character device", mknod(at("keep-chr"), S_IFCHR | 0600, makedev(1, 3)));
	stat(at("keep-chr"), &st);
	printf("keep-chr: rdev %u,%u\n", major(st.st_rdev), minor(st.st_rdev));
}

static void filesystem(void)
{
	struct statfs a, b;

	result("statfs", statfs(top, &a));
	printf("statfs: type %lx bsize %ld namelen %ld\n", (long)a.f_type, (long)a.f_bsize,
	       (long)a.f_namelen);
	int fd = open(at("tmp-space"), O_WRONLY | O_CREAT, 0644);
	static char block[1 << 20];
	write(fd, block, sizeof(block));
	fsync(fd);
	close(fd);
	statfs(top, &b);
	check("writing 1 MiB takes at least 1 MiB of free space",
	      (a.f_bfree - b.f_bfree) * (uint64_t)a.f_bsize >= sizeof(block));
	unlink(at("tmp-space"));
	sync();
	statfs(top, &b);
	check("removing it gives it back", b.f_bfree == a.f_bfree);
	check("free inodes back too", b.f_ffree == a.f_ffree);
	check("blocks and files are what mke2fs made",
	      a.f_blocks == b.f_blocks && a.f_files == b.f_files);
	result("syncfs", syncfs(open(top, O_RDONLY)));
}

static void errors(void)
{
	result("open missing", open(at("missing"), O_RDONLY));
	result("open a directory for writing", open(at("keep-dir"), O_WRONLY));
	result("open through a file", open(at("keep-target/x"), O_RDONLY));
	char longname[300];
	memset(longname, 'n', 256);
	longname[256] = 0;
	result("create a 256-byte name", open(at(longname), O_CREAT | O_WRONLY, 0644));
	longname[255] = 0;
	int fd = open(at(longname), O_CREAT | O_WRONLY, 0644);
	result("create a 255-byte name", fd < 0 ? -1 : 0);
	close(fd);
	result("and remove it", unlink(at(longname)));
	result("link a directory", link(at("keep-dir"), at("keep-dirlink")));
	result("rename across file systems", rename(at("keep-target"), "/tmp/x"));
}

int main(int argc, char **argv)
{
	setup();
	if (argc != 2)
		die_setup("usage: disk-ops DIR");
	snprintf(top, sizeof(top), "%s", argv[1]);
	if (chdir(top))
		die_setup("chdir");
	files();
	large();
	links();
	dirs();
	renames();
	unlinked_open();
	mappings();
	attributes();
	filesystem();
	errors();
	list("top level at the end", ".");
	return 0;
}
