# Real servers from Debian, unmodified, answering real clients on the host:
# python3's http.server (curl, and a urllib client POSTing to a small
# handler), redis-server (redis-cli, then redis-benchmark), nginx (curl with
# a checksum, wrk, 1,000 connections at once), a Go net/http server built
# here with CGO_ENABLED=0 (with a graceful shutdown on Ctrl-C), a node HTTP
# server, a UDP echo server; DNS lookups and getaddrinfo("localhost"); and a
# server killed in the middle of a transfer, whose client must see a reset.
#
# Clients reach the guest through `-p` (QEMU's user networking, restrict=on,
# forwards from 127.0.0.1 on a free port) or, where QEMU's user networking
# is itself the limit, through a tap device in a network namespace the test
# makes: it listens with a backlog of 1, so a burst of new connections (the
# 1,000, redis-benchmark's 50 new clients per test) has its SYNs dropped and
# retried by the host's TCP after 1, 3, 7... seconds; and a guest's reset
# reaches the host client as a plain end of stream. Nothing leaves the
# machine. The programs are in tests/servers/.

SRV_SRC=$(realpath tests/servers)
SRV_DIR=$(realpath -m "$BUILD/tests/servers")

# free_port: a TCP (and UDP) port nothing on this host listens on now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# srv_files: the static tree (index.html, a 1 KiB page, a 10 MB file), made once.
srv_files() {
	[ -f "$SRV_DIR/www/big.bin" ] && return 0
	mkdir -p "$SRV_DIR/www"
	echo '<h1>served by alto</h1>' >"$SRV_DIR/www/index.html"
	head -c 768 /dev/urandom | base64 -w0 >"$SRV_DIR/www/1k.html"
	head -c 10000000 /dev/urandom >"$SRV_DIR/www/big.bin"
}

# srv_start READY ALTO_RUN_ARGS...: start a VM in the background and wait
# (at most 120 s) until the shell condition READY holds (it may look at
# $SRV_LOG, the VM's output), or the VM ends. Sets SRV_PID and SRV_LOG. The
# VM's stdin is $SRV_STDIN (default /dev/null); it runs under $SRV_PREFIX.
srv_start() {
	local ready=$1
	shift
	SRV_LOG=$(mktemp "$LOGDIR/server-XXXXXX")
	${SRV_PREFIX:-} "$ALTO" run --timeout "$GUEST_TIMEOUT" "$@" <"${SRV_STDIN:-/dev/null}" \
		>"$SRV_LOG" 2>&1 &
	SRV_PID=$!
	for _ in $(seq 240); do
		eval "$ready" >/dev/null 2>&1 && return 0
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.5
	done
	echo "the server did not become ready:"
	cat "$SRV_LOG"
	return 1
}

# srv_stop: stop the VM (alto passes SIGTERM to QEMU) and show its output.
srv_stop() {
	kill "$SRV_PID" 2>/dev/null
	wait "$SRV_PID"
	echo "--- server output:"
	cat "$SRV_LOG"
	rm -f "$SRV_LOG"
}

# logged REGEX: the condition for srv_start that the VM printed a line matching REGEX.
logged() {
	echo "grep -Eq -- '$1' \"\$SRV_LOG\""
}

sha() {
	sha256sum | cut -d' ' -f1
}

t_srv_python_http() {
	srv_files
	local port
	port=$(free_port)
	srv_start "$(logged 'Serving HTTP')" -p "$port:8000" --add "$PY_LIB" --add "$SRV_DIR/www" \
		-e PYTHONUNBUFFERED=1 -e PYTHONDONTWRITEBYTECODE=1 \
		/usr/bin/python3 -m http.server -d "$SRV_DIR/www" 8000 || return 1
	local index big
	index=$(curl -sf "http://127.0.0.1:$port/index.html")
	big=$(curl -sf "http://127.0.0.1:$port/big.bin" | sha)
	srv_stop
	echo "index: $index"
	echo "10 MB file: $big"
	[ "$index" = '<h1>served by alto</h1>' ] && [ "$big" = "$(sha <"$SRV_DIR/www/big.bin")" ]
}
run_test servers/python-http t_srv_python_http

