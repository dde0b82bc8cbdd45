# Static programs and `alto run`. First the tool alone (no VM, or a fake QEMU
# that records what it was given): images, command lines, console input,
# refusals. Then the programs of tests/guest/ (programs.txt says which, how),
# each run natively twice (it must be deterministic) and under alto run: the
# outputs and exit statuses must match.

GT_DIR="$BUILD/tests/guest"
GT_TMP="$BUILD/tests/tmp"
DEFAULT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

build_guest_programs() {
	make -s -f tests/guest/rules.mk BUILD="$BUILD" guest-tests-build
}

# A fresh scratch directory for one test, under build/ (absolute path).
scratch() {
	mkdir -p "$GT_TMP"
	mktemp -d "$(cd "$GT_TMP" && pwd)/XXXXXX"
}

# What the kernel adds to the program's output on the console, dropped so
# that the rest compares byte for byte with a native run: the boot lines
# (without --quiet), the report of a fatal fault ("Fatal application fault:
# ..." to "alto: PROGRAM terminated by SIGNAL", which ends it, or to the
# end) and "alto: PROGRAM [(why)] terminated by SIGNAL" for a process a
# signal ended: the program itself (natively, a shell says that much on its
# own stderr), or a child that faulted (nobody says anything natively), and
# wherever it falls in the output. Also the note on a futex
# operation Linux does not have either: the program sees the same ENOSYS
# as natively, and tests/guest/futex.c prints that.
strip_kernel_lines() {
	sed -e '1{/^Cmdline: /d}' -e '1,2{/^Booted in [0-9.]* ms$/d}' \
		-e '/^alto: unknown futex operation [0-9-]*$/d' |
		perl -0777 -pe 's/\n?Fatal application fault: .*?\nalto: [^\n]* terminated by SIG[A-Z0-9]+\n//gs;
			s/\n?Fatal application fault: .*\z//s;
			s/^alto: [^\n]* terminated by SIG[A-Z0-9]+\n//mg;
			s/(\A|\n)alto: [^\n]* terminated by SIG[A-Z0-9]+\n?\z/$1/s'
}

# A fake QEMU in directory $1: it records its arguments (one a line) and, when
# its stdin is not a terminal, its stdin; prints a line; and reports status
# $FAKE_STATUS (default 0) on the status port, as the kernel would.
make_fake_qemu() {
	cat >"$1/qemu" <<'EOF'
#!/bin/bash
dir=$(dirname "$0")
printf '%s\n' "$@" >"$dir/args"
[ -t 0 ] || cat >"$dir/stdin"
for a in "$@"; do
	case $a in file,id=altostatus,path=*)
		echo "ALTO-EXIT ${FAKE_STATUS:-0}" >"${a#file,id=altostatus,path=}" ;;
	esac
done
echo "fake guest output"
EOF
	chmod +x "$1/qemu"
}

# ---------------------------------------------------------------------------
# The tool on its own.

# expect_refusal TEXT PROGRAM [OPTIONS...]: alto run refuses with status 2 and
# TEXT, without starting QEMU.
expect_refusal() {
	local text=$1 prog=$2 out status
	shift 2
	out=$(ALTO_QEMU="$dir/qemu" "$ALTO" run "$@" "$prog" arg 2>&1 </dev/null)
	status=$?
	echo "\$ alto run $* $prog arg  -> status $status"
	echo "$out"
	[ "$status" -eq 2 ] || { fail "expected exit status 2"; return 1; }
	grep -qF -- "$text" <<<"$out" || { fail "expected the text: $text"; return 1; }
	[ "$(grep -cv "^Try 'alto run --help'" <<<"$out")" -eq 1 ] || { fail "expected one line"; return 1; }
	[ ! -e "$dir/args" ] || { fail "QEMU was started"; return 1; }
}

