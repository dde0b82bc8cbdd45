# The benchmark suite's program (bench/bench.c; `make bench` runs the suite
# itself, never the tests): it builds, runs natively with few iterations and
# prints every figure, and refuses a name it does not know.

BENCH_NAMES="getpid getppid clock_gettime write-devnull-1B open-close read-1MiB
mmap-touch-4KiB mmap-touch-1MiB thread-create-join futex-pingpong pipe-pingpong
context-switch fork-exit-wait vfork-exec-wait posix-spawn-wait pipe-pingpong-procs"

t_bench_program() {
	local dir out name
	make -s -f bench/rules.mk BUILD="$BUILD" bench-programs || return 1
	dir=$(mktemp -d "$BUILD/bench-test.XXXXXX")
	head -c 1048576 /dev/urandom >"$dir/data"
	out=$("$BUILD/bench/bench" -n 2000 -f "$dir/data" -x "$BUILD/bench/hello")
	local status=$?
	rm -rf "$dir"
	echo "$out"
	[ "$status" -eq 0 ] || { fail "bench exited with $status"; return 1; }
	for name in $BENCH_NAMES; do
		grep -qE "^$name +[0-9]+\.[0-9]$" <<<"$out" || { fail "no figure for $name"; return 1; }
	done
	tool_says 2 "no benchmark named 'frobnicate'" "$BUILD/bench/bench" frobnicate
}
run_test bench/program t_bench_program

# The size table (bench/kernel_size.py): its totals are the sections readelf
# reports, what it charges to no subsystem is alignment only (each function
# is 16-byte aligned in a section of its own: under 8 KiB and 4% a column), and the self tests show up in the self-test kernel alone.
t_bench_kernel_size() {
	need_file "$BUILD/alto.map" "$BUILD/alto-selftest.map" || return 1
	python3 - "$BUILD" <<'PY'
import re, subprocess, sys
sys.path.insert(0, "bench")
import kernel_size
build = sys.argv[1]
for name, tests in (("alto", False), ("alto-selftest", True)):
    rows, totals = kernel_size.per_subsystem(f"{build}/{name}.map")
    print("\n".join(kernel_size.table(f"{build}/{name}.map")))
    elf = subprocess.run(["readelf", "-SW", f"{build}/{name}.elf"], capture_output=True,
                         text=True, check=True).stdout
    want = dict.fromkeys(kernel_size.ORDER, 0)
    for sec, size in re.findall(r"\]\s+(\.\S+)\s+\S+\s+\S+\s+\S+\s+([0-9a-f]+)", elf):
        if sec in kernel_size.COLUMNS:
            want[kernel_size.COLUMNS[sec]] += int(size, 16)
    assert totals == want, f"{name}: map totals {totals} != readelf {want}"
    for col, n in rows["alignment"].items():
        assert 0 <= n < 8192 + totals[col] // 25, f"{name}: {n} bytes of {col} charged to no subsystem"
    assert ("self tests" in rows) == tests, f"{name}: self tests row {'missing' if tests else 'present'}"
    for sub in ("kernel", "fs", "mm", "lwIP", "symbol table"):
        assert sum(rows[sub].values()) > 0, f"{name}: nothing charged to {sub}"
print("ok")
PY
}
run_test bench/kernel-size t_bench_kernel_size

# The network bench's two ends (bench/netperf.c; bench/net.py runs the guest
# side in Alto and the Linux guest): natively over loopback, the stream
# arrives whole and ends when the drain closes, and each round trip mode
# prints its figure and ends (the UDP echo on the client's "stop").
t_bench_netperf() {
	local np="$BUILD/bench/netperf" port=$((20000 + RANDOM % 20000)) out pid
	make -s -f bench/rules.mk BUILD="$BUILD" bench-programs || return 1
	timeout 30 "$np" source "$port" 3000000 >/dev/null &
	pid=$!
	out=$(timeout 30 "$np" drain 127.0.0.1 "$port")
	wait "$pid" || { fail "source exited with $?"; return 1; }
	grep -qx "bytes 3000000" <<<"$out" || { fail "drain read: $out"; return 1; }
	grep -qE "^MB/s [0-9.]+$" <<<"$out" || { fail "no MB/s: $out"; return 1; }
	for mode in tcp udp; do
		port=$((port + 1))
		timeout 30 "$np" "$mode-echo" "$port" >/dev/null &
		pid=$!
		out=$(timeout 30 "$np" "$mode-rr" 127.0.0.1 "$port" 200)
		wait "$pid" || { fail "$mode-echo exited with $?"; return 1; }
		grep -qE "^us [0-9.]+$" <<<"$out" || { fail "$mode-rr: $out"; return 1; }
	done
}
run_test bench/netperf t_bench_netperf
