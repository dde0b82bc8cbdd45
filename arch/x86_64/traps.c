/*
 * The IDT and the C side of every trap: exceptions, device interrupts and the
 * fault report. An unexpected exception in the kernel prints everything that
 * helps find the bug (vector, error, CR2, registers, a symbolized backtrace)
 * and powers off with a failure status; it never hangs.
 */
#include <alto/apic.h>
#include <alto/cpu.h>
#include <alto/fpu.h>
#include <alto/interrupt.h>
#include <alto/ksyms.h>
#include <alto/layout.h>
#include <alto/mm.h>
#include <alto/power.h>
#include <alto/printk.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/signal.h>
#include <alto/vm.h>
#include <alto/trace.h>
#include <alto/trap.h>
#include <alto/x86.h>
#include <uapi/errno.h>
#include "internal.h"
#define TRACE_DEFINE 1
#include "irq_trace.h"

struct idt_entry {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));

static struct idt_entry idt[256] __attribute__((aligned(16)));

struct irq_slot {
	irq_handler_fn fn;
	void *arg;
};
static struct irq_slot irq_handlers[256];
static struct spinlock vector_lock = SPINLOCK_INIT;
static int next_vector = VEC_DYNAMIC;

int (*page_fault_hook)(struct trap_frame *f, uint64_t addr);

/* The boot CPU's IST stacks; other CPUs allocate theirs. */
static uint8_t bsp_ist_tramp[IST_TRAMPOLINE_SIZE] __attribute__((aligned(16)));
static uint8_t bsp_ist_fatal[3][IST_FATAL_SIZE] __attribute__((aligned(16)));

static const char *const exception_names[32] = {
	"divide error",
	"debug",
	"NMI",
	"breakpoint",
	"overflow",
	"bound range",
	"invalid opcode",
	"device not available",
	"double fault",
	"coprocessor overrun",
	"invalid TSS",
	"segment not present",
	"stack fault",
	"general protection",
	"page fault",
	"reserved",
	"x87 floating point",
	"alignment check",
	"machine check",
	"SIMD floating point",
	"virtualization",
	"control protection",
};

static int ist_for_vector(unsigned int v)
{
	switch (v) {
	case VEC_DF:
		return IST_DOUBLE;
	case VEC_NMI:
		return IST_NMI;
	case VEC_MC:
		return IST_MCE;
	default:
		return IST_TRAMPOLINE;
	}
}

void idt_init(void)
{
	for (unsigned int v = 0; v < 256; v++) {
		uint64_t addr = (uint64_t)trap_stubs + 16 * v;
		idt[v] = (struct idt_entry){
			.offset_lo = addr & 0xffff,
			.selector = GDT_KERNEL_CS,
			.ist = ist_for_vector(v),
			.type = 0x8e, /* present, ring 0, interrupt gate */
			.offset_mid = (addr >> 16) & 0xffff,
			.offset_hi = addr >> 32,
		};
	}
}

void idt_load(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} ptr = { sizeof(idt) - 1, (uint64_t)idt };

	__asm__ __volatile__("lidt %0" : : "m"(ptr));
}

void traps_init(void)
{
	idt_init();
}

/* The boot CPU's IST stacks are static; the others come from the page allocator. */
static void ist_tops(unsigned int cpu_id, uint64_t tops[IST_COUNT])
{
	for (int i = 0; i < IST_COUNT; i++) {
		size_t size = i == IST_TRAMPOLINE - 1 ? IST_TRAMPOLINE_SIZE : IST_FATAL_SIZE;
		uint8_t *stack;
		if (cpu_id == 0)
			stack = i == IST_TRAMPOLINE - 1 ? bsp_ist_tramp : bsp_ist_fatal[i - 1];
		else
			stack = page_alloc(size > PAGE_SIZE ? 2 : 0);
		if (!stack)
			panic("traps: no memory for CPU %u's interrupt stacks", cpu_id);
		tops[i] = (uint64_t)(stack + size);
	}
}

void traps_init_cpu(unsigned int cpu_id)
{
	uint64_t tops[IST_COUNT];

	ist_tops(cpu_id, tops);
	gdt_init_cpu(cpu_id, tops);
	idt_load();
}

