/*
 * lwIP's configuration for Alto. lwIP runs without its own threads or
 * sequential APIs (NO_SYS: the raw API only); Alto's socket layer calls it
 * with the stack's lock held (net/stack.c), and the stack's thread feeds it
 * received frames and runs its timers. Memory comes from the kernel heap,
 * so no pool caps the number of connections: a server holds as many as
 * memory allows. Every number below says why it is what it is; see
 * docs/network.md for the picture.
 */
#ifndef ALTO_LWIPOPTS_H
#define ALTO_LWIPOPTS_H

/* The raw API under Alto's own lock and thread. */
#define NO_SYS		     1
#define SYS_LIGHTWEIGHT_PROT 0 /* never called from interrupts: everything holds the stack lock */
#define LWIP_SOCKET	     0 /* Alto's socket layer is its own (net/inet.c) */
#define LWIP_NETCONN	     0
#define LWIP_TIMERS	     1
#define LWIP_NETIF_API	     0
#define LWIP_CALLBACK_API    1

void net_assert_locked(void);
#define LWIP_ASSERT_CORE_LOCKED() net_assert_locked()

/*
 * Memory: the kernel heap (kmalloc) for both lwIP's heap and its pools.
 * With MEMP_MEM_MALLOC the MEMP_NUM_* values are not limits, so thousands
 * of connections need no tuning here; memory is the only bound.
 */
#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 1
#define MEM_ALIGNMENT	8
void *net_malloc(unsigned long size);
void *net_calloc(unsigned long n, unsigned long size);
void net_free(void *p);
#define mem_clib_malloc net_malloc
#define mem_clib_calloc net_calloc
#define mem_clib_free	net_free
/* Frames are received into the driver's buffers (custom pbufs): the pool serves little. */
#define PBUF_POOL_SIZE		 32
#define PBUF_POOL_BUFSIZE	 1600
#define LWIP_SUPPORT_CUSTOM_PBUF 1

/* Protocols. */
#define LWIP_IPV4		       1
#define LWIP_IPV6		       1
#define LWIP_ARP		       1
#define LWIP_ETHERNET		       1
#define LWIP_ICMP		       1
#define LWIP_RAW		       0 /* AF_INET has no SOCK_RAW (net/inet/inet.c) */
#define LWIP_UDP		       1
#define LWIP_TCP		       1
#define LWIP_IGMP		       1
#define LWIP_DHCP		       1
#define LWIP_AUTOIP		       0
#define LWIP_DNS		       1 /* only to keep the servers DHCP gives; resolving is the C library's */
#define DNS_MAX_SERVERS		       3 /* as many as resolv.conf's nameserver lines glibc reads */
#define LWIP_IPV6_AUTOCONFIG	       1 /* SLAAC from router advertisements */
#define LWIP_IPV6_DHCP6		       0
#define LWIP_IPV6_MLD		       1 /* needed for neighbour discovery's multicast */
#define LWIP_IPV6_SCOPES	       1 /* link-local addresses carry their interface */
#define LWIP_IPV6_NUM_ADDRESSES	       3 /* link-local plus two SLAAC prefixes */
#define LWIP_ND6_RDNSS_MAX_DNS_SERVERS 0
/*
 * Duplicate address detection would hold a new IPv6 address tentative for
 * a second; a VM's MAC-derived addresses on its own link do not collide.
 */
#define LWIP_IPV6_DUP_DETECT_ATTEMPTS 0
/*
 * The DHCP ARP check waits half a second for a conflicting answer before
 * taking the offered address; QEMU's and the cloud's DHCP servers hand out
 * addresses they own, and boot time matters more.
 */
#define DHCP_DOES_ARP_CHECK	  0
#define IP_REASSEMBLY		  1
#define IP_FRAG			  1
#define LWIP_IPV6_FRAG		  1
#define LWIP_IPV6_REASS		  1
#define IPV6_FRAG_COPYHEADER	  1  /* 64-bit pointers do not fit in the fragment header */
#define IP_DEFAULT_TTL		  64 /* Linux's */
#define IP_SOF_BROADCAST	  1
#define IP_SOF_BROADCAST_RECV	  1
#define SO_REUSE		  1 /* SO_REUSEADDR and SO_REUSEPORT */
#define SO_REUSE_RXTOALL	  1 /* a datagram to a shared port reaches every socket */
#define LWIP_BROADCAST_PING	  0
#define LWIP_MULTICAST_TX_OPTIONS 1

/* Interfaces: a loopback (lo) and one per virtio-net device. */
#define LWIP_HAVE_LOOPIF		   1
#define LWIP_NETIF_LOOPBACK		   1
#define LWIP_LOOPBACK_MAX_PBUFS		   0
#define LWIP_NETIF_LOOPBACK_MULTITHREADING 0 /* the stack polls lo itself (net/stack.c) */
/* Nothing registers for an interface's status, link or address changes. */
#define LWIP_NETIF_STATUS_CALLBACK     0
#define LWIP_NETIF_LINK_CALLBACK       0
#define LWIP_NETIF_EXT_STATUS_CALLBACK 0
#define LWIP_NETIF_HOSTNAME	       1 /* DHCP's host name option */
#define LWIP_NUM_NETIF_CLIENT_DATA     0 /* lwIP's own (DHCP, IGMP, MLD) are counted apart */
#define LWIP_CHECKSUM_CTRL_PER_NETIF   1 /* checksum offload per device */
#define LWIP_SINGLE_NETIF	       0
#define ETH_PAD_SIZE		       0

