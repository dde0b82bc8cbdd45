# What the documentation shows runs as shown: every example command in
# README.md (the code lines under "Every line below is run as written",
# run in order, each by bash exactly as written, in a scratch directory
# where build/ is this build) and every line of the
# examples in `alto --help` and `alto COMMAND --help` must end with status
# 0 within the time limit. A README example that breaks fails here. Then
# `make run`'s tour (tools/demo/run.sh without a terminal).

EX_DIR=$(realpath -m "$BUILD/tests/examples")
EX_BUILD=$(realpath -m "$BUILD")

# examples_setup: a fresh scratch directory with build/ and bin/alto.
examples_setup() {
	rm -rf "$EX_DIR" && mkdir -p "$EX_DIR/bin" || return 1
	ln -s "$EX_BUILD" "$EX_DIR/build" && ln -s "$EX_BUILD/bin/alto" "$EX_DIR/bin/alto"
}

# run_example LINE: LINE run by bash in the scratch directory, stdin empty.
run_example() {
	echo "\$ $1"
	(cd "$EX_DIR" && PATH="$EX_DIR/bin:$PATH" timeout "$GUEST_TIMEOUT" bash -c "$1" </dev/null)
	STATUS=$?
	echo "[exit status $STATUS]"
	expect_status 0
}

# The code lines after "Every line below is run as written", to the next
# paragraph (continuation lines, which start with spaces or #, left out).
readme_examples() {
	awk '/^Every line below is run as written/ { on = 1; next }
	     on && /^[^ ]/ && started { exit }
	     on && /^    [^ #]/ { started = 1; print substr($0, 5) }' README.md
}

# The lines under "examples:" in a help text, up to the next blank line.
help_examples() {
	"$ALTO" "$@" --help | awk '/^examples:$/ { on = 1; next } /^$/ { on = 0 } on' |
		sed -E 's/^ +//'
}

examples_setup
n=0
while IFS= read -r line; do
	n=$((n + 1))
	eval "t_readme_$n() { run_example $(printf '%q' "$line"); }"
	run_test "examples/readme-$n" "t_readme_$n"
done < <(readme_examples)

t_readme_found() {
	local count
	count=$(readme_examples | wc -l)
	echo "$count examples in README.md"
	[ "$count" -ge 10 ]
}
run_test examples/readme-found t_readme_found

for cmd in "" run build boot; do
	n=0
	while IFS= read -r line; do
		n=$((n + 1))
		eval "t_help_${cmd:-alto}_$n() { run_example $(printf '%q' "$line"); }"
		run_test "examples/help-${cmd:-alto}-$n" "t_help_${cmd:-alto}_$n"
	done < <(help_examples $cmd)
done

t_help_found() {
	local count
	count=$(help_examples | wc -l)
	echo "$count examples in alto --help"
	[ "$count" -ge 3 ]
}
run_test examples/help-found t_help_found

# make run without a terminal: the tour, from a fork to /tmp, and status 0.
t_make_run_tour() {
	OUT=$(timeout "$GUEST_TIMEOUT" tools/demo/run.sh "$ALTO" 2>&1 </dev/null)
	STATUS=$?
	echo "$OUT"
	expect_status 0 && expect_out '^This is Linux [^ ]+-alto on x86_64' \
		'^ +[0-9]+ sleep$' '^ +[0-9]+ ps$' '^  waited for it: status 0$' \
		'^  /tmp/greeting says hello$' '^Done: '
}
run_test examples/make-run-tour t_make_run_tour
