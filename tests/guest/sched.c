/*
 * Scheduling policies, run as root with every thread on CPU 0: the errors
 * of the sched_* calls and of set/getpriority (in Linux's order), policies
 * and priorities set and read back (SCHED_BATCH, SCHED_IDLE, reset on
 * fork), sched_rr_get_interval; SCHED_FIFO threads running by priority
 * (the higher first, whatever the creation order), SCHED_FIFO equals
 * running to completion one after the other (starts and ends SESE) and
 * SCHED_RR equals taking turns (SSEE); a woken higher SCHED_FIFO thread
 * running before its waker's write returns; nice values weighting two busy threads' shares; what an
 * unprivileged caller may not do (EPERM, EACCES). Shares are printed as
 * relations with wide margins.
 */
#include "threads.h"
#include <sched.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/syscall.h>

static long raw_getpriority(int which, int who)
{
	return syscall(SYS_getpriority, which, who);
}

/*
 * The raw calls: musl's sched_setscheduler and friends answer ENOSYS by
 * design (POSIX makes them per process, Linux's are per thread).
 */
#define sched_setscheduler(pid, policy, p) syscall(SYS_sched_setscheduler, pid, policy, p)
#define sched_getscheduler(pid)		   syscall(SYS_sched_getscheduler, pid)
#define sched_setparam(pid, p)		   syscall(SYS_sched_setparam, pid, p)
#define sched_getparam(pid, p)		   syscall(SYS_sched_getparam, pid, p)

static int set_policy(pid_t pid, int policy, int prio)
{
	struct sched_param p = { .sched_priority = prio };
	return sched_setscheduler(pid, policy, &p);
}

static void errors(void)
{
	struct sched_param p = { .sched_priority = 1 };
	struct timespec ts;

	result("sched_getscheduler(-1)", sched_getscheduler(-1));
	result("sched_getscheduler(99999)", sched_getscheduler(99999));
	result("sched_setscheduler(0, 42, 1)", sched_setscheduler(0, 42, &p));
	result("sched_setscheduler(0, SCHED_OTHER, 1)", set_policy(0, SCHED_OTHER, 1));
	result("sched_setscheduler(0, SCHED_FIFO, 0)", set_policy(0, SCHED_FIFO, 0));
	result("sched_setscheduler(0, SCHED_FIFO, 100)", set_policy(0, SCHED_FIFO, 100));
	result("sched_setscheduler(0, SCHED_RR, -1)", set_policy(0, SCHED_RR, -1));
	result("sched_setscheduler(0, SCHED_BATCH, 5)", set_policy(0, SCHED_BATCH, 5));
	result("sched_setscheduler(0, SCHED_FIFO, NULL)",
	       syscall(SYS_sched_setscheduler, 0, SCHED_FIFO, NULL));
	result("sched_setscheduler(-1, SCHED_FIFO, 1)", set_policy(-1, SCHED_FIFO, 1));
	result("sched_setscheduler(0, -1, 1)", syscall(SYS_sched_setscheduler, 0, -1, &p));
	result("sched_setscheduler(99999, SCHED_FIFO, 1)", set_policy(99999, SCHED_FIFO, 1));
	result("sched_setscheduler(99999, 42, 1)", sched_setscheduler(99999, 42, &p));
	result("sched_setparam(0, 5) under SCHED_OTHER",
	       sched_setparam(0, &(struct sched_param){ .sched_priority = 5 }));
	result("sched_setparam(0, NULL)", syscall(SYS_sched_setparam, 0, NULL));
	result("sched_getparam(0, NULL)", syscall(SYS_sched_getparam, 0, NULL));
	result("sched_getparam(-1)", sched_getparam(-1, &p));
	result("sched_rr_get_interval(-1)", sched_rr_get_interval(-1, &ts));
	result("sched_rr_get_interval(99999)", sched_rr_get_interval(99999, &ts));
	for (int policy = -1; policy <= 5; policy++) {
		char what[64];
		snprintf(what, sizeof(what), "sched_get_priority_min(%d) * 1000 + max", policy);
		long lo = sched_get_priority_min(policy), hi = sched_get_priority_max(policy);
		result(what, lo < 0 ? lo : lo * 1000 + hi);
	}
	result("getpriority(42, 0)", raw_getpriority(42, 0));
	result("getpriority(PRIO_PROCESS, 99999)", raw_getpriority(PRIO_PROCESS, 99999));
	result("setpriority(PRIO_PROCESS, 99999, 0)", setpriority(PRIO_PROCESS, 99999, 0));
	result("setpriority(PRIO_PGRP, 99999, 0)", setpriority(PRIO_PGRP, 99999, 0));
	result("setpriority(42, 0, 0)", setpriority(42, 0, 0));
}

