/*
 * The x86_64 signal frame, laid out as Linux lays it out so that glibc, musl
 * and programs that read uc_mcontext work unchanged: below the red zone of
 * the interrupted stack (or at the top of the alternate stack), the FPU state
 * (64-byte aligned, an XSAVE image with Linux's sw_reserved magic), then
 * struct k_rt_sigframe with the restorer as return address at the handler's
 * stack pointer. rt_sigreturn undoes it.
 */
#include <alto/compiler.h>
#include <alto/cpu.h>
#include <alto/fpu.h>
#include <alto/mm.h>
#include <alto/sched.h>
#include <alto/signal.h>
#include <alto/string.h>
#include <alto/syscall.h>
#include <alto/trap.h>
#include <alto/x86.h>
#include <uapi/errno.h>

#define RED_ZONE       128
#define XSAVE_HEADER   512 /* XSTATE_BV, XCOMP_BV, reserved: 64 bytes */
#define XSAVE_MIN      (XSAVE_HEADER + 64)
#define XFEATURE_FPSSE 0x3ull

#define RF_CF (1ul << 0)
#define RF_PF (1ul << 2)
#define RF_AF (1ul << 4)
#define RF_ZF (1ul << 6)
#define RF_SF (1ul << 7)
#define RF_TF (1ul << 8)
#define RF_DF (1ul << 10)
#define RF_OF (1ul << 11)
#define RF_RF (1ul << 16)
#define RF_AC (1ul << 18)
/* The flags a frame may change (Linux's FIX_EFLAGS); IF and IOPL stay the kernel's. */
#define FIX_EFLAGS (RF_AC | RF_OF | RF_DF | RF_TF | RF_SF | RF_ZF | RF_AF | RF_PF | RF_CF | RF_RF)

static size_t fpstate_size(void)
{
	return fpu_has_xsave() ? fpu_state_size + sizeof(uint32_t) : fpu_state_size;
}

static bool canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/* Linux's __on_sig_stack: ignores SS_AUTODISARM. */
static bool within_altstack(uint64_t sp)
{
	const struct k_stack *s = &current_thread()->altstack;
	return sp > s->ss_sp && sp - s->ss_sp <= s->ss_size;
}

/* The application's FPU registers into the frame, with the magic that marks an XSAVE image. */
static int save_fpu(uint64_t buf)
{
	struct thread *t = current_thread();
	const uint8_t *img = t->fpu;

	fpu_sync();
	if (copy_to_user((void __user *)buf, img, fpu_state_size))
		return -EFAULT;
	if (!fpu_has_xsave())
		return 0;
	struct fpx_sw_bytes sw = {
		.magic1 = FP_XSTATE_MAGIC1,
		.extended_size = (uint32_t)fpstate_size(),
		.xfeatures = fpu_xcr0,
		.xstate_size = (uint32_t)fpu_state_size,
	};
	/* The legacy area counts as saved, so that a handler's edits of it are restored. */
	uint64_t bv = *(const uint64_t *)(img + XSAVE_HEADER) | XFEATURE_FPSSE;
	if (copy_to_user((void __user *)(buf + FP_SW_BYTES_OFFSET), &sw, sizeof(sw)) ||
	    put_user(FP_XSTATE_MAGIC2, (uint32_t __user *)(buf + fpu_state_size)) ||
	    put_user(bv, (uint64_t __user *)(buf + XSAVE_HEADER)))
		return -EFAULT;
	return 0;
}

