/*
 * The ring that holds one CPU's trace records (kernel/trace_ring.c). Kept
 * free of kernel calls so that its wrap and overwrite rules are tested on
 * the host (tests/unit/test_trace_ring.c); the caller provides exclusion
 * (the owning CPU writes with interrupts off, and the ring is drained only
 * while tracing is paused).
 */
#ifndef KERNEL_TRACE_RING_H
#define KERNEL_TRACE_RING_H

#include <stddef.h>
#include <stdint.h>

struct trace_ring {
	uint8_t *buf;
	uint64_t size; /* a power of two, at least a page */
	uint64_t head; /* bytes ever written: the next record goes at head % size */
	uint64_t tail; /* the oldest whole record */
	uint64_t lost; /* records overwritten since the last drain */
};

void trace_ring_init(struct trace_ring *r, void *buf, uint64_t size);
/*
 * Room for a record of size bytes (a multiple of 8, at least the record
 * head): the oldest records make way when the ring is full, and a record
 * never wraps (a pad record fills the end first). The caller writes the
 * whole record, size field included, before anyone reads the ring.
 */
void *trace_ring_reserve(struct trace_ring *r, size_t size);
/* Hand each record to fn, oldest first; returns how many. */
uint64_t trace_ring_walk(const struct trace_ring *r,
			 void (*fn)(const void *rec, size_t size, void *arg), void *arg);
/* Forget every record (after a dump). */
void trace_ring_clear(struct trace_ring *r);

#endif
