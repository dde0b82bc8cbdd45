# Dynamically linked programs. Small programs built here (a PIE, a non-PIE,
# one run through ld.so directly, the vDSO's users), then real programs from
# Debian, unmodified: python3, perl, sqlite3, lua5.4 and coreutils. Each real
# program runs on the host and under `alto run` with the same arguments and
# a clean environment; output and status must match. `alto run` collects the
# interpreter and libraries itself; Python's standard library comes with
# --add /usr/lib/python3.X (its extension modules bring their libraries).
# Uses DEFAULT_PATH, strip_kernel_lines and trim from 30-static.sh.

DYN_DIR=$(realpath -m "$BUILD/tests/dynamic")
PY_LIB=$(ls -d /usr/lib/python3.[0-9]* 2>/dev/null | sort -V | tail -n 1)

# The test programs, built once per run of the suite.
dyn_build() {
	[ -x "$DYN_DIR/where-nopie" ] && [ "$DYN_DIR/where-nopie" -nt "$BASH_SOURCE" ] && return 0
	mkdir -p "$DYN_DIR"
	cat >"$DYN_DIR/where.c" <<'EOF'
#include <stdio.h>
#include <sys/auxv.h>
#include <time.h>
/* Where things were loaded, and what the auxiliary vector says about it. */
int main(int argc, char **argv)
{
	struct timespec ts;
	printf("main %p\n", (void *)main);
	printf("AT_BASE set: %s\n", getauxval(AT_BASE) ? "yes" : "no");
	printf("AT_ENTRY set: %s\n", getauxval(AT_ENTRY) ? "yes" : "no");
	printf("clock_gettime: %d\n", clock_gettime(CLOCK_MONOTONIC, &ts));
	return argc > 1 ? 7 : 0;
}
EOF
	cat >"$DYN_DIR/clocks.c" <<'EOF'
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <sys/time.h>
#include <time.h>
/* The calls the vDSO serves, each checked for sense, 1000 times over. */
int main(void)
{
	struct timespec a, b, res, rt;
	struct timeval tv;
	int ok = 1;
	printf("vdso present: %s\n", getauxval(AT_SYSINFO_EHDR) ? "yes" : "no");
	for (int i = 0; i < 1000; i++) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (b.tv_sec < a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec < a.tv_nsec))
			ok = 0;
	}
	printf("monotonic never goes back: %s\n", ok ? "yes" : "no");
	clock_gettime(CLOCK_REALTIME, &rt);
	gettimeofday(&tv, NULL);
	time_t t = time(NULL);
	printf("realtime, gettimeofday and time agree: %s\n",
	       tv.tv_sec - rt.tv_sec <= 1 && t - rt.tv_sec <= 1 && rt.tv_sec > 1600000000 ? "yes" : "no");
	int r = clock_getres(CLOCK_MONOTONIC, &res);
	printf("clock_getres monotonic: %d %ld\n", r, res.tv_nsec);
	r = clock_getres(CLOCK_MONOTONIC_COARSE, &res);
	printf("clock_getres coarse: %d %s\n", r, res.tv_nsec > 1 ? "coarse" : "fine");
	printf("getcpu: %s\n", sched_getcpu() >= 0 ? "yes" : "no");
	return 0;
}
EOF
	gcc -O2 -fpie -pie "$DYN_DIR/where.c" -o "$DYN_DIR/where-pie" &&
		gcc -O2 -static-pie "$DYN_DIR/clocks.c" -o "$DYN_DIR/clocks-static" &&
		gcc -O2 "$DYN_DIR/clocks.c" -o "$DYN_DIR/clocks" &&
		gcc -O2 -fno-pie -no-pie "$DYN_DIR/where.c" -o "$DYN_DIR/where-nopie"
}

# dyn_alto ADDS... -- PROGRAM ARGS: run under alto; the output in $RAW, and in
# $OUT without the kernel's own lines (boot lines, "alto: ..." reports such as
# a system call that is not implemented).
dyn_alto() {
	local adds=()
	while [ "$1" != -- ]; do
		adds+=("$1")
		shift
	done
	shift
	"$ALTO" run --timeout "$GUEST_TIMEOUT" -e TZ=UTC -e LC_ALL=C "${adds[@]}" "$@" \
		</dev/null >"$DYN_DIR/out" 2>&1
	STATUS=$?
	OUT=$(strip_kernel_lines <"$DYN_DIR/out" | grep -v '^alto: ')
	RAW=$(cat "$DYN_DIR/out")
}

