/*
 * FPU, SSE and AVX state across thread switches, for a kernel that saves
 * and loads it lazily (Alto: only for threads that used it, on first use
 * through a #NM trap). Threads hold a pattern of their own in xmm0-15 (ymm0-15
 * with AVX), an x87 register, the x87 control word and MXCSR's rounding
 * mode, inside one inline-assembly block that then makes hundreds of system
 * calls without touching those registers (sched_yield, or a pipe ping-pong
 * with a thread doing the same), while other threads compute with the FPU
 * and compare their results with the same computation done alone; then
 * the block stores the registers and the program compares them. Signal
 * handlers that clobber every vector register and the rounding modes arrive
 * in the middle (an interval timer and tgkill from another thread); each
 * must start with the default MXCSR and control word. A fork from inside
 * such a block, with the state in the registers and with it saved, gives
 * the child the same registers. With -c 2 and -c 4 threads also move
 * between CPUs. Only yes/no lines are printed: the counts depend on timing.
 */
#include "threads.h"
#include <cpuid.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#define NREGS	16
#define VBYTES	(NREGS * 32) /* ymm size; xmm use the first 16 bytes of each slot */
#define MXCSR_0 0x1f80
#define FCW_0	0x037f

static int have_avx;
static atomic_int stop_compute;

/* What one block of assembly holds in its registers while it makes system calls. */
struct regs {
	uint8_t v[VBYTES];
	double st0;
	uint16_t fcw;
	uint32_t mxcsr;
};

static void fill(struct regs *r, unsigned seed)
{
	for (int i = 0; i < VBYTES; i++)
		r->v[i] = (uint8_t)(seed * 131 + i * 7 + 1);
	r->st0 = 1.0 + seed / 1024.0;
	r->fcw = (uint16_t)(FCW_0 | ((seed & 3) << 10)); /* rounding control */
	r->mxcsr = MXCSR_0 | ((seed & 3) << 13);
}

static int same(const struct regs *a, const struct regs *b)
{
	size_t n = have_avx ? VBYTES : 0;

	if (!have_avx) {
		for (int i = 0; i < NREGS; i++)
			n += !memcmp(a->v + 32 * i, b->v + 32 * i, 16) ? 0 : 1;
		n = n ? 1 : 0;
	} else {
		n = memcmp(a->v, b->v, VBYTES) != 0;
	}
	return !n && a->st0 == b->st0 && a->fcw == b->fcw && a->mxcsr == b->mxcsr;
}

/* clang-format off */
#define V(op, r, o) op " " o "(%[in]), %%" r "\n"
#define S(op, r, o) op " %%" r ", " o "(%[out])\n"
#define ALL(M, op, x)                                                                         \
	M(op, x "0", "0") M(op, x "1", "32") M(op, x "2", "64") M(op, x "3", "96")            \
	M(op, x "4", "128") M(op, x "5", "160") M(op, x "6", "192") M(op, x "7", "224")       \
	M(op, x "8", "256") M(op, x "9", "288") M(op, x "10", "320") M(op, x "11", "352")     \
	M(op, x "12", "384") M(op, x "13", "416") M(op, x "14", "448") M(op, x "15", "480")
#define SCALARS_IN  "fldcw 520(%[in])\n fldl 512(%[in])\n ldmxcsr 524(%[in])\n"
#define SCALARS_OUT "fstpl 512(%[out])\n fnstcw 520(%[out])\n stmxcsr 524(%[out])\n"
/* n sched_yield calls, or n rounds of write(wfd) then read(rfd) of one byte */
#define YIELDS "1: mov $24, %%eax\n syscall\n dec %[n]\n jnz 1b\n"
#define PINGS                                                                                 \
	"1: mov $1, %%eax\n mov %[wfd], %%rdi\n mov %[buf], %%rsi\n mov $1, %%edx\n syscall\n"  \
	"mov $0, %%eax\n mov %[rfd], %%rdi\n mov %[buf], %%rsi\n mov $1, %%edx\n syscall\n"     \
	"dec %[n]\n jnz 1b\n"
#define CLOBBERS                                                                              \
	"rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "xmm0", "xmm1", \
	"xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",     \
	"xmm12", "xmm13", "xmm14", "xmm15"
#define BLOCK(loads, calls, stores)                                                           \
	__asm__ volatile(loads SCALARS_IN calls SCALARS_OUT stores                              \
			 : [n] "+r"(n)                                                          \
			 : [in] "r"(in), [out] "r"(out), [wfd] "r"(wfd), [rfd] "r"(rfd),       \
			   [buf] "r"(&byte)                                                     \
			 : CLOBBERS)
