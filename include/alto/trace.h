/*
 * Tracepoints: named events the kernel records into per-CPU rings when
 * turned on (--trace=GLOB[,GLOB...]), dumped to the host at exit or on
 * request, and decoded there by `alto trace` (docs/tracing.md).
 *
 * A subsystem declares its tracepoints in one header of its own (for
 * instance kernel/sched_trace.h), one line each, with typed arguments in
 * (type, name) pairs:
 *
 *     TRACEPOINT(sched_wake, "tid=%d cpu=%u", int, tid, unsigned int, cpu)
 *
 * which makes `trace_sched_wake(tid, cpu)`: a test of the tracepoint's
 * enabled byte, predicted not taken, and the recording out of line. One
 * file of the subsystem defines them by including the header with
 * TRACE_DEFINE set; each definition puts a pointer in the .tracepoints
 * section, so adding a tracepoint touches no central list. Arguments are
 * stored as 64-bit words, so pass cheap values: they are computed at the
 * call even when the tracepoint is off.
 *
 * TRACEPOINT_DATA adds a byte payload as two last parameters, data and its
 * length; TRACEPOINT_PACKET an Ethernet frame (which `alto trace FILE pcap`
 * writes out) as an array of struct trace_seg and their count; TRACEPOINT_STR adds a string,
 * TRACEPOINT_FILE the path of a struct file (looked up only when on). In the format, %d %u %x %p
 * print an argument, %s the payload as text, %h it as hex.
 *
 * The layout of a dump (the file the host reads) is below the kernel part
 * and is shared with the host tool.
 */
#ifndef ALTO_TRACE_H
#define ALTO_TRACE_H

#include <stdint.h>

/*
 * The way to the host: an isa-debugcon port that the host tool attaches to
 * the trace file (alto run --trace). It reads back TRACE_PORT_READBACK when
 * there, all ones when not.
 */
#define TRACE_PORT	    0x4f8
#define TRACE_PORT_READBACK 0xe9

/* A dump is a sequence of blocks, each a struct trace_block then its payload. */
#define TRACE_MAGIC	  0x3143525454544c41ull /* "ALTTTRC1" */
#define TRACE_VERSION	  1
#define TRACE_MAX_ARGS	  6
#define TRACE_MAX_FRAMES  16   /* recorded stack: --trace-backtrace, profile samples */
#define TRACE_MAX_DATA	  2048 /* payload bytes kept; the length word keeps the real one */
#define TRACE_PAD_ID	  0xffff
#define TRACE_RECORD_HEAD 16

enum trace_block_type {
	TRACE_BLOCK_HEADER = 1, /* struct trace_header: starts every dump */
	TRACE_BLOCK_POINTS,	/* the tracepoints: struct trace_point_desc, name, fmt, ... */
	TRACE_BLOCK_THREADS,	/* struct trace_thread_desc[] of the threads alive at the dump */
	TRACE_BLOCK_CPU,	/* struct trace_cpu_head, then that CPU's records */
	TRACE_BLOCK_BOOT,	/* the bootchart: struct trace_boot_step, name, ... */
	TRACE_BLOCK_END,	/* the dump is complete */
	TRACE_BLOCK_CPU_LZ4, /* struct trace_cpu_head, a uint64_t size, then LZ4 of that many record
				bytes */
};

struct trace_block {
	uint32_t type;
	uint32_t size; /* of the payload that follows */
};

struct trace_header {
	uint64_t magic;
	uint32_t version;
	uint32_t ncpus;
	uint64_t tsc_hz;
	uint64_t boot_tsc; /* TSC at the kernel's first instruction */
	uint32_t seq;	   /* 0 for the first dump of a boot, then 1, 2... */
	uint32_t flags;	   /* TRACE_F_* */
	uint64_t dump_tsc;
};
#define TRACE_F_FINAL	  1 /* the dump at power-off */
#define TRACE_F_BACKTRACE 2 /* events carry stacks (--trace-backtrace) */
#define TRACE_F_PROFILE	  4 /* --profile samples are in it */
#define TRACE_F_PANIC	  8 /* written after a kernel panic or fatal fault */

