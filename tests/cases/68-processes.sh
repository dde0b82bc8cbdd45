# Processes with real programs, each compared with the same command on the
# host: busybox sh running a script (pipelines, $(...), background jobs and
# wait, traps on SIGCHLD and USR1), GNU tar running gzip through /bin/sh
# (czf then xzf), python3's subprocess (run, check_output, Popen with pipes)
# and multiprocessing (fork and forkserver: a Pool of 4, a Queue), git (init, three commits,
# gc, fsck), make -j2 on a Makefile that calls busybox applets, perl's
# system, backticks, fork and pipe opens. Then Alto alone: 10,000
# fork+exit+wait cycles (and vfork+execve, and forks from 4 threads) leave
# /proc/meminfo's MemFree where it was. Uses dyn_compare and PY_LIB
# (60-dynamic.sh), BB (40-busybox.sh), GT_DIR and build_guest_programs
# (30-static.sh).

PROC_DIR=$(realpath -m "$BUILD/tests/processes")

# proc_script NAME: write the script from stdin to $PROC_DIR/NAME; prints its path.
proc_script() {
	mkdir -p "$PROC_DIR"
	cat >"$PROC_DIR/$1"
	echo "$PROC_DIR/$1"
}

t_proc_busybox_sh() {
	local script
	script=$(proc_script shell.sh <<'EOF'
echo "pipeline: $(echo one two three | /bin/busybox tr ' ' '\n' | /bin/busybox sort | /bin/busybox head -2 | /bin/busybox tr '\n' ' ')"
x=$(echo nested $(echo deeper $(echo deepest)))
echo "command substitution: $x"
say_later() { /bin/busybox sleep "$1"; echo "job $2 done"; }
say_later 0.3 A &
a=$!
say_later 0.1 B &
b=$!
wait $b
echo "waited for B: $?"
wait $a
echo "waited for A"
( exit 7 ) &
wait $!
echo "background subshell exited: $?"
count=0
trap 'count=$((count+1))' CHLD
/bin/busybox true
/bin/busybox true &
wait
echo "SIGCHLD trap ran: $([ $count -ge 1 ] && echo yes || echo no)"
trap - CHLD
trap 'echo "trapped USR1"' USR1
kill -USR1 $$
echo "after kill: $?"
for i in 1 2 3; do echo "loop $i"; done | /bin/busybox wc -l
i=0; while [ $i -lt 50 ]; do i=$((i+1)); /bin/busybox true; done; echo "50 forks: $i"
echo "subshell: $( (cd /tmp && pwd) )"
/bin/busybox sh -c 'exit 3'; echo "sh -c exit: $?"
/alto/no/such/program 2>/dev/null; echo "missing program: $?"
false || echo "or-list after false"
echo "exit status of the last job: $(/bin/busybox sh -c 'kill -TERM $$'; echo $?)"
EOF
	)
	dyn_compare --add "$script" -- "$BB" sh "$script" && expect_status 0
}
run_test processes/busybox-sh-script t_proc_busybox_sh

t_proc_busybox_sh_smp() {
	local script=$PROC_DIR/shell.sh
	[ -f "$script" ] || t_proc_busybox_sh >/dev/null || return 1
	local native
	native=$(cd / && env -i PATH="$DEFAULT_PATH" HOME=/root "$BB" sh "$script" 2>&1 </dev/null)
	"$ALTO" run --timeout "$GUEST_TIMEOUT" -c 4 --add "$script" "$BB" sh "$script" \
		</dev/null >"$PROC_DIR/out" 2>&1
	local status=$?
	OUT=$(strip_kernel_lines <"$PROC_DIR/out" | grep -v '^alto: ')
	echo "$OUT"
	[ "$status" -eq 0 ] && [ "$(trim "$native")" = "$(trim "$OUT")" ]
}
run_test processes/busybox-sh-script-c4 t_proc_busybox_sh_smp

t_proc_tar_gzip() {
	local data=$PROC_DIR/tar-data script
	rm -rf "$data" && mkdir -p "$data/sub" || return 1
	seq 1 3000 >"$data/numbers.txt"
	echo hello >"$data/sub/hello.txt"
	script=$(proc_script tar.sh <<EOF
out=/tmp/alto-tar-out
rm -rf \$out /tmp/alto-tar.tgz && mkdir \$out
tar czf /tmp/alto-tar.tgz -C $PROC_DIR tar-data && echo "czf: \$?"
tar xzf /tmp/alto-tar.tgz -C \$out && echo "xzf: \$?"
tar tzf /tmp/alto-tar.tgz | sort
cmp $data/numbers.txt \$out/tar-data/numbers.txt && echo "numbers.txt came back the same"
cat \$out/tar-data/sub/hello.txt
gzip -dc /tmp/alto-tar.tgz | wc -c
rm -rf \$out /tmp/alto-tar.tgz
EOF
	)
	dyn_compare --add "$script" --add "$data" --add /bin/sh --add /bin/tar --add /bin/gzip \
		--add /usr/bin/sort --add /usr/bin/cmp --add /usr/bin/cat --add /usr/bin/wc \
		--add /usr/bin/rm --add /usr/bin/mkdir -- /bin/bash "$script" && expect_status 0
}
run_test processes/tar-gzip t_proc_tar_gzip

