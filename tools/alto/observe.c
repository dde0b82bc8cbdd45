/*
 * The observability options of alto run and alto boot: tracing, the
 * profiler, the bootchart and gdb. They become kernel options (--trace,
 * --trace-backtrace, --trace-buffer, --profile, --bootchart) and QEMU
 * devices (the trace port's file, the gdbstub); once the VM has ended, the
 * trace file is announced and a profile turned into folded stacks and a
 * pprof profile next to it (profile.c).
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "alto.h"
#include "trace.h"

#define DEFAULT_TRACE_FILE "trace.bin"
#define DEFAULT_PROFILE_HZ 1000
#define DEFAULT_GDB_PORT   1234

const char observe_options_help[] =
	"  --trace GLOB[,GLOB]  record the tracepoints whose names match (e.g. 'sched_*,\n"
	"                       sys_enter_*'; '*' for all) into the trace file, read\n"
	"                       with 'alto trace FILE list|summary|syscalls|sched|...'.\n"
	"                       SIGUSR1 to alto (or Ctrl-A b on a terminal) dumps the\n"
	"                       events so far without stopping the program\n"
	"  --trace-file FILE    where the trace goes (default " DEFAULT_TRACE_FILE ")\n"
	"  --trace-backtrace    record the stack each event was hit on\n"
	"  --trace-buffer SIZE  the ring of each CPU (default 1M): when full, the\n"
	"                       oldest events make way\n"
	"  --profile[=HZ]       sample every CPU's stack HZ times a second (default 1000)\n"
	"                       and write PREFIX.folded (flamegraph.pl's input) and\n"
	"                       PREFIX.pb.gz (go tool pprof) from the samples\n"
	"  --profile-out PREFIX where the profile goes (default: profile)\n"
	"  --bootchart          print how long each boot step took, to the program's\n"
	"                       first system call\n"
	"  --gdb[=PORT]         start QEMU's gdbstub on 127.0.0.1:PORT (default 1234),\n"
	"                       stopped before the first instruction, and print the gdb\n"
	"                       command that attaches with Alto's helpers\n";

const struct option observe_long_options[] = {
	{ "trace", required_argument, NULL, OPT_TRACE },
	{ "trace-file", required_argument, NULL, OPT_TRACE_FILE },
	{ "trace-backtrace", no_argument, NULL, OPT_TRACE_BACKTRACE },
	{ "trace-buffer", required_argument, NULL, OPT_TRACE_BUFFER },
	{ "profile", optional_argument, NULL, OPT_PROFILE },
	{ "profile-out", required_argument, NULL, OPT_PROFILE_OUT },
	{ "bootchart", no_argument, NULL, OPT_BOOTCHART },
	{ "gdb", optional_argument, NULL, OPT_GDB },
	{ 0 },
};

static int parse_int(const char *arg, int lo, int hi, const char *what)
{
	char *end;
	long v = strtol(arg, &end, 10);

	if (*end || end == arg || v < lo || v > hi)
		die("bad %s '%s' (a number from %d to %d)", what, arg, lo, hi);
	return (int)v;
}

bool observe_option(int opt, const char *arg, struct observe *o)
{
	switch (opt) {
	case OPT_TRACE:
		if (!*arg || strpbrk(arg, " \t'\""))
			die("bad --trace '%s' (comma-separated name patterns)", arg);
		o->trace = arg;
		return true;
	case OPT_TRACE_FILE:
		o->trace_file = arg;
		return true;
	case OPT_TRACE_BACKTRACE:
		o->backtrace = true;
		return true;
	case OPT_TRACE_BUFFER: {
		unsigned long long size;
		if (parse_memory(arg, &size) || size < (16 << 10) || size > (256 << 20))
			die("bad --trace-buffer '%s' (a size from 16K to 256M)", arg);
		o->buffer = arg;
		return true;
	}
	case OPT_PROFILE:
		o->profile_hz =
			arg ? parse_int(arg, 1, 10000, "--profile rate") : DEFAULT_PROFILE_HZ;
		return true;
	case OPT_PROFILE_OUT:
		o->profile_out = arg;
		return true;
	case OPT_BOOTCHART:
		o->bootchart = true;
		return true;
	case OPT_GDB:
		o->gdb_port = arg ? parse_int(arg, 1, 65535, "--gdb port") : DEFAULT_GDB_PORT;
		return true;
	}
	return false;
}

static void append(char **s, const char *fmt, const char *arg)
{
	char *word = xasprintf(fmt, arg);
	char *joined = xasprintf("%s%s%s", *s, **s ? " " : "", word);

	free(word);
	free(*s);
	*s = joined;
}

char *observe_kernel_options(const struct observe *o)
{
	char *s = xstrdup(""), hz[16];

	if (o->trace)
		append(&s, "--trace=%s", o->trace);
	if (o->backtrace)
		append(&s, "%s", "--trace-backtrace");
	if (o->buffer)
		append(&s, "--trace-buffer=%s", o->buffer);
	if (o->profile_hz) {
		snprintf(hz, sizeof(hz), "%d", o->profile_hz);
		append(&s, "--profile=%s", hz);
	}
	if (o->bootchart)
		append(&s, "%s", "--bootchart");
	return s;
}

/* The gdb script in the source tree this alto was built from. */
static const char *gdb_script(void)
{
	static char path[PATH_MAX], real[PATH_MAX];

	snprintf(path, sizeof(path), "%s/../../tools/gdb/alto.py", self_dir());
	return realpath(path, real) ? real : NULL;
}

