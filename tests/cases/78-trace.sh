# Tracing, the profiler, the bootchart and gdb (docs/tracing.md). A known
# program (tests/trace/workload.c: a page fault, a pipe, a thread that
# sleeps then writes while the main thread blocks reading) is traced once;
# `alto trace` must show its events in causal order in list, count and time
# them in summary and syscalls, account for both threads in sched, and give
# Perfetto JSON that tests/tools/check_trace_json.py finds valid. pcap output
# goes through tcpdump; the profiler must rank the hot function of
# tests/trace/hot.c first (go tool pprof -top); gdb drives a stopped VM.

TT="$BUILD/tests/trace"
TRACE_CHECKER=tests/tools/check_trace_json.py

build_trace_programs() {
	make -s BUILD="$BUILD" trace-tests-build
}

# expect_in_order FILE REGEX...: the regexes match lines of FILE in this order.
expect_in_order() {
	local file=$1 line=0 re n
	shift
	for re in "$@"; do
		n=$(tail -n +$((line + 1)) "$file" | grep -nE -m1 -- "$re" | cut -d: -f1)
		if [ -z "$n" ]; then
			echo "expected, after line $line of $file, a line matching: $re"
			return 1
		fi
		line=$((line + n))
	done
}

# The workload traced once per run of the tests: $WL_DIR holds trace.bin,
# out (the program's output) and the outputs of alto trace.
WL_DIR=
traced_workload() {
	[ -n "$WL_DIR" ] && [ -s "$WL_DIR/trace.bin" ] && return 0
	build_trace_programs || return 1
	WL_DIR=$(scratch)
	"$ALTO" run --timeout "$GUEST_TIMEOUT" --trace-file "$WL_DIR/trace.bin" \
		--trace='sched_*,sys_*,page_fault_*,pipe_*' "$TT/workload" \
		>"$WL_DIR/out" 2>"$WL_DIR/err" </dev/null
	local status=$?
	cat "$WL_DIR/out" "$WL_DIR/err"
	[ "$status" -eq 0 ] || { echo "the workload ended with $status"; return 1; }
	grep -q "^alto: trace: $WL_DIR/trace.bin" "$WL_DIR/err" || { echo "no trace announced"; return 1; }
	for cmd in list summary syscalls sched points; do
		"$ALTO" trace "$WL_DIR/trace.bin" $cmd >"$WL_DIR/$cmd" || return 1
	done
}

t_trace_list() {
	traced_workload || return 1
	local page fault
	page=$(sed -n 's/^page 0x//p' "$WL_DIR/out")
	fault=$(printf '%x' $((0x$page + 100)))
	head -5 "$WL_DIR/list"
	# The fault, then the pipe; the reader blocks, the writer sleeps, wakes,
	# writes and wakes the reader, whose read then returns the 4 bytes.
	expect_in_order "$WL_DIR/list" \
		" 2 workload +page_fault_enter +addr=0x$fault " \
		" 2 workload +page_fault_exit +addr=0x$fault result=0" \
		" 2 workload +sys_enter_pipe2 " " 2 workload +sys_exit_pipe2 += 0" \
		" 2 workload +sys_enter_clone3 " "thread_create +tid=3 pid=2 name=workload" \
		" 2 workload +sys_exit_clone3 += 3" \
		" 2 workload +sys_enter_read +read\(3, 0x[0-9a-f]+, 4\)" \
		"sched_switch +prev=2 state=2 " \
		" 3 workload +sched_switch +prev=-?[0-9]+ state=[0-9] next=3" \
		" 3 workload +sys_enter_write +write\(4, 0x[0-9a-f]+, 4\)" \
		" 3 workload +pipe_move +file=0x[0-9a-f]+ write=1 bytes=4" \
		" 3 workload +sched_wake +tid=2 cpu=0" " 3 workload +sys_exit_write += 4" \
		" 2 workload +sys_exit_read += 4" &&
		expect_in_order "$WL_DIR/list" " 3 workload +sys_enter_clock_nanosleep " \
			"sched_switch +prev=3 state=2 " "sched_wake +tid=3 " \
			" 3 workload +sys_exit_clock_nanosleep += 0"
}
run_test trace/list t_trace_list

