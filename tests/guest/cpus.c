/*
 * The number of CPUs as a program sees it, every way the C libraries ask:
 * sysconf(_SC_NPROCESSORS_ONLN) and _CONF and get_nprocs() (glibc reads
 * /sys/devices/system/cpu/online and .../possible; musl counts
 * sched_getaffinity), sched_getaffinity itself and the file.
 * "cpus N" checks that each says N (tests/cases/50-threads.sh gives alto
 * run -c N; natively N is the host's count). Exits 0 if all agree.
 */
#include "threads.h"
#include <sched.h>
#include <sys/sysinfo.h>

int main(int argc, char **argv)
{
	long want = argc > 1 ? atol(argv[1]) : -1;
	cpu_set_t set;
	char online[256] = "missing";
	int ok = 1;

	setup();
	long onln = sysconf(_SC_NPROCESSORS_ONLN), conf = sysconf(_SC_NPROCESSORS_CONF);
	CPU_ZERO(&set);
	long size = syscall(SYS_sched_getaffinity, 0, sizeof(set), &set);
	long affinity = size > 0 ? CPU_COUNT(&set) : -1;
	int fd = open("/sys/devices/system/cpu/online", O_RDONLY);
	if (fd >= 0) {
		long n = read(fd, online, sizeof(online) - 1);
		online[n > 0 ? n : 0] = 0;
		online[strcspn(online, "\n")] = 0;
		close(fd);
	}
	printf("sysconf(_SC_NPROCESSORS_ONLN): %ld\n", onln);
	printf("sysconf(_SC_NPROCESSORS_CONF): %ld\n", conf);
	printf("get_nprocs(): %d, get_nprocs_conf(): %d\n", get_nprocs(), get_nprocs_conf());
	printf("sched_getaffinity: %ld CPUs\n", affinity);
	printf("/sys/devices/system/cpu/online: %s\n", online);
	if (want < 0)
		return 0;
	ok = onln == want && conf == want && get_nprocs() == want && get_nprocs_conf() == want &&
	     affinity == want;
	char expect[32];
	snprintf(expect, sizeof(expect), want == 1 ? "0" : "0-%ld", want - 1);
	ok &= !strcmp(online, expect);
	printf("all say %ld (and the file \"%s\"): %s\n", want, expect, ok ? "yes" : "no");
	return !ok;
}
