/* Linux x86_64 signal numbers and structures (as the kernel ABI has them). */
#ifndef UAPI_SIGNAL_H
#define UAPI_SIGNAL_H

#include <stdint.h>

#define SIGHUP	  1
#define SIGINT	  2
#define SIGQUIT	  3
#define SIGILL	  4
#define SIGTRAP	  5
#define SIGABRT	  6
#define SIGBUS	  7
#define SIGFPE	  8
#define SIGKILL	  9
#define SIGUSR1	  10
#define SIGSEGV	  11
#define SIGUSR2	  12
#define SIGPIPE	  13
#define SIGALRM	  14
#define SIGTERM	  15
#define SIGSTKFLT 16
#define SIGCHLD	  17
#define SIGCONT	  18
#define SIGSTOP	  19
#define SIGTSTP	  20
#define SIGTTIN	  21
#define SIGTTOU	  22
#define SIGURG	  23
#define SIGXCPU	  24
#define SIGXFSZ	  25
#define SIGVTALRM 26
#define SIGPROF	  27
#define SIGWINCH  28
#define SIGIO	  29
#define SIGPWR	  30
#define SIGSYS	  31
#define SIGRTMIN  32
#define SIGRTMAX  64
#define NSIG	  65 /* signals are 1..64; index 0 unused */

#define SIG_DFL ((uint64_t)0)
#define SIG_IGN ((uint64_t)1)

#define SA_NOCLDSTOP 0x00000001
#define SA_NOCLDWAIT 0x00000002
#define SA_SIGINFO   0x00000004
#define SA_RESTORER  0x04000000
#define SA_ONSTACK   0x08000000
#define SA_RESTART   0x10000000
#define SA_NODEFER   0x40000000
#define SA_RESETHAND 0x80000000

#define SIG_BLOCK   0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

#define SS_ONSTACK    1
#define SS_DISABLE    2
#define SS_AUTODISARM (1u << 31)
#define MINSIGSTKSZ   2048
#define SIGSTKSZ      8192

typedef uint64_t ksigset_t;

#define SIGMASK(sig) (1ull << ((sig)-1))

/* rt_sigaction's struct (the kernel's, not glibc's). */
struct k_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	ksigset_t mask;
};

struct k_stack {
	uint64_t ss_sp;
	int ss_flags;
	int pad;
	uint64_t ss_size;
};

/* siginfo_t as the kernel writes it: 128 bytes, the union's fields by use. */
struct ksiginfo {
	int si_signo;
	int si_errno;
	int si_code;
	int pad0;
	union {
		struct {
			int pid;
			unsigned int uid;
			uint64_t value; /* sigqueue, timers (sigval) */
		} kill;
		struct {
			int timerid;
			int overrun;
			uint64_t value;
		} timer;
		struct {
			uint64_t addr; /* SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP */
		} fault;
		struct {
			int pid;
			unsigned int uid;
			int status;
			int pad;
			long utime, stime;
		} child;
		uint8_t pad[112];
	};
};

#define SI_USER	   0
#define SI_KERNEL  0x80
#define SI_QUEUE   (-1)
#define SI_TIMER   (-2)
#define SI_MESGQ   (-3)
#define SI_ASYNCIO (-4)
#define SI_SIGIO   (-5)
#define SI_TKILL   (-6)

/* si_code of the faults (SEGV_MAPERR and SEGV_ACCERR are in alto/vm.h). */
#define ILL_ILLOPC 1
#define ILL_ILLOPN 2
#define FPE_INTDIV 1
#define FPE_INTOVF 2
#define FPE_FLTDIV 3
#define FPE_FLTOVF 4
#define FPE_FLTUND 5
#define FPE_FLTRES 6
#define FPE_FLTINV 7
#define FPE_FLTSUB 8
#define BUS_ADRALN 1
#define BUS_ADRERR 2
#define TRAP_BRKPT 1
#define TRAP_TRACE 2

/*
 * The signal frame that Linux builds on the application's stack for a
 * handler (arch/x86/include/asm/sigframe.h): the return address (the
 * sa_restorer, which calls rt_sigreturn), the ucontext, the siginfo; the
 * FPU state lies above, 64-byte aligned, pointed to by uc_mcontext.fpstate.
 */
struct k_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp;
	uint64_t rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate; /* the XSAVE (or FXSAVE) image, or 0 */
	uint64_t reserved1[8];
};

struct k_ucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct k_stack uc_stack;
	struct k_sigcontext uc_mcontext;
	ksigset_t uc_sigmask;
};

struct k_rt_sigframe {
	uint64_t pretcode;
	struct k_ucontext uc;
	struct ksiginfo info;
};

#define UC_FP_XSTATE	     0x1
#define UC_SIGCONTEXT_SS     0x2
#define UC_STRICT_RESTORE_SS 0x4

/* In the FXSAVE image's software-available bytes, when the XSAVE layout follows. */
struct fpx_sw_bytes {
	uint32_t magic1;	/* FP_XSTATE_MAGIC1 */
	uint32_t extended_size; /* xstate_size + 4: the image and the trailing magic2 */
	uint64_t xfeatures;
	uint32_t xstate_size;
	uint32_t padding[7];
};

#define FP_XSTATE_MAGIC1   0x46505853u
#define FP_XSTATE_MAGIC2   0x46505845u
#define FP_SW_BYTES_OFFSET 464

/* What read() returns from a signalfd. */
struct signalfd_siginfo {
	uint32_t ssi_signo;
	int32_t ssi_errno;
	int32_t ssi_code;
	uint32_t ssi_pid;
	uint32_t ssi_uid;
	int32_t ssi_fd;
	uint32_t ssi_tid;
	uint32_t ssi_band;
	uint32_t ssi_overrun;
	uint32_t ssi_trapno;
	int32_t ssi_status;
	int32_t ssi_int;
	uint64_t ssi_ptr;
	uint64_t ssi_utime;
	uint64_t ssi_stime;
	uint64_t ssi_addr;
	uint16_t ssi_addr_lsb;
	uint16_t pad2;
	int32_t ssi_syscall;
	uint64_t ssi_call_addr;
	uint32_t ssi_arch;
	uint8_t pad[28];
};

#define SFD_NONBLOCK 00004000
#define SFD_CLOEXEC  02000000

_Static_assert(sizeof(struct ksiginfo) == 128, "siginfo_t");
_Static_assert(sizeof(struct k_sigaction) == 32, "k_sigaction");
_Static_assert(sizeof(struct k_stack) == 24, "stack_t");
_Static_assert(sizeof(struct k_sigcontext) == 256, "sigcontext");
_Static_assert(sizeof(struct k_ucontext) == 304, "ucontext");
_Static_assert(sizeof(struct k_rt_sigframe) == 440, "rt_sigframe");
_Static_assert(sizeof(struct fpx_sw_bytes) == 48, "_fpx_sw_bytes");
_Static_assert(sizeof(struct signalfd_siginfo) == 128, "signalfd_siginfo");

#endif
