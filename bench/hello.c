/*
 * The static hello of the whole-VM figures: the smallest program whose first
 * line of output the host can wait for, so boot time and memory are the
 * system's alone.
 */
#include <stdio.h>

int main(void)
{
	puts("hello");
	return 0;
}
