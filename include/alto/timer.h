/*
 * One-shot timers on the monotonic clock. Callbacks run in interrupt context
 * with interrupts off: they may wake threads and re-arm timers, never sleep.
 * The hardware timer is programmed for the earliest pending deadline only.
 */
#ifndef ALTO_TIMER_H
#define ALTO_TIMER_H

#include <stdbool.h>
#include <stdint.h>
#include <alto/list.h>

struct timer {
	struct list link;
	uint64_t deadline; /* monotonic ns */
	void (*fn)(struct timer *t);
	void *data;
	bool armed;
	unsigned int cpu;
};

void timer_init(struct timer *t, void (*fn)(struct timer *), void *data);
/* Arm (or re-arm) t for an absolute monotonic time in ns. */
void timer_arm(struct timer *t, uint64_t deadline);
/* Disarm t; returns true if it was still pending. Its callback may still be running. */
bool timer_cancel(struct timer *t);
/*
 * Disarm t and wait until no CPU runs its callback: after this, t may be
 * freed. Do not hold a lock its callback takes.
 */
bool timer_cancel_sync(struct timer *t);

/* Run expired timers and reprogram the hardware (from the timer interrupt). */
void timers_run(void);
/* Reprogram the hardware timer for the earliest of the timers and the slice end. */
void timers_reprogram(void);
/* The same, with interrupts already off. */
void timers_reprogram_noirq(void);
void timers_init(void);

#endif
