/*
 * getrandom: it fills the buffer, the bytes are not all zero, two calls
 * differ, and the flags Linux defines are accepted. "random show" prints
 * 16 bytes each of getrandom, /dev/urandom and AT_RANDOM in hex instead:
 * the runner compares two boots, which must not repeat each other.
 */
#include "common.h"
#include <sys/auxv.h>
#include <sys/random.h>

static void hex(const char *what, const unsigned char *p, size_t n)
{
	printf("%s:", what);
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	printf("\n");
}

static int show_bytes(void)
{
	unsigned char buf[16] = { 0 };
	int fd = open("/dev/urandom", O_RDONLY);

	if (getrandom(buf, sizeof(buf), 0) != sizeof(buf))
		return 1;
	hex("getrandom", buf, sizeof(buf));
	if (fd < 0 || read(fd, buf, sizeof(buf)) != sizeof(buf))
		return 1;
	hex("urandom", buf, sizeof(buf));
	hex("AT_RANDOM", (const unsigned char *)getauxval(AT_RANDOM), 16);
	return 0;
}

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i])
			return 0;
	}
	return 1;
}

int main(int argc, char **argv)
{
	unsigned char a[64] = { 0 }, b[64] = { 0 }, big[100000];

	if (argc > 1 && !strcmp(argv[1], "show"))
		return show_bytes();

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