/* A tracepoint in the table: then its name and format, each NUL-terminated. */
struct trace_point_desc {
	uint16_t id;
	uint8_t nargs;
	uint8_t flags; /* TP_F_* */
};
#define TP_F_DATA    1 /* a payload follows the arguments */
#define TP_F_SYSCALL 2 /* a system call's entry or exit: fmt holds syscalls.def's kinds */
#define TP_F_PACKET  4 /* the payload is an Ethernet frame (alto trace FILE pcap) */
/*
 * With TP_F_SYSCALL: the exit (else the entry). In the kernel, a system
 * call's point holds the call's name; its own, sys_exit_NAME or
 * sys_enter_NAME, is made when needed (the dump carries it whole).
 */
#define TP_F_SYSCALL_EXIT 8

struct trace_thread_desc {
	int32_t tid; /* as in records */
	int32_t pid; /* 0 for kernel threads */
	char name[16];
};

struct trace_cpu_head {
	uint32_t cpu;
	uint32_t pad;
	uint64_t lost; /* records overwritten, or hits not recorded during a dump, since the last */
};

/* A boot step: then its name, NUL-terminated. */
struct trace_boot_step {
	uint64_t tsc; /* when it ended */
};

/*
 * One event in a ring: this head, the arguments (one word each), then for
 * TP_F_DATA a word with the payload's length and the payload (at most
 * TRACE_MAX_DATA bytes, padded to 8), then return addresses to the end.
 */
struct trace_record {
	uint64_t tsc;
	uint16_t id;
	uint16_t size; /* bytes of the whole record, a multiple of 8 */
	int32_t tid;   /* an application thread's id; minus a kernel thread's; 0 before threads */
	uint64_t args[];
};

_Static_assert(sizeof(struct trace_record) == TRACE_RECORD_HEAD, "trace record head");

#ifndef __HOST_TOOL__
#include <stdbool.h>
#include <stddef.h>
#include <alto/compiler.h>

struct tracepoint {
	const char *name;
	const char *fmt;
	uint8_t enabled; /* tested at every call: keep it first of the hot bytes */
	uint8_t nargs;
	uint8_t flags;
	uint16_t id;
};

struct file;

/* A piece of a payload that is not contiguous (a frame's segments). */
struct trace_seg {
	const void *data;
	size_t len;
};

/* Record an event of tp (its enabled byte was seen set): out of line. */
void trace_emit(struct tracepoint *tp, const uint64_t *args, const void *data, size_t len);
/* The same with the payload gathered from segments. */
void trace_emit_segs(struct tracepoint *tp, const uint64_t *args, const struct trace_seg *segs,
		     unsigned int nsegs);
/* The same with the path of file as the payload. */
void trace_emit_file(struct tracepoint *tp, const uint64_t *args, struct file *file);

#define TP_CAT_(a, b) a##b
#define TP_CAT(a, b)  TP_CAT_(a, b)

/* The number of (type, name) pairs, up to TRACE_MAX_ARGS, */
#define TP_NPAIRS(...) TP_NPAIRS_(_0, ##__VA_ARGS__, 6, x, 5, x, 4, x, 3, x, 2, x, 1, x, 0)
/* counted by where the arguments push the list of counts. */
#define TP_NPAIRS_(_0, _1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, n, ...) n

#define TP_PARAMS_0()					    void
#define TP_PARAMS_1(t1, a1)				    t1 a1
#define TP_PARAMS_2(t1, a1, t2, a2)			    t1 a1, t2 a2
#define TP_PARAMS_3(t1, a1, t2, a2, t3, a3)		    t1 a1, t2 a2, t3 a3
#define TP_PARAMS_4(t1, a1, t2, a2, t3, a3, t4, a4)	    t1 a1, t2 a2, t3 a3, t4 a4
#define TP_PARAMS_5(t1, a1, t2, a2, t3, a3, t4, a4, t5, a5) t1 a1, t2 a2, t3 a3, t4 a4, t5 a5
#define TP_PARAMS_6(t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, t6, a6) \
	t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6
