/*
 * Every register but RAX, RCX and R11 comes back from a system call as it
 * went in, whichever way the kernel takes: the call that returns at once
 * (getpid, a write to /dev/null), one that blocks (a read on an empty pipe,
 * filled later by another thread), one interrupted by a signal and restarted
 * (SA_RESTART while the read blocks), one that runs a handler on its way out
 * (tgkill to the own thread), and fork, whose child starts from a copy of
 * the caller's registers. A handler that interrupts a call reads the
 * registers of the interrupted code from its ucontext and checks them too:
 * they are what the kernel saved, callee-saved ones included, and what
 * rt_sigreturn puts back.
 *
 * regs_call fills RBX, RBP, R8-R10 and R12-R15 with a pattern made from a
 * seed (RDI, RSI and RDX hold the arguments), makes the call and returns a
 * mask of the registers that changed.
 */
#include "threads.h"
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <ucontext.h>

long regs_call(long nr, long a0, long a1, long a2, uint64_t seed, uint64_t *changed);
extern char regs_call_syscall[], regs_call_ret[];

/* Pattern register i (1..9: RBX, RBP, R12-R15, R10, R8, R9) is seed ^ i. */
__asm__(".text\n"
	".globl regs_call\n"
	"regs_call:\n"
	"	pushq %rbx\n"
	"	pushq %rbp\n"
	"	pushq %r12\n"
	"	pushq %r13\n"
	"	pushq %r14\n"
	"	pushq %r15\n"
	"	pushq %r9\n"  /* 32: changed */
	"	pushq %rcx\n" /* 24: a2 */
	"	pushq %rdx\n" /* 16: a1 */
	"	pushq %rsi\n" /* 8: a0 */
	"	pushq %r8\n"  /* 0: seed */
	"	movq %rdi, %rax\n"
	"	movq %rsi, %rdi\n"
	"	movq %rdx, %rsi\n"
	"	movq %rcx, %rdx\n"
	"	movq %r8, %rbx\n	xorq $1, %rbx\n"
	"	movq %r8, %rbp\n	xorq $2, %rbp\n"
	"	movq %r8, %r12\n	xorq $3, %r12\n"
	"	movq %r8, %r13\n	xorq $4, %r13\n"
	"	movq %r8, %r14\n	xorq $5, %r14\n"
	"	movq %r8, %r15\n	xorq $6, %r15\n"
	"	movq %r8, %r10\n	xorq $7, %r10\n"
	"	movq %r8, %r9\n	xorq $9, %r9\n"
	"	xorq $8, %r8\n"
	"regs_call_syscall:\n"
	"	syscall\n"
	"regs_call_ret:\n"
	"	xorl %r11d, %r11d\n"
	"	movq 0(%rsp), %rcx\n"
	"	.macro regs_check reg, i\n"
	"	xorq %rcx, \\reg\n"
	"	xorq $\\i, \\reg\n"
	"	negq \\reg\n"
	"	sbbq \\reg, \\reg\n"
	"	andq $(1 << \\i), \\reg\n"
	"	orq \\reg, %r11\n"
	"	.endm\n"
	"	regs_check %rbx, 1\n"
	"	regs_check %rbp, 2\n"
	"	regs_check %r12, 3\n"
	"	regs_check %r13, 4\n"
	"	regs_check %r14, 5\n"
	"	regs_check %r15, 6\n"
	"	regs_check %r10, 7\n"
	"	regs_check %r8, 8\n"
	"	regs_check %r9, 9\n"
	"	.purgem regs_check\n"
	"	addq $8, %rsp\n" /* RDI, RSI, RDX against the arguments */
	"	popq %rcx\n	xorq %rcx, %rdi\n	orq %rdi, %r11\n"
	"	popq %rcx\n	xorq %rcx, %rsi\n	orq %rsi, %r11\n"
	"	popq %rcx\n	xorq %rcx, %rdx\n	orq %rdx, %r11\n"
	"	popq %r9\n"
	"	movq %r11, (%r9)\n"
	"	popq %r15\n"
	"	popq %r14\n"
	"	popq %r13\n"
	"	popq %r12\n"
	"	popq %rbp\n"
	"	popq %rbx\n"
	"	ret\n");

static volatile uint64_t seed_now; /* the seed of the call in progress */
static atomic_int handled, ctx_checked, ctx_bad;

/*
 * At regs_call's syscall (a restarted call) or just after it (a handler on
 * the way out): the interrupted registers must hold the pattern.
 */
