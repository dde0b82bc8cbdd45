# The host tool against hostile input: ELF files whose offsets wrap around,
# arguments beyond Linux's limits, option values that make no sense, a
# manifest that never ends; and the faults around the VM: signals to the
# tool, temporary files, $TMPDIR. Uses scratch, make_fake_qemu and
# expect_refusal (30-static.sh).

ELFPATCH=tests/tools/elfpatch.py

# The tool reads the dynamic section of the program and of every --add file
# that looks like a program or a library: offsets chosen to wrap around
# 2^64 must not make it read outside the file (it used to crash with SIGSEGV).
t_tool_wrapping_elf() {
	build_guest_programs || return 1
	local dir out status prog=/bin/true
	dir=$(scratch)
	# e_phoff + e_phnum * 56 wraps to a small number.
	"$ELFPATCH" "$prog" "$dir/phoff.so" e_phoff=0xffffffffffffffc8 || return 1
	# PT_DYNAMIC's p_offset + p_filesz wraps.
	"$ELFPATCH" "$prog" "$dir/dynamic.so" PT_DYNAMIC.p_offset=0xffffffffffffff00 \
		PT_DYNAMIC.p_filesz=0x200 || return 1
	"$ELFPATCH" "$prog" "$dir/program" PT_DYNAMIC.p_offset=0xffffffffffffff00 \
		PT_DYNAMIC.p_filesz=0x200 || return 1
	chmod +x "$dir/program"
	out=$("$ALTO" build -o "$dir/a.img" --add "$dir/phoff.so:/lib/phoff.so" \
		--add "$dir/dynamic.so:/lib/dynamic.so" "$GT_DIR/gcc/exit" 2>&1)
	status=$?
	echo "\$ alto build --add phoff.so --add dynamic.so exit  -> status $status: $out"
	[ "$status" -eq 0 ] || fail "expected the added files to go in as they are (status 0)"
	out=$("$ALTO" build -o "$dir/b.img" "$dir/program" 2>&1)
	status=$?
	echo "\$ alto build program-with-a-wrapping-PT_DYNAMIC  -> status $status: $out"
	[ "$status" -eq 0 ] || fail "expected status 0 for a program whose dynamic section is unreadable"
	rm -rf "$dir"
}
run_test host/tool-wrapping-elf t_tool_wrapping_elf

# compare_sizes ARGS...: tests/guest/args --sizes ARGS natively (as native()
# runs programs) and under alto run: the same counts, sizes and hash.
compare_sizes() {
	local prog native guest status
	prog=$(cd "$GT_DIR" && pwd)/gcc/args
	native=$(cd / && env -i PATH="$DEFAULT_PATH" HOME=/root "$prog" --sizes "$@" 2>&1)
	guest=$("$ALTO" run --timeout "$GUEST_TIMEOUT" "$prog" --sizes "$@" 2>&1 </dev/null)
	status=$?
	guest=$(strip_kernel_lines <<<"$guest")
	echo "native: $native"
	echo "alto (status $status): $guest"
	[ "$status" -eq 0 ] && [ "$native" = "$guest" ] ||
		fail "expected the same sizes natively and in Alto, and status 0"
}

# What Linux runs, Alto runs: 15 strings of 131071 bytes (just under Linux's
# 2 MiB with their pointers; Alto stopped at 1 MiB and powered off with
# status 0), and 120,000 words (Alto stopped at 4,094).
t_args_at_linux_limits() {
	build_guest_programs || return 1
	local big words=() i
	big=$(head -c 131071 /dev/zero | tr '\0' x)
	for i in {1..15}; do
		words+=("$big")
	done
	compare_sizes "${words[@]}" || return 1
	words=()
	for ((i = 0; i < 120000; i++)); do
		words+=("w$((i % 10))")
	done
	compare_sizes "${words[@]}"
}
run_test guest/runtime/args-at-linux-limits t_args_at_linux_limits

