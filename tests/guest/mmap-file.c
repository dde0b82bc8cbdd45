/*
 * File mappings: private ones at offsets (copy on write: the file never
 * changes, untouched pages follow the file, written ones do not), shared
 * ones (writes through the mapping and write() see each other, msync),
 * MAP_FIXED over part of a file mapping, partial munmap and mprotect (a
 * write to the read-only page faults, /proc/self/maps shows it),
 * madvise(DONTNEED) (the file's bytes again for a private file mapping,
 * zeros for anonymous memory), mlock, mremap of a file mapping, truncation
 * seen through a mapping, the bytes after the end of file in its last page,
 * and the errors for bad arguments.
 */
#include "common.h"
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>

#define PAGE  4096L
#define PAGES 8

/* Byte i of the test file. */
static char pattern(long i)
{
	return (char)('a' + (i / PAGE) % 26 + (i % 7));
}

static int make_file(const char *name)
{
	static char buf[PAGES * PAGE];
	int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0644);

	for (long i = 0; i < PAGES * PAGE; i++)
		buf[i] = pattern(i);
	if (fd < 0 || write(fd, buf, sizeof(buf)) != sizeof(buf))
		die_setup("test file");
	return fd;
}

/* Does [p, p+len) hold the file's bytes from off? */
static int holds_file(const char *p, long off, long len)
{
	for (long i = 0; i < len; i++) {
		if (p[i] != pattern(off + i))
			return 0;
	}
	return 1;
}

static char file_byte(int fd, long off)
{
	char c = 0;

	if (pread(fd, &c, 1, off) != 1)
		die_setup("pread");
	return c;
}

static void private_mapping(int fd)
{
	char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 2 * PAGE);

	check("private mapping at offset 2 pages holds the file's bytes",
	      p != MAP_FAILED && holds_file(p, 2 * PAGE, 3 * PAGE));
	p[10] = '#';
	check("a write to the private mapping is seen there", p[10] == '#');
	check("and does not reach the file",
	      file_byte(fd, 2 * PAGE + 10) == pattern(2 * PAGE + 10));
	if (pwrite(fd, "!!", 2, 3 * PAGE + 5) != 2 || pwrite(fd, "??", 2, 2 * PAGE + 20) != 2)
		die_setup("pwrite");
	check("an untouched page follows a later write() to the file", p[PAGE + 5] == '!');
	check("a page the program wrote does not", p[20] == pattern(2 * PAGE + 20));
	if (pwrite(fd, (char[]){ pattern(3 * PAGE + 5), pattern(3 * PAGE + 6) }, 2, 3 * PAGE + 5) !=
		    2 ||
	    pwrite(fd, (char[]){ pattern(2 * PAGE + 20), pattern(2 * PAGE + 21) }, 2,
		   2 * PAGE + 20) != 2)
		die_setup("pwrite back");
	result("madvise DONTNEED on the private file mapping", madvise(p, 3 * PAGE, MADV_DONTNEED));
	check("the file's bytes are back after DONTNEED", holds_file(p, 2 * PAGE, 3 * PAGE));
	result("munmap", munmap(p, 3 * PAGE));
}

static void shared_mapping(int fd)
{
	char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PAGE);

	check("shared mapping holds the file's bytes",
	      p != MAP_FAILED && holds_file(p, PAGE, 2 * PAGE));
	memcpy(p + 100, "through the mapping", 19);
	char buf[32] = { 0 };
	if (pread(fd, buf, 19, PAGE + 100) != 19)
		die_setup("pread");
	show("read() after a write through the mapping", buf, 19);
	if (pwrite(fd, "by write()", 10, 2 * PAGE + 50) != 10)
		die_setup("pwrite");
	show("the mapping after write()", p + PAGE + 50, 10);
	result("msync MS_SYNC", msync(p, 2 * PAGE, MS_SYNC));
	result("msync MS_ASYNC", msync(p, PAGE, MS_ASYNC));
	result("msync with both flags", msync(p, PAGE, MS_SYNC | MS_ASYNC));
	result("munmap", munmap(p, 2 * PAGE));

	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, PAGE);
	show("a second shared mapping sees the writes", p + 100, 19);
	munmap(p, PAGE);
}

static sigjmp_buf fault_jump;

static void on_fault(int sig)
{
	siglongjmp(fault_jump, sig);
}

/* Does writing c at p fault (SIGSEGV), as a write to a read-only page must? */
static int write_faults(volatile char *p, char c)
{
	struct sigaction sa = { .sa_handler = on_fault }, old;
	int faulted;

	sigaction(SIGSEGV, &sa, &old);
	faulted = sigsetjmp(fault_jump, 1) != 0;
	if (!faulted)
		*p = c;
	sigaction(SIGSEGV, &old, NULL);
	return faulted;
}

/* The /proc/self/maps line of the area holding addr: its permissions and file offset. */
static int maps_line(const void *addr, char *perms, unsigned long *offset, char *path)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int found = 0;

	while (f && !found && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		path[0] = 0;
		if (sscanf(line, "%lx-%lx %4s %lx %*s %*s %255s", &lo, &hi, perms, offset, path) >=
		    4)
			found = (unsigned long)addr >= lo && (unsigned long)addr < hi;
	}
	if (f)
		fclose(f);
	return found;
}

