/*
 * Linux's network interface ABI (net/if.h, linux/sockios.h): interface
 * flags, struct ifreq and struct ifconf, and the socket ioctls that use them.
 */
#ifndef UAPI_IF_H
#define UAPI_IF_H

#include <stdint.h>
#include <uapi/socket.h>

#define IFNAMSIZ 16

#define IFF_UP	      0x1
#define IFF_BROADCAST 0x2
#define IFF_LOOPBACK  0x8
#define IFF_RUNNING   0x40
#define IFF_NOARP     0x80
#define IFF_MULTICAST 0x1000
#define IFF_LOWER_UP  0x10000

#define ARPHRD_ETHER	1
#define ARPHRD_LOOPBACK 772

/* Socket ioctls. */
#define FIONREAD       0x541b
#define SIOCINQ	       FIONREAD
#define SIOCOUTQ       0x5411
#define SIOCGIFNAME    0x8910
#define SIOCGIFCONF    0x8912
#define SIOCGIFFLAGS   0x8913
#define SIOCGIFADDR    0x8915
#define SIOCGIFDSTADDR 0x8917
#define SIOCGIFBRDADDR 0x8919
#define SIOCGIFNETMASK 0x891b
#define SIOCGIFMETRIC  0x891d
#define SIOCGIFMTU     0x8921
#define SIOCGIFHWADDR  0x8927
#define SIOCGIFINDEX   0x8933
#define SIOCGIFTXQLEN  0x8942

struct ifmap {
	uint64_t mem_start, mem_end;
	uint16_t base_addr;
	uint8_t irq, dma, port;
};

struct ifreq {
	char ifr_name[IFNAMSIZ];
	union {
		struct sockaddr ifr_addr;
		struct sockaddr ifr_hwaddr;
		int16_t ifr_flags;
		int32_t ifr_ifindex;
		int32_t ifr_mtu;
		int32_t ifr_metric;
		int32_t ifr_qlen;
		struct ifmap ifr_map;
		char ifr_newname[IFNAMSIZ];
		uint64_t ifr_data;
	};
};

struct ifconf {
	int32_t ifc_len;
	int32_t pad;
	uint64_t ifc_buf; /* an application address */
};

_Static_assert(sizeof(struct ifreq) == 40, "ifreq");
_Static_assert(sizeof(struct ifconf) == 16, "ifconf");

#endif
