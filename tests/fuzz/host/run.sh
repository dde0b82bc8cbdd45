#!/bin/sh
# Run each libFuzzer target for SECONDS (make fuzz-host): on the tree's
# corpus and the build's seeds, new inputs kept in build/fuzz/corpus/TARGET
# (make fuzz-host-merge folds them into the tree). Prints each target's
# executions; exits non-zero when one found something (its crash file is in
# build/fuzz/). Usage: run.sh SECONDS TARGET...
seconds=$1
shift
build=${BUILD:-build}/fuzz
status=0
for t in "$@"; do
	mkdir -p "$build/corpus/$t" "tests/fuzz/corpus/$t" "$build/seeds/$t"
	log="$build/host-$t.log"
	"$build/host/fuzz_$t" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
		-rss_limit_mb=4096 -artifact_prefix="$build/$t-" -print_final_stats=1 \
		"$build/corpus/$t" "tests/fuzz/corpus/$t" "$build/seeds/$t" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	if [ "$rc" -eq 0 ]; then
		echo "fuzz_$t: ${runs:-?} executions in $seconds s, nothing found"
	else
		echo "fuzz_$t: FOUND something after ${runs:-?} executions (log: $log)"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -5
		status=1
	fi
done
exit $status
