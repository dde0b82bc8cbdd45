/* Linux time structures and clock ids. */
#ifndef UAPI_TIME_H
#define UAPI_TIME_H

#include <stdint.h>

struct timespec {
	int64_t tv_sec;
	long tv_nsec;
};

struct timeval {
	int64_t tv_sec;
	long tv_usec;
};

struct timezone {
	int tz_minuteswest;
	int tz_dsttime;
};

struct tms {
	long tms_utime, tms_stime, tms_cutime, tms_cstime;
};

#define CLOCK_REALTIME		 0
#define CLOCK_MONOTONIC		 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID	 3
#define CLOCK_MONOTONIC_RAW	 4
#define CLOCK_REALTIME_COARSE	 5
#define CLOCK_MONOTONIC_COARSE	 6
#define CLOCK_BOOTTIME		 7
#define CLOCK_REALTIME_ALARM	 8
#define CLOCK_BOOTTIME_ALARM	 9
#define CLOCK_TAI		 11

#define TIMER_ABSTIME 1

_Static_assert(sizeof(struct timespec) == 16, "timespec");
_Static_assert(sizeof(struct timeval) == 16, "timeval");
_Static_assert(sizeof(struct tms) == 32, "tms");

#endif