/*
 * TCP, sized for servers. The MSS is Ethernet's 1500 minus 40 bytes of
 * headers. Window scaling lets a connection advertise a window past 64 KiB:
 * TCP_WND of 512 KiB (scale 4 covers up to 1 MiB) keeps a stream going
 * over a path with a few milliseconds of delay at hundreds of MB/s, and it
 * is only a promise, not memory: a connection holds what has arrived and
 * is unread, so thousands of idle connections cost their PCBs alone.
 * TCP_SND_BUF likewise bounds what one connection may queue unsent or
 * unacknowledged (512 KiB: a stream never waits on the buffer before the
 * window), and TCP_SND_QUEUELEN the segments that takes (one per MSS, with
 * room for small writes).
 */
#define TCP_MSS		 1460
#define LWIP_WND_SCALE	 1
#define TCP_RCV_SCALE	 4
#define TCP_WND		 (512 * 1024)
#define TCP_SND_BUF	 (512 * 1024)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
/* lwIP's own writability mark (its socket API, unused here); lwIP wants it below 64 KiB. */
#define TCP_SNDLOWAT	      (32 * 1024)
#define TCP_SNDQUEUELOWAT     (TCP_SND_QUEUELEN / 4)
#define TCP_OVERSIZE	      TCP_MSS /* small writes fill the last segment instead of starting one */
#define TCP_QUEUE_OOSEQ	      1
#define TCP_OOSEQ_MAX_BYTES   0 /* no cap: the window already bounds out-of-order data */
#define LWIP_TCP_SACK_OUT     1 /* tell the sender what arrived out of order */
#define LWIP_TCP_MAX_SACK_NUM 4
#define LWIP_TCP_TIMESTAMPS \
	0 /* lwIP's timestamps do not drive RTT estimation; save 12 bytes a segment */
#define LWIP_TCP_KEEPALIVE	   1 /* TCP_KEEPIDLE/INTVL/CNT per connection */
#define TCP_LISTEN_BACKLOG	   1 /* listen()'s backlog is enforced */
#define TCP_DEFAULT_LISTEN_BACKLOG 0xff
#define TCP_TTL			   64
#define TCP_MAXRTX		   12 /* retransmissions before a connection is given up */
#define TCP_SYNMAXRTX		   6
#define LWIP_TCP_PCB_NUM_EXT_ARGS  3 /* tcp_trace.c's (the state last traced, the pcb), tso.c's */
/* Pool sizes are not limits with MEMP_MEM_MALLOC, but lwIP's sanity checks read them. */
#define MEMP_NUM_TCP_PCB	  4096
#define MEMP_NUM_TCP_PCB_LISTEN	  256
#define MEMP_NUM_TCP_SEG	  (TCP_SND_QUEUELEN * 4)
#define MEMP_NUM_UDP_PCB	  256
#define MEMP_NUM_PBUF		  1024
#define MEMP_NUM_REASSDATA	  32
#define MEMP_NUM_FRAG_PBUF	  64
#define MEMP_NUM_ARP_QUEUE	  64
#define MEMP_NUM_ND6_QUEUE	  64
#define ARP_TABLE_SIZE		  64
#define ARP_QUEUEING		  1
#define LWIP_ND6_NUM_NEIGHBORS	  32
#define LWIP_ND6_NUM_DESTINATIONS 64

/* Secure initial sequence numbers (RFC 6528) from the kernel's CSPRNG. */
struct ip_addr;
unsigned int net_tcp_isn(const struct ip_addr *local_ip, unsigned short local_port,
			 const struct ip_addr *remote_ip, unsigned short remote_port);
#define LWIP_HOOK_TCP_ISN net_tcp_isn

/*
 * Segmentation offload (net/lwip/tso.c): the socket layer lets the port
 * raise an established connection's mss before each write, reads the real
 * MSS back, and every segment lwIP sends passes the options hook, which
 * notes the real MSS for the interface's output.
 */
struct tcp_pcb;
struct pbuf;
void net_tcp_offload(struct tcp_pcb *pcb);
unsigned int net_tcp_mss(const struct tcp_pcb *pcb);
void net_tcp_gso_hint(const struct pbuf *p, const struct tcp_pcb *pcb);
#define LWIP_HOOK_TCP_OUT_ADD_TCPOPTS(p, hdr, pcb, opts) (net_tcp_gso_hint((p), (pcb)), (opts))

/* Statistics for /proc/net/snmp-like reports; cheap counters. */
#define LWIP_STATS	   0
#define LWIP_STATS_DISPLAY 0

/*
 * LWIP_DEBUG stays undefined: lwIP tests it with #ifdef, so even 0 would
 * turn on the console lines of LWIP_ERROR (misuse of its API, which the
 * socket layer already reports as errors) and keep their strings.
 */

#endif