# A urllib client on the host POSTs 1 MiB to a small handler, which answers
# with the SHA-256 of what it read.
t_srv_python_post() {
	srv_files
	local port body
	port=$(free_port)
	srv_start "$(logged '^ready')" -p "$port:8000" --add "$PY_LIB" --add "$SRV_SRC/http_post.py" \
		--add "$SRV_DIR/www" -e PYTHONDONTWRITEBYTECODE=1 \
		/usr/bin/python3 "$SRV_SRC/http_post.py" 8000 "$SRV_DIR/www" || return 1
	local out
	out=$(python3 - "$port" <<'EOF'
import hashlib, os, sys, urllib.request
body = os.urandom(1 << 20)
reply = urllib.request.urlopen("http://127.0.0.1:%s/" % sys.argv[1], data=body).read().decode()
print("sums agree" if reply == hashlib.sha256(body).hexdigest() else "sums differ: " + reply)
print(urllib.request.urlopen("http://127.0.0.1:%s/index.html" % sys.argv[1]).read().decode(), end="")
EOF
	)
	srv_stop
	echo "$out"
	[ "$out" = $'sums agree\n<h1>served by alto</h1>' ]
}
run_test servers/python-post t_srv_python_post

t_srv_redis() {
	local port
	port=$(free_port)
	srv_start "$(logged 'Ready to accept')" -p "$port:6379" /usr/bin/redis-server --port 6379 \
		--save '' --appendonly no --protected-mode no || return 1
	local r="redis-cli -p $port"
	local out
	out=$({
		$r SET greeting hello
		$r GET greeting
		$r INCR counter
		$r INCR counter
		$r LPUSH list a b c
		$r LRANGE list 0 -1
		$r DBSIZE
	} 2>&1)
	srv_stop
	echo "$out"
	[ "$out" = $'OK\nhello\n1\n2\n3\nc\nb\na\n3' ]
}
run_test servers/redis t_srv_redis

# tap_start READY ARGS...: srv_start inside $NS (with_netns, 80-net.sh) on
# tap0 (ARGS: alto's options, then -- and --ip=eth0,192.168.77.2,... and the
# program).
tap_start() {
	local ready=$1
	shift
	SRV_PREFIX="ip netns exec $NS" srv_start "$ready" --net tap:tap0 "$@"
}

# in_ns CMD...: CMD on the host side of the namespace.
in_ns() {
	ip netns exec "$NS" "$@"
}

redis_benchmark() {
	tap_start "$(logged 'Ready to accept')" -- --ip=eth0,192.168.77.2,255.255.255.0 \
		/usr/bin/redis-server --port 6379 --save '' --appendonly no --protected-mode no ||
		return 1
	local out
	out=$(in_ns redis-benchmark -h 192.168.77.2 -p 6379 -t get,set -n 100000 \
		-c 50 -q 2>&1 | tr '\r' '\n' | grep -E 'requests per second|rror')
	srv_stop
	echo "$out"
	grep -Eq '^SET: [0-9.]+ requests per second' <<<"$out" &&
		grep -Eq '^GET: [0-9.]+ requests per second' <<<"$out" && ! grep -q rror <<<"$out"
}
t_srv_redis_benchmark() {
	with_netns "alto-rb-$$" redis_benchmark
}
run_test servers/redis-benchmark t_srv_redis_benchmark

nginx_conf() {
	mkdir -p "$SRV_DIR"
	sed "s|ROOT|$SRV_DIR/www|" "$SRV_SRC/nginx.conf" >"$SRV_DIR/nginx.conf"
}

