#!/bin/bash
# The test runner behind `make test`: format check, host unit tests, then guest
# tests that boot the kernel under QEMU (each with a time limit). Prints one
# line per test (PASS, FAIL or SKIP) and ends with "N passed, N failed, N
# skipped"; exits non-zero when a test failed, a case file did not parse or
# failed at its top level, or the filter matched no test. Nothing is lost
# silently: the rules are in docs/testing.md.
# Run a subset with: tests/run.sh PATTERN (a bash glob on test names).
set -u
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
ALTO="$BUILD/bin/alto"
# The kernel with the in-kernel self tests (tests/kernel/); the default
# kernel ($BUILD/alto.elf) leaves them out.
SELFTEST_KERNEL="$BUILD/alto-selftest.elf"
LOGDIR=${LOGDIR:-$BUILD/tests/logs}
CASES=${CASES:-tests/cases}
FILTER=${1:-*}
GUEST_TIMEOUT=${GUEST_TIMEOUT:-180}
passed=0
failed=0
skipped=0
matched=0
failures=()
CHECKS=/dev/null # each test gets its own (run_test)
OUT=
STATUS=-1

mkdir -p "$LOGDIR"

# run_test NAME FUNCTION: run FUNCTION in a subshell with its output in a log.
# It passes when it returns 0 and no check inside it failed (fail, expect_*:
# a failed check counts even when the function goes on and returns 0); it
# is skipped when it called skip (and no check failed).
run_test() {
	local name=$1 fn=$2
	# shellcheck disable=SC2053
	[[ $name == $FILTER ]] || return 0
	matched=$((matched + 1))
	local log="$LOGDIR/${name//\//_}.log"
	local checks="$LOGDIR/${name//\//_}.checks"
	local start rc
	rm -f "$checks"
	start=$(date +%s%N)
	(
		set -o pipefail
		CHECKS=$checks
		$fn
	) >"$log" 2>&1
	rc=$?
	local ms=$((($(date +%s%N) - start) / 1000000))
	if [ "$rc" -ne 77 ] && [ "$rc" -ne 0 ] || grep -q '^FAIL' "$checks" 2>/dev/null; then
		failed=$((failed + 1))
		failures+=("$name")
		printf 'FAIL %-32s (log: %s)\n' "$name" "$log"
		if [ "$rc" -eq 0 ]; then
			echo "a check failed although the test function returned 0:" >>"$log"
			sed -n 's/^FAIL //p' "$checks" >>"$log"
		fi
		tail -n 25 "$log" | sed 's/^/    | /'
	elif grep -q '^SKIP' "$checks" 2>/dev/null; then
		skipped=$((skipped + 1))
		printf 'SKIP %-32s (%s)\n' "$name" "$(sed -n 's/^SKIP //p' "$checks" | head -n 1)"
	elif [ "$rc" -eq 77 ]; then
		failed=$((failed + 1))
		failures+=("$name")
		printf 'FAIL %-32s (status 77 without skip; log: %s)\n' "$name" "$log"
	else
		passed=$((passed + 1))
		printf 'PASS %-32s %4d.%02d s\n' "$name" $((ms / 1000)) $((ms % 1000 / 10))
	fi
	return 0
}

# A failure of the run that is not one test's (a case file, the filter).
runner_failure() {
	failed=$((failed + 1))
	failures+=("$1")
	printf 'FAIL %s\n' "$*"
}

# Helpers for test functions. Every check prints what it expected when it
# fails and records the failure, so it fails the test even when it is not
# chained with && or followed by || return.

# fail MESSAGE: record a failed check (the test fails); returns 1.
fail() {
	echo "$*"
	echo "FAIL $*" >>"$CHECKS"
	return 1
}

# skip REASON: end the test as skipped (call it from the test function
# itself, not from a subshell). A skip is never a pass.
skip() {
	echo "skipped: $*"
	echo "SKIP $*" >>"$CHECKS"
	exit 77
}

# need_file PATH...: each must exist (a test binary, a fixture); fails naming it.
need_file() {
	local p
	for p in "$@"; do
		[ -e "$p" ] || fail "$p is missing (was it built? make all guest-tests-build unit-tests-build)" ||
			return 1
	done
}

# boot ARGS... runs alto boot, keeping the output in $OUT and the exit status
# in $STATUS.
boot() {
	OUT=$("$ALTO" boot --timeout "$GUEST_TIMEOUT" "$@" 2>&1 </dev/null)
	STATUS=$?
	echo "$OUT"
	echo "[exit status $STATUS]"
}

expect_status() {
	[ "$STATUS" -eq "$1" ] && return 0
	fail "expected exit status $1, got $STATUS"
}

# expect_out REGEX...: each extended regex must match some line of $OUT.
expect_out() {
	local re
	for re in "$@"; do
		grep -Eq -- "$re" <<<"$OUT" || fail "expected output matching: $re" || return 1
	done
}

# expect_no_out REGEX...: no line of $OUT may match any of them.
expect_no_out() {
	local re
	for re in "$@"; do
		! grep -Eq -- "$re" <<<"$OUT" || fail "unexpected output matching: $re" || return 1
	done
}

# Each case file is checked for syntax before it runs (a file that does not
# parse would lose its remaining tests), and a command that fails at its top
# level (outside a test function, a condition or a || list) fails the run.
case_failed=
for f in "$CASES"/*.sh; do
	if ! err=$(bash -n "$f" 2>&1); then
		runner_failure "$f: does not parse, its tests did not run: ${err%%$'\n'*}"
		continue
	fi
	case_failed=
	trap 'case_failed=${case_failed:-"$f:$LINENO: a top-level command failed with status $?"}' ERR
	# shellcheck source=/dev/null
	source "$f"
	trap - ERR
	[ -z "$case_failed" ] || runner_failure "$case_failed"
done

if [ "$matched" -eq 0 ]; then
	runner_failure "no test matches '$FILTER'"
fi

echo
echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
