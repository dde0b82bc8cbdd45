/*
 * alto trace FILE syscalls: time per system call, as `strace -c` prints
 * it, from the sys_enter_X / sys_exit_X pairs of each thread.
 * alto trace FILE sched: per thread, time running, waiting for a CPU
 * (runnable) and sleeping (blocked), switches, wake-ups and migrations,
 * from sched_switch, sched_wake and sched_migrate.
 */
#include <stdlib.h>
#include <string.h>
#include "alto.h"
#include "trace.h"

/* enum thread_state (include/alto/sched.h), as sched_switch records it. */
#define STATE_BLOCKED 2
#define STATE_EXITING 3

struct call_stat {
	const char *name;
	uint64_t calls, errors;
	double ns;
};

struct pending_call {
	int tid;
	unsigned int id;
	double ns;
};

static int by_time_desc(const void *a, const void *b)
{
	const struct call_stat *x = a, *y = b;

	if (x->ns != y->ns)
		return x->ns < y->ns ? 1 : -1;
	return x->calls < y->calls ? 1 : x->calls > y->calls ? -1 : strcmp(x->name, y->name);
}

static void count_exit(const struct trace *t, const struct tevent *e, struct pending_call *pend,
		       size_t *npend, struct call_stat *stats)
{
	const struct tpoint *p = trace_point(t, e);
	int64_t r = (int64_t)e->args[0];

	for (size_t j = *npend; j-- > 0;) {
		if (pend[j].tid != e->tid || pend[j].id != (unsigned int)p->pair)
			continue;
		stats[p->pair].ns += trace_ns(t, e->tsc) - pend[j].ns;
		stats[p->pair].errors += r < 0 && r >= -4095;
		memmove(&pend[j], &pend[j + 1], (*npend - j - 1) * sizeof(*pend));
		(*npend)--;
		return;
	}
}

int trace_cmd_syscalls(const struct trace *t, FILE *out)
{
	struct call_stat *stats = calloc(t->npoints, sizeof(*stats)), total = { .name = "total" };
	struct pending_call *pend = NULL;
	size_t npend = 0, n = 0;

	if (!stats)
		die("out of memory");
	for (size_t i = 0; i < t->nevents; i++) {
		const struct tevent *e = &t->events[i];
		const struct tpoint *p = trace_point(t, e);
		if (!(p->flags & TP_F_SYSCALL) || p->pair < 0) {
			continue;
		} else if (p->enter) {
			stats[e->id].calls++;
			pend = xrealloc(pend, (npend + 1) * sizeof(*pend));
			pend[npend++] = (struct pending_call){ e->tid, e->id, trace_ns(t, e->tsc) };
		} else {
			count_exit(t, e, pend, &npend, stats);
		}
	}
	for (unsigned int i = 0; i < t->npoints; i++) {
		if (!stats[i].calls)
			continue;
		stats[i].name = trace_syscall_name(&t->points[i]);
		total.calls += stats[i].calls;
		total.errors += stats[i].errors;
		total.ns += stats[i].ns;
		stats[n++] = stats[i];
	}
	qsort(stats, n, sizeof(*stats), by_time_desc);
	fprintf(out, "%% time     seconds  usecs/call     calls    errors syscall\n");
	fprintf(out, "------ ----------- ----------- --------- --------- ----------------\n");
	for (size_t i = 0; i < n; i++) {
		const struct call_stat *s = &stats[i];
		fprintf(out, "%6.2f %11.6f %11.0f %9llu %9.0llu %s\n",
			total.ns ? 100 * s->ns / total.ns : 0, s->ns / 1e9,
			s->ns / 1e3 / (double)s->calls, (unsigned long long)s->calls,
			(unsigned long long)s->errors, s->name);
	}
	fprintf(out, "------ ----------- ----------- --------- --------- ----------------\n");
	fprintf(out, "100.00 %11.6f %11s %9llu %9.0llu total\n", total.ns / 1e9, "",
		(unsigned long long)total.calls, (unsigned long long)total.errors);
	free(stats);
	free(pend);
	return 0;
}