# refused TEXT ARGS...: `alto run ARGS` is refused with status 2 and TEXT,
# without starting QEMU ($dir/qemu); the output is shown cut short.
refused() {
	local text=$1 out status
	shift
	out=$(ALTO_QEMU="$dir/qemu" "$ALTO" run "$@" 2>&1 </dev/null)
	status=$?
	echo "alto run with $# words -> status $status: ${out:0:300}"
	[ "$status" -eq 2 ] && grep -qF -- "$text" <<<"$out" && [ ! -e "$dir/args" ] ||
		fail "expected status 2, the text '$text' and no QEMU"
}

# Beyond Linux's limits the tool refuses as execve would (E2BIG), before QEMU
# starts. The tool itself can take more than the guest when its stack limit
# is larger (Linux allows a quarter of it, up to 6 MiB).
t_args_beyond_limits() {
	build_guest_programs || return 1
	local dir big words=() i
	dir=$(scratch)
	make_fake_qemu "$dir"
	big=$(head -c 131071 /dev/zero | tr '\0' x)
	for i in {1..17}; do
		words+=("$big")
	done
	(
		ulimit -s unlimited
		refused "the arguments and environment take more than Linux takes (2 MiB" \
			"$GT_DIR/gcc/args" "${words[@]}"
	) || return 1
	(
		ulimit -s unlimited
		# 15 arguments that fit, and a variable from this environment that does not.
		export ALTO_TEST_BIG="${big:0:131000}"
		refused "the arguments and environment take more than Linux takes (2 MiB" \
			-e ALTO_TEST_BIG "$GT_DIR/gcc/args" "${words[@]:0:15}"
	) || return 1
	rm -rf "$dir"
}
run_test host/alto-run-args-beyond-limits t_args_beyond_limits

# image_with_cmdline DIR TEXT: an image made with GNU cpio (not the tool, which
# refuses what Linux refuses) holding tests/guest/args at /bin/args and TEXT as
# its command line file.
image_with_cmdline() {
	local dir=$1
	mkdir -p "$dir/root/.alto" "$dir/root/bin" && cp "$GT_DIR/gcc/args" "$dir/root/bin/args" &&
		printf '%s\n' "$2" >"$dir/root/.alto/cmdline" &&
		(cd "$dir/root" && find . | cpio -o -H newc --quiet) >"$dir/image"
}

# The kernel checks again what it is given: a string over 131071 bytes is
# refused as execve refuses it (126, a shell's status for E2BIG), and a
# command line file too large to hold Linux's limits ends the boot with a
# line and status 2 (it used to power off with status 0, running nothing).
t_kernel_args_limits() {
	build_guest_programs || return 1
	local dir big
	dir=$(scratch)
	big=$(head -c 131072 /dev/zero | tr '\0' x)
	image_with_cmdline "$dir/a" "/bin/args --sizes $big" || return 1
	boot "$dir/a/image"
	expect_status 126 &&
		expect_out '^alto: /bin/args: an argument or environment string is longer than Linux takes' ||
		return 1
	image_with_cmdline "$dir/b" "/bin/args --sizes $(head -c 5000000 /dev/zero | tr '\0' ' ')x" ||
		return 1
	boot "$dir/b/image"
	expect_status 2 &&
		expect_out '^alto: /.alto/cmdline is larger than the arguments and environment Linux takes$' ||
		return 1
	rm -rf "$dir"
}
run_test guest/runtime/kernel-args-limits t_kernel_args_limits

