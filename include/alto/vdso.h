/*
 * The vDSO: a small shared object mapped into the application (announced by
 * AT_SYSINFO_EHDR) that answers clock_gettime, gettimeofday, time,
 * clock_getres and getcpu without a system call. It reads a data page the
 * kernel maps read-only just below it; this header is that page's layout,
 * shared by the kernel (kernel/vdso.c) and the vDSO's code (vdso/vdso.c).
 */
#ifndef ALTO_VDSO_H
#define ALTO_VDSO_H

#include <stdint.h>

/*
 * Time as the kernel computes it (arch/x86_64/tsc.c, drivers/rtc.c):
 * monotonic ns = (rdtsc - boot_tsc) * ns_mult >> 32; realtime = monotonic +
 * realtime_offset. seq is odd while the kernel rewrites the page.
 */
struct vdso_data {
	uint32_t seq;
	uint32_t reserved;
	uint64_t boot_tsc;
	uint64_t ns_mult;
	int64_t realtime_offset;
	uint64_t coarse_res_ns; /* what clock_getres says of the _COARSE clocks */
};

/* Where the vDSO reads the CPU number: the kernel's per-CPU data, through GS (struct cpu). */
#define VDSO_GS_CPU_ID 36

#ifndef __VDSO__
struct mm;

/* Map the vDSO and its data page into mm; returns the vDSO's address, 0 if none. */
uint64_t vdso_map(struct mm *mm);
/* The wall clock was set, or the TSC conversion changed: rewrite the data page. */
void vdso_update(void);
#endif

#endif