# The system calls the kernel named as missing in $RAW (its "alto: ..."
# lines), sorted, one a line: "socket", "#500" for a number Linux lacks.
named_calls() {
	sed -n -e 's/^alto: system call \([a-z0-9_]*\) ([0-9]*) is not implemented$/\1/p' \
		-e 's/^alto: unknown system call \([0-9]*\)$/#\1/p' \
		-e 's/^alto: \([a-z0-9_]*\) creates a process, .*/\1/p' <<<"$RAW" | sort -u
}

# expect_named CALLS: the kernel named exactly these missing calls (the
# comparisons drop its lines, so what a program works around is seen here).
expect_named() {
	local got want
	got=$(named_calls | tr '\n' ' ')
	want=$(tr ' ' '\n' <<<"$1" | grep . | sort -u | tr '\n' ' ')
	[ "$got" = "$want" ] ||
		fail "the kernel named the missing calls '$got', expected '$want' (update the list when a call is implemented)"
}

# dyn_compare ADDS... -- PROGRAM ARGS: the host's run and Alto's must agree,
# and the kernel must name no missing call but those in $DYN_NAMED.
dyn_compare() {
	local args=("$@")
	while [ "$1" != -- ]; do shift; done
	shift
	local native status
	native=$(cd / && env -i PATH="$DEFAULT_PATH" HOME=/root TZ=UTC LC_ALL=C "$@" 2>&1 </dev/null)
	status=$?
	dyn_alto "${args[@]}"
	echo "--- host (status $status):"
	echo "$native"
	echo "--- alto (status $STATUS):"
	echo "$RAW"
	[ "$status" -eq "$STATUS" ] || { fail "exit statuses differ"; return 1; }
	[ "$(trim "$native")" = "$(trim "$OUT")" ] || { fail "outputs differ"; return 1; }
	expect_named "${DYN_NAMED:-}"
}

# A PIE lands at a random base: main's address differs between two boots,
# each of which must run the program whole.
t_dyn_pie() {
	dyn_build || return 1
	local first second boot
	for boot in 1 2; do
		dyn_alto -- "$DYN_DIR/where-pie"
		echo "$RAW"
		expect_status 0 && expect_out '^main 0x[0-9a-f]+$' '^AT_BASE set: yes$' \
			'^AT_ENTRY set: yes$' '^clock_gettime: 0$' || return 1
		[ "$boot" = 1 ] && first=$(grep '^main' <<<"$OUT") || second=$(grep '^main' <<<"$OUT")
	done
	echo "first boot: $first, second boot: $second"
	[ -n "$first" ] && [ "$first" != "$second" ] || fail "expected main at two different places"
}

# A non-PIE runs at its link address, as on the host.
t_dyn_nopie() {
	dyn_build && dyn_compare -- "$DYN_DIR/where-nopie" x
}

# ld.so run as the program loads the program itself (alto run collects its libraries).
t_dyn_ldso() {
	dyn_build || return 1
	local ldso=/lib64/ld-linux-x86-64.so.2
	local native status
	native=$(env -i "$ldso" "$DYN_DIR/where-nopie" x 2>&1)
	status=$?
	dyn_alto --add "$DYN_DIR/where-nopie:/prog" -- "$ldso" /prog x
	echo "$native"
	echo "$RAW"
	expect_status "$status" && [ "$(trim "$native")" = "$(trim "$OUT")" ]
}

# The vDSO answers the clock calls: same results as on the host, and
# --strace shows none of them reaching the kernel (1000s of calls made).
t_dyn_vdso() {
	dyn_build && dyn_compare -- "$DYN_DIR/$1" || return 1
	dyn_alto --strace -- "$DYN_DIR/$1"
	local calls
	calls=$(grep -cE '^(clock_gettime|gettimeofday|time|clock_getres|getcpu)\(' <<<"$RAW")
	echo "clock system calls seen by --strace: $calls"
	expect_status 0 && expect_out '^exit_group\(0\)' && [ "$calls" -eq 0 ]
}
t_dyn_vdso_dynamic() { t_dyn_vdso clocks; }
t_dyn_vdso_static() { t_dyn_vdso clocks-static; }

