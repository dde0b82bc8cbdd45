/*
 * The FPU, SSE and AVX state belongs to application threads; kernel C never
 * touches it (-mgeneral-regs-only). A thread's state is in its area
 * (t->fpu) or, while it is the CPU's fpu_owner with CR0.TS clear, newer in
 * the registers; it is saved (XSAVEOPT, else XSAVE or FXSAVE) only when a
 * thread leaves a CPU after using it, that is with TS clear.
 *
 * Lazy by default: a thread switched in finds TS set, and its first FPU
 * instruction traps (#NM, fpu_trap) to load its state, or only to clear TS
 * when the registers still hold it. A thread that used the FPU in each of
 * its last FPU_EAGER_RUNS runs is loaded at the switch instead (the trap
 * would cost more than it saves); its counter wraps after 256 runs, which
 * gives it one lazy run to show whether it still uses the FPU. Threads
 * that never touch it (loops around system calls) cost nothing at a switch.
 *
 * Never lazy across processes: a CPU that speculates past the #NM would let
 * the next thread read the registers of another process (LazyFP,
 * CVE-2018-3665), so a thread whose process does not own the registers gets
 * its own state loaded at the switch.
 */
#include <alto/cpu.h>
#include <alto/fpu.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/string.h>
#include <alto/x86.h>
#include <uapi/errno.h>

#define CR0_MP	       (1ul << 1)
#define CR0_EM	       (1ul << 2)
#define CR0_TS	       (1ul << 3)
#define CR0_NE	       (1ul << 5)
#define CR4_OSFXSR     (1ul << 9)
#define CR4_OSXMMEXCPT (1ul << 10)
#define CR4_OSXSAVE    (1ul << 18)

#define FXSAVE_SIZE   512
#define MXCSR_DEFAULT 0x1f80
#define FCW_DEFAULT   0x037f

#define XSTATE_BV_OFFSET 512 /* the XSAVE header: XSTATE_BV, XCOMP_BV, reserved */
#define MXCSR_OFFSET	 24
#define MXCSR_MASK_OFF	 28

/* Runs in a row that used the FPU after which a thread's state is loaded at the switch. */
#define FPU_EAGER_RUNS 5

size_t fpu_state_size = FXSAVE_SIZE;
uint64_t fpu_xcr0;
static bool use_xsave;
static uint32_t mxcsr_mask = 0xffbf; /* the MXCSR bits this CPU accepts */
static void *init_state;	     /* the initial state, for fpu_reset */

static void write_cr0(uint64_t v)
{
	__asm__ __volatile__("mov %0, %%cr0" : : "r"(v) : "memory");
}

