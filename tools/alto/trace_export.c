/*
 * Traces in the formats other tools read. `pcap`: the payloads of packet
 * tracepoints (TP_F_PACKET: Ethernet frames) as a classic pcap file, time
 * since boot as time stamps. `perfetto`: the Chrome trace-event JSON that
 * ui.perfetto.dev and chrome://tracing load: every thread a track (kernel
 * threads under a "kernel" process), each enter/exit pair (system calls,
 * page faults, interrupts, waits...) a complete slice, other events
 * instants; a track per CPU with what ran there (from sched_switch) and
 * wake-ups as flows from the waker's CPU slice to the wakee's next one;
 * the bootchart as a track of its own. Slices on a track always nest: an
 * exit closes what opened after its enter, and what is open at the end of
 * the trace is closed there (args.unfinished). tests/tools/check_trace_json.py
 * holds the output to the format's rules.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "alto.h"
#include "trace.h"

#define PCAP_MAGIC	  0xa1b2c3d4u
#define PCAP_LINKTYPE_ETH 1
#define KERNEL_PID	  100000
#define CPU_PID		  200000
#define BOOT_PID	  300000

int trace_cmd_pcap(const struct trace *t, FILE *out)
{
	struct {
		uint32_t magic;
		uint16_t major, minor;
		int32_t zone;
		uint32_t sigfigs, snaplen, linktype;
	} head = { PCAP_MAGIC, 2, 4, 0, 0, TRACE_MAX_DATA, PCAP_LINKTYPE_ETH };
	size_t n = 0;

	fwrite(&head, sizeof(head), 1, out);
	for (size_t i = 0; i < t->nevents; i++) {
		const struct tevent *e = &t->events[i];
		if (!(trace_point(t, e)->flags & TP_F_PACKET))
			continue;
		uint64_t us = (uint64_t)(trace_ns(t, e->tsc) / 1e3);
		uint32_t rec[4] = { (uint32_t)(us / 1000000), (uint32_t)(us % 1000000), e->kept,
				    (uint32_t)e->len };
		fwrite(rec, sizeof(rec), 1, out);
		fwrite(e->data, 1, e->kept, out);
		n++;
	}
	if (fflush(out))
		die("cannot write the pcap");
	fprintf(stderr, "alto: %zu packet%s\n", n, n == 1 ? "" : "s");
	return 0;
}

/* JSON output: a comma before every event but the first. */
struct json {
	FILE *out;
	bool first;
	const struct trace *t;
	double end_us;
	uint64_t next_flow;
};

static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 32 || c >= 127)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void event_start(struct json *j, const char *ph, int pid, int tid)
{
	fprintf(j->out, "%s\n{\"ph\":\"%s\",\"pid\":%d,\"tid\":%d", j->first ? "" : ",", ph, pid,
		tid);
	j->first = false;
}

static int json_pid(const struct trace *t, int tid)
{
	int pid = tid > 0 ? trace_thread_pid(t, tid) : 0;

	return tid > 0 ? (pid ? pid : tid) : KERNEL_PID;
}

static int json_tid(int tid)
{
	return tid > 0 ? tid : KERNEL_PID - tid;
}

static void metadata(struct json *j, const char *what, int pid, int tid, const char *name)
{
	event_start(j, "M", pid, tid);
	fprintf(j->out, ",\"name\":\"%s\",\"args\":{\"name\":", what);
	json_string(j->out, name);
	fputs("}}", j->out);
}

static void name_tracks(struct json *j)
{
	const struct trace *t = j->t;
	char name[64];

	metadata(j, "process_name", KERNEL_PID, json_tid(0), "kernel");
	metadata(j, "process_name", CPU_PID, CPU_PID, "CPUs");
	metadata(j, "process_name", BOOT_PID, BOOT_PID, "boot");
	metadata(j, "thread_name", BOOT_PID, BOOT_PID, "bootchart");
	for (unsigned int c = 0; c < t->ncpus; c++) {
		snprintf(name, sizeof(name), "CPU %u", c);
		metadata(j, "thread_name", CPU_PID, CPU_PID + (int)c, name);
	}
	for (size_t i = 0; i < t->nthreads; i++) {
		const struct tthread *th = &t->threads[i];
		int pid = json_pid(t, th->tid);
		if (th->tid > 0 && th->tid == pid)
			metadata(j, "process_name", pid, pid, th->name);
		snprintf(name, sizeof(name), "%s %d", th->name, th->tid);
		metadata(j, "thread_name", pid, json_tid(th->tid), name);
	}
}

