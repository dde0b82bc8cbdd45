/*
 * sysfuzz: a system-call fuzzer run as Alto's application. It makes seeded
 * random calls with adversarial arguments (its own buffers and guard pages,
 * unmapped, non-canonical and kernel addresses, huge and negative sizes, its
 * own descriptors) and checks that the kernel never writes kernel memory for
 * it: a sentinel page of its own is passed to calls only through its alias
 * in the kernel's direct map, so any change to it is a kernel bug. A kernel
 * fault, panic or hang ends the VM, which the host side (tests/fuzz/fuzz.py)
 * sees.
 *
 * Every call comes from (seed, index) alone: its number and arguments are
 * drawn from a generator seeded with both, so any call can be made again
 * without the ones before it, which is what replay and minimisation use.
 *
 *   sysfuzz [-t THREADS] [-k TEXT-RODATA] SEED CALLS   calls 0..CALLS-1
 *   sysfuzz [-k ...] [-v] replay SEED LIST             only LIST (a-b,c,...);
 *                                                     -v prints each call and result
 *
 * With -t N, N threads each make CALLS calls of their own stream (thread t
 * uses seed SEED + 1000003 * t). -k START-END (hex, the kernel's text and
 * rodata) has that range hashed before and after: it must not change. The
 * environment's SYSFUZZ_CALLS (names, comma-separated: the calls the kernel
 * implements) makes nine calls in ten one of those; it must be the same for
 * a replay. With -H a hang is reported and the VM left running (for a
 * debugger on QEMU's gdbstub). Status 0 when nothing was found, 3 when a
 * check failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* The system call table of the kernel: number, name, argument kinds. */
struct call_desc {
	int nr;
	const char *name;
	const char *kinds;
};

static const struct call_desc table[] = {
#define SYSCALL(nr, name, kinds) { nr, #name, kinds },
#include "../../sys/syscalls.def"
#undef SYSCALL
};
#define NCALLS ((int)(sizeof(table) / sizeof(table[0])))

/* Alto's layout (include/alto/layout.h): the direct map of all RAM. */
#define DIRECT_MAP 0xffff800000000000ul

#define PAGE 4096ul
/*
 * Each thread's arena, the buffers its calls get: a PROT_NONE guard, 28
 * pages of buffers (the last of them scratch for the structures sanitize()
 * writes), a guard, a read-only page, a guard. Thread t's is at
 * ARENAS + t * ARENA_STRIDE, and no other thread's call may map over it.
 */
#define ARENAS	     ((char *)0x100000000000ul)
#define ARENA_STRIDE (1ul << 30)
#define ARENA	     arena
#define ARENA_PAGES  32
#define BUF	     (ARENA + PAGE)
#define BUF_SIZE     (28 * PAGE)
#define BUF_END	     (BUF + BUF_SIZE) /* a PROT_NONE guard follows */
#define SCRATCH	     (BUF_END - PAGE)
#define RO_PAGE	     (ARENA + 30 * PAGE)
#define FREE_AREA    ((char *)0x200000000000ul) /* where mappings may go (MAP_FIXED...) */
#define FREE_SIZE    (1ul << 32)
#define OUT_FD	     1000 /* the fuzzer's own output, never given to a call */
#define MAX_THREADS  8

/* The calls the kernel implements (SYSFUZZ_CALLS), indices into table[]. */
static int implemented[sizeof(table) / sizeof(table[0])];
static int nimplemented;

static __thread char *arena; /* this thread's (ARENAS) */
static __thread bool is_main_thread;
static uint64_t sentinel_alias; /* the sentinel page in the kernel's direct map */
static char *sentinel;		/* ... and where the fuzzer sees it */
static uint64_t ktext_start, ktext_end;
static uintptr_t initial_brk;
static bool replaying, verbose, hold;
static volatile int failed;

/* Ranges of the fuzzer itself (text, data, heap, stacks, TLS) that no call may map over. */
static struct {
	uintptr_t start, end;
} own[128];
static int nown;

/* ---------------------------------------------------------------------- */
/* Output and the generator. */

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	if (write(OUT_FD, buf, n) < 0)
		_exit(4);
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	return splitmix(&r->s);
}

static uint64_t below(struct rng *r, uint64_t n)
{
	return n ? rnd(r) % n : 0;
}

static bool chance(struct rng *r, int percent)
{
	return (int)below(r, 100) < percent;
}

/* ---------------------------------------------------------------------- */
/* Raw system calls, without the C library's wrappers. */

static long raw6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d, r8 __asm__("r8") = e, r9 __asm__("r9") = f;
	long ret;

	__asm__ __volatile__("syscall"
			     : "=a"(ret)
			     : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			     : "rcx", "r11", "memory");
	return ret;
}

/*
 * fork, vfork and clone: a child leaves at once with exit_group, within the
 * same instructions, without touching the stack. A vfork child (or clone's
 * CLONE_VFORK) runs on the parent's stack until it exits: returning from a
 * function there would overwrite the frames the parent returns through.
 */
static long raw6_fork(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d, r8 __asm__("r8") = e, r9 __asm__("r9") = f;
	long ret;

	__asm__ __volatile__("syscall\n\t"
			     "test %%rax, %%rax\n\t"
			     "jnz 1f\n\t"
			     "mov %[exit], %%eax\n\t"
			     "xor %%edi, %%edi\n\t"
			     "syscall\n"
			     "1:"
			     : "=a"(ret)
			     : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8),
			       "r"(r9), [exit] "i"(SYS_exit_group)
			     : "rcx", "r11", "memory");
	return ret;
}

/* ---------------------------------------------------------------------- */
/* Setup: the arena, the sentinel, descriptors, files, signals. */

