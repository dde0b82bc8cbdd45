# Checks that need no VM: formatting, host unit tests, the alto tool's usage.

t_format() {
	make -s format-check
}
run_test host/format-check t_format

for t in "$BUILD"/tests/unit/test_*; do
	[ -x "$t" ] || continue
	eval "t_unit_$(basename "$t")() { \"$t\"; }"
	run_test "unit/$(basename "$t")" "t_unit_$(basename "$t")"
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
		echo "expected exit status $want (got $status) and the text: $text"
		return 1
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
	grep -q -- "-accel $expect" <<<"$cmd" || { echo "expected -accel $expect"; return 1; }
	[ $expect = tcg ] && { grep -q -- "-cpu max" <<<"$cmd" || return 1; }
	return 0
}
run_test host/tool-accel t_tool_accel
