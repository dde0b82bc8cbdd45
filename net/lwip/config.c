/*
 * Interface configuration at boot, as OSv does it: DHCPv4 on every
 * interface by default; --ip=IFACE,ADDR,NETMASK (repeatable) gives an
 * interface a static address instead, --defaultgw=ADDR the default route,
 * --nameserver=ADDR (repeatable) the DNS servers. Every interface also gets
 * its IPv6 link-local address and SLAAC. Boot waits a bounded time for the
 * leases, then /etc/resolv.conf, /etc/hosts and /etc/hostname are written
 * to reflect the result, so that the C library's resolver finds them.
 */
#include <alto/boot.h>
#include <alto/format.h>
#include <alto/net.h>
#include <alto/printk.h>
#include <alto/sched.h>
#include <alto/string.h>
#include <alto/time.h>
#include <alto/uts.h>
#include <alto/vfs.h>
#include <uapi/errno.h>
#include <uapi/fcntl.h>
#include "internal.h"

#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/ip_addr.h"

#define DHCP_WAIT_NS (3 * NSEC_PER_SEC)
#define DHCP_POLL_NS (2 * NSEC_PER_MSEC)
#define ETC_FILE_MAX 1024

/* --ip=IFACE,ADDR,NETMASK for this interface, parsed; false when not given or bad. */
static bool static_address(const char *name, ip4_addr_t *addr, ip4_addr_t *mask)
{
	const char *v;

	for (int i = 0; (v = cmdline_get_nth("ip", i)) != NULL; i++) {
		char buf[64], *a, *m;
		if (strlcpy(buf, v, sizeof(buf)) >= sizeof(buf) || !(a = strchr(buf, ',')))
			goto bad;
		*a++ = 0;
		if (strcmp(buf, name))
			continue;
		if (!(m = strchr(a, ',')))
			goto bad;
		*m++ = 0;
		if (!ip4addr_aton(a, addr) || !ip4addr_aton(m, mask))
			goto bad;
		return true;
bad:
		printk("alto: --ip=%s: expected IFACE,ADDR,NETMASK (eth0,10.0.2.15,255.255.255.0)\n",
		       v);
	}
	return false;
}

/* The interface whose subnet holds addr, for --defaultgw. */
static struct netif *iface_for(const ip4_addr_t *addr)
{
	struct netif *n;

	NETIF_FOREACH(n)
	{
		if (n != net_loopback() && !ip4_addr_isany(netif_ip4_addr(n)) &&
		    ip4_addr_netcmp(addr, netif_ip4_addr(n), netif_ip4_netmask(n)))
			return n;
	}
	return NULL;
}

static void set_gateway(void)
{
	const char *v = cmdline_get("defaultgw");
	ip4_addr_t gw;

	if (!v)
		return;
	if (!ip4addr_aton(v, &gw)) {
		printk("alto: --defaultgw=%s: not an IPv4 address\n", v);
		return;
	}
	struct netif *n = iface_for(&gw);
	if (!n) {
		printk("alto: --defaultgw=%s: no interface is on that network\n", v);
		return;
	}
	netif_set_gw(n, &gw);
	netif_set_default(n);
}

static void set_nameservers(void)
{
	const char *v;
	ip_addr_t a;

	for (int i = 0; (v = cmdline_get_nth("nameserver", i)) != NULL; i++) {
		if (!ipaddr_aton(v, &a))
			printk("alto: --nameserver=%s: not an IP address\n", v);
		else if (i < DNS_MAX_SERVERS)
			dns_setserver((u8_t)i, &a);
	}
}

/* Static addresses or DHCP; returns how many interfaces wait for a lease. */
static int start_interfaces(void)
{
	int dhcp = 0;
	struct net_iface *ifc;

	for (int i = 0; (ifc = net_iface_nth(i)) != NULL; i++) {
		struct netif *n = &ifc->netif;
		ip4_addr_t addr, mask;
		if (static_address(ifc->nd->name, &addr, &mask)) {
			netif_set_addr(n, &addr, &mask, IP4_ADDR_ANY4);
		} else if (dhcp_start(n) == ERR_OK) {
			dhcp++;
		} else {
			printk("alto: %s: cannot start DHCP\n", ifc->nd->name);
		}
		if (!netif_default)
			netif_set_default(n);
	}
	return dhcp;
}

