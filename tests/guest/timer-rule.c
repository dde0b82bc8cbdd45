/*
 * The kernel's timer rule (kernel/timer.c: the hardware timer is only ever
 * moved earlier, and an early interrupt that finds nothing due arms the
 * real deadline): a short sleep behind a long one still wakes on time-ish,
 * and threads that never block still take turns when slices end. Run on
 * one CPU, where nothing else would end a spin.
 *
 * Broken, neither hangs: a far deadline fires early anyway (xAPIC's
 * one-shot count reaches ~90 ms under TCG) and lwIP's timers run every
 * ~100 ms, so a timer never moved earlier, or a slice end never armed,
 * costs tens of ms, not the wake-up. So the sleeps are measured against a
 * long sleep of the same run (30 sleeps of 1 ms against one of 600 ms: a
 * few ms each when right, ~45 ms each when broken), and the turns are
 * counted in guest time (~50 in a second with 10 ms slices, 1 without a
 * slice timer; more than 12 wanted). No watchdog thread: its far timer
 * would end slices by itself.
 */
#include "threads.h"
#include <stdatomic.h>

#define SHORT_SLEEPS 30
#define LONG_SLEEP   600 /* ms */
#define SPIN_MS	     1000
#define MIN_TURNS    12 /* of ~50 (a 10 ms slice each, TIME_SLICE_NS), ~30 at load 17 */

static void *long_sleeper(void *arg)
{
	sleep_ms(1000 * 1000L); /* a kernel timer far out, armed before the short ones */
	return arg;
}

static long long sleep_took(long ms)
{
	long long t0 = mono_ns();

	sleep_ms(ms);
	return mono_ns() - t0;
}

/* Short sleeps with the long timer armed first (the CPU idles between them: no slice). */
static void short_behind_long(void)
{
	long long shorts = 0, one_long;
	pthread_t t;

	must("pthread_create", pthread_create(&t, NULL, long_sleeper, NULL));
	sleep_ms(10);
	one_long = sleep_took(LONG_SLEEP);
	for (int i = 0; i < SHORT_SLEEPS; i++)
		shorts += sleep_took(1);
	printf("%d sleeps of 1 ms behind one of 1000 s took less than one of %d ms: %s\n",
	       SHORT_SLEEPS, LONG_SLEEP, shorts < one_long ? "yes" : "no");
	pthread_cancel(t);
	pthread_join(t, NULL);
}

static atomic_long other_count;
static atomic_int stop;

static void *other_spinner(void *arg)
{
	while (!atomic_load(&stop))
		atomic_fetch_add(&other_count, 1);
	return arg;
}

/*
 * Two threads that never block on one CPU for SPIN_MS: each slice end
 * (10 ms) lets the other one run, so this one sees the other's count move
 * again and again; with no slice timer only the other timers' beat would.
 */
static void slice_ends(void)
{
	pthread_t t;
	long seen = 0, turns = 0;

	sleep_ms(20); /* no timer armed when this ends: the slice's must be */
	must("pthread_create", pthread_create(&t, NULL, other_spinner, NULL));
	long long t0 = mono_ns();
	while (mono_ns() - t0 < SPIN_MS * 1000000LL) {
		long now = atomic_load(&other_count);
		if (now != seen) {
			seen = now;
			turns++;
		}
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	printf("two threads spinning for %d ms on one CPU took turns more than %d times: %s\n",
	       SPIN_MS, MIN_TURNS, turns > MIN_TURNS ? "yes" : "no");
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	short_behind_long();
	slice_ends();
	return 0;
}
