/* The smallest program for test_elf, built static and static-PIE by the test rules. */
#include <stdio.h>

int main(void)
{
	puts("fixture");
	return 0;
}