t_trace_summary() {
	traced_workload || return 1
	cat "$WL_DIR/summary"
	OUT=$(cat "$WL_DIR/summary")
	# Exactly one read and one nanosleep of at least the 20 ms asked for.
	expect_out '^[0-9]+ events over [0-9.]+ s on 1 CPU, 1 dump, 0 lost$' \
		'^ +1  sys_enter_read$' '^ +1  sys_enter_pipe2$' '^ +[1-9][0-9]*  page_fault_enter$' \
		'^sys_enter_read -> sys_exit_read: 1, ' \
		'^sys_enter_clock_nanosleep -> sys_exit_clock_nanosleep: 1, min ([2-9][0-9]|[1-9][0-9]{2,})[0-9]{3}\.[0-9]{3} us' \
		'^page_fault_enter -> page_fault_exit: [1-9][0-9]*, ' '^ +[0-9.]+ \.\. [0-9.]+ +us +[1-9][0-9]* \|@+ *\|$' ||
		return 1
	# The read's latency is the time between its two events in the list.
	local listed summed
	listed=$(awk '$3 == 2 && $5 == "sys_enter_read" { s = $1 } $3 == 2 && $5 == "sys_exit_read" {
		printf "%.3f", ($1 - s) * 1e6 }' "$WL_DIR/list")
	summed=$(sed -n 's/^sys_enter_read -> sys_exit_read: 1, min \([0-9.]*\) us.*/\1/p' "$WL_DIR/summary")
	echo "read: $listed us in the list, $summed us in the summary"
	awk -v a="$listed" -v b="$summed" 'BEGIN { d = a - b; exit !(a > 0 && d < 0.01 && d > -0.01) }'
}
run_test trace/summary t_trace_summary

t_trace_syscalls() {
	traced_workload || return 1
	cat "$WL_DIR/syscalls"
	OUT=$(cat "$WL_DIR/syscalls")
	expect_out '^% time +seconds +usecs/call +calls +errors syscall$' \
		'^ *[0-9.]+ +(0\.0[2-9]|0\.[1-9][0-9]|[1-9][0-9]*\.[0-9]{2})[0-9]{4} +[0-9]+ +1 +clock_nanosleep$' \
		'^ *[0-9.]+ +[0-9.]+ +[0-9]+ +1 +read$' '^ *[0-9.]+ +[0-9.]+ +[0-9]+ +1 +1 rseq$' \
		'^100\.00 +[0-9.]+ +[0-9]+ +[0-9]+ total$' || return 1
	# Sorted by time: the blocking read comes before every call that never waits.
	awk '$NF == "read" { r = NR } $NF == "getrandom" { g = NR } END { exit !(r && g && r < g) }' \
		"$WL_DIR/syscalls" || { echo "read does not come before getrandom"; return 1; }
}
run_test trace/syscalls t_trace_syscalls

t_trace_sched() {
	traced_workload || return 1
	cat "$WL_DIR/sched"
	OUT=$(cat "$WL_DIR/sched")
	local sleep3
	sleep3=$(awk '$1 == 3 { print $5 }' "$WL_DIR/sched")
	expect_out '^ +TID THREAD +RUN ms +WAIT ms +SLEEP ms +SWITCHES +WAKEUPS +MIGRATIONS CPUS$' \
		'^ +2 workload +[0-9.]+ +[0-9.]+ +[0-9.]+ +[1-9][0-9]* +[1-9][0-9]* +0 0$' \
		'^ +3 workload +[0-9.]+ +[0-9.]+ +[0-9.]+ +[1-9][0-9]* +[1-9][0-9]* +0 0$' \
		'^ +-[0-9]+ idle ' &&
		# the writer slept its 20 ms
		awk -v s="$sleep3" 'BEGIN { exit !(s >= 19) }' || { echo "thread 3 slept $sleep3 ms"; return 1; }
}
run_test trace/sched t_trace_sched

t_trace_perfetto() {
	traced_workload || return 1
	"$ALTO" trace "$WL_DIR/trace.bin" perfetto >"$WL_DIR/trace.json" || return 1
	OUT=$(python3 "$TRACE_CHECKER" --stats "$WL_DIR/trace.json")
	local status=$?
	echo "$OUT"
	[ "$status" -eq 0 ] || return 1
	expect_out '^M=[0-9]+ X=[1-9][0-9]* f=[1-9][0-9]* i=[1-9][0-9]* s=[1-9][0-9]* ' &&
		grep -q '"pid":2,"tid":3,"ts":[0-9.]*,"dur":[0-9.]*,"cat":"syscall","name":"clock_nanosleep"' \
			"$WL_DIR/trace.json" &&
		grep -q '"pid":2,"tid":2,"ts":[0-9.]*,"dur":[0-9.]*,"cat":"kernel","name":"page_fault"' \
			"$WL_DIR/trace.json" &&
		grep -q '"cat":"boot","name":"vfs_init"' "$WL_DIR/trace.json" &&
		grep -q '"name":"thread_name","args":{"name":"workload 3"}' "$WL_DIR/trace.json" ||
		{ echo "a slice or track is missing from the JSON"; return 1; }
	# The checker itself catches what breaks the format.
	sed 's/"dur":\([0-9.]*\)/"dur":-\1/' "$WL_DIR/trace.json" >"$WL_DIR/bad.json"
	python3 "$TRACE_CHECKER" "$WL_DIR/bad.json" >/dev/null && { echo "the checker took negative durations"; return 1; }
	return 0
}
run_test trace/perfetto t_trace_perfetto

