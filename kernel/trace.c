/*
 * Tracepoints: the registry (every tracepoint's pointer sits in the
 * .tracepoints section, its index there being its id, and the system calls'
 * points follow, made on demand by sys/syscall_trace.c), the command-line
 * options that turn them on, and the recording into per-CPU rings.
 *
 * Recording runs on the CPU that hits the tracepoint, with interrupts off
 * for the few instructions it takes, so nothing else writes that CPU's ring
 * meanwhile: no lock, and no preemption or migration in the middle of a
 * record. A dump pauses recording and waits until every CPU has taken an
 * interrupt (so none is inside a record) before it reads the rings; the
 * hits meanwhile are counted as lost in the next dump.
 */
#include <alto/acpi.h>
#include <alto/boot.h>
#include <alto/cpu.h>
#include <alto/format.h>
#include <alto/glob.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/sched.h>
#include <alto/smp.h>
#include <alto/string.h>
#include <alto/syscall.h>
#include <alto/trace.h>
#include <alto/vfs.h>
#include <alto/x86.h>
#include <uapi/dirent.h>
#include <uapi/errno.h>
#include "trace_ring.h"
#include "trace_internal.h"

/* What the host needs to name threads and find symbols: on whenever anything is. */
#define TRACE_ALWAYS "thread_create,mm_map_file"

#define DEFAULT_RING_BYTES (1ull << 20)
#define MIN_RING_BYTES	   (16ull << 10)
#define MAX_RING_BYTES	   (256ull << 20)

extern struct tracepoint *const __tracepoints_start[], *const __tracepoints_end[];

static struct trace_ring rings[MAX_CPUS];
static unsigned int nrings;
static uint64_t ring_bytes = DEFAULT_RING_BYTES;
static enum {
	RECORDING,
	PAUSED,
	ENDED
} rec_state;			      /* PAUSED: for a dump that resumes */
static uint64_t unrecorded[MAX_CPUS]; /* hits while PAUSED, per CPU */
static bool any_enabled;
bool trace_backtrace_on;

/* The points of the .tracepoints section come first, then the system calls'. */
static unsigned int section_count(void)
{
	return (unsigned int)(__tracepoints_end - __tracepoints_start);
}

unsigned int trace_point_count(void)
{
	return section_count() + syscall_tracepoint_count();
}

struct tracepoint *trace_point_at(unsigned int i)
{
	if (i < section_count())
		return __tracepoints_start[i];
	return i < trace_point_count() ? syscall_tracepoint(i - section_count(), (uint16_t)i) :
					 NULL;
}

const char *trace_point_name(const struct tracepoint *tp, char *buf)
{
	if (!(tp->flags & TP_F_SYSCALL))
		return tp->name;
	snprintf(buf, TRACE_NAME_MAX, "sys_%s_%s", tp->flags & TP_F_SYSCALL_EXIT ? "exit" : "enter",
		 tp->name);
	return buf;
}

static uint64_t round_pow2(uint64_t n)
{
	uint64_t p = MIN_RING_BYTES;

	while (p < n && p < MAX_RING_BYTES)
		p <<= 1;
	return p;
}

/*
 * One ring per CPU the firmware describes; CPUs beyond that record nothing.
 * All of them together take at most an eighth of memory: smaller rings,
 * with a line saying so, rather than a program that runs out of memory.
 */