# Option values that make no sense are refused, not taken as something else:
# -c 4294967297 ran on 1 CPU, -m -5 was a huge size, --timeout nan, inf and
# 1e308 were accepted (1e308 made the tool spin forever); a kernel command
# line longer than the kernel keeps was cut silently.
t_tool_bad_values() {
	tool_says 2 "bad CPU count '4294967297' (from 1 to 64)" "$ALTO" boot --dry-run -c 4294967297 &&
		tool_says 2 "bad CPU count '-1'" "$ALTO" boot --dry-run -c -1 &&
		tool_says 2 "bad CPU count '65' (from 1 to 64)" "$ALTO" boot --dry-run -c 65 &&
		tool_says 2 "bad memory size '-5'" "$ALTO" boot --dry-run -m -5 &&
		tool_says 2 "bad memory size '+5G'" "$ALTO" boot --dry-run -m +5G &&
		tool_says 2 "bad timeout 'nan'" "$ALTO" boot --dry-run --timeout nan &&
		tool_says 2 "bad timeout 'inf'" "$ALTO" boot --dry-run --timeout inf &&
		tool_says 2 "bad timeout '1e308'" "$ALTO" boot --dry-run --timeout 1e308 &&
		tool_says 2 "bad timeout '-1'" "$ALTO" boot --dry-run --timeout -1 &&
		tool_says 0 "-smp 64 " "$ALTO" boot --dry-run -c 64 --timeout 1e9 &&
		tool_says 2 "the kernel command line is 4096 bytes long; the kernel takes at most 4095" \
			"$ALTO" boot --dry-run -- "--verbose=$(head -c 4086 /dev/zero | tr '\0' x)"
}
run_test host/tool-bad-values t_tool_bad_values

# Image content that the kernel cannot use ends the boot with a line and
# status 2, never a panic: a file where Alto mounts /proc, /sys, /dev or
# /tmp (the tool refuses it first), and a truncated or damaged archive (the
# tool checks a whole image before booting it; --initrd passes one as it is).
t_image_mount_points() {
	build_guest_programs || return 1
	local dir prog mp
	dir=$(scratch)
	make_fake_qemu "$dir"
	prog=$GT_DIR/gcc/exit
	for mp in /proc /sys /dev /tmp; do
		refused "Alto mounts a file system there, so only a directory can go there" \
			--add "$prog:$mp" "$prog" || return 1
		mkdir -p "$dir$mp/root${mp}" "$dir$mp/root/bin" && cp "$prog" "$dir$mp/root/bin/exit" &&
			(cd "$dir$mp/root" && rmdir ".$mp" && echo hello >".$mp" &&
				find . | cpio -o -H newc --quiet) >"$dir$mp/image" || return 1
		boot "$dir$mp/image" -- /bin/exit 0
		expect_status 2 && expect_out "^initrd: the image has a file at $mp, where Alto mounts" \
			'^alto: the image cannot be used' || return 1
	done
	# A directory is fine there (the mount hides what it holds, as on Linux).
	mkdir -p "$dir/ok/root/proc/stale" "$dir/ok/root/bin" && cp "$prog" "$dir/ok/root/bin/exit" &&
		(cd "$dir/ok/root" && find . | cpio -o -H newc --quiet) >"$dir/ok/image" || return 1
	boot "$dir/ok/image" -- /bin/exit 5
	expect_status 5 || return 1
	rm -rf "$dir"
}
run_test guest/runtime/image-mount-points t_image_mount_points

t_truncated_image() {
	build_guest_programs || return 1
	local dir size cut
	dir=$(scratch)
	"$ALTO" build -o "$dir/good.img" "$GT_DIR/gcc/exit" 3 || return 1
	size=$(stat -c %s "$dir/good.img")
	for cut in 300 $((size / 2)) $((size - 1)); do
		head -c "$cut" "$dir/good.img" >"$dir/cut.img"
		tool_says 2 "is not a whole Alto image: the cpio archive is truncated or damaged" \
			"$ALTO" boot "$dir/cut.img" || return 1
		boot --initrd "$dir/cut.img"
		expect_status 2 && expect_out "^initrd: malformed cpio archive \(bad or truncated entry" \
			'^alto: the image cannot be used' || return 1
	done
	boot "$dir/good.img"
	expect_status 3 || return 1
	# Two archives back to back: the kernel would read the first alone.
	cat "$dir/good.img" "$dir/good.img" >"$dir/double.img"
	tool_says 2 "its cpio archive ends at byte $size of $((2 * size)), before more data" \
		"$ALTO" boot "$dir/double.img" || return 1
	boot --initrd "$dir/double.img"
	expect_status 2 && expect_out "^initrd: the cpio archive ends at byte $size of $((2 * size))" ||
		return 1
	rm -rf "$dir"
}
run_test guest/runtime/truncated-image t_truncated_image