static void show_policy(const char *what)
{
	struct sched_param p;
	struct timespec ts;

	sched_getparam(0, &p);
	sched_rr_get_interval(0, &ts);
	printf("%s: policy %#lx, priority %d", what, sched_getscheduler(0), p.sched_priority);
	if (sched_getscheduler(0) == SCHED_RR || sched_getscheduler(0) == SCHED_FIFO)
		printf(", rr interval %ld.%03ld s", (long)ts.tv_sec, ts.tv_nsec / 1000000);
	printf("\n");
}

static void set_and_get(void)
{
	result("SCHED_FIFO 10", set_policy(0, SCHED_FIFO, 10));
	show_policy("  now");
	result("sched_setparam 20",
	       sched_setparam(0, &(struct sched_param){ .sched_priority = 20 }));
	show_policy("  now");
	result("SCHED_RR 5", set_policy(0, SCHED_RR, 5));
	show_policy("  now");
	result("SCHED_BATCH", set_policy(0, SCHED_BATCH, 0));
	show_policy("  now");
	result("SCHED_IDLE", set_policy(0, SCHED_IDLE, 0));
	show_policy("  now");
	result("SCHED_OTHER | SCHED_RESET_ON_FORK",
	       set_policy(0, SCHED_OTHER | SCHED_RESET_ON_FORK, 0));
	show_policy("  now");
	result("SCHED_OTHER", set_policy(0, SCHED_OTHER, 0));
	show_policy("  now");

	result("setpriority(PRIO_PROCESS, 0, 5)", setpriority(PRIO_PROCESS, 0, 5));
	result("  getpriority (glibc's nice)", getpriority(PRIO_PROCESS, 0));
	result("  the raw call (20 - nice)", raw_getpriority(PRIO_PROCESS, 0));
	result("setpriority(PRIO_PROCESS, 0, 100): clamped", setpriority(PRIO_PROCESS, 0, 100));
	result("  raw getpriority", raw_getpriority(PRIO_PROCESS, 0));
	result("setpriority(PRIO_PROCESS, 0, -100): clamped", setpriority(PRIO_PROCESS, 0, -100));
	result("  raw getpriority", raw_getpriority(PRIO_PROCESS, 0));
	result("setpriority(PRIO_PGRP, 0, 3)", setpriority(PRIO_PGRP, 0, 3));
	result("  raw getpriority(PRIO_PGRP, 0)", raw_getpriority(PRIO_PGRP, 0));
	result("setpriority(PRIO_USER, 0, 0)", setpriority(PRIO_USER, 0, 0));
	result("  raw getpriority(PRIO_USER, 0)", raw_getpriority(PRIO_USER, 0));
}

/* ---- real-time threads on one CPU */

static char order[16];
static atomic_int norder;

struct worker {
	char name;
	int policy, prio;
	long cpu_ms; /* spin until this much CPU time was used */
};

/* Starts (S) and ends (E) of the busy workers, in the order they happened. */
static char events[8];
static atomic_int nevents;

static void *worker(void *arg)
{
	struct worker *w = arg;

	order[atomic_fetch_add(&norder, 1)] = w->name;
	if (!w->cpu_ms)
		return NULL;
	events[atomic_fetch_add(&nevents, 1)] = 'S';
	while (now_ns(CLOCK_THREAD_CPUTIME_ID) < w->cpu_ms * 1000000LL)
		;
	events[atomic_fetch_add(&nevents, 1)] = 'E';
	return NULL;
}

static pthread_t start(struct worker *w)
{
	pthread_attr_t a;
	pthread_t t;
	struct sched_param p = { .sched_priority = w->prio };

	pthread_attr_init(&a);
	pthread_attr_setinheritsched(&a, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&a, w->policy);
	pthread_attr_setschedparam(&a, &p);
	int r = pthread_create(&t, &a, worker, w);
	if (r) {
		errno = r;
		die_setup("pthread_create");
	}
	pthread_attr_destroy(&a);
	return t;
}

static void by_priority(void)
{
	struct worker w[3] = { { .name = 'A', .policy = SCHED_FIFO, .prio = 10 },
			       { .name = 'B', .policy = SCHED_FIFO, .prio = 30 },
			       { .name = 'C', .policy = SCHED_FIFO, .prio = 20 } };
	pthread_t t[3];

	result("the main thread: SCHED_FIFO 50", set_policy(0, SCHED_FIFO, 50));
	for (int i = 0; i < 3; i++)
		t[i] = start(&w[i]);
	check("none ran while the higher main thread runs", atomic_load(&norder) == 0);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	printf("SCHED_FIFO 10, 30, 20 created in that order ran as: %.3s\n", order);
}

/* Two equals busy for 300 ms of CPU each: FIFO runs one to its end, RR alternates. */
static void equals(int policy, const char *name)
{
	struct worker a = { .name = 'a', .policy = policy, .prio = 10, .cpu_ms = 300 };
	struct worker b = { .name = 'b', .policy = policy, .prio = 10, .cpu_ms = 300 };
	pthread_t ta, tb;

	atomic_store(&nevents, 0);
	ta = start(&a);
	tb = start(&b);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	printf("%s equals busy for 300 ms each: starts and ends %.4s\n", name, events);
}

