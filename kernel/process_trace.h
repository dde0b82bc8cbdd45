/*
 * Process tracepoints (defined in kernel/process.c): a command-line program
 * started (its path) and entered, threads cloned, processes forked, execve
 * (the new path), threads and the process ending, a zombie reaped by its
 * parent. A thread's name comes with its sched thread_create event.
 */
#ifndef KERNEL_PROCESS_TRACE_H
#define KERNEL_PROCESS_TRACE_H

#include <alto/trace.h>

TRACEPOINT_STR(proc_start, "pid=%d path=%s", int, pid)
TRACEPOINT(proc_enter, "pid=%d entry=%p sp=%p", int, pid, uint64_t, entry, uint64_t, sp)
TRACEPOINT(proc_clone, "tid=%d flags=%x stack=%p", int, tid, uint64_t, flags, uint64_t, stack)
TRACEPOINT(proc_fork, "pid=%d child=%d flags=%x", int, pid, int, child, uint64_t, flags)
TRACEPOINT_STR(proc_exec, "pid=%d path=%s", int, pid)
TRACEPOINT(proc_thread_exit, "tid=%d code=%d last=%d", int, tid, int, code, int, last)
TRACEPOINT(proc_exit, "pid=%d status=%x", int, pid, int, status)
TRACEPOINT(proc_reap, "parent=%d pid=%d status=%x", int, parent, int, pid, int, status)

#endif
