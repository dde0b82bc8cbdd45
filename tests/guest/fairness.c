/*
 * The scheduler, judged by bounds rather than by comparison with Linux
 * (tests/cases/50-threads.sh runs it). "fairness N MS": N busy threads for
 * MS milliseconds on however many CPUs sched_getaffinity gives; each must
 * get its share of the work and of the CPU time (between a quarter and
 * 1.75 times the fair share, and none 2.5 times another's CPU time, which a
 * 3:1 split would be), and together they must keep min(N, CPUs)
 * CPUs at least 80% busy (no CPU idles while threads wait). "fairness pin
 * MS": two busy threads pinned to each CPU must only ever run there, share
 * it, and move at once when re-pinned. Prints what it measured; exits 0 if within the bounds.
 */
#include "threads.h"
#include <sched.h>

#define MS 1000000LL

struct worker {
	int cpu; /* pinned to, or -1 */
	long count;
	long long cpu_ns;
	int stayed, moved;
};

static int stop;
static pthread_barrier_t start;

static void *busy(void *arg)
{
	struct worker *w = arg;
	volatile double x = 1;
	long count = 0;

	w->stayed = 1;
	if (w->cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(w->cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			w->stayed = 0;
	}
	pthread_barrier_wait(&start);
	long long t0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		for (int i = 0; i < 1000; i++)
			x = x * 1.0000001 + 1e-9;
		count++;
		if (w->cpu >= 0 && (count & 63) == 0 && sched_getcpu() != w->cpu)
			w->stayed = 0;
	}
	w->cpu_ns = now_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
	w->count = count;
	return NULL;
}

static int online_cpus(int *list)
{
	cpu_set_t set;
	int n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		die_setup("sched_getaffinity");
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (CPU_ISSET(cpu, &set))
			list[n++] = cpu;
	}
	return n;
}

/* Runs the workers for MS milliseconds of wall time; returns the wall time in ns. */
static long long run(struct worker *w, int n, long ms)
{
	pthread_t t[256];

	stop = 0;
	pthread_barrier_init(&start, NULL, n + 1);
	for (int i = 0; i < n; i++)
		t[i] = spawn(busy, &w[i]);
	pthread_barrier_wait(&start);
	long long t0 = mono_ns();
	sleep_ms(ms);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	long long wall = mono_ns() - t0;
	for (int i = 0; i < n; i++)
		join(t[i]);
	pthread_barrier_destroy(&start);
	return wall;
}

static int fairness(int n, long ms)
{
	static struct worker w[256];
	int cpus[CPU_SETSIZE], m = online_cpus(cpus), ok = 1;
	long total = 0;
	long long cpu_total = 0;

	for (int i = 0; i < n; i++)
		w[i] = (struct worker){ .cpu = -1 };
	long long wall = run(w, n, ms);
	for (int i = 0; i < n; i++) {
		total += w[i].count;
		cpu_total += w[i].cpu_ns;
	}
	printf("%d busy threads on %d CPUs for %lld ms\n", n, m, wall / MS);
	double lo = 1e9, hi = 0;
	for (int i = 0; i < n; i++) {
		double work = (double)w[i].count * n / total,
		       time = (double)w[i].cpu_ns * n / cpu_total;
		int fair = work >= 0.25 && work <= 1.75 && time >= 0.25 && time <= 1.75;
		printf("thread %d: %.2f of a fair share of the work, %.2f of the CPU time%s\n", i,
		       work, time, fair ? "" : "  <- unfair");
		ok &= fair;
		lo = time < lo ? time : lo;
		hi = time > hi ? time : hi;
	}
	/*
	 * No thread may get 2.5 times the CPU time of another (a 3:1 split of
	 * two threads stays within the bounds above, not within this).
	 */
	printf("the most CPU time over the least: %.2f\n", hi / lo);
	if (hi > 2.5 * lo) {
		printf("one thread got 2.5 times another's share\n");
		ok = 0;
	}
	int busy_cpus = n < m ? n : m;
	double used = (double)cpu_total / wall;
	printf("CPUs kept busy: %.2f of %d\n", used, busy_cpus);
	if (used < busy_cpus * 0.8) {
		printf("runnable threads waited while CPUs idled\n");
		ok = 0;
	}
	printf("fair: %s\n", ok ? "yes" : "no");
	return ok;
}

static void *move_around(void *arg)
{
	int *cpus = arg;
	int ok = 1;

	for (int round = 0; round < 20; round++) {
		for (int i = 0; cpus[i] >= 0; i++) {
			cpu_set_t set;
			CPU_ZERO(&set);
			CPU_SET(cpus[i], &set);
			ok &= sched_setaffinity(0, sizeof(set), &set) == 0 &&
			      sched_getcpu() == cpus[i];
		}
	}
	return (void *)(long)ok;
}

static int pinning(long ms)
{
	static struct worker w[2 * CPU_SETSIZE];
	int cpus[CPU_SETSIZE + 1], m = online_cpus(cpus), ok = 1;

	for (int i = 0; i < 2 * m; i++)
		w[i] = (struct worker){ .cpu = cpus[i % m] };
	long long wall = run(w, 2 * m, ms);
	for (int i = 0; i < 2 * m; i++) {
		double share = (double)w[i].cpu_ns / wall;
		int good = w[i].stayed && share >= 0.125 && share <= 0.875;
		printf("thread %d pinned to CPU %d: stayed there: %s, %.2f of it%s\n", i, w[i].cpu,
		       w[i].stayed ? "yes" : "no", share, good ? "" : "  <- wrong");
		ok &= good;
	}
	cpus[m] = -1;
	int moved = (int)(long)join(spawn(move_around, cpus));
	printf("a thread re-pinned to each CPU in turn is there when sched_setaffinity returns: %s\n",
	       moved ? "yes" : "no");
	ok &= moved;
	printf("pinning: %s\n", ok ? "yes" : "no");
	return ok;
}

int main(int argc, char **argv)
{
	setup();
	watchdog(60);
	if (argc > 2 && !strcmp(argv[1], "pin"))
		return !pinning(atol(argv[2]));
	if (argc > 2)
		return !fairness(atoi(argv[1]), atol(argv[2]));
	printf("usage: fairness THREADS MS | fairness pin MS\n");
	return 2;
}
