/*
 * Self tests of tracing: a packet tracepoint records a DHCP discover frame
 * (Ethernet, IPv4, UDP 68 to 67, BOOTP with the DHCP options) given in two
 * segments, so that the pcap output and the gathering of a payload are
 * checked with tcpdump independently of the network stack
 * (tests/cases/78-trace.sh runs it with --trace; trace/pcap-boot checks
 * the real packets of a boot); and turning tracepoints on by pattern finds
 * what it should.
 */
#include <alto/selftest.h>
#include <alto/string.h>
#include <alto/trace.h>

#define TRACE_DEFINE 1
TRACEPOINT_PACKET(selftest_packet, "len=%u", size_t, len)
#undef TRACE_DEFINE

#define ETH_LEN	  14
#define IP_LEN	  20
#define UDP_LEN	  8
#define BOOTP_LEN 300

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t ip_checksum(const uint8_t *h, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < len; i += 2)
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* A DHCP discover broadcast from mac, as a client sends it at boot. */
static size_t dhcp_discover(uint8_t *f)
{
	static const uint8_t options[] = { 99, 130, 83, 99,	   /* the magic cookie */
					   53, 1,   1,		   /* DHCPDISCOVER */
					   55, 4,   1,	3,  6, 15, /* mask, router, DNS, domain */
					   255 };
	uint8_t *ip = f + ETH_LEN, *udp = ip + IP_LEN, *bootp = udp + UDP_LEN;
	size_t total = ETH_LEN + IP_LEN + UDP_LEN + BOOTP_LEN;

	memset(f, 0, total);
	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, IP_LEN + UDP_LEN + BOOTP_LEN);
	ip[8] = 64;
	ip[9] = 17; /* UDP */
	memset(ip + 16, 0xff, 4);
	put16(ip + 10, ip_checksum(ip, IP_LEN));
	put16(udp, 68);
	put16(udp + 2, 67);
	put16(udp + 4, UDP_LEN + BOOTP_LEN); /* checksum 0: none */
	bootp[0] = 1;			     /* BOOTREQUEST */
	bootp[1] = 1;			     /* Ethernet */
	bootp[2] = 6;
	memcpy(bootp + 4, "\x39\x03\xf3\x26", 4); /* xid */
	put16(bootp + 10, 0x8000);		  /* broadcast */
	memcpy(bootp + 28, mac, 6);
	memcpy(bootp + 236, options, sizeof(options));
	return total;
}

SELFTEST(trace_packet)
{
	uint8_t frame[ETH_LEN + IP_LEN + UDP_LEN + BOOTP_LEN];
	size_t len = dhcp_discover(frame);

	/* In two pieces, as a frame's headers and data come: the record gathers them. */
	const struct trace_seg segs[2] = { { frame, ETH_LEN + IP_LEN },
					   { frame + ETH_LEN + IP_LEN, len - ETH_LEN - IP_LEN } };

	ST_ASSERT(trace_enable("selftest_packet") == 1);
	trace_selftest_packet(len, segs, 2);
	return 0;
}