t_run_refusals() {
	build_guest_programs || return 1
	local dir static
	dir=$(scratch)
	static=$GT_DIR/gcc/exit
	make_fake_qemu "$dir"
	printf '#!/bin/sh\necho not ELF\n' >"$dir/script"
	head -c 2000 "$static" >"$dir/truncated"
	head -c 40 "$static" >"$dir/header-only"
	{ printf '\177ELF\001\001\001'; head -c 80 /dev/zero; } >"$dir/elf32"
	cp "$static" "$dir/aarch64"
	printf '\267\000' | dd of="$dir/aarch64" bs=1 seek=18 conv=notrunc status=none
	cp "$static" "$dir/noexec"
	chmod +x "$dir"/script "$dir"/truncated "$dir"/header-only "$dir"/elf32 "$dir"/aarch64
	chmod -x "$dir/noexec"
	# A dynamic program whose library is gone from the host.
	echo 'int missing(void) { return 0; }' | gcc -shared -fPIC -x c - -o "$dir/libalto-missing.so"
	echo 'int missing(void); int main(void) { return missing(); }' |
		gcc -x c - -L"$dir" -lalto-missing -o "$dir/needs-missing"
	rm "$dir/libalto-missing.so"
	: >"$dir/empty"
	mkdir "$dir/subdir"
	expect_refusal "cannot run $dir/missing: No such file or directory" "$dir/missing" &&
		expect_refusal "no such program in PATH" alto-no-such-program &&
		expect_refusal "$dir/subdir is a directory" "$dir/subdir" &&
		expect_refusal "$dir/script is not an ELF executable" "$dir/script" &&
		expect_refusal "$dir/empty is not an ELF executable" "$dir/empty" &&
		expect_refusal "$dir/truncated: truncated ELF file" "$dir/truncated" &&
		expect_refusal "$dir/header-only: truncated ELF file" "$dir/header-only" &&
		expect_refusal "$dir/elf32 is a 32-bit ELF executable" "$dir/elf32" &&
		expect_refusal "$dir/aarch64 is an ELF executable for another architecture" \
			"$dir/aarch64" &&
		expect_refusal "$dir/noexec is not executable (mode 0644); chmod +x it" "$dir/noexec" &&
		expect_refusal "$dir/needs-missing needs libalto-missing.so, which is not found on this host" \
			"$dir/needs-missing" &&
		expect_refusal "cannot add $dir/nothing: no such file or directory" "$static" \
			--add "$dir/nothing" &&
		expect_refusal "the guest path must be absolute" "$static" --add "$dir:relative" &&
		expect_refusal "alto run: unrecognized option '--frobnicate'" "$static" --frobnicate &&
		expect_refusal "bad -e '=x'" "$static" -e =x || return 1
	rm -rf "$dir"
}
run_test host/alto-run-refusals t_run_refusals

t_tool_help() {
	tool_says 0 "usage: alto run" "$ALTO" run --help &&
		tool_says 0 "usage: alto build" "$ALTO" build --help &&
		tool_says 0 "alto run [OPTIONS] PROGRAM" "$ALTO" --help &&
		tool_says 2 "no program given" "$ALTO" run &&
		tool_says 2 "no image given" "$ALTO" build "$GT_DIR/gcc/exit" &&
		tool_says 2 "alto build: unrecognized option '--machine'" "$ALTO" build --machine q35 &&
		tool_says 2 "no image 'nonexistent.img' (kernel arguments go after --)" \
			"$ALTO" boot nonexistent.img &&
		tool_says 2 "is not an Alto image" "$ALTO" boot /etc/hostname
}
run_test host/alto-help t_tool_help

# with_parents PATH...: each absolute path and all its parents, without the leading slash.
with_parents() {
	local p acc part
	for p in "$@"; do
		acc=
		IFS=/ read -ra parts <<<"${p#/}"
		for part in "${parts[@]}"; do
			acc=${acc:+$acc/}$part
			echo "$acc"
		done
	done
}

