/*
 * The futex system call, raw: errors (value mismatch, bad addresses, bad
 * timeouts, unknown operations), timeouts (relative, absolute on both
 * clocks), FUTEX_WAKE's count, REQUEUE and CMP_REQUEUE, WAKE_OP (the
 * operation's result in memory, the comparison deciding the second wake),
 * WAIT_BITSET/WAKE_BITSET choosing waiters by mask, the PI operations
 * (LOCK_PI with its CLOCK_REALTIME deadline, LOCK_PI2 on either clock, the
 * handover to a waiter of each, and the lock of an owner that exits holding
 * it going to its waiter), in
 * private and shared flavours; then a ping-pong between two threads.
 * Whether the waiters are asleep in the kernel is learned without waking
 * them: a CMP_REQUEUE of all of them to a spare word (its return value is
 * their number) and back. "futex [N]": N ping-pong round trips (default
 * 100000). "futex waitv": futex_waitv (Linux 5.16) alone. "futex unknown":
 * an operation Linux does not have, three times.
 */
#include "threads.h"
#include <limits.h>
#include <stdint.h>

#define FUTEX_WAIT	     0
#define FUTEX_WAKE	     1
#define FUTEX_REQUEUE	     3
#define FUTEX_CMP_REQUEUE    4
#define FUTEX_WAKE_OP	     5
#define FUTEX_LOCK_PI	     6
#define FUTEX_UNLOCK_PI	     7
#define FUTEX_TRYLOCK_PI     8
#define FUTEX_LOCK_PI2	     13
#define FUTEX_WAIT_BITSET    9
#define FUTEX_WAKE_BITSET    10
#define FUTEX_PRIVATE_FLAG   128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAITERS	     0x80000000u
#define FUTEX_TID_MASK	     0x3fffffffu
#define FUTEX_OP_SET	     0
#define FUTEX_OP_ADD	     1
#define FUTEX_OP_OR	     2
#define FUTEX_OP_ANDN	     3
#define FUTEX_OP_XOR	     4
#define FUTEX_OP_OPARG_SHIFT 8
#define FUTEX_OP_CMP_EQ	     0
#define FUTEX_OP_CMP_NE	     1
#define FUTEX_OP_CMP_LT	     2
#define FUTEX_OP_CMP_LE	     3
#define FUTEX_OP_CMP_GT	     4
#define FUTEX_OP_CMP_GE	     5
#define FUTEX_OP(op, oparg, cmp, cmparg) \
	((((op)&0xf) << 28) | (((cmp)&0xf) << 24) | (((oparg)&0xfff) << 12) | ((cmparg)&0xfff))
#define SYS_FUTEX_WAITV 449

static long futex(uint32_t *uaddr, int op, uint32_t val, const void *timeout_or_val2,
		  uint32_t *uaddr2, uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, timeout_or_val2, uaddr2, val3);
}

/* For the operations whose fourth argument is a number, not a timeout. */
#define VAL2(n) ((const void *)(long)(n))

static int priv; /* FUTEX_PRIVATE_FLAG or 0: the flavour being tested */

/* How many threads sleep on WORD, found without waking them (see above). */
static long sleepers(uint32_t *word)
{
	static uint32_t spare;
	long n = futex(word, FUTEX_CMP_REQUEUE | priv, 0, VAL2(INT_MAX), &spare,
		       __atomic_load_n(word, __ATOMIC_SEQ_CST));

	if (n > 0)
		futex(&spare, FUTEX_CMP_REQUEUE | priv, 0, VAL2(INT_MAX), word, spare);
	return n;
}

/* Waits until N threads sleep on WORD; says so if that never happens. */
static void await_sleepers(uint32_t *word, long n)
{
	long long start = mono_ns();
	long got;

	while ((got = sleepers(word)) != n) {
		if (mono_ns() - start > 20000000000LL) {
			printf("setup: %ld of %ld waiters asleep after 20 s\n", got, n);
			return;
		}
		sleep_ms(1);
	}
}

