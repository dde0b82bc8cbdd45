/*
 * A per-CPU trace ring: variable-sized records, each with its size in its
 * head, laid end to end in a power-of-two buffer. The writer never waits:
 * when the ring is full the oldest records are dropped (and counted), as a
 * flight recorder keeps the latest events. A record never wraps around the
 * end: the space left there becomes a pad record (or, when smaller than a
 * record head, is skipped by both writer and reader by the same rule).
 */
#include <alto/trace.h>
#include "trace_ring.h"

void trace_ring_init(struct trace_ring *r, void *buf, uint64_t size)
{
	*r = (struct trace_ring){ .buf = buf, .size = size };
}

/* Bytes from position pos to the end of the buffer. */
static uint64_t room_to_end(const struct trace_ring *r, uint64_t pos)
{
	return r->size - (pos & (r->size - 1));
}

static struct trace_record *at(const struct trace_ring *r, uint64_t pos)
{
	return (struct trace_record *)(r->buf + (pos & (r->size - 1)));
}

/*
 * The size of the record at pos, or the gap to the end when no record fits
 * there. A size no writer could have made (memory overwritten by a stray
 * store) also skips to the end, so that a damaged ring is never walked
 * forever.
 */
static uint64_t step_at(const struct trace_ring *r, uint64_t pos)
{
	uint64_t end = room_to_end(r, pos);
	uint64_t size = end < TRACE_RECORD_HEAD ? end : at(r, pos)->size;

	if (size < TRACE_RECORD_HEAD || size % 8 || size > end)
		return end;
	return size;
}

/* Drop the oldest records until the ring holds `need` more bytes. */
static void make_room(struct trace_ring *r, uint64_t need)
{
	while (r->head + need - r->tail > r->size) {
		uint64_t step = step_at(r, r->tail);
		if (room_to_end(r, r->tail) >= TRACE_RECORD_HEAD &&
		    at(r, r->tail)->id != TRACE_PAD_ID)
			r->lost++;
		r->tail += step;
	}
}

void *trace_ring_reserve(struct trace_ring *r, size_t size)
{
	uint64_t end = room_to_end(r, r->head);
	uint64_t pad = end < size ? end : 0;

	make_room(r, pad + size);
	if (pad >= TRACE_RECORD_HEAD)
		*at(r, r->head) =
			(struct trace_record){ .id = TRACE_PAD_ID, .size = (uint16_t)pad };
	r->head += pad;
	void *rec = at(r, r->head);
	r->head += size;
	return rec;
}

uint64_t trace_ring_walk(const struct trace_ring *r,
			 void (*fn)(const void *rec, size_t size, void *arg), void *arg)
{
	uint64_t n = 0, step;

	for (uint64_t pos = r->tail; pos < r->head; pos += step) {
		const struct trace_record *rec = at(r, pos);
		step = step_at(r, pos);
		if (room_to_end(r, pos) >= TRACE_RECORD_HEAD && rec->id != TRACE_PAD_ID &&
		    rec->size == step) {
			fn(rec, step, arg);
			n++;
		}
	}
	return n;
}

void trace_ring_clear(struct trace_ring *r)
{
	r->tail = r->head;
	r->lost = 0;
}
