# The application runtime seen from outside: --strace, the report of a
# missing system call, and programs that the guest itself must refuse (the
# host tool refuses them earlier for alto run; alto boot of an image is where
# the kernel has to say it).

GUEST_BIN="$BUILD/tests/guest/gcc"

t_strace() {
	OUT=$("$ALTO" run --timeout "$GUEST_TIMEOUT" --strace "$GUEST_BIN/exit" 3 _exit 2>&1 </dev/null)
	STATUS=$?
	echo "$OUT"
	expect_status 3 && expect_out '^arch_prctl\(0x1002, 0x[0-9a-f]+\) = 0$' \
		'^write\(1, "exiting with 3 through _exit\\n", 29\) = 29$' \
		'^exit_group\(3\) \.\.\.$' '^brk\(NULL\) = 0x[0-9a-f]+$'
}
run_test guest/runtime/strace t_strace

t_strace_errors() {
	OUT=$("$ALTO" run --timeout "$GUEST_TIMEOUT" --strace "$GUEST_BIN/errno" 2>&1 </dev/null)
	STATUS=$?
	echo "$OUT"
	expect_status 0 && expect_out ' = -1 ENOENT \(No such file or directory\)$' \
		' = -1 EEXIST \(File exists\)$'
}
run_test guest/runtime/strace-errors t_strace_errors

# --strace of numbers Linux does not have (335 is in the gap of its table,
# which the kernel's table also holds): six raw arguments under a made-up
# name, as past the table's end (the gap's missing name was read through
# NULL and panicked the kernel).
t_strace_gap() {
	OUT=$("$ALTO" run --timeout "$GUEST_TIMEOUT" --strace "$GUEST_BIN/nosys" 2>&1 </dev/null)
	STATUS=$?
	echo "$OUT"
	expect_status 0 && expect_out '^syscall_335\((0x[0-9a-f]+|0), .*\) = -1 ENOSYS' \
		'^syscall_1000\(.*\) = -1 ENOSYS' '^kexec_load\(.*\) = -1 ENOSYS'
}
run_test guest/runtime/strace-gap t_strace_gap

# expect_once LINE: exactly one line of $OUT is LINE.
expect_once() {
	local lines
	lines=$(grep -cxF -- "$1" <<<"$OUT")
	[ "$lines" -eq 1 ] || fail "expected the line '$1' once, got it $lines times"
}

# A missing call, and numbers Linux does not have (in the gap of its table,
# past its end), each named once however often they come (unknown numbers
# were named at every call, the gap's as "system call (null)"); the same for
# the notes of a bind mount and of ARCH_SET_GS (named at every call before).
t_enosys() {
	OUT=$("$ALTO" run --timeout "$GUEST_TIMEOUT" "$GUEST_BIN/nosys" 2>&1 </dev/null)
	STATUS=$?
	echo "$OUT"
	expect_status 0 || return 1
	local what
	for what in kexec_load 'system call 335' 'system call 1000' 'system call 2^40'; do
		[ "$(grep -cxF "$what: -1 ENOSYS" <<<"$OUT")" -eq 3 ] ||
			fail "expected '$what: -1 ENOSYS' three times" || return 1
	done
	expect_once 'alto: system call kexec_load (246) is not implemented' &&
		expect_once 'alto: unknown system call 335' &&
		expect_once 'alto: unknown system call 1000' &&
		expect_once 'alto: unknown system call 1099511627776' && expect_no_out '\(null\)' &&
		expect_once 'alto: mount: bind, move and propagation mounts are not supported' &&
		expect_once 'alto: arch_prctl(ARCH_SET_GS) refused: GS belongs to the kernel'
}
run_test guest/runtime/enosys-once t_enosys

# An image holding files the kernel must refuse to run.
guest_refusal_image() {
	local dir="$BUILD/tests/refusal"
	mkdir -p "$dir"
	printf 'just text\n' >"$dir/text"
	head -c 1000 "$GUEST_BIN/exit" >"$dir/truncated"
	"$ALTO" build -o "$dir/image" --add "$dir/text:/notelf" --add "$dir/truncated:/truncated" \
		--add /bin/true:/dynamic "$GUEST_BIN/exit" 0 >/dev/null
}

boot_image_case() {
	OUT=$("$ALTO" boot --timeout "$GUEST_TIMEOUT" "$BUILD/tests/refusal/image" -- "$1" 2>&1 </dev/null)
	STATUS=$?
	echo "$OUT"
	expect_status "$2" && expect_out "$3"
}

t_guest_missing() {
	guest_refusal_image && boot_image_case /missing 127 '^alto: /missing: No such file or directory$'
}
t_guest_notelf() {
	guest_refusal_image && boot_image_case /notelf 126 '^alto: /notelf: not an ELF executable$'
}
t_guest_truncated() {
	guest_refusal_image && boot_image_case /truncated 126 '^alto: /truncated: truncated ELF file'
}
# /bin/true went in without its interpreter (--add collects nothing).
t_guest_dynamic() {
	guest_refusal_image &&
		boot_image_case /dynamic 127 '^alto: /dynamic needs its interpreter /lib64/ld-linux-x86-64.so.2 in the image$'
}
t_guest_image_cmdline() {
	guest_refusal_image || return 1
	OUT=$("$ALTO" boot --timeout "$GUEST_TIMEOUT" "$BUILD/tests/refusal/image" 2>&1 </dev/null)
	STATUS=$?
	echo "$OUT"
	expect_status 0 && expect_out '^exiting with 0 through exit$'
}
run_test guest/runtime/refuses-missing t_guest_missing
run_test guest/runtime/refuses-not-elf t_guest_notelf
run_test guest/runtime/refuses-truncated t_guest_truncated
run_test guest/runtime/refuses-dynamic-without-interpreter t_guest_dynamic
run_test guest/runtime/image-cmdline t_guest_image_cmdline

