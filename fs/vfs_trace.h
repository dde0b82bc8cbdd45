/*
 * File tracepoints (defined in fs/vfs.c): opens with the path and result,
 * lookups, reads and writes of every file (with the file's address, which
 * vfs_open reports, to tie them together), descriptors given and closed,
 * files released, pipes moving bytes or waiting for data or room. Renames,
 * unlinks and the like are their system calls' tracepoints.
 */
#ifndef FS_VFS_TRACE_H
#define FS_VFS_TRACE_H

#include <alto/trace.h>

TRACEPOINT_STR(vfs_open, "file=%p flags=%x path=%s", const void *, file, int, flags)
TRACEPOINT_STR(vfs_lookup, "result=%d path=%s", int, result)
TRACEPOINT(vfs_io_enter, "file=%p write=%d len=%u off=%d", const void *, file, int, write, size_t,
	   len, int64_t, off)
TRACEPOINT(vfs_io_exit, "file=%p result=%d", const void *, file, long, result)
TRACEPOINT(vfs_release, "file=%p", const void *, file)
TRACEPOINT(fd_install, "fd=%d file=%p", int, fd, const void *, file)
TRACEPOINT(fd_close, "fd=%d result=%d", int, fd, int, result)
TRACEPOINT(pipe_wait_data, "file=%p", const void *, file)
TRACEPOINT(pipe_wait_room, "file=%p want=%u", const void *, file, size_t, want)
TRACEPOINT(pipe_move, "file=%p write=%d bytes=%u", const void *, file, int, write, long, bytes)

#endif
