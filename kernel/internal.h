/*
 * Declarations shared by the files of kernel/ that nothing outside needs:
 * the hand-offs between the scheduler (sched.c) and the thread lifecycle
 * (thread.c).
 */
#ifndef KERNEL_INTERNAL_H
#define KERNEL_INTERNAL_H

struct thread;

/* After a switch, in the new thread: unlock, migrate or reap the previous one. */
void sched_finish_switch(struct thread *prev);
/* Mark the current thread as exiting (its next schedule() is its last). */
void sched_prepare_exit(void);
/* Initialize every CPU's run queue and the reschedule IPI. */
void sched_init_cpu_rq(void);
/* An exiting thread is off its CPU: mark it dead, free it or wake its joiner. */
void thread_reap(struct thread *t);

#endif
