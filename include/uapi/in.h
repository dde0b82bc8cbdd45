/*
 * Linux's IPv4 and IPv6 socket ABI (netinet/in.h, netinet/tcp.h): socket
 * addresses, protocol numbers, the IPPROTO_IP, IPPROTO_IPV6 and IPPROTO_TCP
 * options Alto knows, and struct tcp_info.
 */
#ifndef UAPI_IN_H
#define UAPI_IN_H

#include <stddef.h>
#include <stdint.h>

#define IPPROTO_IP     0
#define IPPROTO_ICMP   1
#define IPPROTO_TCP    6
#define IPPROTO_UDP    17
#define IPPROTO_IPV6   41
#define IPPROTO_ICMPV6 58
#define IPPROTO_RAW    255

struct in_addr {
	uint32_t s_addr; /* network byte order */
};

struct sockaddr_in {
	uint16_t sin_family;
	uint16_t sin_port; /* network byte order */
	struct in_addr sin_addr;
	uint8_t sin_zero[8];
};

struct in6_addr {
	uint8_t s6_addr[16];
};

struct sockaddr_in6 {
	uint16_t sin6_family;
	uint16_t sin6_port;
	uint32_t sin6_flowinfo;
	struct in6_addr sin6_addr;
	uint32_t sin6_scope_id;
};

#define INADDR_ANY	 0x00000000u
#define INADDR_LOOPBACK	 0x7f000001u
#define INADDR_BROADCAST 0xffffffffu

/* IPPROTO_IP */
#define IP_TOS			1
#define IP_TTL			2
#define IP_HDRINCL		3
#define IP_OPTIONS		4
#define IP_RECVERR		11
#define IP_MTU_DISCOVER		10
#define IP_MTU			14
#define IP_FREEBIND		15
#define IP_BIND_ADDRESS_NO_PORT 24
#define IP_MULTICAST_IF		32
#define IP_MULTICAST_TTL	33
#define IP_MULTICAST_LOOP	34
#define IP_ADD_MEMBERSHIP	35
#define IP_DROP_MEMBERSHIP	36

struct ip_mreq {
	struct in_addr imr_multiaddr;
	struct in_addr imr_interface;
};

/* IPPROTO_IPV6 */
#define IPV6_UNICAST_HOPS   16
#define IPV6_MULTICAST_IF   17
#define IPV6_MULTICAST_HOPS 18
#define IPV6_MULTICAST_LOOP 19
#define IPV6_JOIN_GROUP	    20
#define IPV6_LEAVE_GROUP    21
#define IPV6_V6ONLY	    26
#define IPV6_RECVERR	    25
#define IPV6_TCLASS	    67

/* IPPROTO_TCP */
#define TCP_NODELAY	     1
#define TCP_MAXSEG	     2
#define TCP_CORK	     3
#define TCP_KEEPIDLE	     4
#define TCP_KEEPINTVL	     5
#define TCP_KEEPCNT	     6
#define TCP_SYNCNT	     7
#define TCP_LINGER2	     8
#define TCP_DEFER_ACCEPT     9
#define TCP_WINDOW_CLAMP     10
#define TCP_INFO	     11
#define TCP_QUICKACK	     12
#define TCP_CONGESTION	     13
#define TCP_USER_TIMEOUT     18
#define TCP_FASTOPEN	     23
#define TCP_NOTSENT_LOWAT    25
#define TCP_FASTOPEN_CONNECT 30

/* tcp_info.tcpi_state: Linux's TCP states. */
#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT	2
#define TCP_SYN_RECV	3
#define TCP_FIN_WAIT1	4
#define TCP_FIN_WAIT2	5
#define TCP_TIME_WAIT	6
#define TCP_CLOSE	7
#define TCP_CLOSE_WAIT	8
#define TCP_LAST_ACK	9
#define TCP_LISTEN	10
#define TCP_CLOSING	11

struct tcp_info {
	uint8_t tcpi_state;
	uint8_t tcpi_ca_state;
	uint8_t tcpi_retransmits;
	uint8_t tcpi_probes;
	uint8_t tcpi_backoff;
	uint8_t tcpi_options;
	uint8_t tcpi_snd_wscale : 4, tcpi_rcv_wscale : 4;
	uint8_t tcpi_delivery_rate_app_limited : 1, tcpi_fastopen_client_fail : 2;
	uint32_t tcpi_rto;
	uint32_t tcpi_ato;
	uint32_t tcpi_snd_mss;
	uint32_t tcpi_rcv_mss;
	uint32_t tcpi_unacked;
	uint32_t tcpi_sacked;
	uint32_t tcpi_lost;
	uint32_t tcpi_retrans;
	uint32_t tcpi_fackets;
	uint32_t tcpi_last_data_sent;
	uint32_t tcpi_last_ack_sent;
	uint32_t tcpi_last_data_recv;
	uint32_t tcpi_last_ack_recv;
	uint32_t tcpi_pmtu;
	uint32_t tcpi_rcv_ssthresh;
	uint32_t tcpi_rtt;
	uint32_t tcpi_rttvar;
	uint32_t tcpi_snd_ssthresh;
	uint32_t tcpi_snd_cwnd;
	uint32_t tcpi_advmss;
	uint32_t tcpi_reordering;
	uint32_t tcpi_rcv_rtt;
	uint32_t tcpi_rcv_space;
	uint32_t tcpi_total_retrans;
};

#define TCPI_OPT_TIMESTAMPS 1
#define TCPI_OPT_SACK	    2
#define TCPI_OPT_WSCALE	    4

_Static_assert(sizeof(struct sockaddr_in) == 16, "sockaddr_in");
_Static_assert(sizeof(struct sockaddr_in6) == 28, "sockaddr_in6");
_Static_assert(offsetof(struct sockaddr_in6, sin6_scope_id) == 24, "sockaddr_in6");
_Static_assert(sizeof(struct ip_mreq) == 8, "ip_mreq");
_Static_assert(offsetof(struct tcp_info, tcpi_rto) == 8, "tcp_info");
_Static_assert(sizeof(struct tcp_info) == 104, "tcp_info");

#endif
