/*
 * The /proc/net files, in Linux's formats (programs such as netstat, ss,
 * lsof and language runtimes parse them): tcp and tcp6 from lwIP's PCB
 * lists (listening, active, TIME-WAIT), udp and udp6, dev from the devices'
 * counters, if_inet6 and route from the interfaces. Addresses are printed
 * as Linux prints them: the 32-bit words in network order, as hex of the
 * host's integer. Each socket's inode is its file's, as /proc/PID/fd shows.
 */
#include <alto/format.h>
#include <alto/net.h>
#include <alto/string.h>
#include <uapi/errno.h>
#include <uapi/if.h>
#include <uapi/in.h>
#include "internal.h"

#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

#define LINE 256

struct out {
	net_emit_fn emit;
	void *ctx;
	int n;	 /* entries so far (the "sl" column) */
	bool v6; /* the file lists IPv6 sockets (tcp6, udp6) */
};

static void outf(struct out *o, const char *fmt, ...) __printf(2, 3);
static void outf(struct out *o, const char *fmt, ...)
{
	char line[LINE];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	o->emit(o->ctx, line, (size_t)MIN(n, LINE - 1));
}

/* "0100007F:1F90" or the 32-digit IPv6 form, as Linux prints them. */
static void addr_text(char *buf, size_t size, const ip_addr_t *ip, u16_t port, bool v6)
{
	uint32_t w[4] = { 0, 0, 0, 0 };

	if (IP_IS_V6(ip)) {
		memcpy(w, ip_2_ip6(ip)->addr, 16);
	} else if (v6 && !ip_addr_isany(ip)) {
		w[2] = lwip_htonl(0xffff); /* an IPv4 address on a dual-stack socket: mapped */
		w[3] = ip4_addr_get_u32(ip_2_ip4(ip));
	} else {
		w[0] = ip4_addr_get_u32(ip_2_ip4(ip));
	}
	if (v6)
		snprintf(buf, size, "%08X%08X%08X%08X:%04X", w[0], w[1], w[2], w[3], port);
	else
		snprintf(buf, size, "%08X:%04X", w[0], port);
}

static uint64_t inode_of(const struct inet_sock *sk)
{
	return sk && sk->s && sk->s->file && sk->s->file->vnode ? sk->s->file->vnode->ino : 0;
}

/* A pcb belongs in tcp6 when its socket is AF_INET6 (or it is an IPv6 pcb), else in tcp. */
static bool in_file(const struct inet_sock *sk, const ip_addr_t *local, bool v6)
{
	bool is6 = sk ? sk->family == AF_INET6 : IP_IS_V6(local);

	return is6 == v6;
}

static void tcp_line(struct tcp_pcb *pcb, struct inet_sock *sk, void *arg)
{
	struct out *o = arg;
	char l[48], r[48];

	if (!in_file(sk, &pcb->local_ip, o->v6))
		return;
	addr_text(l, sizeof(l), &pcb->local_ip, pcb->local_port, o->v6);
	if (pcb->state == LISTEN)
		addr_text(r, sizeof(r), IP_ADDR_ANY, 0, o->v6);
	else
		addr_text(r, sizeof(r), &pcb->remote_ip, pcb->remote_port, o->v6);
	unsigned int txq = 0, rxq = sk ? (unsigned int)sk->rx_bytes : 0;
	if (pcb->state != LISTEN)
		txq = (unsigned int)(TCP_SND_BUF - pcb->snd_buf);
	else if (sk)
		rxq = (unsigned int)sk->naccept;
	outf(o,
	     "%4d: %s %s %02X %08X:%08X 00:00000000 00000000     0        0 %lu 1 0000000000000000 "
	     "20 4 0 10 -1\n",
	     o->n++, l, r, inet_tcp_linux_state(pcb), txq, rxq, (unsigned long)inode_of(sk));
}

static void show_tcp(struct out *o)
{
	outf(o,
	     "  sl  local_address%s rem_address%s   st tx_queue rx_queue tr tm->when retrnsmt   "
	     "uid  timeout inode\n",
	     o->v6 ? "                        " : "", o->v6 ? "                        " : "");
	inet_tcp_for_each(tcp_line, o);
}

