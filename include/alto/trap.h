/*
 * The saved state of an interrupted context, as the trap entry stub
 * (arch/x86_64/entry.S) lays it out on the thread's stack: general registers,
 * then the vector and error code, then the frame the CPU pushed.
 */
#ifndef ALTO_TRAP_H
#define ALTO_TRAP_H

#include <stdbool.h>
#include <stdint.h>

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint32_t vector;   /* VEC_SYSCALL for a system call */
	uint32_t from_app; /* application code was interrupted */
	/*
	 * The CPU's error code; for a system call, its number as it arrived in
	 * rax (the restart of an interrupted call needs it), or -1 once the
	 * frame no longer belongs to a call that may restart (rt_sigreturn).
	 */
	uint64_t error;
	uint64_t rip, cs, rflags, rsp, ss;
};

_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap frame layout matches entry.S");

#define VEC_DE	    0
#define VEC_DB	    1
#define VEC_NMI	    2
#define VEC_BP	    3
#define VEC_UD	    6
#define VEC_NM	    7
#define VEC_DF	    8
#define VEC_TS	    10
#define VEC_NP	    11
#define VEC_SS	    12
#define VEC_GP	    13
#define VEC_PF	    14
#define VEC_MF	    16
#define VEC_AC	    17
#define VEC_MC	    18
#define VEC_XM	    19
#define VEC_SYSCALL 0x100 /* not a CPU vector: the frame of a system call (syscall.S) */

/* Page fault error code bits. */
#define PF_PRESENT (1u << 0)
#define PF_WRITE   (1u << 1)
#define PF_USER	   (1u << 2)
#define PF_RSVD	   (1u << 3)
#define PF_FETCH   (1u << 4)

void traps_init(void);
/* Load the IDT, GDT and TSS on this CPU. */
void traps_init_cpu(unsigned int cpu_id);

/* The frame of the interrupt this CPU is handling (for the profiler), or NULL. */
struct trap_frame *trap_irq_frame(void);

/* Print a full report of an unexpected fault and power off with EXIT_PANIC. */
__attribute__((noreturn)) void fault_fatal(struct trap_frame *f, const char *why);
/* Print registers and a backtrace for f. */
void trap_frame_print(const struct trap_frame *f);
/* Print the registers only. */
void trap_regs_print(const struct trap_frame *f);

/* If f faulted in a user-copy instruction, move it to its fixup and return true. */
bool extable_fixup(struct trap_frame *f);

/*
 * Page faults are offered to this hook first (the application's address
 * space); it returns 0 when it resolved the fault, else the si_code
 * (SEGV_MAPERR or SEGV_ACCERR) for the SIGSEGV.
 */
extern int (*page_fault_hook)(struct trap_frame *f, uint64_t addr);

#endif