void observe_setup(struct observe *o, struct vm_config *c, const char *program)
{
	if ((o->trace || o->profile_hz) && !o->trace_file)
		o->trace_file = DEFAULT_TRACE_FILE;
	if (o->backtrace && !o->trace)
		die("--trace-backtrace goes with --trace");
	if (o->trace_file && !o->trace && !o->profile_hz)
		die("--trace-file goes with --trace or --profile");
	c->trace_file = o->trace_file;
	c->gdb_port = o->gdb_port;
	if (!o->gdb_port || c->dry_run)
		return;
	const char *script = gdb_script();
	char *symbols = program ? xasprintf(" -ex 'add-symbol-file %s'", program) : xstrdup("");
	fprintf(stderr,
		"alto: QEMU waits for gdb on 127.0.0.1:%d; attach with\n"
		"  gdb %s%s%s -ex 'target remote 127.0.0.1:%d' %s\n",
		o->gdb_port, script ? "-x " : "", script ? script : "", symbols, o->gdb_port,
		c->kernel);
	if (program)
		fprintf(stderr,
			"  (for a PIE, 'alto symbols' once it runs puts its symbols at its base)\n");
	free(symbols);
}

/* The host paths of the image's files, for the profile's symbols. */
static size_t path_map(const struct app *a, struct path_map **out)
{
	struct path_map *map = xmalloc((size_t)(a->nprogs + a->nadds + 1) * sizeof(*map));
	size_t n = 0;

	for (int i = 0; i < a->nprogs; i++) {
		if (a->progs[i].guest_path && a->progs[i].host_path)
			map[n++] =
				(struct path_map){ a->progs[i].guest_path, a->progs[i].host_path };
	}
	for (int i = 0; i < a->nadds; i++) {
		if (a->adds[i].host[0] == '/')
			map[n++] = (struct path_map){ a->adds[i].guest, a->adds[i].host };
	}
	*out = map;
	return n;
}

static void write_profile(const struct observe *o, const struct trace *t, const struct app *a,
			  const char *kernel)
{
	const char *prefix = o->profile_out ? o->profile_out : "profile";
	char *folded = xasprintf("%s.folded", prefix), *pprof = xasprintf("%s.pb.gz", prefix);
	struct path_map *map = NULL;
	size_t nmap = a ? path_map(a, &map) : 0;
	struct symbolizer *s = symbolizer_new(t, kernel, map, nmap);

	if (!profile_samples(t)) {
		warnx_("the trace holds no profile samples");
		return;
	}
	FILE *f = fopen(folded, "w");
	if (!f)
		die("cannot write %s", folded);
	profile_write_folded(t, s, f);
	if (fclose(f))
		die("cannot write %s", folded);
	profile_write_pprof(t, s, pprof);
	warnx_("profile: %s (flamegraph.pl), %s (go tool pprof -top %s)", folded, pprof, pprof);
}

void observe_finish(const struct observe *o, const struct app *a, const struct vm_config *c)
{
	struct stat st;
	struct trace t;

	if (!o->trace_file)
		return;
	if (stat(o->trace_file, &st) || !st.st_size) {
		warnx_("no trace reached %s", o->trace_file);
		return;
	}
	if (o->trace)
		warnx_("trace: %s (%lld KiB): alto trace %s list", o->trace_file,
		       (long long)st.st_size >> 10, o->trace_file);
	if (!o->profile_hz)
		return;
	trace_load(o->trace_file, &t);
	write_profile(o, &t, a, c->kernel);
}
