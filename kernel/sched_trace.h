/*
 * Scheduler, thread and wait tracepoints (defined in kernel/sched.c).
 * Thread ids are as trace records give them (thread_trace_id): negative
 * for kernel threads. sched_switch's state is the enum thread_state the
 * previous thread leaves in (0 running: preempted or yielding, 2 blocked,
 * 3 exiting); `alto trace sched` and the Perfetto output are built on
 * sched_switch, sched_wake and sched_migrate.
 */
#ifndef KERNEL_SCHED_TRACE_H
#define KERNEL_SCHED_TRACE_H

#include <alto/trace.h>

TRACEPOINT(sched_switch, "prev=%d state=%d next=%d", int, prev, int, state, int, next)
TRACEPOINT(sched_wake, "tid=%d cpu=%u", int, tid, unsigned int, cpu)
TRACEPOINT(sched_migrate, "tid=%d from=%u to=%u", int, tid, unsigned int, from, unsigned int, to)
TRACEPOINT(sched_steal, "tid=%d from=%u", int, tid, unsigned int, from)
TRACEPOINT(sched_preempt, "tid=%d", int, tid)
TRACEPOINT(sched_slice_end, "tid=%d", int, tid)
TRACEPOINT(sched_yield, "tid=%d", int, tid)
TRACEPOINT(sched_idle_enter, "cpu=%u", unsigned int, cpu)
TRACEPOINT(sched_idle_exit, "cpu=%u", unsigned int, cpu)
TRACEPOINT(sched_affinity, "tid=%d mask=%x", int, tid, uint64_t, mask)
TRACEPOINT(sched_policy, "tid=%d policy=%d rt_priority=%d nice=%d", int, tid, int, policy, int,
	   rt_priority, int, nice)
TRACEPOINT(sched_kick, "tid=%d cpu=%u", int, tid, unsigned int, cpu)
TRACEPOINT(sched_sleep, "tid=%d ns=%u", int, tid, uint64_t, ns)
TRACEPOINT_STR(thread_create, "tid=%d pid=%d name=%s", int, tid, int, pid)
TRACEPOINT(thread_exit, "tid=%d code=%d", int, tid, int, code)
TRACEPOINT(thread_reap, "tid=%d", int, tid)
TRACEPOINT(thread_join, "tid=%d", int, tid)
TRACEPOINT(waitq_wait_enter, "wq=%p deadline=%u", const void *, wq, uint64_t, deadline)
TRACEPOINT(waitq_wait_exit, "wq=%p result=%d", const void *, wq, int, result)
TRACEPOINT(waitq_wake, "wq=%p tid=%d", const void *, wq, int, tid)
TRACEPOINT(waitq_notify, "wq=%p events=%x", const void *, wq, unsigned int, events)
TRACEPOINT(mutex_contended, "mutex=%p owner=%d", const void *, mutex, int, owner)
TRACEPOINT(sem_wait, "sem=%p", const void *, sem)
TRACEPOINT(rwlock_wait, "rwlock=%p write=%d", const void *, rwlock, int, write)

#endif
