/*
 * Synchronous signals, caught: SIGSEGV (write to a read-only page fixed by
 * the handler, which returns so the write completes; unmapped pages, NULL,
 * a jump into a non-executable page), SIGFPE (integer division), SIGILL
 * (ud2), SIGTRAP (int3), each with si_code and si_addr; handlers that edit uc_mcontext (skip the
 * faulting instruction, set a register) and read it (RIP, RDI, REG_ERR, REG_TRAPNO); sigaltstack,
 * also for a stack overflow; and the vector registers and MXCSR surviving handlers that clobber
 * them, for a signal raised by a system call and for timer signals arriving at any instruction.
 * "signals-fault sigbus": SIGBUS from a file mapping beyond the end of file.
 * "signals-fault simd": SIGFPE from an unmasked SSE exception;
 * "signals-fault simd-int": the same through "int $19" (Alto only, at ring 0).
 * "signals-fault fatal KIND": default actions that must end the program.
 */
#include "threads.h"
#include <cpuid.h>
#include <limits.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <ucontext.h>

/*
 * Instructions whose addresses and lengths the handlers need: ud2 and int3
 * (the handler skips ud2; int3 traps with RIP already after it), a load and
 * a store through %rdi.
 */
__asm__(".text\n"
	".globl guest_ud2\n"
	"guest_ud2:\n"
	"	ud2\n"
	"guest_ud2_end:\n"
	"	ret\n"
	".globl guest_ud2_end\n"
	".globl guest_int3\n"
	"guest_int3:\n"
	"	int3\n"
	".globl guest_int3_end\n"
	"guest_int3_end:\n"
	"	ret\n"
	".globl guest_load\n"
	"guest_load:\n"
	"	movl (%rdi), %eax\n"
	".globl guest_load_end\n"
	"guest_load_end:\n"
	"	ret\n");
void guest_ud2(void);
void guest_int3(void);
int guest_load(const int *p);
extern char guest_ud2_end[], guest_int3_end[], guest_load_end[];

static sigjmp_buf escape;
static volatile int got_signo, got_code;
static void *volatile got_addr;
static volatile long long got_rip, got_rdi, got_err, got_trapno;
static volatile int on_altstack;
static char *volatile fix_page;	  /* a page the SIGSEGV handler makes writable, or NULL */
static volatile int set_rax = -1; /* with a length: skip the instruction, set RAX */
static volatile long skip_length;

enum {
	RETURN,
	ESCAPE
};
static volatile int after_handler = ESCAPE;

static stack_t altstack;

static void handler(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	char local;

	got_signo = si->si_signo;
	got_code = si->si_code;
	got_addr = si->si_addr;
	got_rip = uc->uc_mcontext.gregs[REG_RIP];
	got_rdi = uc->uc_mcontext.gregs[REG_RDI];
	got_err = uc->uc_mcontext.gregs[REG_ERR];
	got_trapno = uc->uc_mcontext.gregs[REG_TRAPNO];
	on_altstack = altstack.ss_sp && &local >= (char *)altstack.ss_sp &&
		      &local < (char *)altstack.ss_sp + altstack.ss_size;
	if (fix_page) {
		mprotect(fix_page, 4096, PROT_READ | PROT_WRITE);
		return;
	}
	if (skip_length) {
		uc->uc_mcontext.gregs[REG_RIP] += skip_length;
		if (set_rax >= 0)
			uc->uc_mcontext.gregs[REG_RAX] = set_rax;
		return;
	}
	if (after_handler == ESCAPE)
		siglongjmp(escape, 1);
}

static void catch (int sig, int flags)
{
	struct sigaction sa = { 0 };

	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO | flags;
	sigaction(sig, &sa, NULL);
}

static void reset(void)
{
	got_signo = got_code = 0;
	got_addr = NULL;
	fix_page = NULL;
	skip_length = 0;
	set_rax = -1;
	after_handler = ESCAPE;
}

static const char *code_name(int sig, int code)
{
	switch (sig) {
	case SIGSEGV:
		return code == SEGV_MAPERR ? "SEGV_MAPERR" :
		       code == SEGV_ACCERR ? "SEGV_ACCERR" :
					     "?";
	case SIGFPE:
		return code == FPE_INTDIV ? "FPE_INTDIV" : code == FPE_FLTDIV ? "FPE_FLTDIV" : "?";
	case SIGILL:
		return code == ILL_ILLOPN ? "ILL_ILLOPN" : "?";
	case SIGTRAP:
		return code == SI_KERNEL ? "SI_KERNEL" : code == TRAP_BRKPT ? "TRAP_BRKPT" : "?";
	case SIGBUS:
		return code == BUS_ADRERR ? "BUS_ADRERR" : "?";
	}
	return "?";
}