# Over 150 tracepoints, in every subsystem the issue names.
t_trace_points() {
	traced_workload || return 1
	local n
	n=$(wc -l <"$WL_DIR/points")
	echo "$n tracepoints"
	OUT=$(cat "$WL_DIR/points")
	[ "$n" -ge 150 ] || { echo "fewer than 150"; return 1; }
	expect_out '^sched_switch ' '^sched_wake ' '^sched_migrate ' '^sched_sleep ' \
		'^sys_enter_read +dpu$' '^sys_exit_read ' '^sys_enter_io_uring_setup ' \
		'^page_fault_enter ' '^page_alloc ' '^kmalloc ' '^kfree ' '^vfs_open ' \
		'^futex_wait_enter ' '^signal_send ' '^timer_fire ' '^irq_enter ' '^ipi_send ' \
		'^thread_create ' '^mm_map_file ' '^virtq_add ' '^virtq_kick ' '^virtq_used ' \
		'^virtq_interrupt ' '^net_packet_in ' '^net_packet_out ' '^tcp_state ' \
		'^block_bio_queue ' '^block_rq_issue ' '^block_rq_complete ' '^fuse_request_enter ' \
		'^pcache_read_enter ' '^ext2_block_alloc '
}
run_test trace/points t_trace_points

# A busybox shell running SCRIPT (which ends with `echo done`) with the
# tracepoints GLOBS on, traced into $dir/t.bin (dir: the caller's scratch
# directory): it must say done and exit 0; its trace listed in $dir/list.
traced_shell() {
	OUT=$("$ALTO" run --timeout "$GUEST_TIMEOUT" --trace="$1" --trace-file "$dir/t.bin" \
		"$BB" sh -c "$2" 2>&1 </dev/null)
	STATUS=$?
	echo "$OUT"
	expect_status 0 && expect_out '^done$' || return 1
	"$ALTO" trace "$dir/t.bin" list >"$dir/list"
}

# A device with a direct read/write entry (/dev/null: write(2) calls its
# op from the handler) still passes the I/O tracepoints once they are on:
# the shell's write of "hello\n" to the /dev/null it opened, and the result.
t_trace_direct_io() {
	local dir f
	dir=$(scratch)
	traced_shell 'vfs_io_*,vfs_open' 'echo hello >/dev/null; echo done' || return 1
	grep -A2 ' vfs_open .*path=/dev/null$' "$dir/list"
	f=$(sed -n 's/.* vfs_open .*file=\(0x[0-9a-f]*\) .*path=\/dev\/null$/\1/p' "$dir/list" | tail -1)
	[ -n "$f" ] || { echo "no open of /dev/null traced"; return 1; }
	expect_in_order "$dir/list" " vfs_open +file=$f .*path=/dev/null$" \
		" vfs_io_enter +file=$f write=1 len=6 off=-1$" " vfs_io_exit +file=$f result=6$"
}
run_test trace/direct-io t_trace_direct_io

# Processes: a shell forks a child that execs a program; the child exits and
# the shell reaps it, then the shell exits and the kernel reaps it.
t_trace_processes() {
	local dir
	dir=$(scratch)
	traced_shell 'proc_*,mm_fork' '/bin/busybox true; echo done' || return 1
	cat "$dir/list"
	expect_in_order "$dir/list" ' proc_start +pid=2 path=/bin/busybox$' ' 2 busybox +proc_enter +pid=2 ' \
		' 2 busybox +mm_fork ' ' 2 busybox +proc_fork +pid=2 child=3 ' \
		' 3 busybox +proc_exec +pid=3 path=/bin/busybox$' ' 3 busybox +proc_exit +pid=3 status=0$' \
		' 2 busybox +proc_reap +parent=2 pid=3 status=0$' ' 2 busybox +proc_exit +pid=2 status=0$' \
		' proc_reap +parent=1 pid=2 status=0$'
}
run_test trace/processes t_trace_processes

# --trace-backtrace: events carry their stacks, symbolized from the kernel
# and the program.
t_trace_backtrace() {
	build_trace_programs || return 1
	local dir
	dir=$(scratch)
	"$ALTO" run --timeout "$GUEST_TIMEOUT" --trace-file "$dir/t.bin" --trace=sys_enter_read \
		--trace-backtrace "$TT/workload" </dev/null || return 1
	"$ALTO" trace "$dir/t.bin" list >"$dir/list" || return 1
	cat "$dir/list"
	# glibc keeps no frame pointers: its read is followed by its caller's
	# caller (main is skipped), which still names a function of the program.
	expect_in_order "$dir/list" ' 2 workload +sys_enter_read +read\(3, ' \
		'^ +0xffffffff[0-9a-f]+ syscall_slow\+0x' '^ +0xffffffff[0-9a-f]+ syscall_entry\+0x' \
		'^ +0x0000000000[0-9a-f]+ (__)?(libc_)?read\+0x' '^ +0x0000000000[0-9a-f]+ [a-z_]+\+0x'
}
run_test trace/backtrace t_trace_backtrace