# The image: parents first, the program, --add trees with symlinks kept, and
# the command line quoted for the kernel's args_split().
t_build_image() {
	build_guest_programs || return 1
	local dir prog list want
	dir=$(scratch)
	prog=$(cd "$GT_DIR" && pwd)/gcc/args
	mkdir -p "$dir/tree/sub"
	echo one >"$dir/tree/a.txt"
	: >"$dir/tree/sub/empty"
	ln -s a.txt "$dir/tree/link"
	chmod 0750 "$dir/tree/sub"
	echo 'me:x:0:0::/home/me:/bin/sh' >"$dir/mypasswd"
	"$ALTO" build -o "$dir/app.img" -e 'GREETING=hello world' -e HOME=/home/me \
		--add "$dir/tree" --add "$dir/tree/a.txt:/etc/copied" --add "$dir/mypasswd:/etc/passwd" \
		"$prog" 'two words' '' "it's" || return 1
	list=$(cd "$dir" && cpio -t --quiet <app.img) || return 1
	echo "$list"
	want=$(
		with_parents "$dir/tree/a.txt" "$dir/tree/link" "$dir/tree/sub/empty" /etc/copied \
			"$prog" /.alto/cmdline /etc/passwd /etc/group /etc/hosts /etc/hostname \
			/etc/nsswitch.conf /etc/resolv.conf /etc/host.conf
	)
	local missing extra
	missing=$(comm -13 <(sort <<<"$list") <(sort -u <<<"$want"))
	extra=$(comm -23 <(sort <<<"$list") <(sort -u <<<"$want"))
	[ -z "$missing$extra" ] || { fail "missing: $missing; unexpected: $extra"; return 1; }
	[ "$(sort <<<"$list" | uniq -d)" = "" ] || { fail "a path is in the image twice"; return 1; }
	local cmdline expect
	cmdline=$(cd "$dir" && cpio -i --quiet --to-stdout .alto/cmdline <app.img)
	expect="--env=PATH=$DEFAULT_PATH --env=HOME=/home/me '--env=GREETING=hello world' $prog 'two words' '' \"it's\""
	echo "cmdline: $cmdline"
	[ "$cmdline" = "$expect" ] || { fail "expected: $expect"; return 1; }
	mkdir "$dir/out" && (cd "$dir/out" && cpio -idm --quiet <../app.img) || return 1
	[ "$(readlink "$dir/out/$dir/tree/link")" = a.txt ] || { fail "symlink not kept"; return 1; }
	[ "$(stat -c %a "$dir/out/$dir/tree/sub")" = 750 ] || { fail "mode not kept"; return 1; }
	cmp "$prog" "$dir/out/$prog" && cmp "$dir/tree/a.txt" "$dir/out/etc/copied" || return 1
	# The user's /etc/passwd is kept; what is missing is made, with root's home at /.
	cmp "$dir/mypasswd" "$dir/out/etc/passwd" || { fail "the added /etc/passwd was replaced"; return 1; }
	grep -qx 'root:x:0:' "$dir/out/etc/group" && grep -q '^127.0.0.1' "$dir/out/etc/hosts" &&
		grep -q '^hosts: *files' "$dir/out/etc/nsswitch.conf" || { fail "bad /etc files"; return 1; }
	local out
	out=$("$ALTO" boot --dry-run "$dir/app.img" -- --verbose 2>&1 </dev/null)
	echo "$out"
	grep -qF -- "-initrd $dir/app.img" <<<"$out" &&
		grep -qF -- "-m 256M" <<<"$out" &&
		grep -qF -- "-append '--stdin-eof --verbose'" <<<"$out" || return 1
	rm -rf "$dir"
}
run_test host/alto-build-image t_build_image