t_srv_nginx() {
	srv_files
	nginx_conf
	local port
	port=$(free_port)
	srv_start "curl -sf http://127.0.0.1:$port/" -m 512M -p "$port:8080" --add "$SRV_DIR/www" \
		--add "$SRV_DIR/nginx.conf" /usr/sbin/nginx -c "$SRV_DIR/nginx.conf" || return 1
	local index big bench
	index=$(curl -sf "http://127.0.0.1:$port/")
	big=$(curl -sf "http://127.0.0.1:$port/big.bin" | sha)
	bench=$(wrk -t2 -c50 -d10s "http://127.0.0.1:$port/1k.html" 2>&1)
	srv_stop
	echo "index: $index"
	echo "10 MB file: $big"
	echo "$bench"
	[ "$index" = '<h1>served by alto</h1>' ] && [ "$big" = "$(sha <"$SRV_DIR/www/big.bin")" ] &&
		grep -Eq '^Requests/sec: +[0-9.]+' <<<"$bench" && ! grep -q 'Non-2xx' <<<"$bench"
}
run_test servers/nginx t_srv_nginx

# 1,000 connections open at once, each answered.
nginx_many() {
	tap_start "in_ns curl -sf http://192.168.77.2:8080/" -m 512M --add "$SRV_DIR/www" \
		--add "$SRV_DIR/nginx.conf" -- --ip=eth0,192.168.77.2,255.255.255.0 \
		/usr/sbin/nginx -c "$SRV_DIR/nginx.conf" || return 1
	local out
	out=$(ulimit -n 4096 && in_ns python3 "$SRV_SRC/many.py" 192.168.77.2 8080 1000 \
		'served by alto' 2>&1)
	srv_stop
	echo "$out"
	[ "$out" = 'connections 1000, errors 0, answered 200: 1000' ]
}
t_srv_nginx_many() {
	srv_files
	nginx_conf
	with_netns "alto-ng-$$" nginx_many
}
run_test servers/nginx-1000-connections t_srv_nginx_many

# Go's net/http, built here (module cache in build/): net.Interfaces through
# netlink, GET and POST, then Ctrl-C on the console (the kernel's --tty line
# discipline makes it SIGINT) and a graceful shutdown with status 0.
t_srv_go() {
	local bin="$SRV_DIR/go/alto-http"
	mkdir -p "$SRV_DIR/go"
	if [ ! -x "$bin" ] || [ "$SRV_SRC/go/main.go" -nt "$bin" ]; then
		(cd "$SRV_SRC/go" && CGO_ENABLED=0 GOCACHE="$SRV_DIR/go/cache" \
			GOPATH="$SRV_DIR/go/path" go build -o "$bin" main.go) || return 1
	fi
	local port dir
	port=$(free_port)
	dir=$(mktemp -d "$LOGDIR/go-XXXXXX")
	mkfifo "$dir/in"
	exec 3<>"$dir/in"
	SRV_STDIN="$dir/in" srv_start "$(logged '^ready')" -c 2 -p "$port:8080" -- --tty=80x24 \
		"$bin" 8080 || { exec 3>&-; return 1; }
	local get sum
	get=$(curl -sf "http://127.0.0.1:$port/")
	sum=$(head -c 100000 /dev/zero | curl -sf --data-binary @- "http://127.0.0.1:$port/sum")
	printf '\003' >&3
	wait "$SRV_PID"
	local status=$?
	exec 3>&-
	local out
	out=$(tr -d '\r' <"$SRV_LOG")
	rm -rf "$dir" "$SRV_LOG"
	echo "$out"
	echo "GET: $get"
	echo "POST: $sum"
	echo "[exit status $status]"
	[ "$status" -eq 0 ] && [ "$get" = 'hello from go' ] &&
		[ "$sum" = "$(head -c 100000 /dev/zero | sha)" ] &&
		grep -q '^interface lo true \[127.0.0.1/8 ::1/128\]$' <<<"$out" &&
		grep -Eq '^interface eth0 true \[10\.0\.2\.15/24 fe80::5054:ff:fe12:3456/64\]$' <<<"$out" &&
		grep -q 'interrupted: shutting down$' <<<"$out" && grep -q '^shut down cleanly$' <<<"$out"
}
run_test servers/go-http t_srv_go

t_srv_node() {
	local port
	port=$(free_port)
	srv_start "$(logged '^ready')" -m 1G -p "$port:3000" --add "$SRV_SRC/node_server.js" \
		/usr/bin/node "$SRV_SRC/node_server.js" 3000 || return 1
	local get sum
	get=$(curl -sf "http://127.0.0.1:$port/")
	sum=$(head -c 200000 /dev/zero | curl -sf --data-binary @- "http://127.0.0.1:$port/")
	srv_stop
	echo "GET: $get"
	echo "POST: $sum"
	[ "$get" = 'hello from node' ] && [ "$sum" = "$(head -c 200000 /dev/zero | sha)" ]
}
run_test servers/node-http t_srv_node