static double us_of(const struct json *j, uint64_t tsc)
{
	return trace_ns(j->t, tsc) / 1e3;
}

/* Times to the nanosecond as printed, so that touching slices never overlap. */
static double to_ns(double us)
{
	return round(us * 1e3) / 1e3;
}

static void complete(struct json *j, int pid, int tid, double ts, double end, const char *cat,
		     const char *name)
{
	ts = to_ns(ts);
	end = to_ns(end);
	event_start(j, "X", pid, tid);
	fprintf(j->out, ",\"ts\":%.3f,\"dur\":%.3f,\"cat\":\"%s\",\"name\":", ts,
		end > ts ? end - ts : 0, cat);
	json_string(j->out, name);
}

/* An open slice on a thread's track. */
struct open_slice {
	int tid;
	const struct tevent *enter;
};

static const char *slice_name(const struct tpoint *p)
{
	return p->flags & TP_F_SYSCALL ? trace_syscall_name(p) : p->name;
}

static void close_slice(struct json *j, const struct tevent *enter, const struct tevent *exit)
{
	const struct tpoint *p = trace_point(j->t, enter);
	double end = exit ? us_of(j, exit->tsc) : j->end_us;
	char text[1024];
	size_t len = strlen(p->name);

	if (!(p->flags & TP_F_SYSCALL) && len > 6 && !strcmp(p->name + len - 6, "_enter"))
		len -= 6;
	char name[256];
	snprintf(name, sizeof(name), "%.*s", (int)len, slice_name(p));
	complete(j, json_pid(j->t, enter->tid), json_tid(enter->tid), us_of(j, enter->tsc), end,
		 p->flags & TP_F_SYSCALL ? "syscall" : "kernel", name);
	trace_format_args(j->t, enter, text, sizeof(text));
	fputs(",\"args\":{\"enter\":", j->out);
	json_string(j->out, text);
	if (exit) {
		trace_format_args(j->t, exit, text, sizeof(text));
		fputs(",\"exit\":", j->out);
		json_string(j->out, text);
	} else {
		fputs(",\"unfinished\":true", j->out);
	}
	fputs("}}", j->out);
}

/* An exit: close its enter and whatever opened after it on that thread. */
static void exit_slice(struct json *j, struct open_slice *open, size_t *n, const struct tevent *e)
{
	const struct tpoint *p = trace_point(j->t, e);
	size_t k = *n;

	while (k-- > 0 && !(open[k].tid == e->tid && open[k].enter->id == (unsigned int)p->pair))
		;
	if (k == (size_t)-1)
		return; /* its enter came before the trace */
	for (size_t i = *n; i-- > k + 1;) {
		if (open[i].tid == e->tid) {
			close_slice(j, open[i].enter, e);
			memmove(&open[i], &open[i + 1], (*n - i - 1) * sizeof(*open));
			(*n)--;
		}
	}
	close_slice(j, open[k].enter, e);
	memmove(&open[k], &open[k + 1], (*n - k - 1) * sizeof(*open));
	(*n)--;
}

static void instant(struct json *j, const struct tevent *e)
{
	char text[1024];

	trace_format_args(j->t, e, text, sizeof(text));
	event_start(j, "i", json_pid(j->t, e->tid), json_tid(e->tid));
	fprintf(j->out, ",\"s\":\"t\",\"ts\":%.3f,\"cat\":\"event\",\"name\":", us_of(j, e->tsc));
	json_string(j->out, trace_point(j->t, e)->name);
	fputs(",\"args\":{\"args\":", j->out);
	json_string(j->out, text);
	fputs("}}", j->out);
}

static void thread_slices(struct json *j)
{
	const struct trace *t = j->t;
	struct open_slice *open = xmalloc((t->nevents + 1) * sizeof(*open));
	size_t n = 0;

	for (size_t i = 0; i < t->nevents; i++) {
		const struct tevent *e = &t->events[i];
		const struct tpoint *p = trace_point(t, e);
		if (p->pair >= 0 && p->enter)
			open[n++] = (struct open_slice){ e->tid, e };
		else if (p->pair >= 0)
			exit_slice(j, open, &n, e);
		else if (strncmp(p->name, "sched_", 6) && strcmp(p->name, "profile_sample"))
			instant(j, e);
	}
	while (n-- > 0)
		close_slice(j, open[n].enter, NULL);
	free(open);
}