enum run_state {
	UNKNOWN,
	RUNNING,
	WAITING,
	SLEEPING,
	GONE
};

struct thread_stat {
	int tid;
	enum run_state state;
	double since;
	double run, wait, sleep;
	uint64_t switches, wakeups, migrations, cpus;
};

static struct thread_stat *stat_of(struct thread_stat **all, size_t *n, int tid)
{
	for (size_t i = 0; i < *n; i++) {
		if ((*all)[i].tid == tid)
			return &(*all)[i];
	}
	*all = xrealloc(*all, (*n + 1) * sizeof(**all));
	(*all)[*n] = (struct thread_stat){ .tid = tid };
	return &(*all)[(*n)++];
}

/* Close the thread's current state at now and enter another. */
static void enter_state(struct thread_stat *s, enum run_state state, double now)
{
	double d = now - s->since;

	if (s->state == RUNNING)
		s->run += d;
	else if (s->state == WAITING)
		s->wait += d;
	else if (s->state == SLEEPING)
		s->sleep += d;
	s->state = state;
	s->since = now;
}

static void sched_event(struct thread_stat **all, size_t *n, const char *name,
			const struct tevent *e, double now)
{
	if (!strcmp(name, "sched_switch")) {
		struct thread_stat *prev = stat_of(all, n, (int)e->args[0]);
		int state = (int)e->args[1];
		enter_state(prev,
			    state == STATE_BLOCKED ? SLEEPING :
			    state == STATE_EXITING ? GONE :
						     WAITING,
			    now);
		struct thread_stat *next = stat_of(all, n, (int)e->args[2]);
		enter_state(next, RUNNING, now);
		next->switches++;
		next->cpus |= 1ull << (e->cpu & 63);
	} else if (!strcmp(name, "sched_wake")) {
		struct thread_stat *s = stat_of(all, n, (int)e->args[0]);
		s->wakeups++;
		if (s->state == SLEEPING || s->state == UNKNOWN)
			enter_state(s, WAITING, now);
	} else if (!strcmp(name, "sched_migrate") || !strcmp(name, "sched_steal")) {
		stat_of(all, n, (int)e->args[0])->migrations++;
	}
}

static int by_tid(const void *a, const void *b)
{
	const struct thread_stat *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

static void print_cpus(uint64_t cpus, FILE *out)
{
	const char *sep = "";

	for (int c = 0; c < 64; c++) {
		if (cpus & (1ull << c)) {
			fprintf(out, "%s%d", sep, c);
			sep = ",";
		}
	}
	fputc('\n', out);
}

int trace_cmd_sched(const struct trace *t, FILE *out)
{
	struct thread_stat *all = NULL;
	size_t n = 0;
	double end = t->nevents ? trace_ns(t, t->events[t->nevents - 1].tsc) : 0;

	if (trace_point_id(t, "sched_switch") < 0)
		die("%s: no sched_switch events: trace with --trace='sched_*'", t->path);
	for (size_t i = 0; i < t->nevents; i++) {
		const struct tevent *e = &t->events[i];
		sched_event(&all, &n, trace_point(t, e)->name, e, trace_ns(t, e->tsc));
	}
	for (size_t i = 0; i < n; i++)
		enter_state(&all[i], all[i].state, end);
	qsort(all, n, sizeof(*all), by_tid);
	fprintf(out, "%7s %-15s %10s %10s %10s %8s %8s %10s %s\n", "TID", "THREAD", "RUN ms",
		"WAIT ms", "SLEEP ms", "SWITCHES", "WAKEUPS", "MIGRATIONS", "CPUS");
	for (size_t i = 0; i < n; i++) {
		const struct thread_stat *s = &all[i];
		fprintf(out, "%7d %-15s %10.3f %10.3f %10.3f %8llu %8llu %10llu ", s->tid,
			trace_thread_name(t, s->tid), s->run / 1e6, s->wait / 1e6, s->sleep / 1e6,
			(unsigned long long)s->switches, (unsigned long long)s->wakeups,
			(unsigned long long)s->migrations);
		print_cpus(s->cpus, out);
	}
	free(all);
	return 0;
}
