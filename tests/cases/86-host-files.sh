# Programs that run with no --add: a dynamically linked program sees the
# host's /usr, /etc and /opt read-only through virtio-fs, so python3 (its
# standard library, time zones), perl (POSIX), ruby (json), tclsh, java
# (reached through /etc/alternatives) and git (its templates) each give the
# host's own output with no flag at all. alto build still makes images that
# need none of that: python3's image boots with no volume, and java's (too
# large for an initrd) as an ext2 disk. Needs root (virtiofsd). Uses
# strip_kernel_lines (30-static.sh), scratch.

# hf_compare NAME STDIN PROGRAM ARGS...: the same command on the host and in Alto.
hf_compare() {
	local name=$1 input=$2 want got status
	shift 2
	[ "$(id -u)" -eq 0 ] || { echo "virtiofsd needs root"; return 1; }
	want=$(cd / && env -i TZ=UTC LC_ALL=C PATH=/usr/bin:/bin HOME=/root "$@" <"$input" 2>&1)
	got=$("$ALTO" run --timeout "$GUEST_TIMEOUT" -e TZ=UTC -e LC_ALL=C "$@" <"$input" 2>&1 |
		strip_kernel_lines)
	status=${PIPESTATUS[0]}
	echo "\$ alto run $*  -> status $status"
	echo "$got"
	[ "$status" -eq 0 ] || return 1
	[ "$got" = "$want" ] && return 0
	echo "the host says:"
	echo "$want"
	return 1
}

t_hf_python() {
	hf_compare python /dev/null /usr/bin/python3 -c '
import datetime, json, sqlite3, zoneinfo, sys, os
t = datetime.datetime(2024, 7, 1, 12, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
print(t.isoformat(), t.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo")).isoformat())
print(json.dumps(sorted(zoneinfo.available_timezones())[:3]))
db = sqlite3.connect(":memory:")
print(db.execute("with recursive c(i) as (select 1 union all select i + 1 from c where i < 100) "
                 "select sum(i), count(*) from c").fetchone())
print(os.path.realpath(sys.executable), sys.prefix)'
}
run_test host-files/python3 t_hf_python

t_hf_perl() {
	hf_compare perl /dev/null /usr/bin/perl -MPOSIX -MList::Util=sum -e \
		'print strftime("%Y-%m-%d %H:%M", gmtime(1e9)), " ", floor(-2.5), " ", sum(1..10), "\n"'
}
run_test host-files/perl t_hf_perl

t_hf_ruby() {
	hf_compare ruby /dev/null /usr/bin/ruby -e \
		'require "json"; require "set"; puts JSON.generate(Set[3,1,2].sort); puts RUBY_VERSION'
}
run_test host-files/ruby t_hf_ruby

t_hf_tclsh() {
	local dir
	dir=$(scratch)
	printf '%s\n' 'puts [expr {6 * 7}]' 'puts [clock format 86400 -gmt 1]' \
		'puts [lsort [list b c a]]' 'puts [string map {a A} banana]' >"$dir/script.tcl"
	hf_compare tclsh "$dir/script.tcl" /usr/bin/tclsh || return 1
	rm -rf "$dir"
}
run_test host-files/tclsh t_hf_tclsh

# /usr/bin/java -> /etc/alternatives/java -> the JDK: ld.so's $ORIGIN is the real file's.
t_hf_java() {
	hf_compare java /dev/null /usr/bin/java -version
}
run_test host-files/java t_hf_java

# git init with its templates, into a host directory the host then reads.
t_hf_git() {
	local dir out
	dir=$(scratch)
	dir=$(cd "$dir" && pwd)
	mkdir -p "$dir/alto" "$dir/host"
	out=$("$ALTO" run --timeout "$GUEST_TIMEOUT" -v "$dir/alto:/repo" /usr/bin/git init -q /repo \
		</dev/null 2>&1)
	echo "$out"
	git init -q "$dir/host" || return 1
	diff <(cd "$dir/host/.git" && find . | sort) <(cd "$dir/alto/.git" && find . | sort) ||
		{ echo "the repository differs from the host's git init"; return 1; }
	diff -r "$dir/host/.git/hooks" "$dir/alto/.git/hooks" || return 1
	git -C "$dir/alto" status --short || return 1
	rm -rf "$dir"
}
run_test host-files/git t_hf_git

# alto build: python3 with its standard library in the image, booted with no volume.
t_hf_build_python() {
	local dir out
	dir=$(scratch)
	"$ALTO" build -o "$dir/py.img" /usr/bin/python3 -c \
		'import zoneinfo, json; print(zoneinfo.ZoneInfo("Europe/Paris").key, json.dumps([1])); print(open("/proc/mounts").read())' ||
		return 1
	local list
	list=$(cpio -t --quiet <"$dir/py.img")
	grep -q '^usr/lib/python3\.[0-9]*/json/__init__\.py$' <<<"$list" ||
		{ echo "the standard library is not in the image"; return 1; }
	out=$("$ALTO" boot --timeout "$GUEST_TIMEOUT" "$dir/py.img" </dev/null 2>&1 | strip_kernel_lines)
	echo "$out"
	grep -qx 'Europe/Paris \[1\]' <<<"$out" || return 1
	! grep -q virtiofs <<<"$out" || { echo "the image used the host's files"; return 1; }
	rm -rf "$dir"
}
run_test host-files/build-python3-image t_hf_build_python

# java's JDK is too large for an initrd: an ext2 image of it runs with no host files.
t_hf_build_java() {
	local dir out
	dir=$(scratch)
	"$ALTO" build --fs ext2 -o "$dir/java.img" /usr/bin/java -version || return 1
	out=$("$ALTO" boot --timeout "$GUEST_TIMEOUT" "$dir/java.img" </dev/null 2>&1 | strip_kernel_lines)
	echo "$out"
	[ "$out" = "$(java -version 2>&1)" ] || return 1
	rm -rf "$dir"
}
run_test host-files/build-java-ext2 t_hf_build_java
