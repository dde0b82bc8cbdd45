/*
 * Signals arriving around the fast end of a system call. A signal that is
 * pending and unblocked when a call enters the kernel runs its handler
 * before that call returns: another thread posts SIGUSR1 with tgkill, then
 * publishes the post's number; the main thread reads the number, makes one
 * call (getpid, a 1-byte write to /dev/null, sigpending), and the handler
 * must have counted that post by then. An interval timer adds SIGALRMs at
 * any moment, handled on the way out of whatever call or interrupt they
 * meet. (sigpending reports blocked signals only, on Linux as here, so it
 * cannot show an unblocked one still to run.) Around every call, inline assembly
 * fills the 128-byte red zone below the stack pointer and xmm0-xmm2 with a
 * pattern and checks them after the `syscall`, while the handlers use the
 * FPU and a stack of their own: neither the kernel's entry and exit nor a
 * handler frame may touch them.
 *
 * With the argument "process", the caller is a child of one thread (its
 * read and write of /dev/null take their direct entry, with interrupts off
 * throughout) making only 1-byte writes to /dev/null, and the poster is
 * its parent, with kill(); the counters live in shared memory.
 */
#include "threads.h"
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/time.h>

#define POSTS 3000

struct counters {
	atomic_int posted, usr1_handled, alrm_handled;
	atomic_int sender_done;
};
static struct counters *c;
static pid_t main_tid;
static volatile double sink;

static void on_signal(int sig)
{
	/* The FPU in the handler: its state must not leak into the interrupted code. */
	double x = sig;
	for (int i = 0; i < 8; i++)
		x = x * 1.5 + 0.25;
	sink = x;
	if (sig == SIGUSR1)
		atomic_fetch_add(&c->usr1_handled, 1);
	else
		atomic_fetch_add(&c->alrm_handled, 1);
}

/*
 * Inlined into main, which calls functions and so keeps nothing in its red
 * zone. One system call with the red zone and xmm0-xmm2 full of a pattern made
 * from seed; returns the call's result and sets *bad to the number of
 * words (of 16 in the red zone, 3 in xmm) that changed.
 */
static inline __attribute__((always_inline)) long call_checked(long nr, long a0, long a1, long a2,
							       unsigned long seed, int *bad)
{
	long ret;

	__asm__ __volatile__(
		/* the red zone: 16 words at -8(%rsp)..-128(%rsp) */
		"movq %[seed], %%r11\n\t"
		"movq $-128, %%rcx\n"
		"1:\tmovq %%r11, (%%rsp,%%rcx)\n\t"
		"addq $1, %%r11\n\t"
		"addq $8, %%rcx\n\t"
		"jnz 1b\n\t"
		"movq %[seed], %%xmm0\n\t"
		"movq %%r11, %%xmm1\n\t"
		"movq %[nr], %%xmm2\n\t"
		"syscall\n\t"
		/* count the words that changed */
		"xorl %%edi, %%edi\n\t"
		"movq %[seed], %%r11\n\t"
		"movq $-128, %%rcx\n"
		"2:\tcmpq %%r11, (%%rsp,%%rcx)\n\t"
		"setne %%dl\n\t"
		"movzbl %%dl, %%edx\n\t"
		"addq %%rdx, %%rdi\n\t"
		"addq $1, %%r11\n\t"
		"addq $8, %%rcx\n\t"
		"jnz 2b\n\t"
		"movq %%xmm0, %%rdx\n\t"
		"cmpq %[seed], %%rdx\n\t"
		"setne %%dl\n\t"
		"movzbl %%dl, %%edx\n\t"
		"addq %%rdx, %%rdi\n\t"
		"movq %%xmm1, %%rdx\n\t"
		"cmpq %%r11, %%rdx\n\t"
		"setne %%dl\n\t"
		"movzbl %%dl, %%edx\n\t"
		"addq %%rdx, %%rdi\n\t"
		"movq %%xmm2, %%rdx\n\t"
		"cmpq %[nr], %%rdx\n\t"
		"setne %%dl\n\t"
		"movzbl %%dl, %%edx\n\t"
		"addq %%rdx, %%rdi\n\t"
		: "=a"(ret), "+D"(a0), "+S"(a1), "+d"(a2)
		: "0"(nr), [nr] "r"(nr), [seed] "r"(seed)
		: "rcx", "r11", "xmm0", "xmm1", "xmm2", "memory", "cc");
	*bad = (int)a0; /* the words that changed */
	return ret;
}