static void die(const char *what)
{
	say("sysfuzz: setup: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* Only at ring 0 (Alto) can the page tables be read: the sentinel's physical page. */
static uint64_t physical_of(const void *va)
{
	uint16_t cs;
	uint64_t cr3, e;
	uintptr_t a = (uintptr_t)va;

	__asm__ __volatile__("mov %%cs, %0" : "=r"(cs));
	if (cs & 3)
		return 0;
	__asm__ __volatile__("mov %%cr3, %0" : "=r"(cr3));
	uint64_t table_pa = cr3 & 0x000ffffffffff000ull;
	for (int level = 3; level >= 0; level--) {
		unsigned idx = (a >> (12 + 9 * level)) & 511;
		e = ((volatile uint64_t *)(DIRECT_MAP + table_pa))[idx];
		if (!(e & 1))
			return 0;
		uint64_t pa = e & 0x000ffffffffff000ull;
		if (level && (e & 0x80)) /* a large page */
			return (pa & ~((1ull << (12 + 9 * level)) - 1)) +
			       (a & ((1ull << (12 + 9 * level)) - 1));
		table_pa = pa;
	}
	return table_pa + (a & 0xfff);
}

static void fill_sentinel(void)
{
	for (size_t i = 0; i < PAGE / 8; i++)
		((uint64_t *)sentinel)[i] = 0x5e771ae15e771ae1ull ^ i;
}

static long sentinel_damage(void)
{
	for (size_t i = 0; i < PAGE / 8; i++) {
		if (((volatile uint64_t *)sentinel)[i] != (0x5e771ae15e771ae1ull ^ i))
			return (long)i * 8;
	}
	return -1;
}

static void setup_arena(int thread)
{
	arena = ARENAS + thread * ARENA_STRIDE;
	if (mmap(ARENA, ARENA_PAGES * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
		 0) != ARENA)
		die("the arena");
	mprotect(BUF, BUF_SIZE, PROT_READ | PROT_WRITE);
	mprotect(RO_PAGE, PAGE, PROT_READ);
}

static void setup_sentinel(void)
{
	sentinel = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0);
	if (sentinel == MAP_FAILED)
		die("the sentinel page");
	fill_sentinel();
	uint64_t pa = physical_of(sentinel);
	sentinel_alias = pa ? DIRECT_MAP + pa : 0xffff800000001000ul;
}

/* What is mapped now belongs to the fuzzer: no call may map over it. */
static void note_own_ranges(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];

	nown = 0;
	if (!f)
		die("/proc/self/maps");
	while (fgets(line, sizeof(line), f) && nown < (int)(sizeof(own) / sizeof(own[0]))) {
		unsigned long s, e;
		if (sscanf(line, "%lx-%lx", &s, &e) == 2 &&
		    !((char *)s >= ARENAS && (char *)s < ARENAS + MAX_THREADS * ARENA_STRIDE))
			own[nown++] = (typeof(own[0])){ s, e };
	}
	fclose(f);
}

/* Does [a, a+len) touch the fuzzer itself, or another thread's arena? */
static bool hits_own(uintptr_t a, uint64_t len)
{
	uintptr_t end = len > ~a ? UINTPTR_MAX : a + len;

	if (!len)
		end = a + 1;
	for (int i = 0; i < nown; i++) {
		if (a < own[i].end && end > own[i].start)
			return true;
	}
	uintptr_t lo = (uintptr_t)ARENAS, hi = lo + MAX_THREADS * ARENA_STRIDE;
	if (a >= hi || end <= lo)
		return false;
	return a < (uintptr_t)arena || end > (uintptr_t)arena + ARENA_STRIDE;
}

#define DIR_ "/tmp/sysfuzz"

static void write_file(const char *path, size_t size)
{
	/* Calls may have put a FIFO here: a blocking open would wait for a reader for ever. */
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_NONBLOCK | O_NOFOLLOW, 0644);
	char buf[4096];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)('a' + i % 26);
	for (size_t done = 0; fd >= 0 && done < size; done += sizeof(buf))
		if (write(fd, buf, sizeof(buf)) < 0)
			break;
	close(fd);
}

/* The files the calls find (made again now and then: calls remove them). */
static void setup_files(void)
{
	mkdir(DIR_, 0755);
	mkdir(DIR_ "/dir", 0755);
	mkdir(DIR_ "/dir/sub", 0700);
	write_file(DIR_ "/file", 65536);
	write_file(DIR_ "/small", 10);
	symlink("file", DIR_ "/link");
	symlink("loop", DIR_ "/loop");
	mkfifo(DIR_ "/fifo", 0644);
}

