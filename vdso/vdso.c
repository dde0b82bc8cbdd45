/*
 * The vDSO's code: runs in the application (at ring 0, like all of it), so
 * it reads the TSC and the per-CPU data directly. It computes time exactly
 * as the kernel does, from the data page the kernel maps below it, so that
 * a program sees one clock whether it asks here or with a system call.
 * Clocks it does not know go to the kernel through the system call.
 */
#define __VDSO__
#include <stddef.h>
#include <stdint.h>
#include <alto/vdso.h>
#include <uapi/time.h>

#define NSEC_PER_SEC	  1000000000ull
#define SYS_gettimeofday  96
#define SYS_clock_gettime 228
#define SYS_clock_getres  229

struct timezone;
struct getcpu_cache;

extern const volatile struct vdso_data vdso_data __attribute__((visibility("hidden")));

static long syscall2(long n, long a, long b)
{
	long r;

	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b) : "rcx", "r11", "memory");
	return r;
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* Monotonic ns and the realtime offset, read consistently against the kernel's updates. */
static uint64_t read_clock(int64_t *offset)
{
	uint32_t seq;
	uint64_t ns;

	do {
		seq = vdso_data.seq;
		__asm__ volatile("" ::: "memory");
		uint64_t delta = rdtsc() - vdso_data.boot_tsc;
		ns = (uint64_t)(((unsigned __int128)delta * vdso_data.ns_mult) >> 32);
		*offset = vdso_data.realtime_offset;
		__asm__ volatile("" ::: "memory");
	} while ((seq & 1) || seq != vdso_data.seq);
	return ns;
}

/* The clock's ns since its epoch; false for a clock the vDSO leaves to the kernel. */
static int clock_ns(int clock, uint64_t *ns)
{
	int64_t offset;
	uint64_t mono = read_clock(&offset);

	switch (clock) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_REALTIME_ALARM:
	case CLOCK_TAI:
		*ns = (uint64_t)((int64_t)mono + offset);
		return 1;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	case CLOCK_BOOTTIME_ALARM:
		*ns = mono;
		return 1;
	default:
		return 0;
	}
}

int __vdso_clock_gettime(int clock, struct timespec *ts)
{
	uint64_t ns;

	if (!clock_ns(clock, &ns))
		return (int)syscall2(SYS_clock_gettime, clock, (long)ts);
	ts->tv_sec = (int64_t)(ns / NSEC_PER_SEC);
	ts->tv_nsec = (long)(ns % NSEC_PER_SEC);
	return 0;
}

int __vdso_gettimeofday(struct timeval *tv, struct timezone *tz)
{
	uint64_t ns;

	/* The time zone is whatever settimeofday set: the kernel keeps it. */
	if (tz)
		return (int)syscall2(SYS_gettimeofday, (long)tv, (long)tz);
	if (tv) {
		clock_ns(CLOCK_REALTIME, &ns);
		tv->tv_sec = (int64_t)(ns / NSEC_PER_SEC);
		tv->tv_usec = (long)(ns % NSEC_PER_SEC / 1000);
	}
	return 0;
}

long __vdso_time(long *t)
{
	uint64_t ns;

	clock_ns(CLOCK_REALTIME, &ns);
	long s = (long)(ns / NSEC_PER_SEC);
	if (t)
		*t = s;
	return s;
}

int __vdso_clock_getres(int clock, struct timespec *res)
{
	uint64_t ns;

	if (!clock_ns(clock, &ns))
		return (int)syscall2(SYS_clock_getres, clock, (long)res);
	if (res) {
		int coarse = clock == CLOCK_REALTIME_COARSE || clock == CLOCK_MONOTONIC_COARSE;
		res->tv_sec = 0;
		res->tv_nsec = coarse ? (long)vdso_data.coarse_res_ns : 1;
	}
	return 0;
}

int __vdso_getcpu(unsigned int *cpu, unsigned int *node, struct getcpu_cache *cache)
{
	unsigned int id;

	(void)cache;
	__asm__ volatile("movl %%gs:%c1, %0" : "=r"(id) : "i"(VDSO_GS_CPU_ID));
	if (cpu)
		*cpu = id;
	if (node)
		*node = 0;
	return 0;
}

/* The plain names, as Linux's vDSO exports them too. */
int clock_gettime(int, struct timespec *) __attribute__((weak, alias("__vdso_clock_gettime")));
int gettimeofday(struct timeval *, struct timezone *)
	__attribute__((weak, alias("__vdso_gettimeofday")));
long time(long *) __attribute__((weak, alias("__vdso_time")));
int clock_getres(int, struct timespec *) __attribute__((weak, alias("__vdso_clock_getres")));
int getcpu(unsigned int *, unsigned int *, struct getcpu_cache *)
	__attribute__((weak, alias("__vdso_getcpu")));