static void fill_sigcontext(struct k_sigcontext *sc, const struct trap_frame *f, ksigset_t oldmask)
{
	const struct thread_signals *ts = &current_thread()->sig;

	*sc = (struct k_sigcontext){
		.r8 = f->r8,
		.r9 = f->r9,
		.r10 = f->r10,
		.r11 = f->r11,
		.r12 = f->r12,
		.r13 = f->r13,
		.r14 = f->r14,
		.r15 = f->r15,
		.rdi = f->rdi,
		.rsi = f->rsi,
		.rbp = f->rbp,
		.rbx = f->rbx,
		.rdx = f->rdx,
		.rax = f->rax,
		.rcx = f->rcx,
		.rsp = f->rsp,
		.rip = f->rip,
		.eflags = f->rflags,
		.cs = (uint16_t)f->cs,
		.ss = (uint16_t)f->ss,
		.err = ts->fault_err,
		.trapno = ts->fault_trapno,
		.oldmask = oldmask,
		.cr2 = ts->fault_cr2,
	};
}

/* Where the frame goes (Linux's get_sigframe); 0 when it cannot go anywhere. */
static uint64_t frame_place(const struct trap_frame *f, const struct k_sigaction *ka,
			    uint64_t *fpstate)
{
	struct thread *t = current_thread();
	uint64_t sp = f->rsp;
	bool nested = signal_on_altstack(sp), entering = false;

	sp -= RED_ZONE;
	if ((ka->flags & SA_ONSTACK) && signal_altstack_flags(sp) == 0) {
		sp = t->altstack.ss_sp + t->altstack.ss_size;
		entering = true;
	}
	if (sp < PAGE_SIZE + fpstate_size() + sizeof(struct k_rt_sigframe))
		return 0;
	*fpstate = ALIGN_DOWN(sp - fpstate_size(), 64);
	sp = ALIGN_DOWN(*fpstate - sizeof(struct k_rt_sigframe), 16) - 8;
	/* Overflowing the alternate stack: refuse rather than scribble below it. */
	if ((nested || entering) && !within_altstack(sp))
		return 0;
	return sp;
}

int arch_signal_frame(struct trap_frame *f, int sig, const struct ksiginfo *info,
		      const struct k_sigaction *ka, ksigset_t oldmask)
{
	struct thread *t = current_thread();
	struct k_rt_sigframe fr = { 0 };
	uint64_t fpstate, sp = frame_place(f, ka, &fpstate);
	/* Without SA_SIGINFO, Linux leaves the siginfo part of the frame unwritten. */
	size_t len = (ka->flags & SA_SIGINFO) ? sizeof(fr) : offsetof(struct k_rt_sigframe, info);

	if (!(ka->flags & SA_RESTORER))
		return -EINVAL; /* x86_64 has no vDSO trampoline to return through */
	if (!sp)
		return -EFAULT;
	fr.pretcode = ka->restorer;
	fr.uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	if (fpu_has_xsave())
		fr.uc.uc_flags |= UC_FP_XSTATE;
	fr.uc.uc_stack = (struct k_stack){
		.ss_sp = t->altstack.ss_sp,
		.ss_flags =
			t->altstack
				.ss_flags, /* as given to sigaltstack (Linux's __save_altstack) */
		.ss_size = t->altstack.ss_size,
	};
	fill_sigcontext(&fr.uc.uc_mcontext, f, oldmask);
	fr.uc.uc_mcontext.fpstate = fpstate;
	fr.uc.uc_sigmask = oldmask;
	fr.info = *info;
	if (save_fpu(fpstate) || copy_to_user((void __user *)sp, &fr, len))
		return -EFAULT;

	if (t->altstack.ss_flags & SS_AUTODISARM)
		t->altstack = (struct k_stack){ .ss_flags = SS_DISABLE };
	fpu_reset(); /* the handler starts with a clean FPU, as on Linux */
	f->rdi = (uint64_t)sig;
	f->rsi = sp + offsetof(struct k_rt_sigframe, info);
	f->rdx = sp + offsetof(struct k_rt_sigframe, uc);
	f->rax = 0;
	f->rsp = sp;
	f->rip = ka->handler;
	f->rflags &= ~(RF_DF | RF_RF | RF_TF);
	return 0;
}

/*
 * The image to restore: an XSAVE image when the magic says so, else only
 * the legacy FXSAVE part (other components go to their initial state).
 */
