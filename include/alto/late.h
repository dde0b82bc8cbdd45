/*
 * Late work: boot steps the program's first instruction does not need (a
 * device probe nothing waits for, the TSC's long-baseline refinement). They
 * register with LATE_INIT() and run once, in link order, on the "late"
 * kernel thread after the program has started: when a CPU first finds
 * nothing to run, LATE_DELAY_NS after late_init_start() at the latest, or at
 * power-off (late_init_finish) if neither came first. Under TCG a boot costs
 * each block of code it translates; this keeps theirs after the program's
 * first line.
 */
#ifndef ALTO_LATE_H
#define ALTO_LATE_H

#include <stdbool.h>
#include <alto/compiler.h>

#define LATE_DELAY_NS (3000 * 1000 * 1000ull)

struct late_init {
	const char *name;
	void (*fn)(void);
};

#define LATE_INIT(f)                                        \
	static const struct late_init late_##f = { #f, f }; \
	static const struct late_init *const late_ptr_##f __used __section(".late_init") = &late_##f

/* kernel_main, before the program: start the thread and the fallback timer. */
void late_init_start(void);
/* Has the late work begun (or finished)? Before it, a step may still be deferred. */
bool late_init_begun(void);
/* Run what has not run yet, or wait for the thread running it (power-off). */
void late_init_finish(void);
/* sched_idle: a CPU found nothing to run; wakes the thread the first time. */
void late_init_idle(void);

#endif
