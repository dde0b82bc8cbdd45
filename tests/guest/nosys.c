/*
 * Not a differential test (the kernel says something Linux does not): a
 * system call Alto lacks fails with ENOSYS, and the console names it once
 * however often it is called; so do numbers Linux does not have (one in the
 * gap of its table, 335 to 423, and others past its end), each named once;
 * and so do the kernel's other notes a call may cause each time (a bind
 * mount, ARCH_SET_GS).
 */
#include "common.h"
#include <errno.h>
#include <sys/mount.h>
#include <sys/syscall.h>

#define ARCH_SET_GS 0x1001 /* asm/prctl.h's, which musl lacks */

static void call(const char *what, long nr)
{
	for (int i = 0; i < 3; i++) {
		long r = syscall(nr, 0, 0, 0, 0);
		printf("%s: %ld %s\n", what, r, errno == ENOSYS ? "ENOSYS" : "other");
	}
}

int main(void)
{
	call("kexec_load", SYS_kexec_load);
	call("system call 335", 335);
	call("system call 1000", 1000);
	call("system call 2^40", 1l << 40);
	for (int i = 0; i < 3; i++) {
		long m = mount("/tmp", "/mnt", NULL, MS_BIND, NULL);
		long g = syscall(SYS_arch_prctl, ARCH_SET_GS, 0);
		printf("bind mount: %s, ARCH_SET_GS: %s\n", m ? "refused" : "made",
		       g ? "refused" : "made");
	}
	return 0;
}
