/*
 * Local APIC: x2APIC through MSRs when the CPU has it, xAPIC through MMIO
 * otherwise (QEMU's TCG offers only xAPIC). The timer is one-shot, armed for
 * the next event: TSC-deadline mode when present, else a count calibrated
 * against the TSC at boot.
 */
#include <alto/acpi.h>
#include <alto/apic.h>
#include <alto/cpu.h>
#include <alto/interrupt.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/time.h>
#include <alto/x86.h>
#include "irq_trace.h"

#define APIC_ID		0x020
#define APIC_TPR	0x080
#define APIC_EOI	0x0b0
#define APIC_SVR	0x0f0
#define APIC_ICR_LO	0x300
#define APIC_ICR_HI	0x310
#define APIC_LVT_TIMER	0x320
#define APIC_LVT_LINT0	0x350
#define APIC_LVT_LINT1	0x360
#define APIC_LVT_ERROR	0x370
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_CUR	0x390
#define APIC_TIMER_DIV	0x3e0

#define LVT_MASKED	 (1u << 16)
#define LVT_TSC_DEADLINE (2u << 17)
#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_X2	 (1ull << 10)
#define DIVIDE_BY_16	 0x3

bool apic_x2;
bool apic_tsc_deadline;
static volatile uint32_t *xapic;
static uint64_t apic_timer_hz;	 /* one-shot count rate, divider included */
static uint64_t apic_timer_mult; /* counts = ns * mult >> 32 */

static uint32_t apic_read(uint32_t reg)
{
	if (apic_x2)
		return (uint32_t)rdmsr(0x800 + (reg >> 4));
	return xapic[reg / 4];
}

static void apic_write(uint32_t reg, uint32_t v)
{
	if (apic_x2)
		wrmsr(0x800 + (reg >> 4), v);
	else
		xapic[reg / 4] = v;
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

uint32_t apic_id(void)
{
	uint32_t id = apic_read(APIC_ID);
	return apic_x2 ? id : id >> 24;
}

static void timer_lvt_setup(void)
{
	/* Every CPU counts at the calibrated rate: the divider is per CPU. */
	apic_write(APIC_TIMER_DIV, DIVIDE_BY_16);
	if (apic_tsc_deadline)
		apic_write(APIC_LVT_TIMER, LVT_TSC_DEADLINE | VEC_TIMER);
	else
		apic_write(APIC_LVT_TIMER, VEC_TIMER); /* one-shot */
}

/*
 * Calibration against the TSC costs no waiting: the count starts in
 * apic_init() and is read when the timer is first needed, after the rest of
 * the boot has run. Only if that came too soon do we wait for the remainder.
 */
#define CALIBRATE_MIN_NS (500 * NSEC_PER_USEC)

static uint64_t calib_tsc;
static uint32_t calib_count;

static void calibration_start(void)
{
	apic_write(APIC_TIMER_DIV, DIVIDE_BY_16);
	apic_write(APIC_LVT_TIMER, LVT_MASKED);
	apic_write(APIC_TIMER_INIT, 0xffffffff);
	calib_tsc = rdtsc();
	calib_count = apic_read(APIC_TIMER_CUR);
}

static void calibration_finish(void)
{
	while (tsc_to_ns(rdtsc() - calib_tsc) < CALIBRATE_MIN_NS)
		cpu_relax();
	uint32_t count = apic_read(APIC_TIMER_CUR);
	uint64_t tsc = rdtsc();
	apic_write(APIC_TIMER_INIT, 0);
	apic_timer_hz = (uint64_t)(calib_count - count) * tsc_hz / (tsc - calib_tsc);
	if (!apic_timer_hz)
		panic("apic: the timer does not count");
	apic_timer_mult = ticks_per_ns_mult(apic_timer_hz);
	timer_lvt_setup();
}

void apic_init_cpu(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE;

	if (apic_x2)
		base |= APIC_BASE_X2;
	wrmsr(MSR_APIC_BASE, base);
	apic_write(APIC_TPR, 0);
	apic_write(APIC_LVT_LINT0, LVT_MASKED);
	apic_write(APIC_LVT_LINT1, LVT_MASKED);
	apic_write(APIC_LVT_ERROR, LVT_MASKED);
	apic_write(APIC_SVR, 0x100 | VEC_SPURIOUS); /* software enable */
	timer_lvt_setup();
}

static void disable_8259(void)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

void apic_init(void)
{
	disable_8259();
	apic_x2 = cpu_features.x2apic;
	apic_tsc_deadline = cpu_features.tsc_deadline;
	if (!apic_x2) {
		uint64_t pa =
			acpi.lapic_addr ? acpi.lapic_addr : (rdmsr(MSR_APIC_BASE) & ~0xfffull);
		xapic = mmio_map(pa, 4096);
	}
	apic_init_cpu();
	if (!apic_tsc_deadline)
		calibration_start();
}

void apic_timer_calibrate(void)
{
	if (!apic_tsc_deadline && !apic_timer_hz)
		calibration_finish();
}

void apic_timer_arm(uint64_t deadline_ns)
{
	trace_apic_timer_arm(deadline_ns);
	if (apic_tsc_deadline) {
		wrmsr(MSR_TSC_DEADLINE, deadline_ns ? boot_tsc + ns_to_tsc(deadline_ns) : 0);
		return;
	}
	if (!apic_timer_hz)
		calibration_finish();
	if (!deadline_ns) {
		apic_write(APIC_TIMER_INIT, 0);
		return;
	}
	uint64_t now = time_now_ns();
	uint64_t delta = deadline_ns > now ? deadline_ns - now : 0;
	/* Round up: firing early only costs a wasted interrupt, but still. */
	uint64_t count = mul_shift32(delta, apic_timer_mult) + 1;
	if (count > 0xffffffff)
		count = 0xffffffff; /* fires early; the timer code re-arms */
	apic_write(APIC_TIMER_INIT, (uint32_t)count);
}

static void wait_icr_idle(void)
{
	if (apic_x2)
		return;
	while (apic_read(APIC_ICR_LO) & (1u << 12))
		cpu_relax();
}

/* With interrupts off: a migration between the two writes would send from another CPU. */
static void send_icr(uint32_t dest, uint32_t lo)
{
	unsigned long flags = irq_save();

	if (apic_x2) {
		wrmsr(0x830, ((uint64_t)dest << 32) | lo);
	} else {
		wait_icr_idle();
		apic_write(APIC_ICR_HI, dest << 24);
		apic_write(APIC_ICR_LO, lo);
		wait_icr_idle();
	}
	irq_restore(flags);
}

void apic_send_ipi(uint32_t dest, uint8_t vector)
{
	trace_ipi_send(dest, vector);
	send_icr(dest, vector);
}

void apic_send_init(uint32_t dest)
{
	send_icr(dest, 0x4500); /* INIT, assert */
}

void apic_send_startup(uint32_t dest, uint32_t start_page)
{
	send_icr(dest, 0x4600 | (start_page & 0xff));
}

void apic_send_ipi_others(uint8_t vector)
{
	send_icr(0, (3u << 18) | vector); /* shorthand: all excluding self */
}
