/*
 * Clocks and sleeping. CLOCK_REALTIME comes from the RTC read at boot, the
 * monotonic clocks from the TSC; CPU-time clocks count the thread's run time.
 */
#include <alto/cpu.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/syscall.h>
#include <alto/time.h>
#include <uapi/errno.h>
#include <uapi/time.h>

#define COARSE_RES_NS (4 * NSEC_PER_MSEC)

static struct timespec to_timespec(uint64_t ns)
{
	return (struct timespec){ (int64_t)(ns / NSEC_PER_SEC), (long)(ns % NSEC_PER_SEC) };
}

static uint64_t thread_cpu_ns(void)
{
	struct thread *t = current_thread();
	return t->runtime_ns + (time_now_ns() - t->slice_start);
}

/* The clock's reading in ns, or -EINVAL for a clock Alto does not have. */
static long clock_read(int clock, uint64_t *ns)
{
	switch (clock) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_TAI:
		*ns = time_realtime_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		*ns = time_now_ns();
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = thread_cpu_ns();
		return 0;
	default:
		return -EINVAL;
	}
}

SYSCALL_DEFINE(clock_gettime, int clock, struct timespec __user *tp)
{
	uint64_t ns;
	long r = clock_read(clock, &ns);

	if (r)
		return r;
	struct timespec ts = to_timespec(ns);
	return copy_to_user(tp, &ts, sizeof(ts));
}

SYSCALL_DEFINE(clock_getres, int clock, struct timespec __user *res)
{
	uint64_t ns;

	if (clock_read(clock, &ns))
		return -EINVAL;
	bool coarse = clock == CLOCK_REALTIME_COARSE || clock == CLOCK_MONOTONIC_COARSE;
	struct timespec ts = { 0, coarse ? (long)COARSE_RES_NS : 1 };
	return res ? copy_to_user(res, &ts, sizeof(ts)) : 0;
}

SYSCALL_DEFINE(gettimeofday, struct timeval __user *tv, struct timezone __user *tz)
{
	uint64_t ns = time_realtime_ns();
	struct timeval t = { (int64_t)(ns / NSEC_PER_SEC), (long)(ns % NSEC_PER_SEC / 1000) };
	struct timezone z = { 0, 0 };

	if (tv && copy_to_user(tv, &t, sizeof(t)))
		return -EFAULT;
	if (tz && copy_to_user(tz, &z, sizeof(z)))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE(time, int64_t __user *t)
{
	int64_t now = (int64_t)(time_realtime_ns() / NSEC_PER_SEC);

	if (t && put_user(now, t))
		return -EFAULT;
	return now;
}

static long read_timespec(const struct timespec __user *u, uint64_t *ns)
{
	struct timespec ts;

	if (copy_from_user(&ts, u, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (long)NSEC_PER_SEC)
		return -EINVAL;
	*ns = (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
	return 0;
}

/* Sleep until the monotonic deadline. (Signals do not interrupt sleeps yet.) */
static void sleep_until(uint64_t deadline)
{
	uint64_t now = time_now_ns();

	if (deadline > now)
		thread_sleep_ns(deadline - now);
}

SYSCALL_DEFINE(nanosleep, const struct timespec __user *req, struct timespec __user *rem)
{
	uint64_t ns;
	long r = read_timespec(req, &ns);

	if (r)
		return r;
	sleep_until(time_now_ns() + ns);
	return 0;
}

SYSCALL_DEFINE(clock_nanosleep, int clock, int flags, const struct timespec __user *req,
	       struct timespec __user *rem)
{
	uint64_t ns, now;
	long r = clock_read(clock, &now);

	if (r || clock == CLOCK_THREAD_CPUTIME_ID)
		return r ? r : -EINVAL;
	r = read_timespec(req, &ns);
	if (r)
		return r;
	if (flags & TIMER_ABSTIME)
		ns = ns > now ? ns - now : 0;
	sleep_until(time_now_ns() + ns);
	return 0;
}