struct waiter {
	uint32_t *word;
	int op;
	uint32_t val, bitset;
	long ret;
	int err, done;
	pthread_t thread;
};

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;

	w->ret = futex(w->word, w->op, w->val, NULL, NULL, w->bitset);
	w->err = errno;
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Starts a thread waiting on WORD for value VAL with operation OP (plus the flavour). */
static void start_waiter(struct waiter *w, uint32_t *word, int op, uint32_t bitset)
{
	memset(w, 0, sizeof(*w));
	w->word = word;
	w->op = op | priv;
	w->val = __atomic_load_n(word, __ATOMIC_SEQ_CST);
	w->bitset = bitset;
	w->thread = spawn(waiter_main, w);
}

static int done_count(struct waiter *w, int n)
{
	int c = 0;

	for (int i = 0; i < n; i++)
		c += __atomic_load_n(&w[i].done, __ATOMIC_ACQUIRE);
	return c;
}

/* Waits (up to 20 s) until N of the waiters have returned. */
static void await_done(struct waiter *w, int count, int n)
{
	long long start = mono_ns();

	while (done_count(w, count) < n && mono_ns() - start < 20000000000LL)
		sleep_ms(1);
}

static void join_waiters(struct waiter *w, int n, const char *what)
{
	int ok = 1;

	for (int i = 0; i < n; i++) {
		join(w[i].thread);
		ok &= w[i].ret == 0;
	}
	printf("  %s: every waiter's FUTEX_WAIT returned 0: %s\n", what, ok ? "yes" : "no");
}

static void fresult(const char *what, long r)
{
	printf("  ");
	xresult(what, r);
}

static void errors_and_timeouts(void)
{
	uint32_t word = 1;
	struct timespec ts;
	long long start, deadline;

	phase("errors");
	fresult("FUTEX_WAIT for 0 when the word is 1",
		futex(&word, FUTEX_WAIT | priv, 0, NULL, NULL, 0));
	fresult("FUTEX_WAKE with nobody waiting",
		futex(&word, FUTEX_WAKE | priv, 1, NULL, NULL, 0));
	fresult("FUTEX_WAIT on an unaligned address",
		futex((uint32_t *)((char *)&word + 1), FUTEX_WAIT | priv, 1, NULL, NULL, 0));
	fresult("FUTEX_WAIT on address 0", futex(NULL, FUTEX_WAIT | priv, 0, NULL, NULL, 0));
	fresult("FUTEX_WAIT_BITSET with an empty bitset",
		futex(&word, FUTEX_WAIT_BITSET | priv, 1, NULL, NULL, 0));
	fresult("FUTEX_WAKE_BITSET with an empty bitset",
		futex(&word, FUTEX_WAKE_BITSET | priv, 1, NULL, NULL, 0));
	fresult("an unknown operation (99)", futex(&word, 99 | priv, 0, NULL, NULL, 0));
	ts = (struct timespec){ 0, 1000000000 };
	fresult("a timeout with tv_nsec 1000000000",
		futex(&word, FUTEX_WAIT | priv, 1, &ts, NULL, 0));
	ts = (struct timespec){ -1, 0 };
	fresult("a timeout of -1 s", futex(&word, FUTEX_WAIT | priv, 1, &ts, NULL, 0));

	phase("timeouts");
	ts = (struct timespec){ 0, 20000000 };
	start = mono_ns();
	fresult("FUTEX_WAIT for 20 ms", futex(&word, FUTEX_WAIT | priv, 1, &ts, NULL, 0));
	printf("    not early: %s\n", mono_ns() - start >= 20000000 ? "yes" : "no");

	deadline = mono_ns() + 20000000;
	ts = ns_to_ts(deadline);
	fresult("FUTEX_WAIT_BITSET until CLOCK_MONOTONIC + 20 ms",
		futex(&word, FUTEX_WAIT_BITSET | priv, 1, &ts, NULL, ~0u));
	printf("    not early: %s\n", mono_ns() >= deadline ? "yes" : "no");

	deadline = now_ns(CLOCK_REALTIME) + 20000000;
	ts = ns_to_ts(deadline);
	fresult("FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME until CLOCK_REALTIME + 20 ms",
		futex(&word, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME | priv, 1, &ts, NULL, ~0u));
	printf("    not early: %s\n", now_ns(CLOCK_REALTIME) >= deadline ? "yes" : "no");

	/*
	 * Half the time since boot is in the past on any machine; "a second ago"
	 * would be negative (EINVAL) in a VM that booted less than a second ago.
	 */
	ts = ns_to_ts(mono_ns() / 2);
	fresult("FUTEX_WAIT_BITSET with a deadline in the past",
		futex(&word, FUTEX_WAIT_BITSET | priv, 1, &ts, NULL, ~0u));
}