# A long write to the console is interrupted by a signal, as Linux's tty
# write is: 64 MiB written, or 4 GiB sent from /dev/zero, with SIGALRM due
# after 200 ms (the alarm waited for the whole write, over a minute, and the
# sendfile hung). Not differential: natively a pipe takes the bytes at once.
# stdout is a pipe read only after 2 s, so the write waits for it (the
# program's stdout port is fast enough to take 64 MiB before the alarm).
t_console_write_interrupted() {
	local how
	for how in write sendfile; do
		OUT=$("$ALTO" run --timeout "$GUEST_TIMEOUT" "$GUEST_BIN/intr-write" "$how" 2>&1 </dev/null |
			{
				sleep 2
				tr -d '\0'
			})
		STATUS=$?
		echo "$OUT"
		expect_status 0 &&
			expect_out "^$how of [0-9]+ bytes returned a partial count, the alarm handled: yes\$" ||
			return 1
	done
}
run_test guest/runtime/console-write-interrupted t_console_write_interrupted

# An unmasked SSE exception (#XM) becomes SIGFPE FPE_FLTDIV with trap number
# 19. QEMU's TCG never raises #XM, so the kernel's path is entered the way
# the CPU would enter it, through vector 19 (int $19 at ring 0, MXCSR's flag
# set and unmasked); with hardware virtualization the real exception is
# compared with the host's too.
t_simd_by_int() {
	OUT=$("$ALTO" run --timeout "$GUEST_TIMEOUT" "$GUEST_BIN/signals-fault" simd-int 2>&1 </dev/null)
	STATUS=$?
	echo "$OUT"
	expect_status 0 &&
		expect_out '^int \$19 with .* unmasked: SIGFPE FPE_FLTDIV$' '^  REG_TRAPNO 19 \(SIMD exception\): yes$'
}
run_test guest/runtime/simd-exception-path t_simd_by_int

t_simd_hardware() {
	if "$ALTO" boot --dry-run 2>&1 | grep -q -- '-accel tcg'; then
		skip "QEMU's TCG does not raise SIMD exceptions (#XM); simd-exception-path covers the kernel's side"
	fi
	local native
	native=$("$GUEST_BIN/signals-fault" simd 2>&1)
	OUT=$("$ALTO" run --timeout "$GUEST_TIMEOUT" "$GUEST_BIN/signals-fault" simd 2>&1 </dev/null)
	STATUS=$?
	echo "$OUT"
	[ "$(strip_kernel_lines <<<"$OUT")" = "$native" ] || fail "expected the host's output: $native"
}
run_test guest/runtime/simd-exception-hardware t_simd_hardware

# Random bytes differ from boot to boot: getrandom, /dev/urandom and
# AT_RANDOM, each compared between two boots (a generator seeded the same
# way each boot passes every test made within one boot).
t_random_boots() {
	local first second what
	first=$("$ALTO" run --timeout "$GUEST_TIMEOUT" "$GUEST_BIN/random" show 2>&1 </dev/null) ||
		fail "the first boot failed: $first" || return 1
	second=$("$ALTO" run --timeout "$GUEST_TIMEOUT" "$GUEST_BIN/random" show 2>&1 </dev/null) ||
		fail "the second boot failed: $second" || return 1
	echo "first boot:"
	echo "$first"
	echo "second boot:"
	echo "$second"
	for what in getrandom urandom AT_RANDOM; do
		local a b
		a=$(grep "^$what:" <<<"$first")
		b=$(grep "^$what:" <<<"$second")
		[[ $a =~ ^$what:[0-9a-f]{32}$ ]] || fail "no 16 bytes of $what in the first boot" || return 1
		[[ $b =~ ^$what:[0-9a-f]{32}$ ]] || fail "no 16 bytes of $what in the second boot" || return 1
		[ "$a" != "$b" ] || fail "$what repeated itself across boots" || return 1
	done
}
run_test guest/runtime/random-across-boots t_random_boots

# A program that touches more memory than the guest has is killed with a line
# saying the kernel is out of memory (SIGKILL, status 137, as Linux's OOM
# killer would), not sent a SIGSEGV for the kernel's want of memory (found
# by the system-call fuzzer, whose own buffers then faulted).
t_oom_kill() {
	OUT=$("$ALTO" run --timeout "$GUEST_TIMEOUT" -m 64M "$GUEST_BIN/memhog" 1024 2>&1 </dev/null)
	STATUS=$?
	echo "$OUT" | tail -n 15
	expect_status 137 &&
		expect_out '^alto: .*/memhog \(out of memory: no page for 0x[0-9a-f]+\) terminated by SIGKILL$' \
			'^touched 16 MiB$' &&
		expect_no_out 'Fatal application fault' 'SIGSEGV'
}
run_test guest/runtime/out-of-memory-kill t_oom_kill