#define TP_PARAMS(...) TP_CAT(TP_PARAMS_, TP_NPAIRS(__VA_ARGS__))(__VA_ARGS__)

/* Parameters followed by more: "void" must not stand before them. */
#define TP_PARAMS_MORE_0()
#define TP_PARAMS_MORE_1(...) TP_PARAMS_1(__VA_ARGS__),
#define TP_PARAMS_MORE_2(...) TP_PARAMS_2(__VA_ARGS__),
#define TP_PARAMS_MORE_3(...) TP_PARAMS_3(__VA_ARGS__),
#define TP_PARAMS_MORE_4(...) TP_PARAMS_4(__VA_ARGS__),
#define TP_PARAMS_MORE_5(...) TP_PARAMS_5(__VA_ARGS__),
#define TP_PARAMS_MORE_6(...) TP_PARAMS_6(__VA_ARGS__),
#define TP_PARAMS_MORE(...)   TP_CAT(TP_PARAMS_MORE_, TP_NPAIRS(__VA_ARGS__))(__VA_ARGS__)

#define TP_W(a)					   (uint64_t)(a),
#define TP_WORDS_0()				   0
#define TP_WORDS_1(t1, a1)			   TP_W(a1) 0
#define TP_WORDS_2(t1, a1, t2, a2)		   TP_W(a1) TP_W(a2) 0
#define TP_WORDS_3(t1, a1, t2, a2, t3, a3)	   TP_W(a1) TP_W(a2) TP_W(a3) 0
#define TP_WORDS_4(t1, a1, t2, a2, t3, a3, t4, a4) TP_W(a1) TP_W(a2) TP_W(a3) TP_W(a4) 0
#define TP_WORDS_5(t1, a1, t2, a2, t3, a3, t4, a4, t5, a5) \
	TP_W(a1) TP_W(a2) TP_W(a3) TP_W(a4) TP_W(a5) 0
#define TP_WORDS_6(t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, t6, a6) \
	TP_W(a1) TP_W(a2) TP_W(a3) TP_W(a4) TP_W(a5) TP_W(a6) 0
/* The arguments as words, with a 0 after them (so that none is fine). */
#define TP_WORDS(...) TP_CAT(TP_WORDS_, TP_NPAIRS(__VA_ARGS__))(__VA_ARGS__)

/* What the registration puts in .tracepoints: a pointer (never padded). */
#define TP_REGISTER(var) \
	static struct tracepoint *const TP_CAT(var, _ptr) __used __section(".tracepoints") = &var

