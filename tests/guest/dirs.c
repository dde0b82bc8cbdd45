/*
 * Directories and names: mkdir/rmdir, listing with getdents64 (names sorted,
 * since the order is the file system's), hard links and link counts,
 * symlinks and readlink, rename (including over a file and of directories),
 * *at() calls relative to a directory descriptor, chdir and getcwd, and
 * listings into buffers that fault.
 */
#include "common.h"
#include <dirent.h>
#include <sys/mman.h>
#include <sys/syscall.h>

struct linux_dirent64 {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *type_name(unsigned char t)
{
	return t == DT_DIR ? "dir" : t == DT_REG ? "file" : t == DT_LNK ? "symlink" : "other";
}

/* The entries of path as "name:type", sorted, read with getdents64 in small batches. */
static void list(const char *path)
{
	char buf[256], *names[64];
	int n = 0, fd = open(path, O_RDONLY | O_DIRECTORY);
	long got;

	if (fd < 0) {
		result(path, -1);
		return;
	}
	while ((got = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < got && n < 64;) {
			struct linux_dirent64 *d = (void *)(buf + off);
			asprintf(&names[n++], "%s:%s", d->d_name, type_name(d->d_type));
			off += d->d_reclen;
		}
	}
	result("getdents64 at the end", got);
	close(fd);
	qsort(names, n, sizeof(names[0]), by_name);
	printf("%s holds", path);
	for (int i = 0; i < n; i++) {
		printf(" %s", names[i]);
		free(names[i]);
	}
	printf("\n");
}

static unsigned long nlink(const char *path)
{
	struct stat st;

	return lstat(path, &st) ? 0 : st.st_nlink;
}

static void make_tree(void)
{
	result("mkdir d", mkdir("d", 0755));
	result("mkdir d/e", mkdir("d/e", 0700));
	result("mkdir d/e/f", mkdir("d/e/f", 0755));
	for (int i = 0; i < 3; i++) {
		char name[16];
		snprintf(name, sizeof(name), "d/file%d", i);
		close(open(name, O_CREAT | O_WRONLY, 0644));
	}
	printf("nlink of d: %lu, of d/e: %lu, of d/e/f: %lu\n", nlink("d"), nlink("d/e"),
	       nlink("d/e/f"));
	struct stat st;
	stat("d/e", &st);
	printf("d/e is a dir: %s, mode %04o\n", S_ISDIR(st.st_mode) ? "yes" : "no",
	       st.st_mode & 07777);
	list("d");
	list("d/e/f");
}

static void links(void)
{
	char buf[64];
	struct stat a, b;

	result("link", link("d/file0", "d/hard"));
	stat("d/file0", &a);
	stat("d/hard", &b);
	check("hard link shares the inode", a.st_ino == b.st_ino);
	printf("nlink after link: %lu\n", nlink("d/file0"));
	result("symlink", symlink("file1", "d/soft"));
	result("symlink to nowhere", symlink("/nonexistent/x", "d/dangling"));
	show("readlink", buf, readlink("d/soft", buf, sizeof(buf)));
	show("readlink short buffer", buf, readlink("d/dangling", buf, 4));
	lstat("d/soft", &a);
	stat("d/soft", &b);
	check("lstat sees a symlink", S_ISLNK(a.st_mode));
	printf("symlink size: %lld\n", (long long)a.st_size);
	check("stat follows it to a file", S_ISREG(b.st_mode));
	result("open through a dangling symlink", open("d/dangling", O_RDONLY));
	result("open O_NOFOLLOW on a symlink", open("d/soft", O_RDONLY | O_NOFOLLOW));
	list("d");
	result("unlink the hard link", unlink("d/hard"));
	printf("nlink after unlink: %lu\n", nlink("d/file0"));
	result("unlink the symlink", unlink("d/soft"));
	check("its target stays", access("d/file1", F_OK) == 0);
	result("unlink dangling", unlink("d/dangling"));
}

static void renames(void)
{
	result("rename file", rename("d/file0", "d/renamed"));
	result("old name gone", access("d/file0", F_OK));
	int fd = open("d/renamed", O_WRONLY);
	write(fd, "new", 3);
	close(fd);
	result("rename over a file", rename("d/renamed", "d/file1"));
	struct stat st;
	stat("d/file1", &st);
	printf("replaced file size: %lld\n", (long long)st.st_size);
	result("rename a directory", rename("d/e", "d/moved"));
	printf("nlink of d after the move: %lu\n", nlink("d"));
	result("rename a dir into another", rename("d/moved/f", "d/f"));
	printf("nlink of d: %lu, of d/moved: %lu\n", nlink("d"), nlink("d/moved"));
	result("rename to itself", rename("d/file1", "d/file1"));
	list("d");
}

/* The C library's directory reading, on top of getdents64. */
static int readdir_sees(const char *path, const char *name)
{
	DIR *dir = opendir(path);
	struct dirent *e;
	int seen = 0;

	while (dir && (e = readdir(dir)))
		seen |= !strcmp(e->d_name, name);
	if (dir)
		closedir(dir);
	return seen;
}

static void at_calls_and_cwd(void)
{
	char cwd[256];
	int dfd = open("d", O_RDONLY | O_DIRECTORY);

	check("open O_DIRECTORY", dfd >= 0);
	int fd = openat(dfd, "at-file", O_CREAT | O_WRONLY, 0644);
	check("openat relative to d", fd >= 0);
	close(fd);
	result("faccessat", faccessat(dfd, "at-file", F_OK, 0));
	result("mkdirat", mkdirat(dfd, "at-dir", 0755));
	result("unlinkat file", unlinkat(dfd, "at-file", 0));
	result("unlinkat dir without AT_REMOVEDIR", unlinkat(dfd, "at-dir", 0));
	result("unlinkat AT_REMOVEDIR", unlinkat(dfd, "at-dir", AT_REMOVEDIR));
	result("fchdir", fchdir(dfd));
	close(dfd);
	check("getcwd ends in /d",
	      getcwd(cwd, sizeof(cwd)) && !strcmp(cwd + strlen(cwd) - 2, "/d"));
	result("chdir ..", chdir(".."));
	check("getcwd is the scratch dir", getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, scratch_dir));
	check("opendir/readdir see file1", readdir_sees("d", "file1"));
}