/* Descriptors 3 to 29, each a kind of file; numbers are what calls pick. */
static void setup_fds(void)
{
	int pipes[2], sv[2];
	static const struct {
		int fd;
		const char *path;
		int flags;
	} files[] = {
		{ 3, DIR_ "/file", O_RDWR },
		{ 4, DIR_, O_RDONLY | O_DIRECTORY },
		{ 7, "/dev/null", O_RDWR },
		{ 8, "/dev/zero", O_RDWR },
		{ 9, "/dev/urandom", O_RDONLY },
		{ 10, "/proc/self/maps", O_RDONLY },
		{ 11, "/proc/self/status", O_RDONLY },
		{ 12, "/", O_RDONLY | O_DIRECTORY },
		{ 13, "/proc", O_RDONLY | O_DIRECTORY },
		{ 14, DIR_ "/small", O_RDWR | O_APPEND },
		{ 15, DIR_ "/file", O_RDONLY },
		{ 16, DIR_ "/dir", O_PATH },
		{ 17, DIR_ "/fifo", O_RDWR | O_NONBLOCK },
		{ 18, "/proc/self/stat", O_RDONLY },
		{ 19, "/sys/devices/system/cpu/online", O_RDONLY },
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		int fd = open(files[i].path, files[i].flags);
		if (fd >= 0 && fd != files[i].fd) {
			dup2(fd, files[i].fd);
			close(fd);
		}
	}
	if (!pipe(pipes)) {
		dup2(pipes[0], 5);
		dup2(pipes[1], 6);
	}
	if (!socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
		dup2(sv[0], 20);
		dup2(sv[1], 21);
	}
	/* Calls Alto may not have yet: whatever they give, at fixed numbers. */
	long extra[] = { raw6(SYS_eventfd2, 0, 0, 0, 0, 0, 0),
			 raw6(SYS_epoll_create1, 0, 0, 0, 0, 0, 0),
			 raw6(SYS_timerfd_create, CLOCK_MONOTONIC, 0, 0, 0, 0, 0),
			 raw6(SYS_memfd_create, (long)"sysfuzz", 0, 0, 0, 0, 0) };
	for (int i = 0; i < 4; i++) {
		if (extra[i] >= 0 && extra[i] != 22 + i) {
			dup2((int)extra[i], 22 + i);
			close((int)extra[i]);
		}
	}
	/* stdin and stdout go to /dev/null; the console stays at 2. */
	int null = open("/dev/null", O_RDWR);
	dup2(null, 0);
	dup2(null, 1);
	close(null);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void on_fault(int sig, siginfo_t *si, void *uc);

static void setup_signals(void)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, alarm = { .sa_handler = on_alarm };
	/* On the thread's own stack: calls may set any alternate stack (sigaltstack). */
	struct sigaction fault = { .sa_sigaction = on_fault, .sa_flags = SA_SIGINFO };

	for (int sig = 1; sig < 65; sig++) {
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGALRM && sig != 32 && sig != 33)
			sigaction(sig, &ign, NULL);
	}
	sigaction(SIGALRM, &alarm, NULL); /* no SA_RESTART: a blocking call ends */
	sigaction(SIGSEGV, &fault, NULL);
	sigaction(SIGBUS, &fault, NULL);
}

/* ---------------------------------------------------------------------- */
/* Arguments. */

/* Addresses where nothing of the application is, and the kernel's. */
static uint64_t bad_pointer(struct rng *r)
{
	static const uint64_t bad[] = {
		0,
		1,
		0xfff,
		0xdead0000,
		0x7ffffffff000,	    /* the last page of the low half */
		0x7fffffffffff,	    /* its last byte */
		0x7ffffffffff8,	    /* a word straddling the end */
		0x0000800000000000, /* the first non-canonical address */
		0x8000000000000000,
		0xdead000000000000,
		0xffff800000000000, /* the direct map */
		0xffff800000100000, /* the kernel's image through it */
		0xffffc00000000000, /* vmap */
		0xffffffff80100000, /* the kernel's text */
		0xfffffffffffff000,
		0xffffffffffffffff,
	};
	uint64_t k = below(r, sizeof(bad) / sizeof(bad[0]) + 4);

	if (k == sizeof(bad) / sizeof(bad[0]))
		return sentinel_alias + below(r, PAGE);
	if (k > sizeof(bad) / sizeof(bad[0]))
		return ktext_start ? ktext_start + below(r, ktext_end - ktext_start) :
				     sentinel_alias;
	return bad[k];
}

/* A pointer for a buffer: mostly the fuzzer's own, near its edges too. */
static uint64_t pointer(struct rng *r)
{
	switch (below(r, 12)) {
	case 0:
	case 1:
	case 2:
	case 3:
		return (uint64_t)BUF + below(r, BUF_SIZE / 8) * 8;
	case 4:
		return (uint64_t)BUF_END - below(r, 64); /* runs into the guard page */
	case 5:
		return (uint64_t)BUF - below(r, 16); /* starts in the guard page */
	case 6:
		return (uint64_t)RO_PAGE + below(r, PAGE);
	case 7:
		return (uint64_t)BUF + below(r, BUF_SIZE); /* unaligned */
	case 8:
		return rnd(r) & 0x7ffffffffff8ull; /* anywhere in the low half */
	default:
		return bad_pointer(r);
	}
}

static uint64_t size_arg(struct rng *r)
{
	static const uint64_t sizes[] = {
		0,
		1,
		2,
		7,
		8,
		16,
		64,
		100,
		4095,
		4096,
		4097,
		65536,
		1 << 20,
		0x7fffffff,
		0x80000000,
		0xffffffff,
		1ull << 32,
		1ull << 40,
		0x7ffffffffffff000,
		0x7fffffffffffffff,
		0x8000000000000000,
		0xfffffffffffff000,
		0xffffffffffffffff,
	};

	if (chance(r, 60))
		return below(r, 512);
	return sizes[below(r, sizeof(sizes) / sizeof(sizes[0]))];
}

static uint64_t fd_arg(struct rng *r)
{
	if (chance(r, 85))
		return below(r, 30) == 2 && !chance(r, 5) ? 3 : below(r, 30);
	static const int64_t odd[] = {
		-1, -100 /* AT_FDCWD */, 30, 63, 64, 1023, 65536, INT32_MAX
	};
	return (uint64_t)odd[below(r, sizeof(odd) / sizeof(odd[0]))];
}

static uint64_t flags_arg(struct rng *r)
{
	switch (below(r, 5)) {
	case 0:
		return 0;
	case 1:
		return below(r, 16);
	case 2:
		return 1ull << below(r, 32);
	case 3:
		return rnd(r) & 0xffffffff;
	default:
		return rnd(r) & rnd(r) & 0xfffff;
	}
}