static void report(const char *what, void *addr)
{
	printf("%s: %s %s", what, got_signo ? signame(got_signo) : "no signal",
	       code_name(got_signo, got_code));
	if (addr)
		printf(", si_addr right: %s", got_addr == addr ? "yes" : "no");
	printf("\n");
}

static void segv(void)
{
	char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	volatile int *word = (volatile int *)(p + 100);

	phase("SIGSEGV");
	catch (SIGSEGV, 0);
	munmap(p + 2 * 4096, 4096);
	mprotect(p, 4096, PROT_READ);
	reset();
	fix_page = p;
	*word = 1234;
	report("write to a read-only page", (void *)word);
	printf("  the handler made it writable and the write completed: %d\n", *word);
	check("  REG_TRAPNO 14 (page fault), REG_ERR has the write bit",
	      got_trapno == 14 && (got_err & 2));

	mprotect(p + 4096, 4096, PROT_NONE);
	reset();
	if (!sigsetjmp(escape, 1))
		(void)*(volatile char *)(p + 4096 + 8);
	report("read of a PROT_NONE page", p + 4096 + 8);
	check("  REG_ERR without the write bit", !(got_err & 2));

	reset();
	if (!sigsetjmp(escape, 1))
		(void)*(volatile char *)(p + 2 * 4096 + 16);
	report("read of an unmapped page", p + 2 * 4096 + 16);

	reset();
	if (!sigsetjmp(escape, 1))
		(void)*(volatile int *)NULL;
	report("read of NULL", (void *)0);
	check("  si_addr 0", got_addr == NULL);

	/* A jump into a page that is readable and writable but not executable. */
	mprotect(p, 4096, PROT_READ | PROT_WRITE);
	memset(p, 0xc3, 4096); /* ret, were it executed */
	reset();
	if (!sigsetjmp(escape, 1))
		((void (*)(void))p)();
	report("call into a page without PROT_EXEC", p);
	check("  RIP at that address", got_rip == (long long)(uintptr_t)p);

	phase("editing the context");
	reset();
	skip_length = guest_load_end - (char *)guest_load;
	set_rax = 77;
	int v = guest_load((const int *)(p + 2 * 4096));
	report("load from an unmapped page", p + 2 * 4096);
	check("  RIP at the load, RDI the pointer",
	      got_rip == (long long)(uintptr_t)guest_load &&
		      got_rdi == (long long)(uintptr_t)(p + 2 * 4096));
	printf("  the handler skipped the load and set RAX: the load returned %d\n", v);
	munmap(p, 2 * 4096);
}

static volatile int zero = 0, one = 1, minus_one = -1; /* so gcc must divide */
static volatile long lzero = 0;

static void fpe_ill_trap(void)
{
	phase("SIGFPE");
	catch (SIGFPE, 0);
	reset();
	if (!sigsetjmp(escape, 1))
		printf("1 / 0 = %d\n", one / zero);
	report("int 1 / 0", NULL);
	check("  REG_TRAPNO 0 (divide error)", got_trapno == 0);
	reset();
	if (!sigsetjmp(escape, 1))
		printf("INT_MIN / -1 = %d\n", INT_MIN / minus_one);
	report("int INT_MIN / -1", NULL);
	reset();
	if (!sigsetjmp(escape, 1))
		printf("1L %% 0 = %ld\n", 1L % lzero);
	report("long 1 % 0", NULL);

	volatile double dzero = 0;
	reset();
	printf("1.0 / 0.0 with exceptions masked: %f, no signal: %s\n", 1.0 / dzero,
	       got_signo ? "no" : "yes");

	phase("SIGILL");
	catch (SIGILL, 0);
	reset();
	skip_length = guest_ud2_end - (char *)guest_ud2;
	guest_ud2();
	report("ud2", (void *)guest_ud2);
	printf("  the handler added %ld to RIP and the program went on\n", skip_length);

	phase("SIGTRAP");
	catch (SIGTRAP, 0);
	reset();
	after_handler = RETURN;
	guest_int3();
	report("int3", NULL);
	check("  RIP just after the int3", got_rip == (long long)(uintptr_t)guest_int3_end);
	check("  REG_TRAPNO 3 (breakpoint)", got_trapno == 3);
}