static void wake_op_memory(void)
{
	static const struct {
		const char *what;
		int op, oparg, cmp, cmparg;
		uint32_t before;
	} ops[] = {
		{ "SET 7", FUTEX_OP_SET, 7, FUTEX_OP_CMP_EQ, 0, 100 },
		{ "ADD 5", FUTEX_OP_ADD, 5, FUTEX_OP_CMP_EQ, 0, 100 },
		{ "OR 0x0f", FUTEX_OP_OR, 0x0f, FUTEX_OP_CMP_EQ, 0, 0x30 },
		{ "ANDN 0x0f", FUTEX_OP_ANDN, 0x0f, FUTEX_OP_CMP_EQ, 0, 0xff },
		{ "XOR 0xff", FUTEX_OP_XOR, 0xff, FUTEX_OP_CMP_EQ, 0, 0x0f },
		{ "ADD 1<<4 (OPARG_SHIFT)", FUTEX_OP_ADD | FUTEX_OP_OPARG_SHIFT, 4, FUTEX_OP_CMP_EQ,
		  0, 100 },
		{ "SET -1 (sign-extended oparg)", FUTEX_OP_SET, 0xfff, FUTEX_OP_CMP_EQ, 0, 0 },
	};
	uint32_t a = 0, b;

	phase("FUTEX_WAKE_OP on memory");
	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		b = ops[i].before;
		long r = futex(&a, FUTEX_WAKE_OP | priv, 1, VAL2(1), &b,
			       FUTEX_OP(ops[i].op, ops[i].oparg, ops[i].cmp, ops[i].cmparg));
		printf("  FUTEX_WAKE_OP %s on 0x%x: returned %ld, the word is now 0x%x\n",
		       ops[i].what, ops[i].before, r, b);
	}
	b = 0;
	fresult("FUTEX_WAKE_OP with an unknown operation (7)",
		futex(&a, FUTEX_WAKE_OP | priv, 1, VAL2(1), &b, FUTEX_OP(7, 1, 0, 0)));
	fresult("FUTEX_WAKE_OP with the second word at address 0",
		futex(&a, FUTEX_WAKE_OP | priv, 1, VAL2(1), NULL, FUTEX_OP(0, 1, 0, 0)));
}

static void wake_counts(void)
{
	static uint32_t a;
	struct waiter w[3];

	phase("FUTEX_WAKE counts");
	for (int i = 0; i < 3; i++)
		start_waiter(&w[i], &a, FUTEX_WAIT, 0);
	await_sleepers(&a, 3);
	printf("  three waiters asleep\n");
	fresult("FUTEX_WAKE of 2", futex(&a, FUTEX_WAKE | priv, 2, NULL, NULL, 0));
	await_done(w, 3, 2);
	printf("  waiters returned: %d, still asleep: %ld\n", done_count(w, 3), sleepers(&a));
	fresult("FUTEX_WAKE of INT_MAX", futex(&a, FUTEX_WAKE | priv, INT_MAX, NULL, NULL, 0));
	join_waiters(w, 3, "FUTEX_WAKE");
}

static void requeue(void)
{
	static uint32_t a, b;
	struct waiter w[4];

	phase("FUTEX_REQUEUE");
	for (int i = 0; i < 4; i++)
		start_waiter(&w[i], &a, FUTEX_WAIT, 0);
	await_sleepers(&a, 4);
	fresult("FUTEX_REQUEUE of 4 waiters: wake 1, move 2",
		futex(&a, FUTEX_REQUEUE | priv, 1, VAL2(2), &b, 0));
	await_done(w, 4, 1);
	printf("  waiters returned: %d, asleep on the first word: %ld, on the second: %ld\n",
	       done_count(w, 4), sleepers(&a), sleepers(&b));
	fresult("FUTEX_WAKE on the second word",
		futex(&b, FUTEX_WAKE | priv, INT_MAX, NULL, NULL, 0));
	fresult("FUTEX_WAKE on the first word",
		futex(&a, FUTEX_WAKE | priv, INT_MAX, NULL, NULL, 0));
	join_waiters(w, 4, "FUTEX_REQUEUE");

	phase("FUTEX_CMP_REQUEUE");
	start_waiter(&w[0], &a, FUTEX_WAIT, 0);
	await_sleepers(&a, 1);
	fresult("FUTEX_CMP_REQUEUE expecting 5 (the word is 0)",
		futex(&a, FUTEX_CMP_REQUEUE | priv, 0, VAL2(1), &b, 5));
	printf("  still asleep on the first word: %ld\n", sleepers(&a));
	fresult("FUTEX_CMP_REQUEUE expecting 0: wake 0, move 1",
		futex(&a, FUTEX_CMP_REQUEUE | priv, 0, VAL2(1), &b, 0));
	printf("  asleep on the first word: %ld, on the second: %ld\n", sleepers(&a), sleepers(&b));
	fresult("FUTEX_CMP_REQUEUE with a negative count",
		futex(&a, FUTEX_CMP_REQUEUE | priv, 0, VAL2(-1), &b, 0));
	fresult("FUTEX_WAKE on the second word",
		futex(&b, FUTEX_WAKE | priv, INT_MAX, NULL, NULL, 0));
	join_waiters(w, 1, "FUTEX_CMP_REQUEUE");
}

