/*
 * Scheduling policies and priorities (linux/sched.h, sched_setscheduler(2)).
 */
#ifndef UAPI_SCHED_H
#define UAPI_SCHED_H

#include <stdint.h>

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

/* sched_getattr(2)'s structure (SCHED_ATTR_SIZE_VER1) and its one flag Alto keeps. */
struct sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
	uint32_t sched_util_min, sched_util_max;
};
#define SCHED_ATTR_SIZE_VER0	 48
#define SCHED_FLAG_RESET_ON_FORK 0x01

/* I/O priorities (ioprio_set(2)): a class in the top 3 of 16 bits, a level below. */
#define IOPRIO_CLASS_SHIFT 13
#define IOPRIO_CLASS_NONE  0
#define IOPRIO_CLASS_RT	   1
#define IOPRIO_CLASS_BE	   2
#define IOPRIO_CLASS_IDLE  3
#define IOPRIO_NR_LEVELS   8
#define IOPRIO_WHO_PROCESS 1 /* then PGRP 2 and USER 3: PRIO_* + 1 */
#define IOPRIO_WHO_USER	   3

#define RR_TIMESLICE_NS (100 * 1000 * 1000ull) /* sched_rr_timeslice_ms: 100 */

#endif