# The QEMU command of alto run: options, kernel options, a temporary image
# (in $TMPDIR, removed at once and given as /dev/fd/N) that is gone
# afterwards, unless kept.
t_run_dry_run() {
	build_guest_programs || return 1
	local out out2 image dir
	# The command and the image's line go to stderr, read alone: were
	# stdout the same pipe, alto would add --stderr=stdout (2>&1 keeps the
	# native order).
	dir=$(scratch)
	out=$(TMPDIR=$dir "$ALTO" run --dry-run --verbose -m 512M -c 2 --machine q35 --strace -- --verbose \
		"$GT_DIR/gcc/exit" 3 2>&1 >/dev/null </dev/null) || return 1
	echo "$out"
	grep -Eq "^alto: image /dev/fd/[0-9]+ \(a temporary file, removed already\): [0-9]+ entries" \
		<<<"$out" || fail "expected the temporary image's line" || return 1
	grep -qF -- "-M q35 " <<<"$out" && grep -qF -- "-m 512M -smp 2 " <<<"$out" &&
		grep -qF -- "-append '--stdin-eof --strace --verbose'" <<<"$out" || return 1
	out2=$("$ALTO" run --dry-run --strace "$GT_DIR/gcc/exit" 2>&1 >/dev/null </dev/null) || return 1
	echo "$out2"
	grep -qF -- "-append '--stdin-eof --quiet --strace'" <<<"$out2" || return 1
	# With 2>&1, stdout and stderr are one pipe: one port carries both streams.
	out2=$("$ALTO" run --dry-run --strace "$GT_DIR/gcc/exit" 2>&1 </dev/null) || return 1
	grep -qF -- "-append '--stdin-eof --stderr=stdout --quiet --strace'" <<<"$out2" || return 1
	[ -z "$(ls -A "$dir")" ] || { fail "files left in \$TMPDIR: $(ls -A "$dir")"; return 1; }
	out=$("$ALTO" run --dry-run --keep-image "$dir/kept.img" "$GT_DIR/gcc/exit" 2>&1 >/dev/null </dev/null)
	echo "$out"
	grep -qF -- "-initrd $dir/kept.img" <<<"$out" && [ -s "$dir/kept.img" ] || return 1
	rm -rf "$dir"
}
run_test host/alto-run-dry-run t_run_dry_run

# Console input through a fake QEMU: escaped stdin and the end marker, the
# terminal case (--tty=COLSxROWS, stdin given as it is), the exit status.
# Not on a terminal, QEMU's own stdout (the serial console, the kernel's
# lines) is our stderr: the program's stdout has its virtio-serial port.
t_run_stdin() {
	build_guest_programs || return 1
	local dir prog status got
	dir=$(scratch)
	prog=$GT_DIR/gcc/stdin
	make_fake_qemu "$dir"
	printf 'a\377b\000c\377\377' | FAKE_STATUS=7 ALTO_QEMU="$dir/qemu" "$ALTO" run "$prog" \
		>"$dir/out" 2>"$dir/err"
	status=$?
	got=$(od -An -tx1 "$dir/stdin" | tr -s ' \n' ' ')
	echo "status $status, QEMU read:$got"
	[ "$status" -eq 7 ] || { fail "expected the fake guest's status 7"; return 1; }
	[ "$got" = " 61 ff ff 62 00 63 ff ff ff ff ff 00 " ] || return 1
	grep -qx -- "--stdin-eof --quiet" "$dir/args" && grep -qx "fake guest output" "$dir/err" ||
		return 1
	[ ! -s "$dir/out" ] || { fail "the serial console reached stdout"; return 1; }
	grep -qx "virtserialport,bus=altostreams.0,nr=1,chardev=altoout" "$dir/args" || return 1

	ALTO_QEMU="$dir/qemu" "$ALTO" run "$prog" </dev/null >/dev/null || return 1
	got=$(od -An -tx1 "$dir/stdin" | tr -s ' \n' ' ')
	echo "from /dev/null, QEMU read:$got"
	[ "$got" = " ff 00 " ] || return 1

	head -c 1000000 /dev/urandom >"$dir/random"
	ALTO_QEMU="$dir/qemu" "$ALTO" run "$prog" <"$dir/random" >/dev/null || return 1
	sed 's/\xff/\xff\xff/g' "$dir/random" >"$dir/escaped"
	printf '\377\000' >>"$dir/escaped"
	LC_ALL=C cmp "$dir/stdin" "$dir/escaped" || { fail "1 MB of random bytes garbled"; return 1; }
	rm -rf "$dir"
}
run_test host/alto-run-stdin t_run_stdin

t_run_tty() {
	build_guest_programs || return 1
	local dir
	dir=$(scratch)
	make_fake_qemu "$dir"
	ALTO_QEMU="$dir/qemu" script -qec "stty cols 123 rows 45; $ALTO run $GT_DIR/gcc/exit" \
		/dev/null </dev/null >/dev/null || return 1
	cat "$dir/args"
	grep -qx -- "--tty=123x45 --quiet" "$dir/args" || { fail "expected --tty=123x45 --quiet"; return 1; }
	# A terminal: Ctrl-C must reach the guest (signal=off), Ctrl-A x stops the VM (mux).
	grep -qx -- "stdio,id=console,mux=on,signal=off" "$dir/args" || return 1
	grep -A1 -x -- -serial "$dir/args" | grep -qx chardev:console || return 1
	[ ! -e "$dir/stdin" ] || { fail "stdin was piped, not given as the terminal"; return 1; }
	# One terminal for everything, as before: no separate streams.
	grep -q altostreams "$dir/args" && { fail "streams split on a terminal"; return 1; }
	rm -rf "$dir"
}
run_test host/alto-run-tty t_run_tty

