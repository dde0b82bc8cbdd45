/*
 * Reading a trace file: one or more dumps (include/alto/trace.h), each a
 * header, the tracepoint table, the threads, the bootchart and each CPU's
 * records (LZ4-compressed in chunks, decompressed here with liblz4). Every size and index is
 * checked, since the file may be cut short (the VM stopped in the middle of a dump) or be anything
 * at all: a cut dump keeps what it completely holds, anything else ends the tool with a message.
 * Events from all dumps and CPUs are merged in time order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <lz4.h>
#include "alto.h"
#include "trace.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

struct reader {
	struct trace *t;
	const uint8_t *p, *end;
	size_t cap_events;
	bool in_dump;
};

static void bad(const struct trace *t, const char *what)
{
	die("%s: not a valid trace file: %s", t->path, what);
}

static void read_file(struct trace *t)
{
	FILE *f = fopen(t->path, "rb");
	struct stat st;

	if (!f)
		die("cannot read the trace %s: %s", t->path, strerror(errno));
	if (fstat(fileno(f), &st))
		die("cannot read the trace %s: %s", t->path, strerror(errno));
	t->size = (size_t)st.st_size;
	t->raw = xmalloc(t->size + 1);
	if (fread(t->raw, 1, t->size, f) != t->size)
		die("cannot read the trace %s", t->path);
	fclose(f);
	if (!t->size)
		die("%s: the trace is empty (did the VM run with --trace, and reach its end?)",
		    t->path);
}

static void set_point(struct trace *t, const struct trace_point_desc *d, const char *name,
		      const char *fmt)
{
	if (d->id >= t->npoints) {
		t->points = xrealloc(t->points, (d->id + 1u) * sizeof(*t->points));
		memset(t->points + t->npoints, 0, (d->id + 1u - t->npoints) * sizeof(*t->points));
		t->npoints = d->id + 1u;
	}
	struct tpoint *p = &t->points[d->id];
	if (p->present)
		return; /* the same kernel describes it the same way in every dump */
	if (d->nargs > TRACE_MAX_ARGS)
		bad(t, "a tracepoint with too many arguments");
	*p = (struct tpoint){ xstrdup(name), xstrdup(fmt), d->nargs, d->flags, -1, false, true };
}

static void read_points(struct trace *t, const uint8_t *p, const uint8_t *end)
{
	while (p < end) {
		struct trace_point_desc d;
		if ((size_t)(end - p) < sizeof(d))
			bad(t, "truncated tracepoint table");
		memcpy(&d, p, sizeof(d));
		const char *name = (const char *)p + sizeof(d);
		const char *nul = memchr(name, 0, end - (const uint8_t *)name);
		const char *fmt = nul ? nul + 1 : NULL;
		const char *nul2 = fmt ? memchr(fmt, 0, end - (const uint8_t *)fmt) : NULL;
		if (!nul2)
			bad(t, "truncated tracepoint name");
		set_point(t, &d, name, fmt);
		p = (const uint8_t *)nul2 + 1;
	}
}

static void add_thread(struct trace *t, int tid, int pid, const char *name, size_t len)
{
	struct tthread *th = NULL;

	for (size_t i = 0; i < t->nthreads && !th; i++) {
		if (t->threads[i].tid == tid)
			th = &t->threads[i];
	}
	if (!th) {
		t->threads = xrealloc(t->threads, (t->nthreads + 1) * sizeof(*t->threads));
		th = &t->threads[t->nthreads++];
	}
	th->tid = tid;
	th->pid = pid;
	len = strnlen(name, MIN(len, sizeof(th->name) - 1));
	memcpy(th->name, name, len);
	th->name[len] = 0;
}

static void read_threads(struct trace *t, const uint8_t *p, const uint8_t *end)
{
	struct trace_thread_desc d;

	if ((end - p) % sizeof(d))
		bad(t, "a thread table of a wrong size");
	for (; p < end; p += sizeof(d)) {
		memcpy(&d, p, sizeof(d));
		add_thread(t, d.tid, d.pid, d.name, sizeof(d.name));
	}
}

/* A step's name without the call's arguments ("acpi_init(boot_info.rsdp)" is acpi_init). */
static char *step_name(const char *name)
{
	const char *paren = strncmp(name, "first", 5) ? strchr(name, '(') : NULL;

	return paren ? strndup(name, (size_t)(paren - name)) : xstrdup(name);
}

