/*
 * What the files of the tracer share (kernel/trace.c, the core;
 * trace_stack.c, stacks; trace_dump.c, the way to the host; bootchart.c
 * and profile.c, which record through it).
 */
#ifndef KERNEL_TRACE_INTERNAL_H
#define KERNEL_TRACE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <alto/trace.h>

struct trap_frame;

/* --trace-backtrace: every event carries the stack it was hit on. */
extern bool trace_backtrace_on;

/* Every tracepoint: how many, and the one at index (= id) i, or NULL. */
unsigned int trace_point_count(void);
struct tracepoint *trace_point_at(unsigned int i);
/* tp's name (a system call's is composed in buf, TRACE_NAME_MAX bytes). */
#define TRACE_NAME_MAX 64
const char *trace_point_name(const struct tracepoint *tp, char *buf);

/* The rings: one per CPU described at boot. */
unsigned int trace_ring_count(void);
/* Hand each record of cpu's ring to fn, oldest first; returns how many. */
uint64_t trace_ring_records(unsigned int cpu, void (*fn)(const void *rec, size_t size, void *arg),
			    void *arg);
/*
 * Records lost on cpu: overwritten since the ring was last cleared, and not
 * recorded while a dump paused recording since the last call (a dump's).
 */
uint64_t trace_ring_take_lost(unsigned int cpu);
void trace_ring_forget(unsigned int cpu);

/*
 * Stop recording on every CPU and wait until none is in the middle of a
 * record. Until trace_resume, hits count as lost (in the next dump) unless
 * this is the last pause (the final dump: the trace ends here).
 */
void trace_pause(bool last);
void trace_resume(void);
/* Stop recording without waiting for the other CPUs (after a panic). */
void trace_stop(void);

/*
 * Stacks (trace_stack.c): return addresses, innermost first, kernel frames
 * then the application's (from the frame it entered the kernel with), as
 * far as frame pointers lead; the application's are read only where its
 * pages are present, never faulting.
 */
unsigned int trace_stack_here(uint64_t *out, unsigned int max); /* for trace_emit only */
/* From an interrupted context: its RIP first. */
unsigned int trace_stack_of(const struct trap_frame *f, uint64_t *out, unsigned int max);

/* Record an event of tp with the stack given (profile samples). */
void trace_emit_stack(struct tracepoint *tp, const uint64_t *args, const uint64_t *frames,
		      unsigned int nframes);

/* The bootchart's steps for the dump (bootchart.c): fn(tsc, name) for each. */
void bootchart_for_each(void (*fn)(uint64_t tsc, const char *name, void *arg), void *arg);

#endif
