# Several programs on one command line, as OSv runs them (the grammar of
# include/alto/commands.h, parsed in lib/commands.c; its unit test is
# tests/unit/test_commands.c): `;` runs the next program after the last
# one ended, `&` in the background, `!` ends the VM (killing the rest) with
# the status of the program it follows, `&!` does so from the background;
# each program's own --env= and --cwd=; runscript FILE with $VAR expansion;
# the VM's status; and errors named with their column, by the tool (alto
# run) and by the kernel (alto boot). Uses BB (40-busybox.sh).

CMD_DIR=$(realpath -m "$BUILD/tests/commands")

# cmd_run ARGS...: alto run with ARGS; $OUT (kernel lines dropped), $STATUS, $MS.
cmd_run() {
	local start
	start=$(date +%s%N)
	OUT=$("$ALTO" run --timeout "$GUEST_TIMEOUT" "$@" 2>&1 </dev/null)
	STATUS=$?
	MS=$((($(date +%s%N) - start) / 1000000))
	OUT=$(grep -v '^alto: .* terminated by SIG' <<<"$OUT")
	echo "$OUT"
	echo "[exit status $STATUS after $MS ms]"
}

expect_exact() {
	[ "$OUT" = "$1" ] && return 0
	echo "expected exactly:"
	echo "$1"
	return 1
}

t_cmd_sequence() {
	cmd_run -- "$BB" echo one ';' "$BB" sh -c 'echo two; exit 3' ';' "$BB" echo three &&
		expect_status 0 && expect_exact $'one\ntwo\nthree' || return 1
	# The VM's status is the last program's that was waited for.
	cmd_run -- "$BB" echo one ';' "$BB" sh -c 'exit 5' && expect_status 5 || return 1
	# A program the image lacks (the kernel's line replaces the image's): 127, and on it goes.
	mkdir -p "$CMD_DIR"
	"$ALTO" build -o "$CMD_DIR/bb.img" "$BB" true || return 1
	boot "$CMD_DIR/bb.img" -- --quiet "$BB echo before ; /alto/no/such ; $BB echo after" &&
		expect_status 0 && expect_out '^before$' '^after$' \
			'^alto: /alto/no/such: No such file or directory$' || return 1
	boot "$CMD_DIR/bb.img" -- --quiet "$BB echo before ; /alto/no/such" && expect_status 127
}
run_test commands/sequence t_cmd_sequence

t_cmd_background() {
	# The background program still runs when the next ends; the VM waits for it.
	cmd_run -- "$BB" sh -c 'sleep 0.5; echo late' '&' "$BB" echo early &&
		expect_status 0 && expect_exact $'early\nlate' || return 1
	# All in the background: the first program's status.
	cmd_run -- "$BB" sh -c 'exit 6' '&' "$BB" sh -c 'sleep 0.2; exit 2' '&' && expect_status 6
}
run_test commands/background t_cmd_background

t_cmd_ends_vm() {
	# '!': the VM ends with that program, the sleeper killed at once.
	cmd_run -- "$BB" sh -c 'sleep 60; echo never' '&' "$BB" sh -c 'echo ends; exit 4' '!' \
		"$BB" echo never2 &&
		expect_status 4 && expect_exact ends || return 1
	[ "$MS" -lt 30000 ] || { echo "the sleeper was not killed"; return 1; }
	# '&!': the same from the background, while a foreground program still runs.
	cmd_run -- "$BB" sh -c 'sleep 0.3; echo watcher; exit 9' '&!' "$BB" sh -c 'sleep 60; echo never' &&
		expect_status 9 && expect_exact watcher || return 1
	[ "$MS" -lt 30000 ] || { echo "the foreground program was not killed"; return 1; }
}
run_test commands/ends-vm t_cmd_ends_vm