t_proc_python() {
	local script
	script=$(proc_script multi.py <<'EOF'
import multiprocessing as mp, os, subprocess, sys

def square(x):
    return x * x

def main():
    print("run:", subprocess.run(["/bin/echo", "hi"], capture_output=True).stdout)
    print("check_output:", subprocess.check_output(["/bin/sh", "-c", "echo $((6 * 7))"]))
    p = subprocess.Popen(["/bin/cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    out, _ = p.communicate(b"through a pipe\n" * 1000)
    print("Popen with pipes:", len(out), out[:15], p.returncode)
    try:
        subprocess.run(["/alto/no/such/program"])
    except FileNotFoundError as e:
        print("a missing program:", e.errno == 2)
    r = subprocess.run(["/bin/sh", "-c", "kill -TERM $$"])
    print("killed child:", r.returncode)
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    print("os.fork and waitpid:", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
    for method in ("fork", "forkserver"):
        ctx = mp.get_context(method)
        with ctx.Pool(4) as pool:
            print(method, "Pool(4):", sum(pool.map(square, range(1000))))
        q = ctx.Queue()
        pr = ctx.Process(target=q.put, args=(42,))
        pr.start()
        print(method, "Process and Queue:", q.get())
        pr.join()
        print(method, "exitcode:", pr.exitcode)

if __name__ == "__main__":
    main()
EOF
	)
	dyn_compare --add "$PY_LIB" --add "$script" --add /bin/echo --add /bin/cat --add /bin/sh \
		-- /usr/bin/python3 "$script" && expect_status 0
}
run_test processes/python3-subprocess-multiprocessing t_proc_python

t_proc_git() {
	local script
	script=$(proc_script git.sh <<'EOF'
export HOME=/tmp/alto-git-home GIT_AUTHOR_DATE='2024-01-02T03:04:05Z' GIT_COMMITTER_DATE='2024-01-02T03:04:05Z'
rm -rf $HOME /tmp/alto-git-repo && mkdir -p $HOME /tmp/alto-git-repo && cd /tmp/alto-git-repo
git config --global user.email alto@example.com && git config --global user.name Alto
git config --global init.defaultBranch main
git init -q . && echo "init: $?"
for i in 1 2 3; do
	echo "line $i" >>file.txt
	git add file.txt && git commit -q -m "commit $i" && echo "commit $i: $?"
done
git log --format='%H %s'
git gc -q && echo "gc: $?"
git count-objects -v | grep -E '^(count|in-pack|packs):'
echo "fsck complaints: $(git fsck 2>&1 | wc -l)"
echo "status: $(git status --short | wc -l) changes"
cd / && rm -rf $HOME /tmp/alto-git-repo
EOF
	)
	dyn_compare --add "$script" --add /usr/bin/git --add /usr/lib/git-core --add /usr/share/git-core \
		--add /bin/sh --add /usr/bin/rm --add /usr/bin/mkdir --add /usr/bin/grep \
		--add /usr/bin/wc -- /bin/bash "$script" && expect_status 0
}
run_test processes/git-commit-gc t_proc_git

t_proc_make() {
	local dir=$PROC_DIR/make
	rm -rf "$dir" && mkdir -p "$dir" || return 1
	cat >"$dir/Makefile" <<'EOF'
BB := /bin/busybox
all: out/sum.txt out/upper.txt out/lines.txt
	@$(BB) cat $^
	@echo "made: $(words $^) targets"
out:
	@$(BB) mkdir -p out
out/numbers.txt: | out
	@$(BB) seq 1 100 > $@
out/sum.txt: out/numbers.txt
	@$(BB) awk '{s += $$1} END {print "sum", s}' $< > $@
out/upper.txt: | out
	@echo "hello from make" | $(BB) tr a-z A-Z > $@
	@echo "a recipe's shell: $$(echo nested)"
out/lines.txt: out/numbers.txt
	@$(BB) wc -l < $< > $@
clean:
	@$(BB) rm -rf out
.PHONY: all clean
EOF
	dyn_compare --add "$dir" --add /bin/sh --add "$BB" --add /usr/bin/make -- /bin/sh -c \
		"/usr/bin/make -s -C $dir -j2 && /usr/bin/make -s -C $dir clean" && expect_status 0
}
run_test processes/make t_proc_make

t_proc_perl() {
	local script
	script=$(proc_script system.pl <<'EOF'
my $r = system("/bin/echo", "from system");
print "system returned ", $r >> 8, "\n";
my $out = `/bin/echo backticks through a shell | /usr/bin/tr a-z A-Z`;
print "backticks: $out";
system("/bin/sh", "-c", "exit 3");
print "system exit 3: ", $? >> 8, "\n";
my @lines = `/usr/bin/seq 1 5`;
print "lines: ", scalar(@lines), "\n";
my $pid = fork();
if ($pid == 0) { exit(9); }
waitpid($pid, 0);
print "fork and waitpid: ", $? >> 8, "\n";
open(my $fh, "-|", "/bin/echo", "a pipe open") or die; print "open -|: ", <$fh>; close($fh);
open(my $to, "|-", "/usr/bin/tr a-z A-Z") or die; print $to "to a pipe\n"; close($to);
EOF
	)
	dyn_compare --add "$script" --add /bin/sh --add /bin/echo --add /usr/bin/tr --add /usr/bin/seq \
		-- /usr/bin/perl "$script" && expect_status 0
}
run_test processes/perl-system-backticks t_proc_perl

# Alto alone: nothing is lost over thousands of processes (free memory is exact).
proc_stress() {
	local cpus=$1 n=$2
	build_guest_programs || return 1
	boot_out=$("$ALTO" run --timeout "$GUEST_TIMEOUT" -c "$cpus" "$GT_DIR/gcc/fork-stress" "$n" \
		2>&1 </dev/null)
	STATUS=$?
	OUT=$boot_out
	echo "$OUT"
	expect_status 0 && expect_out "^fork \+ exit \+ wait: $n cycles, 0 failed$" \
		"^vfork \+ execve \+ wait: $((n / 10)) cycles, 0 failed$" \
		"^fork from 4 threads \+ exit \+ wait: $((n / 10)) cycles, 0 failed$" || return 1
	local line
	for line in "MemFree before" "MemFree with threads before"; do
		grep -Eq "^$line ([0-9]+) kB, after \1 kB$" <<<"$OUT" ||
			{ echo "pages were lost: $(grep "^$line" <<<"$OUT")"; return 1; }
	done
}
t_proc_stress() { proc_stress 1 10000; }
t_proc_stress_smp() { proc_stress 4 2000; }
run_test processes/fork-stress-10000 t_proc_stress
run_test processes/fork-stress-c4 t_proc_stress_smp

# Alto alone, with little memory: a child that cannot get its copy-on-write
# pages dies alone (SIGKILL and a line saying why), forking children that
# take memory until none is left makes fork fail cleanly (or kills children),
# never the kernel, and RLIMIT_NPROC bounds the processes alive at once.
t_proc_oom() {
	build_guest_programs || return 1
	OUT=$("$ALTO" run --timeout "$GUEST_TIMEOUT" -m 64M "$GT_DIR/gcc/oom" 2>&1 </dev/null)
	STATUS=$?
	echo "$OUT"
	expect_status 0 &&
		expect_out '^a child writing [0-9]+ MiB of copy-on-write pages: killed by SIGKILL$' \
			'^alto: .*/oom \(out of memory: no page for 0x[0-9a-f]+\) terminated by SIGKILL$' \
			"^the parent's memory is intact: yes$" \
			'^starting programs that take 2 MiB each until memory runs out: vfork failed with EAGAIN or ENOMEM$' \
			'^  more than a few started first: yes$' '^fork works again once they are reaped: yes$' \
			'^RLIMIT_NPROC has a finite default: yes$' \
			'^with RLIMIT_NPROC 5 \(us included\): 4 children, then EAGAIN$' &&
		expect_no_out 'Kernel panic|Fatal kernel|kernel fault'
}
run_test processes/out-of-memory t_proc_oom

# busybox ps lists every process from /proc: the shell, its two sleepers
# (sleeping, its children) and ps itself, with their parents and groups.
t_proc_ps() {
	OUT=$("$ALTO" run --timeout "$GUEST_TIMEOUT" "$BB" sh -c \
		"$BB sleep 5 & $BB sleep 5 & $BB ps -o pid,ppid,pgid,stat,args; kill %1 %2; wait" \
		2>&1 </dev/null)
	STATUS=$?
	OUT=$(grep -v '^alto: .* terminated by SIG' <<<"$OUT")
	echo "$OUT"
	local shell
	shell=$(awk -v bb="$BB" '$5 == bb && $6 == "sh" {print $1}' <<<"$OUT")
	[ -n "$shell" ] || { echo "no line for the shell"; return 1; }
	[ "$(awk -v s="$shell" -v bb="$BB" '$2 == s && $4 == "S" && $5 == bb && $6 == "sleep"' \
		<<<"$OUT" | wc -l)" -eq 2 ] || { echo "expected two sleepers, children of $shell"; return 1; }
	awk -v s="$shell" -v bb="$BB" '$2 == s && $5 == bb && $6 == "ps"' <<<"$OUT" | grep -q . ||
		{ echo "no line for ps, a child of $shell"; return 1; }
	expect_out '^ *PID +PPID +PGID +STAT +COMMAND$'
}
run_test processes/busybox-ps t_proc_ps
