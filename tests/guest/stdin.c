/*
 * Reading stdin to its end: how many bytes, lines and 0xff bytes came, a
 * hash of them all, and that reads after the end keep returning 0. Run with
 * a file redirected (every byte value, so the console escaping is crossed)
 * and with /dev/null.
 */
#include "common.h"

int main(void)
{
	unsigned char buf[1000];
	unsigned long long total = 0, lines = 0, ffs = 0;
	unsigned int hash = 2166136261u; /* FNV-1a */
	long n;

	setup();
	while ((n = read(0, buf, sizeof(buf))) > 0) {
		for (long i = 0; i < n; i++) {
			hash = (hash ^ buf[i]) * 16777619u;
			lines += buf[i] == '\n';
			ffs += buf[i] == 0xff;
		}
		total += n;
	}
	result("the last read", n);
	printf("bytes: %llu, lines: %llu, 0xff bytes: %llu, hash: %08x\n", total, lines, ffs, hash);
	result("read after the end", read(0, buf, sizeof(buf)));
	result("and again", read(0, buf, sizeof(buf)));
	return 0;
}
