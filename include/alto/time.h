/*
 * Time keeping: a monotonic nanosecond clock from the TSC (frequency from
 * CPUID, kvmclock, or calibrated against the PIT), and the boot clock that
 * starts at the kernel's first instruction.
 */
#ifndef ALTO_TIME_H
#define ALTO_TIME_H

#include <stdbool.h>
#include <stdint.h>

#define NSEC_PER_SEC  1000000000ull
#define NSEC_PER_MSEC 1000000ull
#define NSEC_PER_USEC 1000ull

/* What clock_getres says of the _COARSE clocks (in the kernel and in the vDSO). */
#define COARSE_RES_NS (4 * NSEC_PER_MSEC)

extern uint64_t tsc_hz;
extern uint64_t boot_tsc; /* TSC at the first instruction (arch/x86_64/boot.S) */

void time_init(void);
/* Nanoseconds since the first instruction of the kernel. */
uint64_t time_now_ns(void);
uint64_t tsc_to_ns(uint64_t tsc);
uint64_t ns_to_tsc(uint64_t ns);
/* The factor of tsc_to_ns: ns = tsc * mult >> 32 (for the vDSO, which computes the same). */
uint64_t tsc_ns_mult(void);
/* Nanoseconds since the Unix epoch (CLOCK_REALTIME), from the RTC read at boot. */
uint64_t time_realtime_ns(void);
void time_set_realtime_ns(uint64_t ns);
/*
 * CLOCK_REALTIME minus the monotonic clock. A realtime deadline minus this
 * is its monotonic deadline, from one read: converting through two clock
 * reads would land early by the time between them.
 */
int64_t time_realtime_offset_ns(void);
/* The wall clock from the RTC, or from kvmclock when KVM offers it. */
void rtc_init(void);
/* kvmclock's wall clock now (drivers/kvmclock.c); false without kvmclock. */
bool kvmclock_wall_ns(uint64_t *ns);
/* The TSC frequency from kvmclock's scale (the caller checked the feature), or 0. */
uint64_t kvmclock_tsc_hz(void);

/*
 * A calibrated TSC frequency measured again over 1 s from a timer, started
 * with the late work (drivers/tsc_refine.c): 0 until then.
 */
extern uint64_t tsc_refined_hz;

/* Busy-wait; usable before the scheduler runs. */
void time_delay_ns(uint64_t ns);
/* Fixed-point factor to turn nanoseconds into ticks of a hz clock: mul_shift32(ns, it). */
static inline uint64_t ticks_per_ns_mult(uint64_t hz)
{
	return ((hz / NSEC_PER_SEC) << 32) + (((hz % NSEC_PER_SEC) << 32) / NSEC_PER_SEC);
}

/* (a * mult) >> 32 without overflow (a 128-bit product, no division). */
static inline uint64_t mul_shift32(uint64_t a, uint64_t mult)
{
	return (uint64_t)(((unsigned __int128)a * mult) >> 32);
}

/* Where tsc_hz came from: "cpuid", "kvmclock", "pit" or "pmtimer". */
extern const char *tsc_source;

#endif
