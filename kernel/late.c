/*
 * Late work (alto/late.h): the LATE_INIT() entries run once, in order, on
 * the "late" kernel thread, which waits to be kicked by the first idle CPU,
 * by a timer LATE_DELAY_NS after the program's start, or by power-off.
 * Whichever comes first runs them; the others find them done. A mutex makes
 * the run exactly once: power-off waits for a run in progress rather than
 * shutting devices down under a probe. The thread ends after its run.
 */
#include <alto/late.h>
#include <alto/printk.h>
#include <alto/sched.h>
#include <alto/sync.h>
#include <alto/time.h>
#include <alto/timer.h>
#include <uapi/errno.h>

extern const struct late_init *const __late_init_start[], *const __late_init_end[];

static struct mutex late_lock = MUTEX_INIT(late_lock);
static bool late_begun, late_done;
static bool late_armed; /* started, not yet kicked: the idle loop's one load */
static struct waitq late_wq;
static struct timer late_timer;

static void run_once(void)
{
	mutex_lock(&late_lock);
	WRITE_ONCE(late_begun, true);
	if (!late_done) {
		for (const struct late_init *const *p = __late_init_start; p < __late_init_end; p++)
			(*p)->fn();
		late_done = true;
	}
	mutex_unlock(&late_lock);
}

static void kick(void)
{
	if (__atomic_exchange_n(&late_armed, false, __ATOMIC_ACQ_REL))
		waitq_wake_all(&late_wq);
}

static void late_timeout(struct timer *t)
{
	kick();
}

static void late_main(void *arg)
{
	unsigned long flags = spin_lock(&late_wq.lock);

	while (READ_ONCE(late_armed))
		waitq_wait_locked(&late_wq, &flags, 0);
	spin_unlock(&late_wq.lock, flags);
	timer_cancel(&late_timer);
	run_once();
}

void late_init_start(void)
{
	waitq_init(&late_wq);
	timer_init(&late_timer, late_timeout, NULL);
	WRITE_ONCE(late_armed, true);
	struct thread *t = thread_create(late_main, NULL, "late");
	if (IS_ERR(t)) {
		printk("alto: cannot start the late thread (%ld); its work runs now\n", PTR_ERR(t));
		WRITE_ONCE(late_armed, false);
		run_once();
		return;
	}
	thread_detach(t);
	timer_arm(&late_timer, time_now_ns() + LATE_DELAY_NS);
}

bool late_init_begun(void)
{
	return READ_ONCE(late_begun);
}

void late_init_finish(void)
{
	kick();
	run_once();
}

void late_init_idle(void)
{
	if (READ_ONCE(late_armed))
		kick();
}