static void read_boot(struct trace *t, const uint8_t *p, const uint8_t *end)
{
	for (size_t i = 0; i < t->nboot; i++)
		free(t->boot[i].name);
	t->nboot = 0; /* every dump carries all of it: keep the last */
	while (p < end) {
		struct trace_boot_step s;
		if ((size_t)(end - p) < sizeof(s))
			bad(t, "truncated bootchart");
		memcpy(&s, p, sizeof(s));
		const char *name = (const char *)p + sizeof(s);
		const char *nul = memchr(name, 0, end - (const uint8_t *)name);
		if (!nul)
			bad(t, "truncated bootchart step");
		t->boot = xrealloc(t->boot, (t->nboot + 1) * sizeof(*t->boot));
		t->boot[t->nboot++] = (struct tboot){ s.tsc, step_name(name) };
		p = (const uint8_t *)nul + 1;
	}
}

static const struct tpoint *point_of(const struct trace *t, unsigned int id)
{
	return id < t->npoints && t->points[id].present ? &t->points[id] : NULL;
}

/* One record: its parts located and checked against its tracepoint. */
static void add_record(struct reader *r, unsigned int cpu, const struct trace_record *rec)
{
	struct trace *t = r->t;
	const struct tpoint *p = point_of(t, rec->id);

	if (!p)
		bad(t, "a record of an unknown tracepoint");
	size_t words = (rec->size - TRACE_RECORD_HEAD) / 8, used = p->nargs;
	struct tevent e = { .tsc = rec->tsc, .tid = rec->tid, .cpu = (uint16_t)cpu, .id = rec->id };
	e.args = rec->args;
	if (p->flags & TP_F_DATA) {
		if (used >= words)
			bad(t, "a record shorter than its arguments");
		e.len = rec->args[used++];
		e.kept = (uint32_t)MIN(e.len, (uint64_t)TRACE_MAX_DATA);
		e.data = (const uint8_t *)&rec->args[used];
		used += (e.kept + 7) / 8;
	}
	if (used > words)
		bad(t, "a record shorter than its arguments");
	e.frames = &rec->args[used];
	e.nframes = (uint32_t)(words - used);
	e.order = (uint32_t)t->nevents;
	if (t->nevents == r->cap_events) {
		r->cap_events = r->cap_events ? 2 * r->cap_events : 4096;
		t->events = xrealloc(t->events, r->cap_events * sizeof(*t->events));
	}
	t->events[t->nevents++] = e;
}

static void read_records(struct reader *r, unsigned int cpu, const uint8_t *p, const uint8_t *end)
{
	while (p < end) {
		const struct trace_record *rec = (const struct trace_record *)p;
		if ((size_t)(end - p) < TRACE_RECORD_HEAD || rec->size < TRACE_RECORD_HEAD ||
		    rec->size % 8 || rec->size > (size_t)(end - p))
			bad(r->t, "a record of a wrong size");
		add_record(r, cpu, rec);
		p += rec->size;
	}
}

static const uint8_t *cpu_head(struct reader *r, const uint8_t *p, const uint8_t *end,
			       struct trace_cpu_head *head)
{
	if ((size_t)(end - p) < sizeof(*head))
		bad(r->t, "truncated CPU block");
	memcpy(head, p, sizeof(*head));
	r->t->lost += head->lost;
	return p + sizeof(*head);
}

static void read_cpu(struct reader *r, const uint8_t *p, const uint8_t *end)
{
	struct trace_cpu_head head;

	p = cpu_head(r, p, end, &head);
	read_records(r, head.cpu, p, end);
}

/* A compressed chunk: decompressed into memory that lives as long as the trace. */
static void read_cpu_lz4(struct reader *r, const uint8_t *p, const uint8_t *end)
{
	struct trace_cpu_head head;
	uint64_t raw;

	p = cpu_head(r, p, end, &head);
	if ((size_t)(end - p) < sizeof(raw))
		bad(r->t, "truncated CPU block");
	memcpy(&raw, p, sizeof(raw));
	p += sizeof(raw);
	if (raw > (1u << 20))
		bad(r->t, "a compressed chunk of a wrong size");
	uint8_t *records = xmalloc(raw + 8); /* 8-aligned, like the file's */
	int n = LZ4_decompress_safe((const char *)p, (char *)records, (int)(end - p), (int)raw);
	if (n != (int)raw)
		bad(r->t, "a compressed chunk that does not decompress");
	read_records(r, head.cpu, records, records + raw);
}

static void read_header(struct reader *r, const uint8_t *p, const uint8_t *end)
{
	struct trace_header h;
	struct trace *t = r->t;

	if ((size_t)(end - p) < sizeof(h))
		bad(t, "truncated header");
	memcpy(&h, p, sizeof(h));
	if (h.magic != TRACE_MAGIC)
		bad(t, "no trace header where a dump starts");
	if (h.version != TRACE_VERSION)
		die("%s: a trace of version %u; this alto reads version %u", t->path, h.version,
		    TRACE_VERSION);
	t->tsc_hz = h.tsc_hz;
	t->boot_tsc = h.boot_tsc;
	t->ncpus = MAX(t->ncpus, h.ncpus);
	t->flags |= h.flags;
	t->ndumps++;
	r->in_dump = true;
	t->complete = false;
}

