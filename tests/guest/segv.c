/*
 * Faults that must kill the program with SIGSEGV (exit status 139), as on
 * Linux: touching a PROT_NONE page ("none", the default), writing to a
 * read-only page ("readonly"), and dereferencing NULL ("null").
 */
#include "common.h"
#include <sys/mman.h>

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "none";
	volatile char *p =
		mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	setup();
	p[0] = 1;
	if (!strcmp(how, "none")) {
		result("mprotect PROT_NONE", mprotect((void *)p, 4096, PROT_NONE));
		printf("touching a PROT_NONE page\n");
		(void)p[0];
	} else if (!strcmp(how, "readonly")) {
		result("mprotect PROT_READ", mprotect((void *)p, 4096, PROT_READ));
		printf("reading is fine: %d\n", p[0]);
		printf("writing to a read-only page\n");
		p[0] = 2;
	} else {
		printf("dereferencing NULL\n");
		p = NULL;
		(void)*(volatile char *)p;
	}
	printf("still alive: no\n");
	return 1;
}