static const char *paths[] = {
	DIR_ "/file",
	DIR_ "/small",
	DIR_ "/dir",
	DIR_ "/dir/sub",
	DIR_ "/new",
	DIR_ "/link",
	DIR_ "/loop",
	DIR_ "/fifo",
	DIR_,
	DIR_ "/file/x",
	DIR_ "/../sysfuzz/./file",
	"/",
	"/proc/self/maps",
	"/proc/self/fd/3",
	"/proc/self",
	"/sys",
	"/dev/null",
	"/dev/zero",
	"/tmp",
	".",
	"..",
	"",
	"/nonexistent/x",
	"relative",
	"/proc/self/exe",
};

/*
 * A long path: 8 KiB of letters with a slash every 200, read-only and
 * apart from the fuzzer's data, so that a call given it as a buffer (any
 * argument may be of any kind) fails with EFAULT instead of writing over
 * the fuzzer's own memory (a getrandom of 64 KiB into a static array once
 * overwrote glibc's printf tables). Made before the threads start.
 */
#define LONG_PATH_SIZE 8192
static const char *long_path;

static void setup_long_path(void)
{
	char *p = mmap(NULL, LONG_PATH_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		die("the long path");
	memset(p, 'a', LONG_PATH_SIZE - 1);
	for (size_t i = 1; i < LONG_PATH_SIZE - 1; i += 200)
		p[i] = '/';
	if (mprotect(p, LONG_PATH_SIZE, PROT_READ))
		die("the long path's protection");
	long_path = p;
}

/* A path: one of those, a long one, one without its NUL before the guard page, or a bad pointer. */
static uint64_t path_arg(struct rng *r)
{
	switch (below(r, 10)) {
	case 0:
		return (uint64_t)long_path + below(r, 4000);
	case 1: {
		/* Letters up to the guard page: no NUL. */
		char *p = BUF_END - 1 - below(r, 300);
		memset(p, 'x', BUF_END - p);
		return (uint64_t)p;
	}
	case 2:
		return bad_pointer(r);
	default:
		return (uint64_t)paths[below(r, sizeof(paths) / sizeof(paths[0]))];
	}
}

static uint64_t open_flags(struct rng *r)
{
	static const int bits[] = { O_CREAT,	 O_EXCL,     O_TRUNC,	O_APPEND, O_NONBLOCK,
				    O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC, O_PATH,	  O_SYNC,
				    __O_TMPFILE, O_NOCTTY,   O_DSYNC,	O_NOATIME };
	uint64_t f = below(r, 4);

	for (int i = 0; i < 3; i++) {
		if (chance(r, 50))
			f |= (uint64_t)bits[below(r, sizeof(bits) / sizeof(bits[0]))];
	}
	return chance(r, 5) ? rnd(r) : f;
}

/*
 * Fill the buffer at p with words a structure might hold: zeros, small
 * numbers, sizes and pointers into the arena, so that iovecs, timespecs and
 * message headers are sometimes plausible.
 */
static void fill_plausible(struct rng *r, uint64_t p, size_t words)
{
	if (p < (uint64_t)BUF || p + words * 8 > (uint64_t)BUF + BUF_SIZE || (p & 7))
		return;
	for (size_t i = 0; i < words; i++) {
		uint64_t v;
		switch (below(r, 6)) {
		case 0:
			v = 0;
			break;
		case 1:
			v = below(r, 64);
			break;
		case 2:
			v = (uint64_t)BUF + below(r, BUF_SIZE);
			break;
		case 3:
			v = size_arg(r);
			break;
		case 4:
			v = below(r, 1000000000);
			break;
		default:
			v = rnd(r);
		}
		((uint64_t *)p)[i] = v;
	}
}

/* An argument of the kind syscalls.def gives (or of any kind, for 'x' and a few others). */
static uint64_t arg_of(struct rng *r, char kind)
{
	if (chance(r, 8))
		kind = "dupsxom"[below(r, 7)]; /* any kind, whatever the table says */
	switch (kind) {
	case 'd':
		return chance(r, 70) ? fd_arg(r) : (uint64_t)(int64_t)(int32_t)rnd(r);
	case 'u':
		return size_arg(r);
	case 'p':
	case 'b': {
		uint64_t p = pointer(r);
		if (chance(r, 50))
			fill_plausible(r, p, 16);
		return p;
	}
	case 's':
		return path_arg(r);
	case 'o':
		return open_flags(r);
	case 'm':
		return chance(r, 80) ? below(r, 010000) : rnd(r);
	default:
		switch (below(r, 5)) {
		case 0:
			return fd_arg(r);
		case 1:
			return size_arg(r);
		case 2:
			return pointer(r);
		default:
			return flags_arg(r);
		}
	}
}

/* ---------------------------------------------------------------------- */
/* One call: drawn, made safe for the fuzzer itself, made. */

struct call {
	const struct call_desc *d;
	uint64_t a[6];
	bool skip;
};

static bool named(const struct call *c, const char *name)
{
	return !strcmp(c->d->name, name);
}

static bool named_any(const struct call *c, const char *const *names)
{
	for (; *names; names++) {
		if (named(c, *names))
			return true;
	}
	return false;
}

/* A sigset in the arena with SIGALRM clear, so a call that waits can still be interrupted. */
static uint64_t safe_sigset(struct rng *r)
{
	uint64_t *set = (uint64_t *)SCRATCH;

	*set = rnd(r) & ~(1ull << (SIGALRM - 1));
	return chance(r, 85) ? (uint64_t)set : bad_pointer(r);
}

/* A sigaction in the arena that ignores the signal (the fuzzer's dispositions stay). */
static uint64_t safe_sigaction(struct rng *r)
{
	uint64_t *sa = (uint64_t *)(SCRATCH + 64);

	sa[0] = (uint64_t)SIG_IGN;
	sa[1] = rnd(r) & ~0x04000000ull; /* flags, without SA_RESTORER */
	sa[2] = 0;
	sa[3] = rnd(r);
	return chance(r, 70) ? (uint64_t)sa : chance(r, 50) ? 0 : bad_pointer(r);
}

/*
 * A signal the fuzzer must not be sent: SIGKILL and SIGSTOP end or stop it,
 * and SIGSEGV or SIGBUS with a siginfo of the call's (rt_sigqueueinfo may
 * give itself a positive si_code, as Linux allows) look like its own fault.
 */
static bool is_fatal_signal(uint64_t sig)
{
	return (int)sig == SIGKILL || (int)sig == SIGSTOP || (int)sig == SIGSEGV ||
	       (int)sig == SIGBUS;
}

/*
 * Where a call that makes, moves or removes mappings may work: not over the
 * fuzzer itself (another place, and a length that keeps it there).
 */
static void keep_off_own(struct rng *r, struct call *c, int addr, int len)
{
	uint64_t n = len >= 0 ? c->a[len] : PAGE;

	if (!hits_own(c->a[addr], n))
		return;
	bool free_area = chance(r, 50);
	uint64_t base = free_area ? (uint64_t)FREE_AREA : (uint64_t)BUF;
	uint64_t pages = (free_area ? FREE_SIZE : BUF_SIZE) / PAGE;
	uint64_t at = below(r, pages);
	c->a[addr] = base + at * PAGE;
	if (len >= 0 && hits_own(c->a[addr], n))
		c->a[len] = (pages - at) * PAGE - below(r, 64);
}

static const char *const never[] = {
	"exit",	   "exit_group", "rt_sigreturn", "reboot", "kexec_load", "kexec_file_load",
	"vhangup", "seccomp",	 NULL,
};
static const char *const maps_memory[] = {
	"mmap",	  "munmap", "mprotect",	     "madvise",		 "mremap", "mlock", "munlock",
	"mlock2", "msync",  "pkey_mprotect", "remap_file_pages", "shmdt",  NULL,
};
static const char *const waits_with_mask[] = {
	"rt_sigsuspend", "rt_sigtimedwait", "ppoll",	 "pselect6", "epoll_pwait",
	"epoll_pwait2",	 "signalfd",	    "signalfd4", NULL,
};

/* Make the call harmless to the fuzzer itself (not to the kernel). */
static void sanitize(struct rng *r, struct call *c)
{
	if (named_any(c, never)) {
		c->skip = true;
		return;
	}
	for (int i = 0; i < 6; i++) {
		if (c->a[i] == OUT_FD)
			c->a[i] = 3;
	}
	if (named_any(c, maps_memory)) {
		keep_off_own(r, c, 0, named(c, "mremap") ? 1 : named(c, "shmdt") ? -1 : 1);
		if (named(c, "mremap")) /* MREMAP_FIXED's new place */
			keep_off_own(r, c, 4, 2);
		if (named(c, "mmap") && hits_own(c->a[0], c->a[1]))
			c->a[3] &= ~(uint64_t)(MAP_FIXED | MAP_FIXED_NOREPLACE);
	} else if (named(c, "brk")) {
		/* Not below the fuzzer's own heap; not gigabytes above it either (that is memory).
		 */
		if ((c->a[0] < initial_brk + 64 * PAGE && c->a[0]) ||
		    (c->a[0] > initial_brk + (64ul << 20) && c->a[0] < (1ul << 47)))
			c->a[0] = initial_brk + 64 * PAGE + below(r, 1 << 24);
	} else if (named_any(c, waits_with_mask)) {
		int at = named(c, "rt_sigsuspend") || named(c, "rt_sigtimedwait") ? 0 :
			 named(c, "signalfd") || named(c, "signalfd4")		  ? 1 :
			 named(c, "ppoll")					  ? 3 :
										    4;
		if (named(c, "pselect6")) {
			uint64_t *pair = (uint64_t *)(SCRATCH + 256);
			pair[0] = safe_sigset(r);
			pair[1] = 8;
			c->a[5] = chance(r, 80) ? (uint64_t)pair : c->a[5];
		} else {
			c->a[at] = safe_sigset(r);
		}
	} else if (named(c, "rt_sigaction")) {
		bool ours = c->a[0] == SIGALRM || c->a[0] == SIGSEGV || c->a[0] == SIGBUS;
		c->a[1] = ours ? 0 : safe_sigaction(r);
	} else if (named_any(c, (const char *const[]){ "kill", "tkill", "rt_sigqueueinfo",
						       "pidfd_send_signal", NULL })) {
		if (is_fatal_signal(c->a[1]))
			c->a[1] = SIGUSR1;
	} else if (named_any(c, (const char *const[]){ "tgkill", "rt_tgsigqueueinfo", NULL })) {
		if (is_fatal_signal(c->a[2]))
			c->a[2] = SIGUSR1;
	} else if (named(c, "arch_prctl")) {
		if (c->a[0] == 0x1002) /* ARCH_SET_FS: the fuzzer's TLS stays */
			__asm__ __volatile__("mov %%fs:0, %0" : "=r"(c->a[1]));
	} else if (named_any(c, (const char *const[]){ "setrlimit", "prlimit64", NULL })) {
		int at = named(c, "setrlimit") ? 1 : 2;
		c->a[at] = chance(r, 50) ? 0 : bad_pointer(r);
	} else if (named_any(c, (const char *const[]){ "timer_create", NULL })) {
		uint64_t *ev = (uint64_t *)(SCRATCH + 512);
		ev[0] = rnd(r);
		((int *)ev)[2] = chance(r, 50) ? SIGALRM : SIGUSR1; /* sigev_signo */
		((int *)ev)[3] = (int)below(r, 5);		    /* sigev_notify */
		c->a[1] = chance(r, 80) ? (uint64_t)ev : bad_pointer(r);
	} else if (named_any(c, (const char *const[]){ "close_range", NULL })) {
		if (c->a[1] >= OUT_FD)
			c->a[1] = OUT_FD - 1;
		if (c->a[0] > c->a[1])
			c->a[0] = c->a[1];
	} else if (named_any(c, (const char *const[]){ "dup2", "dup3", NULL })) {
		if (c->a[1] == OUT_FD)
			c->a[1] = 29;
	} else if (named_any(c, (const char *const[]){ "clone", "fork", "vfork", NULL })) {
		if (named(c, "clone")) {
			c->a[0] &= ~(uint64_t)(0x100 | 0x10000 | 0x800 |
					       0x80000); /* no VM, THREAD, SIGHAND, SETTLS */
			/*
			 * The child's exit signal goes to the fuzzer: only one it can take
			 * (SIGKILL or SIGSTOP would end or stop it, SIGSEGV and SIGBUS
			 * look like its own faults, signal 32 ends it).
			 */
			int exit_signal = (int)(c->a[0] & 0xff);
			if (exit_signal && exit_signal != SIGCHLD && exit_signal != SIGUSR1 &&
			    exit_signal != SIGUSR2)
				c->a[0] = (c->a[0] & ~0xfful) | SIGCHLD;
		}
		c->a[1] = 0; /* the child, if there is one, leaves at once */
	} else if (named_any(c, (const char *const[]){ "execve", "execveat", NULL })) {
		/*
		 * Never a program: a directory or a file without x (argv and envp, fuzzed,
		 * are copied, then EACCES), a missing name, or a bad pointer.
		 */
		static const char *const paths[] = { "/", "/proc/self/status", "/nonexistent" };
		int at = named(c, "execve") ? 0 : 1;
		c->a[at] = chance(r, 75) ? (uint64_t)paths[below(r, 3)] : bad_pointer(r);
		if (named(c, "execveat"))
			c->a[4] &= ~(uint64_t)AT_EMPTY_PATH;
	} else if (named(c, "clone3")) {
		/* Its arguments only: a bad pointer (EFAULT) or a size below the first version's.
		 */
		if (chance(r, 50))
			c->a[0] = bad_pointer(r);
		else
			c->a[1] = below(r, 64);
	} else if (named_any(c, (const char *const[]){ "munlockall", "mlockall", "shmat", NULL })) {
		c->skip = named(c, "shmat") && hits_own(c->a[1], 1);
	} else if (named(c, "unshare") || named(c, "setns") || named(c, "personality")) {
		c->skip = true; /* they change what later calls mean for good */
	} else if (named(c, "prctl") && c->a[0] == 22) {
		c->skip = true; /* PR_SET_SECCOMP would end the fuzzer, as seccomp() would */
	} else if (named(c, "set_tid_address")) {
		/* A thread's end clears that word for pthread_join: only the main thread's may
		 * move. */
		c->skip = !is_main_thread;
	}
}

static void note_implemented(const char *names)
{
	char *list = strdup(names ? names : ""), *save;

	for (char *n = strtok_r(list, ",", &save); n; n = strtok_r(NULL, ",", &save)) {
		for (int i = 0; i < NCALLS; i++) {
			if (!strcmp(table[i].name, n))
				implemented[nimplemented++] = i;
		}
	}
	free(list);
}

static void draw(uint64_t seed, uint64_t index, struct call *c)
{
	struct rng r = { seed * 0x100000001b3ull ^ (index + 1) * 0x9e3779b97f4a7c15ull };

	for (int i = 0; i < 4; i++)
		rnd(&r);
	int which = nimplemented && !chance(&r, 10) ? implemented[below(&r, nimplemented)] :
						      (int)below(&r, NCALLS);
	*c = (struct call){ .d = &table[which] };
	size_t nk = strlen(c->d->kinds);
	for (int i = 0; i < 6; i++) {
		char kind = i < (int)nk ? c->d->kinds[i] : 'x';
		c->a[i] = arg_of(&r, kind);
		if (kind == 'b' && i < 5) {
			c->a[i + 1] = size_arg(&r);
			i++;
		}
	}
	sanitize(&r, c);
}

static void show(const struct call *c, char *buf, size_t size)
{
	snprintf(buf, size, "%s(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx)", c->d->name, (long)c->a[0],
		 (long)c->a[1], (long)c->a[2], (long)c->a[3], (long)c->a[4], (long)c->a[5]);
}

/* ---------------------------------------------------------------------- */
/* Running. */

struct stream {
	uint64_t seed;
	uint64_t calls;
	int id;
	volatile int tid;
	volatile uint64_t done;	   /* calls made */
	volatile uint64_t current; /* the call being made */
	volatile bool in_call;
	volatile double call_start;
	bool reported;
	uint64_t ok, failed_calls;
	struct call last, last_map; /* the last call, and the last that changed mappings */
	uint64_t last_index, last_map_index;
	long last_map_ret;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct stream streams[MAX_THREADS];
static int nstreams;

static void fail_check(const struct stream *s, uint64_t index, const char *what)
{
	struct call c;
	char text[256];

	draw(s->seed, index, &c);
	show(&c, text, sizeof(text));
	say("sysfuzz: FAIL seed %lu call %lu: %s: %s\n", (unsigned long)s->seed,
	    (unsigned long)index, what, text);
	failed = 1;
}

/* Mappings calls made (up to 64 a thread), removed now and then so that memory lasts. */
static __thread struct {
	uint64_t addr, len;
} made_maps[64];
static __thread int nmade;

static void remember_mapping(long addr, uint64_t len)
{
	if (nmade < 64 && !hits_own((uintptr_t)addr, len))
		made_maps[nmade++] = (typeof(made_maps[0])){ (uint64_t)addr, len };
}

static void forget_mappings(void)
{
	for (int i = 0; i < nmade; i++)
		raw6(SYS_munmap, (long)made_maps[i].addr, (long)made_maps[i].len, 0, 0, 0, 0);
	nmade = 0;
	raw6(SYS_munmap, (long)FREE_AREA, FREE_SIZE, 0, 0, 0, 0);
}

/* The arena as setup_arena() made it, after calls that may have unmapped or protected it. */
static uint64_t fs_base(void)
{
	uint64_t v;

	__asm__ __volatile__("mov %%fs:0, %0" : "=r"(v));
	return v;
}

static void restore_arena(void)
{
	long r = raw6(SYS_mmap, (long)ARENA, ARENA_PAGES * PAGE, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (r != (long)ARENA ||
	    raw6(SYS_mprotect, (long)BUF, BUF_SIZE, PROT_READ | PROT_WRITE, 0, 0, 0) ||
	    raw6(SYS_mprotect, (long)RO_PAGE, PAGE, PROT_READ, 0, 0, 0))
		say("sysfuzz: cannot make the arena at %p again (mmap gave %#lx; fs base %#lx)\n",
		    (void *)ARENA, r, fs_base());
}

static void make_call(struct stream *s, uint64_t index)
{
	static __thread uint64_t made;
	static __thread bool arena_dirty;
	struct call c;
	sigset_t none;

	if (arena_dirty)
		restore_arena();
	draw(s->seed, index, &c);
	s->current = index;
	if (c.skip)
		return;
	arena_dirty = named_any(&c, maps_memory) || named(&c, "brk");
	if (verbose) {
		char text[256];
		show(&c, text, sizeof(text));
		say("sysfuzz: call %lu: %s\n", (unsigned long)index, text);
	}
	sigemptyset(&none);
	raw6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&none, 0, 8, 0, 0);
	s->call_start = now();
	s->in_call = true;
	bool forks = named_any(&c, (const char *const[]){ "fork", "vfork", "clone", NULL });
	long ret = (forks ? raw6_fork : raw6)(c.d->nr, (long)c.a[0], (long)c.a[1], (long)c.a[2],
					      (long)c.a[3], (long)c.a[4], (long)c.a[5]);
	s->in_call = false;
	s->last = c;
	s->last_index = index;
	if (arena_dirty) {
		s->last_map = c;
		s->last_map_index = index;
		s->last_map_ret = ret;
	}
	if (ret > 0 && ret < (long)(1ul << 47) &&
	    named_any(&c, (const char *const[]){ "mmap", "mremap", NULL }))
		remember_mapping(ret, named(&c, "mmap") ? c.a[1] : c.a[2]);
	if (ret >= 0 || ret < -4095)
		s->ok++;
	else
		s->failed_calls++;
	long damage = sentinel_damage();
	if (damage >= 0) {
		char what[96];
		snprintf(what, sizeof(what),
			 "the kernel wrote to kernel memory (the sentinel at byte %ld)", damage);
		fail_check(s, index, what);
		fill_sentinel();
	}
	if (verbose)
		say("sysfuzz: call %lu returned %ld\n", (unsigned long)index, ret);
	if (++made % 512 == 0) {
		setup_files(); /* calls remove and rename them */
		forget_mappings();
		arena_dirty = true; /* calls may have mapped over it, and those went too */
	}
}

/*
 * The fuzzer's own fault: never expected (calls are kept off its memory),
 * so say where, and what each thread did last, which is where to look.
 */
static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (si->si_code <= 0)
		return; /* sent by a call (kill, tgkill, sigqueue), not a fault */
	say("sysfuzz: FAIL the fuzzer itself got %s at %p (code %d)\n",
	    sig == SIGSEGV ? "SIGSEGV" : "SIGBUS", si->si_addr, si->si_code);
	for (int t = 0; t < nstreams; t++) {
		struct stream *s = &streams[t];
		char text[256];
		if (!s->last.d)
			continue;
		show(&s->last, text, sizeof(text));
		say("sysfuzz:   thread %d (tid %d) last made seed %lu call %lu: %s\n", t, s->tid,
		    (unsigned long)s->seed, (unsigned long)s->last_index, text);
		if (!s->last_map.d)
			continue;
		show(&s->last_map, text, sizeof(text));
		say("sysfuzz:   and last changed mappings with call %lu: %s = %#lx\n",
		    (unsigned long)s->last_map_index, text, s->last_map_ret);
	}
	char maps[4096];
	int fd = open("/proc/self/maps", O_RDONLY);
	long n = fd >= 0 ? read(fd, maps, sizeof(maps) - 1) : 0;
	say("%.*s", (int)(n > 0 ? n : 0), maps);
	raw6(SYS_exit_group, 3, 0, 0, 0, 0, 0);
}

static pthread_barrier_t start_line;

static void *run_stream(void *arg)
{
	struct stream *s = arg;

	s->tid = (int)raw6(SYS_gettid, 0, 0, 0, 0, 0, 0);
	if (s->id)
		setup_arena(s->id);
	pthread_barrier_wait(&start_line);

	for (uint64_t i = 0; i < s->calls && !failed; i++) {
		make_call(s, i);
		s->done = i + 1;
		if ((i + 1) % 10000 == 0)
			say("sysfuzz: seed %lu: %lu calls\n", (unsigned long)s->seed,
			    (unsigned long)(i + 1));
	}
	return NULL;
}

/*
 * The watchdog: a call that waits (a blocking read, a futex, a sleep) gets
 * SIGALRM after 20 ms, and again every 20 ms, so that it ends with EINTR; a
 * call that has not returned for a minute all the same is a hang: say which,
 * and end.
 */
static void *watchdog(void *arg)
{
	uint64_t last[MAX_THREADS] = { 0 };
	double since[MAX_THREADS];
	sigset_t alarm;
	(void)arg;

	sigemptyset(&alarm);
	sigaddset(&alarm, SIGALRM); /* a process-wide SIGALRM is for the calls */
	pthread_sigmask(SIG_BLOCK, &alarm, NULL);
	for (int t = 0; t < MAX_THREADS; t++)
		since[t] = now();
	for (;;) {
		struct timespec tick = { 0, 5000000 };
		nanosleep(&tick, NULL);
		double t_now = now();
		for (int t = 0; t < nstreams; t++) {
			struct stream *s = &streams[t];
			if (s->in_call && t_now - s->call_start > 0.02) {
				s->call_start = t_now;
				raw6(SYS_tgkill, getpid(), s->tid, SIGALRM, 0, 0, 0);
			}
			if (s->done == s->calls || s->done != last[t] || replaying) {
				last[t] = s->done;
				since[t] = t_now;
				continue;
			}
			if (t_now - since[t] >= 60 && !s->reported) {
				fail_check(s, s->current, "a call that has not returned for 60 s");
				s->reported = true;
				if (!hold)
					raw6(SYS_exit_group, 3, 0, 0, 0, 0, 0);
			}
		}
	}
	return NULL;
}

static uint64_t hash_range(uint64_t start, uint64_t end)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (uint64_t a = start; a + 8 <= end; a += 8)
		h = (h ^ *(volatile uint64_t *)a) * 0x100000001b3ull;
	return h;
}

