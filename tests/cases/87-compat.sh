# Real Debian programs, as the compatibility survey runs them
# (docs/compatibility.md): a bash script runs on the host in a scratch
# directory and under `alto run` in another, mounted at /w with -v, with
# the host's /usr through virtio-fs. stdout, stderr (the kernel's lines
# left out) and the status must each match the host's, and the kernel must
# not name a system call it lacks. Each test holds what a fix of the survey
# made work. Needs root (virtiofsd). Uses strip_kernel_lines (30-static.sh),
# scratch.

# piped OUT ERR COMMAND...: COMMAND's stdout and stderr each through a pipe
# into its file, as alto run's are (a program opening /dev/stdout with
# O_TRUNC would cut a file short); COMMAND's status.
piped() {
	local out=$1 err=$2
	shift 2
	{
		"$@" 2>&1 >&3 3>&- | cat >"$err"
		exit "${PIPESTATUS[0]}"
	} 3>&1 | cat >"$out"
	return "${PIPESTATUS[0]}"
}

# compat_script NAME SCRIPT: SCRIPT (bash) on the host and in Alto on 2 CPUs.
compat_script() {
	local name=$1 script=$2 alto dir st_host st_alto
	[ "$(id -u)" -eq 0 ] || { echo "virtiofsd needs root"; return 1; }
	alto=$(realpath "$ALTO")
	dir=$(scratch)
	dir=$(cd "$dir" && pwd)
	mkdir -p "$dir/host" "$dir/alto"
	printf '%s\n' "$script" >"$dir/host/$name.sh"
	cp "$dir/host/$name.sh" "$dir/alto/"
	(cd "$dir/host" && piped ../host.out ../host.err env -i TZ=UTC LC_ALL=C \
		PATH=/usr/bin:/bin HOME=/ /usr/bin/bash "$name.sh" </dev/null)
	st_host=$?
	(cd "$dir/alto" && piped ../alto.out ../alto.raw "$alto" run --timeout "$GUEST_TIMEOUT" \
		-c 2 -v "$dir/alto:/w" -w /w -e TZ=UTC -e LC_ALL=C -e PATH=/usr/bin:/bin -e HOME=/ \
		/usr/bin/bash "$name.sh" </dev/null)
	st_alto=$?
	grep -v '^alto: ' "$dir/alto.raw" | strip_kernel_lines >"$dir/alto.err"
	echo "status: host $st_host, Alto $st_alto"
	echo "stdout (- host, + Alto):"
	diff -a -u "$dir/host.out" "$dir/alto.out" && cat "$dir/alto.out"
	local same_out=$?
	echo "stderr (- host, + Alto):"
	diff -a -u "$dir/host.err" "$dir/alto.err" && cat "$dir/alto.err"
	local same_err=$?
	if grep 'is not implemented' "$dir/alto.raw"; then
		echo "the kernel lacks a system call the program used"
		return 1
	fi
	[ "$st_host" -eq "$st_alto" ] && [ "$same_out" -eq 0 ] && [ "$same_err" -eq 0 ] || return 1
	rm -rf "$dir"
}

# /dev/fd/N names the descriptor's pipe: bash's process substitution, with
# programs that open the name (diff, paste, cat, openssl), a writer that
# has finished before the reader opens, and >(...).
t_compat_procsub() {
	compat_script procsub '
diff <(seq 3) <(seq 1 3) && echo same
diff <(seq 3) <(seq 4) ; echo "diff: $?"
paste <(seq 2) <(seq 3 4)
cat <(echo a) <(echo b)
late() { sleep 0.3; cat "$1"; }; late <(echo done early)
while read -r l; do echo "got $l"; done < <(printf "1\n2\n")
echo through > >(tr a-z A-Z); wait $!
openssl dgst -sha256 <(echo data) | cut -d" " -f2
sort -m <(printf "a\nc\n") <(printf "b\nd\n") | tr "\n" " "; echo'
}
run_test compat/bash-procsub t_compat_procsub

# /dev/stdout and /dev/stderr are the program's own stdout and stderr, each
# on its stream: tee, a file name given to a program, a redirection by a
# program that is not bash (which would do it itself).
t_compat_std_names() {
	compat_script stdnames '
echo both | tee /dev/stderr
sed -n 1p /dev/stdin <<<"from stdin"
printf "x\n" | cp /dev/stdin copied && cat copied
busybox sh -c "echo bb-out >/dev/stdout; echo bb-err >/dev/stderr" 2>/dev/null
perl -e "open(my \$e, \">>\", \"/dev/stderr\") or die; print \$e qq(perl-err\n); open(my \$o, \">>\", \"/dev/stdout\") or die; print \$o qq(perl-out\n)"
readlink /dev/stdin /dev/stdout /dev/stderr /dev/fd'
}
run_test compat/std-names t_compat_std_names

# ionice (ioprio_set, ioprio_get) and chrt -p (sched_getattr) of util-linux.
t_compat_ionice_chrt() {
	compat_script ionice '
ionice -c 3 ionice
ionice -c 2 -n 5 bash -c "ionice -p \$\$"
ionice -c 2 -n 9 true; echo "level 9: $?"
ionice -c 1 -n 0 ionice
chrt -p $$ | sed "s/[0-9]*'"'"'s/PID'"'"'s/"
chrt -b 0 chrt -p 0 | sed "s/[0-9]*'"'"'s/PID'"'"'s/"'
}
run_test compat/ionice-chrt t_compat_ionice_chrt

# procps: vmstat needs /proc/vmstat, top asks get_mempolicy. The figures
# differ from the host's: the statuses and the lines' shapes are compared.
t_compat_procps() {
	compat_script procps '
vmstat | sed -n 2p; echo "vmstat: $?"
vmstat -s | wc -l; free | sed -n 1p
top -b -n 1 >/dev/null; echo "top: $?"
grep -c "^nr_free_pages [0-9]*$" /proc/vmstat'
}
run_test compat/procps t_compat_procps

# iproute2 on one interface: RTM_GETLINK by name (not a dump), then the
# dumps it filters; an unknown name is ENODEV. The loopback interface is
# the same on the host and in Alto.
t_compat_ip() {
	compat_script ip '
ip -o link show lo | cut -d" " -f2
ip -4 -o addr show dev lo | awk "{print \$2, \$4}"
ip link show nosuch; echo "status $?"'
}
run_test compat/ip-one-link t_compat_ip
