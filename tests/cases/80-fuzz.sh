# The fuzzers, a short fixed set (the long runs are make fuzz and make
# fuzz-host, docs/fuzzing.md): each libFuzzer target for a few seconds on the
# tree's corpus and the build's seeds, and the system-call fuzzer in Alto for
# fixed seeds on one and two CPUs. A finding fails the test, with what the
# fuzzer said; tests/fuzz/fuzz.py minimise turns a guest finding into the
# few calls that show it.

FUZZ_HOST_SECONDS=${FUZZ_HOST_SECONDS:-3}

t_fuzz_host() {
	local t=$1 dir
	need_file "$BUILD/fuzz/host/fuzz_$t" || return 1
	dir=$(mktemp -d "$BUILD/fuzz-corpus.XXXXXX") || return 1
	# The tree's corpus and the build's seeds, where the target has them (a
	# directory libFuzzer is given must exist; git keeps no empty one).
	local inputs=() d
	for d in "tests/fuzz/corpus/$t" "$BUILD/fuzz/seeds/$t"; do
		[ -d "$d" ] && inputs+=("$d")
	done
	"$BUILD/fuzz/host/fuzz_$t" -max_total_time="$FUZZ_HOST_SECONDS" -max_len=65536 -timeout=10 \
		-rss_limit_mb=4096 -artifact_prefix="$dir/" -print_final_stats=1 "$dir" \
		"${inputs[@]}" >"$dir/log" 2>&1
	local rc=$?
	grep -E '^stat::number_of_executed_units|^(==[0-9]+==ERROR|SUMMARY)|runtime error' "$dir/log"
	[ "$rc" -eq 0 ] || { tail -n 40 "$dir/log"; fail "fuzz_$t found something (status $rc)"; }
	rm -rf "$dir"
	return "$rc"
}
for t in elf libs manifest cpio args cmdline; do
	eval "t_fuzz_host_$t() { t_fuzz_host $t; }"
	run_test "host/fuzz/$t" "t_fuzz_host_$t"
done

# fuzz_guest CPUS SEED CALLS: tests/fuzz/fuzz.py for one seed, nothing minimised.
fuzz_guest() {
	need_file "$BUILD/fuzz/sysfuzz" || return 1
	BUILD="$BUILD" tests/fuzz/fuzz.py run --cpus "$1" --first "$2" --seeds 1 --calls "$3" \
		--no-minimise || fail "the system-call fuzzer found something (seed $2, $1 CPU(s))"
}
for sc in 1:1 2:1 3:1 1:2; do
	eval "t_fuzz_guest_${sc%:*}_${sc#*:}() { fuzz_guest ${sc#*:} ${sc%:*} 20000; }"
	run_test "guest/fuzz/seed-${sc%:*}-c${sc#*:}" "t_fuzz_guest_${sc%:*}_${sc#*:}"
done