# '!' while another program forks without a pause: every process goes, the
# children a fork was making while the kill went round included (they
# escaped it in 5 of 9 runs before: the VM then waited for its timeout).
t_cmd_ends_vm_forking() {
	for i in 1 2 3; do
		OUT=$("$ALTO" run --timeout 30 -- "$BB" sh -c "while :; do $BB sleep 100 & done" '&' \
			"$BB" sh -c 'sleep 0.5; exit 4' '!' 2>&1 </dev/null)
		STATUS=$?
		echo "run $i: status $STATUS"
		expect_status 4 || { echo "$OUT" | tail -5; return 1; }
	done
}
run_test commands/ends-vm-forking t_cmd_ends_vm_forking

t_cmd_env_cwd() {
	cmd_run -e SHARED=all -- "$BB" sh -c 'echo "$SHARED $OWN $(pwd)"' ';' --env=OWN=second \
		--cwd=/tmp "$BB" sh -c 'echo "$SHARED $OWN $(pwd)"' ';' --env=SHARED=replaced \
		"$BB" sh -c 'echo "$SHARED $OWN $(pwd)"' &&
		expect_status 0 && expect_exact $'all  /\nall second /tmp\nreplaced  /' || return 1
	# Quoting survives: separators and blanks inside arguments, '\;' for a lone ';'.
	cmd_run -- "$BB" echo 'a;b' 'c & d' 'e!' '\&!' && expect_exact 'a;b c & d e! &!' || return 1
	cmd_run -- "$BB" echo 'x' '\;' 'y' && expect_exact 'x ; y'
}
run_test commands/env-cwd-quoting t_cmd_env_cwd

t_cmd_runscript() {
	mkdir -p "$CMD_DIR"
	# $VARs come from the environment before the script's own --env= applies (as in a
	# shell), which its programs then have; "..." keeps an expanded value one word.
	cat >"$CMD_DIR/script" <<EOF
--env=FROM=script $BB echo "\$GREETING from \${FROM}here" ;
  $BB sh -c 'echo "second: \$1 (\$FROM)"' sh "\$GREETING"
EOF
	cmd_run -e GREETING='hello there' -- runscript "$CMD_DIR/script" ';' "$BB" echo after &&
		expect_status 0 &&
		expect_exact $'hello there from here\nsecond: hello there (script)\nafter' || return 1
	# A runscript error names its file and column, before any VM starts.
	printf '%s true ;\n%s echo ${UNCLOSED\n' "$BB" "$BB" >"$CMD_DIR/bad"
	cmd_run -- runscript "$CMD_DIR/bad" && expect_status 2 &&
		expect_out "^alto: $CMD_DIR/bad: line 2, column $((${#BB} + 7)): \\$\\{ is not closed by \\}$" \
			"^  $BB echo \\$\\{UNCLOSED$" "^ {$((${#BB} + 8))}\\^$" || return 1
	cmd_run -- runscript "$CMD_DIR/missing" && expect_status 2 &&
		expect_out "runscript $CMD_DIR/missing: No such file or directory"
}
run_test commands/runscript t_cmd_runscript

t_cmd_errors() {
	# The tool parses the line before building anything.
	cmd_run -- "$BB" echo a ';' && expect_status 2 &&
		expect_out "^alto: the command line: column $((${#BB} + 9)): nothing follows the final ';'$" ||
		return 1
	cmd_run -- "$BB" echo a ';' ';' "$BB" echo b && expect_status 2 &&
		expect_out "no command before ';'" || return 1
	cmd_run -- "$BB" ';' --quiet "$BB" && expect_status 2 &&
		expect_out "only --env= and --cwd= may start a command after the first" || return 1
	# The kernel parses its own command line, and says the same with the column.
	boot -- --quiet '/bin/x "unclosed' && expect_status 2 &&
		expect_out '^alto: the command line: column 16: a quote is not closed$' \
			'^                 \^$' || return 1
	boot -- --quiet '/bin/x & ; y' && expect_status 2 &&
		expect_out '^alto: the command line: column 18: no command before .;.$'
}
run_test commands/errors t_cmd_errors
