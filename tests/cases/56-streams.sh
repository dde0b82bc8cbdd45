# alto run as a Unix command: the program's stdout reaches alto's stdout and
# its stderr alto's stderr (virtio-serial ports 1 and 2,
# drivers/virtio/console.c), the kernel's lines (boot lines, "alto: ..."
# notes, fault reports) go to stderr and never into stdout; stdout carries
# binary data byte for byte, also into a pipe whose reader is slow; what is
# piped into alto run reaches the program byte for byte, then EOF. --log FILE
# takes the kernel's lines off stderr into FILE; --quiet leaves out the
# kernel's notes but never a fault report. When the reader of stdout or
# stderr (a pipe) goes, the program gets EPIPE and SIGPIPE as natively.
# With 2>&1 both streams share one port and keep the order they had.

ST_BIN="$BUILD/tests/guest/gcc/streams"
ST_TMP="$BUILD/tests/tmp"

st_scratch() {
	mkdir -p "$ST_TMP"
	mktemp -d "$(cd "$ST_TMP" && pwd)/XXXXXX"
}

# st_run DIR ARGS...: alto run ARGS with stdout and stderr in DIR/out and
# DIR/err, stdin /dev/null; sets STATUS.
st_run() {
	local dir=$1
	shift
	"$ALTO" run --timeout "$GUEST_TIMEOUT" "$@" </dev/null >"$dir/out" 2>"$dir/err"
	STATUS=$?
	echo "status $STATUS; stderr:"
	cat "$dir/err"
}

