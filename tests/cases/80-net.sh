# The network stack at boot: DHCP by default (the request read back by
# tcpdump from QEMU's filter-dump of the link, as OSv's tracing smoke test
# reads it), static configuration from the command line, the /etc files
# that reflect it, and ICMP echo answered (ping from a network namespace the
# test makes, over a tap device). Traffic never leaves this machine: QEMU's
# user networking runs with restrict=on, and tap devices live in their own
# namespace.

t_net_dhcp_pcap() {
	local pcap="$LOGDIR/dhcp.pcap"
	rm -f "$pcap"
	boot --net user --pcap "$pcap" -- --verbose
	expect_status 0 && expect_out '^eth0: inet 10\.0\.2\.15 netmask 255\.255\.255\.0 .*\(DHCP\)$' ||
		return 1
	local dump
	dump=$(tcpdump -n -r "$pcap" 2>&1)
	echo "$dump"
	grep -Eq '0\.0\.0\.0\.68 > 255\.255\.255\.255\.67: BOOTP/DHCP, Request from 52:54:00:12:34:56' \
		<<<"$dump" &&
		grep -Eq '10\.0\.2\.2\.67 > 255\.255\.255\.255\.68: BOOTP/DHCP, Reply' <<<"$dump"
}
run_test net/dhcp-pcap t_net_dhcp_pcap

# --ip, --defaultgw and --nameserver instead of DHCP: no DHCP on the link,
# and /etc/resolv.conf and /etc/hosts say what the command line said.
t_net_static() {
	local pcap="$LOGDIR/static.pcap"
	rm -f "$pcap"
	OUT=$("$ALTO" run --timeout "$GUEST_TIMEOUT" --verbose --net user --pcap "$pcap" -- \
		--ip=eth0,10.0.2.99,255.255.255.0 --defaultgw=10.0.2.2 --nameserver=10.0.2.3 \
		--nameserver=10.0.2.4 --verbose /bin/busybox cat /etc/resolv.conf /etc/hosts 2>&1)
	STATUS=$?
	echo "$OUT"
	expect_status 0 &&
		expect_out '^eth0: inet 10\.0\.2\.99 netmask 255\.255\.255\.0 gateway 10\.0\.2\.2$' \
			'^nameserver 10\.0\.2\.3$' '^nameserver 10\.0\.2\.4$' '^10\.0\.2\.99	alto$' \
			'^127\.0\.0\.1	localhost$' || return 1
	! tcpdump -n -r "$pcap" 2>/dev/null | grep -q BOOTP
}
run_test net/static-config t_net_static

# --ip/--defaultgw/--nameserver as programs read them: getifaddrs and
# if_nameindex (netlink dumps, glibc's and musl's own code), the SIOCGIF*
# ioctls, /proc/net/route and /etc/resolv.conf (tests/guest/ifinfo.c).
IFINFO_EXPECTED='link lo UP LOOPBACK
link eth0 UP
inet lo 127.0.0.1 mask 255.0.0.0
inet6 lo ::1 mask ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff
inet eth0 10.0.2.99 mask 255.255.255.0
inet6 eth0 fe80::5054:ff:fe12:3456 mask ffff:ffff:ffff:ffff::
if_nameindex 1 lo
if_nameindex 2 eth0
eth0: index 2 mtu 1500 flags UP RUNNING addr 10.0.2.99 netmask 255.255.255.0 ether 52:54:00:12:34:56
SIOCGIFCONF lo 127.0.0.1
SIOCGIFCONF eth0 10.0.2.99
route default via 10.0.2.2 dev eth0
route 10.0.2.0/24 dev eth0
resolv.conf: nameserver 10.0.2.3'

ifinfo_test() {
	OUT=$("$ALTO" run --timeout "$GUEST_TIMEOUT" -- --ip=eth0,10.0.2.99,255.255.255.0 \
		--defaultgw=10.0.2.2 --nameserver=10.0.2.3 "$BUILD/tests/guest/$1/ifinfo" 2>&1)
	STATUS=$?
	expect_status 0 || return 1
	diff -u <(echo "$IFINFO_EXPECTED") <(echo "$OUT")
}
for v in gcc musl; do
	eval "t_net_ifinfo_$v() { ifinfo_test $v; }"
	run_test "net/ifinfo-$v" "t_net_ifinfo_$v"
done

# The host side of -p, --net and --mac, read from the QEMU command line.
t_net_publish_args() {
	OUT=$("$ALTO" run --dry-run -p 8080:80 -p 0.0.0.0:2222:22/tcp --mac 52:54:00:aa:bb:01 \
		--machine q35 /bin/true 2>&1)
	echo "$OUT"
	expect_out 'user,id=net0,restrict=on,hostfwd=tcp:127\.0\.0\.1:8080-:80,hostfwd=tcp:0\.0\.0\.0:2222-:22 ' \
		'virtio-net-pci,netdev=net0,mac=52:54:00:aa:bb:01 ' || return 1
	OUT=$("$ALTO" run --dry-run -p 5353:53/udp /bin/true 2>&1)
	echo "$OUT"
	expect_out 'user,id=net0,restrict=off,hostfwd=udp:127\.0\.0\.1:5353-:53 ' \
		'virtio-net-device,netdev=net0,mac=52:54:00:12:34:56 ' || return 1
	OUT=$("$ALTO" run --dry-run --net none /bin/true 2>&1)
	expect_no_out 'netdev' || return 1
	local bad
	for bad in "-p 80" "-p 1:2:3:4" "-p 99999:80" "-p 80:80/sctp" "--mac 53:54:00:12:34:56" \
		"--net wifi" "--net none -p 80:80"; do
		# shellcheck disable=SC2086
		OUT=$("$ALTO" run --dry-run $bad /bin/true 2>&1)
		STATUS=$?
		echo "$bad: $OUT"
		expect_status 2 || return 1
	done
}
run_test net/publish-args t_net_publish_args