static void wake_op(void)
{
	static uint32_t a, b;
	struct waiter w[4];

	phase("FUTEX_WAKE_OP");
	b = 4;
	for (int i = 0; i < 2; i++)
		start_waiter(&w[i], &a, FUTEX_WAIT, 0);
	for (int i = 2; i < 4; i++)
		start_waiter(&w[i], &b, FUTEX_WAIT, 0);
	await_sleepers(&a, 2);
	await_sleepers(&b, 2);
	fresult("FUTEX_WAKE_OP 1 and 1, second word ADD 5 then compare old > 3 (true)",
		futex(&a, FUTEX_WAKE_OP | priv, 1, VAL2(1), &b,
		      FUTEX_OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_GT, 3)));
	await_done(w, 4, 2);
	printf("  second word now %u, asleep on the first: %ld, on the second: %ld\n", b,
	       sleepers(&a), sleepers(&b));
	fresult("FUTEX_WAKE_OP 1 and 1, second word SET 0 then compare old == 100 (false)",
		futex(&a, FUTEX_WAKE_OP | priv, 1, VAL2(1), &b,
		      FUTEX_OP(FUTEX_OP_SET, 0, FUTEX_OP_CMP_EQ, 100)));
	await_done(w, 4, 3);
	printf("  second word now %u, asleep on the first: %ld, on the second: %ld\n", b,
	       sleepers(&a), sleepers(&b));
	fresult("FUTEX_WAKE on the second word",
		futex(&b, FUTEX_WAKE | priv, INT_MAX, NULL, NULL, 0));
	join_waiters(w, 4, "FUTEX_WAKE_OP");
}

static void bitsets(void)
{
	static uint32_t a;
	struct waiter w[4];
	int woke;

	phase("FUTEX_WAIT_BITSET and FUTEX_WAKE_BITSET");
	for (int i = 0; i < 4; i++)
		start_waiter(&w[i], &a, FUTEX_WAIT_BITSET, 1u << i);
	await_sleepers(&a, 4);
	fresult("FUTEX_WAKE_BITSET 0x6 among waiters with bitsets 0x1 0x2 0x4 0x8",
		futex(&a, FUTEX_WAKE_BITSET | priv, INT_MAX, NULL, NULL, 0x6));
	await_done(w, 4, 2);
	woke = 0;
	for (int i = 0; i < 4; i++)
		woke |= w[i].done << i;
	printf("  the bitsets of those woken: 0x%x\n", woke);
	fresult("FUTEX_WAKE_BITSET 0x10 (nobody's)",
		futex(&a, FUTEX_WAKE_BITSET | priv, INT_MAX, NULL, NULL, 0x10));
	fresult("FUTEX_WAKE_BITSET 0x1 of at most 5",
		futex(&a, FUTEX_WAKE_BITSET | priv, 5, NULL, NULL, 0x1));
	await_done(w, 4, 3);
	fresult("plain FUTEX_WAKE (any bitset)",
		futex(&a, FUTEX_WAKE | priv, INT_MAX, NULL, NULL, 0));
	join_waiters(w, 4, "bitsets");
}

static uint32_t pi_word;
static int pi_result, pi_owner_ok;

/* Takes the PI lock with the operation given (FUTEX_LOCK_PI or FUTEX_LOCK_PI2), then gives it back.
 */
