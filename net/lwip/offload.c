/*
 * Checksum and segmentation offload between lwIP and a device that does the
 * TCP/UDP sums (virtio-net's CSUM and GUEST_CSUM, offered on tap devices)
 * and cuts large TCP frames (HOST_TSO4/6). On the way out, lwIP leaves TCP
 * checksums to the device: a frame carries the pseudo-header's sum in its
 * checksum field and says where the device must sum from and store; a TCP
 * frame whose payload is longer than the connection's real MSS also says
 * how to cut it (its pseudo-header's sum with the whole length in it, as
 * Linux's segmentation, behind a tap, expects and adjusts per piece). On the way in, lwIP checks no
 * TCP or UDP sum on such an interface; a frame the device vouches for (it checked it, or it came
 * from the host with its sum still to do) goes up as it is, and any other
 * is checked here. Only plain frames are handled: IPv4 or IPv6 straight
 * after an Ethernet header, without IPv6 extension headers; fragments and
 * anything else are left alone (UDP checksums stay lwIP's to make, since a
 * fragmented datagram cannot have its sum done per frame). No lwIP or
 * kernel calls: tests/unit/test_offload.c runs it on the host.
 */
#include <alto/compiler.h>
#include <alto/netdev.h>
#include <alto/string.h>
#include "offload.h"

#define ETH_HLEN      14
#define ETHTYPE_IP4   0x0800
#define ETHTYPE_IP6   0x86dd
#define PROTO_TCP     6
#define PROTO_UDP     17
#define TCP_CSUM_OFF  16
#define TCP_DOFF_OFF  12
#define UDP_CSUM_OFF  6
#define IP6_HLEN      40
#define IP4_MF_OFFSET 0x3fff /* more-fragments flag and offset */

/* Where a frame's transport header is, and what the pseudo-header sums to. */
struct l4 {
	unsigned int off; /* of the TCP or UDP header in the frame */
	unsigned int len; /* of the TCP or UDP segment */
	uint8_t proto;
	uint32_t pseudo; /* unfolded sum of the pseudo-header */
};

static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)(p[0] | p[1] << 8);
	if (len)
		sum += p[0];
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Parse the headers in the first len bytes of a frame; false when not a plain TCP/UDP frame. */
static bool parse(const uint8_t *f, size_t len, struct l4 *out)
{
	if (len < ETH_HLEN)
		return false;
	uint16_t type = be16(f + 12);
	const uint8_t *ip = f + ETH_HLEN;
	if (type == ETHTYPE_IP4 && len >= ETH_HLEN + 20u) {
		unsigned int ihl = (ip[0] & 0xf) * 4u, total = be16(ip + 2);
		if (ihl < 20 || total < ihl || (be16(ip + 6) & IP4_MF_OFFSET))
			return false;
		out->proto = ip[9];
		out->off = ETH_HLEN + ihl;
		out->len = total - ihl;
		out->pseudo = sum16(0, ip + 12, 8);
	} else if (type == ETHTYPE_IP6 && len >= ETH_HLEN + IP6_HLEN) {
		out->proto = ip[6];
		out->off = ETH_HLEN + IP6_HLEN;
		out->len = be16(ip + 4);
		out->pseudo = sum16(0, ip + 8, 32);
	} else {
		return false;
	}
	if (out->proto != PROTO_TCP && out->proto != PROTO_UDP)
		return false;
	/* The length and protocol, in network order as the addresses are summed. */
	out->pseudo += __builtin_bswap16((uint16_t)out->len) + __builtin_bswap16(out->proto);
	return true;
}

void offload_tx(struct netdev_tx *tx, unsigned int gso_mss)
{
	const struct netdev_seg *first = &tx->segs[0];
	struct l4 h;

	if (!parse(first->data, first->len, &h) || h.proto != PROTO_TCP ||
	    first->len < h.off + TCP_CSUM_OFF + 2)
		return;
	unsigned int thlen = (((const uint8_t *)first->data)[h.off + TCP_DOFF_OFF] >> 4) * 4u;
	if (gso_mss && thlen >= 20 && h.len > thlen + gso_mss && first->len >= h.off + thlen) {
		bool v6 = be16((const uint8_t *)first->data + 12) == ETHTYPE_IP6;
		tx->gso_type = v6 ? NETDEV_GSO_TCPV6 : NETDEV_GSO_TCPV4;
		tx->gso_size = (uint16_t)gso_mss;
		tx->hdr_len = (uint16_t)(h.off + thlen);
	}
	uint16_t partial = fold(h.pseudo);
	memcpy((uint8_t *)first->data + h.off + TCP_CSUM_OFF, &partial, 2);
	tx->csum = true;
	tx->csum_start = (uint16_t)h.off;
	tx->csum_offset = TCP_CSUM_OFF;
}

bool offload_rx_ok(const struct netdev_rx *rx)
{
	if (rx->csum_valid || rx->csum_partial || !rx->nfrags)
		return true;
	struct l4 h;
	if (!parse(rx->frags[0].data, rx->frags[0].len, &h))
		return true; /* not ours to judge: lwIP checks what it may */
	if (h.proto == PROTO_UDP && h.off + UDP_CSUM_OFF + 2 <= rx->frags[0].len &&
	    !be16((const uint8_t *)rx->frags[0].data + h.off + UDP_CSUM_OFF))
		return true; /* an IPv4 datagram sent without a sum */
	/* The segment may span buffers: sum it piece by piece, minding odd lengths. */
	uint32_t sum = h.pseudo;
	size_t skip = h.off, left = h.len;
	bool odd = false;
	for (unsigned int i = 0; i < rx->nfrags && left; i++) {
		const uint8_t *p = rx->frags[i].data;
		size_t n = rx->frags[i].len;
		if (skip >= n) {
			skip -= n;
			continue;
		}
		p += skip;
		n = MIN(n - skip, left);
		skip = 0;
		left -= n;
		if (odd && n) {
			sum += (uint32_t)p[0] << 8;
			p++;
			n--;
			odd = false;
		}
		sum = sum16(sum, p, n & ~(size_t)1);
		if (n & 1) {
			sum += p[n - 1];
			odd = true;
		}
	}
	return !left && fold(sum) == 0xffff;
}
