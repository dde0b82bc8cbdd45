# Thread tests that cannot be differential (programs.txt holds those): the
# CPU count the guest sees, which is -c N and not the host's; the
# scheduler's fairness and pinning, judged by bounds inside the program
# (tests/guest/fairness.c); futex_waitv, compared with a fixed text
# because the host kernel may predate it (Linux 5.16); and the console line
# for an unknown futex operation.

TG_DIR="$BUILD/tests/guest"

# guest_run CPUS PROGRAM ARGS...: alto run on CPUS processors, setting $OUT
# (without the kernel's lines, as in 30-static.sh) and $STATUS.
guest_run() {
	local cpus=$1 raw
	shift
	raw=$("$ALTO" run --timeout "$GUEST_TIMEOUT" -c "$cpus" "$@" 2>&1 </dev/null)
	STATUS=$?
	OUT=$(strip_kernel_lines <<<"$raw")
	echo "\$ alto run -c $cpus $*"
	echo "$OUT"
	echo "[exit status $STATUS]"
}

# The program checks itself against N (status 0 when every way of counting says N).
t_cpus_native() {
	build_guest_programs || return 1
	local n v
	n=$(nproc)
	if [ "$n" != "$(getconf _NPROCESSORS_ONLN)" ]; then
		skip "this process may use $n of $(getconf _NPROCESSORS_ONLN) CPUs: nothing to compare"
	fi
	for v in gcc musl; do
		"$TG_DIR/$v/cpus" "$n" || return 1
	done
}
run_test host/native/cpus t_cpus_native

t_cpus() {
	build_guest_programs && guest_run "$1" "$TG_DIR/$2/cpus" "$1" && expect_status 0
}
for n in 1 2 3 4 64; do
	for v in gcc musl; do
		eval "t_cpus_${n}_$v() { t_cpus $n $v; }"
		run_test "guest/threads/cpus-$n-$v" "t_cpus_${n}_$v"
	done
done

# Where the CPUs are described: the MADT on q35, the MP table on microvm
# without ACPI.
t_cpus_machine() {
	build_guest_programs && guest_run 3 --machine "$1" "$TG_DIR/gcc/cpus" 3 && expect_status 0
}
t_cpus_q35() { t_cpus_machine q35; }
t_cpus_mptable() { t_cpus_machine microvm,acpi=off; }
run_test guest/threads/cpus-3-q35 t_cpus_q35
run_test guest/threads/cpus-3-microvm-mptable t_cpus_mptable

# N busy threads on M CPUs for a second (as many threads as CPUs, more, and
# a number that does not divide evenly), and two pinned to each CPU.
t_fairness() {
	build_guest_programs && guest_run "$1" "$TG_DIR/gcc/fairness" "$2" 1000 && expect_status 0
}
t_pinning() {
	build_guest_programs && guest_run "$1" "$TG_DIR/gcc/fairness" pin 500 && expect_status 0
}
for mn in 1:3 2:2 2:5 4:4 4:6; do
	m=${mn%:*}
	n=${mn#*:}
	eval "t_fairness_${m}_$n() { t_fairness $m $n; }"
	run_test "guest/threads/fairness-$n-on-c$m" "t_fairness_${m}_$n"
done
for m in 1 2 4; do
	eval "t_pinning_$m() { t_pinning $m; }"
	run_test "guest/threads/pinning-c$m" "t_pinning_$m"
done

FUTEX_WAITV_EXPECTED='futex_waitv when the third word differs: -1 EAGAIN
futex_waitv of no words: -1 EINVAL
futex_waitv of 129 words: -1 EINVAL
futex_waitv with flags 1: -1 EINVAL
futex_waitv of a word without a size flag: -1 EINVAL
futex_waitv with the reserved field set: -1 EINVAL
futex_waitv with a timeout on CLOCK_BOOTTIME: -1 EINVAL
futex_waitv until CLOCK_MONOTONIC + 20 ms: -1 ETIMEDOUT
  not early: yes
futex_waitv until CLOCK_REALTIME + 20 ms: -1 ETIMEDOUT
  not early: yes
futex_waitv woken through the second word: returned 1, FUTEX_WAKE woke one waiter: yes'

# expect_text TEXT: $OUT is TEXT exactly.
expect_text() {
	[ "$OUT" = "$1" ] && return 0
	echo "expected (-) and got (+):"
	diff -u <(echo "$1") <(echo "$OUT") | tail -n +3
	return 1
}

t_futex_waitv_native() {
	build_guest_programs || return 1
	local v
	for v in gcc musl; do
		OUT=$("$TG_DIR/$v/futex" waitv 2>&1)
		STATUS=$?
		echo "$v: $OUT"
		if grep -q ENOSYS <<<"$OUT"; then
			skip "the host kernel has no futex_waitv: nothing to compare"
		fi
		expect_status 0 && expect_text "$FUTEX_WAITV_EXPECTED" || return 1
	done
}
run_test host/native/futex-waitv t_futex_waitv_native

t_futex_waitv() {
	build_guest_programs && guest_run "$1" "$TG_DIR/$2/futex" waitv &&
		expect_status 0 && expect_text "$FUTEX_WAITV_EXPECTED"
}
for n in 1 2; do
	for v in gcc musl; do
		suffix=$v
		[ "$n" = 1 ] || suffix=$v-c$n
		eval "t_futex_waitv_${n}_$v() { t_futex_waitv $n $v; }"
		run_test "guest/threads/futex-waitv-$suffix" "t_futex_waitv_${n}_$v"
	done
done

# An unknown futex operation: ENOSYS each time (as natively), and one console
# line naming it (which the differential futex tests drop).
t_futex_unknown() {
	build_guest_programs || return 1
	OUT=$("$ALTO" run --timeout "$GUEST_TIMEOUT" "$TG_DIR/gcc/futex" unknown 2>&1 </dev/null)
	STATUS=$?
	echo "$OUT"
	expect_status 0 && expect_out '^futex operation 99: -1 ENOSYS$' || return 1
	local lines
	lines=$(grep -c '^alto: unknown futex operation 99$' <<<"$OUT")
	[ "$lines" -eq 1 ] || { fail "expected the console line once, got $lines"; return 1; }
	[ "$(grep -c '^futex operation 99: -1 ENOSYS$' <<<"$OUT")" -eq 3 ]
}
run_test guest/threads/futex-unknown-op t_futex_unknown