# A DHCP discover given to a packet tracepoint in two pieces (tests/kernel/
# test_trace.c), read back by tcpdump from the pcap output: the format and
# the gathering of a payload, whatever the network stack does.
t_trace_pcap() {
	local dir
	dir=$(scratch)
	boot --trace-file "$dir/t.bin" --trace=selftest_packet --kernel "$SELFTEST_KERNEL" -- --selftest=trace_packet
	expect_status 0 || return 1
	"$ALTO" trace "$dir/t.bin" pcap >"$dir/p.pcap" || return 1
	OUT=$(tcpdump -nn -v -r "$dir/p.pcap" 2>&1)
	echo "$OUT"
	expect_out 'IP \(tos 0x0, ttl 64, id 0, offset 0, flags \[none\], proto UDP \(17\), length 328\)' \
		'0\.0\.0\.0\.68 > 255\.255\.255\.255\.67: BOOTP/DHCP, Request from 52:54:00:12:34:56, length 300' \
		'DHCP-Message \(53\), length 1: Discover' && expect_no_out 'bad cksum'
}
run_test trace/pcap t_trace_pcap

# The packets of a real run (OSv's tracing smoke test, and more): a guest
# on QEMU's user network (restrict=on, the port forwarded from 127.0.0.1)
# takes its address by DHCP at boot, then busybox nc accepts one TCP
# connection from the host, reads what the host sends and answers with its
# own input. The pcap of net_packet_in/out must hold the DHCP request and
# the server's reply, the handshake and both payloads; the list the TCP
# states of the connection in order (nc exits once it has read the host's
# FIN, and closes: the host's last ACK may come after the power-off).
t_trace_pcap_boot() {
	local dir port vm got
	dir=$(scratch)
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	echo from-guest | "$ALTO" run --timeout "$GUEST_TIMEOUT" --trace-file "$dir/t.bin" \
		--trace='net_*,tcp_*' --net user -p "$port:8080" /bin/busybox nc -l -p 8080 \
		>"$dir/out" 2>&1 &
	vm=$!
	# Until the guest listens, QEMU accepts and at once closes the connection.
	for _ in $(seq 200); do
		got=$(python3 - "$port" <<'PY'
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
    s.sendall(b"from-host\n")
    s.shutdown(socket.SHUT_WR)
    data = b""
    while True:
        d = s.recv(100)
        if not d:
            break
        data += d
    print(data.decode().strip())
except OSError:
    pass
PY
)
		[ -n "$got" ] && break
		kill -0 "$vm" 2>/dev/null || break
		sleep 0.3
	done
	wait "$vm"
	local status=$?
	cat "$dir/out"
	echo "host read: $got"
	[ "$status" -eq 0 ] && [ "$got" = from-guest ] || { echo "the exchange failed ($status)"; return 1; }
	grep -q '^from-host$' "$dir/out" || { echo "the guest did not print what it got"; return 1; }
	"$ALTO" trace "$dir/t.bin" pcap >"$dir/p.pcap" || return 1
	OUT=$(tcpdump -nn -r "$dir/p.pcap" 2>&1)
	echo "$OUT"
	expect_out '0\.0\.0\.0\.68 > 255\.255\.255\.255\.67: BOOTP/DHCP, Request from 52:54:00:12:34:56' \
		'10\.0\.2\.2\.67 > 255\.255\.255\.255\.68: BOOTP/DHCP, Reply' \
		'10\.0\.2\.2\.[0-9]+ > 10\.0\.2\.15\.8080: Flags \[S\]' \
		'10\.0\.2\.15\.8080 > 10\.0\.2\.2\.[0-9]+: Flags \[S\.\]' \
		'10\.0\.2\.2\.[0-9]+ > 10\.0\.2\.15\.8080: Flags \[P\.\].* length 10' \
		'10\.0\.2\.15\.8080 > 10\.0\.2\.2\.[0-9]+: Flags \[P\.\].* length 11' || return 1
	# The bytes themselves, both ways.
	OUT=$(tcpdump -nn -A -r "$dir/p.pcap" 2>&1)
	expect_out 'from-host' 'from-guest' || return 1
	"$ALTO" trace "$dir/t.bin" list >"$dir/list" || return 1
	grep -E 'tcp_|net_drop' "$dir/list"
	expect_in_order "$dir/list" 'tcp_listen +sock=0x[0-9a-f]+ port=8080 .*result=0' \
		'tcp_state +pcb=0x[0-9a-f]+ local=8080 remote=0 CLOSED -> LISTEN' \
		'tcp_state +pcb=0x[0-9a-f]+ local=8080 remote=[1-9][0-9]* CLOSED -> SYN_RCVD' \
		'tcp_state +pcb=0x[0-9a-f]+ local=8080 remote=[1-9][0-9]* SYN_RCVD -> ESTABLISHED' \
		'tcp_recv +pcb=0x[0-9a-f]+ bytes=10' \
		'tcp_state +pcb=0x[0-9a-f]+ local=8080 remote=[1-9][0-9]* ESTABLISHED -> CLOSE_WAIT' \
		'tcp_state +pcb=0x[0-9a-f]+ local=8080 remote=[1-9][0-9]* CLOSE_WAIT -> LAST_ACK'
}
run_test trace/pcap-boot t_trace_pcap_boot

