/*
 * The sampling profiler (--profile[=HZ]): a timer on every CPU fires HZ
 * times a second and records the interrupted context's stack as a
 * profile_sample trace event (its RIP, then return addresses through frame
 * pointers: kernel frames, then the application's; see trace_stack.c for
 * what code without frame pointers gives). The samples travel with the
 * trace; `alto run --profile` turns them into folded stacks and a pprof
 * profile on the host. The timer rides on the tickless per-CPU timers, so
 * an idle CPU wakes to be sampled (its samples show the idle loop).
 */
#include <alto/boot.h>
#include <alto/cpu.h>
#include <alto/format.h>
#include <alto/printk.h>
#include <alto/smp.h>
#include <alto/time.h>
#include <alto/timer.h>
#include <alto/trace.h>
#include <alto/trap.h>
#include <uapi/errno.h>
#include "trace_internal.h"

#define TRACE_DEFINE 1
TRACEPOINT(profile_sample, "period_ns=%u", uint64_t, period_ns)
#undef TRACE_DEFINE

#define MAX_HZ 10000

static struct timer timers[MAX_CPUS];
static uint64_t period_ns;

static void sample(struct timer *tm)
{
	const struct trap_frame *f = trap_irq_frame();
	uint64_t frames[TRACE_MAX_FRAMES];

	timer_arm(tm, time_now_ns() + period_ns);
	if (!f)
		return;
	unsigned int n = trace_stack_of(f, frames, TRACE_MAX_FRAMES);
#ifndef ALTO_NO_TRACE
	trace_emit_stack(&tp_profile_sample, &period_ns, frames, n);
#else
	(void)n;
#endif
}

static void start_cpu(void *arg)
{
	struct timer *tm = &timers[this_cpu()->id];

	timer_init(tm, sample, NULL);
	timer_arm(tm, time_now_ns() + period_ns);
}

int profile_init(void)
{
	const char *hz = cmdline_get("profile");
	unsigned long long v = 1000;

	if (!hz)
		return 0;
	if (*hz && (parse_u64(hz, &v) || !v || v > MAX_HZ)) {
		printk("alto: bad --profile=%s (a rate from 1 to %d samples a second)\n", hz,
		       MAX_HZ);
		return -EINVAL;
	}
	if (trace_enable("profile_sample") <= 0) {
		printk("alto: --profile: no memory for the trace rings, or a kernel without "
		       "tracepoints\n");
		return -ENOMEM;
	}
	period_ns = NSEC_PER_SEC / v;
	smp_call_all(start_cpu, NULL);
	return 0;
}