static void fixed_and_split(int fd)
{
	char *p = mmap(NULL, PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);

	if (p == MAP_FAILED)
		die_setup("mmap");
	char *q = mmap(p + 2 * PAGE, PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	check("MAP_FIXED anonymous page over a file mapping lands there", q == p + 2 * PAGE);
	check("it reads as zeros", q[0] == 0 && q[PAGE - 1] == 0);
	check("the file pages around it are intact",
	      holds_file(p, 0, 2 * PAGE) && holds_file(p + 3 * PAGE, 3 * PAGE, 5 * PAGE));
	q = mmap(p + 4 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 7 * PAGE);
	check("MAP_FIXED file page from another offset", q == p + 4 * PAGE);
	check("holds the last page of the file", holds_file(q, 7 * PAGE, PAGE));
	result("munmap of one page in the middle", munmap(p + 5 * PAGE, PAGE));
	check("the pages after the hole still hold their offsets",
	      holds_file(p + 6 * PAGE, 6 * PAGE, 2 * PAGE));
	result("mprotect read-only of one page", mprotect(p + PAGE, PAGE, PROT_READ));
	check("a write to it faults", write_faults(p + PAGE + 10, 'w'));
	check("and left the file's byte", p[PAGE + 10] == pattern(PAGE + 10));
	char perms[8], path[256];
	unsigned long off;
	check("maps shows it read-only at offset 0x1000 of the file",
	      maps_line(p + PAGE, perms, &off, path) && !strcmp(perms, "r--p") && off == PAGE &&
		      strstr(path, "/file"));
	check("and its neighbour read-write at offset 0",
	      maps_line(p, perms, &off, path) && !strcmp(perms, "rw-p") && off == 0);
	p[0] = 'x';
	p[3 * PAGE] = 'y';
	check("pages on both sides stay writable", p[0] == 'x' && p[3 * PAGE] == 'y');
	result("mprotect back to read-write", mprotect(p + PAGE, PAGE, PROT_READ | PROT_WRITE));
	p[PAGE] = 'z';
	check("written after mprotect", p[PAGE] == 'z' && file_byte(fd, PAGE) == pattern(PAGE));
	result("munmap the rest", munmap(p, PAGES * PAGE));
}

static void locks_and_remap(int fd)
{
	char *p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);

	if (p == MAP_FAILED)
		die_setup("mmap");
	result("mlock", mlock(p, PAGE));
	result("munlock", munlock(p, PAGE));
	char *q = mremap(p, PAGE, 4 * PAGE, MREMAP_MAYMOVE);
	check("mremap grows the file mapping", q != MAP_FAILED);
	check("grown pages hold the following file bytes", holds_file(q, 0, 4 * PAGE));
	q = mremap(q, 4 * PAGE, 2 * PAGE, 0);
	check("mremap shrinks it in place", q != MAP_FAILED && holds_file(q, 0, 2 * PAGE));
	munmap(q, 2 * PAGE);

	char *a = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(a, 7, 4 * PAGE);
	result("madvise DONTNEED on anonymous memory", madvise(a, 4 * PAGE, MADV_DONTNEED));
	check("anonymous memory reads as zeros after DONTNEED", a[0] == 0 && a[4 * PAGE - 1] == 0);
	munmap(a, 4 * PAGE);
}

static void end_of_file(void)
{
	int fd = open("short", O_RDWR | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, "0123456789", 10) != 10)
		die_setup("short file");
	char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	show("a 10-byte file mapped", p, 10);
	check("the rest of its page reads as zeros", p[10] == 0 && p[PAGE - 1] == 0);
	if (ftruncate(fd, 3 * PAGE))
		die_setup("ftruncate");
	char *q = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	q[2 * PAGE] = 'h';
	check("a write into a hole through a shared mapping reaches the file",
	      file_byte(fd, 2 * PAGE) == 'h');
	if (ftruncate(fd, 5))
		die_setup("ftruncate");
	check("truncation is seen through the mapping", p[4] == '4' && p[5] == 0);
	munmap(p, PAGE);
	munmap(q, 3 * PAGE);
	close(fd);
	unlink("short");
}

static void errors(int fd)
{
	int ro = open("file", O_RDONLY);
	char *p;

	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
	result("shared writable mapping of a read-only descriptor", p == MAP_FAILED ? -1 : 0);
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, ro, 0);
	result("shared read-only mapping of it", p == MAP_FAILED ? -1 : 0);
	result("mprotect it writable", mprotect(p, PAGE, PROT_READ | PROT_WRITE));
	munmap(p, PAGE);
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
	result("private writable mapping of a read-only descriptor", p == MAP_FAILED ? -1 : 0);
	munmap(p, PAGE);
	p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 100);
	result("unaligned offset", p == MAP_FAILED ? -1 : 0);
	p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 12345, 0);
	result("bad descriptor", p == MAP_FAILED ? -1 : 0);
	int dir = open(".", O_RDONLY);
	p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, dir, 0);
	result("a directory", p == MAP_FAILED ? -1 : 0);
	close(dir);
	close(ro);
}

int main(void)
{
	setup();
	scratch_enter();
	int fd = make_file("file");
	private_mapping(fd);
	shared_mapping(fd);
	close(fd);
	fd = make_file("file");
	fixed_and_split(fd);
	locks_and_remap(fd);
	end_of_file();
	errors(fd);
	close(fd);
	unlink("file");
	scratch_leave();
	return 0;
}
