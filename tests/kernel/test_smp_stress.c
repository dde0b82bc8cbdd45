/*
 * Kernel locking under concurrency: one thread pinned to each CPU hammers
 * the page allocator and heap (patterns checked before every free), the
 * ramfs (files created, written, read back and unlinked in a shared
 * directory), a shared file descriptor table, and timers armed and
 * cancelled across CPUs. On one CPU the threads interleave by preemption
 * only; on several they truly race. Nothing may be lost or corrupted, and
 * the heap ends where it began.
 */
#include <alto/cpu.h>
#include <alto/fdtable.h>
#include <alto/format.h>
#include <alto/mm.h>
#include <alto/sched.h>
#include <alto/selftest.h>
#include <alto/string.h>
#include <alto/time.h>
#include <alto/timer.h>
#include <alto/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>

#define ROUNDS 1000
#define DIR    "/tmp/smp-stress"

struct worker {
	unsigned int id;
	struct fdtable *fds;
	int failures;
	struct thread *t;
};

static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static bool filled(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != v)
			return false;
	}
	return true;
}

/* Heap blocks of random sizes and pages of orders 0-2, each filled with the worker's byte. */
static int memory_round(struct worker *w, uint32_t *seed)
{
	uint8_t v = (uint8_t)(0x40 + w->id);
	size_t size = 16 + next_rand(seed) % 6000;
	unsigned int order = next_rand(seed) % 3;
	uint8_t *block = kmalloc(size), *pages = page_alloc(order);

	if (!block || !pages) {
		kfree(block);
		if (pages)
			page_free(pages);
		return -ENOMEM;
	}
	memset(block, v, size);
	memset(pages, v, PAGE_SIZE << order);
	thread_yield(); /* let the others allocate meanwhile */
	bool ok = filled(block, size, v) && filled(pages, PAGE_SIZE << order, v);
	kfree(block);
	page_free(pages);
	return ok ? 0 : -1;
}

/* A file of the worker's own in the shared directory: written, read back, unlinked. */
static int file_round(struct worker *w, int round)
{
	char path[64], buf[128], back[128];

	snprintf(path, sizeof(path), DIR "/w%u-%d", w->id, round);
	int n = snprintf(buf, sizeof(buf), "worker %u round %d", w->id, round);
	struct file *f = vfs_open_kernel(path, O_CREAT | O_EXCL | O_RDWR, 0600);
	if (IS_ERR(f))
		return (int)PTR_ERR(f);
	int fd = fd_alloc(w->fds, f, 0, false); /* the table takes our reference */
	if (fd < 0) {
		file_put(f);
		return fd;
	}
	bool ok = vfs_kwrite(f, buf, (size_t)n) == n && vfs_pread(f, back, sizeof(back), 0) == n &&
		  !memcmp(buf, back, (size_t)n);
	ok &= fd_close(w->fds, fd) == 0;
	ok &= vfs_unlink(NULL, path) == 0;
	return ok ? 0 : -1;
}

static void fired(struct timer *t)
{
	__atomic_add_fetch((int *)t->data, 1, __ATOMIC_RELAXED);
}

/* A timer armed here and cancelled, and one left to fire: each fires at most once. */
static int timer_round(uint32_t *seed)
{
	static int count;
	struct timer a, b;
	int before = __atomic_load_n(&count, __ATOMIC_RELAXED);

	timer_init(&a, fired, &count);
	timer_init(&b, fired, &count);
	/* Far enough that no host stall of the vCPU between arm and cancel lets it fire. */
	timer_arm(&a, time_now_ns() + 1000 * 1000000000ll);
	timer_arm(&b, time_now_ns() + next_rand(seed) % 20000);
	bool cancelled = timer_cancel_sync(&a);
	while (!__atomic_load_n(&count, __ATOMIC_RELAXED) || b.armed)
		thread_yield();
	timer_cancel_sync(&b);
	return cancelled && __atomic_load_n(&count, __ATOMIC_RELAXED) > before ? 0 : -1;
}

static void work(void *arg)
{
	struct worker *w = arg;
	uint32_t seed = 0x9e3779b9u * (w->id + 1);

	for (int round = 0; round < ROUNDS; round++) {
		if (memory_round(w, &seed) || file_round(w, round) ||
		    (round % 10 == 0 && timer_round(&seed)))
			w->failures++;
	}
}

SELFTEST(smp_stress)
{
	unsigned int n = MAX(cpu_count, 2u);
	struct worker w[MAX_CPUS];

	vfs_init();
	ST_ASSERT_EQ(vfs_mkdir(NULL, DIR, 0755), 0);
	size_t heap = heap_bytes_in_use();
	struct fdtable *fds = fdtable_create();
	ST_ASSERT(fds);
	for (unsigned int i = 0; i < n; i++) {
		w[i] = (struct worker){ .id = i, .fds = fds };
		w[i].t = thread_create_on(work, &w[i], "stress", 1ull << (i % cpu_count));
		ST_ASSERT(!IS_ERR(w[i].t));
	}
	int failures = 0;
	for (unsigned int i = 0; i < n; i++) {
		thread_join(w[i].t);
		failures += w[i].failures;
	}
	fdtable_free(fds);
	ST_ASSERT_EQ(failures, 0);
	ST_ASSERT_EQ(heap_bytes_in_use(), heap);
	ST_ASSERT_EQ(vfs_rmdir(NULL, DIR), 0);
	return 0;
}
