/*
 * mmap's edge cases: /dev/zero mapped private and shared (anonymous memory,
 * with the descriptor's access checked), a file's access time set by mmap
 * (the relatime rule: only when older than its modification), modification
 * and change times set by the first write through a shared mapping and
 * again by the first one after msync(MS_SYNC) (not by writes in between or
 * by msync itself), msync's errors and MS_INVALIDATE refusing locked pages
 * (mlock, mlockall), and the length errors (ENOMEM for a length beyond the
 * address space, MAP_FIXED or not). The scratch directory is on the host's
 * /tmp natively (ext4 here: tmpfs would not set times through mappings).
 */
#include "common.h"
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <time.h>

#define PAGE 4096ul

static void dev_zero(void)
{
	int fd = open("/dev/zero", O_RDWR);
	char *p, *q;

	p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	check("/dev/zero MAP_PRIVATE", p != MAP_FAILED);
	check("  reads zeros", p[0] == 0 && p[2 * PAGE - 1] == 0);
	p[0] = 'x';
	q = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	check("  a second private mapping is its own", q != MAP_FAILED && q[0] == 0);
	check("  the write stays", p[0] == 'x');
	munmap(p, 2 * PAGE);
	munmap(q, PAGE);
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check("/dev/zero MAP_SHARED", p != MAP_FAILED);
	check("  reads zeros", p[0] == 0 && p[PAGE - 1] == 0);
	strcpy(p, "shared");
	check("  keeps what is written", !strcmp(p, "shared"));
	munmap(p, PAGE);
	close(fd);

	fd = open("/dev/zero", O_RDONLY);
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	check("read-only /dev/zero, MAP_PRIVATE writable", p != MAP_FAILED);
	munmap(p, PAGE);
	result("read-only /dev/zero, MAP_SHARED writable",
	       (long)mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
	close(fd);
	fd = open("/dev/zero", O_WRONLY);
	result("write-only /dev/zero, MAP_PRIVATE read",
	       (long)mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0));
	close(fd);
}

static bool same_time(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

static struct stat st(int fd)
{
	struct stat s;

	if (fstat(fd, &s))
		die_setup("fstat");
	return s;
}

static void old_times(int fd)
{
	struct timespec t[2] = { { 1000, 0 }, { 1000, 0 } };

	if (futimens(fd, t))
		die_setup("futimens");
}

static void small_pause(void)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	nanosleep(&ts, NULL);
}

static void times(void)
{
	int fd = open("times", O_RDWR | O_CREAT | O_EXCL, 0644);
	struct stat a, b;
	char *p;

	if (fd < 0 || write(fd, "some text", 9) != 9)
		die_setup("times");
	old_times(fd);
	a = st(fd);
	p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	b = st(fd);
	check("mmap of a file whose atime is not after its mtime: atime set",
	      !same_time(a.st_atim, b.st_atim));
	check("  read through the mapping", p[0] == 's');
	munmap(p, PAGE);
	a = st(fd);
	p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	check("a second mmap (atime after mtime now): atime kept",
	      same_time(a.st_atim, st(fd).st_atim));
	munmap(p, PAGE);

	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	old_times(fd);
	a = st(fd);
	small_pause();
	check("shared mapping read", p[1] == 'o');
	b = st(fd);
	check("  a read leaves mtime and ctime",
	      same_time(a.st_mtim, b.st_mtim) && same_time(a.st_ctim, b.st_ctim));
	p[0] = 'S';
	b = st(fd);
	check("  the first write sets mtime", !same_time(a.st_mtim, b.st_mtim));
	check("  and ctime", !same_time(a.st_ctim, b.st_ctim));
	result("  msync(MS_SYNC)", msync(p, PAGE, MS_SYNC));
	old_times(fd);
	p[1] = 'O';
	check("  the first write after msync sets mtime again", st(fd).st_mtim.tv_sec != 1000);
	old_times(fd);
	p[2] = 'M';
	check("  a write without msync since the last one leaves it",
	      st(fd).st_mtim.tv_sec == 1000);
	result("  msync(MS_SYNC)", msync(p, PAGE, MS_SYNC));
	check("  msync itself leaves it", st(fd).st_mtim.tv_sec == 1000);
	char buf[4] = "";
	check("  read() sees the writes", pread(fd, buf, 3, 0) == 3 && !memcmp(buf, "SOM", 3));
	munmap(p, PAGE);
	close(fd);
	unlink("times");
}