/*
 * An unmasked SSE exception: #XM, SIGFPE FPE_FLTDIV. Not in programs.txt:
 * QEMU's TCG does not raise #XM, so only a guest under KVM can pass it.
 */
static void simd_exception(void)
{
	volatile double dzero = 0;

	phase("SIMD exception");
	catch (SIGFPE, 0);
	unsigned mxcsr, unmasked;
	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	unmasked = (mxcsr & ~0x200u) & ~0x3fu; /* unmask divide-by-zero, clear flags */
	reset();
	if (!sigsetjmp(escape, 1)) {
		__asm__ volatile("ldmxcsr %0" : : "m"(unmasked));
		printf("1.0 / 0.0 unmasked: %f\n", 1.0 / dzero);
	}
	__asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
	report("double 1.0 / 0.0 with the divide-by-zero exception unmasked", NULL);
	check("  REG_TRAPNO 19 (SIMD exception)", got_trapno == 19);
}

/*
 * The kernel's #XM path under a CPU that does not raise #XM (QEMU's TCG):
 * the program runs at ring 0 in Alto, so "int $19" enters the kernel through
 * the SIMD exception's vector, with the divide-by-zero flag set and unmasked
 * in MXCSR as the CPU would leave it: SIGFPE FPE_FLTDIV, trap number 19.
 * Alto only (natively the int is a #GP: SIGSEGV).
 */
static void simd_exception_by_int(void)
{
	phase("SIMD exception entered through int $19");
	catch (SIGFPE, 0);
	unsigned mxcsr, pending;
	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	pending = (mxcsr & ~0x200u & ~0x3fu) | 0x4u; /* divide-by-zero unmasked and flagged */
	reset();
	if (!sigsetjmp(escape, 1)) {
		__asm__ volatile("ldmxcsr %0\n\tint $19" : : "m"(pending));
	}
	__asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
	report("int $19 with MXCSR's divide-by-zero flagged and unmasked", NULL);
	check("  REG_TRAPNO 19 (SIMD exception)", got_trapno == 19);
}

static void *main_stack_low;

static int __attribute__((noinline)) recurse(int n)
{
	volatile char frame[1024];

	frame[0] = (char)n;
	if (n == INT_MAX)
		return 0;
	return recurse(n + 1) + frame[0];
}

static volatile int usr1_on_altstack;

static void usr1_altstack_check(int sig, siginfo_t *si, void *ctx)
{
	char local;
	stack_t now, other = altstack;

	usr1_on_altstack = &local >= (char *)altstack.ss_sp &&
			   &local < (char *)altstack.ss_sp + altstack.ss_size;
	sigaltstack(NULL, &now);
	if (now.ss_flags == SS_ONSTACK)
		usr1_on_altstack |= 2;
	if (sigaltstack(&other, NULL) && errno == EPERM)
		usr1_on_altstack |= 4;
}

static void *altstack_of_new_thread(void *arg)
{
	stack_t st;

	sigaltstack(NULL, &st);
	return (void *)(long)st.ss_flags;
}

static void altstacks(void)
{
	struct sigaction sa = { 0 };
	stack_t st;

	phase("sigaltstack");
	sigaltstack(NULL, &st);
	check("no alternate stack at first (SS_DISABLE)", st.ss_flags == SS_DISABLE);
	st = (stack_t){ malloc(1024), 0, 1024 };
	xresult("sigaltstack of 1024 bytes", sigaltstack(&st, NULL));
	altstack = (stack_t){ malloc(256 * 1024), 0, 256 * 1024 };
	xresult("sigaltstack of 256 KiB", sigaltstack(&altstack, NULL));
	sigaltstack(NULL, &st);
	check("  read back",
	      st.ss_sp == altstack.ss_sp && st.ss_size == altstack.ss_size && st.ss_flags == 0);
	check("  a new thread has none",
	      (long)join(spawn(altstack_of_new_thread, NULL)) == SS_DISABLE);

	sa.sa_sigaction = usr1_altstack_check;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	check("SA_ONSTACK handler on the alternate stack", usr1_on_altstack & 1);
	check("  sigaltstack says SS_ONSTACK there", usr1_on_altstack & 2);
	check("  and refuses a change there with EPERM", usr1_on_altstack & 4);
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	usr1_on_altstack = 0;
	raise(SIGUSR1);
	check("handler without SA_ONSTACK on the normal stack", !(usr1_on_altstack & 1));

	phase("stack overflow");
	catch (SIGSEGV, SA_ONSTACK);
	reset();
	char here;
	main_stack_low = &here;
	if (!sigsetjmp(escape, 1))
		recurse(0);
	report("endless recursion", NULL);
	check("  handled on the alternate stack", on_altstack);
	sigaltstack(NULL, &st);
	check("  back on the normal stack afterwards", st.ss_flags == 0);
	check("  the fault address below where the recursion began",
	      (char *)got_addr < (char *)main_stack_low);

	st = (stack_t){ NULL, SS_DISABLE, 0 };
	xresult("sigaltstack SS_DISABLE", sigaltstack(&st, NULL));
	sigaltstack(NULL, &st);
	check("  disabled", st.ss_flags == SS_DISABLE);
}

