/*
 * The guest's network configuration as programs read it, printed like
 * `ip addr` and `ip route`: interfaces and addresses from getifaddrs (the
 * C library's netlink RTM_GETLINK/RTM_GETADDR dumps), the index list of
 * if_nameindex, the SIOCGIF* ioctls, the default route from
 * /proc/net/route, and the resolver's /etc/resolv.conf. Not a differential
 * test (the host's interfaces differ): tests/cases/80-net.sh compares the
 * output with what the kernel command line configured.
 */
#include "common.h"
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#ifndef AF_PACKET
#define AF_PACKET 17
#endif

static const char *text(const struct sockaddr *sa, char *buf, size_t size)
{
	if (!sa)
		return "-";
	if (sa->sa_family == AF_INET)
		return inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, size);
	if (sa->sa_family == AF_INET6)
		return inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
				 size);
	return "?";
}

static void getifaddrs_list(void)
{
	struct ifaddrs *all;
	char a[64], m[64];

	if (getifaddrs(&all)) {
		printf("getifaddrs: %s\n", errname(errno));
		return;
	}
	for (struct ifaddrs *i = all; i; i = i->ifa_next) {
		int fam = i->ifa_addr ? i->ifa_addr->sa_family : -1;
		if (fam == AF_PACKET)
			printf("link %s%s%s\n", i->ifa_name, i->ifa_flags & IFF_UP ? " UP" : "",
			       i->ifa_flags & IFF_LOOPBACK ? " LOOPBACK" : "");
		else if (fam == AF_INET || fam == AF_INET6)
			printf("%s %s %s mask %s\n", fam == AF_INET ? "inet" : "inet6", i->ifa_name,
			       text(i->ifa_addr, a, sizeof(a)), text(i->ifa_netmask, m, sizeof(m)));
	}
	freeifaddrs(all);
}

static void ioctls(const char *name)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq r;
	char a[64];

	memset(&r, 0, sizeof(r));
	strncpy(r.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, SIOCGIFINDEX, &r) == 0)
		printf("%s: index %d", name, r.ifr_ifindex);
	if (ioctl(fd, SIOCGIFMTU, &r) == 0)
		printf(" mtu %d", r.ifr_mtu);
	if (ioctl(fd, SIOCGIFFLAGS, &r) == 0)
		printf(" flags%s%s", r.ifr_flags & IFF_UP ? " UP" : "",
		       r.ifr_flags & IFF_RUNNING ? " RUNNING" : "");
	if (ioctl(fd, SIOCGIFADDR, &r) == 0)
		printf(" addr %s", text(&r.ifr_addr, a, sizeof(a)));
	if (ioctl(fd, SIOCGIFNETMASK, &r) == 0)
		printf(" netmask %s", text(&r.ifr_netmask, a, sizeof(a)));
	if (ioctl(fd, SIOCGIFHWADDR, &r) == 0) {
		const unsigned char *h = (const unsigned char *)r.ifr_hwaddr.sa_data;
		printf(" ether %02x:%02x:%02x:%02x:%02x:%02x", h[0], h[1], h[2], h[3], h[4], h[5]);
	}
	printf("\n");
	struct ifreq list[8];
	struct ifconf ic = { .ifc_len = sizeof(list), .ifc_req = list };
	if (ioctl(fd, SIOCGIFCONF, &ic) == 0) {
		for (size_t i = 0; i < ic.ifc_len / sizeof(struct ifreq); i++)
			printf("SIOCGIFCONF %s %s\n", list[i].ifr_name,
			       text(&list[i].ifr_addr, a, sizeof(a)));
	}
	close(fd);
}

static void routes(void)
{
	FILE *f = fopen("/proc/net/route", "r");
	char line[256], name[16];
	unsigned int dst, gw, flags, mask;

	if (!f) {
		printf("/proc/net/route: %s\n", errname(errno));
		return;
	}
	fgets(line, sizeof(line), f); /* the header */
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%15s %x %x %x %*d %*d %*d %x", name, &dst, &gw, &flags, &mask) !=
		    5)
			continue;
		struct in_addr d = { dst }, g = { gw };
		char ds[32], gs[32];
		inet_ntop(AF_INET, &d, ds, sizeof(ds));
		inet_ntop(AF_INET, &g, gs, sizeof(gs));
		if (flags & 2)
			printf("route default via %s dev %s\n", gs, name);
		else
			printf("route %s/%d dev %s\n", ds, __builtin_popcount(mask), name);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	setup();
	getifaddrs_list();
	struct if_nameindex *ni = if_nameindex();
	for (struct if_nameindex *p = ni; p && p->if_index; p++)
		printf("if_nameindex %u %s\n", p->if_index, p->if_name);
	if_freenameindex(ni);
	ioctls(argc > 1 ? argv[1] : "eth0");
	routes();
	FILE *f = fopen("/etc/resolv.conf", "r");
	char line[256];
	while (f && fgets(line, sizeof(line), f))
		printf("resolv.conf: %s", line);
	if (f)
		fclose(f);
	return 0;
}
