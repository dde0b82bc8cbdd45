/* Linux poll and select: struct pollfd, event bits, fd_set. */
#ifndef UAPI_POLL_H
#define UAPI_POLL_H

#include <stdint.h>

#define POLLIN	   0x0001
#define POLLPRI	   0x0002
#define POLLOUT	   0x0004
#define POLLERR	   0x0008
#define POLLHUP	   0x0010
#define POLLNVAL   0x0020
#define POLLRDNORM 0x0040
#define POLLRDBAND 0x0080
#define POLLWRNORM 0x0100
#define POLLWRBAND 0x0200
#define POLLMSG	   0x0400
#define POLLRDHUP  0x2000

struct pollfd {
	int32_t fd;
	int16_t events;
	int16_t revents;
};

#define FD_SETSIZE 1024

typedef struct {
	unsigned long fds_bits[FD_SETSIZE / (8 * sizeof(unsigned long))];
} fd_set;

/* pselect6's last argument. */
struct pselect6_sigmask {
	uint64_t ss;	 /* const sigset_t * */
	uint64_t ss_len; /* its size */
};

_Static_assert(sizeof(struct pollfd) == 8, "pollfd");
_Static_assert(sizeof(fd_set) == 128, "fd_set");
_Static_assert(sizeof(struct pselect6_sigmask) == 16, "pselect6_sigmask");

#endif