/* MXCSR's rounding control (0 nearest, 1 down, 2 up, 3 toward zero): no libm needed. */
static unsigned get_rounding(void)
{
	unsigned mxcsr;

	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	return mxcsr >> 13 & 3;
}

static void set_rounding(unsigned rc)
{
	unsigned mxcsr;

	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	mxcsr = (mxcsr & ~(3u << 13)) | rc << 13;
	__asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
}

static int have_avx;
static volatile int handler_round, handler_calls;

/* Fills every vector register with garbage and changes MXCSR, as a careless handler might. */
static void clobber(int sig, siginfo_t *si, void *ctx)
{
	unsigned mxcsr = 0x7f80 | (3 << 13); /* round toward zero */

	handler_round = (int)get_rounding();
	handler_calls++;
	if (have_avx)
		__asm__ volatile("vpcmpeqd %%ymm0, %%ymm0, %%ymm0\n"
				 "vmovdqa %%ymm0, %%ymm1\n vmovdqa %%ymm0, %%ymm2\n"
				 "vmovdqa %%ymm0, %%ymm3\n vmovdqa %%ymm0, %%ymm4\n"
				 "vmovdqa %%ymm0, %%ymm5\n vmovdqa %%ymm0, %%ymm6\n"
				 "vmovdqa %%ymm0, %%ymm7\n vmovdqa %%ymm0, %%ymm8\n"
				 "vmovdqa %%ymm0, %%ymm9\n vmovdqa %%ymm0, %%ymm10\n"
				 "vmovdqa %%ymm0, %%ymm11\n vmovdqa %%ymm0, %%ymm12\n"
				 "vmovdqa %%ymm0, %%ymm13\n vmovdqa %%ymm0, %%ymm14\n"
				 "vmovdqa %%ymm0, %%ymm15\n" ::
					 : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",
					   "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
					   "xmm13", "xmm14", "xmm15");
	else
		__asm__ volatile("pcmpeqd %%xmm0, %%xmm0\n"
				 "movdqa %%xmm0, %%xmm1\n movdqa %%xmm0, %%xmm2\n"
				 "movdqa %%xmm0, %%xmm3\n movdqa %%xmm0, %%xmm4\n"
				 "movdqa %%xmm0, %%xmm5\n movdqa %%xmm0, %%xmm6\n"
				 "movdqa %%xmm0, %%xmm7\n movdqa %%xmm0, %%xmm8\n"
				 "movdqa %%xmm0, %%xmm9\n movdqa %%xmm0, %%xmm10\n"
				 "movdqa %%xmm0, %%xmm11\n movdqa %%xmm0, %%xmm12\n"
				 "movdqa %%xmm0, %%xmm13\n movdqa %%xmm0, %%xmm14\n"
				 "movdqa %%xmm0, %%xmm15\n" ::
					 : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",
					   "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
					   "xmm13", "xmm14", "xmm15");
	__asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
	__asm__ volatile("fninit");
}

/*
 * Loads 16 registers (xmm, or ymm with AVX) from IN, sends itself SIGUSR1
 * with a bare tgkill system call (which preserves every vector register),
 * and stores the registers to OUT.
 */