# Python: startup, then the modules a program typically uses, files under /tmp.
t_dyn_python_startup() {
	dyn_compare --add "$PY_LIB" -- /usr/bin/python3 -c 'import sys; print(sys.prefix, sys.argv)'
}

t_dyn_python_modules() {
	local script
	script=$(
		cat <<'EOF'
import json, re, hashlib, struct, decimal, threading, sqlite3, os
print(json.dumps({"b": [1, 2.5, None], "a": "x"}, sort_keys=True), json.loads('{"k": [true]}'))
print(re.findall(r"(\w+)@(\w+)\.com", "a@b.com, c@d.com"), re.sub(r"\d+", "#", "a1b22c333"))
print(hashlib.sha256(b"alto" * 1000).hexdigest(), hashlib.md5(b"x").hexdigest())
print(struct.pack("<IhQd", 1, -2, 3, 0.5).hex(), struct.unpack(">H", b"\x01\x02"))
decimal.getcontext().prec = 40
print(decimal.Decimal(1) / decimal.Decimal(7), decimal.Decimal("1.10") + decimal.Decimal("2.205"))
out, lock = [], threading.Lock()
def work(i):
    for _ in range(100):
        with lock:
            out.append(i)
threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print(len(out), sorted(set(out)))
path = "/tmp/alto-dynamic-test.db"
if os.path.exists(path): os.unlink(path)
db = sqlite3.connect(path)
db.execute("create table t (x integer, s text)")
db.executemany("insert into t values (?, ?)", [(i, "r%d" % i) for i in range(2000)])
db.commit()
print(db.execute("select count(*), sum(x), max(s) from t").fetchone())
db.close()
os.unlink(path)
with open("/tmp/alto-dynamic-test.txt", "w") as f:
    f.write("".join("line %d\n" % i for i in range(500)))
with open("/tmp/alto-dynamic-test.txt") as f:
    lines = f.readlines()
os.unlink("/tmp/alto-dynamic-test.txt")
print(len(lines), lines[-1].strip())
EOF
	)
	dyn_compare --add "$PY_LIB" -- /usr/bin/python3 -c "$script"
}

