/*
 * Not a differential test (the kernel says something Linux does not): a
 * system call Alto lacks fails with ENOSYS, and the console names it once
 * however often it is called.
 */
#include "common.h"
#include <errno.h>
#include <sys/syscall.h>

int main(void)
{
	for (int i = 0; i < 3; i++) {
		long r = syscall(SYS_kexec_load, 0, 0, 0, 0);
		printf("kexec_load: %ld %s\n", r, errno == ENOSYS ? "ENOSYS" : "other");
	}
	return 0;
}
