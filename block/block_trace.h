/*
 * Block I/O tracepoints (defined in block/core.c), after Linux's block
 * events: a bio submitted (or refused at once), joined to a waiting
 * request, a request issued to the driver, handed back by a busy driver,
 * and completed with its status. A device is its major:minor, op is enum
 * bio_op (0 read, 1 write, 2 flush, 3 discard), sectors are 512 bytes.
 */
#ifndef BLOCK_TRACE_H
#define BLOCK_TRACE_H

#include <alto/trace.h>

TRACEPOINT(block_bio_queue, "dev=%u:%u op=%u sector=%u bytes=%u bio=%p", unsigned int, major,
	   unsigned int, minor, unsigned int, op, uint64_t, sector, uint64_t, bytes, const void *,
	   bio)
TRACEPOINT(block_bio_error, "dev=%u:%u op=%u sector=%u bytes=%u error=%d", unsigned int, major,
	   unsigned int, minor, unsigned int, op, uint64_t, sector, uint64_t, bytes, int, error)
TRACEPOINT(block_bio_merge, "dev=%u:%u op=%u sector=%u bytes=%u front=%d", unsigned int, major,
	   unsigned int, minor, unsigned int, op, uint64_t, sector, uint64_t, bytes, int, front)
TRACEPOINT(block_rq_issue, "dev=%u:%u op=%u sector=%u bytes=%u segs=%u", unsigned int, major,
	   unsigned int, minor, unsigned int, op, uint64_t, sector, uint64_t, bytes, unsigned int,
	   nsegs)
TRACEPOINT(block_rq_requeue, "dev=%u:%u op=%u sector=%u inflight=%u", unsigned int, major,
	   unsigned int, minor, unsigned int, op, uint64_t, sector, unsigned int, inflight)
TRACEPOINT(block_rq_complete, "dev=%u:%u op=%u sector=%u bytes=%u status=%d", unsigned int, major,
	   unsigned int, minor, unsigned int, op, uint64_t, sector, uint64_t, bytes, int, status)

#endif