# Storage: a directory listed and a file written on an ext2 disk
# (virtio-blk), a file read from a host directory (virtio-fs). The block
# requests are issued and completed with their sectors, through the
# virtqueues' adds, kicks, interrupts and used buffers; ext2 takes an inode
# and a block for the new file, the page cache writes it back; the summary
# times FUSE requests and page-cache reads as pairs.
t_trace_storage() {
	local dir
	dir=$(scratch)
	truncate -s 8M "$dir/d.img" && mke2fs -q -F -t ext2 "$dir/d.img" || return 1
	mkdir -p "$dir/vol" && echo from-the-volume >"$dir/vol/note"
	"$ALTO" run --timeout "$GUEST_TIMEOUT" --trace-file "$dir/t.bin" \
		--trace='block_*,virtq_*,virtio_*,fuse_*,pcache_*,ext2_*' --disk "$dir/d.img:/mnt" \
		-v "$dir/vol:/vol" /bin/busybox sh -c 'ls /mnt && cat /vol/note && echo new >/mnt/new && sync' \
		</dev/null >"$dir/out" 2>&1
	local status=$?
	cat "$dir/out"
	[ "$status" -eq 0 ] && grep -q '^lost+found$' "$dir/out" && grep -q '^from-the-volume$' "$dir/out" ||
		{ echo "the program failed ($status)"; return 1; }
	"$ALTO" trace "$dir/t.bin" list >"$dir/list" || return 1
	"$ALTO" trace "$dir/t.bin" summary >"$dir/summary" || return 1
	grep -E 'block_|virtio_negotiate|ext2_|pcache_write' "$dir/list" | sed -n 1,40p
	cat "$dir/summary"
	expect_in_order "$dir/list" 'virtio_negotiate +dev=[0-9]+ type=2 .*result=0' \
		'virtq_setup +dev=[0-9]+ q=0 size=[1-9]' 'virtio_ready +dev=[0-9]+ queues=[1-9]' \
		'block_bio_queue +dev=[0-9]+:[0-9]+ op=0 sector=[0-9]+ bytes=[1-9]' \
		'block_rq_issue +dev=[0-9]+:[0-9]+ op=0 sector=[0-9]+ bytes=[1-9][0-9]* segs=[1-9]' \
		'virtq_add +dev=[0-9]+ q=0 token=0x[0-9a-f]+ out=1 in=2 result=0' \
		'virtq_kick +dev=[0-9]+ q=0 notified=1' 'virtq_interrupt +dev=[0-9]+ q=0' \
		'virtq_used +dev=[0-9]+ q=0 token=0x[0-9a-f]+ len=[1-9]' \
		'block_rq_complete +dev=[0-9]+:[0-9]+ op=0 sector=[0-9]+ bytes=[1-9][0-9]* status=0' || return 1
	expect_in_order "$dir/list" ' busybox +ext2_inode_alloc +dir=2 ino=1[2-9] is_dir=0' \
		' busybox +ext2_block_alloc +goal=[0-9]+ block=[1-9][0-9]*' \
		'pcache_write_enter +ino=1[2-9] index=0 pages=1' 'pcache_write_exit +ino=1[2-9] index=0 result=0' \
		'block_rq_complete +dev=[0-9]+:[0-9]+ op=1 sector=[0-9]+ bytes=[1-9][0-9]* status=0' || return 1
	# Every request issued was completed, at the sector it was issued at.
	awk '$5 == "block_rq_issue" { i[$8]++ } $5 == "block_rq_complete" { c[$8]++ }
		END { for (s in i) if (i[s] != c[s]) { print "issued at " s ", not completed"; exit 1 }
		      for (s in c) if (i[s] != c[s]) { print "completed at " s ", not issued"; exit 1 } }' \
		"$dir/list" || return 1
	OUT=$(cat "$dir/summary")
	expect_out '^fuse_request_enter -> fuse_request_exit: [1-9][0-9]*, ' \
		'^pcache_read_enter -> pcache_read_exit: [1-9][0-9]*, ' '^ +[1-9][0-9]*  block_rq_issue$'
}
run_test trace/storage t_trace_storage

