/*
 * kvmclock's wall clock: KVM gives the time of day at which kvmclock read
 * zero; adding kvmclock's reading now gives CLOCK_REALTIME to the
 * nanosecond, where the CMOS RTC (the fallback) has whole seconds. Read once
 * at boot; the TSC carries it forward like the RTC's value. Its scale also
 * gives the TSC frequency (kvmclock_tsc_hz).
 */
#include <alto/compiler.h>
#include <alto/cpu.h>
#include <alto/mm.h>
#include <alto/time.h>
#include <alto/x86.h>

#define MSR_KVM_WALL_CLOCK_NEW 0x4b564d00

struct pvclock_wall_clock {
	uint32_t version; /* odd while the host writes */
	uint32_t sec;
	uint32_t nsec;
} __attribute__((packed, aligned(4)));

struct pvclock_time {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad[2];
} __attribute__((packed, aligned(32)));

/* kvmclock's nanoseconds now: system_time plus the scaled TSC since the host's update. */
static bool system_time_ns(volatile struct pvclock_time *pv, uint64_t *ns)
{
	for (int tries = 0; tries < 1000; tries++) {
		uint32_t version = pv->version;
		barrier();
		uint64_t delta = rdtsc() - pv->tsc_timestamp;
		int8_t shift = pv->tsc_shift;
		delta = shift >= 0 ? delta << shift : delta >> -shift;
		uint64_t t = pv->system_time + mul_shift32(delta, pv->tsc_to_system_mul);
		barrier();
		if (!(version & 1) && pv->version == version && pv->tsc_to_system_mul) {
			*ns = t;
			return true;
		}
	}
	return false;
}

uint64_t kvmclock_tsc_hz(void)
{
	static struct pvclock_time pv;

	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, virt_to_phys(&pv) | 1);
	uint32_t mul = READ_ONCE(pv.tsc_to_system_mul);
	int8_t shift = READ_ONCE(pv.tsc_shift);
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, 0);
	if (!mul)
		return 0;
	/* ns = ((tsc << shift) * mul) >> 32, so tsc_hz = 10^9 * 2^32 / mul / 2^shift. */
	uint64_t hz = (NSEC_PER_SEC << 32) / mul;
	return shift >= 0 ? hz >> shift : hz << -shift;
}

bool kvmclock_wall_ns(uint64_t *ns)
{
	static struct pvclock_wall_clock wall;
	static struct pvclock_time pv;
	uint64_t now;

	if (!cpu_features.kvmclock)
		return false;
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, virt_to_phys(&pv) | 1);
	wrmsr(MSR_KVM_WALL_CLOCK_NEW, virt_to_phys(&wall)); /* the host fills it at once */
	bool ok = system_time_ns(&pv, &now) && !(READ_ONCE(wall.version) & 1) && wall.sec;
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, 0);
	if (ok)
		*ns = (uint64_t)wall.sec * NSEC_PER_SEC + wall.nsec + now;
	return ok;
}
