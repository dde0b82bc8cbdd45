/*
 * Dumps of the trace rings to the host, through an isa-debugcon port that
 * the host tool attaches to the trace file: at power-off (the final dump),
 * and whenever the host asks (a break on the console, or the escape the
 * host tool sends when it gets SIGUSR1), from a kernel thread. A dump is
 * self-contained (include/alto/trace.h): header, the tracepoint table, the
 * threads alive, the bootchart, then each CPU's records, which are then
 * forgotten, so that successive dumps in one file add up to the whole
 * trace. Each CPU's records go LZ4-compressed (lib/lz4.c) in chunks of up to
 * 64 KiB: the port moves a byte at a time, and records shrink to about 40%.
 * Recording pauses while a dump is written; a hit then counts as lost.
 */
#include <alto/boot.h>
#include <alto/cpu.h>
#include <alto/lz4.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/string.h>
#include <alto/sync.h>
#include <alto/time.h>
#include <alto/trace.h>
#include <alto/x86.h>
#include "trace_internal.h"

/* The compressor's memory, taken once when tracing starts (a panic cannot allocate). */
static struct {
	uint8_t *in, *out;
	uint32_t *table;
} lz4;

static bool channel;
static bool requested;
static bool dumping; /* a dump is being written (a panic then writes none) */
static uint32_t seq;
static struct mutex dump_lock;
static struct waitq request_wq = WAITQ_INIT(request_wq);

static uint64_t dumped; /* bytes of the dump being written */

static void out_bytes(const void *p, size_t n)
{
	dumped += n;
	__asm__ __volatile__("rep outsb" : "+S"(p), "+c"(n) : "d"(TRACE_PORT) : "memory");
}

static void out_block(uint32_t type, uint32_t size)
{
	struct trace_block b = { type, size };

	out_bytes(&b, sizeof(b));
}

static void dump_header(bool final, bool panic)
{
	struct trace_header h = {
		.magic = TRACE_MAGIC,
		.version = TRACE_VERSION,
		.ncpus = trace_ring_count(),
		.tsc_hz = tsc_refined_hz ? tsc_refined_hz : tsc_hz,
		.boot_tsc = boot_tsc,
		.seq = seq++,
		.flags = (final ? TRACE_F_FINAL : 0) | (panic ? TRACE_F_PANIC : 0) |
			 (trace_backtrace_on ? TRACE_F_BACKTRACE : 0),
		.dump_tsc = rdtsc(),
	};

	out_block(TRACE_BLOCK_HEADER, sizeof(h));
	out_bytes(&h, sizeof(h));
}

static size_t point_size(const struct tracepoint *tp)
{
	char name[TRACE_NAME_MAX];

	return sizeof(struct trace_point_desc) + strlen(trace_point_name(tp, name)) + 1 +
	       strlen(tp->fmt) + 1;
}

static void dump_points(void)
{
	uint32_t size = 0;

	for (unsigned int i = 0; i < trace_point_count(); i++) {
		if (trace_point_at(i))
			size += point_size(trace_point_at(i));
	}
	out_block(TRACE_BLOCK_POINTS, size);
	for (unsigned int i = 0; i < trace_point_count(); i++) {
		const struct tracepoint *tp = trace_point_at(i);
		if (!tp)
			continue;
		struct trace_point_desc d = { tp->id, tp->nargs, tp->flags };
		char buf[TRACE_NAME_MAX];
		const char *name = trace_point_name(tp, buf);
		out_bytes(&d, sizeof(d));
		out_bytes(name, strlen(name) + 1);
		out_bytes(tp->fmt, strlen(tp->fmt) + 1);
	}
}

struct thread_list {
	struct trace_thread_desc *descs;
	unsigned int n, cap;
};

static void add_thread(struct thread *t, void *arg)
{
	struct thread_list *l = arg;

	if (l->n == l->cap)
		return;
	struct trace_thread_desc *d = &l->descs[l->n++];
	*d = (struct trace_thread_desc){ .tid = thread_trace_id(t),
					 .pid = t->proc ? t->proc->pid : 0 };
	strlcpy(d->name, t->name, sizeof(d->name));
}

static void dump_threads(void)
{
	struct thread_list l = { .cap = sched_thread_count() + 16 };

	l.descs = kmalloc(l.cap * sizeof(*l.descs));
	if (l.descs)
		thread_for_each(add_thread, &l);
	out_block(TRACE_BLOCK_THREADS, l.n * sizeof(*l.descs));
	out_bytes(l.descs, l.n * sizeof(*l.descs));
	kfree(l.descs);
}

static void count_step(uint64_t tsc, const char *name, void *arg)
{
	*(uint32_t *)arg += sizeof(struct trace_boot_step) + strlen(name) + 1;
}

static void out_step(uint64_t tsc, const char *name, void *arg)
{
	struct trace_boot_step s = { tsc };

	out_bytes(&s, sizeof(s));
	out_bytes(name, strlen(name) + 1);
}

static void dump_bootchart(void)
{
	uint32_t size = 0;

	bootchart_for_each(count_step, &size);
	out_block(TRACE_BLOCK_BOOT, size);
	bootchart_for_each(out_step, NULL);
}

static void count_record(const void *rec, size_t size, void *arg)
{
	*(uint64_t *)arg += size;
}

static void out_record(const void *rec, size_t size, void *arg)
{
	out_bytes(rec, size);
}