/* Count the entries of fd from its position on, read with a good buffer. */
static int count_rest(int fd)
{
	char buf[4096];
	int n = 0;
	long got;

	while ((got = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < got; n++)
			off += ((struct linux_dirent64 *)(buf + off))->d_reclen;
	}
	return n;
}

/*
 * A listing into a bad buffer fails without losing entries: EFAULT leaves
 * the position where it was, and a buffer that faults after its first record
 * returns that record, the next call carrying on from there (Alto used to
 * consume every entry read into a buffer it then could not fill).
 */
static void getdents_faults(void)
{
	mkdir("g", 0755);
	for (int i = 1; i <= 5; i++) {
		char name[8];
		snprintf(name, sizeof(name), "g/f%d", i);
		close(open(name, O_CREAT | O_WRONLY, 0644));
	}
	int fd = open("g", O_RDONLY | O_DIRECTORY);
	result("getdents64 into an unmapped buffer",
	       syscall(SYS_getdents64, fd, (void *)0xdead0000, 4096));
	check("then all 7 entries are read with a good buffer", count_rest(fd) == 7);
	char *pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mprotect(pages + 4096, 4096, PROT_NONE);
	lseek(fd, 0, SEEK_SET);
	/* Room for one 24-byte record before the guard page, and part of a second. */
	long got = syscall(SYS_getdents64, fd, pages + 4096 - 40, 4096);
	check("a buffer faulting in its second record returns the first (24 bytes)", got == 24);
	check("and the other 6 entries follow", count_rest(fd) == 6);
	lseek(fd, 0, SEEK_SET);
	result("a buffer faulting in its first record",
	       syscall(SYS_getdents64, fd, pages + 4096 - 16, 4096));
	check("then all 7 entries are read", count_rest(fd) == 7);
	munmap(pages, 8192);
	close(fd);
	for (int i = 1; i <= 5; i++) {
		char name[8];
		snprintf(name, sizeof(name), "g/f%d", i);
		unlink(name);
	}
	result("rmdir g", rmdir("g"));
}

static void clean_up(void)
{
	result("rmdir non-empty", rmdir("d"));
	result("unlink d/file1", unlink("d/file1"));
	result("unlink d/file2", unlink("d/file2"));
	result("rmdir d/f", rmdir("d/f"));
	result("rmdir d/moved", rmdir("d/moved"));
	list("d");
	result("rmdir d", rmdir("d"));
	result("stat after rmdir", access("d", F_OK));
}

int main(void)
{
	setup();
	scratch_enter();
	make_tree();
	links();
	renames();
	at_calls_and_cwd();
	getdents_faults();
	clean_up();
	scratch_leave();
	return 0;
}