static void vector_round_trip(const uint8_t *in, uint8_t *out, int ymm)
{
	long pid = getpid(), self = tid();

#define XMM_ALL(op, base)                                                                    \
	op " 0(%" base "), %%xmm0\n" op " 16(%" base "), %%xmm1\n" op " 32(%" base           \
	   "), %%xmm2\n" op " 48(%" base "), %%xmm3\n" op " 64(%" base "), %%xmm4\n" op      \
	   " 80(%" base "), %%xmm5\n" op " 96(%" base "), %%xmm6\n" op " 112(%" base         \
	   "), %%xmm7\n" op " 128(%" base "), %%xmm8\n" op " 144(%" base "), %%xmm9\n" op    \
	   " 160(%" base "), %%xmm10\n" op " 176(%" base "), %%xmm11\n" op " 192(%" base     \
	   "), %%xmm12\n" op " 208(%" base "), %%xmm13\n" op " 224(%" base "), %%xmm14\n" op \
	   " 240(%" base "), %%xmm15\n"
#define XMM_STORE(op, base)                                                                       \
	op " %%xmm0, 0(%" base ")\n" op " %%xmm1, 16(%" base ")\n" op " %%xmm2, 32(%" base        \
	   ")\n" op " %%xmm3, 48(%" base ")\n" op " %%xmm4, 64(%" base ")\n" op                   \
	   " %%xmm5, 80(%" base ")\n" op " %%xmm6, 96(%" base ")\n" op " %%xmm7, 112(%" base      \
	   ")\n" op " %%xmm8, 128(%" base ")\n" op " %%xmm9, 144(%" base ")\n" op                 \
	   " %%xmm10, 160(%" base ")\n" op " %%xmm11, 176(%" base ")\n" op " %%xmm12, 192(%" base \
	   ")\n" op " %%xmm13, 208(%" base ")\n" op " %%xmm14, 224(%" base ")\n" op               \
	   " %%xmm15, 240(%" base ")\n"
#define YMM_ALL(op, base)                                                                    \
	op " 0(%" base "), %%ymm0\n" op " 32(%" base "), %%ymm1\n" op " 64(%" base           \
	   "), %%ymm2\n" op " 96(%" base "), %%ymm3\n" op " 128(%" base "), %%ymm4\n" op     \
	   " 160(%" base "), %%ymm5\n" op " 192(%" base "), %%ymm6\n" op " 224(%" base       \
	   "), %%ymm7\n" op " 256(%" base "), %%ymm8\n" op " 288(%" base "), %%ymm9\n" op    \
	   " 320(%" base "), %%ymm10\n" op " 352(%" base "), %%ymm11\n" op " 384(%" base     \
	   "), %%ymm12\n" op " 416(%" base "), %%ymm13\n" op " 448(%" base "), %%ymm14\n" op \
	   " 480(%" base "), %%ymm15\n"
#define YMM_STORE(op, base)                                                                       \
	op " %%ymm0, 0(%" base ")\n" op " %%ymm1, 32(%" base ")\n" op " %%ymm2, 64(%" base        \
	   ")\n" op " %%ymm3, 96(%" base ")\n" op " %%ymm4, 128(%" base ")\n" op                  \
	   " %%ymm5, 160(%" base ")\n" op " %%ymm6, 192(%" base ")\n" op " %%ymm7, 224(%" base    \
	   ")\n" op " %%ymm8, 256(%" base ")\n" op " %%ymm9, 288(%" base ")\n" op                 \
	   " %%ymm10, 320(%" base ")\n" op " %%ymm11, 352(%" base ")\n" op " %%ymm12, 384(%" base \
	   ")\n" op " %%ymm13, 416(%" base ")\n" op " %%ymm14, 448(%" base ")\n" op               \
	   " %%ymm15, 480(%" base ")\n"
#define TGKILL \
	"mov $234, %%eax\n mov %[pid], %%rdi\n mov %[tid], %%rsi\n mov $10, %%edx\n syscall\n"
#define VCLOBBERS                                                                           \
	"rax", "rdi", "rsi", "rdx", "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", \
		"xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",  \
		"xmm13", "xmm14", "xmm15"
	if (ymm)
		__asm__ volatile(YMM_ALL("vmovdqu", "[in]")
					 TGKILL YMM_STORE("vmovdqu", "[out]") "vzeroupper\n"
				 :
				 : [in] "r"(in), [out] "r"(out), [pid] "r"(pid), [tid] "r"(self)
				 : VCLOBBERS);
	else
		__asm__ volatile(XMM_ALL("movdqu", "[in]") TGKILL XMM_STORE("movdqu", "[out]")
				 :
				 : [in] "r"(in), [out] "r"(out), [pid] "r"(pid), [tid] "r"(self)
				 : VCLOBBERS);
}