/* One CPU's records as they are: when the compressor's memory could not be had. */
static void dump_cpu_plain(unsigned int cpu, uint64_t lost)
{
	struct trace_cpu_head head = { .cpu = cpu, .lost = lost };
	uint64_t bytes = 0;

	trace_ring_records(cpu, count_record, &bytes);
	out_block(TRACE_BLOCK_CPU, (uint32_t)(sizeof(head) + bytes));
	out_bytes(&head, sizeof(head));
	trace_ring_records(cpu, out_record, NULL);
}

/* Records gathered into chunks of up to LZ4_MAX_INPUT bytes, each sent compressed. */
struct chunk {
	unsigned int cpu;
	uint64_t lost; /* told with the first chunk */
	size_t len;
};

static void flush_chunk(struct chunk *c)
{
	struct trace_cpu_head head = { .cpu = c->cpu, .lost = c->lost };
	uint64_t raw = c->len;
	size_t packed = lz4_compress(lz4.in, c->len, lz4.out, lz4.table);

	out_block(TRACE_BLOCK_CPU_LZ4, (uint32_t)(sizeof(head) + sizeof(raw) + packed));
	out_bytes(&head, sizeof(head));
	out_bytes(&raw, sizeof(raw));
	out_bytes(lz4.out, packed);
	c->lost = 0;
	c->len = 0;
}

static void gather_record(const void *rec, size_t size, void *arg)
{
	struct chunk *c = arg;

	if (c->len + size > LZ4_MAX_INPUT)
		flush_chunk(c);
	memcpy(lz4.in + c->len, rec, size);
	c->len += size;
}

static void dump_cpu(unsigned int cpu)
{
	struct chunk c = { .cpu = cpu, .lost = trace_ring_take_lost(cpu) };

	if (!lz4.in) {
		dump_cpu_plain(cpu, c.lost);
	} else {
		trace_ring_records(cpu, gather_record, &c);
		flush_chunk(&c);
	}
	trace_ring_forget(cpu);
}

/*
 * One whole dump; recording is paused, and resumes before its end unless
 * it is the last (final, panic). After a panic the thread table is
 * left empty (its lock may be held): thread_create events name the threads.
 * With --verbose, how fast it went.
 */
static void dump(bool final, bool panic)
{
	uint64_t start = time_now_ns();

	WRITE_ONCE(dumping, true);
	dumped = 0;
	dump_header(final, panic);
	dump_points();
	if (panic)
		out_block(TRACE_BLOCK_THREADS, 0);
	else
		dump_threads();
	dump_bootchart();
	for (unsigned int cpu = 0; cpu < trace_ring_count(); cpu++)
		dump_cpu(cpu);
	/* The rings are read: what comes now goes to the next dump, recorded before the host sees
	 * this one end (a program it lets go then is traced). */
	if (!final)
		trace_resume();
	out_block(TRACE_BLOCK_END, 0);
	WRITE_ONCE(dumping, false);
	uint64_t us = (time_now_ns() - start) / 1000;
	if (cmdline_has("verbose"))
		printk("alto: trace dump %u: %lu KiB in %lu ms (%lu KiB/s)\n", seq - 1,
		       (unsigned long)(dumped >> 10), (unsigned long)(us / 1000),
		       (unsigned long)(us ? (dumped * 1000000 / us) >> 10 : 0));
}

static void dump_thread(void *arg)
{
	for (;;) {
		unsigned long flags = spin_lock(&request_wq.lock);
		while (!requested)
			waitq_wait_locked(&request_wq, &flags, 0);
		requested = false;
		spin_unlock(&request_wq.lock, flags);
		mutex_lock(&dump_lock);
		trace_pause(false);
		dump(false, false); /* resumes recording */
		mutex_unlock(&dump_lock);
	}
}

void trace_dump_init(void)
{
	mutex_init(&dump_lock);
	channel = inb(TRACE_PORT) == TRACE_PORT_READBACK;
	if (!trace_active())
		return;
	if (!channel) {
		printk("alto: tracing without a trace channel (port %#x): nothing reaches the host\n",
		       TRACE_PORT);
		return;
	}
	lz4.in = kmalloc(LZ4_MAX_INPUT);
	lz4.out = kmalloc(LZ4_BOUND(LZ4_MAX_INPUT));
	lz4.table = kmalloc(LZ4_HASH_ENTRIES * sizeof(*lz4.table));
	if (!lz4.in || !lz4.out || !lz4.table) {
		kfree(lz4.in);
		kfree(lz4.out);
		kfree(lz4.table);
		lz4.in = NULL; /* dumps go uncompressed */
	}
	struct thread *t = thread_create(dump_thread, NULL, "trace-dump");
	if (IS_ERR(t))
		printk("alto: cannot start the trace dump thread: dumps come at power-off only\n");
	else
		thread_detach(t);
}

void trace_request_dump(void)
{
	unsigned long flags = spin_lock(&request_wq.lock);

	requested = true;
	spin_unlock(&request_wq.lock, flags);
	waitq_wake_all(&request_wq);
}

void trace_dump_final(void)
{
	if (!trace_active() || !channel)
		return;
	mutex_lock(&dump_lock);
	trace_pause(true);
	dump(true, false);
	mutex_unlock(&dump_lock);
}

void trace_dump_panic(void)
{
	static bool once;

	if (!trace_active() || !channel || READ_ONCE(dumping) || once)
		return;
	once = true;
	trace_stop(); /* other CPUs stop at their next record; one in the middle of it is cut */
	printk("alto: writing the trace rings after the panic\n");
	dump(true, true);
}