/* What runs on each CPU, as slices, with wake-ups as flows between them. */
struct cpu_track {
	int tid; /* running since `since`; 0: not known yet */
	double since;
};

struct pending_wake {
	int tid;
	uint64_t flow;
};

static void cpu_slice(struct json *j, unsigned int cpu, const struct cpu_track *c, double end)
{
	char name[64];

	snprintf(name, sizeof(name), "%s %d", trace_thread_name(j->t, c->tid), c->tid);
	complete(j, CPU_PID, CPU_PID + (int)cpu, c->since, end, "sched", name);
	fprintf(j->out, ",\"args\":{\"tid\":%d}}", c->tid);
}

static void flow(struct json *j, const char *ph, unsigned int cpu, double ts, uint64_t id)
{
	event_start(j, ph, CPU_PID, CPU_PID + (int)cpu);
	fprintf(j->out, ",\"ts\":%.3f,\"cat\":\"sched\",\"name\":\"wake\",\"id\":%llu%s}", ts,
		(unsigned long long)id, ph[0] == 'f' ? ",\"bp\":\"e\"" : "");
}

static void wake(struct json *j, struct cpu_track *cpus, struct pending_wake *w, size_t *nw,
		 const struct tevent *e)
{
	if (e->cpu >= j->t->ncpus || !cpus[e->cpu].tid)
		return; /* no slice to start the flow from */
	uint64_t id = ++j->next_flow;
	flow(j, "s", e->cpu, us_of(j, e->tsc), id);
	w[(*nw)++] = (struct pending_wake){ (int)e->args[0], id };
}

static void switch_in(struct json *j, struct cpu_track *c, unsigned int cpu, int tid, double ts,
		      struct pending_wake *w, size_t *nw)
{
	if (c->tid)
		cpu_slice(j, cpu, c, ts);
	*c = (struct cpu_track){ tid, ts };
	for (size_t i = 0; i < *nw; i++) {
		if (w[i].tid == tid) {
			flow(j, "f", cpu, ts, w[i].flow);
			w[i] = w[--*nw];
			break;
		}
	}
}

static void cpu_tracks(struct json *j)
{
	const struct trace *t = j->t;
	struct cpu_track *cpus = calloc(t->ncpus + 1, sizeof(*cpus));
	struct pending_wake *w = xmalloc((t->nevents + 1) * sizeof(*w));
	int sw = trace_point_id(t, "sched_switch"), wk = trace_point_id(t, "sched_wake");
	size_t nw = 0;

	if (!cpus)
		die("out of memory");
	for (size_t i = 0; i < t->nevents; i++) {
		const struct tevent *e = &t->events[i];
		if (e->id == wk && wk >= 0)
			wake(j, cpus, w, &nw, e);
		else if (e->id == sw && sw >= 0 && e->cpu < t->ncpus)
			switch_in(j, &cpus[e->cpu], e->cpu, (int)e->args[2], us_of(j, e->tsc), w,
				  &nw);
	}
	for (unsigned int c = 0; c < t->ncpus; c++) {
		if (cpus[c].tid)
			cpu_slice(j, c, &cpus[c], j->end_us);
	}
	free(cpus);
	free(w);
}

static void bootchart(struct json *j)
{
	double prev = 0;

	for (size_t i = 0; i < j->t->nboot; i++) {
		double at = us_of(j, j->t->boot[i].tsc);
		complete(j, BOOT_PID, BOOT_PID, prev, at, "boot", j->t->boot[i].name);
		fputs("}", j->out);
		prev = at;
	}
}

int trace_cmd_perfetto(const struct trace *t, FILE *out)
{
	struct json j = { out, true, t, 0, 0 };

	if (t->nevents)
		j.end_us = us_of(&j, t->events[t->nevents - 1].tsc);
	fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", out);
	name_tracks(&j);
	thread_slices(&j);
	cpu_tracks(&j);
	bootchart(&j);
	fputs("\n]}\n", out);
	if (fflush(out))
		die("cannot write the JSON");
	return 0;
}