# Until the trace file FILE holds one whole dump (at most 120 s): whatever
# the load, the program is let go only after the dump asked for is out.
wait_first_dump() {
	local i out
	for ((i = 0; i < 1200; i++)); do
		out=$("$ALTO" trace "$1" summary 2>&1)
		grep -q ' 1 dump, [0-9]* lost$' <<<"$out" && ! grep -q 'cut short' <<<"$out" && return 0
		sleep 0.1
	done
	echo "no whole dump in $1 after 120 s"
	return 1
}

# The workload in its wait mode under alto run traced into DIR/t.bin, its
# input on fd 3 (a FIFO), its output in DIR/out; once it said "ready" (at
# most 60 s). Sets pid.
start_waiting_workload() {
	local i
	mkfifo "$1/in"
	exec 3<>"$1/in"
	"$ALTO" run --timeout "$GUEST_TIMEOUT" --trace-file "$1/t.bin" --trace='sys_*' \
		"$TT/workload" wait <&3 >"$1/out" 2>&1 &
	pid=$!
	for ((i = 0; i < 600; i++)); do
		grep -q '^ready' "$1/out" 2>/dev/null && break
		sleep 0.1
	done
}

# Dumps on request while the program runs: SIGUSR1 to alto (the escaped
# console input carries it), then the final dump; each event in one of them.
# The workload waits for a line on its input, sent once the first dump is in.
t_trace_sigusr1() {
	build_trace_programs || return 1
	local dir pid
	dir=$(scratch)
	start_waiting_workload "$dir"
	kill -USR1 "$pid"
	wait_first_dump "$dir/t.bin"
	echo >&3
	wait "$pid"
	STATUS=$?
	exec 3>&-
	cat "$dir/out"
	expect_status 0 || return 1
	"$ALTO" trace "$dir/t.bin" summary >"$dir/summary" && "$ALTO" trace "$dir/t.bin" list >"$dir/list" || return 1
	OUT=$(cat "$dir/summary")
	expect_out ' on 1 CPU, 2 dumps, 0 lost$' || return 1
	OUT=$(cat "$dir/list")
	expect_out 'sys_exit_read += 1' &&
		[ "$(grep -cE 'sys_enter_write +write\(1, 0x[0-9a-f]+, 6\)' "$dir/list")" -eq 1 ] ||
		{ echo "the write of 'ready' is not there exactly once"; return 1; }
}
run_test trace/sigusr1 t_trace_sigusr1

# A dump asked for just before the program goes on: what it does while the
# dump pauses recording is not in the trace, and then the summary counts it
# lost (here the read's end, the "woke" write, exit_group: 4 when it all
# falls in the pause), never "0 lost" with records missing.
t_trace_dump_pause() {
	build_trace_programs || return 1
	local dir pid lost
	dir=$(scratch)
	start_waiting_workload "$dir"
	kill -USR1 "$pid"
	sleep 0.03 # the dump (about 50 KiB at 450-780 KiB/s) is under way
	echo >&3
	wait "$pid"
	STATUS=$?
	exec 3>&-
	expect_status 0 || return 1
	"$ALTO" trace "$dir/t.bin" summary >"$dir/summary" && "$ALTO" trace "$dir/t.bin" list >"$dir/list" || return 1
	head -1 "$dir/summary"
	lost=$(sed -n '1s/.* \([0-9]*\) lost$/\1/p' "$dir/summary")
	grep -q 'sys_exit_read  *= 1' "$dir/list" && echo "the read's end is in the trace" && return 0
	[ "${lost:-0}" -gt 0 ] || { echo "the read's end is missing, and the summary says 0 lost"; return 1; }
}
run_test trace/dump-pause t_trace_dump_pause

# On a terminal, QEMU's Ctrl-A b sends a break, which asks for a dump too;
# a newline lets the workload go once that dump is in the file.
t_trace_break() {
	build_trace_programs || return 1
	local dir
	dir=$(scratch)
	python3 - "$ALTO" "$dir/t.bin" "$TT/workload" <<'EOF'
import os, pty, subprocess, sys, time
alto, trace, prog = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.execv(alto, [alto, "run", "--timeout", "120", "--trace-file", trace, "--trace=sys_*",
                    prog, "wait"])
out = b""
deadline = time.time() + 120
while b"ready" not in out and time.time() < deadline:
    out += os.read(fd, 4096)
os.write(fd, b"\x01b")
deadline = time.time() + 60
while time.time() < deadline:
    s = subprocess.run([alto, "trace", trace, "summary"], capture_output=True, text=True)
    if " 1 dump, " in s.stdout and "cut short" not in s.stderr:
        break
    time.sleep(0.1)
os.write(fd, b"\n")
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
EOF
	[ $? -eq 0 ] || return 1
	OUT=$("$ALTO" trace "$dir/t.bin" summary)
	echo "$OUT"
	# The break comes while the workload writes: what it does during the dump is lost, and said so.
	expect_out ' on 1 CPU, 2 dumps, [0-9]+ lost$'
}
run_test trace/break t_trace_break

