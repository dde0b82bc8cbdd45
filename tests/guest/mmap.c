/*
 * Anonymous memory: a large mapping touched on every page, MAP_FIXED over
 * part of a mapping, mremap growing (moving if it must), munmap of a middle
 * part with the rest still usable, mprotect read-only and back, mprotect
 * over areas it splits and joins again (guard pages, as thread stacks and
 * JITs make them), the errors for bad arguments, ranges whose end wraps past
 * zero, and the last page of the low half, which is never the application's.
 */
#include "common.h"
#include <sys/mman.h>

#define PAGE 4096L

static char *map(long pages)
{
	char *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		       0);

	if (p == MAP_FAILED)
		die_setup("mmap");
	return p;
}

/* Each page holds its number in its first and last bytes. */
static void fill(char *p, long pages, int base)
{
	for (long i = 0; i < pages; i++)
		p[i * PAGE] = p[i * PAGE + PAGE - 1] = (char)(base + i);
}

static int holds(const char *p, long pages, int base)
{
	for (long i = 0; i < pages; i++) {
		if (p[i * PAGE] != (char)(base + i) || p[i * PAGE + PAGE - 1] != (char)(base + i))
			return 0;
	}
	return 1;
}

static int zeros(const char *p, long len)
{
	for (long i = 0; i < len; i++) {
		if (p[i])
			return 0;
	}
	return 1;
}

static void large(void)
{
	long pages = 64L << 20 >> 12; /* 64 MiB */
	char *p = map(pages);

	check("mapping is page-aligned", ((unsigned long)p & (PAGE - 1)) == 0);
	check("fresh anonymous memory reads as zeros",
	      zeros(p, 16 * PAGE) && zeros(p + (pages - 16) * PAGE, 16 * PAGE));
	fill(p, pages, 0);
	check("64 MiB touched on every page and read back", holds(p, pages, 0));
	result("munmap 64 MiB", munmap(p, pages * PAGE));
}