static void on_signal(int sig, siginfo_t *si, void *ucv)
{
	static const int regs[] = { 0,	     REG_RBX, REG_RBP, REG_R12, REG_R13,
				    REG_R14, REG_R15, REG_R10, REG_R8,	REG_R9 };
	ucontext_t *uc = ucv;
	const greg_t *g = uc->uc_mcontext.gregs;
	char *rip = (char *)g[REG_RIP];

	(void)si;
	if (sig == SIGUSR1)
		atomic_fetch_add(&handled, 1);
	if (rip != regs_call_syscall && rip != regs_call_ret)
		return;
	uint64_t seed = seed_now;
	int bad = 0;

	for (int i = 1; i <= 9; i++)
		bad |= (uint64_t)g[regs[i]] != (seed ^ (uint64_t)i);
	atomic_fetch_add(&ctx_checked, 1);
	atomic_fetch_add(&ctx_bad, bad);
}

static uint64_t call_mask(long nr, long a0, long a1, long a2, long *ret)
{
	uint64_t changed = ~0ull;

	seed_now = 0x5a5a000000000000ull ^ ((uint64_t)nr << 32) ^ (uint64_t)rand();
	/* the pattern's low 4 bits are XORed with 1..9: keep them clear */
	seed_now &= ~0xfull;
	*ret = regs_call(nr, a0, a1, a2, seed_now, &changed);
	return changed;
}

static int pipefd[2];

static void *writer(void *arg)
{
	for (int i = 0; i < 40; i++) {
		sleep_ms(3);
		if (write(pipefd[1], "y", 1) != 1)
			exit(97);
	}
	return NULL;
}

int main(void)
{
	struct sigaction sa = { 0 };
	uint64_t bad = 0;
	long r;
	int null = open("/dev/null", O_WRONLY);
	char c;

	setup();
	watchdog(60);
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);

	phase("quick calls");
	for (int i = 0; i < 2000; i++) {
		bad |= call_mask(SYS_getpid, 0, 0, 0, &r);
		bad |= r != getpid();
		bad |= call_mask(SYS_gettid, 0, 0, 0, &r);
		bad |= call_mask(SYS_write, null, (long)"x", 1, &r);
		bad |= r != 1;
	}
	check("registers kept by getpid, gettid, write to /dev/null", bad == 0);

	phase("handler on the way out");
	bad = 0;
	for (int i = 0; i < 200; i++) {
		bad |= call_mask(SYS_tgkill, getpid(), tid(), SIGUSR1, &r);
		bad |= r != 0;
	}
	check("registers kept when tgkill runs a handler on its way out", bad == 0);
	check("every tgkill handled", atomic_load(&handled) == 200);

	phase("blocking reads");
	struct itimerval it = { { 0, 700 }, { 0, 700 } };
	pthread_t th;
	int got = 0;

	bad = 0;
	if (pipe(pipefd))
		die_setup("pipe");
	must("pthread_create", pthread_create(&th, NULL, writer, NULL));
	setitimer(ITIMER_REAL, &it, NULL);
	for (int i = 0; i < 40; i++) {
		bad |= call_mask(SYS_read, pipefd[0], (long)&c, 1, &r);
		got += r == 1 && c == 'y';
	}
	it = (struct itimerval){ 0 };
	setitimer(ITIMER_REAL, &it, NULL);
	pthread_join(th, NULL);
	check("40 blocking reads, restarted after SIGALRM, each read its byte", got == 40);
	check("registers kept across blocking and restarted reads", bad == 0);

	phase("fork");
	uint64_t changed = ~0ull;

	seed_now = 0x1234567812345670ull;
	r = regs_call(SYS_fork, 0, 0, 0, seed_now, &changed);
	if (r == 0)
		_exit(changed ? 1 : 0);
	int status = -1;

	waitpid((pid_t)r, &status, 0);
	check("fork: the parent's registers kept", changed == 0);
	check("fork: the child starts with the caller's registers",
	      WIFEXITED(status) && WEXITSTATUS(status) == 0);

	check("handlers saw the interrupted calls (200 tgkills at least)",
	      atomic_load(&ctx_checked) >= 200);
	check("every interrupted call's registers in its handler's ucontext",
	      atomic_load(&ctx_bad) == 0);
	if (atomic_load(&ctx_bad))
		printf("(%d of %d contexts wrong)\n", atomic_load(&ctx_bad),
		       atomic_load(&ctx_checked));
	return 0;
}
