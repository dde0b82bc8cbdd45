/*
 * alto trace FILE COMMAND: read a trace written by `alto run --trace` and
 * print it in the form asked. This file holds the command's entry, `list`
 * (one line per event, as OSv's trace.py list prints them), `summary`
 * (counts, and a latency histogram for every enter/exit pair) and
 * `points`; the others live in trace_stats.c, trace_export.c and
 * profile.c.
 */
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "alto.h"
#include "trace.h"

static const char usage_text[] =
	"usage: alto trace FILE COMMAND [OPTIONS]\n"
	"\n"
	"Read a trace written by 'alto run --trace=GLOB' (or --profile) and print it.\n"
	"\n"
	"commands:\n"
	"  list       one line per event in time order: seconds since boot, CPU, thread\n"
	"             id and name, event, arguments (and its stack, with --trace-backtrace)\n"
	"  summary    how many of each event, and for each enter/exit pair (a system\n"
	"             call, a page fault, an interrupt...) a histogram of the time between\n"
	"  syscalls   time spent in each system call, as 'strace -c' prints it\n"
	"  sched      per thread: time running, waiting for a CPU and sleeping; switches,\n"
	"             wake-ups, migrations\n"
	"  pcap       the traced packets as a pcap file, on stdout (tcpdump -r reads it)\n"
	"  perfetto   Chrome/Perfetto trace-event JSON on stdout (ui.perfetto.dev, or\n"
	"             chrome://tracing): threads as tracks, system calls and page faults\n"
	"             as slices, CPUs with what ran on them, wake-ups as flows, the\n"
	"             bootchart as a track of its own\n"
	"  folded     the profile's stacks folded, flamegraph.pl's input, on stdout\n"
	"  pprof OUT  the profile as a gzip'd pprof profile in OUT (go tool pprof -top OUT)\n"
	"  points     every tracepoint of the kernel, with its format\n"
	"\n"
	"options:\n"
	"  --kernel FILE  the kernel ELF that ran, for its symbols (default: alto.elf\n"
	"                 next to this tool's bin/)\n";

static int usage(FILE *f, int status)
{
	fputs(usage_text, f);
	return status;
}

static void print_frames(const struct tevent *e, struct symbolizer *s, FILE *out)
{
	for (uint32_t i = 0; i < e->nframes; i++)
		fprintf(out, "      %#018llx %s\n", (unsigned long long)e->frames[i],
			symbolize(s, e->frames[i], true));
}

int trace_cmd_list(const struct trace *t, struct symbolizer *s, FILE *out)
{
	char args[1024];

	for (size_t i = 0; i < t->nevents; i++) {
		const struct tevent *e = &t->events[i];
		trace_format_args(t, e, args, sizeof(args));
		fprintf(out, "%14.9f %3u %6d %-15s %-24s %s\n", trace_ns(t, e->tsc) / 1e9, e->cpu,
			e->tid, trace_thread_name(t, e->tid), trace_point(t, e)->name, args);
		print_frames(e, s, out);
	}
	return 0;
}

/* Latencies of one enter/exit pair, in a log2 histogram of microseconds. */
struct latency {
	unsigned int enter;
	uint64_t count;
	double total, min, max;
	uint64_t buckets[40]; /* [2^(i-10), 2^(i-9)) us; bucket 0 takes all below */
};

/* An enter waiting for its exit, per thread. */
struct open_enter {
	int tid;
	unsigned int id;
	double ns;
};

static unsigned int bucket_of(double us)
{
	int b = us > 0 ? (int)floor(log2(us)) + 10 : 0;

	return b < 0 ? 0 : b > 39 ? 39 : (unsigned int)b;
}

static void add_latency(struct latency *l, double ns)
{
	double us = ns / 1e3;

	if (!l->count || us < l->min)
		l->min = us;
	if (us > l->max)
		l->max = us;
	l->count++;
	l->total += us;
	l->buckets[bucket_of(us)]++;
}

static void print_bucket_range(FILE *out, unsigned int b)
{
	double lo = ldexp(1, (int)b - 10), hi = ldexp(1, (int)b - 9);

	if (b == 0)
		fprintf(out, "  %10s .. %-9g us", "0", hi);
	else
		fprintf(out, "  %10g .. %-9g us", lo, hi);
}