static void *pi_locker(void *arg)
{
	pi_result = (int)futex(&pi_word, (int)(long)arg | priv, 0, NULL, NULL, 0);
	pi_owner_ok =
		(__atomic_load_n(&pi_word, __ATOMIC_SEQ_CST) & FUTEX_TID_MASK) == (uint32_t)tid();
	futex(&pi_word, FUTEX_UNLOCK_PI | priv, 0, NULL, NULL, 0);
	return NULL;
}

/*
 * The other thread's FUTEX_UNLOCK_PI, TRYLOCK_PI or timed LOCK_PI or LOCK_PI2:
 * its result or -errno. LOCK_PI's deadline is on CLOCK_REALTIME, LOCK_PI2's on
 * CLOCK_MONOTONIC unless FUTEX_CLOCK_REALTIME is given.
 */
static void *pi_other(void *arg)
{
	long op = (long)arg, cmd = op & ~(long)FUTEX_CLOCK_REALTIME;
	int timed = cmd == FUTEX_LOCK_PI || cmd == FUTEX_LOCK_PI2;
	clockid_t clock = cmd == FUTEX_LOCK_PI2 && !(op & FUTEX_CLOCK_REALTIME) ? CLOCK_MONOTONIC :
										  CLOCK_REALTIME;
	struct timespec ts = ns_to_ts(now_ns(clock) + 20000000);
	long r = futex(&pi_word, (int)op | priv, 0, timed ? &ts : NULL, NULL, 0);

	if (timed && now_ns(clock) < ts.tv_sec * 1000000000LL + ts.tv_nsec)
		return (void *)-1000L; /* early */
	return (void *)(r < 0 ? -(long)errno : r);
}

static void pi_other_result(const char *what, long op)
{
	long r = (long)join(spawn(pi_other, (void *)op));

	if (r == -1000)
		printf("  %s: returned before the deadline\n", what);
	else if (r < 0)
		printf("  %s: -1 %s\n", what, ename((int)-r));
	else
		printf("  %s: %ld\n", what, r);
}

static int pi_held;

/*
 * Takes the PI lock, waits until the waiter (thread arg) has set FUTEX_WAITERS
 * and is asleep in the kernel, and exits holding the lock. Linux sets the bit
 * before it looks the owner up: an owner gone by then gives the waiter ESRCH,
 * so seeing the bit alone is not enough.
 */
static void *pi_hold_and_exit(void *arg)
{
	pid_t waiter = (pid_t)(long)arg;
	long long start = mono_ns();

	futex(&pi_word, FUTEX_LOCK_PI | priv, 0, NULL, NULL, 0);
	__atomic_store_n(&pi_held, 1, __ATOMIC_RELEASE);
	while (!((__atomic_load_n(&pi_word, __ATOMIC_SEQ_CST) & FUTEX_WAITERS) &&
		 task_state(waiter) == 'S') &&
	       mono_ns() - start < 20000000000LL)
		sleep_ms(1);
	return NULL;
}

/* A PI lock whose owner exits holding it goes to its waiter. */
static void pi_owner_exits(void)
{
	pi_word = 0;
	pi_held = 0;
	pthread_t t = spawn(pi_hold_and_exit, (void *)(long)tid());
	while (!__atomic_load_n(&pi_held, __ATOMIC_ACQUIRE))
		sleep_ms(1);
	fresult("FUTEX_LOCK_PI while the owner exits holding the lock",
		futex(&pi_word, FUTEX_LOCK_PI | priv, 0, NULL, NULL, 0));
	printf("  the word names us: %s\n",
	       (pi_word & FUTEX_TID_MASK) == (uint32_t)tid() ? "yes" : "no");
	join(t);
	fresult("FUTEX_UNLOCK_PI", futex(&pi_word, FUTEX_UNLOCK_PI | priv, 0, NULL, NULL, 0));
	printf("  the word is free again: %s\n", pi_word == 0 ? "yes" : "no");
}

static void pi_handover(long op, const char *name);

