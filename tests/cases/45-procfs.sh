# /proc, /sys and /etc read by a real program: Debian's busybox-static,
# unmodified. Its output cannot be compared with the host's (other pids,
# memory, mounts), so each test checks the shape Linux gives: every maps
# line in Linux's format, status fields, ps finding the process through
# /proc/PID/stat and cmdline, df and mount reading /proc/mounts, free
# reading /proc/meminfo, and the /etc files the image gets by default.
# tests/guest/proc.c compares what can be compared with the host.

PROC_BB=/bin/busybox

# proc_run CPUS APPLET ARGS...: busybox in Alto; sets OUT and STATUS.
proc_run() {
	local cpus=$1
	shift
	[ -x "$PROC_BB" ] || { fail "$PROC_BB is missing: scripts/deps.sh installs busybox-static"; return 1; }
	OUT=$("$ALTO" run --timeout "$GUEST_TIMEOUT" -c "$cpus" "$PROC_BB" "$@" 2>&1 </dev/null)
	STATUS=$?
	echo "$OUT"
}

t_proc_maps() {
	proc_run 1 cat /proc/self/maps || return 1
	expect_status 0 || return 1
	local re='^[0-9a-f]{8,}-[0-9a-f]{8,} [r-][w-][x-][ps] [0-9a-f]{8} [0-9a-f]{2}:[0-9a-f]{2} [0-9]+ ( {2,}\S.*)?$'
	local lines bad
	lines=$(grep -Ev '^(Cmdline|Booted in) ' <<<"$OUT")
	bad=$(grep -Ev -- "$re" <<<"$lines")
	[ -z "$bad" ] || { echo "$bad"; fail "lines not in Linux's format (above)"; return 1; }
	# The name column starts at character 74 (after 73 fixed ones).
	bad=$(grep -E '\[stack\]$' <<<"$lines" | awk '{ print index($0, "[stack]") }')
	[ "$bad" = 74 ] || { fail "[stack] at column $bad, not 74"; return 1; }
	expect_out ' r-xp ' ' rw-p .*\[stack\]$' ' rw-p .*\[heap\]$'
}
run_test guest/procfs/busybox-maps t_proc_maps

# expect_meminfo MIB: /proc/meminfo (in $OUT) describes a guest of MIB MiB:
# MemTotal within the RAM given (less what the kernel keeps, at most 15%),
# MemFree and MemAvailable at most MemTotal and not nothing.
expect_meminfo() {
	local total free avail
	total=$(sed -n 's/^MemTotal: *\([0-9]*\) kB$/\1/p' <<<"$OUT")
	free=$(sed -n 's/^MemFree: *\([0-9]*\) kB$/\1/p' <<<"$OUT")
	avail=$(sed -n 's/^MemAvailable: *\([0-9]*\) kB$/\1/p' <<<"$OUT")
	echo "MemTotal $total kB, MemFree $free kB, MemAvailable $avail kB for $1 MiB"
	[ -n "$total" ] && [ "$total" -le $(($1 * 1024)) ] && [ "$total" -ge $(($1 * 1024 * 85 / 100)) ] ||
		fail "MemTotal $total kB is not about $1 MiB" || return 1
	[ -n "$free" ] && [ "$free" -gt 0 ] && [ "$free" -le "$total" ] &&
		[ -n "$avail" ] && [ "$avail" -ge "$free" ] && [ "$avail" -le "$total" ] ||
		fail "MemFree $free and MemAvailable $avail kB do not fit MemTotal $total kB"
}

# cpuinfo's flags: bits from the start, the middle and the end of the
# registers' name lists (which -cpu max always has), each at its own place.
t_proc_files() {
	proc_run 2 cat /proc/self/status /proc/self/stat /proc/self/limits /proc/cpuinfo \
		/proc/meminfo /proc/uptime /proc/version /proc/self/cgroup /etc/passwd || return 1
	expect_status 0 &&
		expect_out $'^Name:\tbusybox$' $'^Pid:\t2$' $'^Threads:\t1$' $'^VmRSS:\t +[1-9][0-9]* kB$' \
			$'^Cpus_allowed_list:\t0-1$' '^2 \(busybox\) R 1 ' '^Max open files +1024 ' \
			$'^processor\t: 1$' $'^cpu MHz\t\t: [0-9]+\\.[0-9]{3}$' \
			$'^flags\t\t: fpu .* sse2 .* syscall .* lm .* cpuid pni .* hypervisor( |$)' \
			'^MemTotal: +[1-9][0-9]* kB$' '^[0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2}$' \
			'^Linux version ' '^0::/$' '^root:x:0:0:root:/:' || return 1
	[ "$(grep -c $'^processor\t' <<<"$OUT")" -eq 2 ] || { fail "expected 2 processors"; return 1; }
	expect_meminfo 256
}
run_test guest/procfs/busybox-files t_proc_files

t_proc_meminfo_sizes() {
	local mib
	for mib in 128 1024; do
		[ -x "$PROC_BB" ] || { fail "$PROC_BB is missing"; return 1; }
		OUT=$("$ALTO" run --timeout "$GUEST_TIMEOUT" -m "${mib}M" "$PROC_BB" cat /proc/meminfo 2>&1 </dev/null)
		STATUS=$?
		echo "$OUT" | head -5
		expect_status 0 && expect_meminfo "$mib" || return 1
	done
}
run_test guest/procfs/meminfo-sizes t_proc_meminfo_sizes

t_proc_ps() {
	proc_run 1 ps || return 1
	expect_status 0 && expect_out '^ +2 root +/bin/busybox ps$'
}
run_test guest/procfs/busybox-ps t_proc_ps

t_proc_mounts() {
	proc_run 1 df || return 1
	expect_status 0 && expect_out ' /tmp$' ' /proc$' ' /sys$' || return 1
	proc_run 1 mount || return 1
	expect_status 0 && expect_out '^proc on /proc type proc ' '^tmpfs on /tmp type tmpfs '
}
run_test guest/procfs/busybox-mounts t_proc_mounts

t_proc_free() {
	proc_run 1 free || return 1
	expect_status 0 && expect_out '^Mem: +[1-9][0-9]* +[0-9]+ +[1-9][0-9]* '
}
run_test guest/procfs/busybox-free t_proc_free

t_proc_links() {
	proc_run 1 ls -l /proc/self/fd/ /proc/self/exe /proc/self/cwd || return 1
	expect_status 0 && expect_out ' 0 -> /dev/console$' ' 2 -> /dev/console$' \
		' /proc/self/exe -> /bin/busybox$' ' /proc/self/cwd -> /$'
}
run_test guest/procfs/busybox-links t_proc_links

t_proc_etc() {
	proc_run 1 id || return 1
	expect_status 0 && expect_out '^uid=0\(root\) gid=0\(root\)'
}
run_test guest/procfs/etc-passwd t_proc_etc