# UDP: an echo server, with socat and python as clients, through a tap
# device (a published UDP port lifts QEMU's restriction on user networking,
# and this suite reaches nothing outside the machine).
udp_echo() {
	tap_start "$(logged '^ready')" --add "$PY_LIB" --add "$SRV_SRC/udp_echo.py" \
		-e PYTHONDONTWRITEBYTECODE=1 -- --ip=eth0,192.168.77.2,255.255.255.0 \
		/usr/bin/python3 "$SRV_SRC/udp_echo.py" 5353 || return 1
	local a b
	a=$(echo hello | in_ns socat -t 5 - UDP:192.168.77.2:5353)
	b=$(in_ns python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(b"datagram", ("192.168.77.2", 5353))
print(s.recvfrom(100)[0].decode())')
	srv_stop
	echo "socat: $a"
	echo "python: $b"
	[ "$a" = HELLO ] && [ "$b" = DATAGRAM ]
}
t_srv_udp() {
	with_netns "alto-udp-$$" udp_echo
}
run_test servers/udp-echo t_srv_udp

# A server that dies by SIGKILL halfway through a stream: the kernel resets
# its connections before the VM goes, so the client sees a reset at once
# (through a tap device: QEMU's user networking would turn it into an end of
# stream).
killed_server() {
	tap_start "$(logged '^ready')" --add "$PY_LIB" --add "$SRV_SRC/killer.py" \
		-e PYTHONDONTWRITEBYTECODE=1 -- --ip=eth0,192.168.77.2,255.255.255.0 \
		/usr/bin/python3 "$SRV_SRC/killer.py" 7000 || return 1
	local out
	out=$(in_ns python3 "$SRV_SRC/stream_client.py" 192.168.77.2 7000 2>&1)
	wait "$SRV_PID"
	local status=$?
	echo "client: $out"
	echo "--- server output:"
	cat "$SRV_LOG"
	rm -f "$SRV_LOG"
	echo "[server exit status $status]"
	[ "$status" -eq 137 ] && grep -Eq '^reset [0-9]+$' <<<"$out"
}
t_srv_killed() {
	with_netns "alto-kill-$$" killed_server
}
run_test servers/killed-mid-transfer t_srv_killed

# Names: getaddrinfo("localhost") from /etc/hosts, and a name the test's
# own DNS server (in the namespace, on the tap's host side) answers, found
# through --nameserver and /etc/resolv.conf.
dns_lookup() {
	in_ns python3 "$SRV_SRC/dns_server.py" 192.168.77.1 alto-test.internal 192.168.77.99 \
		>"$LOGDIR/dns-server.log" 2>&1 &
	local dns=$!
	local out
	out=$(ip netns exec "$NS" "$ALTO" run --timeout "$GUEST_TIMEOUT" --net tap:tap0 --add "$PY_LIB" \
		-e PYTHONDONTWRITEBYTECODE=1 -- --ip=eth0,192.168.77.2,255.255.255.0 \
		--nameserver=192.168.77.1 /usr/bin/python3 -c '
import socket
print(sorted({a[4][0] for a in socket.getaddrinfo("localhost", 80, type=socket.SOCK_STREAM)}))
print(socket.gethostbyname("alto-test.internal"))
try:
    socket.gethostbyname("nowhere.internal")
except socket.gaierror as e:
    print("nowhere.internal:", e.errno == socket.EAI_NONAME)' 2>&1)
	local status=$?
	kill "$dns"
	wait "$dns"
	echo "$out"
	[ "$status" -eq 0 ] && [ "$out" = $'[\'127.0.0.1\', \'::1\']\n192.168.77.99\nnowhere.internal: True' ]
}
t_srv_dns() {
	with_netns "alto-dns-$$" dns_lookup
}
run_test servers/dns t_srv_dns
