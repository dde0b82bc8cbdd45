# The exit statuses of alto run and alto boot (exit_status_help in
# tools/alto/qemu.c), each provoked on purpose: the program's own, 128+N for
# a signal, and one status with one 'alto: ' line for each way Alto or QEMU
# fails, so that a script tells them apart. Uses scratch, make_fake_qemu
# (30-static.sh), start_until_ready and finish_tool (32-tool-input.sh).

# run_status ARGS...: alto run ARGS with stdin from /dev/null; sets OUT (stdout
# and stderr) and STATUS.
run_status() {
	OUT=$("$ALTO" run --timeout "$GUEST_TIMEOUT" "$@" 2>&1 </dev/null)
	STATUS=$?
	echo "\$ alto run $*"
	echo "$OUT"
	echo "[exit status $STATUS]"
}

# expect_alto_lines N: exactly N lines of $OUT are the tool's ('alto: ' and
# not the kernel's 'alto: PROGRAM terminated by SIGNAL').
expect_alto_lines() {
	local n
	n=$(grep '^alto: ' <<<"$OUT" | grep -cv ' terminated by SIG')
	[ "$n" -eq "$1" ] || fail "expected $1 line(s) from the tool, got $n"
}

# The program's own status passes through, whatever number it is: 125 and
# 126 too, without a line from the tool (which is how a script tells them
# from QEMU's failure and a panic); 128+N when signal N killed it.
t_exit_program() {
	build_guest_programs || return 1
	local code
	for code in 0 1 42 125 126; do
		run_status "$GT_DIR/gcc/exit" "$code"
		expect_status "$code" && expect_out "^exiting with $code through exit\$" &&
			expect_alto_lines 0 || return 1
	done
	run_status "$GT_DIR/gcc/signal" kill 15
	expect_status 143 && expect_out 'terminated by SIGTERM' && expect_alto_lines 0 || return 1
	run_status "$GT_DIR/gcc/segv" null
	expect_status 139 && expect_out 'terminated by SIGSEGV' && expect_alto_lines 0
}
run_test guest/exit-status-program t_exit_program

# QEMU missing: 127, one line, and nothing left running (a virtiofsd for
# the host's files, started before QEMU, used to keep the tool waiting).
t_exit_no_qemu() {
	build_guest_programs || return 1
	OUT=$(ALTO_QEMU=/nonexistent/qemu timeout -k 5 60 "$ALTO" run "$GT_DIR/gcc/exit" 3 2>&1 </dev/null)
	STATUS=$?
	echo "$OUT"
	expect_status 127 &&
		expect_out '^alto: cannot run QEMU \(/nonexistent/qemu\): No such file or directory; ' &&
		expect_alto_lines 1 || return 1
	if [ "$(id -u)" -eq 0 ] && [ -x /usr/lib/qemu/virtiofsd ]; then
		OUT=$(ALTO_QEMU=/nonexistent/qemu timeout -k 5 60 "$ALTO" run --files host /bin/true 2>&1 </dev/null)
		STATUS=$?
		echo "$OUT"
		expect_status 127 && expect_out '^alto: cannot run QEMU ' || return 1
	fi
}
run_test host/exit-status-no-qemu t_exit_no_qemu

# QEMU refusing its options: 125, with QEMU's own message kept; a QEMU that
# says something and exits 1 (as it does on an option it does not take),
# and the real one given a CPU feature it does not know.
t_exit_qemu_refuses() {
	build_guest_programs || return 1
	local dir
	dir=$(scratch)
	printf '#!/bin/sh\necho "qemu-system-x86_64: -frob: invalid option" >&2\nexit 1\n' >"$dir/qemu"
	chmod +x "$dir/qemu"
	OUT=$(ALTO_QEMU="$dir/qemu" "$ALTO" run "$GT_DIR/gcc/exit" 0 2>&1 </dev/null)
	STATUS=$?
	echo "$OUT"
	expect_status 125 && expect_out '^qemu-system-x86_64: -frob: invalid option$' \
		'^alto: QEMU failed \(exit status 1\) before the guest reported a status$' &&
		expect_alto_lines 1 || return 1
	run_status --cpu-features +alto-no-such-feature "$GT_DIR/gcc/exit" 0
	expect_status 125 && expect_out "alto-no-such-feature' not found" \
		'^alto: QEMU failed \(exit status 1\) before the guest reported a status$' &&
		expect_alto_lines 1 || return 1
	# A QEMU that ends well but without the guest's status is no success.
	printf '#!/bin/sh\nexit 0\n' >"$dir/qemu"
	OUT=$(ALTO_QEMU="$dir/qemu" "$ALTO" run "$GT_DIR/gcc/exit" 0 2>&1 </dev/null)
	STATUS=$?
	echo "$OUT"
	expect_status 125 && expect_out '^alto: the VM ended without a status from the guest' || return 1
	rm -rf "$dir"
}
run_test host/exit-status-qemu-refuses t_exit_qemu_refuses

