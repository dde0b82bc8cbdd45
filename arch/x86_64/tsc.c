/*
 * The TSC as the clock. Its frequency comes from the cheapest trustworthy
 * source: CPUID leaf 0x15/0x16, the hypervisor leaf 0x40000010, kvmclock's
 * scale factors, and otherwise a short calibration against the ACPI PM timer
 * (q35) or the PIT (microvm). QEMU's TCG offers none of the first ones.
 */
#include <alto/acpi.h>
#include <alto/cpu.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/time.h>
#include <alto/x86.h>

#define PIT_HZ	    1193182
#define PM_TIMER_HZ 3579545
/*
 * Measured under QEMU's TCG against the host's own TSC rate: a 1 ms window
 * reads about 0.3% low (a fixed ~3 us bias that a 50 ms window shrinks to
 * 0.005%). The boot takes the short window; a long-baseline refinement in
 * the background belongs to the clock work (CLOCK_REALTIME).
 */
#define CALIBRATE_NS (1 * NSEC_PER_MSEC)

uint64_t tsc_hz;
const char *tsc_source = "none";
static uint64_t ns_mult;  /* ns = tsc * ns_mult >> 32 */
static uint64_t tsc_mult; /* tsc = ns * tsc_mult >> 32 */

static uint64_t from_cpuid(void)
{
	if (cpu_features.max_leaf >= 0x15) {
		struct cpuid r = cpuid(0x15, 0);
		if (r.eax && r.ebx && r.ecx)
			return (uint64_t)r.ecx * r.ebx / r.eax;
	}
	if (cpu_features.hypervisor && cpuid(0x40000000, 0).eax >= 0x40000010) {
		uint32_t khz = cpuid(0x40000010, 0).eax;
		if (khz)
			return (uint64_t)khz * 1000;
	}
	if (cpu_features.max_leaf >= 0x16) {
		uint32_t mhz = cpuid(0x16, 0).eax;
		if (mhz)
			return (uint64_t)mhz * 1000000;
	}
	return 0;
}

static uint32_t pm_timer_read(void)
{
	uint32_t v = inl((uint16_t)acpi.pm_timer_port);
	return acpi.pm_timer_32bit ? v : v & 0xffffff;
}

static uint32_t pit_read(void)
{
	outb(0x43, 0x00); /* latch channel 0 */
	uint8_t lo = inb(0x40);
	uint8_t hi = inb(0x40);
	/* It counts down: negate so that it counts up like the PM timer. */
	return (uint16_t) - (hi << 8 | lo);
}

/*
 * A reference reading and the TSC at that moment: the middle of the two TSC
 * reads around it. An I/O read can take microseconds under emulation, and the
 * first one much longer than the rest; the midpoint cancels that.
 */
static uint32_t sample(uint32_t (*read)(void), uint64_t *tsc)
{
	uint64_t before = rdtsc();
	uint32_t v = read();
	*tsc = before + (rdtsc() - before) / 2;
	return v;
}

/* Count TSC cycles over `ticks` ticks of a hz reference with the given width mask. */
static uint64_t calibrate(uint32_t (*read)(void), uint64_t hz, uint32_t mask)
{
	uint32_t want = (uint32_t)(hz * CALIBRATE_NS / NSEC_PER_SEC);
	uint64_t t0, t;

	read(); /* warm-up: the first access is the slow one */
	uint32_t r0 = sample(read, &t0), r;
	do {
		r = sample(read, &t);
		if (t - t0 > (1ull << 34))
			return 0; /* the reference never moved: it is not there */
	} while (((r - r0) & mask) < want);
	return (t - t0) * hz / ((r - r0) & mask);
}

static uint64_t calibrate_pm_timer(void)
{
	return calibrate(pm_timer_read, PM_TIMER_HZ, acpi.pm_timer_32bit ? 0xffffffff : 0xffffff);
}

static uint64_t calibrate_pit(void)
{
	outb(0x43, 0x30); /* channel 0, lo/hi byte, mode 0 (its interrupt line is masked) */
	outb(0x40, 0xff);
	outb(0x40, 0xff);
	return calibrate(pit_read, PIT_HZ, 0xffff);
}

static void pick_frequency(void)
{
	if ((tsc_hz = from_cpuid())) {
		tsc_source = "cpuid";
	} else if (cpu_features.kvmclock && (tsc_hz = kvmclock_tsc_hz())) {
		tsc_source = "kvmclock";
	} else if (acpi.pm_timer_port && (tsc_hz = calibrate_pm_timer())) {
		tsc_source = "pmtimer";
	} else if ((tsc_hz = calibrate_pit())) {
		tsc_source = "pit";
	} else {
		tsc_hz = 1000000000;
		tsc_source = "guess";
		printk("time: no way to measure the TSC frequency; assuming 1 GHz\n");
	}
}

void time_init(void)
{
	pick_frequency();
	ns_mult = (NSEC_PER_SEC << 32) / tsc_hz;
	tsc_mult = ticks_per_ns_mult(tsc_hz);
}

uint64_t tsc_to_ns(uint64_t tsc)
{
	return mul_shift32(tsc, ns_mult);
}

uint64_t tsc_ns_mult(void)
{
	return ns_mult;
}

uint64_t ns_to_tsc(uint64_t ns)
{
	return mul_shift32(ns, tsc_mult);
}

uint64_t time_now_ns(void)
{
	return tsc_to_ns(rdtsc() - boot_tsc);
}

void time_delay_ns(uint64_t ns)
{
	uint64_t end = rdtsc() + ns_to_tsc(ns);

	while (rdtsc() < end)
		cpu_relax();
}
