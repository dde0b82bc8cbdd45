# Whole language runtimes that stand on epoll, eventfd and AF_UNIX sockets,
# each running a program of tests/runtimes/ on the host and under `alto run`
# on 2 CPUs: node (timers, Promises, fs, crypto, a worker thread, a net
# server and client on a UNIX socket path), Go built here with Debian's
# golang-go and CGO_ENABLED=0 (goroutines, sleeps, a ticker, select,
# signal.Notify, GC, a UNIX socket server and client), Python's asyncio
# (tasks, sleeps, streams over a socket pair and a UNIX server), Java
# (java.nio.file and a NIO Selector on a Pipe) and Ruby (threads, whose
# timer thread wakes through an eventfd, IO.select, UNIX sockets). Output
# and status must match the host's, and the kernel must not name a system
# call it lacks. Uses dyn_compare from 60-dynamic.sh.

RT_SRC=$(realpath tests/runtimes)
RT_DIR=$(realpath -m "$BUILD/tests/runtimes")
RT_JAVA=$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent/bin/java)")")")

# rt_compare ADDS... -- PROGRAM ARGS: as dyn_compare, on 2 CPUs, with no
# "system call ... is not implemented" line from the kernel.
rt_compare() {
	dyn_compare -c 2 "$@" || return 1
	if grep -q 'is not implemented' <<<"$RAW"; then
		echo "the kernel lacks a system call the runtime used:"
		grep 'is not implemented' <<<"$RAW"
		return 1
	fi
}

t_rt_node() {
	rt_compare -m 1G --add "$RT_SRC/node.js" -- /usr/bin/node "$RT_SRC/node.js"
}

# The Go program is built here, into build/, with the module cache there too.
t_rt_go() {
	mkdir -p "$RT_DIR/go"
	if [ ! -x "$RT_DIR/go/alto-go" ] || [ "$RT_SRC/go/main.go" -nt "$RT_DIR/go/alto-go" ]; then
		(cd "$RT_SRC/go" && CGO_ENABLED=0 GOCACHE="$RT_DIR/go/cache" GOPATH="$RT_DIR/go/path" \
			go build -o "$RT_DIR/go/alto-go" main.go) || return 1
	fi
	rt_compare -- "$RT_DIR/go/alto-go"
}

t_rt_python_asyncio() {
	rt_compare --add "$PY_LIB" --add "$RT_SRC/asyncio.py" -- /usr/bin/python3 "$RT_SRC/asyncio.py"
}

# Java: the class is compiled here; the image holds the JVM's lib/ and conf/.
t_rt_java() {
	mkdir -p "$RT_DIR/java"
	if [ ! -f "$RT_DIR/java/AltoNio.class" ] || [ "$RT_SRC/AltoNio.java" -nt "$RT_DIR/java/AltoNio.class" ]; then
		javac -d "$RT_DIR/java" "$RT_SRC/AltoNio.java" || return 1
	fi
	local conf
	conf=$(readlink -f "$RT_JAVA/lib/jvm.cfg")
	rt_compare -m 1G --add "$RT_JAVA/lib" --add "$RT_JAVA/conf" --add "$(dirname "$conf")" \
		--add "$RT_DIR/java/AltoNio.class" -- "$RT_JAVA/bin/java" -cp "$RT_DIR/java" AltoNio
}

t_rt_ruby() {
	local lib
	lib=$(ruby -e 'print RbConfig::CONFIG["rubylibprefix"]') || return 1
	rt_compare --add "$lib" --add "$(ruby -e 'print RbConfig::CONFIG["archlibdir"]')/ruby" \
		--add "$RT_SRC/ruby.rb" -- /usr/bin/ruby "$RT_SRC/ruby.rb"
}

# glibc's NSS asks nscd first, through an AF_UNIX socket whose connect fails
# (ENOENT): the lookup must work, quietly, with the socket really tried.
t_rt_nss_quiet() {
	local script='import pwd, grp; print(pwd.getpwnam("root").pw_uid, pwd.getpwuid(0).pw_name, grp.getgrgid(0).gr_name)'
	rt_compare --add "$PY_LIB" -- /usr/bin/python3 -c "$script" || return 1
	dyn_alto --strace --add "$PY_LIB" -- /usr/bin/python3 -c "$script"
	grep -q '^socket(1, ' <<<"$RAW" || { echo "NSS made no AF_UNIX socket"; return 1; }
}

# Families Alto lacks are EAFNOSUPPORT, without a console line: programs probe them.
t_rt_unknown_family() {
	dyn_alto --add "$PY_LIB" -- /usr/bin/python3 -c '
import errno, socket
for family in (16, 17, 40):
    try:
        socket.socket(family, socket.SOCK_DGRAM)
        print(family, "created")
    except OSError as e:
        print(family, errno.errorcode[e.errno])'
	echo "$RAW"
	[ "$STATUS" -eq 0 ] && [ "$OUT" = $'16 EAFNOSUPPORT\n17 EAFNOSUPPORT\n40 EAFNOSUPPORT' ] ||
		{ echo "expected EAFNOSUPPORT for AF_NETLINK, AF_PACKET and AF_VSOCK"; return 1; }
	! grep -q '^alto: ' <<<"$RAW" || { echo "the kernel printed a line"; return 1; }
}

run_test runtimes/nss-quiet t_rt_nss_quiet
run_test runtimes/unknown-family-quiet t_rt_unknown_family
run_test runtimes/node t_rt_node
run_test runtimes/go t_rt_go
run_test runtimes/python3-asyncio t_rt_python_asyncio
run_test runtimes/java t_rt_java
run_test runtimes/ruby t_rt_ruby