/* n yields (none if 0), then fork; the registers stored in parent and child */
#define FORK_BLOCK(loads, stores)                                                             \
	__asm__ volatile(loads SCALARS_IN "test %[n], %[n]\n jz 2f\n" YIELDS                     \
			 "2: mov $57, %%eax\n syscall\n mov %%rax, %[pid]\n" SCALARS_OUT stores    \
			 : [n] "+r"(n), [pid] "=r"(pid)                                         \
			 : [in] "r"(&in), [out] "r"(&out)                                       \
			 : CLOBBERS)
/* clang-format on */

_Static_assert(offsetof(struct regs, st0) == 512 && offsetof(struct regs, fcw) == 520 &&
		       offsetof(struct regs, mxcsr) == 524,
	       "the offsets the assembly uses");

/*
 * Load in into the registers, make the calls (wfd < 0: n sched_yields, else
 * n pipe round trips), store the registers into out.
 */
static void hold(const struct regs *in, struct regs *out, long n, long wfd, long rfd)
{
	char byte = 'f';

	if (wfd < 0 && have_avx)
		BLOCK(ALL(V, "vmovdqu", "ymm"), YIELDS, ALL(S, "vmovdqu", "ymm") "vzeroupper\n");
	else if (wfd < 0)
		BLOCK(ALL(V, "movdqu", "xmm"), YIELDS, ALL(S, "movdqu", "xmm"));
	else if (have_avx)
		BLOCK(ALL(V, "vmovdqu", "ymm"), PINGS, ALL(S, "vmovdqu", "ymm") "vzeroupper\n");
	else
		BLOCK(ALL(V, "movdqu", "xmm"), PINGS, ALL(S, "movdqu", "xmm"));
	/* Back to the defaults for the C code that follows. */
	uint32_t mx = MXCSR_0;
	uint16_t cw = FCW_0;
	__asm__ volatile("ldmxcsr %0\n fldcw %1" : : "m"(mx), "m"(cw));
}

static double reference;

/* Computes until told to stop; returns (void *)1 if any result differed. */
static void *computer(void *arg)
{
	long bad = 0;

	while (!atomic_load(&stop_compute)) {
		double r = compute(20000);
		bad |= memcmp(&r, &reference, sizeof(r)) != 0;
		sched_yield();
	}
	return (void *)bad;
}

struct holder {
	unsigned seed;
	long rounds, calls;
	int wfd, rfd; /* -1: yields */
	int ok;
};

static void *holder(void *arg)
{
	struct holder *h = arg;
	struct regs in, out;

	h->ok = 1;
	for (long r = 0; r < h->rounds; r++) {
		fill(&in, h->seed + (unsigned)r);
		memset(&out, 0, sizeof(out));
		hold(&in, &out, h->calls, h->wfd, h->rfd);
		h->ok &= same(&in, &out);
		/* Every other round, some FPU work between blocks (a thread that uses it often). */
		if (r & 1)
			h->ok &= compute(2000) == compute(2000);
	}
	return NULL;
}

static void yields_and_computers(void)
{
	struct holder h[3] = {
		{ 11, 12, 60, -1, -1, 0 },
		{ 23, 12, 60, -1, -1, 0 },
		{ 37, 12, 60, -1, -1, 0 },
	};
	pthread_t th[3], comp[2];

	phase("registers held across sched_yield beside computing threads");
	atomic_store(&stop_compute, 0);
	for (int i = 0; i < 2; i++)
		comp[i] = spawn(computer, NULL);
	for (int i = 0; i < 3; i++)
		th[i] = spawn(holder, &h[i]);
	for (int i = 0; i < 3; i++)
		join(th[i]);
	atomic_store(&stop_compute, 1);
	long bad = 0;
	for (int i = 0; i < 2; i++)
		bad |= (long)join(comp[i]);
	check("three threads' xmm/ymm, x87 and MXCSR intact across 720 sched_yields each",
	      h[0].ok && h[1].ok && h[2].ok);
	check("two computing threads' results unchanged meanwhile", !bad);
}

static void pipe_pingpong(void)
{
	int ab[2], ba[2];

	phase("registers held across a pipe ping-pong");
	if (pipe(ab) || pipe(ba))
		exit(99);
	struct holder h[2] = {
		{ 5, 6, 100, ab[1], ba[0], 0 },
		{ 9, 6, 100, ba[1], ab[0], 0 },
	};
	/* Each writes its byte, then reads the other's. */
	pthread_t comp, t[2];
	atomic_store(&stop_compute, 0);
	comp = spawn(computer, NULL);
	for (int i = 0; i < 2; i++)
		t[i] = spawn(holder, &h[i]);
	for (int i = 0; i < 2; i++)
		join(t[i]);
	atomic_store(&stop_compute, 1);
	long bad = (long)join(comp);
	check("two threads' registers intact across 600 pipe round trips each", h[0].ok && h[1].ok);
	check("a computing thread's results unchanged meanwhile", !bad);
	close(ab[0]);
	close(ab[1]);
	close(ba[0]);
	close(ba[1]);
}