static int alloc_rings(void)
{
	unsigned int n = MIN(MAX(acpi.ncpus, 1u), (unsigned int)MAX_CPUS);
	uint64_t budget = pages_total_count() * PAGE_SIZE / 8 / n;
	unsigned int order = 0;

	if (ring_bytes > budget && budget >= MIN_RING_BYTES) {
		uint64_t fits = MIN_RING_BYTES;
		while (fits * 2 <= budget)
			fits *= 2;
		printk("alto: trace rings of %lu KiB per CPU (an eighth of memory for %u CPU%s)\n",
		       (unsigned long)(fits >> 10), n, n == 1 ? "" : "s");
		ring_bytes = fits;
	}
	while ((PAGE_SIZE << order) < ring_bytes)
		order++;
	for (unsigned int cpu = 0; cpu < n; cpu++) {
		void *buf = page_alloc(order);
		if (!buf) {
			printk("alto: no memory for the trace ring of CPU %u (%lu KiB)\n", cpu,
			       (unsigned long)(ring_bytes >> 10));
			return -ENOMEM;
		}
		trace_ring_init(&rings[cpu], buf, ring_bytes);
	}
	WRITE_ONCE(nrings, n);
	return 0;
}

int trace_enable(const char *globs)
{
	unsigned int matched = 0;

	if (!nrings && alloc_rings())
		return -ENOMEM;
	for (unsigned int i = 0; i < trace_point_count(); i++) {
		struct tracepoint *tp = trace_point_at(i);
		char name[TRACE_NAME_MAX];
		if (tp && glob_match_list(globs, trace_point_name(tp, name))) {
			WRITE_ONCE(tp->enabled, 1);
			matched++;
		}
	}
	if (matched && !any_enabled) {
		any_enabled = true;
		trace_enable(TRACE_ALWAYS);
	}
	syscall_hooks_update();
	vfs_io_hooks_update();
	return (int)matched;
}

bool trace_active(void)
{
	return any_enabled;
}

static int parse_options(void)
{
	const char *size = cmdline_get("trace-buffer");
	unsigned long long bytes;

	if (size) {
		if (parse_size(size, &bytes) || bytes < MIN_RING_BYTES || bytes > MAX_RING_BYTES) {
			printk("alto: bad --trace-buffer=%s (a size from 16K to 256M per CPU)\n",
			       size);
			return -EINVAL;
		}
		ring_bytes = round_pow2(bytes);
	}
	trace_backtrace_on = cmdline_has("trace-backtrace");
	return 0;
}

int trace_init(void)
{
	const char *globs = cmdline_get("trace");

	for (unsigned int i = 0; i < section_count(); i++) {
		if (__tracepoints_start[i])
			__tracepoints_start[i]->id = (uint16_t)i;
	}
	if (parse_options())
		return -EINVAL;
	if (!globs)
		return 0;
	if (!*globs) {
		printk("alto: --trace needs a list of patterns (--trace='*' for every tracepoint)\n");
		return -EINVAL;
	}
	int n = trace_enable(globs);
	if (n == 0)
		printk("alto: --trace=%s matches no tracepoint\n", globs);
	return 0;
}

static void sync_cpu(void *arg)
{
}

void trace_pause(bool last)
{
	WRITE_ONCE(rec_state, last ? ENDED : PAUSED);
	/* Each CPU answers with interrupts on, so outside any record. */
	smp_call_all(sync_cpu, NULL);
}

void trace_stop(void)
{
	WRITE_ONCE(rec_state, ENDED);
}

void trace_resume(void)
{
	WRITE_ONCE(rec_state, RECORDING);
}

uint64_t trace_ring_records(unsigned int cpu, void (*fn)(const void *rec, size_t size, void *arg),
			    void *arg)
{
	return cpu < nrings ? trace_ring_walk(&rings[cpu], fn, arg) : 0;
}

uint64_t trace_ring_take_lost(unsigned int cpu)
{
	if (cpu >= nrings)
		return 0;
	return rings[cpu].lost + __atomic_exchange_n(&unrecorded[cpu], 0, __ATOMIC_RELAXED);
}

void trace_ring_forget(unsigned int cpu)
{
	if (cpu < nrings)
		trace_ring_clear(&rings[cpu]);
}

unsigned int trace_ring_count(void)
{
	return nrings;
}

