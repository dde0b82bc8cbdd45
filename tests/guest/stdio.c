/*
 * Output: lines to stdout and stderr in turn (one console in Alto, one pipe
 * natively: the order must hold), a large write in one call, writev, and
 * output left in a full buffer at exit, which exit() must flush.
 */
#include "common.h"
#include <sys/uio.h>

int main(void)
{
	static char big[20000];

	setup();
	/* The runner redirects all three, and Alto's console then says it is no terminal. */
	check("stdin is a terminal", isatty(0));
	check("stdout is a terminal", isatty(1));
	check("stderr is a terminal", isatty(2));
	for (int i = 0; i < 5; i++) {
		printf("stdout line %d\n", i);
		fprintf(stderr, "stderr line %d\n", i);
	}
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (i % 64 == 63) ? '\n' : 'a' + i % 26;
	result("\nwrite of 20000 bytes", write(1, big, sizeof(big)));
	struct iovec iov[3] = { { "writev ", 7 }, { "in three ", 9 }, { "parts\n", 6 } };
	result("writev", writev(1, iov, 3));
	result("write to stderr", write(2, "to stderr\n", 10));
	result("write of 0 bytes", write(1, "", 0));
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	for (int i = 0; i < 100; i++)
		printf("buffered line %d\n", i);
	printf("the last line has no newline");
	return 0;
}