static int read_fpu(uint8_t *img, uint64_t buf)
{
	const struct fpx_sw_bytes *sw = (const void *)(img + FP_SW_BYTES_OFFSET);
	uint64_t *bv = (uint64_t *)(img + XSAVE_HEADER);
	uint32_t magic2;

	if (!IS_ALIGNED(buf, fpu_has_xsave() ? 64 : 16) || copy_from_user(img, (void *)buf, 512))
		return -EFAULT;
	if (!fpu_has_xsave())
		return 0;
	bool ext = sw->magic1 == FP_XSTATE_MAGIC1 && sw->xstate_size >= XSAVE_MIN &&
		   sw->xstate_size <= fpu_state_size &&
		   sw->extended_size == sw->xstate_size + sizeof(uint32_t) &&
		   !get_user(magic2, (uint32_t __user *)(buf + sw->xstate_size)) &&
		   magic2 == FP_XSTATE_MAGIC2;
	if (!ext) {
		memset(img + XSAVE_HEADER, 0, fpu_state_size - XSAVE_HEADER);
		*bv = XFEATURE_FPSSE;
		return 0;
	}
	uint64_t features = sw->xfeatures;
	if (copy_from_user(img + XSAVE_HEADER, (void *)(buf + XSAVE_HEADER),
			   sw->xstate_size - XSAVE_HEADER))
		return -EFAULT;
	*bv &= features & fpu_xcr0; /* components outside the frame's features: initial state */
	return 0;
}

/* The FPU state of a frame back into the registers; 0 or -EFAULT (then SIGSEGV). */
static int restore_fpu(uint64_t buf)
{
	uint8_t *img;
	int r;

	if (!buf) {
		fpu_reset();
		return 0;
	}
	img = kzalloc(fpu_state_size);
	if (!img)
		return -EFAULT;
	r = read_fpu(img, buf);
	if (!r && fpu_state_check(img))
		r = -EFAULT;
	if (!r)
		fpu_load(img);
	kfree(img);
	return r;
}

static void restore_regs(struct trap_frame *f, const struct k_sigcontext *sc)
{
	f->r8 = sc->r8;
	f->r9 = sc->r9;
	f->r10 = sc->r10;
	f->r11 = sc->r11;
	f->r12 = sc->r12;
	f->r13 = sc->r13;
	f->r14 = sc->r14;
	f->r15 = sc->r15;
	f->rdi = sc->rdi;
	f->rsi = sc->rsi;
	f->rbp = sc->rbp;
	f->rbx = sc->rbx;
	f->rdx = sc->rdx;
	f->rax = sc->rax;
	f->rcx = sc->rcx;
	f->rsp = sc->rsp;
	f->rip = sc->rip;
	f->rflags = (f->rflags & ~FIX_EFLAGS) | (sc->eflags & FIX_EFLAGS) | RFLAGS_IF;
}

/*
 * The handler returned into its restorer, which called us with the stack
 * pointer just above the return address. Everything comes back from the
 * frame, which the handler may have changed; the result is the restored rax.
 */
SYSCALL_DEFINE(rt_sigreturn, void)
{
	struct trap_frame *f = syscall_frame();
	uint64_t frame = f->rsp - sizeof(uint64_t);
	struct k_ucontext uc;
	const struct k_sigcontext *sc = &uc.uc_mcontext;

	f->error = (uint64_t)-1; /* whatever rax holds now, it is no call to restart */
	if (copy_from_user(&uc, (void *)(frame + offsetof(struct k_rt_sigframe, uc)), sizeof(uc)) ||
	    !canonical(sc->rip) || !canonical(sc->rsp) || restore_fpu(sc->fpstate)) {
		signal_force_segv("rt_sigreturn with a bad frame");
		return 0;
	}
	signal_set_mask(uc.uc_sigmask);
	restore_regs(f, sc);
	signal_altstack_set(&uc.uc_stack, f->rsp); /* errors ignored, as Linux does */
	return (long)f->rax;
}