#define TP_OBJECT_DEFINE(id_, fmt_, n, fl)                                                   \
	struct tracepoint tp_##id_ = { .name = #id_, .fmt = fmt_, .nargs = n, .flags = fl }; \
	TP_REGISTER(tp_##id_);
/* With TRACE_DEFINE defined as 1: define the objects; otherwise only declare them. */
#define TP_OBJECT_TRACE_DEFINE(id_, fmt, n, fl) extern struct tracepoint tp_##id_;
#define TP_OBJECT_1(id_, fmt, n, fl)            \
	TP_OBJECT_TRACE_DEFINE(id_, fmt, n, fl) \
	TP_OBJECT_DEFINE(id_, fmt, n, fl)
#define TP_OBJECT(id_, fmt, n, fl) TP_CAT(TP_OBJECT_, TRACE_DEFINE)(id_, fmt, n, fl)

/* The argument names, for passing them on (and with a comma after them). */
#define TP_NAMES_0()
#define TP_NAMES_1(t1, a1)					   a1
#define TP_NAMES_2(t1, a1, t2, a2)				   a1, a2
#define TP_NAMES_3(t1, a1, t2, a2, t3, a3)			   a1, a2, a3
#define TP_NAMES_4(t1, a1, t2, a2, t3, a3, t4, a4)		   a1, a2, a3, a4
#define TP_NAMES_5(t1, a1, t2, a2, t3, a3, t4, a4, t5, a5)	   a1, a2, a3, a4, a5
#define TP_NAMES_6(t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, t6, a6) a1, a2, a3, a4, a5, a6
#define TP_NAMES(...)						   TP_CAT(TP_NAMES_, TP_NPAIRS(__VA_ARGS__))(__VA_ARGS__)
#define TP_NAMES_MORE(...)					   TP_NAMES(__VA_ARGS__) TP_CAT(TP_COMMA_, TP_NPAIRS(__VA_ARGS__))
#define TP_COMMA_0
#define TP_COMMA_1	,
#define TP_COMMA_2	,
#define TP_COMMA_3	,
#define TP_COMMA_4	,
#define TP_COMMA_5	,
#define TP_COMMA_6	,
#define TP_UNPAREN(...) __VA_ARGS__

/*
 * Every tracepoint has this shape: the inline fast path tests the enabled
 * byte and calls the slow path, out of line and cold, where the arguments
 * become words. The words' array lives there, not in the caller, which
 * would otherwise get a stack protector for it.
 */
#define TP_SLOW __attribute__((noinline, cold, unused))

#ifndef ALTO_NO_TRACE
#define TRACEPOINT(name, fmt, ...)                                      \
	TP_OBJECT(name, fmt, TP_NPAIRS(__VA_ARGS__), 0)                 \
	static TP_SLOW void trace_##name##_slow(TP_PARAMS(__VA_ARGS__)) \
	{                                                               \
		const uint64_t words_[] = { TP_WORDS(__VA_ARGS__) };    \
		trace_emit(&tp_##name, words_, NULL, 0);                \
	}                                                               \
	static inline void trace_##name(TP_PARAMS(__VA_ARGS__))         \
	{                                                               \
		if (unlikely(tp_##name.enabled))                        \
			trace_##name##_slow(TP_NAMES(__VA_ARGS__));     \
	}
/* The same with more parameters after the tracepoint's (a payload), and how to emit it. */
#define TP_WITH_PAYLOAD(name, fmt, flags, more, more_names, emit, ...)                         \
	TP_OBJECT(name, fmt, TP_NPAIRS(__VA_ARGS__), flags)                                    \
	static TP_SLOW void trace_##name##_slow(TP_PARAMS_MORE(__VA_ARGS__) TP_UNPAREN more)   \
	{                                                                                      \
		const uint64_t words_[] = { TP_WORDS(__VA_ARGS__) };                           \
		emit;                                                                          \
	}                                                                                      \
	static inline void trace_##name(TP_PARAMS_MORE(__VA_ARGS__) TP_UNPAREN more)           \
	{                                                                                      \
		if (unlikely(tp_##name.enabled))                                               \
			trace_##name##_slow(TP_NAMES_MORE(__VA_ARGS__) TP_UNPAREN more_names); \
	}
#define TP_DATA_POINT(name, fmt, flags, ...)                                               \
	TP_WITH_PAYLOAD(name, fmt, flags, (const void *data_, size_t len_), (data_, len_), \
			trace_emit(&tp_##name, words_, data_, len_), __VA_ARGS__)
#define TRACEPOINT_DATA(name, fmt, ...) TP_DATA_POINT(name, fmt, TP_F_DATA, __VA_ARGS__)
/* The payload is an Ethernet frame in segments, for the pcap output. */
#define TRACEPOINT_PACKET(name, fmt, ...)                                                      \
	TP_WITH_PAYLOAD(name, fmt, TP_F_DATA | TP_F_PACKET,                                    \
			(const struct trace_seg *segs_, unsigned int nsegs_), (segs_, nsegs_), \
			trace_emit_segs(&tp_##name, words_, segs_, nsegs_), __VA_ARGS__)
#define TRACEPOINT_STR(name, fmt, ...)                                                           \
	TP_WITH_PAYLOAD(name, fmt, TP_F_DATA, (const char *str_), (str_),                        \
			trace_emit(&tp_##name, words_, str_, str_ ? __builtin_strlen(str_) : 0), \
			__VA_ARGS__)
/* The payload is the path of a struct file, looked up only when the tracepoint is on. */
#define TRACEPOINT_FILE(name, fmt, ...)                                       \
	TP_WITH_PAYLOAD(name, fmt, TP_F_DATA, (struct file * file_), (file_), \
			trace_emit_file(&tp_##name, words_, file_), __VA_ARGS__)
/*
 * Whether tracepoint name is on, for a site that must prepare its
 * arguments (gather a frame's pieces, name a state) only then.
 */
#define trace_on(name) unlikely(tp_##name.enabled)
#else /* a kernel built without tracepoints, for the bench's comparison */
#define trace_on(name) false
#define TRACEPOINT(name, fmt, ...)                              \
	static inline void trace_##name(TP_PARAMS(__VA_ARGS__)) \
	{                                                       \
	}
#define TRACEPOINT_DATA(name, fmt, ...)                                                \
	static inline void trace_##name(TP_PARAMS_MORE(__VA_ARGS__) const void *data_, \
					size_t len_)                                   \
	{                                                                              \
	}
#define TRACEPOINT_STR(name, fmt, ...)                                                \
	static inline void trace_##name(TP_PARAMS_MORE(__VA_ARGS__) const char *str_) \
	{                                                                             \
	}
#define TRACEPOINT_FILE(name, fmt, ...)                                                 \
	static inline void trace_##name(TP_PARAMS_MORE(__VA_ARGS__) struct file *file_) \
	{                                                                               \
	}
#define TRACEPOINT_PACKET(name, fmt, ...)                                                          \
	static inline void trace_##name(TP_PARAMS_MORE(__VA_ARGS__) const struct trace_seg *segs_, \
					unsigned int nsegs_)                                       \
	{                                                                                          \
	}
#endif

/*
 * Parse --trace, --trace-backtrace and --trace-buffer, allocate the rings
 * and turn on what --trace names; -EINVAL (said on the console) for a bad
 * option.
 */
int trace_init(void);
/* True when some tracepoint is on (the dump channel is then worth setting up). */
bool trace_active(void);
/* Turn on the tracepoints whose names match one of the comma-separated globs. */
int trace_enable(const char *globs);
/* --profile[=HZ]: start sampling every CPU (kernel/profile.c); -EINVAL for a bad rate. */
int profile_init(void);

/*
 * The dump to the host (kernel/trace_dump.c): at power-off, and whenever the
 * host asks (trace_request_dump(), safe from interrupt handlers).
 */
void trace_dump_init(void);
void trace_request_dump(void);
/* The last dump, before power-off: the program has ended. */
void trace_dump_final(void);
/*
 * After a kernel panic or fatal fault, with interrupts off: the rings as
 * they are (a flight recorder of what led there), without taking locks.
 */
void trace_dump_panic(void);

/*
 * The bootchart (kernel/bootchart.c): the time each boot step ends, from
 * the kernel's first instruction to the program's first system call;
 * printed with --bootchart and part of every trace dump. kernel_main runs
 * each step through BOOT_STEP.
 */
void bootchart_step(const char *name);
#define BOOT_STEP(call)                \
	do {                           \
		call;                  \
		bootchart_step(#call); \
	} while (0)
/* The program is about to run its first instruction: watch for its first system call. */
void bootchart_program_entry(void);
/* Set until the program's first system call, which the system-call hooks report. */
extern bool bootchart_waiting;
void bootchart_first_syscall(unsigned long nr);

#endif /* __HOST_TOOL__ */
#endif