/* "a-b,c" into a list of indices; returns how many. */
static size_t parse_list(const char *s, uint64_t **out)
{
	size_t n = 0, cap = 0;
	uint64_t *v = NULL;

	while (*s) {
		char *end;
		uint64_t a = strtoull(s, &end, 10), b = a;
		if (*end == '-')
			b = strtoull(end + 1, &end, 10);
		for (uint64_t i = a; i <= b; i++) {
			if (n == cap)
				v = realloc(v, (cap = cap ? 2 * cap : 64) * sizeof(*v));
			v[n++] = i;
		}
		s = *end == ',' ? end + 1 : end;
		if (end == s && *s)
			break;
	}
	*out = v;
	return n;
}

int main(int argc, char **argv)
{
	int threads = 1, opt;

	while ((opt = getopt(argc, argv, "t:k:vH")) != -1) {
		if (opt == 'v')
			verbose = true;
		else if (opt == 'H')
			hold = true;
		else if (opt == 't')
			threads = atoi(optarg);
		else if (opt == 'k')
			sscanf(optarg, "%lx-%lx", (unsigned long *)&ktext_start,
			       (unsigned long *)&ktext_end);
	}
	argc -= optind;
	argv += optind;
	if (dup2(1, OUT_FD) < 0 || argc < 2 || threads < 1 || threads > MAX_THREADS) {
		fprintf(stderr, "usage: sysfuzz [-t THREADS] [-k START-END] SEED CALLS\n"
				"       sysfuzz [-k START-END] replay SEED LIST\n");
		return 2;
	}
	is_main_thread = true;
	note_implemented(getenv("SYSFUZZ_CALLS"));
	initial_brk = (uintptr_t)sbrk(0);
	setup_signals();
	setup_files();
	setup_fds();
	setup_arena(0);
	setup_long_path();
	setup_sentinel();
	uint64_t khash = ktext_start ? hash_range(ktext_start, ktext_end) : 0;
	say("sysfuzz: %s, the sentinel at %#lx, %d system calls in the table, %d implemented\n",
	    sentinel_alias >= DIRECT_MAP && physical_of(sentinel) ? "ring 0" : "not at ring 0",
	    (unsigned long)sentinel_alias, NCALLS, nimplemented);

	if (!strcmp(argv[0], "replay")) {
		uint64_t *list;
		size_t n = argc > 2 ? parse_list(argv[2], &list) : 0;
		pthread_t dog;
		streams[0] = (struct stream){ .seed = strtoull(argv[1], NULL, 0),
					      .tid = (int)raw6(SYS_gettid, 0, 0, 0, 0, 0, 0) };
		nstreams = 1;
		replaying = true;
		pthread_create(&dog, NULL, watchdog, NULL);
		note_own_ranges();
		for (size_t i = 0; i < n && !failed; i++)
			make_call(&streams[0], list[i]);
		say("sysfuzz: replayed %zu calls\n", n);
	} else {
		uint64_t seed = strtoull(argv[0], NULL, 0), calls = strtoull(argv[1], NULL, 0);
		pthread_t th[MAX_THREADS], dog;
		nstreams = threads;
		for (int t = 0; t < threads; t++)
			streams[t] = (struct stream){ .seed = seed + 1000003ull * t,
						      .calls = calls,
						      .id = t };
		pthread_create(&dog, NULL, watchdog, NULL);
		/* The threads' stacks are the fuzzer's too: made first, then noted, then run. */
		pthread_barrier_init(&start_line, NULL, (unsigned)threads);
		for (int t = 1; t < threads; t++)
			pthread_create(&th[t], NULL, run_stream, &streams[t]);
		note_own_ranges();
		run_stream(&streams[0]);
		for (int t = 1; t < threads; t++)
			pthread_join(th[t], NULL);
		uint64_t ok = 0, bad = 0;
		for (int t = 0; t < threads; t++) {
			ok += streams[t].ok;
			bad += streams[t].failed_calls;
		}
		say("sysfuzz: seed %lu: done: %lu calls (%lu succeeded, %lu failed) in %d thread%s\n",
		    (unsigned long)seed, (unsigned long)(calls * threads), (unsigned long)ok,
		    (unsigned long)bad, threads, threads > 1 ? "s" : "");
	}
	if (ktext_start && hash_range(ktext_start, ktext_end) != khash) {
		say("sysfuzz: FAIL the kernel's text or rodata changed\n");
		failed = 1;
	}
	return failed ? 3 : 0;
}
