/*
 * Clocks and sleeping: CLOCK_MONOTONIC never goes back, nanosleep and
 * clock_nanosleep sleep at least as long as asked, the wall clock is a
 * plausible date and agrees with gettimeofday and time.
 */
#include "common.h"
#include <sys/time.h>
#include <time.h>

static long long ns(clockid_t clock)
{
	struct timespec ts;

	if (clock_gettime(clock, &ts))
		return -1;
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void monotonic(void)
{
	long long prev = ns(CLOCK_MONOTONIC), backwards = 0;

	for (int i = 0; i < 100000; i++) {
		long long now = ns(CLOCK_MONOTONIC);
		backwards += now < prev;
		prev = now;
	}
	check("CLOCK_MONOTONIC never went back in 100000 reads", backwards == 0);
	long long a = ns(CLOCK_MONOTONIC);
	for (volatile int i = 0; i < 1000000; i++)
		;
	check("it advances over a busy loop", ns(CLOCK_MONOTONIC) > a);
	static const struct {
		clockid_t id;
		const char *name;
	} clocks[] = {
		{ CLOCK_REALTIME, "CLOCK_REALTIME" },
		{ CLOCK_MONOTONIC, "CLOCK_MONOTONIC" },
		{ CLOCK_MONOTONIC_RAW, "CLOCK_MONOTONIC_RAW" },
		{ CLOCK_REALTIME_COARSE, "CLOCK_REALTIME_COARSE" },
		{ CLOCK_MONOTONIC_COARSE, "CLOCK_MONOTONIC_COARSE" },
		{ CLOCK_BOOTTIME, "CLOCK_BOOTTIME" },
		{ CLOCK_PROCESS_CPUTIME_ID, "CLOCK_PROCESS_CPUTIME_ID" },
		{ CLOCK_THREAD_CPUTIME_ID, "CLOCK_THREAD_CPUTIME_ID" },
	};
	for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		char what[64];
		snprintf(what, sizeof(what), "%s readable", clocks[i].name);
		check(what, ns(clocks[i].id) >= 0);
	}
	struct timespec res;
	result("clock_getres CLOCK_MONOTONIC", clock_getres(CLOCK_MONOTONIC, &res));
	check("resolution at most 1 ms", res.tv_sec == 0 && res.tv_nsec <= 1000000);
	result("clock_gettime of a bad clock", clock_gettime((clockid_t)1000, &res));
}

static void sleeping(void)
{
	long long a = ns(CLOCK_MONOTONIC);
	struct timespec req = { 0, 10 * 1000000 }, rem = { 7, 7 };

	result("nanosleep 10 ms", nanosleep(&req, &rem));
	long long slept = ns(CLOCK_MONOTONIC) - a;
	check("elapsed >= 10 ms", slept >= 10000000);
	check("elapsed < 5 s", slept < 5000000000LL);
	a = ns(CLOCK_MONOTONIC);
	req.tv_nsec = 5 * 1000000;
	result("clock_nanosleep 5 ms", clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL));
	check("elapsed >= 5 ms", ns(CLOCK_MONOTONIC) - a >= 5000000);
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += 20000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	result("clock_nanosleep TIMER_ABSTIME +20 ms",
	       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL));
	check("woke at or after the deadline",
	      ns(CLOCK_MONOTONIC) >= until.tv_sec * 1000000000LL + until.tv_nsec);
	req = (struct timespec){ 0, 1000000000 };
	result("nanosleep with 1e9 ns", nanosleep(&req, NULL));
	req = (struct timespec){ -1, 0 };
	result("nanosleep with a negative time", nanosleep(&req, NULL));
}

static void wall_clock(void)
{
	long long real = ns(CLOCK_REALTIME);
	struct timeval tv;

	check("CLOCK_REALTIME after 2020", real / 1000000000 > 1577836800LL);
	check("CLOCK_REALTIME before 2100", real / 1000000000 < 4102444800LL);
	result("gettimeofday", gettimeofday(&tv, NULL));
	long long tv_ns = tv.tv_sec * 1000000000LL + tv.tv_usec * 1000LL;
	check("gettimeofday agrees within 1 s", llabs(tv_ns - real) < 1000000000LL);
	time_t t = time(NULL);
	check("time() agrees within 1 s", llabs((long long)t - real / 1000000000) <= 1);
}

int main(void)
{
	setup();
	monotonic();
	sleeping();
	wall_clock();
	return 0;
}
