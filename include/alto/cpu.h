/*
 * Per-CPU data, reached through the GS base (the application owns FS). The
 * first fields are read by assembly at fixed offsets, checked below.
 */
#ifndef ALTO_CPU_H
#define ALTO_CPU_H

#define MAX_CPUS 64

#define CPU_SELF       0
#define CPU_CURRENT    8
#define CPU_KSTACK_TOP 16
#define CPU_SCRATCH    24
#define CPU_IN_APP     32

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <alto/x86.h>

struct thread;
struct mm;

struct cpu {
	struct cpu *self;
	struct thread *current;
	/* Top of the current thread's kernel stack: where traps from application code land. */
	uint64_t kstack_top;
	uint64_t scratch;
	/* Nonzero while application code runs on this CPU (set on the way out to it). */
	uint32_t in_app;
	uint32_t id;
	uint32_t apic_id;
	int preempt_count;
	bool need_resched;
	bool online;
	struct thread *idle;
	struct thread *fpu_owner; /* whose FPU state the registers hold (arch/x86_64/fpu.c) */
	uint64_t fpu_owner_proc;  /* the process whose state the registers hold (0: none), even once
				     the owner exited */
	bool fpu_ts;		  /* CR0.TS is set: the next FPU instruction traps (#NM) */
	uint64_t irq_count;
	uint32_t tlb_lazy;     /* halted in the idle loop: shootdowns skip it */
	uint32_t tlb_stale;    /* a shootdown skipped it: flush before running on */
	struct mm *mm;	       /* the address space whose root CR3 holds, or NULL: the kernel's */
	uint32_t idle_poll_ns; /* how long the idle loop polls before it halts (kernel/sched.c) */
};

_Static_assert(offsetof(struct cpu, self) == CPU_SELF, "cpu layout");
_Static_assert(offsetof(struct cpu, current) == CPU_CURRENT, "cpu layout");
_Static_assert(offsetof(struct cpu, kstack_top) == CPU_KSTACK_TOP, "cpu layout");
_Static_assert(offsetof(struct cpu, scratch) == CPU_SCRATCH, "cpu layout");
_Static_assert(offsetof(struct cpu, in_app) == CPU_IN_APP, "cpu layout");

extern struct cpu cpus[MAX_CPUS];
extern unsigned int cpu_count;

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;
	__asm__("movq %%gs:0, %0" : "=r"(c));
	return c;
}

static inline struct thread *current_thread(void)
{
	struct thread *t;
	__asm__ __volatile__("movq %%gs:8, %0" : "=r"(t));
	return t;
}

/* Make cpus[id] this CPU's per-CPU area (sets the GS base). */
void cpu_set_percpu(unsigned int id);

/* CPU features, read once at boot from CPUID. */
struct cpu_features {
	bool x2apic, tsc_deadline, invariant_tsc, rdrand, rdseed, pdpe1gb, nx;
	bool xsave, xsaveopt, fsgsbase, hypervisor, kvmclock;
	char vendor[13];
	char hypervisor_id[13];
	unsigned int max_leaf;
};
extern struct cpu_features cpu_features;
void cpu_features_init(void);
/* A random 64-bit number from RDRAND (when present) and the TSC. */
uint64_t cpu_boot_random(void);
/* Enable the syscall instruction on this CPU. */
void syscall_init_cpu(void);
/* Enable WRFSBASE on this CPU when it has it (write_fs_base); call on every CPU. */
void fsgsbase_init_cpu(void);

/*
 * The FS base, for a thread switch: WRFSBASE where the CPU has it (under
 * TCG the MSR write ends the translated block and calls a helper, the
 * instruction is a plain store). Application code is never told that the
 * instructions are usable (AT_HWCAP2 is 0), so FS stays the kernel's to set.
 */
static inline void write_fs_base(uint64_t base)
{
	if (cpu_features.fsgsbase)
		__asm__ __volatile__("wrfsbase %0" : : "r"(base) : "memory");
	else
		wrmsr(MSR_FS_BASE, base);
}
/* Set the stack-protector canary; call from a function without a protected frame. */
void cpu_canary_init(void);

#endif
#endif