# QEMU ending while stdin still has data ends the tool at once, status intact.
# (A tool that waited for its stdin would never end: `timeout` would stop it
# with status 124; no timing is asserted.)
t_run_qemu_exits_early() {
	build_guest_programs || return 1
	local dir status
	dir=$(scratch)
	# The guest's status 3 on the status port, and isa-debug-exit's (3 << 1) | 1.
	cat >"$dir/qemu" <<'EOF2'
#!/bin/bash
for a in "$@"; do
	case $a in file,id=altostatus,path=*) echo "ALTO-EXIT 3" >"${a#file,id=altostatus,path=}" ;; esac
done
exit 7
EOF2
	chmod +x "$dir/qemu"
	yes | ALTO_QEMU="$dir/qemu" timeout 120 "$ALTO" run "$GT_DIR/gcc/exit"
	status=$?
	echo "status $status"
	[ "$status" -eq 3 ] || { fail "expected the guest's status 3 with an endless stdin"; return 1; }
	# stdin open but silent: the tool must not wait for it either.
	local fd sleeper
	exec {fd}< <(exec sleep 600)
	sleeper=$!
	ALTO_QEMU="$dir/qemu" timeout 120 "$ALTO" run "$GT_DIR/gcc/exit" <&"$fd"
	status=$?
	exec {fd}<&-
	kill "$sleeper" 2>/dev/null
	echo "with a silent stdin: status $status"
	[ "$status" -eq 3 ] || { fail "expected the guest's status 3 with a silent stdin"; return 1; }
	rm -rf "$dir"
}
run_test host/alto-run-qemu-exits-early t_run_qemu_exits_early

# ---------------------------------------------------------------------------
# The guest programs: the table.

GT_NAMES=()
GT_PROGS=()
GT_VARIANTS=()
GT_CPUS=()
GT_STATUS=()
GT_STDIN=()
GT_ENV=()
GT_ARGS=()

