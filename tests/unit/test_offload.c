/*
 * Host tests of checksum offload (net/lwip/offload.c). Frames are built
 * here with the checksums RFC 1071 defines, computed independently; then:
 * a TCP frame handed to offload_tx and finished as a device finishes it
 * (the sum from csum_start, stored at csum_start + csum_offset) must carry
 * the right checksum, over IPv4 and IPv6, and one longer than the MSS
 * must also say how to cut it (only then); offload_rx_ok must accept right
 * TCP and UDP frames, however they are cut into receive buffers (odd
 * lengths included), and refuse a corrupted byte; and it must take the
 * device's word (checked, or a sum still to do) without looking.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "net/lwip/offload.h"

#define FRAME 8000

/* RFC 1071's sum, big-endian words, over a buffer (odd length padded). */
static uint32_t rfc_sum(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t rfc_csum(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* A frame: Ethernet, IPv4 or IPv6, TCP or UDP with payload bytes; returns its length. */
static size_t build(uint8_t *f, bool v6, int proto, size_t payload, size_t *l4_off)
{
	size_t iph = v6 ? 40 : 20, l4h = proto == 6 ? 20 : 8, l4len = l4h + payload;

	memset(f, 0, FRAME);
	f[12] = v6 ? 0x86 : 0x08;
	f[13] = v6 ? 0xdd : 0x00;
	uint8_t *ip = f + 14;
	if (v6) {
		ip[0] = 0x60;
		ip[4] = (uint8_t)(l4len >> 8);
		ip[5] = (uint8_t)l4len;
		ip[6] = (uint8_t)proto;
		ip[7] = 64;
		for (int i = 0; i < 16; i++) {
			ip[8 + i] = (uint8_t)(0xfe + i);
			ip[24 + i] = (uint8_t)(0x20 + 3 * i);
		}
	} else {
		ip[0] = 0x45;
		ip[2] = (uint8_t)((20 + l4len) >> 8);
		ip[3] = (uint8_t)(20 + l4len);
		ip[8] = 64;
		ip[9] = (uint8_t)proto;
		memcpy(ip + 12, "\x0a\x00\x02\x0f\xc0\xa8\x4d\x01", 8);
	}
	uint8_t *l4 = ip + iph;
	l4[0] = 0x1f, l4[1] = 0x90, l4[2] = 0xc3, l4[3] = 0x51;
	if (proto == 17) {
		l4[4] = (uint8_t)(l4len >> 8);
		l4[5] = (uint8_t)l4len;
	} else {
		l4[12] = 0x50;
		l4[13] = 0x18;
	}
	for (size_t i = 0; i < payload; i++)
		l4[l4h + i] = (uint8_t)(i * 31 + 7);
	*l4_off = 14 + iph;
	return 14 + iph + l4len;
}

/* The right checksum of the frame's TCP/UDP segment (its checksum field taken as 0). */
static uint16_t right_sum(const uint8_t *f, bool v6, int proto, size_t l4_off, size_t len)
{
	const uint8_t *ip = f + 14;
	uint32_t sum = v6 ? rfc_sum(0, ip + 8, 32) : rfc_sum(0, ip + 12, 8);
	size_t l4len = len - l4_off;
	uint8_t seg[FRAME];

	memcpy(seg, f + l4_off, l4len);
	seg[proto == 6 ? 16 : 6] = seg[proto == 6 ? 17 : 7] = 0;
	sum += (uint32_t)proto + (uint32_t)l4len;
	return rfc_csum(rfc_sum(sum, seg, l4len));
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void tx_case(bool v6, size_t payload)
{
	uint8_t f[FRAME];
	size_t off, len = build(f, v6, 6, payload, &off);
	/* Headers in the first segment, the payload in a second, as lwIP sends them. */
	struct netdev_tx tx = { .nsegs = 2 };
	tx.segs[0] = (struct netdev_seg){ f, (uint32_t)(off + 20) };
	tx.segs[1] = (struct netdev_seg){ f + off + 20, (uint32_t)(len - off - 20) };

	offload_tx(&tx, payload ? (unsigned int)payload : 1460);
	assert_true(tx.csum);
	assert_int_equal(tx.gso_type, NETDEV_GSO_NONE); /* no longer than the MSS: one segment */
	assert_int_equal(tx.csum_start, off);
	assert_int_equal(tx.csum_offset, 16);
	/* What the device does: the ones' complement sum from csum_start, stored at the offset. */
	uint16_t done = rfc_csum(rfc_sum(0, f + tx.csum_start, len - tx.csum_start));
	put16(f + tx.csum_start + tx.csum_offset, done);
	assert_int_equal(done, right_sum(f, v6, 6, off, len));
}

static void test_tx_tcp(void **state)
{
	(void)state;
	tx_case(false, 1460);
	tx_case(false, 1);
	tx_case(true, 1440);
	tx_case(true, 0);
}

static void test_tx_leaves_udp(void **state)
{
	(void)state;
	uint8_t f[FRAME];
	size_t off, len = build(f, false, 17, 100, &off);
	struct netdev_tx tx = { .nsegs = 1 };
	tx.segs[0] = (struct netdev_seg){ f, (uint32_t)len };

	offload_tx(&tx, 10);
	assert_false(tx.csum); /* UDP's sum stays lwIP's */
	assert_int_equal(tx.gso_type, NETDEV_GSO_NONE);
}

/*
 * A TCP frame longer than the MSS is marked for the device to cut: the
 * headers to copy (Ethernet, IP, TCP with its options), the piece size,
 * and the sum as for one frame (the whole length in the pseudo-header,
 * which the host's segmentation adjusts per piece).
 */
static void gso_case(bool v6, size_t payload, unsigned int mss, size_t optlen)
{
	uint8_t f[FRAME];
	size_t off, len = build(f, v6, 6, payload, &off);
	f[off + 12] = (uint8_t)((20 + optlen) / 4) << 4; /* the data offset, options counted */
	struct netdev_tx tx = { .nsegs = 2 };
	tx.segs[0] = (struct netdev_seg){ f, (uint32_t)(off + 20 + optlen) };
	tx.segs[1] =
		(struct netdev_seg){ f + off + 20 + optlen, (uint32_t)(len - off - 20 - optlen) };

	offload_tx(&tx, mss);
	assert_true(tx.csum);
	assert_int_equal(tx.gso_type, v6 ? NETDEV_GSO_TCPV6 : NETDEV_GSO_TCPV4);
	assert_int_equal(tx.gso_size, mss);
	assert_int_equal(tx.hdr_len, off + 20 + optlen);
	uint16_t done = rfc_csum(rfc_sum(0, f + tx.csum_start, len - tx.csum_start));
	put16(f + tx.csum_start + tx.csum_offset, done);
	assert_int_equal(done, right_sum(f, v6, 6, off, len));

	tx = (struct netdev_tx){ .nsegs = 1, .segs = { { f, (uint32_t)len } } };
	offload_tx(&tx, 0); /* no MSS given: never cut */
	assert_true(tx.csum);
	assert_int_equal(tx.gso_type, NETDEV_GSO_NONE);
}

static void test_tx_gso(void **state)
{
	(void)state;
	gso_case(false, 4380, 1460, 0);
	gso_case(false, 1461, 1460, 0);
	gso_case(true, 7000, 1440, 0);
	gso_case(false, 3000, 1448, 12);
}

/* The frame cut into receive buffers of the given sizes (the last takes the rest). */
static void cut(struct netdev_rx *rx, uint8_t *f, size_t len, const size_t *sizes, int n)
{
	size_t at = 0;

	*rx = (struct netdev_rx){ .len = (uint32_t)len };
	for (int i = 0; at < len; i++) {
		size_t k = i < n ? sizes[i] : len - at;
		k = k > len - at ? len - at : k;
		rx->frags[rx->nfrags].data = f + at;
		rx->frags[rx->nfrags++].len = (uint32_t)k;
		at += k;
	}
}

static void rx_case(bool v6, int proto, size_t payload)
{
	static const size_t splits[][3] = { { 2000, 0, 0 }, { 101, 333, 7 }, { 60, 1, 1 } };
	uint8_t f[FRAME];
	size_t off, len = build(f, v6, proto, payload, &off);
	put16(f + off + (proto == 6 ? 16 : 6), right_sum(f, v6, proto, off, len));
	struct netdev_rx rx;

	for (size_t s = 0; s < sizeof(splits) / sizeof(splits[0]); s++) {
		cut(&rx, f, len, splits[s], 3);
		assert_true(offload_rx_ok(&rx));
		f[len - 1] ^= 0x40; /* one bit of the payload flipped */
		assert_false(offload_rx_ok(&rx));
		rx.csum_valid = true; /* the device checked it: no look */
		assert_true(offload_rx_ok(&rx));
		rx.csum_valid = false;
		rx.csum_partial = true; /* from the host, sum to do: no look */
		assert_true(offload_rx_ok(&rx));
		f[len - 1] ^= 0x40;
	}
}

static void test_rx(void **state)
{
	(void)state;
	rx_case(false, 6, 1460);
	rx_case(false, 6, 777);
	rx_case(false, 17, 513);
	rx_case(true, 6, 1001);
	rx_case(true, 17, 64);
}

static void test_rx_udp_without_sum(void **state)
{
	(void)state;
	uint8_t f[FRAME];
	size_t off, len = build(f, false, 17, 40, &off);
	struct netdev_rx rx;

	cut(&rx, f, len, (const size_t[]){ 2000 }, 1);
	assert_true(offload_rx_ok(&rx)); /* IPv4 UDP with a zero sum: sent without one */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tx_tcp),
		cmocka_unit_test(test_tx_leaves_udp),
		cmocka_unit_test(test_tx_gso),
		cmocka_unit_test(test_rx),
		cmocka_unit_test(test_rx_udp_without_sum),
	};
	return cmocka_run_group_tests_name("offload", tests, NULL, NULL);
}
