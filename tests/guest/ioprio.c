/*
 * I/O priorities as ionice sets them (ioprio_set, ioprio_get: each class,
 * the checks, who: a process, a group, a user; a child inherits) and
 * sched_getattr as chrt -p reads a policy. The values are printed only
 * once set: a new process's default differs between Linux versions, and
 * so do the bits above the level (hints since Linux 6.5), left out. A
 * user's best priority is not asked: natively it is the host's.
 */
#include "common.h"
#include <sched.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#define CLASS(c, level) ((c) << 13 | (level))

struct attr {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
	uint32_t util_min, util_max;
};

static long ioprio_set(int which, int who, int prio)
{
	return syscall(SYS_ioprio_set, which, who, prio);
}

static long ioprio_get(int which, int who)
{
	return syscall(SYS_ioprio_get, which, who);
}

static void classes(void)
{
	long dflt = ioprio_get(1, 0);

	check("a new process's class is NONE or BE",
	      dflt >= 0 && (dflt >> 13 == 0 || dflt >> 13 == 2));
	result("set IDLE", ioprio_set(1, 0, CLASS(3, 0)));
	result("get", ioprio_get(1, 0));
	result("set BE 7", ioprio_set(1, getpid(), CLASS(2, 7)));
	result("get by pid", ioprio_get(1, getpid()));
	result("set NONE 1", ioprio_set(1, 0, CLASS(0, 1)));
	result("set class 5", ioprio_set(1, 0, CLASS(5, 0)));
	result("set with which 0", ioprio_set(0, 0, CLASS(2, 0)));
	result("get with which 4", ioprio_get(4, 0));
	result("set RT 0 (root)", ioprio_set(1, 0, CLASS(1, 0)));
	result("get", ioprio_get(1, 0));
	result("set BE 3 for the process group", ioprio_set(2, 0, CLASS(2, 3)));
	result("get for the process group", ioprio_get(2, 0));
	result("get for no such pid", ioprio_get(1, 999999));
}

static void inherited(void)
{
	ioprio_set(1, 0, CLASS(2, 5));
	pid_t pid = fork();
	if (pid == 0) {
		result("the child's", ioprio_get(1, 0));
		_exit(0);
	}
	waitpid(pid, NULL, 0);
}

static void attr(void)
{
	struct attr a;
	struct sched_param sp = { .sched_priority = 0 };

	memset(&a, 0xff, sizeof(a));
	setpriority(PRIO_PROCESS, 0, 3);
	result("sched_getattr", syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0));
	printf("size %u policy %u flags %lu nice %d priority %u\n", a.size, a.policy,
	       (unsigned long)a.flags, a.nice, a.priority);
	sp.sched_priority = 10;
	result("sched_setscheduler FIFO 10", sched_setscheduler(0, SCHED_FIFO, &sp));
	memset(&a, 0, sizeof(a));
	result("sched_getattr of 48 bytes", syscall(SYS_sched_getattr, 0, &a, 48, 0));
	printf("size %u policy %u flags %lu nice %d priority %u\n", a.size, a.policy,
	       (unsigned long)a.flags, a.nice, a.priority);
	result("sched_getattr of 40 bytes", syscall(SYS_sched_getattr, 0, &a, 40, 0));
	result("sched_getattr with flags", syscall(SYS_sched_getattr, 0, &a, sizeof(a), 1));
	result("sched_getattr to NULL", syscall(SYS_sched_getattr, 0, NULL, sizeof(a), 0));
	result("sched_getattr of no such pid",
	       syscall(SYS_sched_getattr, 999999, &a, sizeof(a), 0));
	result("sched_getattr of pid -1", syscall(SYS_sched_getattr, -1, &a, sizeof(a), 0));
}

int main(void)
{
	setup();
	classes();
	inherited();
	attr();
	return 0;
}
