/*
 * Self tests of signal queues and interruptible waits, on a stand-in process
 * that the test thread joins for the time of a test: the order signals are
 * taken in (faults first, standard signals once, real-time ones each in
 * order), drops at send time, and waits that a signal from another thread
 * (as from an interrupt) ends with -EINTR.
 */
#include <alto/cpu.h>
#include <alto/mm.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/selftest.h>
#include <alto/signal.h>
#include <alto/sync.h>
#include <alto/time.h>

/* A process of one thread, the current one; NULL when out of memory. */
static struct process *adopt(void)
{
	struct thread *t = current_thread();
	struct process *p = kzalloc(sizeof(*p));

	if (!p)
		return NULL;
	p->sighand = sighand_create();
	if (!p->sighand) {
		kfree(p);
		return NULL;
	}
	spin_init(&p->lock);
	list_init(&p->threads);
	signal_process_init(p);
	p->rlimits[RLIMIT_SIGPENDING].rlim_cur = 64;
	p->pid = t->tid;
	signal_thread_init(t, true);
	t->sigmask = 0;
	list_append(&p->threads, &t->proc_link);
	t->proc = p;
	return p;
}

static void release(struct process *p)
{
	struct thread *t = current_thread();

	signal_thread_exit(t); /* still listed: it flushes its own queue too */
	unsigned long flags = spin_lock(&p->lock);
	list_remove(&t->proc_link);
	spin_unlock(&p->lock, flags);
	ksigset_t all = ~0ull;
	struct ksiginfo info;
	while (signal_dequeue(~all, &info))
		;
	t->proc = NULL;
	t->sigmask = 0;
	sighand_put(p->sighand);
	kfree(p);
}

static int rt(struct process *p, int sig, uint64_t value)
{
	struct ksiginfo info = { .si_code = SI_QUEUE };

	info.kill.value = value;
	return signal_send_process(p, sig, &info);
}

static int order_checks(struct process *p)
{
	struct ksiginfo info;

	signal_set_mask(~0ull);
	ST_ASSERT_EQ(signal_send_process(p, SIGUSR1, NULL), 0);
	ST_ASSERT_EQ(signal_send_process(p, SIGUSR1, NULL), 0);
	ST_ASSERT_EQ(rt(p, SIGRTMIN + 1, 1), 0);
	ST_ASSERT_EQ(rt(p, SIGRTMIN + 1, 2), 0);
	ST_ASSERT_EQ(rt(p, SIGRTMIN, 3), 0);
	ST_ASSERT_EQ(signal_send_thread(current_thread(), SIGSEGV, NULL), 0);
	ST_ASSERT(!signal_pending()); /* all blocked */
	signal_set_mask(0);
	ST_ASSERT(signal_pending());
	ST_ASSERT_EQ(signal_dequeue(0, &info), SIGSEGV);
	ST_ASSERT_EQ(signal_dequeue(0, &info), SIGUSR1);
	ST_ASSERT_EQ(info.si_code, SI_KERNEL);
	ST_ASSERT_EQ(signal_dequeue(0, &info), SIGRTMIN);
	ST_ASSERT_EQ(info.kill.value, 3);
	ST_ASSERT_EQ(signal_dequeue(0, &info), SIGRTMIN + 1);
	ST_ASSERT_EQ(info.kill.value, 1);
	ST_ASSERT_EQ(signal_dequeue(0, &info), SIGRTMIN + 1);
	ST_ASSERT_EQ(info.kill.value, 2);
	ST_ASSERT_EQ(signal_dequeue(0, &info), 0);
	ST_ASSERT(!signal_pending());
	ST_ASSERT_EQ(p->sigqueued, 0);
	return 0;
}

static int ignore_checks(struct process *p)
{
	struct ksiginfo info;

	/* Default-ignored and SIG_IGN signals are dropped, unless blocked. */
	ST_ASSERT_EQ(signal_send_process(p, SIGCHLD, NULL), 0);
	p->sighand->action[SIGUSR2].handler = SIG_IGN;
	ST_ASSERT_EQ(signal_send_process(p, SIGUSR2, NULL), 0);
	ST_ASSERT_EQ(signal_dequeue(0, &info), 0);
	signal_set_mask(SIGMASK(SIGUSR2));
	ST_ASSERT_EQ(signal_send_process(p, SIGUSR2, NULL), 0);
	ST_ASSERT_EQ(signal_dequeue(0, &info), SIGUSR2);
	p->sighand->action[SIGUSR2].handler = SIG_DFL;
	signal_set_mask(0);
	ST_ASSERT_EQ(signal_send_process(p, 0, NULL), -EINVAL);
	ST_ASSERT_EQ(signal_send_process(p, NSIG, NULL), -EINVAL);
	ST_ASSERT_EQ(signal_send_tid(p, -5, SIGUSR1, NULL), -ESRCH);
	return 0;
}

SELFTEST(signal_queues)
{
	struct process *p = adopt();
	int r;

	ST_ASSERT(p);
	r = order_checks(p);
	if (!r)
		r = ignore_checks(p);
	release(p);
	return r;
}

struct sender {
	struct process *p;
	uint64_t delay_ns;
};

static void send_later(void *arg)
{
	struct sender *s = arg;

	thread_sleep_ns(s->delay_ns);
	signal_send_process(s->p, SIGUSR1, NULL);
}

/* Start a thread that sends SIGUSR1 to p after delay_ns. */
static struct thread *sender_start(struct sender *s, struct process *p, uint64_t delay_ns)
{
	*s = (struct sender){ p, delay_ns };
	return thread_create(send_later, s, "sig-sender");
}

static int wait_checks(struct process *p)
{
	struct waitq wq;
	struct sender s;
	struct ksiginfo info;
	struct thread *t;

	ST_ASSERT_EQ(signal_wait(time_now_ns() + NSEC_PER_MSEC), -ETIMEDOUT);
	waitq_init(&wq);
	t = sender_start(&s, p, 5 * NSEC_PER_MSEC);
	ST_ASSERT(!IS_ERR(t));
	unsigned long flags = spin_lock(&wq.lock);
	int r = 0;
	while (!r)
		r = waitq_wait_interruptible_locked(&wq, &flags, time_now_ns() + 5 * NSEC_PER_SEC);
	spin_unlock(&wq.lock, flags);
	thread_join(t);
	ST_ASSERT_EQ(r, -EINTR);
	/* A pending signal ends the next wait at once. */
	ST_ASSERT_EQ(signal_wait(0), -EINTR);
	ST_ASSERT_EQ(signal_dequeue(0, &info), SIGUSR1);

	t = sender_start(&s, p, 5 * NSEC_PER_MSEC);
	ST_ASSERT(!IS_ERR(t));
	r = 0;
	while (!r)
		r = signal_wait(time_now_ns() + 5 * NSEC_PER_SEC);
	thread_join(t);
	ST_ASSERT_EQ(r, -EINTR);
	ST_ASSERT_EQ(signal_dequeue(0, &info), SIGUSR1);
	return 0;
}

SELFTEST(signal_waits)
{
	struct process *p = adopt();
	int r;

	ST_ASSERT(p);
	r = wait_checks(p);
	release(p);
	return r;
}