/* ---- nice values */

/*
 * A SCHED_FIFO 20 reader blocked on a pipe, woken by the SCHED_FIFO 10 main
 * thread's write: it must have run before that write returns (the switch is
 * due on the way out of the waker's call), then again for each of a few
 * more writes. On one CPU the reader, higher, ran from its creation until it
 * blocked, so it is waiting whenever main runs.
 */
static int wake_pipe[2];
static atomic_int woken_reads;

static void *woken_reader(void *arg)
{
	char c;

	(void)arg;
	while (read(wake_pipe[0], &c, 1) == 1)
		atomic_fetch_add(&woken_reads, 1);
	return NULL;
}

static void woken_first(void)
{
	pthread_attr_t a;
	pthread_t t;
	struct sched_param p = { .sched_priority = 20 };
	int late = 0;

	result("the main thread: SCHED_FIFO 10", set_policy(0, SCHED_FIFO, 10));
	if (pipe(wake_pipe))
		die_setup("pipe");
	pthread_attr_init(&a);
	pthread_attr_setinheritsched(&a, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&a, SCHED_FIFO);
	pthread_attr_setschedparam(&a, &p);
	if ((errno = pthread_create(&t, &a, woken_reader, NULL)))
		die_setup("pthread_create");
	pthread_attr_destroy(&a);
	for (int i = 1; i <= 100; i++) {
		if (write(wake_pipe[1], "x", 1) != 1)
			die_setup("write");
		if (atomic_load(&woken_reads) != i)
			late++;
	}
	close(wake_pipe[1]);
	pthread_join(t, NULL);
	close(wake_pipe[0]);
	check("a woken higher SCHED_FIFO reader ran before each of 100 writes returned", late == 0);
}

static atomic_int stop;

/*
 * Work done, not CPU time: under a loaded host a VM may stand still for a
 * while, and the guest's clocks charge that to whichever thread ran.
 */
struct busy {
	int nice;
	long long work;
};

static pthread_barrier_t ready;

/* Each sets its own nice value, then all three start together: no head start counts. */
static void *busy(void *arg)
{
	struct busy *b = arg;

	setpriority(PRIO_PROCESS, tid(), b->nice);
	pthread_barrier_wait(&ready);
	while (!atomic_load(&stop))
		b->work++;
	return NULL;
}

static void shares(int nice_a, int nice_b)
{
	struct busy a = { nice_a, 0 }, b = { nice_b, 0 };
	pthread_t ta, tb;

	atomic_store(&stop, 0);
	pthread_barrier_init(&ready, NULL, 3);
	pthread_create(&ta, NULL, busy, &a);
	pthread_create(&tb, NULL, busy, &b);
	pthread_barrier_wait(&ready);
	sleep_ms(1500);
	atomic_store(&stop, 1);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	pthread_barrier_destroy(&ready);
	printf("busy threads at nice %d and %d: the first did at least 3 times the work: %s\n",
	       nice_a, nice_b, a.work >= 3 * b.work ? "yes" : "no");
}

static void unprivileged(void)
{
	result("seteuid(1000)", seteuid(1000));
	result("  sched_setscheduler(0, SCHED_FIFO, 1)", set_policy(0, SCHED_FIFO, 1));
	result("  setpriority(PRIO_PROCESS, 0, -1)", setpriority(PRIO_PROCESS, 0, -1));
	result("  setpriority(PRIO_PROCESS, 0, 5)", setpriority(PRIO_PROCESS, 0, 5));
	result("  setpriority(PRIO_PROCESS, 0, 0): back down", setpriority(PRIO_PROCESS, 0, 0));
	result("  SCHED_IDLE", set_policy(0, SCHED_IDLE, 0));
	result("  SCHED_OTHER from SCHED_IDLE", set_policy(0, SCHED_OTHER, 0));
	result("seteuid(0)", seteuid(0));
	result("SCHED_OTHER from SCHED_IDLE as root", set_policy(0, SCHED_OTHER, 0));
	result("setpriority(PRIO_PROCESS, 0, 0) as root", setpriority(PRIO_PROCESS, 0, 0));
}

int main(void)
{
	cpu_set_t one;
	struct rlimit none = { 0, 0 };

	setup();
	watchdog(60);
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	if (sched_setaffinity(0, sizeof(one), &one))
		die_setup("sched_setaffinity");
	setrlimit(RLIMIT_RTPRIO, &none);
	setrlimit(RLIMIT_NICE, &none);
	errors();
	set_and_get();
	by_priority();
	equals(SCHED_FIFO, "SCHED_FIFO");
	equals(SCHED_RR, "SCHED_RR");
	woken_first();
	result("the main thread back to SCHED_OTHER", set_policy(0, SCHED_OTHER, 0));
	shares(0, 10);
	shares(-5, 5);
	unprivileged();
	return 0;
}