# Bad options are refused with a line, by the tool or by the kernel; a file
# that is no trace, or a trace cut short, is said to be so.
t_trace_refusals() {
	build_trace_programs || return 1
	local dir
	dir=$(scratch)
	tool_says 2 "bad --trace-buffer '1K' (a size from 16K to 256M)" "$ALTO" run --trace='*' \
		--trace-buffer 1K "$TT/workload" &&
		tool_says 2 "--trace-backtrace goes with --trace" "$ALTO" run --trace-backtrace "$TT/workload" &&
		tool_says 2 "bad --profile rate 'fast'" "$ALTO" run --profile=fast "$TT/workload" &&
		tool_says 2 "alto: bad --trace-buffer=lots (a size from 16K to 256M per CPU)" \
			"$ALTO" boot --timeout "$GUEST_TIMEOUT" -- --trace=x --trace-buffer=lots &&
		tool_says 2 "alto: bad --profile=0 (a rate from 1 to 10000 samples a second)" \
			"$ALTO" boot --timeout "$GUEST_TIMEOUT" -- --profile=0 &&
		tool_says 0 "alto: --trace=frobnicate matches no tracepoint" \
			"$ALTO" run --trace-file "$dir/t.bin" --trace=frobnicate "$TT/workload" &&
		tool_says 2 "/etc/passwd: not a valid trace file" "$ALTO" trace /etc/passwd list &&
		tool_says 2 "unknown trace command 'frobnicate'" "$ALTO" trace /etc/passwd frobnicate || return 1
	traced_workload || return 1
	head -c $(($(stat -c %s "$WL_DIR/trace.bin") * 2 / 3)) "$WL_DIR/trace.bin" >"$dir/cut.bin"
	tool_says 0 "the last dump was cut short" "$ALTO" trace "$dir/cut.bin" summary
}
run_test trace/refusals t_trace_refusals

# --bootchart: each step of kernel_main, the program's loading and its first
# system call, in order.
t_trace_bootchart() {
	build_trace_programs || return 1
	OUT=$("$ALTO" run --timeout "$GUEST_TIMEOUT" --bootchart "$TT/workload" 2>&1 </dev/null)
	STATUS=$?
	echo "$OUT"
	local f
	f=$(scratch)/out
	echo "$OUT" >"$f"
	expect_status 0 && expect_in_order "$f" '^Bootchart \(ms from the kernel' \
		'^ +[0-9]+\.[0-9]{3} +[0-9]+\.[0-9]{3}  memory_init$' \
		'^ +[0-9]+\.[0-9]{3} +[0-9]+\.[0-9]{3}  acpi_init$' \
		'^ +[0-9]+\.[0-9]{3} +[0-9]+\.[0-9]{3}  vfs_init$' \
		'^ +[0-9]+\.[0-9]{3} +[0-9]+\.[0-9]{3}  exec_load$' \
		'^ +[0-9]+\.[0-9]{3} +[0-9]+\.[0-9]{3}  program entry$' \
		'^ +[0-9]+\.[0-9]{3} +[0-9]+\.[0-9]{3}  first system call \([a-z_0-9]+\)$' '^page 0x'
}
run_test trace/bootchart t_trace_bootchart

# The profiler: tests/trace/hot.c spends nine tenths of its time in
# hot_function, which must rank first in pprof's own reading and head the
# folded stacks, called from main.
t_trace_profile() {
	build_trace_programs || return 1
	local dir
	dir=$(scratch)
	OUT=$("$ALTO" run --timeout "$GUEST_TIMEOUT" --trace-file "$dir/t.bin" --profile=1000 \
		--profile-out "$dir/p" "$TT/hot-dynamic" 2>&1 </dev/null)
	STATUS=$?
	echo "$OUT"
	expect_status 0 && expect_out '^done ' '^alto: [1-9][0-9]* samples, ' || return 1
	# sed reads to the end: with head, sort could die of SIGPIPE (pipefail) on a long profile.
	sort -t' ' -k2 -n -r "$dir/p.folded" | sed -n 1,5p
	sort -t' ' -k2 -n -r "$dir/p.folded" | sed -n 1p | grep -qE ';main;hot_function [0-9]+$' ||
		{ echo "the most frequent stack is not main;hot_function"; return 1; }
	OUT=$(go tool pprof -top "$dir/p.pb.gz" 2>&1)
	echo "$OUT"
	local first
	first=$(awk '/flat%/ { getline; print $NF; exit }' <<<"$OUT")
	[ "$first" = hot_function ] || { echo "pprof ranks $first first"; return 1; }
}
run_test trace/profile t_trace_profile

