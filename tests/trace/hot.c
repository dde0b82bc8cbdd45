/*
 * The profiler's test program: nine tenths of its work in hot_function,
 * one tenth in cold_function (the same loop, fewer turns, in spin), built
 * with frame pointers. The profile of it must rank hot_function first and
 * show main calling it. The accumulators live on the stack: GCC gives a
 * function that needs no stack no frame, -fno-omit-frame-pointer or not,
 * and a sample there would miss its caller.
 */
#include <stdio.h>
#include <stdlib.h>

static volatile unsigned long sink;

__attribute__((noinline)) static void spin(unsigned long n)
{
	volatile unsigned long x = sink;

	for (unsigned long i = 0; i < n; i++)
		x = x * 6364136223846793005ul + 1442695040888963407ul;
	sink = x;
}

__attribute__((noinline)) void hot_function(unsigned long n)
{
	volatile unsigned long x = sink;

	for (unsigned long i = 0; i < n; i++)
		x = x * 6364136223846793005ul + 1442695040888963407ul;
	sink = x;
}

__attribute__((noinline)) void cold_function(unsigned long n)
{
	spin(n);
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 20000000;

	for (int round = 0; round < 10; round++) {
		hot_function(9 * n / 10);
		cold_function(n / 10);
	}
	printf("done %lu\n", sink & 1);
	return 0;
}
