/* Linux's wait4(2) and waitid(2) options, id types and si_codes (linux/wait.h, siginfo.h). */
#ifndef UAPI_WAIT_H
#define UAPI_WAIT_H

#define WNOHANG	    0x00000001
#define WUNTRACED   0x00000002
#define WSTOPPED    WUNTRACED
#define WEXITED	    0x00000004
#define WCONTINUED  0x00000008
#define WNOWAIT	    0x01000000
#define __WNOTHREAD 0x20000000
#define __WALL	    0x40000000
#define __WCLONE    0x80000000u

#define P_ALL	0
#define P_PID	1
#define P_PGID	2
#define P_PIDFD 3

/* si_code of SIGCHLD and of waitid's answer. */
#define CLD_EXITED    1
#define CLD_KILLED    2
#define CLD_DUMPED    3
#define CLD_TRAPPED   4
#define CLD_STOPPED   5
#define CLD_CONTINUED 6

#endif