# gdb in batch mode against a VM stopped at a breakpoint in the program
# (the writer thread of tests/trace/workload.c): Alto's helpers show the
# threads with their states and stacks, the address space, the heap, and
# write the trace rings as a trace file `alto trace` reads.
t_trace_gdb() {
	build_trace_programs || return 1
	local dir port pid
	dir=$(scratch)
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	"$ALTO" run --timeout "$GUEST_TIMEOUT" --gdb="$port" --trace='sched_*,sys_*' \
		--trace-file "$dir/t.bin" "$TT/workload" </dev/null >"$dir/alto.out" 2>&1 &
	pid=$!
	OUT=$(timeout "$GUEST_TIMEOUT" gdb -batch -nx -x tools/gdb/alto.py "$BUILD/alto.elf" \
		-ex "add-symbol-file $TT/workload" -ex "target remote 127.0.0.1:$port" \
		-ex 'break writer' -ex continue -ex 'alto threads' -ex 'alto mmap' -ex 'alto heap' \
		-ex "alto trace $dir/gdb.bin" -ex kill 2>&1)
	wait "$pid"
	cat "$dir/alto.out"
	echo "$OUT"
	grep -q "gdb -x .*tools/gdb/alto.py -ex 'add-symbol-file .*workload' -ex 'target remote 127.0.0.1:$port'" \
		"$dir/alto.out" || { echo "no attach command printed"; return 1; }
	echo "$OUT" >"$dir/gdb.out"
	# The main thread was switched out in the kernel around its clone3 (in
	# the call, or preempted anywhere in glibc's thread creation after it:
	# __clone_internal, create_thread, pthread_create): its stack has the
	# kernel's part and the application's, read through its own page
	# tables and named from the program's symbols.
	expect_in_order "$dir/gdb.out" '^ +2 (blocked|runnable) +last cpu 0 +workload \(pid 2\)$' \
		'^ +k#0 +0xffffffff[0-9a-f]+ schedule\+[0-9]+$' \
		'^ +a#0 +0x0+4[0-9a-f]+ [A-Za-z_][A-Za-z0-9_]*\+[0-9]+$' ||
		return 1
	expect_out '^Breakpoint 1, writer ' \
		'^ +-1 blocked +last cpu 0 +main$' '^ +k#[0-9]+ +0xffffffff[0-9a-f]+ process_wait_exit\+[0-9]+$' \
		'^ +k#[0-9]+ +0xffffffff[0-9a-f]+ launch_commands\+[0-9]+$' \
		'^ +3 running +cpu 0 +workload \(pid 2\)$' '^ +a#0 +0x0+4[0-9a-f]+ writer$' \
		'^process 2 \(workload\)$' '^0x0+401000 0x0+[0-9a-f]+ \[r-xp\] 0x00001000 .*/tests/trace/workload$' \
		' \[rw-p\] 0x00000000 \[heap\]$' ' \[rw-p\] 0x00000000 \[stack\]$' ' \[r-xp\] 0x00000000 \[vdso\]$' \
		'^pages: [0-9]+ of [0-9]+ free' '^heap: [1-9][0-9]* bytes in use' '^ +0 +16 +[0-9]+ +[0-9]+ +[0-9]+$' \
		"^trace of 1 CPU\(s\) written to $dir/gdb.bin" || return 1
	OUT=$("$ALTO" trace "$dir/gdb.bin" list)
	echo "$OUT" | tail -5
	expect_out ' 3 workload +sys_enter_set_robust_list ' ' 2 workload +sys_enter_clone3 '
}
run_test trace/gdb t_trace_gdb

# A kernel panic writes the rings as they are: what led to it.
t_trace_panic() {
	local dir
	dir=$(scratch)
	boot --trace-file "$dir/t.bin" --trace='sched_*,timer_*' --kernel "$SELFTEST_KERNEL" -- --selftest=panic
	expect_status 126 && expect_out '^Kernel panic: ' '^alto: writing the trace rings after the panic$' ||
		return 1
	OUT=$("$ALTO" trace "$dir/t.bin" summary)
	echo "$OUT"
	expect_out '^the last dump was written after a kernel panic or fatal fault$' ' sched_switch$'
}
run_test trace/panic t_trace_panic

# Many CPUs in little memory: the rings shrink to an eighth of memory, said
# on the console, and the program runs and is traced on every CPU.
t_trace_small_memory() {
	build_trace_programs || return 1
	local dir
	dir=$(scratch)
	OUT=$("$ALTO" run --timeout "$GUEST_TIMEOUT" -c 8 -m 32M --trace='*' --trace-file "$dir/t.bin" \
		"$TT/workload" 2>&1 </dev/null)
	STATUS=$?
	echo "$OUT"
	expect_status 0 && expect_out '^alto: trace rings of [0-9]+ KiB per CPU \(an eighth of memory for 8 CPUs\)$' \
		'^read ping$' || return 1
	OUT=$("$ALTO" trace "$dir/t.bin" summary)
	echo "$OUT" | head -3
	expect_out ' on 8 CPUs, 1 dump, '
}
run_test trace/small-memory t_trace_small_memory
