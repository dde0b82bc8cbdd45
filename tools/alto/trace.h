/*
 * `alto trace` and the profiler's post-processing: a trace file (the dumps
 * the kernel wrote through its trace port, include/alto/trace.h) loaded
 * into memory (trace_file.c), and what the sub-commands share: formatting
 * an event, naming threads, pairing enter/exit events, symbols.
 */
#ifndef TOOLS_ALTO_TRACE_H
#define TOOLS_ALTO_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <alto/trace.h>

struct tpoint {
	char *name, *fmt;
	unsigned int nargs, flags;
	int pair;     /* the matching exit (for an enter) or enter (for an exit), or -1 */
	bool enter;   /* X_enter / sys_enter_X */
	bool present; /* described by some dump */
};

struct tevent {
	uint64_t tsc;
	int32_t tid;
	uint16_t cpu;
	uint16_t id;
	const uint64_t *args;
	const uint8_t *data; /* TP_F_DATA: the bytes kept */
	uint32_t kept;
	uint64_t len; /* the payload's real length */
	const uint64_t *frames;
	uint32_t nframes;
	uint32_t order; /* position in the file, to keep sorting stable */
};

struct tthread {
	int tid, pid;
	char name[17];
};

struct tboot {
	uint64_t tsc;
	char *name;
};

struct trace {
	const char *path;
	uint8_t *raw; /* the whole file; events point into it */
	size_t size;
	uint64_t tsc_hz, boot_tsc;
	unsigned int ncpus, ndumps;
	uint32_t flags; /* of the dumps, or'ed */
	bool complete;	/* the last dump has its end block */
	uint64_t lost;
	struct tpoint *points; /* indexed by id */
	unsigned int npoints;
	struct tevent *events; /* in time order */
	size_t nevents;
	struct tthread *threads;
	size_t nthreads;
	struct tboot *boot;
	size_t nboot;
};

/* Load and check a trace file; a file that is not a trace, or is damaged, ends the tool. */
void trace_load(const char *path, struct trace *t);
/* Nanoseconds since the kernel's first instruction. */
double trace_ns(const struct trace *t, uint64_t tsc);
const struct tpoint *trace_point(const struct trace *t, const struct tevent *e);
/* The thread's name as the trace knows it ("?" when it does not). */
const char *trace_thread_name(const struct trace *t, int tid);
int trace_thread_pid(const struct trace *t, int tid);
/* The id of the tracepoint called name, or -1. */
int trace_point_id(const struct trace *t, const char *name);

/* The event's arguments as its format says ("fd=3 path=/etc"), or strace's way for a call. */
void trace_format_args(const struct trace *t, const struct tevent *e, char *buf, size_t size);
/* A system call's name from its tracepoint's ("read" for sys_enter_read). */
const char *trace_syscall_name(const struct tpoint *p);

/*
 * Symbols (symbols.c): the kernel's from its ELF, the program's and its
 * libraries' from the files the trace saw mapped (mm_map_file events),
 * guest paths turned into host paths by the map given (NULL: the same).
 */
struct symbolizer;
struct path_map {
	const char *guest, *host;
};
struct symbolizer *symbolizer_new(const struct trace *t, const char *kernel,
				  const struct path_map *map, size_t nmap);
/*
 * "function+0xoff" (or "file+0xoff", or "0xaddr"); a return address is
 * looked up one byte back (a call may end its function). The result lives
 * as long as s.
 */
const char *symbolize(struct symbolizer *s, uint64_t addr, bool return_address);
/* The same without the offset: "function". */
const char *symbolize_function(struct symbolizer *s, uint64_t addr, bool return_address);
/* The file holding addr ("[kernel]" for kernel addresses), or NULL. */
const char *symbolize_file(struct symbolizer *s, uint64_t addr);

/* The sub-commands (trace_cmd.c, trace_stats.c, trace_export.c, profile.c). */
int trace_cmd_list(const struct trace *t, struct symbolizer *s, FILE *out);
int trace_cmd_summary(const struct trace *t, FILE *out);
int trace_cmd_syscalls(const struct trace *t, FILE *out);
int trace_cmd_sched(const struct trace *t, FILE *out);
int trace_cmd_pcap(const struct trace *t, FILE *out);
int trace_cmd_perfetto(const struct trace *t, FILE *out);
/* Folded stacks (flamegraph.pl's input) and a gzip'd pprof profile from profile samples. */
int profile_write_folded(const struct trace *t, struct symbolizer *s, FILE *out);
int profile_write_pprof(const struct trace *t, struct symbolizer *s, const char *path);
/* How many profile samples the trace holds. */
size_t profile_samples(const struct trace *t);

int cmd_trace(int argc, char **argv);

#endif
