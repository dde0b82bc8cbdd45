/*
 * Clocks and sleeping. CLOCK_REALTIME comes from the RTC read at boot, the
 * monotonic clocks from the TSC; CPU-time clocks count run time (all by
 * kernel/clock.c). Root may set the wall clock; there is no NTP discipline.
 */
#include <alto/clock.h>
#include <alto/cpu.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/signal.h>
#include <alto/syscall.h>
#include <alto/time.h>
#include <uapi/errno.h>
#include <uapi/time.h>

static struct timespec to_timespec(uint64_t ns)
{
	return (struct timespec){ (int64_t)(ns / NSEC_PER_SEC), (long)(ns % NSEC_PER_SEC) };
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

	/* Asking for the resolution checks the clock exists (pthread_getcpuclockid's way). */
	if (clock_read(clock, &ns))
		return -EINVAL;
	bool coarse = clock == CLOCK_REALTIME_COARSE || clock == CLOCK_MONOTONIC_COARSE;
	struct timespec ts = { 0, coarse ? (long)COARSE_RES_NS : 1 };
	return res ? copy_to_user(res, &ts, sizeof(ts)) : 0;
}

/* What settimeofday set; gettimeofday gives it back (Linux's sys_tz). */
static struct timezone sys_tz;

SYSCALL_DEFINE(gettimeofday, struct timeval __user *tv, struct timezone __user *tz)
{
	struct timeval t = ns_to_timeval(time_realtime_ns());
	struct timezone z = sys_tz;

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

/* Set the wall clock (Alto's process is root) and move absolute realtime timers. */
static void set_realtime(uint64_t ns)
{
	time_set_realtime_ns(ns);
	clock_was_set();
}

SYSCALL_DEFINE(clock_settime, int clock, const struct timespec __user *tp)
{
	struct timespec ts;
	uint64_t ns;

	if (copy_from_user(&ts, tp, sizeof(ts)))
		return -EFAULT;
	/* Only the wall clock can be set; CPU clocks refuse with EPERM, as Linux's. */
	if (clock != CLOCK_REALTIME)
		return clock_is_cpu(clock) && !clock_read(clock, &ns) ? -EPERM : -EINVAL;
	if (timespec_to_ns(&ts, &ns))
		return -EINVAL;
	set_realtime(ns);
	return 0;
}

SYSCALL_DEFINE(settimeofday, const struct timeval __user *tv, const struct timezone __user *tz)
{
	struct timeval t;
	struct timezone z;

	if (tv && copy_from_user(&t, tv, sizeof(t)))
		return -EFAULT;
	if (tz && copy_from_user(&z, tz, sizeof(z)))
		return -EFAULT;
	if (tv && (t.tv_sec < 0 || t.tv_usec < 0 || t.tv_usec >= 1000000))
		return -EINVAL;
	if (tz && (z.tz_minuteswest < -15 * 60 || z.tz_minuteswest > 15 * 60))
		return -EINVAL;
	if (tz)
		sys_tz = z;
	if (tv)
		set_realtime((uint64_t)t.tv_sec * NSEC_PER_SEC + (uint64_t)t.tv_usec * 1000);
	return 0;
}

#define ADJ_ADJTIME  0x8000
#define STA_PLL	     0x0001
#define STA_UNSYNC   0x0040
#define STA_CLOCKERR 0x1000
#define TIME_ERROR   5

/*
 * adjtimex's state: what was set is kept and read back, nothing is applied
 * but ADJ_SETOFFSET. Starting synchronized (TIME_OK) keeps programs that
 * check it quiet.
 */
static struct timex ntp = {
	.maxerror = 500,
	.constant = 2,
	.precision = 1,
	.tolerance = 32768000,
	.tick = 10000,
};
static struct spinlock ntp_lock = SPINLOCK_INIT;

/* ADJ_SETOFFSET: step the wall clock by tx->time (us, or ns with ADJ_NANO). */
static long step_realtime(const struct timex *tx)
{
	long frac_max = tx->modes & ADJ_NANO ? (long)NSEC_PER_SEC : 1000000;
	int64_t frac_ns = tx->modes & ADJ_NANO ? tx->time.tv_usec : tx->time.tv_usec * 1000;

	if (tx->time.tv_usec < 0 || tx->time.tv_usec >= frac_max)
		return -EINVAL;
	set_realtime(time_realtime_ns() +
		     (uint64_t)(tx->time.tv_sec * (int64_t)NSEC_PER_SEC + frac_ns));
	return 0;
}

static void ntp_store(const struct timex *tx)
{
	if (tx->modes & ADJ_OFFSET)
		ntp.offset = tx->offset;
	if (tx->modes & ADJ_FREQUENCY)
		ntp.freq = tx->freq;
	if (tx->modes & ADJ_MAXERROR)
		ntp.maxerror = tx->maxerror;
	if (tx->modes & ADJ_ESTERROR)
		ntp.esterror = tx->esterror;
	if (tx->modes & ADJ_STATUS)
		ntp.status = (ntp.status & STA_NANO) | (tx->status & ~STA_NANO & 0xff);
	if (tx->modes & ADJ_TIMECONST)
		ntp.constant = tx->constant;
	if (tx->modes & ADJ_TICK)
		ntp.tick = tx->tick;
	if (tx->modes & ADJ_TAI)
		ntp.tai = (int)tx->constant;
	if (tx->modes & ADJ_NANO)
		ntp.status |= STA_NANO;
	if (tx->modes & ADJ_MICRO)
		ntp.status &= ~STA_NANO;
}

static long do_adjtimex(struct timex *tx)
{
	long r = 0;

	if (!(tx->modes & ADJ_ADJTIME) && (tx->modes & ADJ_TICK) &&
	    (tx->tick < 9000 || tx->tick > 11000))
		return -EINVAL;
	if (tx->modes & ADJ_ADJTIME) {
		tx->offset = 0; /* adjtime(): no slew in progress, nothing to slew */
		return TIME_OK;
	}
	if ((tx->modes & ADJ_SETOFFSET) && (r = step_realtime(tx)))
		return r;
	ntp_store(tx);
	uint64_t now = time_realtime_ns();
	unsigned int modes = tx->modes;
	*tx = ntp;
	tx->modes = modes;
	tx->time.tv_sec = (int64_t)(now / NSEC_PER_SEC);
	tx->time.tv_usec = (long)(now % NSEC_PER_SEC / (ntp.status & STA_NANO ? 1 : 1000));
	return ntp.status & (STA_UNSYNC | STA_CLOCKERR) ? TIME_ERROR : TIME_OK;
}

SYSCALL_DEFINE(adjtimex, struct timex __user *utx)
{
	struct timex tx;

	if (copy_from_user(&tx, utx, sizeof(tx)))
		return -EFAULT;
	unsigned long flags = spin_lock(&ntp_lock);
	long r = do_adjtimex(&tx);
	spin_unlock(&ntp_lock, flags);
	if (r < 0)
		return r;
	return copy_to_user(utx, &tx, sizeof(tx)) ?: r;
}

SYSCALL_DEFINE(clock_adjtime, int clock, struct timex __user *utx)
{
	uint64_t now;

	if (clock == CLOCK_REALTIME)
		return sys_adjtimex(utx);
	return clock_read(clock, &now) ? -EINVAL : -EOPNOTSUPP;
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

/* Sleep until the monotonic deadline: 0, or -EINTR when a signal comes first. */
static long sleep_until(uint64_t deadline)
{
	while (time_now_ns() < deadline) {
		if (signal_wait(deadline) == -EINTR)
			return -EINTR;
	}
	return 0;
}

/* The deadline ns from now; centuries count as forever. */
static uint64_t deadline_in(uint64_t ns)
{
	return ns > UINT64_MAX / 4 ? UINT64_MAX / 2 : time_now_ns() + ns;
}

static long sleep_restart(struct restart_block *rb);

/*
 * A relative sleep that a signal interrupts writes what was left to rem; if
 * no handler runs, restart_syscall continues it to the same deadline.
 */
static long sleep_relative(uint64_t deadline, struct timespec __user *rem)
{
	uint64_t now;

	if (!sleep_until(deadline))
		return 0;
	now = time_now_ns();
	struct timespec left = to_timespec(deadline > now ? deadline - now : 0);
	if (rem && copy_to_user(rem, &left, sizeof(left)))
		return -EFAULT;
	return signal_set_restart(sleep_restart, deadline, (uint64_t)rem, 0, 0);
}

static long sleep_restart(struct restart_block *rb)
{
	return sleep_relative(rb->arg[0], (struct timespec __user *)rb->arg[1]);
}

SYSCALL_DEFINE(nanosleep, const struct timespec __user *req, struct timespec __user *rem)
{
	uint64_t ns;
	long r = read_timespec(req, &ns);

	if (r)
		return r;
	return sleep_relative(deadline_in(ns), rem);
}

/* Until a CPU clock reaches target: 0, or -ERESTARTNOHAND when a signal comes first. */
static long sleep_cpu(int clock, uint64_t target)
{
	uint64_t now;

	while (!clock_read(clock, &now) && now < target) {
		if (sleep_until(time_now_ns() + clock_cpu_wait_ns(clock, target - now)))
			return -ERESTARTNOHAND;
	}
	return 0;
}

/* An absolute sleep restarts from the same arguments: the end stays the same. */
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
	if (clock_is_cpu(clock))
		return sleep_cpu(clock, flags & TIMER_ABSTIME ? ns : now + ns);
	if (!(flags & TIMER_ABSTIME))
		return sleep_relative(deadline_in(ns), rem);
	ns = ns > now ? ns - now : 0;
	return sleep_until(deadline_in(ns)) ? -ERESTARTNOHAND : 0;
}
