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

#define SS_ONSTACK  1
#define SS_DISABLE  2
#define MINSIGSTKSZ 2048
#define SIGSTKSZ    8192

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

#define SI_USER	  0
#define SI_KERNEL 0x80
#define SI_QUEUE  (-1)
#define SI_TIMER  (-2)
#define SI_TKILL  (-6)

_Static_assert(sizeof(struct ksiginfo) == 128, "siginfo_t");
_Static_assert(sizeof(struct k_sigaction) == 32, "k_sigaction");
_Static_assert(sizeof(struct k_stack) == 24, "stack_t");

#endif