void trap_regs_print(const struct trap_frame *f)
{
	printk("  rip %016lx  rsp %016lx  rflags %016lx\n", f->rip, f->rsp, f->rflags);
	printk("  rax %016lx  rbx %016lx  rcx %016lx\n", f->rax, f->rbx, f->rcx);
	printk("  rdx %016lx  rsi %016lx  rdi %016lx\n", f->rdx, f->rsi, f->rdi);
	printk("  rbp %016lx  r8  %016lx  r9  %016lx\n", f->rbp, f->r8, f->r9);
	printk("  r10 %016lx  r11 %016lx  r12 %016lx\n", f->r10, f->r11, f->r12);
	printk("  r13 %016lx  r14 %016lx  r15 %016lx\n", f->r13, f->r14, f->r15);
	printk("  cs %04lx  ss %04lx  cr0 %016lx  cr3 %016lx  cr4 %016lx\n", f->cs, f->ss,
	       read_cr0(), read_cr3(), read_cr4());
}

void trap_frame_print(const struct trap_frame *f)
{
	trap_regs_print(f);
	backtrace_print(f->rip, f->rbp);
}

static const char *exception_name(unsigned int v)
{
	if (v < 32 && exception_names[v])
		return exception_names[v];
	return "exception";
}

__noreturn void fault_fatal(struct trap_frame *f, const char *why)
{
	static int nested;
	struct thread *t = current_thread();
	uintptr_t off = 0;
	char buf[KSYM_NAME_MAX];
	const char *fn = ksym_lookup(f->rip, &off, buf);

	irq_disable();
	printk_panic_mode();
	if (nested++) {
		printk("Fault while reporting a fault (vector %u at %016lx)\n", f->vector, f->rip);
		power_off_panic();
	}
	printk("\nFatal %s: %s (vector %u, error %#lx) at %016lx %s+%#lx\n", why,
	       exception_name(f->vector), f->vector, f->error, f->rip, fn ? fn : "?", off);
	if (f->vector == VEC_PF)
		printk("  faulting address (cr2) %016lx: %s %s%s\n", read_cr2(),
		       f->error & PF_WRITE ? "write" : (f->error & PF_FETCH ? "fetch" : "read"),
		       f->error & PF_PRESENT ? "protection violation" : "not present",
		       f->error & PF_RSVD ? ", reserved bit" : "");
	printk("  thread %d \"%s\", cpu %u\n", t ? t->tid : -1, t ? t->name : "boot",
	       this_cpu()->id);
	trap_frame_print(f);
	trace_dump_panic();
	power_off_panic();
}

/*
 * The si_code of a floating-point exception, from the unmasked exception
 * flags of the x87 status word or MXCSR (Linux's fpu__exception_code).
 */
static int fpe_code(unsigned int vector)
{
	struct thread *t = current_thread();
	const uint8_t *img = t->fpu;
	uint32_t err;

	fpu_sync();
	if (vector == VEC_MF) {
		uint16_t cw = *(const uint16_t *)img, sw = *(const uint16_t *)(img + 2);
		err = sw & ~cw;
	} else {
		uint32_t mxcsr = *(const uint32_t *)(img + 24);
		err = ~(mxcsr >> 7) & mxcsr;
	}
	if (err & 0x001)
		return FPE_FLTINV;
	if (err & 0x004)
		return FPE_FLTDIV;
	if (err & 0x008)
		return FPE_FLTOVF;
	if (err & 0x012)
		return FPE_FLTUND;
	if (err & 0x020)
		return FPE_FLTRES;
	return FPE_FLTINV;
}

/*
 * The signal, si_code and si_addr for an exception in application code, as
 * Linux gives them: an int3 reports the address after it (as the CPU does)
 * but no si_addr; #GP and friends are SI_KERNEL without an address.
 */
static int app_signal(const struct trap_frame *f, int *code, uint64_t *addr)
{
	*code = SI_KERNEL;
	*addr = 0;
	switch (f->vector) {
	case VEC_DE:
		*code = FPE_INTDIV;
		*addr = f->rip;
		return SIGFPE;
	case VEC_MF:
	case VEC_XM:
		*code = fpe_code(f->vector);
		*addr = f->rip;
		return SIGFPE;
	case VEC_UD:
		*code = ILL_ILLOPN;
		*addr = f->rip;
		return SIGILL;
	case VEC_DB:
		*code = TRAP_TRACE;
		*addr = f->rip;
		return SIGTRAP;
	case VEC_BP:
		return SIGTRAP;
	case VEC_AC:
		*code = BUS_ADRALN;
		return SIGBUS;
	case VEC_NP:
	case VEC_SS:
		return SIGBUS;
	default:
		return SIGSEGV;
	}
}