# st_separate [ALTO OPTIONS...]: tests/guest/streams.c's stdout is exactly the
# native one, its stderr lines and the kernel's note are on stderr, in order.
st_separate() {
	local dir
	build_guest_programs || return 1
	dir=$(st_scratch)
	"$ST_BIN" >"$dir/native" 2>/dev/null
	st_run "$dir" "$@" "$ST_BIN"
	expect_status 0 || return 1
	cmp "$dir/native" "$dir/out" || { fail "stdout differs from the native run's"; od -c "$dir/out" | head; return 1; }
	grep -q 'alto' "$dir/out" && { fail "a kernel line reached stdout"; return 1; }
	local note='alto: system call kexec_load (246) is not implemented'
	[ "$(grep -x -e 'stderr [12]' -e 'stdout.*' -e "$note" "$dir/err")" = "stderr 1
$note
stderr 2" ] || { fail "stderr lacks the program's two lines around the kernel's note"; return 1; }
	[ "${1:-}" != --verbose ] || grep -q '^Booted in ' "$dir/err" || { fail "no boot line on stderr"; return 1; }
	rm -rf "$dir"
}

t_separate() { st_separate; }
run_test streams/separate t_separate

t_separate_q35() { st_separate --machine q35; }
run_test streams/separate-q35 t_separate_q35

# Without --quiet (-v), the boot lines are on stderr too, stdout unchanged.
t_separate_verbose() { st_separate --verbose; }
run_test streams/separate-verbose t_separate_verbose

# A fault's report goes to stderr: stdout holds what the program wrote before.
t_fault_report() {
	local dir
	build_guest_programs || return 1
	dir=$(st_scratch)
	st_run "$dir" "$ST_BIN" fault
	expect_status 139 || return 1
	printf 'B\0\377\r\n\033E' >"$dir/tail"
	tail -c 7 "$dir/out" | cmp - "$dir/tail" ||
		{ fail "stdout does not end with the program's binary bytes"; od -c "$dir/out"; return 1; }
	grep -q 'Fatal\|alto' "$dir/out" && { fail "the fault report reached stdout"; return 1; }
	grep -q '^Fatal application fault: SIGSEGV' "$dir/err" || { fail "no fault report on stderr"; return 1; }
	rm -rf "$dir"
}
run_test streams/fault-report t_fault_report

ST_NOTE='alto: system call kexec_load (246) is not implemented'

# --log FILE: the note and the fault report in FILE, stderr the program's
# alone, stdout unchanged; a FILE that cannot be made is refused before QEMU.
t_log_file() {
	local dir
	build_guest_programs || return 1
	dir=$(st_scratch)
	echo stale >"$dir/log"
	st_run "$dir" --log "$dir/log" "$ST_BIN" fault
	echo "log:"
	cat "$dir/log"
	expect_status 139 || return 1
	[ "$(cat "$dir/err")" = "stderr 1
stderr 2" ] || { fail "stderr holds more than the program's two lines"; return 1; }
	grep -qx "$ST_NOTE" "$dir/log" && grep -q '^Fatal application fault: SIGSEGV' "$dir/log" ||
		{ fail "the log lacks the note or the fault report"; return 1; }
	grep -q stale "$dir/log" && { fail "the log was not emptied first"; return 1; }
	grep -q 'alto\|Fatal' "$dir/out" && { fail "a kernel line reached stdout"; return 1; }
	st_run "$dir" --log "$dir/none/log" "$ST_BIN"
	expect_status 2 && grep -qx "alto: --log $dir/none/log: No such file or directory" "$dir/err" ||
		{ fail "expected status 2 and one line for a log that cannot be made"; return 1; }
	[ ! -s "$dir/out" ] || { fail "the program ran"; return 1; }
	rm -rf "$dir"
}
run_test streams/log-file t_log_file

# --quiet: no note, the program's lines and the fault report still there.
t_quiet() {
	local dir
	build_guest_programs || return 1
	dir=$(st_scratch)
	st_run "$dir" --quiet "$ST_BIN" fault
	expect_status 139 || return 1
	grep -q 'kexec_load' "$dir/err" && { fail "--quiet left the note on stderr"; return 1; }
	grep -qx 'stderr 2' "$dir/err" && grep -q '^Fatal application fault: SIGSEGV' "$dir/err" &&
		grep -q 'terminated by SIGSEGV' "$dir/err" ||
		{ fail "--quiet lost the program's stderr or the fault report"; return 1; }
	grep -qx ENOSYS "$dir/out" || { fail "the call did not fail with ENOSYS"; return 1; }
	rm -rf "$dir"
}
run_test streams/quiet t_quiet

# 64 MiB of random bytes to stdout, into a file: the same checksum as the host's.
t_binary_64m() {
	local dir want got
	dir=$(st_scratch)
	head -c 64M /dev/urandom >"$dir/f"
	want=$(sha256sum <"$dir/f")
	st_run "$dir" --add "$dir/f:/f" /bin/busybox cat /f
	expect_status 0 || return 1
	got=$(sha256sum <"$dir/out")
	echo "host $want, alto run's stdout $got ($(stat -c %s "$dir/out") bytes)"
	[ "$got" = "$want" ] || { fail "the 64 MiB stream differs"; return 1; }
	rm -rf "$dir"
}
run_test streams/binary-64m t_binary_64m

# st_piped DIR DELAY ARGS...: alto run ARGS, DIR/in piped in, stderr DIR/err,
# stdout into a pipe whose reader starts after DELAY seconds; compares the
# checksum it reads with DIR/f's; sets STATUS.
st_piped() {
	local dir=$1 delay=$2 want got
	shift 2
	want=$(sha256sum <"$dir/f")
	got=$(
		{
			cat "$dir/in" | "$ALTO" run --timeout "$GUEST_TIMEOUT" "$@" 2>"$dir/err"
			echo $? >"$dir/status"
		} | {
			sleep "$delay"
			sha256sum
		}
	)
	STATUS=$(cat "$dir/status")
	echo "status $STATUS; host $want, through alto run $got"
	cat "$dir/err"
	expect_status 0 || return 1
	[ "$got" = "$want" ] || { fail "the stream differs"; return 1; }
	rm -rf "$dir"
}

# 16 MiB to stdout into a pipe whose reader starts late: QEMU finds the
# pipe full and must wait, not drop (as its virtconsole would).
t_slow_reader() {
	local dir
	dir=$(st_scratch)
	head -c 16M /dev/urandom >"$dir/f"
	: >"$dir/in"
	st_piped "$dir" 2 --add "$dir/f:/f" /bin/busybox cat /f
}
run_test streams/slow-reader t_slow_reader

# 64 KiB piped into the program (busybox cat, which ends only at EOF; the
# serial input is slow) and back out through a pipe: the same checksum.
t_stdin_pipe() {
	local dir
	dir=$(st_scratch)
	head -c 64K /dev/urandom >"$dir/f"
	cp "$dir/f" "$dir/in"
	st_piped "$dir" 0 /bin/busybox cat
}
run_test streams/stdin-pipe t_stdin_pipe

# st_epipe FD: tests/guest/streams.c writes to FD, a pipe whose reader (head
# -c 1) goes at once: EPIPE with SIGPIPE ignored, then death by SIGPIPE, as
# natively (the same lines on the other stream, status 141).
st_epipe() {
	local fd=$1 dir native alto
	build_guest_programs || return 1
	dir=$(st_scratch)
	if [ "$fd" = 1 ]; then
		"$ST_BIN" epipe 1 2>"$dir/native" | head -c 1 >/dev/null
		native=${PIPESTATUS[0]}
		"$ALTO" run --timeout "$GUEST_TIMEOUT" "$ST_BIN" epipe 1 </dev/null 2>"$dir/alto" |
			head -c 1 >/dev/null
		alto=${PIPESTATUS[0]}
	else
		"$ST_BIN" epipe 2 2>&1 >"$dir/native" | head -c 1 >/dev/null
		native=${PIPESTATUS[0]}
		"$ALTO" run --timeout "$GUEST_TIMEOUT" "$ST_BIN" epipe 2 </dev/null 2>&1 >"$dir/alto" |
			head -c 1 >/dev/null
		alto=${PIPESTATUS[0]}
	fi
	echo "native: status $native"
	cat "$dir/native"
	echo "alto run: status $alto"
	cat "$dir/alto"
	[ "$native" = 141 ] || { fail "the native run did not end by SIGPIPE"; return 1; }
	[ "$alto" = "$native" ] || { fail "expected status $native from alto run"; return 1; }
	cmp "$dir/native" "$dir/alto" || { fail "the other stream differs from the native run's"; return 1; }
	rm -rf "$dir"
}

t_epipe_stdout() { st_epipe 1; }
run_test streams/epipe-stdout t_epipe_stdout

t_epipe_stderr() { st_epipe 2; }
run_test streams/epipe-stderr t_epipe_stderr

# busybox yes | head -2: two lines, and alto run ends by SIGPIPE at once
# (the VM does not wait for a timeout or a signal), saying nothing.
t_yes_head() {
	local dir lines status
	dir=$(st_scratch)
	lines=$("$ALTO" run --timeout "$GUEST_TIMEOUT" /bin/busybox yes </dev/null 2>"$dir/err" | head -2)
	status=${PIPESTATUS[0]}
	echo "status $status; stdout: $lines; stderr:"
	cat "$dir/err"
	[ "$lines" = "y
y" ] && [ "$status" = 141 ] && [ ! -s "$dir/err" ] ||
		{ fail "expected y twice, status 141 and nothing on stderr"; return 1; }
	rm -rf "$dir"
}
run_test streams/yes-head t_yes_head

# 2>&1 into a pipe whose reader starts late (QEMU finds it full and waits):
# 20,000 lines to each stream, alternating, in the native run's order (two
# ports, one per stream, each waiting on its own, mixed them).
t_interleave_pipe() {
	local dir
	build_guest_programs || return 1
	dir=$(st_scratch)
	"$ST_BIN" interleave 20000 2>&1 | { sleep 1; cat; } >"$dir/native"
	"$ALTO" run --timeout "$GUEST_TIMEOUT" "$ST_BIN" interleave 20000 </dev/null 2>&1 |
		{ sleep 1; cat; } >"$dir/alto"
	wc -l "$dir/native" "$dir/alto"
	cmp "$dir/native" "$dir/alto" || { fail "the lines differ from the native run's order"; return 1; }
	"$ALTO" run --timeout "$GUEST_TIMEOUT" "$ST_BIN" interleave 20000 </dev/null >"$dir/file" 2>&1
	cmp "$dir/native" "$dir/file" || { fail "the file differs from the native run's order"; return 1; }
	rm -rf "$dir"
}
run_test streams/interleave-2-to-1 t_interleave_pipe