static void xsetbv(uint32_t reg, uint64_t v)
{
	__asm__ __volatile__("xsetbv" : : "c"(reg), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/* Every CPU: let application code use x87, SSE and the XSAVE features the CPU has. */
void fpu_init_cpu(void)
{
	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
	uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (cpu_features.xsave)
		cr4 |= CR4_OSXSAVE;
	write_cr4(cr4);
	if (cpu_features.xsave)
		xsetbv(0, fpu_xcr0);
}

/* Boot CPU: choose the saved components and the size of a thread's state. */
void fpu_init(void)
{
	if (cpu_features.xsave) {
		struct cpuid r = cpuid(0xd, 0);
		/* x87, SSE, AVX, and AVX-512's three components when all are there. */
		uint64_t supported = ((uint64_t)r.edx << 32 | r.eax);
		fpu_xcr0 = supported & (0x7 | (((supported & 0xe0) == 0xe0) ? 0xe0 : 0));
		use_xsave = true;
	}
	fpu_init_cpu();
	if (use_xsave)
		fpu_state_size = cpuid(0xd, 0).ebx; /* for what XCR0 now enables */
	init_state = fpu_state_alloc();
	if (!init_state)
		panic("fpu: no memory for the initial state");
	/* FXSAVE's MXCSR_MASK field: what an MXCSR loaded from a signal frame may set. */
	uint8_t *probe = page_alloc_zeroed(0);
	if (probe) {
		__asm__ __volatile__("fxsave64 (%0)" : : "r"(probe) : "memory");
		uint32_t mask = *(uint32_t *)(probe + MXCSR_MASK_OFF);
		if (mask)
			mxcsr_mask = mask;
		page_free(probe);
	}
}

bool fpu_has_xsave(void)
{
	return use_xsave;
}

static unsigned int state_order(void)
{
	return fpu_state_size > PAGE_SIZE ? 1 : 0;
}

/*
 * A thread's state area in the initial state (x87 control word 0x37f, MXCSR
 * 0x1f80, everything else zero). A whole page: XSAVE needs 64-byte alignment
 * and the area is at most a few KiB.
 */
void *fpu_state_alloc(void)
{
	uint8_t *s = page_alloc_zeroed(state_order());

	if (!s)
		return NULL;
	*(uint16_t *)(s + 0) = FCW_DEFAULT;
	*(uint32_t *)(s + 24) = MXCSR_DEFAULT;
	return s;
}

void fpu_state_free(void *state)
{
	page_free(state);
}

/*
 * XSAVEOPT skips what is unchanged since the last XRSTOR from the same
 * area, so the kernel writes an area only right before loading it
 * (fpu_load) or before it was ever loaded (fork's copy).
 */
static void save_regs(void *state)
{
	if (cpu_features.xsaveopt)
		__asm__ __volatile__("xsaveopt64 (%0)" : : "r"(state), "a"(-1), "d"(-1) : "memory");
	else if (use_xsave)
		__asm__ __volatile__("xsave64 (%0)" : : "r"(state), "a"(-1), "d"(-1) : "memory");
	else
		__asm__ __volatile__("fxsave64 (%0)" : : "r"(state) : "memory");
}

static void load_regs(const void *state)
{
	if (use_xsave)
		__asm__ __volatile__("xrstor64 (%0)" : : "r"(state), "a"(-1), "d"(-1) : "memory");
	else
		__asm__ __volatile__("fxrstor64 (%0)" : : "r"(state) : "memory");
}

/* CR0.TS, written only when it changes (under TCG each write ends a translated block). */
static void ts_set(struct cpu *c)
{
	if (!c->fpu_ts) {
		write_cr0(read_cr0() | CR0_TS);
		c->fpu_ts = true;
	}
}

static void ts_clear(struct cpu *c)
{
	if (c->fpu_ts) {
		__asm__ __volatile__("clts" ::: "memory");
		c->fpu_ts = false;
	}
}

/* Do the registers hold t's state (perhaps newer than its area)? */
static bool holds(const struct cpu *c, const struct thread *t)
{
	return c->fpu_owner == t && t->fpu_cpu == c->id;
}

/* Does t, running on c, have state in the registers newer than its area? */
static bool live(const struct cpu *c, const struct thread *t)
{
	return holds(c, t) && !c->fpu_ts;
}

/* The registers take t's state, TS clear. Interrupts off. */
static void take(struct cpu *c, struct thread *t)
{
	ts_clear(c);
	if (!holds(c, t))
		load_regs(t->fpu);
	c->fpu_owner = t;
	c->fpu_owner_proc = t->proc->serial;
	t->fpu_cpu = c->id;
}

/* Would leaving TS set let next see (speculatively) another process's registers? */
static bool foreign(const struct cpu *c, const struct thread *next)
{
	return c->fpu_owner_proc && c->fpu_owner_proc != next->proc->serial;
}

void fpu_switch(struct thread *prev, struct thread *next)
{
	struct cpu *c = this_cpu();

	if (prev->fpu) {
		if (live(c, prev)) {
			if (prev->state != THREAD_EXITING)
				save_regs(prev->fpu);
			prev->fpu_runs++;
		} else {
			prev->fpu_runs = 0;
		}
		if (prev->state == THREAD_EXITING && c->fpu_owner == prev)
			c->fpu_owner = NULL;
	}
	if (!next->fpu || !next->proc)
		return; /* a kernel thread, or one whose process let go: it never touches them */
	if (next->fpu_runs >= FPU_EAGER_RUNS || foreign(c, next))
		take(c, next);
	else
		ts_set(c);
}

bool fpu_trap(void)
{
	unsigned long flags = irq_save();
	struct cpu *c = this_cpu();
	bool ours = c->current->fpu && c->fpu_ts;

	if (ours)
		take(c, c->current);
	irq_restore(flags);
	return ours;
}

void fpu_sync(void)
{
	unsigned long flags = irq_save();
	struct cpu *c = this_cpu();
	struct thread *t = c->current;

	if (live(c, t))
		save_regs(t->fpu);
	irq_restore(flags);
}

void fpu_load(const void *state)
{
	unsigned long flags = irq_save();
	struct cpu *c = this_cpu();
	struct thread *t = c->current;

	memcpy(t->fpu, state, fpu_state_size);
	c->fpu_owner = NULL; /* the registers no longer match the area */
	take(c, t);
	irq_restore(flags);
}

void fpu_reset(void)
{
	fpu_load(init_state);
}

void fpu_copy(void *dst)
{
	fpu_sync();
	memcpy(dst, current_thread()->fpu, fpu_state_size);
}

/*
 * XRSTOR and FXRSTOR fault on reserved MXCSR bits, on components XCR0 does
 * not enable, and on a compacted or dirty header; the kernel must not take
 * that fault from an image the application wrote.
 */
int fpu_state_check(const void *state)
{
	const uint8_t *s = state;
	uint32_t mxcsr = *(const uint32_t *)(s + MXCSR_OFFSET);

	if (mxcsr & ~mxcsr_mask)
		return -EINVAL;
	if (!use_xsave)
		return 0;
	const uint64_t *hdr = (const uint64_t *)(s + XSTATE_BV_OFFSET);
	if ((hdr[0] & ~fpu_xcr0) || hdr[1] || hdr[2])
		return -EINVAL;
	return 0;
}