# An image larger than guest memory: 122 before QEMU starts, saying how big
# -m must be; QEMU's rule on microvm (the image up to the memory less 2
# bytes) and q35 (less the ACPI tables' 160 KiB too), and the -m suggested
# is enough to run the program.
t_exit_too_big() {
	build_guest_programs || return 1
	local dir m
	dir=$(scratch)
	make_fake_qemu "$dir"
	head -c $((40 << 20)) /dev/urandom >"$dir/big"
	OUT=$(ALTO_QEMU="$dir/qemu" "$ALTO" run -m 32M --add "$dir/big:/big" "$GT_DIR/gcc/exit" 0 2>&1 </dev/null)
	STATUS=$?
	echo "$OUT"
	expect_status 122 &&
		expect_out '^alto: the image is 40 MiB \([0-9]+ bytes\): it does not fit in -m 32M of guest memory; give -m [0-9]+M or more' &&
		expect_alto_lines 1 || return 1
	[ ! -e "$dir/args" ] || fail "QEMU was started" || return 1
	m=$(sed -n 's/.*give -m \([0-9]*\)M or more.*/\1/p' <<<"$OUT")
	run_status -m "${m}M" --add "$dir/big:/big" "$GT_DIR/gcc/exit" 0
	expect_status 0 || return 1
	# The edges, with alto boot and an image of a chosen size (the fake
	# QEMU: only whether it is started counts).
	local img=$dir/img
	"$ALTO" build -o "$img" "$GT_DIR/gcc/exit" || return 1
	truncate -s $(((48 << 20) - 2)) "$img"
	OUT=$(ALTO_QEMU="$dir/qemu" "$ALTO" boot -m 48M "$img" 2>&1 </dev/null)
	STATUS=$?
	echo "microvm, 48M less 2 bytes: $OUT [$STATUS]"
	expect_status 0 || return 1
	truncate -s $(((48 << 20) - 1)) "$img"
	OUT=$(ALTO_QEMU="$dir/qemu" "$ALTO" boot -m 48M "$img" 2>&1 </dev/null)
	STATUS=$?
	echo "microvm, 48M less 1 byte: $OUT [$STATUS]"
	expect_status 122 || return 1
	truncate -s $(((48 << 20) - 0x28002)) "$img"
	OUT=$(ALTO_QEMU="$dir/qemu" "$ALTO" boot --machine q35 -m 48M "$img" 2>&1 </dev/null)
	STATUS=$?
	echo "q35, 48M less 160 KiB and 2 bytes: $OUT [$STATUS]"
	expect_status 0 || return 1
	truncate -s $(((48 << 20) - 0x28001)) "$img"
	OUT=$(ALTO_QEMU="$dir/qemu" "$ALTO" boot --machine q35 -m 48M "$img" 2>&1 </dev/null)
	STATUS=$?
	echo "q35, 48M less 160 KiB and 1 byte: $OUT [$STATUS]"
	expect_status 122 || return 1
	# The real QEMU agrees at the edge (it refuses 1 byte more itself).
	truncate -s $(((48 << 20) - 2)) "$img"
	OUT=$(timeout 5 qemu-system-x86_64 -M microvm -accel tcg -m 48M -nodefaults -display none \
		-S -kernel "$BUILD/alto.elf" -initrd "$img" 2>&1)
	echo "real QEMU, microvm, 48M less 2 bytes: $OUT"
	! grep -q 'too large' <<<"$OUT" || fail "QEMU refused an image the tool lets through" || return 1
	rm -rf "$dir"
}
run_test guest/exit-status-too-big t_exit_too_big

# The guest kernel panicking: 126 and one line, with alto boot and alto run.
t_exit_panic() {
	build_guest_programs || return 1
	boot --kernel "$SELFTEST_KERNEL" -- --selftest=panic
	expect_status 126 && expect_out '^Kernel panic: selftest: a deliberate panic$' \
		'^alto: the kernel panicked \(its report is above\): exit status 126$' &&
		expect_alto_lines 1 || return 1
	run_status --kernel "$SELFTEST_KERNEL" -- --selftest=panic "$GT_DIR/gcc/exit" 0
	expect_status 126 && expect_out '^alto: the kernel panicked ' && expect_alto_lines 1
}
run_test guest/exit-status-panic t_exit_panic

# --timeout: 124 and one line.
t_exit_timeout() {
	build_guest_programs || return 1
	OUT=$("$ALTO" run --timeout 3 "$GT_DIR/gcc/signal" wait-term ignore 2>&1 </dev/null)
	STATUS=$?
	echo "$OUT"
	expect_status 124 && expect_out '^alto: the VM did not finish within 3 s; stopped it$' &&
		expect_alto_lines 1
}
run_test guest/exit-status-timeout t_exit_timeout

# QEMU killed from outside with SIGKILL: 123 (not 137, which is a program
# killed by SIGKILL, or the VM stopped after a signal to the tool).
t_exit_qemu_killed() {
	build_guest_programs || return 1
	local dir
	dir=$(scratch)
	start_until_ready "$dir" "$GT_DIR/gcc/signal" wait-term handle || return 1
	kill -KILL "$QEMU_PID"
	finish_tool "$dir"
	expect_status 123 && expect_out '^alto: QEMU was killed by SIGKILL before the guest reported a status$' &&
		expect_alto_lines 1 || return 1
	rm -rf "$dir"
}
run_test guest/exit-status-qemu-killed t_exit_qemu_killed

# Every status is in both helps.
t_exit_help() {
	local cmd code
	for cmd in run boot; do
		OUT=$("$ALTO" "$cmd" --help)
		for code in 122 123 124 125 126 127 '128\+N'; do
			expect_out "^  $code +[-a-zA-Z]" || return 1
		done
	done
}
run_test host/exit-status-help t_exit_help
