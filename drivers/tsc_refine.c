/*
 * A long-baseline measurement of a calibrated TSC frequency. The boot
 * calibrates over 1 ms, which under TCG reads about 0.3% low: a fixed bias
 * of a few microseconds from the slow port reads. Sampling the same
 * reference (PM timer or PIT) at boot and again a second later from a
 * timer shrinks the bias a thousandfold. The reference wraps in between
 * (the PIT every 55 ms); the TSC's own estimate of the elapsed time, good to
 * 0.3%, tells how many times. The first sample is taken with the late
 * work (alto/late.h), after the program has started: the boot does not
 * need the refined figure, only the second sample does.
 */
#include <alto/acpi.h>
#include <alto/boot.h>
#include <alto/late.h>
#include <alto/printk.h>
#include <alto/string.h>
#include <alto/time.h>
#include <alto/timer.h>
#include <alto/x86.h>

#define PIT_HZ	    1193182
#define PM_TIMER_HZ 3579545
#define BASELINE_NS NSEC_PER_SEC
#define MAX_CHANGE  50 /* per mille: anything further off is a bad sample */

struct reference {
	uint32_t (*read)(void);
	uint64_t hz;
	uint64_t mask;
};

static struct reference ref;
static uint32_t ref0;
static uint64_t tsc0;
static struct timer refine_timer;
uint64_t tsc_refined_hz;

static uint32_t pm_timer_read(void)
{
	return inl((uint16_t)acpi.pm_timer_port);
}

static uint32_t pit_read(void)
{
	outb(0x43, 0x00); /* latch channel 0, left counting down by the boot calibration */
	uint8_t lo = inb(0x40);
	uint8_t hi = inb(0x40);
	return (uint16_t) - (hi << 8 | lo);
}

/* A reference reading and the TSC at its middle, as the boot calibration takes them. */
static uint32_t sample(uint64_t *tsc)
{
	uint64_t before = rdtsc();
	uint32_t v = ref.read();

	*tsc = before + (rdtsc() - before) / 2;
	return v;
}

/* Reference ticks between the samples: the wrap count that best fits the TSC's estimate. */
static uint64_t unwrap(uint64_t dtsc, uint32_t r1)
{
	uint64_t period = ref.mask + 1, delta = (r1 - ref0) & ref.mask;
	uint64_t expected = dtsc * ref.hz / tsc_hz; /* refine() checked for overflow */

	if (expected <= delta)
		return delta;
	return delta + (expected - delta + period / 2) / period * period;
}

static void refine(struct timer *t)
{
	uint64_t tsc1;
	uint32_t r1 = sample(&tsc1);
	uint64_t dtsc = tsc1 - tsc0;

	if (dtsc > UINT64_MAX / ref.hz)
		return; /* the timer ran minutes late: no use */
	uint64_t ticks = unwrap(dtsc, r1);
	if (!ticks)
		return;
	uint64_t hz = dtsc * ref.hz / ticks;
	uint64_t diff = hz > tsc_hz ? hz - tsc_hz : tsc_hz - hz;
	if (diff * 1000 > tsc_hz * MAX_CHANGE)
		return;
	tsc_refined_hz = hz;
	/* Applying it needs tsc.c to re-base its conversion at this moment (see the report). */
	if (cmdline_has("verbose"))
		printk("TSC: %lu Hz over 1 s against the %s (%lu Hz over 1 ms)\n", hz, tsc_source,
		       tsc_hz);
}

static void tsc_refine_start(void)
{
	if (!strcmp(tsc_source, "pmtimer"))
		ref = (struct reference){ pm_timer_read, PM_TIMER_HZ,
					  acpi.pm_timer_32bit ? 0xffffffffull : 0xffffffull };
	else if (!strcmp(tsc_source, "pit"))
		ref = (struct reference){ pit_read, PIT_HZ, 0xffff };
	else
		return; /* the frequency came from the hypervisor or CPUID: nothing to refine */
	ref.read();	/* warm-up: the first access is the slow one */
	ref0 = sample(&tsc0);
	timer_init(&refine_timer, refine, NULL);
	timer_arm(&refine_timer, time_now_ns() + BASELINE_NS);
}
LATE_INIT(tsc_refine_start);