# Python's subprocess and os.fork, compared with the host: run, check_output,
# a pipe to a child, fork and waitpid (the wider tour is in 70-processes.sh).
t_dyn_python_subprocess() {
	dyn_compare --add "$PY_LIB" --add /bin/true --add /bin/echo -- /usr/bin/python3 -c '
import os, subprocess
print("run:", subprocess.run(["/bin/true"]).returncode)
print("check_output:", subprocess.check_output(["/bin/echo", "hello"]))
pid = os.fork()
if pid == 0:
    os._exit(7)
print("fork and waitpid:", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
print("still running")'
}

t_dyn_perl() {
	local script
	script=$(
		cat <<'EOF'
my %h; $h{$_}++ for split /\s+/, "the quick brown fox jumps over the lazy dog the end";
print join(",", map { "$_=$h{$_}" } sort keys %h), "\n";
my @d = ("2024-01-02 and 2025-12-31" =~ /(\d{4})-(\d\d)-(\d\d)/g); print "@d\n";
(my $s = "Hello World") =~ s/(\w+)/\u\L$1/g; print lc($s), " ", uc $s, "\n";
printf("%05.2f|%-6s|%x|%e|%s\n", 3.14159, "ab", 255, 12345.678, join ":", reverse 1..5);
print join(" ", sort { $b <=> $a } (10, 2, 33, 4, 100)), "\n";
open(my $f, ">", "/tmp/alto-dynamic-test.pl") or die "open: $!";
print $f "line $_\n" for 1 .. 300; close $f;
open($f, "<", "/tmp/alto-dynamic-test.pl") or die "open: $!"; my @l = <$f>; close $f;
unlink "/tmp/alto-dynamic-test.pl"; print scalar(@l), " $l[-1]";
EOF
	)
	dyn_compare -- /usr/bin/perl -e "$script"
}

t_dyn_sqlite3() {
	rm -f /tmp/alto-dynamic-test.sqlite
	# sqlite3 opens a socket (the socket layer has it, so no call is named).
	dyn_compare -- /usr/bin/sqlite3 /tmp/alto-dynamic-test.sqlite "
create table t (id integer primary key, k integer, v text);
begin;
with recursive c(x) as (select 1 union all select x + 1 from c where x < 10000)
insert into t (k, v) select x % 97, 'row' || x from c;
commit;
select count(*), sum(k), min(v), max(v) from t;
select k, count(*) from t group by k order by count(*) desc, k limit 3;
select avg(length(v)) from t where k between 10 and 20;"
	local r=$?
	rm -f /tmp/alto-dynamic-test.sqlite
	return $r
}

t_dyn_lua() {
	dyn_compare -- /usr/bin/lua5.4 -e '
local t = {}
for i = 1, 5000 do t[i] = (i * 7919) % 1000 end
table.sort(t)
print(t[1], t[2500], t[5000], #t)
print(string.format("%5.2f %s %d %q", math.pi, string.rep("ab", 3), math.floor(2 ^ 40), "x\ty"))
print(("hello world"):gsub("o", "0"))
print(math.sqrt(2), math.maxinteger, 7 // 2, 7 / 2, math.fmod(-7, 3))
local words = {}
for w in ("a b c a b a"):gmatch("%a") do words[w] = (words[w] or 0) + 1 end
print(words.a, words.b, words.c, table.concat({1, 2, 3}, "-"))'
}

# coreutils on fixture files added at the same paths.
dyn_fixture() {
	local f="$DYN_DIR/fixture"
	rm -rf "$f" && mkdir -p "$f/sub" || return 1
	printf '%s\n' pear apple fig banana apple cherry >"$f/fruits.txt"
	seq 1 1000 >"$f/numbers.txt"
	echo nested >"$f/sub/file"
	chmod 0644 "$f"/*.txt "$f/sub/file"
	chmod 0755 "$f" "$f/sub"
	chown -R 0:0 "$f"
	find "$f" -exec touch -h -d '2024-01-02 03:04:05 UTC' {} +
	FIX=$(cd "$f" && pwd)
}

t_dyn_coreutils() {
	dyn_fixture || return 1
	# Files only: a directory's size and blocks are the file system's own.
	dyn_compare --add "$FIX" -- /usr/bin/ls -ln --time-style=long-iso "$FIX/fruits.txt" \
		"$FIX/numbers.txt" "$FIX/sub" &&
		dyn_compare --add "$FIX" -- /usr/bin/ls -a "$FIX" &&
		dyn_compare --add "$FIX" -- /usr/bin/cat "$FIX/fruits.txt" "$FIX/sub/file" &&
		dyn_compare --add "$FIX" -- /usr/bin/sort -u "$FIX/fruits.txt" &&
		dyn_compare --add "$FIX" -- /usr/bin/sha256sum "$FIX/numbers.txt" "$FIX/fruits.txt" &&
		dyn_compare --add "$FIX" -- /usr/bin/wc "$FIX/numbers.txt" "$FIX/fruits.txt" &&
		dyn_compare -- /usr/bin/date +%Y
}

run_test dynamic/pie-random-base t_dyn_pie
run_test dynamic/non-pie t_dyn_nopie
run_test dynamic/ld-so-direct t_dyn_ldso
run_test dynamic/vdso-glibc-dynamic t_dyn_vdso_dynamic
run_test dynamic/vdso-glibc-static t_dyn_vdso_static
run_test dynamic/python3-startup t_dyn_python_startup
run_test dynamic/python3-modules t_dyn_python_modules
run_test dynamic/python3-subprocess t_dyn_python_subprocess
run_test dynamic/perl t_dyn_perl
run_test dynamic/sqlite3 t_dyn_sqlite3
run_test dynamic/lua5.4 t_dyn_lua
run_test dynamic/coreutils t_dyn_coreutils