/* One block; false at a block cut short (the end of what was written). */
static bool read_block(struct reader *r)
{
	struct trace_block b;

	if ((size_t)(r->end - r->p) < sizeof(b))
		return false;
	memcpy(&b, r->p, sizeof(b));
	const uint8_t *p = r->p + sizeof(b);
	if (b.size > (size_t)(r->end - p))
		return false;
	const uint8_t *end = p + b.size;
	if (b.type != TRACE_BLOCK_HEADER && !r->in_dump)
		bad(r->t, "a block outside a dump");
	switch (b.type) {
	case TRACE_BLOCK_HEADER:
		read_header(r, p, end);
		break;
	case TRACE_BLOCK_POINTS:
		read_points(r->t, p, end);
		break;
	case TRACE_BLOCK_THREADS:
		read_threads(r->t, p, end);
		break;
	case TRACE_BLOCK_BOOT:
		read_boot(r->t, p, end);
		break;
	case TRACE_BLOCK_CPU:
		read_cpu(r, p, end);
		break;
	case TRACE_BLOCK_CPU_LZ4:
		read_cpu_lz4(r, p, end);
		break;
	case TRACE_BLOCK_END:
		r->in_dump = false;
		r->t->complete = true;
		break;
	default:
		bad(r->t, "an unknown block");
	}
	r->p = end;
	return true;
}

static int by_time(const void *a, const void *b)
{
	const struct tevent *x = a, *y = b;

	if (x->tsc != y->tsc)
		return x->tsc < y->tsc ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* X_enter pairs with X_exit; sys_enter_X with sys_exit_X. */
static void pair_points(struct trace *t)
{
	for (unsigned int i = 0; i < t->npoints; i++) {
		struct tpoint *p = &t->points[i];
		char want[256];
		size_t n = p->present ? strlen(p->name) : 0;
		if (!strncmp(p->name ? p->name : "", "sys_enter_", 10))
			snprintf(want, sizeof(want), "sys_exit_%s", p->name + 10);
		else if (n > 6 && !strcmp(p->name + n - 6, "_enter"))
			snprintf(want, sizeof(want), "%.*s_exit", (int)(n - 6), p->name);
		else
			continue;
		int other = trace_point_id(t, want);
		if (other >= 0) {
			p->pair = other;
			p->enter = true;
			t->points[other].pair = (int)i;
		}
	}
}

static const struct tthread *find_thread(const struct trace *t, int tid)
{
	for (size_t i = 0; i < t->nthreads; i++) {
		if (t->threads[i].tid == tid)
			return &t->threads[i];
	}
	return NULL;
}

/* Threads the dumps did not list (they ended before) are named by their creation. */
static void name_threads(struct trace *t)
{
	int id = trace_point_id(t, "thread_create");

	for (size_t i = 0; id >= 0 && i < t->nevents; i++) {
		const struct tevent *e = &t->events[i];
		if (e->id == id && !find_thread(t, (int)e->args[0]))
			add_thread(t, (int)e->args[0], (int)e->args[1], (const char *)e->data,
				   e->kept);
	}
}

void trace_load(const char *path, struct trace *t)
{
	*t = (struct trace){ .path = path };
	read_file(t);
	struct reader r = { .t = t, .p = t->raw, .end = t->raw + t->size };

	while (r.p < r.end && read_block(&r))
		;
	if (!t->ndumps)
		bad(t, "no trace header");
	if (r.p < r.end || !t->complete)
		warnx_("%s: the last dump was cut short (the VM stopped while writing it); "
		       "reading what it holds",
		       path);
	qsort(t->events, t->nevents, sizeof(*t->events), by_time);
	pair_points(t);
	name_threads(t);
}

double trace_ns(const struct trace *t, uint64_t tsc)
{
	if (!t->tsc_hz)
		return 0;
	return (double)(int64_t)(tsc - t->boot_tsc) * 1e9 / (double)t->tsc_hz;
}

const struct tpoint *trace_point(const struct trace *t, const struct tevent *e)
{
	return &t->points[e->id];
}

int trace_point_id(const struct trace *t, const char *name)
{
	for (unsigned int i = 0; i < t->npoints; i++) {
		if (t->points[i].present && !strcmp(t->points[i].name, name))
			return (int)i;
	}
	return -1;
}

const char *trace_thread_name(const struct trace *t, int tid)
{
	const struct tthread *th = find_thread(t, tid);

	return th && th->name[0] ? th->name : tid ? "?" : "boot";
}

int trace_thread_pid(const struct trace *t, int tid)
{
	const struct tthread *th = find_thread(t, tid);

	return th ? th->pid : 0;
}