trim() {
	local s=$1
	s=${s#"${s%%[![:space:]]*}"}
	printf '%s' "${s%"${s##*[![:space:]]}"}"
}

while IFS='|' read -r name prog variants cpus status stdin env args; do
	name=$(trim "$name")
	[[ -z $name || $name == \#* ]] && continue
	GT_NAMES+=("$name")
	GT_PROGS+=("$(trim "$prog")")
	GT_VARIANTS+=("$(trim "$variants")")
	GT_CPUS+=("$(trim "$cpus")")
	GT_STATUS+=("$(trim "$status")")
	GT_STDIN+=("$(trim "$stdin")")
	GT_ENV+=("$(trim "$env")")
	GT_ARGS+=("$(trim "$args")")
done <tests/guest/programs.txt

# gt_setup INDEX VARIANT: sets bin, input, envs and args for row INDEX.
gt_setup() {
	local i=$1
	bin="$(cd "$GT_DIR" && pwd)/$2/${GT_PROGS[$i]}"
	input=/dev/null
	[ "${GT_STDIN[$i]}" = - ] || input="$GT_DIR/${GT_STDIN[$i]}"
	eval "envs=(${GT_ENV[$i]})"
	eval "args=(${GT_ARGS[$i]})"
}

# native OUT: run $bin as alto run would, in a fresh working directory with a
# clean environment; returns its exit status (128+N for signal N).
# Native runs side by side on the host get an IPC namespace each (the
# programs use fixed POSIX message queue and System V names), /dev/mqueue
# showing it, where the host lets us make one (root).
if unshare --ipc --mount true 2>/dev/null; then
	if [ -d /dev/mqueue ]; then
		NATIVE_WRAP=(unshare --ipc --mount sh -c 'mount -t mqueue mqueue /dev/mqueue && exec "$@"' sh)
	else
		NATIVE_WRAP=(unshare --ipc)
	fi
else
	NATIVE_WRAP=()
fi

native() {
	local dir status
	dir=$(mktemp -d)
	(cd "$dir" && exec "${NATIVE_WRAP[@]}" env -i PATH="$DEFAULT_PATH" HOME=/root "${envs[@]}" "$bin" "${args[@]}") \
		<"$input" >"$1" 2>&1
	status=$?
	rm -rf "$dir"
	return $status
}

# Natively, twice: same output both times, and the status the table says.
gt_native() {
	local i=$1 v bin input envs args dir s1 s2
	build_guest_programs || return 1
	dir=$(scratch)
	for v in ${GT_VARIANTS[$i]}; do
		gt_setup "$i" "$v"
		native "$dir/1"
		s1=$?
		native "$dir/2"
		s2=$?
		echo "$v: status $s1 then $s2, $(wc -l <"$dir/1") lines"
		if ! cmp -s "$dir/1" "$dir/2"; then
			echo "$v: the output differs between two native runs:"
			diff -a "$dir/1" "$dir/2" | head -20
			return 1
		fi
		[ "$s1" -eq "${GT_STATUS[$i]}" ] && [ "$s2" -eq "$s1" ] ||
			{ echo "expected status ${GT_STATUS[$i]}"; cat "$dir/1"; return 1; }
		grep -q ': no$' "$dir/1" && echo "note: some checks print 'no' natively:" &&
			grep ': no$' "$dir/1"
	done
	rm -rf "$dir"
}

# Natively and in Alto on CPUS processors: the same output, byte for byte,
# and the same status. (Natively the program runs on the host's CPUs,
# whatever their number: a program run with several CPU counts prints only
# what must not depend on it.)
gt_guest() {
	local i=$1 v=$2 cpus=$3 bin input envs args dir native_status guest_status e retry eopts=()
	build_guest_programs || return 1
	dir=$(scratch)
	gt_setup "$i" "$v"
	native "$dir/native"
	native_status=$?
	for e in "${envs[@]}"; do
		eopts+=(-e "$e")
	done
	# Both streams in one file, as natively (the kernel's lines come with stderr).
	"$ALTO" run --timeout "$GUEST_TIMEOUT" -c "$cpus" "${eopts[@]}" "$bin" "${args[@]}" \
		<"$input" >"$dir/console" 2>&1
	guest_status=$?
	strip_kernel_lines <"$dir/console" >"$dir/guest"
	echo "native status $native_status, Alto status $guest_status on $cpus CPU(s)"
	# Linux's side is timed on a loaded host too (nice weighting, deadlines):
	# when Alto's output differs, two more native runs may agree with it.
	for retry in 1 2; do
		cmp -s "$dir/native" "$dir/guest" && break
		echo "the output differs (- native, + Alto):"
		diff -au "$dir/native" "$dir/guest" | tail -n +3 | head -60
		echo "native run $((retry + 1)):"
		native "$dir/native"
		native_status=$?
	done
	if ! cmp -s "$dir/native" "$dir/guest"; then
		echo "the output differs (- native run 3, + Alto):"
		diff -au "$dir/native" "$dir/guest" | tail -n +3 | head -60
		return 1
	fi
	[ "$native_status" -eq "$guest_status" ] || { fail "the status differs"; return 1; }
	rm -rf "$dir"
}

for i in "${!GT_NAMES[@]}"; do
	eval "t_gt_native_$i() { gt_native $i; }"
	run_test "host/native/${GT_NAMES[$i]}" "t_gt_native_$i"
done
# One guest test per variant and CPU count: NAME-VARIANT on one CPU,
# NAME-VARIANT-cN on N.
for i in "${!GT_NAMES[@]}"; do
	for v in ${GT_VARIANTS[$i]}; do
		for c in ${GT_CPUS[$i]}; do
			suffix=$v
			[ "$c" = 1 ] || suffix=$v-c$c
			eval "t_gt_guest_${i}_${v}_$c() { gt_guest $i $v $c; }"
			run_test "guest/static/${GT_NAMES[$i]}-$suffix" "t_gt_guest_${i}_${v}_$c"
		done
	done
done