static atomic_int handled, handler_saw_other;
static pid_t main_tid;

/* Uses and clobbers every vector register and both rounding modes. */
static void clobber(int sig)
{
	uint32_t mx;
	uint16_t cw;
	static const uint8_t junk[VBYTES] = { 0xde, 0xad, 0xbe, 0xef };
	const uint8_t *in = junk;

	__asm__ volatile("stmxcsr %0\n fnstcw %1" : "=m"(mx), "=m"(cw));
	if ((mx & 0xffbf) != MXCSR_0 || cw != FCW_0)
		atomic_store(&handler_saw_other, 1);
	if (have_avx)
		__asm__ volatile(ALL(V, "vmovdqu", "ymm") : : [in] "r"(in) : CLOBBERS);
	else
		__asm__ volatile(ALL(V, "movdqu", "xmm") : : [in] "r"(in) : CLOBBERS);
	mx = MXCSR_0 | (3 << 13);
	cw = FCW_0 | (3 << 10);
	__asm__ volatile("ldmxcsr %0\n fldcw %1\n fldpi\n fstp %%st(0)" : : "m"(mx), "m"(cw));
	if (compute(500) == 0)
		atomic_store(&handler_saw_other, 1);
	atomic_fetch_add(&handled, 1);
}

static atomic_int stop_sender;

static void *sender(void *arg)
{
	while (!atomic_load(&stop_sender)) {
		syscall(SYS_tgkill, getpid(), main_tid, SIGUSR1);
		compute(3000); /* the FPU between the signals */
		sleep_ms(1);
	}
	return NULL;
}

static void signals(void)
{
	struct sigaction sa = { 0 };
	struct regs in, out;
	int ok = 1;

	phase("registers held while FPU-using handlers run");
	sa.sa_handler = clobber;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	main_tid = tid();
	atomic_store(&stop_sender, 0);
	atomic_store(&stop_compute, 0);
	pthread_t snd = spawn(sender, NULL), comp = spawn(computer, NULL);
	struct itimerval it = { { 0, 2000 }, { 0, 2000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	/* At least 40 handlers, however the threads are scheduled. */
	for (unsigned r = 0; r < 8 || atomic_load(&handled) < 40; r++) {
		fill(&in, 100 + r);
		hold(&in, &out, 50, -1, -1);
		ok &= same(&in, &out);
	}
	it = (struct itimerval){ { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &it, NULL);
	atomic_store(&stop_sender, 1);
	join(snd);
	atomic_store(&stop_compute, 1);
	long bad = (long)join(comp);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGALRM, SIG_DFL);
	check("registers intact across handlers that clobber them (timer and tgkill)", ok);
	check("every handler started with the default MXCSR and x87 control word",
	      !atomic_load(&handler_saw_other));
	check("a computing thread's results unchanged meanwhile", !bad);
}

/* fork (raw, from inside the block) after the state was used (live) or after yields (saved). */
static int fork_keeps(long yields, unsigned seed)
{
	struct regs in, out;
	long n = yields, pid;

	fill(&in, seed);
	/* The block: load, yield, fork, store; both sides return from it. */
	if (have_avx)
		FORK_BLOCK(ALL(V, "vmovdqu", "ymm"), ALL(S, "vmovdqu", "ymm") "vzeroupper\n");
	else
		FORK_BLOCK(ALL(V, "movdqu", "xmm"), ALL(S, "movdqu", "xmm"));
	uint32_t mx = MXCSR_0;
	uint16_t cw = FCW_0;
	__asm__ volatile("ldmxcsr %0\n fldcw %1" : : "m"(mx), "m"(cw));
	if (pid == 0)
		_exit(same(&in, &out) ? 0 : 1);
	int status;
	if (pid < 0 || waitpid((pid_t)pid, &status, 0) != pid)
		return 0;
	return same(&in, &out) && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void forks(void)
{
	phase("fork from inside a block");
	atomic_store(&stop_compute, 0);
	pthread_t comp = spawn(computer, NULL);
	check("fork with the state just loaded: parent and child keep it", fork_keeps(0, 200));
	check("fork after 100 yields beside a computing thread: both keep it",
	      fork_keeps(100, 201));
	atomic_store(&stop_compute, 1);
	join(comp);
}

int main(void)
{
	unsigned a, b, c, d;

	setup();
	watchdog(120);
	if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_OSXSAVE) && (c & bit_AVX)) {
		unsigned lo, hi;
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		have_avx = (lo & 6) == 6;
	}
	reference = compute(20000);
	yields_and_computers();
	pipe_pingpong();
	signals();
	forks();
	return 0;
}
