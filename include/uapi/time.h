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

struct itimerval {
	struct timeval it_interval;
	struct timeval it_value;
};

struct itimerspec {
	struct timespec it_interval;
	struct timespec it_value;
};

#define ITIMER_REAL    0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF    2

/* struct sigevent as timer_create reads it (asm-generic/siginfo.h). */
struct ksigevent {
	uint64_t sigev_value;
	int sigev_signo;
	int sigev_notify;
	union {
		int tid; /* SIGEV_THREAD_ID */
		int pad[12];
	};
};

#define SIGEV_SIGNAL	0
#define SIGEV_NONE	1
#define SIGEV_THREAD	2
#define SIGEV_THREAD_ID 4

#define TFD_TIMER_ABSTIME	(1 << 0)
#define TFD_TIMER_CANCEL_ON_SET (1 << 1)
#define TFD_CLOEXEC		02000000
#define TFD_NONBLOCK		04000

/* adjtimex and clock_adjtime. */
struct timex {
	unsigned int modes;
	int pad0;
	long offset, freq, maxerror, esterror;
	int status;
	int pad1;
	long constant, precision, tolerance;
	struct timeval time;
	long tick, ppsfreq, jitter;
	int shift;
	int pad2;
	long stabil, jitcnt, calcnt, errcnt, stbcnt;
	int tai;
	int reserved[11];
};

#define ADJ_OFFSET	      0x0001
#define ADJ_FREQUENCY	      0x0002
#define ADJ_MAXERROR	      0x0004
#define ADJ_ESTERROR	      0x0008
#define ADJ_STATUS	      0x0010
#define ADJ_TIMECONST	      0x0020
#define ADJ_TAI		      0x0080
#define ADJ_SETOFFSET	      0x0100
#define ADJ_MICRO	      0x1000
#define ADJ_NANO	      0x2000
#define ADJ_TICK	      0x4000
#define ADJ_OFFSET_SINGLESHOT 0x8001
#define ADJ_OFFSET_SS_READ    0xa001
#define STA_NANO	      0x2000
#define TIME_OK		      0

_Static_assert(sizeof(struct timespec) == 16, "timespec");
_Static_assert(sizeof(struct timeval) == 16, "timeval");
_Static_assert(sizeof(struct tms) == 32, "tms");
_Static_assert(sizeof(struct itimerspec) == 32, "itimerspec");
_Static_assert(sizeof(struct itimerval) == 32, "itimerval");
_Static_assert(sizeof(struct ksigevent) == 64, "sigevent");
_Static_assert(sizeof(struct timex) == 208, "timex");

#endif