static void fixed_and_remap(void)
{
	char *p = map(16);

	fill(p, 16, 1);
	char *q = mmap(p + 4 * PAGE, 4 * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	check("MAP_FIXED lands where asked", q == p + 4 * PAGE);
	check("the replaced pages are zero", zeros(q, 4 * PAGE));
	check("the pages around keep their data", holds(p, 4, 1) && holds(p + 8 * PAGE, 8, 9));

	fill(p, 16, 1);
	char *r = mremap(p, 16 * PAGE, 64 * PAGE, MREMAP_MAYMOVE);
	check("mremap grows", r != MAP_FAILED);
	check("mremap keeps the data", holds(r, 16, 1));
	check("the new part is zero", zeros(r + 16 * PAGE, 48 * PAGE));
	fill(r + 16 * PAGE, 48, 17);
	check("the new part is writable", holds(r, 64, 1));
	char *s = mremap(r, 64 * PAGE, 8 * PAGE, 0);
	check("mremap shrinks in place", s == r && holds(s, 8, 1));
	result("munmap", munmap(s, 8 * PAGE));
}

static void holes_and_protection(void)
{
	char *p = map(16);

	fill(p, 16, 3);
	result("munmap the middle 4 pages", munmap(p + 6 * PAGE, 4 * PAGE));
	check("the first part is intact", holds(p, 6, 3));
	check("the last part is intact", holds(p + 10 * PAGE, 6, 13));
	fill(p + 10 * PAGE, 6, 40);
	check("the last part is still writable", holds(p + 10 * PAGE, 6, 40));
	result("mprotect PROT_READ", mprotect(p, 6 * PAGE, PROT_READ));
	check("read-only pages keep their data", holds(p, 6, 3));
	result("mprotect back to read-write", mprotect(p, 6 * PAGE, PROT_READ | PROT_WRITE));
	fill(p, 6, 50);
	check("writable again", holds(p, 6, 50));
	result("munmap across the hole", munmap(p, 16 * PAGE));

	char *n = mmap(NULL, 4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check("mmap PROT_NONE", n != MAP_FAILED);
	result("mprotect it read-write", mprotect(n, 4 * PAGE, PROT_READ | PROT_WRITE));
	fill(n, 4, 7);
	check("then usable", holds(n, 4, 7));
	munmap(n, 4 * PAGE);
}

/* mprotect splitting areas and then covering several: each step must leave them usable. */
static void split_and_join(void)
{
	char *p = mmap(NULL, 3 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	check("mmap 3 pages PROT_READ", p != MAP_FAILED);
	result("mprotect the middle page PROT_NONE", mprotect(p + PAGE, PAGE, PROT_NONE));
	result("mprotect all 3 pages PROT_NONE (joins the split areas)",
	       mprotect(p, 3 * PAGE, PROT_NONE));
	result("mprotect all 3 pages read-write", mprotect(p, 3 * PAGE, PROT_READ | PROT_WRITE));
	fill(p, 3, 60);
	check("all 3 pages usable", holds(p, 3, 60));
	result("munmap", munmap(p, 3 * PAGE));

	/* A stack with a guard page at each end, then the guards made usable. */
	char *s = map(8);
	result("guard page below", mprotect(s, PAGE, PROT_NONE));
	result("guard page above", mprotect(s + 7 * PAGE, PAGE, PROT_NONE));
	result("a third area in the middle", mprotect(s + 3 * PAGE, 2 * PAGE, PROT_READ));
	result("everything PROT_READ", mprotect(s, 8 * PAGE, PROT_READ));
	result("everything read-write", mprotect(s, 8 * PAGE, PROT_READ | PROT_WRITE));
	fill(s, 8, 70);
	check("all 8 pages usable", holds(s, 8, 70));
	for (int i = 0; i < 8; i += 2)
		mprotect(s + i * PAGE, PAGE, PROT_NONE);
	result("alternating pages joined back", mprotect(s, 8 * PAGE, PROT_READ | PROT_WRITE));
	check("and keep their data", holds(s, 8, 70));
	result("munmap", munmap(s, 8 * PAGE));
}

static void errors(void)
{
	void *p = mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check("mmap of length 0 fails", p == MAP_FAILED);
	result("its errno", -1);
	p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 1000, 0);
	check("mmap of a bad fd fails", p == MAP_FAILED);
	result("its errno", -1);
	char *q = map(2);
	result("munmap of an unaligned address", munmap(q + 1, PAGE));
	/* musl rounds the address down itself (0); glibc passes it on (EINVAL). */
	result("mprotect of an unaligned address", mprotect(q + 1, PAGE, PROT_READ));
	munmap(q, 2 * PAGE);
	result("munmap of nothing mapped", munmap(q, PAGE));
}

/*
 * A range whose end wraps past zero, or passes the top of the low half, is
 * not mapped: mincore says ENOMEM and writes nothing (found by the system-call
 * fuzzer: it once filled the caller's memory with ones), madvise says EINVAL
 * for the wrap and ENOMEM for the top.
 */
static void wrapping_ranges(void)
{
	char *q = map(3);
	unsigned char *vec = (unsigned char *)q + 2 * PAGE - 8; /* a guard page after it */

	if (mprotect(q + 2 * PAGE, PAGE, PROT_NONE))
		die_setup("mprotect");
	memset(vec, 7, 8);
	unsigned long wrap = -(unsigned long)q + PAGE; /* q + wrap is PAGE */
	result("mincore of a range that wraps", mincore(q, wrap, vec));
	result("mincore from a non-canonical address",
	       mincore((void *)0x8000000000000000ul, 0xffffffff8013d899ul, vec));
	result("mincore of a range past the top", mincore((void *)0x7ffffffff000ul, PAGE, vec));
	check("they write nothing", vec[0] == 7 && vec[7] == 7);
	result("mincore of length 0", mincore(q, 0, vec));
	result("madvise of a range that wraps", madvise(q, wrap, MADV_DONTNEED));
	result("madvise of a length that rounds up to 0", madvise(q, -1ul, MADV_DONTNEED));
	result("madvise past the top", madvise((void *)0x800000000000ul, PAGE, MADV_DONTNEED));
	result("madvise of length 0", madvise(q, 0, MADV_DONTNEED));
	munmap(q, 3 * PAGE);
}

/*
 * The last page of the low half is never the application's (Linux's
 * TASK_SIZE ends one page lower): mapping it fails with ENOMEM, unmapping it
 * with EINVAL, and no system call reads or writes it.
 */
static void last_page(void)
{
	char *top = (char *)0x7ffffffff000L;
	int anon = MAP_PRIVATE | MAP_ANONYMOUS;
	char *p = mmap(top, PAGE, PROT_READ | PROT_WRITE, anon | MAP_FIXED_NOREPLACE, -1, 0);

	check("mmap MAP_FIXED_NOREPLACE of the last page fails", p == MAP_FAILED);
	result("its errno", -1);
	p = mmap(top, PAGE, PROT_READ | PROT_WRITE, anon | MAP_FIXED, -1, 0);
	check("mmap MAP_FIXED of the last page fails", p == MAP_FAILED);
	result("its errno", -1);
	p = mmap(top - PAGE, 2 * PAGE, PROT_READ, anon | MAP_FIXED_NOREPLACE, -1, 0);
	check("mmap of two pages reaching into it fails", p == MAP_FAILED);
	result("its errno", -1);
	p = mmap(top, PAGE, PROT_READ, anon, -1, 0);
	check("a hint there gives another place", p != MAP_FAILED && p != top);
	munmap(p, PAGE);
	result("munmap of the last page", munmap(top, PAGE));
	result("mprotect of the last page", mprotect(top, PAGE, PROT_READ));
	int fd = open("/dev/zero", O_RDONLY);
	result("read into the last page", read(fd, top, 16));
	close(fd);
}

int main(void)
{
	setup();
	large();
	fixed_and_remap();
	holes_and_protection();
	split_and_join();
	errors();
	wrapping_ranges();
	last_page();
	return 0;
}
