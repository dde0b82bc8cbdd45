/*
 * The program break: brk(0) reports it, growing it gives zeroed writable
 * memory, shrinking and growing again works, and malloc (which uses brk for
 * small blocks in both glibc and musl) survives many allocations.
 */
#include "common.h"
#include <sys/syscall.h>

static unsigned long brk_(unsigned long to)
{
	return syscall(SYS_brk, to);
}

static void raw_brk(void)
{
	unsigned long start = brk_(0);
	unsigned long mib = 1 << 20;

	check("brk(0) is non-zero", start != 0);
	check("brk(0) again is the same", brk_(0) == start);
	check("grow by 1 MiB", brk_(start + mib) == start + mib);
	char *p = (char *)start;
	int zero = 1;
	for (unsigned long i = 0; i < mib; i += 4096)
		zero &= p[i] == 0;
	check("new memory is zero", zero);
	memset(p, 0x5a, mib);
	check("and writable", p[mib - 1] == 0x5a && p[0] == 0x5a);
	check("shrink by half", brk_(start + mib / 2) == start + mib / 2);
	check("grow again", brk_(start + 4 * mib) == start + 4 * mib);
	check("regrown memory is zero", p[mib / 2 + 100] == 0 && p[4 * mib - 1] == 0);
	check("a break below the data is refused", brk_(4096) == start + 4 * mib);
	check("shrink back to the start", brk_(start) == start);
}

static int calloc_zeroed(size_t n)
{
	char *c = calloc(1, n);
	int zero = c != NULL;

	for (size_t i = 0; zero && i < n; i++)
		zero &= c[i] == 0;
	free(c);
	return zero;
}

static void many_mallocs(void)
{
	enum {
		N = 20000
	};
	static char *blocks[N];

	for (int i = 0; i < N; i++) {
		blocks[i] = malloc(16 + i % 200);
		if (!blocks[i])
			die_setup("malloc");
		memset(blocks[i], i & 0xff, 16 + i % 200);
	}
	int ok = 1;
	for (int i = 0; i < N; i++)
		ok &= blocks[i][15 + i % 200] == (char)(i & 0xff);
	check("20000 small allocations keep their data", ok);
	for (int i = 0; i < N; i += 2)
		free(blocks[i]);
	char *big = malloc(32 << 20);
	check("a 32 MiB allocation", big != NULL);
	memset(big, 1, 32 << 20);
	free(big);
	for (int i = 1; i < N; i += 2)
		free(blocks[i]);
	check("calloc gives zeros", calloc_zeroed(100000));
}

int main(void)
{
	setup();
	raw_brk();
	many_mallocs();
	return 0;
}
