# --manifest FILE: the image's files listed as GUEST_PATH: HOST_PATH lines,
# as OSv's usr.manifest. A file, a directory tree (DIR/**) and a glob, given
# with paths relative to the manifest, are listed and read by busybox in the
# guest; a dynamic program (ld.so running a program from the manifest, and
# python3 with its standard library as a tree) gets its libraries through the
# manifest; a bad manifest is refused before anything boots. Uses scratch,
# make_fake_qemu, expect_refusal, strip_kernel_lines and trim (30-static.sh),
# BB (40-busybox.sh), and dyn_build, dyn_compare, DYN_DIR, PY_LIB (60-dynamic.sh).

# A fixture with a file, a tree (a symlink and a subdirectory in it) and
# files for a glob, and the manifest that names them relative to itself.
mf_fixture() {
	local d=$1
	mkdir -p "$d/data/tree/sub" "$d/data/conf" || return 1
	echo 'hello from the manifest' >"$d/data/hello.txt"
	echo 'deep in the tree' >"$d/data/tree/sub/deep.txt"
	echo 'top of the tree' >"$d/data/tree/top.txt"
	ln -s top.txt "$d/data/tree/link"
	echo 'first = 1' >"$d/data/conf/one.conf"
	echo 'second = 2' >"$d/data/conf/two.conf"
	echo 'not matched' >"$d/data/conf/three.txt"
	cat >"$d/app.manifest" <<'EOF'
# a file, a whole tree and a glob, relative to this file's directory
/greeting.txt: data/hello.txt

/opt/tree/**: data/tree/**
/etc/alto/*.conf: ./data/conf/*.conf
EOF
}

# mf_run NAME ARGS...: busybox under alto run with the manifest; output in $OUT.
mf_run() {
	local name=$1
	shift
	"$ALTO" run --timeout "$GUEST_TIMEOUT" --manifest "$dir/app.manifest" "$@" \
		</dev/null >"$dir/$name.out" 2>&1
	STATUS=$?
	OUT=$(strip_kernel_lines <"$dir/$name.out")
	echo "\$ alto run --manifest app.manifest ${*#"$BB "}  -> status $STATUS"
	echo "$OUT"
}

# mf_expect TEXT: $OUT must be TEXT, and the program must have exited with 0.
mf_expect() {
	expect_status 0 || return 1
	[ "$(trim "$OUT")" = "$(trim "$1")" ] && return 0
	echo "expected:"
	echo "$1"
	return 1
}

t_manifest_busybox() {
	[ -x "$BB" ] || { fail "$BB is missing: scripts/deps.sh installs busybox-static"; return 1; }
	local dir list
	dir=$(scratch)
	mf_fixture "$dir" || return 1
	mf_run ls --keep-image "$dir/app.img" "$BB" ls -R /opt/tree /etc/alto || return 1
	mf_expect "$(printf '%s\n' /etc/alto: one.conf two.conf '' /opt/tree: link sub top.txt '' \
		/opt/tree/sub: deep.txt)" || return 1
	# The tree's symlink stays a symlink; the glob left three.txt out.
	list=$(cpio -tv --quiet <"$dir/app.img")
	grep -E ' opt/tree/link -> top.txt$' <<<"$list" || { fail "symlink not kept"; return 1; }
	! grep -q three.txt <<<"$list" || { fail "the glob took three.txt"; return 1; }
	mf_run cat "$BB" cat /greeting.txt /opt/tree/link /opt/tree/sub/deep.txt \
		/etc/alto/one.conf /etc/alto/two.conf || return 1
	mf_expect "$(cat "$dir/data/hello.txt" "$dir/data/tree/top.txt" \
		"$dir/data/tree/sub/deep.txt" "$dir/data/conf/one.conf" "$dir/data/conf/two.conf")" ||
		return 1
	rm -rf "$dir"
}

# ld.so runs /prog, which only the manifest brings: its libc comes because the
# manifest's programs bring their libraries, as --add files do.
t_manifest_ldso() {
	dyn_build || return 1
	local dir native status
	dir=$(scratch)
	cp "$DYN_DIR/where-nopie" "$dir/prog"
	echo '/prog: prog' >"$dir/app.manifest"
	native=$(env -i /lib64/ld-linux-x86-64.so.2 "$dir/prog" x 2>&1)
	status=$?
	"$ALTO" run --timeout "$GUEST_TIMEOUT" --manifest "$dir/app.manifest" \
		/lib64/ld-linux-x86-64.so.2 /prog x </dev/null >"$dir/out" 2>&1
	STATUS=$?
	OUT=$(strip_kernel_lines <"$dir/out")
	echo "$native"
	echo "--- alto (status $STATUS):"
	echo "$OUT"
	expect_status "$status" && [ "$(trim "$native")" = "$(trim "$OUT")" ] || return 1
	rm -rf "$dir"
}

# Python's standard library as a manifest tree; _sqlite3 brings libsqlite3.
t_manifest_python() {
	[ -n "$PY_LIB" ] || { fail "no /usr/lib/python3.X: scripts/deps.sh installs python3"; return 1; }
	local dir
	dir=$(scratch)
	echo "$PY_LIB/**: $PY_LIB/**" >"$dir/python.manifest"
	dyn_compare --manifest "$dir/python.manifest" -- /usr/bin/python3 -c '
import json, sqlite3
db = sqlite3.connect(":memory:")
db.execute("create table t (x)")
db.executemany("insert into t values (?)", [(i,) for i in range(100)])
print(json.dumps({"sum": db.execute("select sum(x) from t").fetchone()[0]}))' || return 1
	rm -rf "$dir"
}

# A bad manifest: status 2 and "alto: FILE:LINE: what is wrong", nothing booted,
# no image left behind by alto build.
t_manifest_errors() {
	local dir static=/bin/busybox m
	dir=$(scratch)
	make_fake_qemu "$dir"
	m="$dir/bad.manifest"
	printf '# comment\n/ok: %s\n/missing: nothing/here\n' "$static" >"$m"
	expect_refusal "alto: $m:3: $dir/nothing/here: No such file or directory" "$static" \
		--manifest "$m" || return 1
	printf '\n/etc/hostname: /etc/hostname\njust words\n' >"$m"
	expect_refusal "alto: $m:3: bad line 'just words' (GUEST_PATH: HOST_PATH)" "$static" \
		--manifest "$m" || return 1
	printf 'relative: %s\n' "$static" >"$m"
	expect_refusal "alto: $m:1: the guest path relative must be absolute" "$static" \
		--manifest "$m" || return 1
	printf '/etc: %s/*.nothing\n' "$dir" >"$m"
	expect_refusal "alto: $m:1: nothing matches $dir/*.nothing" "$static" --manifest "$m" ||
		return 1
	printf '/x/**: %s\n' "$dir" >"$m"
	expect_refusal "alto: $m:1: DIR/** on one side only" "$static" --manifest "$m" || return 1
	expect_refusal "alto: cannot read the manifest $dir/none: No such file or directory" \
		"$static" --manifest "$dir/none" || return 1
	local out status
	printf '/missing: nothing\n' >"$m"
	out=$("$ALTO" build -o "$dir/app.img" --manifest "$m" "$static" 2>&1)
	status=$?
	echo "\$ alto build -o app.img --manifest bad.manifest  -> status $status: $out"
	[ "$status" -eq 2 ] && [ "$out" = "alto: $m:1: $dir/nothing: No such file or directory" ] &&
		[ ! -e "$dir/app.img" ] || return 1
	rm -rf "$dir"
}

# Both commands that write an image explain the option.
# grep reads to the end (no -q): the help is more than one stdio buffer, and
# under pipefail a SIGPIPE on its second write would fail the test.
t_manifest_help() {
	"$ALTO" run --help | grep -- '--manifest FILE' >/dev/null &&
		"$ALTO" build --help | grep -- '--manifest FILE' >/dev/null
}

run_test manifest/busybox-file-tree-glob t_manifest_busybox
run_test manifest/ld-so-program-libraries t_manifest_ldso
run_test manifest/python3-stdlib-tree t_manifest_python
run_test manifest/errors t_manifest_errors
run_test manifest/help t_manifest_help