static void pi(void)
{
	phase("PI futexes");
	pi_word = 0;
	fresult("FUTEX_TRYLOCK_PI of a free word",
		futex(&pi_word, FUTEX_TRYLOCK_PI | priv, 0, NULL, NULL, 0));
	printf("  the word holds our thread id: %s\n", pi_word == (uint32_t)tid() ? "yes" : "no");
	fresult("FUTEX_LOCK_PI of our own lock",
		futex(&pi_word, FUTEX_LOCK_PI | priv, 0, NULL, NULL, 0));
	pi_other_result("FUTEX_UNLOCK_PI by another thread", FUTEX_UNLOCK_PI);
	pi_other_result("FUTEX_TRYLOCK_PI by another thread", FUTEX_TRYLOCK_PI);
	/* The FUTEX_LOCK_PI timeout is absolute, on CLOCK_REALTIME. */
	pi_other_result("FUTEX_LOCK_PI by another thread, deadline CLOCK_REALTIME + 20 ms",
			FUTEX_LOCK_PI);
	pi_other_result("FUTEX_LOCK_PI2 by another thread, deadline CLOCK_MONOTONIC + 20 ms",
			FUTEX_LOCK_PI2);
	pi_other_result("FUTEX_LOCK_PI2 | FUTEX_CLOCK_REALTIME, deadline CLOCK_REALTIME + 20 ms",
			FUTEX_LOCK_PI2 | FUTEX_CLOCK_REALTIME);
	pi_handover(FUTEX_LOCK_PI, "FUTEX_LOCK_PI");
	pi_handover(FUTEX_LOCK_PI2, "FUTEX_LOCK_PI2");
	fresult("FUTEX_UNLOCK_PI of a free word",
		futex(&pi_word, FUTEX_UNLOCK_PI | priv, 0, NULL, NULL, 0));
	fresult("FUTEX_LOCK_PI2 of a free word",
		futex(&pi_word, FUTEX_LOCK_PI2 | priv, 0, NULL, NULL, 0));
	printf("  the word holds our thread id: %s\n", pi_word == (uint32_t)tid() ? "yes" : "no");
	fresult("FUTEX_UNLOCK_PI", futex(&pi_word, FUTEX_UNLOCK_PI | priv, 0, NULL, NULL, 0));
	pi_owner_exits();
}

/*
 * With our lock held, another thread's LOCK_PI (or LOCK_PI2) sets
 * FUTEX_WAITERS and waits; UNLOCK_PI hands the lock to it.
 */
static void pi_handover(long op, const char *name)
{
	pi_word = 0;
	futex(&pi_word, FUTEX_LOCK_PI | priv, 0, NULL, NULL, 0);
	pi_result = -1;
	pthread_t t = spawn(pi_locker, (void *)op);
	long long start = mono_ns();
	while (!(__atomic_load_n(&pi_word, __ATOMIC_SEQ_CST) & FUTEX_WAITERS) &&
	       mono_ns() - start < 20000000000LL)
		sleep_ms(1);
	printf("  another thread in %s set FUTEX_WAITERS in the word: %s\n", name,
	       pi_word & FUTEX_WAITERS ? "yes" : "no");
	fresult("FUTEX_UNLOCK_PI hands the lock over",
		futex(&pi_word, FUTEX_UNLOCK_PI | priv, 0, NULL, NULL, 0));
	join(t);
	printf("  its %s returned %d and it owned the word: %s\n", name, pi_result,
	       pi_owner_ok ? "yes" : "no");
	printf("  the word is free again: %s\n", pi_word == 0 ? "yes" : "no");
}

static uint32_t ball;
static long round_trips = 100000;