static void fpu(void)
{
	struct sigaction sa = { 0 };
	uint8_t in[512], out[512];
	unsigned a, b, c, d;

	phase("vector registers across a handler");
	if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_OSXSAVE) && (c & bit_AVX)) {
		unsigned lo, hi;
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		have_avx = (lo & 6) == 6;
	}
	sa.sa_sigaction = clobber;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	for (int i = 0; i < 512; i++)
		in[i] = (uint8_t)(i * 7 + 3);
	set_rounding(2); /* up */
	handler_calls = 0;
	vector_round_trip(in, out, 0);
	int ok = handler_calls == 1 && !memcmp(in, out, 256);
	if (have_avx) {
		vector_round_trip(in, out, 1);
		ok &= handler_calls == 2 && !memcmp(in, out, 512);
	}
	check("xmm0-15 (and ymm0-15 with AVX) unchanged by a handler that clobbers them", ok);
	check("the handler started with the default rounding mode", handler_round == 0);
	check("our rounding mode (MXCSR) restored afterwards", get_rounding() == 2);
	set_rounding(0);

	phase("vector registers across timer signals");
	long n = 1000000;
	double quiet = compute(n);
	struct itimerval it = { { 0, 1000 }, { 0, 1000 } };
	handler_calls = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	double noisy = compute(n);
	while (handler_calls == 0) /* at least one signal, however fast compute() was */
		noisy = compute(n);
	it = (struct itimerval){ { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &it, NULL);
	check("a computation interrupted by SIGALRMs gives the same result",
	      !memcmp(&quiet, &noisy, sizeof(double)));
}

static void sigbus(void)
{
	phase("SIGBUS");
	scratch_enter();
	int fd = open("file", O_RDWR | O_CREAT, 0644);
	if (fd < 0 || ftruncate(fd, 4096))
		die_setup("file");
	char *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die_setup("mmap");
	catch (SIGBUS, 0);
	reset();
	p[10] = 'x';
	printf("write within the file: fine\n");
	if (!sigsetjmp(escape, 1))
		p[4096 + 10] = 'y';
	report("write to the mapping past the end of the file", p + 4096 + 10);
	reset();
	if (!sigsetjmp(escape, 1))
		(void)*(volatile char *)(p + 4096);
	report("read there", p + 4096);
	munmap(p, 2 * 4096);
	close(fd);
	unlink("file");
	scratch_leave();
}

static void *segv_thread(void *arg)
{
	printf("a second thread reads NULL\n");
	return (void *)(long)*(volatile int *)NULL;
}

static void do_nothing(int sig)
{
	printf("SIGABRT handler ran and returns\n");
}

static void segv_again(int sig)
{
	printf("the SIGSEGV handler faults too\n");
	(void)*(volatile int *)NULL;
}

/* Each ends the program by a signal's default action; the runner checks the status. */
static void fatal(const char *kind)
{
	sigset_t set;

	printf("fatal: %s\n", kind);
	if (!strcmp(kind, "abort")) {
		abort();
	} else if (!strcmp(kind, "abort-handled")) {
		signal(SIGABRT, do_nothing);
		abort();
	} else if (!strcmp(kind, "abort-blocked")) {
		sigemptyset(&set);
		sigaddset(&set, SIGABRT);
		sigprocmask(SIG_BLOCK, &set, NULL);
		abort();
	} else if (!strcmp(kind, "sigkill")) {
		kill(getpid(), SIGKILL);
	} else if (!strcmp(kind, "segv-blocked")) {
		catch (SIGSEGV, 0);
		sigemptyset(&set);
		sigaddset(&set, SIGSEGV);
		sigprocmask(SIG_BLOCK, &set, NULL);
		(void)*(volatile int *)NULL;
	} else if (!strcmp(kind, "segv-ignored")) {
		signal(SIGSEGV, SIG_IGN);
		(void)*(volatile int *)NULL;
	} else if (!strcmp(kind, "segv-in-handler")) {
		signal(SIGSEGV, segv_again);
		(void)*(volatile int *)NULL;
	} else if (!strcmp(kind, "segv-thread")) {
		watchdog(60);
		join(spawn(segv_thread, NULL));
	} else if (!strcmp(kind, "fpe")) {
		printf("%d\n", one / zero);
	} else if (!strcmp(kind, "ill")) {
		guest_ud2();
	} else if (!strcmp(kind, "trap")) {
		guest_int3();
	}
	printf("still alive: no\n");
	exit(1);
}

int main(int argc, char **argv)
{
	setup();
	if (argc > 2 && !strcmp(argv[1], "fatal"))
		fatal(argv[2]);
	watchdog(60);
	if (argc > 1 && !strcmp(argv[1], "simd")) {
		simd_exception();
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "simd-int")) {
		simd_exception_by_int();
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "sigbus")) {
		sigbus();
		return 0;
	}
	segv();
	fpe_ill_trap();
	altstacks();
	fpu();
	return 0;
}
