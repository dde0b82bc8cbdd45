/*
 * The VM's network as `alto run` and `alto boot` set it up: --net (none,
 * user, tap:IFNAME; repeatable, one NIC each), -p/--publish as Docker spells
 * it, --mac, and --pcap (QEMU's filter-dump of the first NIC's traffic).
 * User networking is QEMU's slirp with restrict=on: the guest reaches
 * nothing outside the VM but QEMU's own DHCP, and published ports are
 * forwarded from 127.0.0.1 unless a host address is given. A restricted
 * slirp drops the guest's UDP replies, so publishing a UDP port lifts the
 * restriction (the help says so). The NIC is the machine's virtio-net (PCI
 * on q35, MMIO on microvm).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "alto.h"

#define DEFAULT_MAC "52:54:00:12:34:56"

const char net_options_help[] =
	"  --net MODE           a network interface (repeatable: eth0, eth1...): user\n"
	"                       (the default: QEMU's user networking, isolated, with its\n"
	"                       DHCP and DNS), tap:IFNAME (a host tap device), or none\n"
	"  -p, --publish [HOSTIP:]HOSTPORT:GUESTPORT[/tcp|/udp]\n"
	"                       forward a host port to the guest (repeatable; HOSTIP\n"
	"                       defaults to 127.0.0.1). A UDP port needs QEMU's user\n"
	"                       networking unrestricted: the guest may then reach the\n"
	"                       host's networks too\n"
	"  --mac ADDR           the first interface's MAC address (default " DEFAULT_MAC ")\n"
	"  --pcap FILE          record the first interface's packets to FILE (pcap)\n";

static bool parse_port(const char *s, unsigned int *port)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (end == s || *end || v == 0 || v > 65535)
		return false;
	*port = (unsigned int)v;
	return true;
}

/* [HOSTIP:]HOSTPORT:GUESTPORT[/tcp|/udp] */
static void parse_publish(const char *spec, struct port_map *pm)
{
	char *s = xstrdup(spec), *proto = strchr(s, '/');

	*pm = (struct port_map){ .udp = false };
	if (proto) {
		*proto++ = 0;
		if (!strcmp(proto, "udp"))
			pm->udp = true;
		else if (strcmp(proto, "tcp"))
			die("-p %s: the protocol must be tcp or udp", spec);
	}
	char *guest = strrchr(s, ':');
	if (!guest)
		die("-p %s: expected [HOSTIP:]HOSTPORT:GUESTPORT[/tcp|/udp]", spec);
	*guest++ = 0;
	char *host = strrchr(s, ':');
	const char *ip = "127.0.0.1";
	if (host) {
		*host++ = 0;
		ip = s;
		struct in_addr a;
		if (inet_pton(AF_INET, ip, &a) != 1)
			die("-p %s: '%s' is not an IPv4 address", spec, ip);
	} else {
		host = s;
	}
	if (!parse_port(host, &pm->host_port) || !parse_port(guest, &pm->guest_port))
		die("-p %s: ports are numbers from 1 to 65535", spec);
	snprintf(pm->host_ip, sizeof(pm->host_ip), "%s", ip);
	free(s);
}

static void check_mac(const char *mac)
{
	unsigned int b[6];
	char end;

	if (sscanf(mac, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &end) != 6 ||
	    strlen(mac) != 17)
		die("--mac %s: expected six hex bytes, as 52:54:00:12:34:56", mac);
	if (b[0] & 1)
		die("--mac %s: a multicast address (the first byte is odd)", mac);
}

bool net_option(int opt, const char *arg, struct vm_config *c)
{
	switch (opt) {
	case OPT_NET:
		if (strcmp(arg, "none") && strcmp(arg, "user") &&
		    (strncmp(arg, "tap:", 4) || !arg[4]))
			die("--net %s: expected none, user or tap:IFNAME", arg);
		if (!strcmp(arg, "none")) {
			c->nnets = 0;
			c->net_none = true;
			return true;
		}
		c->nets = xrealloc(c->nets, (c->nnets + 1) * sizeof(*c->nets));
		c->nets[c->nnets++] = arg;
		c->net_none = false;
		return true;
	case 'p':
		c->ports = xrealloc(c->ports, (c->nports + 1) * sizeof(*c->ports));
		parse_publish(arg, &c->ports[c->nports++]);
		return true;
	case OPT_MAC:
		check_mac(arg);
		c->mac = arg;
		return true;
	case OPT_PCAP:
		c->pcap = arg;
		return true;
	}
	return false;
}

void net_check(struct vm_config *c)
{
	if (c->net_none && c->nports)
		die("-p needs a network (not --net none)");
	if (!c->nnets && !c->net_none) {
		c->nets = xmalloc(sizeof(*c->nets));
		c->nets[c->nnets++] = "user";
	}
	bool user = false;
	for (int i = 0; i < c->nnets; i++)
		user |= !strcmp(c->nets[i], "user");
	if (c->nports && !user)
		die("-p forwards ports through user networking: add --net user");
	if (c->pcap && !c->nnets)
		die("--pcap needs a network interface");
}

/* The -netdev value of interface i; ports go to the first user interface. */
char *net_netdev_arg(const struct vm_config *c, int i)
{
	const char *mode = c->nets[i];

	if (!strncmp(mode, "tap:", 4))
		return xasprintf("tap,id=net%d,ifname=%s,script=no,downscript=no", i, mode + 4);
	bool first_user = true;
	for (int k = 0; k < i; k++)
		first_user &= strcmp(c->nets[k], "user") != 0;
	bool udp = false;
	for (int k = 0; first_user && k < c->nports; k++)
		udp |= c->ports[k].udp;
	char *s = xasprintf("user,id=net%d,restrict=%s", i, udp ? "off" : "on");
	for (int k = 0; first_user && k < c->nports; k++) {
		const struct port_map *pm = &c->ports[k];
		char *t = xasprintf("%s,hostfwd=%s:%s:%u-:%u", s, pm->udp ? "udp" : "tcp",
				    pm->host_ip, pm->host_port, pm->guest_port);
		free(s);
		s = t;
	}
	return s;
}

/* The -device value of interface i: the machine's virtio-net, MACs counting up from the first. */
char *net_device_arg(const struct vm_config *c, int i)
{
	unsigned int b[6];
	bool pci = !strncmp(c->machine, "q35", 3);

	sscanf(c->mac ? c->mac : DEFAULT_MAC, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3],
	       &b[4], &b[5]);
	b[5] = (b[5] + (unsigned int)i) & 0xff;
	return xasprintf("%s,netdev=net%d,mac=%02x:%02x:%02x:%02x:%02x:%02x",
			 pci ? "virtio-net-pci" : "virtio-net-device", i, b[0], b[1], b[2], b[3],
			 b[4], b[5]);
}
