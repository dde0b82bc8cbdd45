# TCP segmentation offload (net/lwip/tso.c, docs/network.md): over a tap,
# virtio-net offers HOST_TSO4/6 and the guest hands the host TCP frames of
# up to 64 KiB that the host cuts. Each test sends 100 MiB of random data
# from the guest (tests/servers/bulk_source.py) to a reader on the host
# (bulk_sink.py) and compares the two SHA-256 sums; tcpdump on the link
# counts the frames longer than Ethernet's 1,514 bytes: some with offload,
# none with --no-tso. Then the same with 1% of the TCP packets dropped each
# way in the namespace (nftables), so large segments are retransmitted; to
# a slow reader whose window closes, so the guest probes it;
# over IPv6; through a host that forwards to another namespace on a link
# without offload, where the host's kernel really cuts the frames (at the
# receiver's MSS, which it announces smaller than the link's); and over
# QEMU's user networking (no offload there) for the same sums. Nothing
# leaves the machine: taps and veths in namespaces the tests make, and
# user networking with restrict=on.

TSO_SIZE=$((100 << 20))

# tso_dump IFACE PCAP [NETNS]: tcpdump on IFACE into PCAP in the background
# (TSO_DUMP its pid), returning once it listens.
tso_dump() {
	local log=$2.log
	ip netns exec "${3:-$NS}" tcpdump -i "$1" -s 96 -U -w "$2" tcp >/dev/null 2>"$log" &
	TSO_DUMP=$!
	for _ in $(seq 100); do
		grep -q listening "$log" && return 0
		sleep 0.1
	done
	return 1
}

# tso_count PCAP FILTER: how many packets of PCAP match the tcpdump FILTER.
tso_count() {
	tcpdump -r "$1" -nn "$2" 2>/dev/null | wc -l
}

# tso_send ADDR NETNS KERNEL-OPTIONS...: the guest on tap0 (192.168.77.2,
# the host at .1 its gateway) sends TSO_SIZE bytes to a reader in NETNS
# that connects to ADDR (with TSO_SINK_ARGS, bulk_sink.py's slow-reader
# arguments); prints both sums, 0 when they agree.
tso_send() {
	local addr=$1 ns=${2:-$NS}
	shift 2
	tap_start "$(logged '^ready')" --add "$PY_LIB" --add "$SRV_SRC/bulk_source.py" \
		-e PYTHONDONTWRITEBYTECODE=1 -- --ip=eth0,192.168.77.2,255.255.255.0 \
		--defaultgw=192.168.77.1 "$@" /usr/bin/python3 "$SRV_SRC/bulk_source.py" 5001 \
		"$TSO_SIZE" || return 1
	# tap0 has a carrier, and so an IPv6 link-local address, once QEMU
	# opened it; a connection from it fails (EADDRNOTAVAIL) until the
	# host's duplicate address detection is done (about a second).
	case $addr in *:*)
		for _ in $(seq 100); do
			ip netns exec "$ns" ip -6 addr show dev tap0 scope link | grep -q inet6 &&
				! ip netns exec "$ns" ip -6 addr show dev tap0 tentative | grep -q inet6 &&
				break
			sleep 0.1
		done
		;;
	esac
	local got sent
	# shellcheck disable=SC2086 # the arguments, split
	got=$(ip netns exec "$ns" timeout 300 python3 "$SRV_SRC/bulk_sink.py" "$addr" 5001 \
		${TSO_SINK_ARGS:-} 2>&1)
	wait "$SRV_PID"
	local status=$?
	sent=$(grep '^sent ' "$SRV_LOG")
	echo "guest: $sent [exit status $status]"
	echo "host:  $got"
	[ "$status" -eq 0 ] && [ -n "$sent" ] && [ "${sent#sent }" = "${got#got }" ] && {
		rm -f "$SRV_LOG"
		return 0
	}
	echo "--- guest output:"
	cat "$SRV_LOG"
	rm -f "$SRV_LOG"
	return 1
}

# tso_send_dumped ARGS...: tso_send ARGS, then the capture of tso_dump
# stopped and its file complete; the status is tso_send's.
tso_send_dumped() {
	tso_send "$@"
	local ok=$?
	kill -INT "$TSO_DUMP"
	wait "$TSO_DUMP"
	return "$ok"
}

# tso_case ADDR WANT_LONG KERNEL-OPTIONS...: tso_send with tap0 captured;
# WANT_LONG "some" or "none" frames longer than 1,514 bytes.
tso_case() {
	local addr=$1 want=$2 pcap
	shift 2
	pcap=$(mktemp "$LOGDIR/tso-XXXXXX.pcap")
	tso_dump tap0 "$pcap" || return 1
	tso_send_dumped "$addr" "$NS" "$@"
	local ok=$?
	local long closed
	long=$(tso_count "$pcap" 'greater 1515')
	closed=$(tso_count "$pcap" 'src 192.168.77.1 and tcp[14:2] = 0 and tcp[tcpflags] & tcp-rst = 0')
	echo "frames longer than 1514 bytes on tap0: $long (want $want)"
	echo "the host's segments with a zero window: $closed"
	rm -f "$pcap" "$pcap.log"
	[ "$ok" -eq 0 ] || return 1
	[ -z "${TSO_WANT_CLOSED:-}" ] || [ "$closed" -gt 0 ] || return 1
	if [ "$want" = some ]; then [ "$long" -gt 0 ]; else [ "$long" -eq 0 ]; fi
}