# The name that ends a cpio archive cannot be a file's: an image with
# /TRAILER!!! ended there, and the program never ran (status 0, no word).
t_image_trailer_name() {
	build_guest_programs || return 1
	local dir
	dir=$(scratch)
	make_fake_qemu "$dir"
	refused "the guest path /TRAILER!!! cannot be in an image: that name ends a cpio archive" \
		--add "/etc/hostname:/TRAILER!!!" "$GT_DIR/gcc/exit" 5 || return 1
	rm -rf "$dir"
}
run_test host/image-trailer-name t_image_trailer_name

# wait_for_line FILE REGEX: until a line of FILE matches (two minutes at most).
wait_for_line() {
	local i
	for ((i = 0; i < 1200; i++)); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "no line matching $2 in $1"
}

# start_until_ready DIR ALTO-ARGS...: alto run in the background with
# TMPDIR=DIR/tmp and its output in DIR/out; waits until the program says
# "ready". Sets TOOL_PID and QEMU_PID.
start_until_ready() {
	local dir=$1
	shift
	mkdir -p "$dir/tmp"
	TMPDIR="$dir/tmp" "$ALTO" run --timeout "$GUEST_TIMEOUT" "$@" </dev/null >"$dir/out" 2>&1 &
	TOOL_PID=$!
	wait_for_line "$dir/out" '^ready'
	QEMU_PID=$(pgrep -P "$TOOL_PID" | head -n 1)
	echo "tool $TOOL_PID, QEMU ${QEMU_PID:-none}; its files:"
	ls -l "/proc/$TOOL_PID/fd" | grep -o '/.*' | sort -u
	grep -q '^ready' "$dir/out"
}

# finish_tool DIR: wait for the tool; sets STATUS and OUT; QEMU must be gone,
# and nothing left in DIR/tmp.
finish_tool() {
	local dir=$1
	wait "$TOOL_PID"
	STATUS=$?
	OUT=$(cat "$dir/out")
	echo "$OUT"
	echo "[exit status $STATUS]"
	# Gone, or a zombie waiting for a reaper (its state field is Z).
	local i state
	for ((i = 0; i < 50; i++)); do
		state=$(cut -d' ' -f3 "/proc/$QEMU_PID/stat" 2>/dev/null)
		[ -z "$state" ] || [ "$state" = Z ] && break
		sleep 0.1
	done
	if [ -n "$state" ] && [ "$state" != Z ]; then
		kill -9 "$QEMU_PID"
		fail "QEMU ($QEMU_PID) outlived the tool"
	fi
	[ -z "$(ls -A "$dir/tmp")" ] || fail "files left in \$TMPDIR: $(ls -A "$dir/tmp")"
}

# signal_tool DIR SIGNAL STATUS PATTERN ARGS...: start `alto run ARGS` until
# its program is ready, send the tool SIGNAL, and expect STATUS and PATTERN.
signal_tool() {
	local dir=$1 sig=$2 status=$3 pattern=$4
	shift 4
	start_until_ready "$dir" "$@" || return 1
	kill -"$sig" "$TOOL_PID"
	finish_tool "$dir"
	expect_status "$status" && expect_out "$pattern"
}

