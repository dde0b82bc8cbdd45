/*
 * The FPU, SSE and AVX state belongs to application threads; kernel C never
 * touches it (-mgeneral-regs-only). The state is saved with XSAVE (or FXSAVE)
 * when a CPU switches away from an application thread and restored when one
 * runs again, unless the registers still hold that thread's state.
 */
#include <alto/cpu.h>
#include <alto/fpu.h>
#include <alto/mm.h>
#include <alto/printk.h>
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

void fpu_save(void *state)
{
	if (use_xsave)
		__asm__ __volatile__("xsave64 (%0)" : : "r"(state), "a"(-1), "d"(-1) : "memory");
	else
		__asm__ __volatile__("fxsave64 (%0)" : : "r"(state) : "memory");
}

void fpu_restore(const void *state)
{
	if (use_xsave)
		__asm__ __volatile__("xrstor64 (%0)" : : "r"(state), "a"(-1), "d"(-1) : "memory");
	else
		__asm__ __volatile__("fxrstor64 (%0)" : : "r"(state) : "memory");
}

void fpu_reset(void)
{
	fpu_restore(init_state);
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
