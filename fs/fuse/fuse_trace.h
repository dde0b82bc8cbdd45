/*
 * FUSE tracepoints (defined in fs/fuse/conn.c): each request to a
 * virtio-fs server from its sending to its reply, on the thread that waits
 * for it (so `alto trace FILE summary` times them as a pair), and the
 * FORGETs, which have no reply. opcode is FUSE's (1 LOOKUP, 3 GETATTR, 14
 * OPEN, 15 READ, 16 WRITE...).
 */
#ifndef FS_FUSE_TRACE_H
#define FS_FUSE_TRACE_H

#include <alto/trace.h>

TRACEPOINT(fuse_request_enter, "unique=%u opcode=%u nodeid=%u len=%u", uint64_t, unique,
	   unsigned int, opcode, uint64_t, nodeid, uint32_t, len)
TRACEPOINT(fuse_request_exit, "unique=%u opcode=%u result=%d", uint64_t, unique, unsigned int,
	   opcode, long, result)
TRACEPOINT(fuse_forget, "nodeid=%u nlookup=%u", uint64_t, nodeid, uint64_t, nlookup)

#endif
