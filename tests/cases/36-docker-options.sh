# Docker's habits in alto run (issue 15, point 4): --env-file, -w/--workdir,
# --name, -m with Docker's suffixes, --cpus (fractions rounded up), -i/-t/-it,
# --rm; each bad value
# refused with status 2 and one line. Uses scratch, make_fake_qemu and
# expect_refusal (30-static.sh).

# The options reach QEMU's command line (a fake QEMU records it) and bad
# values are refused before QEMU starts.
t_docker_options_tool() {
	build_guest_programs || return 1
	local dir static=$GT_DIR/gcc/exit size
	dir=$(scratch)
	make_fake_qemu "$dir"
	for size in 268435456b 268435456B 262144k 262144K 256m 256M 256mb 256MiB; do
		rm -f "$dir/args"
		ALTO_QEMU="$dir/qemu" "$ALTO" run -m "$size" "$static" 0 </dev/null >/dev/null || return 1
		grep -A1 -x -- -m "$dir/args" | grep -qx 256M || fail "-m $size is not 256M" || return 1
	done
	rm -f "$dir/args"
	ALTO_QEMU="$dir/qemu" "$ALTO" run -m 1g --cpus 2 --name web-1.a_b -it "$static" 0 </dev/null >/dev/null ||
		fail "-m 1g --cpus 2 --name web-1.a_b -it refused" || return 1
	cat "$dir/args"
	grep -A1 -x -- -m "$dir/args" | grep -qx 1024M || fail "-m 1g is not 1024M" || return 1
	grep -A1 -x -- -smp "$dir/args" | grep -qx 2 || fail "--cpus 2 is not -smp 2" || return 1
	grep -A1 -x -- -name "$dir/args" | grep -qx 'web-1.a_b,process=web-1.a_b' ||
		fail "--name is not QEMU's -name" || return 1
	for cpus in 1.5:2 0.5:1 2.0:2 64:64; do
		rm -f "$dir/args"
		ALTO_QEMU="$dir/qemu" "$ALTO" run --cpus "${cpus%:*}" "$static" 0 </dev/null >/dev/null ||
			fail "--cpus ${cpus%:*} refused" || return 1
		grep -A1 -x -- -smp "$dir/args" | grep -qx "${cpus#*:}" ||
			fail "--cpus ${cpus%:*} is not -smp ${cpus#*:}" || return 1
	done
	rm -f "$dir/args"
	for opt in -i -t --interactive --tty --rm; do
		ALTO_QEMU="$dir/qemu" "$ALTO" run "$opt" "$static" 0 </dev/null >/dev/null ||
			fail "$opt refused" || return 1
	done
	printf 'BAD NAME=x\n' >"$dir/bad.env"
	printf '=x\n' >"$dir/empty-name.env"
	rm -f "$dir/args"
	expect_refusal "bad memory size '12x'" "$static" -m 12x &&
		expect_refusal "bad memory size '1gb2'" "$static" -m 1gb2 &&
		expect_refusal "bad --name 'a,b'" "$static" --name a,b &&
		expect_refusal "bad --name '-web'" "$static" --name -web &&
		expect_refusal "bad CPU count '64.5' (from 1 to 64, a fraction rounded up)" "$static" \
			--cpus 64.5 &&
		expect_refusal "bad CPU count '0.0'" "$static" --cpus 0.0 &&
		expect_refusal "bad CPU count '.5'" "$static" --cpus .5 &&
		expect_refusal "bad CPU count '0'" "$static" --cpus 0 &&
		expect_refusal "bad --workdir 'etc': the directory must be absolute" "$static" -w etc &&
		expect_refusal "cannot read the --env-file $dir/none: No such file or directory" \
			"$static" --env-file "$dir/none" &&
		expect_refusal "$dir/bad.env:1: bad line 'BAD NAME=x'" "$static" --env-file "$dir/bad.env" &&
		expect_refusal "$dir/empty-name.env:1: bad line '=x'" "$static" \
			--env-file "$dir/empty-name.env" || return 1
	rm -rf "$dir"
}
run_test host/docker-options-tool t_docker_options_tool