tso_on_off() {
	tso_case 192.168.77.2 some && tso_case 192.168.77.2 none --no-tso
}
t_tso_tap() {
	with_netns "alto-tso-$$" tso_on_off
}
run_test net/tso-tap t_tso_tap

tso_v6() {
	tso_case fe80::5054:ff:fe12:3456%tap0 some
}
t_tso_tap_ipv6() {
	with_netns "alto-tso6-$$" tso_v6
}
run_test net/tso-tap-ipv6 t_tso_tap_ipv6

# 1% of the TCP packets dropped each way at random: the guest's large
# segments (a lost one is a whole 64 KiB frame) and the host's ACKs.
tso_lossy() {
	in_ns nft -f - <<'EOF' || return 1
table inet alto_loss {
	counter dropped { }
	chain in {
		type filter hook input priority 0;
		meta l4proto tcp numgen random mod 100 < 1 counter name "dropped" drop
	}
	chain out {
		type filter hook output priority 0;
		meta l4proto tcp numgen random mod 100 < 1 counter name "dropped" drop
	}
}
EOF
	tso_case 192.168.77.2 some
	local ok=$?
	local dropped
	dropped=$(in_ns nft list counter inet alto_loss dropped | grep -o 'packets [0-9]*')
	echo "dropped: $dropped"
	[ "$ok" -eq 0 ] && [ "${dropped#packets }" -gt 0 ]
}
t_tso_tap_loss() {
	with_netns "alto-tsol-$$" tso_lossy
}
run_test net/tso-tap-loss t_tso_tap_loss

# A slow reader: a 64 KiB receive buffer left unread for 3 s at the start
# and after each of the first 3 MiB, so the window closes under large
# segments and the guest must probe it (and split a segment to fit).
tso_slow() {
	TSO_SINK_ARGS="65536 3" TSO_WANT_CLOSED=1 tso_case 192.168.77.2 some
}
t_tso_tap_slow_reader() {
	with_netns "alto-tsos-$$" tso_slow
}
run_test net/tso-tap-slow-reader t_tso_tap_slow_reader

# The host forwards the guest's frames to a second namespace over a veth
# with every offload off, so its kernel cuts each large frame itself and
# sums each piece from the guest's partial sum (the receiver's own
# checksum check is on); the receiver announces an MSS of 1,000 bytes, so
# the pieces must be 1,000 bytes long, not the 1,460 the link would take.
tso_forward() {
	local peer="$NS-b" pcap
	pcap=$(mktemp "$LOGDIR/tso-fwd-XXXXXX.pcap")
	ip netns add "$peer" || return 1
	{
		ip link add vfa netns "$NS" type veth peer name vfb netns "$peer" &&
			in_ns ip addr add 192.168.78.1/24 dev vfa &&
			in_ns ip link set vfa up &&
			in_ns sysctl -qw net.ipv4.ip_forward=1 &&
			in_ns ethtool -K vfa tso off gso off tx off >/dev/null &&
			ip netns exec "$peer" ip link set lo up &&
			ip netns exec "$peer" ip addr add 192.168.78.2/24 dev vfb &&
			ip netns exec "$peer" ip link set vfb up &&
			ip netns exec "$peer" ethtool -K vfb rx off >/dev/null &&
			ip netns exec "$peer" ip route add 192.168.77.0/24 via 192.168.78.1 advmss 1000 &&
			tso_dump vfb "$pcap" "$peer"
	} || {
		ip netns del "$peer"
		return 1
	}
	tso_send_dumped 192.168.77.2 "$peer"
	local ok=$?
	local longer exact
	longer=$(tso_count "$pcap" 'src 192.168.77.2 and greater 1055')
	exact=$(tso_count "$pcap" 'src 192.168.77.2 and greater 1054 and less 1054')
	echo "frames from the guest on the far link: $exact of 1,000 bytes of data, $longer longer"
	rm -f "$pcap" "$pcap.log"
	ip netns del "$peer"
	[ "$ok" -eq 0 ] && [ "$longer" -eq 0 ] && [ "$exact" -gt 50000 ]
}
t_tso_forwarded() {
	with_netns "alto-tsof-$$" tso_forward
}
run_test net/tso-forwarded t_tso_forwarded

# QEMU's user networking offers no offload: the same transfer and sums.
tso_user() {
	local port
	port=$(free_port)
	srv_start "$(logged '^ready')" -p "$port:5001" --add "$PY_LIB" --add "$SRV_SRC/bulk_source.py" \
		-e PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 "$SRV_SRC/bulk_source.py" 5001 \
		"$TSO_SIZE" || return 1
	local got sent
	got=$(timeout 300 python3 "$SRV_SRC/bulk_sink.py" 127.0.0.1 "$port" 2>&1)
	wait "$SRV_PID"
	local status=$?
	sent=$(grep '^sent ' "$SRV_LOG")
	echo "guest: $sent [exit status $status]"
	echo "host:  $got"
	cat "$SRV_LOG"
	rm -f "$SRV_LOG"
	[ "$status" -eq 0 ] && [ -n "$sent" ] && [ "${sent#sent }" = "${got#got }" ]
}
run_test net/tso-user-net tso_user
