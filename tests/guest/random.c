/*
 * getrandom: it fills the buffer, the bytes are not all zero, two calls
 * differ, and the flags Linux defines are accepted.
 */
#include "common.h"
#include <sys/random.h>

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i])
			return 0;
	}
	return 1;
}

int main(void)
{
	unsigned char a[64] = { 0 }, b[64] = { 0 }, big[100000];

	setup();
	result("getrandom 64", getrandom(a, sizeof(a), 0));
	check("not all zero", !all_zero(a, sizeof(a)));
	result("getrandom 64 again", getrandom(b, sizeof(b), 0));
	check("the two differ", memcmp(a, b, sizeof(a)) != 0);
	result("getrandom GRND_NONBLOCK 16", getrandom(a, 16, GRND_NONBLOCK));
	result("getrandom 0 bytes", getrandom(a, 0, 0));
	long n = getrandom(big, sizeof(big), 0);
	check("a large request gives at least 256 bytes", n >= 256);
	int ones = 0;
	for (long i = 0; i < n; i++)
		ones += __builtin_popcount(big[i]);
	check("about half the bits are set", ones > n * 8 * 45 / 100 && ones < n * 8 * 55 / 100);
	result("getrandom with bad flags", getrandom(a, 16, 0x4000));
	return 0;
}