static void exception(struct trap_frame *f)
{
	int code;
	uint64_t addr;

	trace_exception(f->vector, f->rip, f->error, f->from_app);
	if (f->vector == VEC_PF) {
		addr = read_cr2();
		code = page_fault_hook ? page_fault_hook(f, addr) : SEGV_MAPERR;
		if (!code)
			return;
		if (f->from_app) {
			if (code == VM_FAULT_OOM)
				signal_out_of_memory(addr);
			else if (code == VM_FAULT_SIGBUS)
				signal_fault(f, SIGBUS, BUS_ADRERR, addr);
			else
				signal_fault(f, SIGSEGV, code, addr);
			return;
		}
		if (extable_fixup(f)) {
			trace_exception_fixup(addr, f->rip);
			return;
		}
	} else if (f->vector == VEC_NM && f->from_app && fpu_trap()) {
		return; /* the thread's first FPU instruction since it was switched in */
	} else if (f->from_app) {
		int sig = app_signal(f, &code, &addr);
		signal_fault(f, sig, code, addr);
		return;
	}
	fault_fatal(f, "kernel fault");
}

/* Interrupts do not nest (gates clear IF): one frame per CPU is being handled. */
static struct trap_frame *irq_frames[MAX_CPUS];

struct trap_frame *trap_irq_frame(void)
{
	return irq_frames[this_cpu()->id];
}

static void device_interrupt(struct trap_frame *f)
{
	struct irq_slot *s = &irq_handlers[f->vector];
	unsigned int cpu = this_cpu()->id;

	this_cpu()->irq_count++;
	if (f->vector == VEC_SPURIOUS)
		return;
	trace_irq_enter(f->vector, f->rip, f->from_app);
	irq_frames[cpu] = f;
	if (s->fn) {
		s->fn(s->arg);
	} else {
		trace_irq_unhandled(f->vector);
		printk("interrupt on unused vector %u\n", f->vector);
	}
	irq_frames[cpu] = NULL;
	apic_eoi();
	trace_irq_exit(f->vector);
}

void trap_dispatch(struct trap_frame *f);
void trap_dispatch(struct trap_frame *f)
{
	if (f->vector < VEC_FIRST_IRQ) {
		exception(f);
	} else {
		device_interrupt(f);
		/* Switch threads on the way out if a wake-up or the time slice asks for it. */
		if (f->rflags & RFLAGS_IF)
			sched_preempt_point();
	}
	if (f->from_app) {
		process_check_exiting();
		signal_exit_to_app(f); /* a fault's signal, or one sent meanwhile */
	}
}

/* A fault on the unmapped page below the current thread's kernel stack. */
static bool is_stack_overflow(void)
{
	struct thread *t = current_thread();
	uint64_t cr2 = read_cr2();
	uint64_t bottom = t ? (uint64_t)t->stack : 0;

	return bottom && cr2 < bottom && cr2 >= bottom - PAGE_SIZE;
}

void trap_direct_dispatch(struct trap_frame *f);
void trap_direct_dispatch(struct trap_frame *f)
{
	switch (f->vector) {
	case VEC_NMI:
		printk("NMI on cpu %u\n", this_cpu()->id);
		return;
	case VEC_DF:
		fault_fatal(f, "double fault (kernel stack overflow?)");
	case VEC_MC:
		fault_fatal(f, "machine check");
	default:
		if (f->vector == VEC_PF && is_stack_overflow())
			fault_fatal(f, "kernel stack overflow");
		fault_fatal(f, "fault in trap entry");
	}
}

void irq_set_handler(unsigned int vector, irq_handler_fn fn, void *arg)
{
	irq_handlers[vector].arg = arg;
	WRITE_ONCE(irq_handlers[vector].fn, fn);
}

int irq_alloc_vector(void)
{
	unsigned long flags = spin_lock(&vector_lock);
	int v = next_vector < VEC_TIMER ? next_vector++ : -ENOSPC;

	spin_unlock(&vector_lock, flags);
	return v;
}
