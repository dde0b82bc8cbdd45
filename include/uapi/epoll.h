/* Linux epoll and eventfd: struct epoll_event (packed on x86_64), event bits, flags. */
#ifndef UAPI_EPOLL_H
#define UAPI_EPOLL_H

#include <stdint.h>

#define EPOLL_CLOEXEC 02000000

#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3

/* The readiness bits are poll's (uapi/poll.h); these are epoll's own. */
#define EPOLLIN	       0x00000001u
#define EPOLLPRI       0x00000002u
#define EPOLLOUT       0x00000004u
#define EPOLLERR       0x00000008u
#define EPOLLHUP       0x00000010u
#define EPOLLRDNORM    0x00000040u
#define EPOLLRDBAND    0x00000080u
#define EPOLLWRNORM    0x00000100u
#define EPOLLWRBAND    0x00000200u
#define EPOLLMSG       0x00000400u
#define EPOLLRDHUP     0x00002000u
#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP    (1u << 29)
#define EPOLLONESHOT   (1u << 30)
#define EPOLLET	       (1u << 31)

struct epoll_event {
	uint32_t events;
	uint64_t data;
} __attribute__((packed));

#define EFD_SEMAPHORE 00000001
#define EFD_CLOEXEC   02000000
#define EFD_NONBLOCK  00004000

_Static_assert(sizeof(struct epoll_event) == 12, "epoll_event");

#endif