static void msync_and_locks(void)
{
	char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	p[0] = 1;
	munmap(p + 2 * PAGE, PAGE); /* a hole at the third page */
	result("msync of an unaligned address", msync(p + 1, PAGE, MS_SYNC));
	result("msync with MS_SYNC | MS_ASYNC", msync(p, PAGE, MS_SYNC | MS_ASYNC));
	result("msync with an unknown flag", msync(p, PAGE, 8));
	result("msync over a hole", msync(p, 4 * PAGE, MS_ASYNC));
	result("msync(MS_INVALIDATE)", msync(p, PAGE, MS_INVALIDATE));
	result("mlock of the second page", mlock(p + PAGE, PAGE));
	result("msync(MS_INVALIDATE) over it", msync(p, 2 * PAGE, MS_INVALIDATE));
	result("msync(MS_INVALIDATE) of the first page only", msync(p, PAGE, MS_INVALIDATE));
	result("msync(MS_SYNC) over it", msync(p, 2 * PAGE, MS_SYNC));
	result("munlock", munlock(p + PAGE, PAGE));
	result("msync(MS_INVALIDATE) again", msync(p, 2 * PAGE, MS_INVALIDATE));
	result("mlock over a hole", mlock(p, 4 * PAGE));
	result("  msync(MS_INVALIDATE) before the hole", msync(p, 2 * PAGE, MS_INVALIDATE));
	result("mlockall(MCL_CURRENT)", mlockall(MCL_CURRENT));
	result("msync(MS_INVALIDATE)", msync(p, PAGE, MS_INVALIDATE));
	result("munlockall", munlockall());
	result("msync(MS_INVALIDATE)", msync(p, PAGE, MS_INVALIDATE));
	result("mlockall(MCL_FUTURE)", mlockall(MCL_FUTURE));
	char *q = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	result("  a new mapping is locked: msync(MS_INVALIDATE)", msync(q, PAGE, MS_INVALIDATE));
	result("  an old one is not", msync(p, PAGE, MS_INVALIDATE));
	result("munlockall", munlockall());
	result("mlockall(MCL_ONFAULT) alone", mlockall(MCL_ONFAULT));
	result("mlock2 with an unknown flag", syscall(325, p, PAGE, 2));
	munmap(q, PAGE);
	munmap(p, 4 * PAGE);
	result("msync of unmapped memory", msync(p, PAGE, MS_SYNC));
}

static void lengths(void)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	size_t huge = 0xfffffffffffff000ul;

	result("mmap length 0", (long)mmap(NULL, 0, PROT_READ, flags, -1, 0));
	result("mmap length 0xfffffffffffff000", (long)mmap(NULL, huge, PROT_READ, flags, -1, 0));
	result("mmap length 0xffffffffffffffff", (long)mmap(NULL, ~0ul, PROT_READ, flags, -1, 0));
	result("MAP_FIXED at 0x10000000 length 0xfffffffffffff000",
	       (long)mmap((void *)0x10000000, huge, PROT_READ, flags | MAP_FIXED, -1, 0));
	result("MAP_FIXED at 0x7ffffffff000 length 2 pages",
	       (long)mmap((void *)0x7ffffffff000, 2 * PAGE, PROT_READ, flags | MAP_FIXED, -1, 0));
	result("MAP_FIXED at an unaligned address",
	       (long)mmap((void *)0x10000001, PAGE, PROT_READ, flags | MAP_FIXED, -1, 0));
	result("munmap length 0xfffffffffffff000", munmap((void *)0x10000000, huge));
}

int main(void)
{
	setup();
	dev_zero();
	scratch_enter();
	times();
	scratch_leave();
	msync_and_locks();
	lengths();
	return 0;
}