# /proc/net as netstat, ss and runtimes read it: a listener, a connection
# to it and a UDP socket in tcp and udp (Linux's hex addresses and states),
# lo and eth0 in dev, ::1 and the link-local address in if_inet6.
t_net_proc() {
	OUT=$("$ALTO" run --timeout "$GUEST_TIMEOUT" --add "$PY_LIB" -e PYTHONDONTWRITEBYTECODE=1 \
		/usr/bin/python3 -c '
import socket
l = socket.socket(); l.bind(("0.0.0.0", 8080)); l.listen(5)
c = socket.create_connection(("127.0.0.1", 8080)); s, _ = l.accept()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 5353))
six = socket.socket(socket.AF_INET6); six.bind(("::", 8081)); six.listen(1)
tcp = open("/proc/net/tcp").read().splitlines()
print(tcp[0].split()[:4])
print("listener:", any(x.split()[1:4:2] == ["00000000:1F90", "0A"] for x in tcp[1:]))
print("connection:", any(x.split()[1:4] == ["0100007F:1F90", x.split()[2], "01"] for x in tcp[1:]))
print("tcp6 listener:", any(x.split()[1] == "0" * 32 + ":1F91" and x.split()[3] == "0A"
      for x in open("/proc/net/tcp6").read().splitlines()[1:]))
print("udp:", any(x.split()[1] == "0100007F:14E9" for x in open("/proc/net/udp").read().splitlines()[1:]))
dev = open("/proc/net/dev").read().splitlines()
print(dev[0]); print(sorted(x.split(":")[0].strip() for x in dev[2:]))
for x in open("/proc/net/if_inet6"): print(x.split())' 2>&1)
	STATUS=$?
	echo "$OUT"
	expect_status 0 &&
		expect_out "^\['sl', 'local_address', 'rem_address', 'st'\]$" '^listener: True$' \
			'^connection: True$' '^tcp6 listener: True$' '^udp: True$' \
			'^Inter-\|   Receive  ' "^\['eth0', 'lo'\]$" \
			"^\['00000000000000000000000000000001', '01', '80', '10', '80', 'lo'\]$" \
			"^\['fe80000000000000505400fffe123456', '02', '40', '20', '80', 'eth0'\]$"
}
run_test net/proc-net t_net_proc

# The stack's start on first use (net/lwip/stack.c): with no network card
# nothing starts it at boot, so eight threads on 4 CPUs make the first
# network calls of the boot at the same moment (tests/guest/net-first.c:
# UDP and TCP to themselves over lo, SIOCGIFINDEX of lo); three boots per C
# library, each output as the program's native one.
t_net_first_use() {
	build_guest_programs || return 1
	local v i want
	for v in gcc musl; do
		want=$("$BUILD/tests/guest/$v/net-first")
		for i in 1 2 3; do
			OUT=$("$ALTO" run --timeout "$GUEST_TIMEOUT" --net none -c 4 \
				"$BUILD/tests/guest/$v/net-first" 2>&1)
			STATUS=$?
			echo "$v, boot $i:"
			echo "$OUT"
			expect_status 0 || return 1
			diff -u <(echo "$want") <(echo "$OUT") || return 1
		done
	done
}
run_test net/first-use-no-nic t_net_first_use

t_net_bad_ip() {
	boot --net user -- --ip=eth0,10.0.2.300,255.255.255.0 --verbose
	expect_status 0 && expect_out '^alto: --ip=eth0,10\.0\.2\.300,255\.255\.255\.0: expected IFACE,ADDR,NETMASK' \
		'^eth0: inet 10\.0\.2\.15 .*\(DHCP\)$'
}
run_test net/bad-ip t_net_bad_ip

# with_netns NAME CMD...: a namespace with tap0 at 192.168.77.1/24, CMD run
# on the host side with $NS naming it; the namespace goes away afterwards
# whatever happened. (85-servers.sh uses it too.)
with_netns() {
	local ns=$1
	shift
	ip netns add "$ns" || return 1
	ip netns exec "$ns" ip link set lo up &&
		ip netns exec "$ns" ip tuntap add dev tap0 mode tap &&
		ip netns exec "$ns" ip addr add 192.168.77.1/24 dev tap0 &&
		ip netns exec "$ns" ip link set tap0 up &&
		NS=$ns "$@"
	local rc=$?
	ip netns del "$ns"
	return $rc
}

# ping_until NS ARGS...: ping from the namespace until 3 echoes in a row come back (60 tries).
ping_until() {
	local ns=$1
	shift
	for _ in $(seq 60); do
		ip netns exec "$ns" ping -c 3 -i 0.2 -W 1 "$@" && return 0
		sleep 0.5
	done
	return 1
}

# The guest sleeps while the namespace pings it, over IPv4 and its IPv6
# link-local address (from the MAC); then the guest's sleep ends it.
ping_guest() {
	local ns=$1 ok=0
	ip netns exec "$ns" "$ALTO" run --timeout 120 --net tap:tap0 --mac 52:54:00:77:00:02 -- \
		--ip=eth0,192.168.77.2,255.255.255.0 /bin/busybox sleep 10 >"$LOGDIR/ping-guest.log" 2>&1 &
	local vm=$!
	ping_until "$ns" 192.168.77.2 && ping_until "$ns" -6 fe80::5054:ff:fe77:2%tap0 || ok=1
	wait "$vm" || ok=1
	cat "$LOGDIR/ping-guest.log"
	return $ok
}

t_net_ping() {
	with_netns "alto-ping-$$" ping_guest "alto-ping-$$"
}
run_test net/icmp-echo t_net_ping
