/*
 * Scheduling policies and priorities (linux/sched.h, sched_setscheduler(2)).
 */
#ifndef UAPI_SCHED_H
#define UAPI_SCHED_H

#define SCHED_OTHER	    0
#define SCHED_FIFO	    1
#define SCHED_RR	    2
#define SCHED_BATCH	    3
#define SCHED_IDLE	    5
#define SCHED_DEADLINE	    6
#define SCHED_RESET_ON_FORK 0x40000000

#define MAX_RT_PRIO 100 /* real-time priorities are 1..99 */
#define MIN_NICE    (-20)
#define MAX_NICE    19

#define PRIO_PROCESS 0
#define PRIO_PGRP    1
#define PRIO_USER    2

#define RR_TIMESLICE_NS (100 * 1000 * 1000ull) /* sched_rr_timeslice_ms: 100 */

#endif
