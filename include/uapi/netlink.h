/*
 * Linux's netlink ABI, the part NETLINK_ROUTE's link, address and route
 * dumps use (linux/netlink.h, linux/rtnetlink.h, linux/if_link.h,
 * linux/if_addr.h): the socket address, message and attribute headers,
 * and the payloads of RTM_NEWLINK, RTM_NEWADDR and RTM_NEWROUTE.
 */
#ifndef UAPI_NETLINK_H
#define UAPI_NETLINK_H

#include <stdint.h>

#define NETLINK_ROUTE 0
#define SOL_NETLINK   270

struct sockaddr_nl {
	uint16_t nl_family;
	uint16_t nl_pad;
	uint32_t nl_pid;
	uint32_t nl_groups;
};

struct nlmsghdr {
	uint32_t nlmsg_len;
	uint16_t nlmsg_type;
	uint16_t nlmsg_flags;
	uint32_t nlmsg_seq;
	uint32_t nlmsg_pid;
};

#define NLMSG_ALIGN(len) (((len) + 3u) & ~3u)
#define NLMSG_HDRLEN	 ((uint32_t)NLMSG_ALIGN(sizeof(struct nlmsghdr)))

#define NLMSG_NOOP  1
#define NLMSG_ERROR 2
#define NLMSG_DONE  3

#define NLM_F_REQUEST 0x01
#define NLM_F_MULTI   0x02
#define NLM_F_ACK     0x04
#define NLM_F_ROOT    0x100
#define NLM_F_MATCH   0x200
#define NLM_F_DUMP    (NLM_F_ROOT | NLM_F_MATCH)

struct nlmsgerr {
	int32_t error;
	struct nlmsghdr msg;
};

struct rtattr {
	uint16_t rta_len;
	uint16_t rta_type;
};

#define RTA_ALIGN(len) (((len) + 3u) & ~3u)

#define RTM_NEWLINK  16
#define RTM_GETLINK  18
#define RTM_NEWADDR  20
#define RTM_GETADDR  22
#define RTM_NEWROUTE 24
#define RTM_GETROUTE 26

struct rtgenmsg {
	uint8_t rtgen_family;
};

struct ifinfomsg {
	uint8_t ifi_family;
	uint8_t ifi_pad;
	uint16_t ifi_type;
	int32_t ifi_index;
	uint32_t ifi_flags;
	uint32_t ifi_change;
};

#define IFLA_ADDRESS   1
#define IFLA_BROADCAST 2
#define IFLA_IFNAME    3
#define IFLA_MTU       4
#define IFLA_STATS     7
#define IFLA_TXQLEN    13
#define IFLA_OPERSTATE 16

#define IF_OPER_DOWN 2
#define IF_OPER_UP   6

/* IFLA_STATS: 24 counters. */
struct rtnl_link_stats {
	uint32_t rx_packets, tx_packets, rx_bytes, tx_bytes, rx_errors, tx_errors, rx_dropped,
		tx_dropped, multicast, collisions, rx_length_errors, rx_over_errors, rx_crc_errors,
		rx_frame_errors, rx_fifo_errors, rx_missed_errors, tx_aborted_errors,
		tx_carrier_errors, tx_fifo_errors, tx_heartbeat_errors, tx_window_errors,
		rx_compressed, tx_compressed, rx_nohandler;
};

struct ifaddrmsg {
	uint8_t ifa_family;
	uint8_t ifa_prefixlen;
	uint8_t ifa_flags;
	uint8_t ifa_scope;
	uint32_t ifa_index;
};

#define IFA_ADDRESS   1
#define IFA_LOCAL     2
#define IFA_LABEL     3
#define IFA_BROADCAST 4

#define IFA_F_TENTATIVE 0x40
#define IFA_F_PERMANENT 0x80

#define RT_SCOPE_UNIVERSE 0
#define RT_SCOPE_LINK	  253
#define RT_SCOPE_HOST	  254

struct rtmsg {
	uint8_t rtm_family;
	uint8_t rtm_dst_len;
	uint8_t rtm_src_len;
	uint8_t rtm_tos;
	uint8_t rtm_table;
	uint8_t rtm_protocol;
	uint8_t rtm_scope;
	uint8_t rtm_type;
	uint32_t rtm_flags;
};

#define RTA_DST	    1
#define RTA_OIF	    4
#define RTA_GATEWAY 5
#define RTA_PREFSRC 7
#define RTA_TABLE   15

#define RT_TABLE_MAIN 254
#define RTPROT_KERNEL 2
#define RTPROT_BOOT   3
#define RTPROT_DHCP   16
#define RTN_UNICAST   1

_Static_assert(sizeof(struct sockaddr_nl) == 12, "sockaddr_nl");
_Static_assert(sizeof(struct nlmsghdr) == 16, "nlmsghdr");
_Static_assert(sizeof(struct nlmsgerr) == 20, "nlmsgerr");
_Static_assert(sizeof(struct ifinfomsg) == 16, "ifinfomsg");
_Static_assert(sizeof(struct ifaddrmsg) == 8, "ifaddrmsg");
_Static_assert(sizeof(struct rtmsg) == 12, "rtmsg");
_Static_assert(sizeof(struct rtnl_link_stats) == 96, "rtnl_link_stats");

#endif
