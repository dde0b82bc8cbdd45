/*
 * Network tracepoints (defined in net/lwip/netif.c). Frames in and out of
 * every network device with their bytes (`alto trace FILE pcap` writes
 * them out), frames dropped and why, frames waiting for room in a full
 * transmit ring, link changes and receive polls; for TCP, lwIP's state
 * changes of each connection (pcb) as the stack leaves them (see
 * net/inet/tcp.c), listens, connects, accepts, the application's data
 * into lwIP, data and FINs from it, acknowledgements and errors; for UDP,
 * datagrams sent and received. An interface is its index (lo 1, eth0 2...);
 * errors in err= are lwIP's (-13 aborted, -14 reset, -15 closed).
 */
#ifndef NET_TRACE_H
#define NET_TRACE_H

#include <alto/trace.h>

TRACEPOINT_PACKET(net_packet_in, "if=%u len=%u", int, ifindex, uint32_t, len)
TRACEPOINT_PACKET(net_packet_out, "if=%u len=%u", int, ifindex, uint32_t, len)
TRACEPOINT_STR(net_drop, "if=%u len=%u %s", int, ifindex, uint32_t, len)
TRACEPOINT(net_tx_full, "if=%u waiting=%u", int, ifindex, unsigned int, waiting)
TRACEPOINT(net_link, "if=%u up=%d", int, ifindex, int, up)
TRACEPOINT(net_poll, "if=%u frames=%u budget=%u", int, ifindex, unsigned int, frames, unsigned int,
	   budget)

TRACEPOINT_STR(tcp_state, "pcb=%p local=%u remote=%u %s", const void *, pcb, unsigned int,
	       local_port, unsigned int, remote_port)
TRACEPOINT(tcp_listen, "sock=%p port=%u backlog=%d result=%d", const void *, sock, unsigned int,
	   port, int, backlog, int, result)
TRACEPOINT(tcp_connect, "sock=%p pcb=%p port=%u result=%d", const void *, sock, const void *, pcb,
	   unsigned int, port, int, result)
TRACEPOINT(tcp_accept, "sock=%p pcb=%p remote=%u queued=%d", const void *, sock, const void *, pcb,
	   unsigned int, remote_port, int, queued)
TRACEPOINT(tcp_send, "pcb=%p bytes=%u err=%d", const void *, pcb, size_t, bytes, int, err)
TRACEPOINT(tcp_recv, "pcb=%p bytes=%u", const void *, pcb, unsigned int, bytes)
TRACEPOINT(tcp_acked, "pcb=%p bytes=%u", const void *, pcb, unsigned int, bytes)
TRACEPOINT(tcp_error, "sock=%p err=%d", const void *, sock, int, err)
TRACEPOINT(udp_send, "pcb=%p port=%u bytes=%u result=%d", const void *, pcb, unsigned int, port,
	   size_t, bytes, int, result)
TRACEPOINT(udp_recv, "pcb=%p port=%u bytes=%u", const void *, pcb, unsigned int, port, unsigned int,
	   bytes)

#endif
