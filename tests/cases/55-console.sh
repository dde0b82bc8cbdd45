# Ctrl-C on a terminal console: the kernel's line discipline (ISIG) turns
# the byte into SIGINT for the program. The console is put in terminal mode
# with the kernel option --tty; the byte is written once the program says
# it is ready, through a FIFO held open so that stdin stays open meanwhile.

# ctrl_c_run ARGS...: run tests/guest/ctrlc with ARGS, type Ctrl-C after
# "ready", and again each second until the program ends (a Ctrl-C that comes
# between "ready" and the read is handled before the read waits, and the
# read then needs another; once left the test waited for the time limit);
# sets $OUT and $STATUS.
ctrl_c_run() {
	local dir pid i
	dir=$(scratch)
	mkfifo "$dir/in"
	exec 3<>"$dir/in"
	"$ALTO" run --timeout "$GUEST_TIMEOUT" -- --tty=80x24 \
		"$BUILD/tests/guest/gcc/ctrlc" "$@" <&3 >"$dir/out" 2>&1 &
	pid=$!
	for ((i = 0; i < 600; i++)); do
		grep -q '^ready' "$dir/out" 2>/dev/null && break
		sleep 0.1
	done
	for ((i = 0; i < 600; i++)); do
		((i % 10)) || printf '\003' >&3
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	wait "$pid"
	STATUS=$?
	exec 3>&-
	OUT=$(tr -d '\r' <"$dir/out")
	rm -rf "$dir"
	echo "$OUT"
	echo "[exit status $STATUS]"
}

t_ctrl_c_handled() {
	build_guest_programs || return 1
	ctrl_c_run handle
	expect_status 3 && expect_out '^(\^C)+read returned -1 \(Interrupted system call\)$' \
		'^SIGINT handled: yes; exiting gracefully$'
}
run_test guest/console/ctrl-c-handled t_ctrl_c_handled

t_ctrl_c_default() {
	build_guest_programs || return 1
	ctrl_c_run
	expect_status 130 && expect_out 'terminated by SIGINT$' && expect_no_out 'was not delivered'
}
run_test guest/console/ctrl-c-default t_ctrl_c_default