/* Post SIGUSR1 POSTS times with post(), one at a time: the next only once this one ran. */
static void posts(int (*post)(void))
{
	for (int i = 1; i <= POSTS; i++) {
		if (post()) {
			printf("post: %s\n", ename(errno));
			exit(1);
		}
		atomic_store(&c->posted, i);
		while (atomic_load(&c->usr1_handled) < i)
			sched_yield();
	}
	atomic_store(&c->sender_done, 1);
}

static int post_tgkill(void)
{
	return syscall(SYS_tgkill, getpid(), main_tid, SIGUSR1);
}

static void *sender(void *arg)
{
	posts(post_tgkill);
	return NULL;
}

static pid_t caller_pid;

static int post_kill(void)
{
	return kill(caller_pid, SIGUSR1);
}

static int late, clobbered, odd_pending;
static long rounds;

/* Calls until the sender is done: from the calls list, or only writes to /dev/null. */
static void calls_loop(bool writes_only)
{
	int null = open("/dev/null", O_WRONLY);

	while (!atomic_load(&c->sender_done)) {
		static const long calls[] = { SYS_getpid, SYS_write, SYS_rt_sigpending };
		long nr = writes_only ? SYS_write : calls[rounds % 3];
		unsigned long set = 0;
		int bad;
		int p = atomic_load(&c->posted);
		long r = call_checked(nr, nr == SYS_write ? null : (long)&set,
				      nr == SYS_write ? (long)"x" : 8, 1, rounds * 64, &bad);

		if (nr == SYS_getpid && r != getpid())
			printf("getpid returned %ld\n", r);
		if (nr == SYS_write && r != 1)
			printf("write returned %ld\n", r);
		if (atomic_load(&c->usr1_handled) < p)
			late++;
		if (nr == SYS_rt_sigpending && (r != 0 || set))
			odd_pending++;
		clobbered += bad;
		/* On one CPU, let the sender post the next one. */
		if (++rounds % 8 == 0)
			sched_yield();
	}
}

/*
 * The checks, printed once no timer signal can interrupt the writes (an
 * interrupted write to the console may fail with EINTR and lose a line).
 */
static int report(bool writes_only)
{
	printf("SIGUSR1 posts: %d, handled: %d\n", POSTS, atomic_load(&c->usr1_handled));
	check("every post handled before the next call returned", late == 0);
	check("red zone and xmm0-xmm2 intact across every call", clobbered == 0);
	if (!writes_only)
		check("sigpending empty with nothing blocked", odd_pending == 0);
	if (late || clobbered)
		printf("(late %d, words changed %d, in %ld calls)\n", late, clobbered, rounds);
	return 0;
}

/* The caller a child of one thread, the poster its parent. */
static void across_processes(void)
{
	int status;

	phase("posts from the parent, writes to /dev/null in a child of one thread");
	caller_pid = fork();
	if (caller_pid < 0)
		die_setup("fork");
	if (caller_pid == 0) {
		calls_loop(true);
		_exit(report(true));
	}
	posts(post_kill);
	if (waitpid(caller_pid, &status, 0) != caller_pid)
		die_setup("waitpid");
	result("the child's status", status);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { 0 };
	struct itimerval it = { { 0, 500 }, { 0, 500 } };
	pthread_t th;
	sigset_t alrm;

	setup();
	c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c == MAP_FAILED)
		die_setup("mmap");
	/* The other threads block SIGALRM: the process's timer signal is the main thread's. */
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigprocmask(SIG_BLOCK, &alrm, NULL);
	watchdog(60);
	main_tid = tid();
	sa.sa_handler = on_signal;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	if (argc > 1 && !strcmp(argv[1], "process")) {
		across_processes();
		return 0;
	}
	setitimer(ITIMER_REAL, &it, NULL);
	phase("posts");
	pthread_create(&th, NULL, sender, NULL);
	sigprocmask(SIG_UNBLOCK, &alrm, NULL);
	calls_loop(false);
	pthread_join(th, NULL);
	it = (struct itimerval){ 0 };
	setitimer(ITIMER_REAL, &it, NULL);
	report(false);
	check("SIGALRM handled", atomic_load(&c->alrm_handled) > 0);
	return 0;
}
