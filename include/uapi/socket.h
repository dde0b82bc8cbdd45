/*
 * Linux x86_64 sockets: address families, types, message flags, the
 * SOL_SOCKET options, and the structures that cross the boundary
 * (sockaddr, sockaddr_un, msghdr, cmsghdr, mmsghdr, ucred, linger).
 */
#ifndef UAPI_SOCKET_H
#define UAPI_SOCKET_H

#include <stddef.h>
#include <stdint.h>
#include <uapi/time.h>

#define AF_UNSPEC  0
#define AF_UNIX	   1
#define AF_INET	   2
#define AF_INET6   10
#define AF_NETLINK 16
#define AF_PACKET  17
#define AF_MAX	   46

#define SOCK_STREAM    1
#define SOCK_DGRAM     2
#define SOCK_RAW       3
#define SOCK_RDM       4
#define SOCK_SEQPACKET 5
#define SOCK_TYPE_MASK 0xf
#define SOCK_NONBLOCK  00004000
#define SOCK_CLOEXEC   02000000

#define MSG_OOB		 0x1
#define MSG_PEEK	 0x2
#define MSG_DONTROUTE	 0x4
#define MSG_CTRUNC	 0x8
#define MSG_TRUNC	 0x20
#define MSG_DONTWAIT	 0x40
#define MSG_EOR		 0x80
#define MSG_WAITALL	 0x100
#define MSG_CONFIRM	 0x800
#define MSG_ERRQUEUE	 0x2000
#define MSG_NOSIGNAL	 0x4000
#define MSG_MORE	 0x8000
#define MSG_WAITFORONE	 0x10000
#define MSG_CMSG_CLOEXEC 0x40000000

#define SHUT_RD	  0
#define SHUT_WR	  1
#define SHUT_RDWR 2

#define SOL_SOCKET 1

#define SO_DEBUG	1
#define SO_REUSEADDR	2
#define SO_TYPE		3
#define SO_ERROR	4
#define SO_DONTROUTE	5
#define SO_BROADCAST	6
#define SO_SNDBUF	7
#define SO_RCVBUF	8
#define SO_KEEPALIVE	9
#define SO_OOBINLINE	10
#define SO_NO_CHECK	11
#define SO_PRIORITY	12
#define SO_LINGER	13
#define SO_BSDCOMPAT	14
#define SO_REUSEPORT	15
#define SO_PASSCRED	16
#define SO_PEERCRED	17
#define SO_RCVLOWAT	18
#define SO_SNDLOWAT	19
#define SO_RCVTIMEO	20
#define SO_SNDTIMEO	21
#define SO_PEERNAME	28
#define SO_TIMESTAMP	29
#define SO_ACCEPTCONN	30
#define SO_PEERSEC	31
#define SO_SNDBUFFORCE	32
#define SO_RCVBUFFORCE	33
#define SO_PASSSEC	34
#define SO_MARK		36
#define SO_PROTOCOL	38
#define SO_DOMAIN	39
#define SO_PEEK_OFF	42
#define SO_BUSY_POLL	46
#define SO_INCOMING_CPU 49
#define SO_COOKIE	57
#define SO_PEERGROUPS	59
#define SO_RCVTIMEO_NEW 66
#define SO_SNDTIMEO_NEW 67

#define SCM_RIGHTS	1
#define SCM_CREDENTIALS 2
#define SCM_MAX_FD	253

#define SOMAXCONN 4096

typedef uint16_t sa_family_t;

struct sockaddr {
	sa_family_t sa_family;
	char sa_data[14];
};

/* Big enough for any family's address. */
struct sockaddr_storage {
	sa_family_t ss_family;
	char ss_data[126];
} __attribute__((aligned(8)));

#define UNIX_PATH_MAX 108

struct sockaddr_un {
	sa_family_t sun_family;
	char sun_path[UNIX_PATH_MAX];
};

struct msghdr {
	uint64_t msg_name; /* application pointers */
	int32_t msg_namelen;
	uint64_t msg_iov;
	uint64_t msg_iovlen;
	uint64_t msg_control;
	uint64_t msg_controllen;
	int32_t msg_flags;
};

struct mmsghdr {
	struct msghdr msg_hdr;
	uint32_t msg_len;
};

struct cmsghdr {
	uint64_t cmsg_len; /* the header and the data */
	int32_t cmsg_level;
	int32_t cmsg_type;
};

#define CMSG_ALIGN(len) (((len) + sizeof(uint64_t) - 1) & ~(sizeof(uint64_t) - 1))
#define CMSG_HDRLEN	CMSG_ALIGN(sizeof(struct cmsghdr))
#define CMSG_LEN(len)	(CMSG_HDRLEN + (len))
#define CMSG_SPACE(len) (CMSG_HDRLEN + CMSG_ALIGN(len))

struct ucred {
	int32_t pid;
	uint32_t uid;
	uint32_t gid;
};

struct linger {
	int32_t l_onoff;
	int32_t l_linger;
};

_Static_assert(sizeof(struct sockaddr) == 16, "sockaddr");
_Static_assert(sizeof(struct sockaddr_storage) == 128, "sockaddr_storage");
_Static_assert(sizeof(struct sockaddr_un) == 110, "sockaddr_un");
_Static_assert(sizeof(struct msghdr) == 56, "msghdr");
_Static_assert(offsetof(struct msghdr, msg_iov) == 16, "msghdr.msg_iov");
_Static_assert(sizeof(struct mmsghdr) == 64, "mmsghdr");
_Static_assert(sizeof(struct cmsghdr) == 16, "cmsghdr");
_Static_assert(sizeof(struct ucred) == 12, "ucred");
_Static_assert(sizeof(struct linger) == 8, "linger");

#endif