static void *pong(void *arg)
{
	for (long i = 0; i < round_trips; i++) {
		while (__atomic_load_n(&ball, __ATOMIC_ACQUIRE) != 1)
			futex(&ball, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0);
		__atomic_store_n(&ball, 0, __ATOMIC_RELEASE);
		futex(&ball, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
	}
	return NULL;
}

static void ping_pong(void)
{
	long trips = 0;

	phase("ping-pong");
	pthread_t t = spawn(pong, NULL);
	for (long i = 0; i < round_trips; i++) {
		__atomic_store_n(&ball, 1, __ATOMIC_RELEASE);
		futex(&ball, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
		while (__atomic_load_n(&ball, __ATOMIC_ACQUIRE) != 0)
			futex(&ball, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
		trips++;
	}
	join(t);
	printf("ping-pong round trips: %ld\n", trips);
}

struct futex_waitv {
	uint64_t val;
	uint64_t uaddr;
	uint32_t flags;
	uint32_t reserved;
};

#define FUTEX2_SIZE_U32 2

static long futex_waitv(struct futex_waitv *w, unsigned n, unsigned flags,
			const struct timespec *timeout, clockid_t clock)
{
	return syscall(SYS_FUTEX_WAITV, w, n, flags, timeout, clock);
}

static uint32_t words[3];
static struct futex_waitv vec[3];
static int waitv_done;

static void *waitv_waiter(void *arg)
{
	long r = futex_waitv(vec, 3, 0, NULL, 0);

	__atomic_store_n(&waitv_done, 1, __ATOMIC_RELEASE);
	return (void *)(r < 0 ? -(long)errno : r);
}

/* futex_waitv: the index of the word woken, its errors and its timeout. */
static void waitv(void)
{
	struct timespec ts;
	long long deadline;

	phase("futex_waitv");
	for (int i = 0; i < 3; i++)
		vec[i] = (struct futex_waitv){ 0, (uintptr_t)&words[i],
					       FUTEX2_SIZE_U32 | FUTEX_PRIVATE_FLAG, 0 };
	words[2] = 1;
	xresult("futex_waitv when the third word differs", futex_waitv(vec, 3, 0, NULL, 0));
	words[2] = 0;
	xresult("futex_waitv of no words", futex_waitv(vec, 0, 0, NULL, 0));
	xresult("futex_waitv of 129 words", futex_waitv(vec, 129, 0, NULL, 0));
	xresult("futex_waitv with flags 1", futex_waitv(vec, 3, 1, NULL, 0));
	vec[1].flags = 0;
	xresult("futex_waitv of a word without a size flag", futex_waitv(vec, 3, 0, NULL, 0));
	vec[1].flags = FUTEX2_SIZE_U32 | FUTEX_PRIVATE_FLAG;
	vec[1].reserved = 1;
	xresult("futex_waitv with the reserved field set", futex_waitv(vec, 3, 0, NULL, 0));
	vec[1].reserved = 0;
	ts = ns_to_ts(mono_ns() + 20000000);
	xresult("futex_waitv with a timeout on CLOCK_BOOTTIME",
		futex_waitv(vec, 3, 0, &ts, CLOCK_BOOTTIME));
	deadline = mono_ns() + 20000000;
	ts = ns_to_ts(deadline);
	xresult("futex_waitv until CLOCK_MONOTONIC + 20 ms",
		futex_waitv(vec, 3, 0, &ts, CLOCK_MONOTONIC));
	printf("  not early: %s\n", mono_ns() >= deadline ? "yes" : "no");
	deadline = now_ns(CLOCK_REALTIME) + 20000000;
	ts = ns_to_ts(deadline);
	xresult("futex_waitv until CLOCK_REALTIME + 20 ms",
		futex_waitv(vec, 3, 0, &ts, CLOCK_REALTIME));
	printf("  not early: %s\n", now_ns(CLOCK_REALTIME) >= deadline ? "yes" : "no");

	pthread_t t = spawn(waitv_waiter, NULL);
	long woken = 0;
	/* Wake the second word until the waiter returns (it may not be asleep yet). */
	while (!__atomic_load_n(&waitv_done, __ATOMIC_ACQUIRE)) {
		woken += futex(&words[1], FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
		sleep_ms(5);
	}
	long r = (long)join(t);
	printf("futex_waitv woken through the second word: returned %ld", r);
	printf(", FUTEX_WAKE woke one waiter: %s\n", woken == 1 ? "yes" : "no");
}

int main(int argc, char **argv)
{
	setup();
	watchdog(60);
	if (argc > 1 && !strcmp(argv[1], "waitv")) {
		waitv();
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "unknown")) {
		uint32_t word = 0;
		for (int i = 0; i < 3; i++)
			xresult("futex operation 99",
				futex(&word, 99 | (i ? FUTEX_PRIVATE_FLAG : 0), 0, NULL, NULL, 0));
		return 0;
	}
	if (argc > 1)
		round_trips = atol(argv[1]);
	for (int pass = 0; pass < 2; pass++) {
		priv = pass ? 0 : FUTEX_PRIVATE_FLAG;
		printf("%s futexes:\n", priv ? "private" : "shared");
		errors_and_timeouts();
		wake_op_memory();
		wake_counts();
		requeue();
		wake_op();
		bitsets();
		pi();
	}
	ping_pong();
	return 0;
}
