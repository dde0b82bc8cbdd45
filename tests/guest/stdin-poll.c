/*
 * Reading stdin to its end without ever blocking: O_NONBLOCK reads in a busy
 * loop, no poll, no sleep, so the CPU is never idle. Under Alto the console's
 * receive interrupt is routed with the late work (kernel/late.c), which an
 * idle CPU or, failing that, a timer starts: this program only ever sees its
 * input if the timer does. Prints the count and a hash of the bytes.
 */
#include "common.h"

int main(void)
{
	unsigned char buf[1000];
	unsigned long long total = 0;
	unsigned int hash = 2166136261u; /* FNV-1a */
	long n;

	setup();
	result("fcntl O_NONBLOCK", fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK));
	for (;;) {
		n = read(0, buf, sizeof(buf));
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n <= 0)
			break;
		for (long i = 0; i < n; i++)
			hash = (hash ^ buf[i]) * 16777619u;
		total += (unsigned long long)n;
	}
	result("the last read", n);
	printf("bytes: %llu, hash: %08x\n", total, hash);
	return 0;
}
