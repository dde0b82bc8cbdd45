#!/bin/bash
# The test runner behind `make test`: format check, host unit tests, then guest
# tests that boot the kernel under QEMU (each with a time limit). Prints one
# line per test and ends with "N passed, N failed"; exits non-zero on failure.
# Run a subset with: tests/run.sh PATTERN (a bash glob on test names).
set -u
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
ALTO="$BUILD/bin/alto"
LOGDIR="$BUILD/tests/logs"
FILTER=${1:-*}
GUEST_TIMEOUT=${GUEST_TIMEOUT:-180}
passed=0
failed=0
failures=()

mkdir -p "$LOGDIR"

# run_test NAME FUNCTION: run FUNCTION with its output in a log; pass if it returns 0.
run_test() {
	local name=$1 fn=$2
	# shellcheck disable=SC2053
	[[ $name == $FILTER ]] || return 0
	local log="$LOGDIR/${name//\//_}.log"
	local start
	start=$(date +%s%N)
	if (set -o pipefail; $fn) >"$log" 2>&1; then
		passed=$((passed + 1))
		local ms=$((($(date +%s%N) - start) / 1000000))
		printf 'PASS %-32s %4d.%02d s\n' "$name" $((ms / 1000)) $((ms % 1000 / 10))
	else
		failed=$((failed + 1))
		failures+=("$name")
		printf 'FAIL %-32s (log: %s)\n' "$name" "$log"
		tail -n 25 "$log" | sed 's/^/    | /'
	fi
}

# Helpers for test functions. boot ARGS... runs alto boot, keeping the output in
# $OUT and the exit status in $STATUS; the checks print what they expected.
boot() {
	OUT=$("$ALTO" boot --timeout "$GUEST_TIMEOUT" "$@" 2>&1 </dev/null)
	STATUS=$?
	echo "$OUT"
	echo "[exit status $STATUS]"
}

expect_status() {
	[ "$STATUS" -eq "$1" ] && return 0
	echo "expected exit status $1, got $STATUS"
	return 1
}

# expect_out REGEX...: each extended regex must match some line of $OUT.
expect_out() {
	local re
	for re in "$@"; do
		if ! grep -Eq -- "$re" <<<"$OUT"; then
			echo "expected output matching: $re"
			return 1
		fi
	done
}

expect_no_out() {
	if grep -Eq -- "$1" <<<"$OUT"; then
		echo "unexpected output matching: $1"
		return 1
	fi
}

for f in tests/cases/*.sh; do
	# shellcheck source=/dev/null
	source "$f"
done

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