static void show_udp(struct out *o)
{
	char l[48], r[48];

	outf(o,
	     "   sl  local_address%s rem_address%s   st tx_queue rx_queue tr tm->when retrnsmt   "
	     "uid  timeout inode ref pointer drops\n",
	     o->v6 ? "                        " : "", o->v6 ? "                        " : "");
	for (struct udp_pcb *pcb = udp_pcbs; pcb; pcb = pcb->next) {
		struct inet_sock *sk = pcb->recv_arg;
		if (!in_file(sk, &pcb->local_ip, o->v6))
			continue;
		addr_text(l, sizeof(l), &pcb->local_ip, pcb->local_port, o->v6);
		addr_text(r, sizeof(r), &pcb->remote_ip, pcb->remote_port, o->v6);
		bool connected = pcb->flags & UDP_FLAGS_CONNECTED;
		outf(o,
		     "%5d: %s %s %02X %08X:%08X 00:00000000 00000000     0        0 %lu 2 "
		     "0000000000000000 0\n",
		     o->n++, l, r, connected ? TCP_ESTABLISHED : TCP_CLOSE, 0u,
		     sk ? (unsigned int)sk->rx_bytes : 0u, (unsigned long)inode_of(sk));
	}
}

static void show_dev(struct out *o, const struct net_ifinfo *ifs, int n)
{
	outf(o, "Inter-|   Receive                                                |  Transmit\n");
	outf(o, " face |bytes    packets errs drop fifo frame compressed multicast|bytes    "
		"packets errs drop fifo colls carrier compressed\n");
	for (int i = 0; i < n; i++) {
		const struct net_ifinfo *f = &ifs[i];
		outf(o,
		     "%6s:%8lu %7lu %4lu %4lu %4lu %5lu %10lu %9lu %8lu %7lu %4lu %4lu %4lu %5lu %7lu "
		     "%10lu\n",
		     f->name, (unsigned long)f->rx_bytes, (unsigned long)f->rx_packets, 0ul,
		     (unsigned long)f->rx_dropped, 0ul, 0ul, 0ul, 0ul, (unsigned long)f->tx_bytes,
		     (unsigned long)f->tx_packets, 0ul, (unsigned long)f->tx_dropped, 0ul, 0ul, 0ul,
		     0ul);
	}
}

static void show_if_inet6(struct out *o, const struct net_ifinfo *ifs, int n)
{
	for (int i = 0; i < n; i++) {
		for (int k = 0; k < ifs[i].naddr6; k++) {
			const struct net_if_addr6 *a = &ifs[i].addr6[k];
			char hex[33];
			for (int b = 0; b < 16; b++)
				snprintf(hex + 2 * b, 3, "%02x", a->addr[b]);
			/* Scopes as Linux numbers them here: 0x10 host, 0x20 link, 0 global. */
			int scope = ifs[i].loopback ? 0x10 : a->link_local ? 0x20 : 0;
			outf(o, "%s %02x %02x %02x %02x %8s\n", hex, ifs[i].index, a->prefix_len,
			     scope, a->tentative ? 0xc0 : 0x80, ifs[i].name);
		}
	}
}

static void route_line(struct out *o, const char *name, uint32_t dst, uint32_t gw,
		       unsigned int flags, uint32_t mask)
{
	char line[LINE];

	snprintf(line, sizeof(line), "%s\t%08X\t%08X\t%04X\t%d\t%u\t%d\t%08X\t%d\t%u\t%u", name,
		 dst, gw, flags, 0, 0u, 0, mask, 0, 0u, 0u);
	outf(o, "%-127s\n", line);
}

static void show_route(struct out *o, const struct net_ifinfo *ifs, int n)
{
	enum {
		RTF_UP = 1,
		RTF_GATEWAY = 2
	};

	outf(o, "%-127s\n",
	     "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT");
	for (int i = 0; i < n; i++) {
		const struct net_ifinfo *f = &ifs[i];
		if (f->loopback || !f->addr4)
			continue;
		if (f->gw4)
			route_line(o, f->name, 0, f->gw4, RTF_UP | RTF_GATEWAY, 0);
		route_line(o, f->name, f->addr4 & f->mask4, 0, RTF_UP, f->mask4);
	}
}

int net_proc_show(const char *name, net_emit_fn emit, void *ctx)
{
	struct out o = { .emit = emit, .ctx = ctx };
	struct net_ifinfo ifs[16];
	int n;

	if (!strcmp(name, "tcp") || !strcmp(name, "tcp6") || !strcmp(name, "udp") ||
	    !strcmp(name, "udp6")) {
		o.v6 = name[3] == '6';
		net_lock();
		if (name[0] == 't')
			show_tcp(&o);
		else
			show_udp(&o);
		net_unlock();
		return 0;
	}
	n = MIN(net_if_list(ifs, ARRAY_SIZE(ifs)), (int)ARRAY_SIZE(ifs));
	if (!strcmp(name, "dev"))
		show_dev(&o, ifs, n);
	else if (!strcmp(name, "if_inet6"))
		show_if_inet6(&o, ifs, n);
	else if (!strcmp(name, "route"))
		show_route(&o, ifs, n);
	else
		return -ENOENT;
	return 0;
}
