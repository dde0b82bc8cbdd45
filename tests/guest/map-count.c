/*
 * Many mappings: one-page areas with holes between them are mapped until
 * mmap fails with ENOMEM at vm.max_map_count (Linux: when the process
 * already has more than 65,530 areas, so it stops at 65,531). At the limit,
 * what needs one more area fails with ENOMEM (a hole punched by munmap or
 * mprotect inside an area) and what needs none succeeds (an area's edge).
 * Then every area is unmapped in a random order and the address space is
 * as it was. Areas are counted from /proc/self/maps ([vsyscall] is a line
 * there but no area, and Alto has none).
 */
#include "common.h"
#include <stdint.h>
#include <sys/mman.h>

#define PAGE 4096ul
#define MAX  70000

static char maps[16 << 20];
static char *pages[MAX];

static long count_areas(void)
{
	int fd = open("/proc/self/maps", O_RDONLY);
	long len = 0, n, lines = 0;

	if (fd < 0)
		die_setup("open /proc/self/maps");
	while ((n = read(fd, maps + len, sizeof(maps) - 1 - len)) > 0)
		len += n;
	close(fd);
	maps[len] = 0;
	for (long i = 0; i < len; i++)
		lines += maps[i] == '\n';
	return lines - (strstr(maps, "[vsyscall]") != NULL);
}

static uint64_t rng = 88172645463325252ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

int main(void)
{
	char text[32] = "";
	int fd = open("/proc/sys/vm/max_map_count", O_RDONLY);
	long initial, n = 0;

	setup();
	if (fd >= 0 && read(fd, text, sizeof(text) - 1) > 0)
		printf("vm.max_map_count: %s", text);
	close(fd);

	/* A region with room for every page and a hole after each. */
	char *region = mmap(NULL, 2 * MAX * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED)
		die_setup("mmap region");
	munmap(region, 2 * MAX * PAGE);
	initial = count_areas();

	/* The first area has three pages, for the tests at the limit. */
	char *three = mmap(region, 3 * PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (three != region)
		die_setup("mmap three pages");
	errno = 0;
	for (n = 0; n < MAX; n++) {
		char *want = region + (4 + 2 * n) * PAGE;
		char *p = mmap(want, PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p == MAP_FAILED)
			break;
		pages[n] = p;
	}
	printf("mmap stopped with: %s\n", n < MAX ? errname(errno) : "no error");
	printf("areas when it failed: %ld\n", count_areas());
	check("the mapped pages are usable", (pages[0][0] = 1) && (pages[n - 1][0] = 2));

	errno = 0;
	result("munmap of the middle page of an area, at the limit", munmap(three + PAGE, PAGE));
	result("mprotect of the middle page of an area, at the limit",
	       mprotect(three + PAGE, PAGE, PROT_READ));
	result("munmap of an area's first page, at the limit", munmap(three, PAGE));
	result("mprotect of an area's last page (a split), at the limit",
	       mprotect(three + 2 * PAGE, PAGE, PROT_READ));
	result("munmap of one whole area", munmap(pages[n - 1], PAGE));
	result("mprotect still may not split (one area below the limit)",
	       mprotect(three + 2 * PAGE, PAGE, PROT_READ));
	result("munmap of another whole area", munmap(pages[n - 2], PAGE));
	result("then mprotect splits an area", mprotect(three + 2 * PAGE, PAGE, PROT_READ));
	n -= 2;

	/* Unmap the rest in a random order. */
	for (long i = n - 1; i > 0; i--) {
		long j = (long)(next_rand() % (uint64_t)(i + 1));
		char *t = pages[i];
		pages[i] = pages[j];
		pages[j] = t;
	}
	long failed = 0;
	for (long i = 0; i < n; i++)
		failed += munmap(pages[i], PAGE) != 0;
	printf("munmap failures in random order: %ld\n", failed);
	munmap(three, 3 * PAGE);
	check("as many areas as before", count_areas() == initial);
	char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check("mmap works again", p != MAP_FAILED && munmap(p, PAGE) == 0);
	return 0;
}