static void print_latency(const struct trace *t, const struct latency *l, FILE *out)
{
	const struct tpoint *p = &t->points[l->enter];
	uint64_t most = 0;
	int first = -1, last = -1;

	fprintf(out, "\n%s -> %s: %llu, min %.3f us, avg %.3f us, max %.3f us, total %.3f us\n",
		p->name, t->points[p->pair].name, (unsigned long long)l->count, l->min,
		l->total / (double)l->count, l->max, l->total);
	for (int b = 0; b < 40; b++) {
		if (l->buckets[b]) {
			most = l->buckets[b] > most ? l->buckets[b] : most;
			last = b;
			first = first < 0 ? b : first;
		}
	}
	for (int b = first; b >= 0 && b <= last; b++) {
		int bar = (int)((l->buckets[b] * 40 + most - 1) / most);
		print_bucket_range(out, (unsigned int)b);
		fprintf(out, " %8llu |%-40.*s|\n", (unsigned long long)l->buckets[b], bar,
			"@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
	}
}

/* Match each exit with the latest unmatched enter of its pair on the same thread. */
static void collect_latencies(const struct trace *t, struct latency *lat)
{
	struct open_enter *open = NULL;
	size_t nopen = 0;

	for (size_t i = 0; i < t->nevents; i++) {
		const struct tevent *e = &t->events[i];
		const struct tpoint *p = trace_point(t, e);
		if (p->pair < 0)
			continue;
		if (p->enter) {
			open = xrealloc(open, (nopen + 1) * sizeof(*open));
			open[nopen++] = (struct open_enter){ e->tid, e->id, trace_ns(t, e->tsc) };
			continue;
		}
		for (size_t j = nopen; j-- > 0;) {
			if (open[j].tid == e->tid && open[j].id == (unsigned int)p->pair) {
				add_latency(&lat[open[j].id], trace_ns(t, e->tsc) - open[j].ns);
				memmove(&open[j], &open[j + 1], (nopen - j - 1) * sizeof(*open));
				nopen--;
				break;
			}
		}
	}
	free(open);
}

/* Each event's count, the most frequent first (ties by name). */
static void print_counts(const struct trace *t, const uint64_t *count, FILE *out)
{
	unsigned int *order = xmalloc((t->npoints + 1) * sizeof(*order)), n = 0;

	for (unsigned int i = 0; i < t->npoints; i++) {
		if (count[i])
			order[n++] = i;
	}
	for (unsigned int i = 1; i < n; i++) { /* insertion sort: a few hundred at most */
		unsigned int v = order[i], j = i;
		while (j && (count[order[j - 1]] < count[v] ||
			     (count[order[j - 1]] == count[v] &&
			      strcmp(t->points[order[j - 1]].name, t->points[v].name) > 0))) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = v;
	}
	for (unsigned int i = 0; i < n; i++)
		fprintf(out, "%10llu  %s\n", (unsigned long long)count[order[i]],
			t->points[order[i]].name);
	free(order);
}

int trace_cmd_summary(const struct trace *t, FILE *out)
{
	uint64_t *count = calloc(t->npoints, sizeof(*count));
	struct latency *lat = calloc(t->npoints, sizeof(*lat));
	double span = t->nevents ? trace_ns(t, t->events[t->nevents - 1].tsc) -
					   trace_ns(t, t->events[0].tsc) :
				   0;

	if (!count || !lat)
		die("out of memory");
	for (size_t i = 0; i < t->nevents; i++)
		count[t->events[i].id]++;
	fprintf(out, "%zu events over %.6f s on %u CPU%s, %u dump%s, %llu lost\n", t->nevents,
		span / 1e9, t->ncpus, t->ncpus == 1 ? "" : "s", t->ndumps,
		t->ndumps == 1 ? "" : "s", (unsigned long long)t->lost);
	if (t->flags & TRACE_F_PANIC)
		fprintf(out, "the last dump was written after a kernel panic or fatal fault\n");
	fprintf(out, "\n%10s  %s\n", "count", "event");
	print_counts(t, count, out);
	for (unsigned int i = 0; i < t->npoints; i++)
		lat[i].enter = i;
	collect_latencies(t, lat);
	for (unsigned int i = 0; i < t->npoints; i++) {
		if (lat[i].count)
			print_latency(t, &lat[i], out);
	}
	free(count);
	free(lat);
	return 0;
}

static int cmd_points(const struct trace *t, FILE *out)
{
	for (unsigned int i = 0; i < t->npoints; i++) {
		if (t->points[i].present)
			fprintf(out, "%-32s %s\n", t->points[i].name, t->points[i].fmt);
	}
	return 0;
}

/* Binary output must not go to a terminal. */
static void need_redirect(const char *what)
{
	if (isatty(STDOUT_FILENO))
		die("%s writes binary data: redirect it to a file", what);
}

static bool known_command(const char *cmd)
{
	static const char *const commands[] = { "list",	 "summary", "syscalls",
						"sched", "points",  "perfetto",
						"pcap",	 "folded",  "pprof" };

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(cmd, commands[i]))
			return true;
	}
	return false;
}

static const char *default_kernel(void)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/../alto.elf", self_dir());
	return path;
}

int cmd_trace(int argc, char **argv)
{
	static const struct option options[] = {
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *kernel = NULL;
	struct trace t;
	int opt;

	argv[0] = "alto trace";
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (opt == OPT_KERNEL)
			kernel = optarg;
		else if (opt == 'h')
			return usage(stdout, 0);
		else
			return usage(stderr, ALTO_EXIT_USAGE);
	}
	if (argc - optind < 2)
		return usage(stderr, ALTO_EXIT_USAGE);
	const char *file = argv[optind], *cmd = argv[optind + 1];
	const char *arg = argc - optind > 2 ? argv[optind + 2] : NULL;
	if (argc - optind > (strcmp(cmd, "pprof") ? 2 : 3))
		die("unexpected argument '%s'", argv[argc - 1]);
	if (!known_command(cmd)) {
		warnx_("unknown trace command '%s'", cmd);
		return usage(stderr, ALTO_EXIT_USAGE);
	}
	trace_load(file, &t);
	struct symbolizer *s = symbolizer_new(&t, kernel ? kernel : default_kernel(), NULL, 0);

	if (!strcmp(cmd, "list"))
		return trace_cmd_list(&t, s, stdout);
	if (!strcmp(cmd, "summary"))
		return trace_cmd_summary(&t, stdout);
	if (!strcmp(cmd, "syscalls"))
		return trace_cmd_syscalls(&t, stdout);
	if (!strcmp(cmd, "sched"))
		return trace_cmd_sched(&t, stdout);
	if (!strcmp(cmd, "points"))
		return cmd_points(&t, stdout);
	if (!strcmp(cmd, "perfetto"))
		return trace_cmd_perfetto(&t, stdout);
	if (!strcmp(cmd, "pcap")) {
		need_redirect("pcap");
		return trace_cmd_pcap(&t, stdout);
	}
	if (!strcmp(cmd, "folded"))
		return profile_write_folded(&t, s, stdout);
	if (!arg)
		die("pprof needs the file to write: alto trace FILE pprof OUT.pb.gz");
	return profile_write_pprof(&t, s, arg);
}