# Signals to the tool stop the VM cleanly: the program gets SIGTERM (handled,
# ignored or by default), and the VM is stopped after --stop-timeout or at a
# second signal. The tool's temporary files were in $TMPDIR, and none is
# left (they are removed as soon as they are made).
t_tool_signals() {
	build_guest_programs || return 1
	local dir prog
	dir=$(scratch)
	prog=$GT_DIR/gcc/signal
	start_until_ready "$dir/a" "$prog" wait-term handle || return 1
	ls -l "/proc/$TOOL_PID/fd" | grep -q "$dir/a/tmp/alto-image-.* (deleted)" ||
		fail "the image is not a removed file in \$TMPDIR"
	ls -l "/proc/$TOOL_PID/fd" | grep -q "$dir/a/tmp/alto-status-.* (deleted)" ||
		fail "the status file is not a removed file in \$TMPDIR"
	kill -TERM "$TOOL_PID"
	finish_tool "$dir/a"
	expect_status 0 && expect_out '^SIGTERM handled: cleaning up and exiting$' || return 1

	signal_tool "$dir/b" INT 143 'terminated by SIGTERM' "$prog" wait-term default || return 1
	signal_tool "$dir/c" HUP 137 \
		'^alto: the program did not end within 2 s of SIGTERM \(after Hangup\); stopped the VM$' \
		--stop-timeout 2 "$prog" wait-term ignore || return 1

	start_until_ready "$dir/d" "$prog" wait-term ignore || return 1
	kill -TERM "$TOOL_PID"
	sleep 1
	kill -TERM "$TOOL_PID"
	finish_tool "$dir/d"
	expect_status 137 && expect_out '^alto: Terminated again: stopping the VM now$' || return 1

	# Killed outright, the tool takes QEMU with it and leaves nothing behind.
	start_until_ready "$dir/e" "$prog" wait-term handle || return 1
	kill -KILL "$TOOL_PID"
	finish_tool "$dir/e"
	expect_status 137 || return 1
	rm -rf "$dir"
}
run_test guest/runtime/tool-signals t_tool_signals

# With no program (self tests, a bare boot) a stop request powers off at once.
t_tool_signal_boot() {
	local dir pid
	dir=$(scratch)
	"$ALTO" boot --timeout "$GUEST_TIMEOUT" --kernel "$SELFTEST_KERNEL" -- --selftest=hang >"$dir/out" 2>&1 </dev/null &
	pid=$!
	wait_for_line "$dir/out" 'spinning forever'
	kill -TERM "$pid"
	wait "$pid"
	STATUS=$?
	OUT=$(cat "$dir/out")
	echo "$OUT"
	expect_status 143 && expect_out '^alto: stopped by the host$' || return 1
	rm -rf "$dir"
}
run_test guest/runtime/tool-signal-boot t_tool_signal_boot

# A manifest that never ends is refused, not read forever (a generous
# timeout catches a tool that would read on): /dev/zero (NUL bytes), an
# endless stream of lines, a line longer than any two paths.
t_manifest_endless() {
	local dir
	dir=$(scratch)
	make_fake_qemu "$dir"
	tool_says 2 "alto: /dev/zero:1: a NUL byte: not a text file" \
		timeout 120 "$ALTO" run --manifest /dev/zero /bin/true || return 1
	tool_says 2 ":1000001: more than 1000000 lines" \
		timeout 120 bash -c "yes '/x: /etc/hostname' | \"$ALTO\" build -o \"$dir/x.img\" --manifest /dev/stdin /bin/true" ||
		return 1
	[ ! -e "$dir/x.img" ] || fail "a half-written image was left behind" || return 1
	head -c 9000 /dev/zero | tr '\0' a >"$dir/long.manifest"
	tool_says 2 "long.manifest:1: a line longer than 8256 bytes" \
		"$ALTO" run --manifest "$dir/long.manifest" /bin/true || return 1
	rm -rf "$dir"
}
run_test host/manifest-endless t_manifest_endless