/* Only where the caller may sleep: the path is looked up under the file system's locks. */
void trace_emit_file(struct tracepoint *tp, const uint64_t *args, struct file *file)
{
	char *path = kmalloc(PATH_MAX);
	long n = path && file ? vfs_file_path(file, path, PATH_MAX) : -1;

	trace_emit(tp, args, path, n > 0 ? (size_t)n : 0);
	kfree(path);
}

/* The payload's bytes in segs, up to max of them, copied to p. */
static void copy_segs(uint8_t *p, const struct trace_seg *segs, unsigned int nsegs, size_t max)
{
	for (unsigned int i = 0; i < nsegs && max; i++) {
		size_t n = MIN(segs[i].len, max);
		memcpy(p, segs[i].data, n);
		p += n;
		max -= n;
	}
}

/* One record: the arguments, the payload (TP_F_DATA: the segments' bytes), then the stack. */
static void record(struct tracepoint *tp, const uint64_t *args, const struct trace_seg *segs,
		   unsigned int nsegs, const uint64_t *frames, unsigned int nframes)
{
	unsigned int cpu = this_cpu()->id;
	struct thread *t = current_thread();
	size_t len = 0;

	for (unsigned int i = 0; i < nsegs; i++)
		len += segs[i].len;
	size_t kept = tp->flags & TP_F_DATA ? MIN(len, (size_t)TRACE_MAX_DATA) : 0;
	if (cpu >= nrings)
		return;
	int state = READ_ONCE(rec_state);
	if (state != RECORDING) {
		if (state == PAUSED)
			__atomic_add_fetch(&unrecorded[cpu], 1, __ATOMIC_RELAXED);
		return;
	}
	size_t data_words = tp->flags & TP_F_DATA ? 1 + ALIGN_UP(kept, 8) / 8 : 0;
	size_t size = TRACE_RECORD_HEAD + 8 * (tp->nargs + data_words + nframes);
	struct trace_record *rec = trace_ring_reserve(&rings[cpu], size);
	rec->tsc = rdtsc();
	rec->id = tp->id;
	rec->size = (uint16_t)size;
	rec->tid = t ? thread_trace_id(t) : 0;
	uint64_t *p = rec->args;
	for (unsigned int i = 0; i < tp->nargs; i++)
		*p++ = args[i];
	if (tp->flags & TP_F_DATA) {
		*p++ = len;
		if (kept) {
			p[ALIGN_UP(kept, 8) / 8 - 1] = 0; /* the pad after the bytes */
			copy_segs((uint8_t *)p, segs, nsegs, kept);
			p += ALIGN_UP(kept, 8) / 8;
		}
	}
	memcpy(p, frames, 8 * nframes);
}

/*
 * Inlined into both entry points, which the slow paths call: the stack is
 * then taken from the same depth (trace_stack_here starts at its caller's
 * caller, the tracepoint's site).
 */
static inline __attribute__((always_inline)) void
emit(struct tracepoint *tp, const uint64_t *args, const struct trace_seg *segs, unsigned int nsegs)
{
	unsigned long flags = irq_save();
	uint64_t frames[TRACE_MAX_FRAMES];
	unsigned int nframes = trace_backtrace_on ? trace_stack_here(frames, TRACE_MAX_FRAMES) : 0;

	record(tp, args, segs, nsegs, frames, nframes);
	irq_restore(flags);
}

void trace_emit_segs(struct tracepoint *tp, const uint64_t *args, const struct trace_seg *segs,
		     unsigned int nsegs)
{
	emit(tp, args, segs, nsegs);
}

void trace_emit(struct tracepoint *tp, const uint64_t *args, const void *data, size_t len)
{
	const struct trace_seg seg = { data, len };

	emit(tp, args, &seg, 1);
}

void trace_emit_stack(struct tracepoint *tp, const uint64_t *args, const uint64_t *frames,
		      unsigned int nframes)
{
	unsigned long flags = irq_save();

	record(tp, args, NULL, 0, frames, nframes);
	irq_restore(flags);
}
