# Checks that need no VM: formatting, host unit tests, the alto tool's usage.

t_format() {
	make -s format-check
}
run_test host/format-check t_format

# One test per tests/unit/test_*.c: its binary must have been built.
for src in tests/unit/test_*.c; do
	t=$(basename "$src" .c)
	eval "t_unit_$t() { need_file \"\$BUILD/tests/unit/$t\" && \"\$BUILD/tests/unit/$t\"; }"
	run_test "unit/$t" "t_unit_$t"
done

# tool_says STATUS TEXT COMMAND...: COMMAND exits with STATUS and prints TEXT.
tool_says() {
	local want=$1 text=$2 out status
	shift 2
	out=$("$@" 2>&1)
	status=$?
	if [ "$status" -ne "$want" ] || ! grep -qF -- "$text" <<<"$out"; then
		echo "\$ $*"
		echo "$out"
		fail "expected exit status $want (got $status) and the text: $text"
	fi
}

t_tool_usage() {
	tool_says 0 "usage: alto COMMAND" "$ALTO" --help &&
		tool_says 0 "usage: alto boot" "$ALTO" boot --help &&
		tool_says 2 "unknown command 'frobnicate'" "$ALTO" frobnicate &&
		tool_says 2 "alto boot: unrecognized option '--frobnicate'" "$ALTO" boot --frobnicate &&
		tool_says 2 "unknown machine 'pdp11'" "$ALTO" boot --machine pdp11 &&
		tool_says 2 "no kernel at /nonexistent" "$ALTO" boot --kernel /nonexistent &&
		tool_says 2 "bad memory size 'lots'" "$ALTO" boot -m lots &&
		tool_says 2 "kernel arguments go after --" "$ALTO" boot stray
}
run_test host/tool-usage t_tool_usage

# KVM only where the CPU really virtualizes and /dev/kvm opens; TCG otherwise.
t_tool_accel() {
	local expect=tcg
	if grep -Eqw 'vmx|svm' /proc/cpuinfo && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		expect=kvm
	fi
	local cmd
	cmd=$("$ALTO" boot --dry-run 2>&1) || return 1
	echo "$cmd"
	grep -q -- "-accel $expect" <<<"$cmd" || { fail "expected -accel $expect"; return 1; }
	[ $expect = tcg ] && { grep -q -- "-cpu max" <<<"$cmd" || return 1; }
	return 0
}
run_test host/tool-accel t_tool_accel

# The runner itself, the way an audit breaks it: a case file that does not
# parse (an unterminated if, in a copy of the real case files), a check that
# fails without being chained, a failing top-level command, a missing test
# binary, a filter matching nothing: each must fail the run with a line
# naming it. A skip is counted as a skip, never as a pass.
runner_try() {
	local dir=$1 filter=$2
	RUNNER_OUT=$(CASES="$dir" LOGDIR="$dir/logs" tests/run.sh "$filter" 2>&1)
	RUNNER_STATUS=$?
	echo "\$ CASES=$dir tests/run.sh '$filter'  -> status $RUNNER_STATUS"
	echo "$RUNNER_OUT"
}

# runner_expect STATUS LAST-LINE REGEX...: the last run's status, last line and lines.
runner_expect() {
	local want=$1 last=$2 re
	shift 2
	[ "$RUNNER_STATUS" -eq "$want" ] || fail "expected the runner's status $want" || return 1
	[ "$(tail -n 1 <<<"$RUNNER_OUT")" = "$last" ] || fail "expected the last line: $last" ||
		return 1
	for re in "$@"; do
		grep -Eq -- "$re" <<<"$RUNNER_OUT" || fail "expected a line matching: $re" || return 1
	done
}

t_runner_mutations() {
	local dir
	dir=$(mktemp -d "$BUILD/runner-test.XXXXXX") || return 1
	dir=$(cd "$dir" && pwd)
	mkdir "$dir/real" "$dir/own" && cp tests/cases/*.sh "$dir/real/" || return 1
	runner_try "$dir/real" manifest/help
	runner_expect 0 "1 passed, 0 failed" '^0 skipped$' '^PASS manifest/help ' || return 1
	echo 'if true; then' >>"$dir/real/65-manifest.sh"
	runner_try "$dir/real" manifest/help
	runner_expect 1 "0 passed, 2 failed" '^0 skipped$' \
		"^FAIL $dir/real/65-manifest.sh: does not parse" "^FAIL no test matches" || return 1

	cat >"$dir/own/10-own.sh" <<'CASE'
t_unchained() { STATUS=3; expect_status 0; expect_out 'never'; return 0; }
run_test own/unchained t_unchained
t_skipped() { skip "nothing to compare here"; }
run_test own/skipped t_skipped
t_missing() { need_file /nonexistent/test-binary && echo "went on"; }
run_test own/missing-binary t_missing
t_passes() { OUT=yes; STATUS=0; expect_status 0 && expect_out '^yes$' && expect_no_out no; }
run_test own/passes t_passes
CASE
	printf 'false\nt_later() { return 0; }\nrun_test own/later t_later\n' >"$dir/own/20-toplevel.sh"
	runner_try "$dir/own" 'own/*'
	runner_expect 1 "2 passed, 3 failed" '^1 skipped$' '^FAIL own/unchained ' \
		'expected exit status 0, got 3' '^SKIP own/skipped +\(nothing to compare here\)$' \
		'^FAIL own/missing-binary ' '/nonexistent/test-binary is missing' '^PASS own/passes ' \
		"^FAIL $dir/own/20-toplevel.sh:1: a top-level command failed" '^PASS own/later ' ||
		return 1
	runner_try "$dir/own" 'own/nothing*'
	runner_expect 1 "0 passed, 2 failed" '^0 skipped$' "^FAIL no test matches 'own/nothing\*'" ||
		return 1
	rm -rf "$dir"
}
run_test host/runner-mutations t_runner_mutations