# In the guest: the working directory, the variables of an --env-file
# (NAME=VALUE, NAME alone from this environment, comments, an -e after it
# wins), and --name as the process name of QEMU in ps.
t_docker_options_guest() {
	local dir
	dir=$(scratch)
	printf '# a comment\n\nA=one two\n  B\nC=\nD=file\n' >"$dir/vars.env"
	OUT=$(B=from-host "$ALTO" run --timeout "$GUEST_TIMEOUT" -w /etc --env-file "$dir/vars.env" \
		-e D=option /bin/busybox sh -c 'pwd; echo "A=$A B=$B C=[$C] D=$D"' 2>&1 </dev/null)
	STATUS=$?
	echo "$OUT"
	expect_status 0 && expect_out '^/etc$' '^A=one two B=from-host C=\[\] D=option$' || return 1
	# -w for each program after a --.
	OUT=$("$ALTO" run --timeout "$GUEST_TIMEOUT" -w /etc -- /bin/busybox pwd ';' \
		/bin/busybox pwd 2>&1 </dev/null)
	STATUS=$?
	echo "$OUT"
	expect_status 0 && [ "$(grep -cx /etc <<<"$OUT")" -eq 2 ] ||
		fail "expected /etc twice" || return 1
	"$ALTO" run --timeout "$GUEST_TIMEOUT" --name alto-t-name /bin/busybox sh -c \
		'echo ready; sleep 30' </dev/null >"$dir/out" 2>&1 &
	local pid=$! found
	wait_for_line "$dir/out" '^ready' || { kill "$pid"; return 1; }
	found=$(ps -eo comm= | grep -cx alto-t-name)
	kill "$pid"
	wait "$pid"
	[ "$found" -eq 1 ] || fail "expected one process named alto-t-name in ps, found $found" || return 1
	rm -rf "$dir"
}
run_test guest/docker-options t_docker_options_guest

# The help in docker run --help's groups, each option under its heading.
# help_section TEXT HEADING: the lines under HEADING, up to the next one.
help_section() {
	awk -v h="$2:" '$0 == h { on = 1; next } /^[A-Z][a-z]*:$/ { on = 0 } on' <<<"$1"
}

t_docker_help_groups() {
	local run boot
	run=$("$ALTO" run --help) && boot=$("$ALTO" boot --help) || return 1
	[ "$(grep -x '[A-Z][a-z]*:' <<<"$run" | tr '\n' ' ')" = \
		"Program: Resources: Network: Storage: Debugging: " ] ||
		fail "alto run --help: expected the headings Program, Resources, Network, Storage, Debugging" ||
		return 1
	help_section "$run" Program | grep -q -- '^  -w, --workdir DIR' &&
		help_section "$run" Program | grep -q -- '^  --env-file FILE' &&
		help_section "$run" Program | grep -q -- '^  -i, -t, -it' &&
		help_section "$run" Resources | grep -q -- '^  -m, --memory SIZE' &&
		help_section "$run" Resources | grep -q -- '^  --name NAME' &&
		help_section "$run" Network | grep -q -- '^  -p, --publish' &&
		help_section "$run" Storage | grep -q -- '^  -v, --volume' &&
		help_section "$run" Debugging | grep -q -- '^  --strace' ||
		fail "alto run --help: an option is not under its heading" || return 1
	[ "$(grep -x '[A-Z][a-z]*:' <<<"$boot" | tr '\n' ' ')" = \
		"Image: Resources: Network: Storage: Debugging: " ] ||
		fail "alto boot --help: expected the headings Image, Resources, Network, Storage, Debugging"
}
run_test host/docker-help-groups t_docker_help_groups