static bool leases_done(void)
{
	struct netif *n;

	NETIF_FOREACH(n)
	{
		if (netif_dhcp_data(n) && !dhcp_supplied_address(n))
			return false;
	}
	return true;
}

static void wait_for_leases(void)
{
	uint64_t deadline = time_now_ns() + DHCP_WAIT_NS;

	for (;;) {
		net_lock();
		bool done = leases_done();
		net_unlock();
		if (done)
			return;
		if (time_now_ns() >= deadline)
			break;
		thread_sleep_ns(DHCP_POLL_NS);
	}
	printk("alto: no DHCP answer within %llu s; the program starts without an address\n",
	       DHCP_WAIT_NS / NSEC_PER_SEC);
}

static void write_file(const char *path, const char *text, size_t len)
{
	vfs_mkdir(NULL, "/etc", 0755); /* the bare kernel's root has none; EEXIST otherwise */
	struct file *f = vfs_open_kernel(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (IS_ERR(f)) {
		printk("alto: cannot write %s (%ld)\n", path, PTR_ERR(f));
		return;
	}
	vfs_pwrite(f, text, len, 0);
	file_put(f);
}

static void write_resolv_conf(void)
{
	char text[ETC_FILE_MAX], addr[IPADDR_STRLEN_MAX];
	size_t len = 0;

	for (u8_t i = 0; i < DNS_MAX_SERVERS; i++) {
		const ip_addr_t *a = dns_getserver(i);
		if (ip_addr_isany(a))
			continue;
		ipaddr_ntoa_r(a, addr, sizeof(addr));
		len += (size_t)snprintf(text + len, sizeof(text) - len, "nameserver %s\n", addr);
	}
	if (len)
		write_file("/etc/resolv.conf", text, len);
}

static void write_hosts(void)
{
	char text[ETC_FILE_MAX], host[UTS_LEN], addr[IPADDR_STRLEN_MAX] = "127.0.1.1";
	struct netif *n = netif_default;

	uts_hostname(host, sizeof(host));
	if (n && n != net_loopback() && !ip4_addr_isany(netif_ip4_addr(n)))
		ip4addr_ntoa_r(netif_ip4_addr(n), addr, sizeof(addr));
	int len = snprintf(text, sizeof(text),
			   "127.0.0.1\tlocalhost\n"
			   "::1\tlocalhost ip6-localhost ip6-loopback\n"
			   "%s\t%s\n",
			   addr, host);
	write_file("/etc/hosts", text, (size_t)len);
	len = snprintf(text, sizeof(text), "%s\n", host);
	write_file("/etc/hostname", text, (size_t)len);
}

static void report(void)
{
	struct net_iface *ifc;

	for (int i = 0; (ifc = net_iface_nth(i)) != NULL; i++) {
		struct netif *n = &ifc->netif;
		char a[IP4ADDR_STRLEN_MAX], m[IP4ADDR_STRLEN_MAX], g[IP4ADDR_STRLEN_MAX];
		ip4addr_ntoa_r(netif_ip4_addr(n), a, sizeof(a));
		ip4addr_ntoa_r(netif_ip4_netmask(n), m, sizeof(m));
		ip4addr_ntoa_r(netif_ip4_gw(n), g, sizeof(g));
		printk("%s: inet %s netmask %s gateway %s%s\n", ifc->nd->name, a, m, g,
		       netif_dhcp_data(n) ? " (DHCP)" : "");
	}
}

void net_configure(void)
{
	if (!netdev_count())
		return;
	net_lock();
	int dhcp = start_interfaces();
	net_unlock();
	if (dhcp)
		wait_for_leases();
	net_lock();
	set_gateway();
	set_nameservers(); /* after DHCP, which sets its own */
	write_resolv_conf();
	write_hosts();
	if (cmdline_has("verbose"))
		report();
	net_unlock();
}
