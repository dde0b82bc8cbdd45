# Debian's busybox-static, unmodified, as a real program no one here wrote:
# `alto run /bin/busybox APPLET ARGS` against `/bin/busybox APPLET ARGS` on
# the host, on the same fixture files (added to the image at the same
# absolute paths), same environment, same stdin. Output and status must match.
# Each run is a fresh VM with no shell (no fork), so every test is one command;
# commands that change files run on a scratch directory prepared identically
# for both runs, and show their effect with -v. One applet a VM cannot read
# its effect back (touch's times, cp's bytes): tests/guest/file-effects.c makes the
# same calls and reads every effect back, and cp-stdout copies into the
# output through cp's own copy path. Uses trim, strip_kernel_lines and
# DEFAULT_PATH from 30-static.sh.

BB=/bin/busybox
BB_DIR="$BUILD/tests/busybox"
BB_STAMP='2024-01-02 03:04:05 UTC'

# The fixture: fixed names, contents, modes, owners and mtimes. Rebuilt on
# every run of the suite (cheaply), so nothing left over can change it.
bb_fixture() {
	local f=$1
	rm -rf "$f" && mkdir -p "$f/deep/one/two" || return 1
	printf '%s\n' 'banana 3' 'apple 10' 'cherry 7' 'apple 10' 'date 1' 'elderberry 12' \
		'fig 5' 'apple 2' >"$f/fruits.txt"
	LC_ALL=C sort "$f/fruits.txt" >"$f/sorted.txt"
	printf '%s\n' 'root:x:0:0:root:/root:/bin/bash' \
		'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin' 'bin:x:2:2:bin:/bin:/usr/sbin/nologin' \
		'alice:x:1000:1000:Alice,,,:/home/alice:/bin/zsh' >"$f/passwd.txt"
	printf '%s\n' 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod' \
		'tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam,' \
		'quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo' \
		'consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse' \
		'cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat cupidatat non' \
		'proident, sunt in culpa qui officia deserunt mollit anim id est laborum.' >"$f/lorem.txt"
	seq 1 100 >"$f/numbers.txt"
	for r in {1..20}; do
		for i in {0..255}; do
			printf "\\$(printf %03o "$i")"
		done
	done >"$f/data.bin"
	printf '#!/bin/sh\necho hi\n' >"$f/exec.sh"
	echo secret >"$f/mode600.txt"
	: >"$f/empty.txt"
	echo deep >"$f/deep/one/two/three.txt"
	ln -s lorem.txt "$f/link"
	chmod 0755 "$f" "$f/exec.sh" "$f/deep" "$f/deep/one" "$f/deep/one/two"
	chmod 0644 "$f"/*.txt "$f/data.bin" "$f/deep/one/two/three.txt"
	chmod 0600 "$f/mode600.txt"
	find "$f" -exec touch -h -d "$BB_STAMP" {} +
	"$BB" gzip -c -n "$f/lorem.txt" >"$f/lorem.txt.gz"
	"$BB" tar -cf "$f/archive.tar" -C "$f" fruits.txt deep
	chmod 0644 "$f/lorem.txt.gz" "$f/archive.tar"
	chown -R -h 0:0 "$f"
	find "$f" -exec touch -h -d "$BB_STAMP" {} +
}

# The scratch directory that file-changing commands work on, in state $2.
bb_prepare() {
	local s=$1 kind=$2
	rm -rf "$s" && mkdir -p "$s" || return 1
	case $kind in
	file) cp -p "$F/fruits.txt" "$s/file" ;;
	deep) cp -a "$F/deep" "$s/deep" ;;
	esac
	chown -R -h 0:0 "$s"
	find "$s" -exec touch -h -d "$BB_STAMP" {} +
}

# bb_setup NAME INPUT SETUP ARGS: sets F, S, input and args for one row.
bb_setup() {
	F="$(cd "$BB_DIR" && pwd)/fixture"
	S="$(cd "$BB_DIR" && pwd)/scratch-$1"
	input=$2
	[ "$input" = - ] && input=/dev/null || input="$F/$input"
	eval "args=($4)"
	[ "$(id -u)" -eq 0 ] || { fail "the busybox tests compare owners: run them as root"; return 1; }
	[ -x "$BB" ] || { fail "$BB is missing: scripts/deps.sh installs busybox-static"; return 1; }
}

# bb_native SETUP OUT: busybox on the host, from /, in a clean environment.
bb_native() {
	local status
	[ "$1" = - ] || bb_prepare "$S" "$1" || return 125
	(cd / && exec env -i PATH="$DEFAULT_PATH" HOME=/root TZ=UTC "$BB" "${args[@]}") \
		<"$input" >"$2" 2>&1
	status=$?
	[ "$1" = - ] || rm -rf "$S"
	return $status
}

# bb_alto SETUP OUT: the same in Alto, with the fixture (and the scratch
# directory) at the same paths, and the host's user names; stdout and stderr
# in OUT together, as natively (the kernel's lines come with stderr).
bb_alto() {
	local status extra=()
	if [ "$1" != - ]; then
		bb_prepare "$S" "$1" || return 125
		extra=(--add "$S")
	fi
	"$ALTO" run --timeout "$GUEST_TIMEOUT" -e TZ=UTC --add "$F" --add /etc/passwd \
		--add /etc/group "${extra[@]}" "$BB" "${args[@]}" <"$input" >"$2" 2>&1
	status=$?
	[ "$1" = - ] || rm -rf "$S"
	return $status
}

bb_case() {
	local name=$1 want=$2 setup=$4 dir native_status guest_status F S input args ok=0
	bb_setup "$name" "$3" "$setup" "$5" || return 1
	dir=$(mktemp -d)
	bb_native "$setup" "$dir/native"
	native_status=$?
	bb_alto "$setup" "$dir/console"
	guest_status=$?
	strip_kernel_lines <"$dir/console" >"$dir/guest"
	echo "\$ busybox ${args[*]}"
	echo "native status $native_status (expected $want), Alto status $guest_status"
	head -c 2000 "$dir/native"
	[ "$native_status" -eq "$want" ] || { echo "unexpected native status"; ok=1; }
	if ! cmp -s "$dir/native" "$dir/guest"; then
		echo "the output differs (- native, + Alto):"
		diff -au "$dir/native" "$dir/guest" | tail -n +3 | head -40
		ok=1
	fi
	[ "$native_status" -eq "$guest_status" ] || { echo "the status differs"; ok=1; }
	rm -rf "$dir"
	return $ok
}

# Every row natively, twice: the table's status, and the same output each time.
bb_native_check() {
	local name=$1 want=$2 setup=$4 F S input args s1 s2 dir
	bb_setup "$name" "$3" "$setup" "$5" || return 1
	dir=$(mktemp -d)
	bb_native "$setup" "$dir/1"
	s1=$?
	bb_native "$setup" "$dir/2"
	s2=$?
	printf '%-14s status %d, %d bytes\n' "$name" "$s1" "$(wc -c <"$dir/1")"
	if [ "$s1" -ne "$want" ] || [ "$s2" -ne "$want" ] || ! cmp -s "$dir/1" "$dir/2"; then
		echo "$name: expected status $want twice and the same output:"
		diff -a "$dir/1" "$dir/2" | head
		head -c 500 "$dir/1"
		rm -rf "$dir"
		return 1
	fi
	rm -rf "$dir"
}

# name | native status | stdin (a fixture file, or -) | scratch (-, empty, file, deep) | busybox arguments
# (bash words; $F is the fixture directory, $S the scratch one). Sizes of
# directories differ between file systems (ext4 4096, tmpfs and Alto's ramfs
# by entries) and are never shown. zcat, and gunzip reading a pipe, fork a
# decompressor: not here (fork is not supported).
BB_TABLE=$(
	cat <<'EOF'
echo          | 0 | -          | -     | echo hello 'two  words' end
echo-e        | 0 | -          | -     | echo -e 'a\tb\nc'
printf        | 0 | -          | -     | printf '%s=%d\n' a 1 b 2 c 3
cat           | 0 | -          | -     | cat $F/lorem.txt $F/fruits.txt
cat-binary    | 0 | -          | -     | cat $F/data.bin
cat-stdin     | 0 | data.bin   | -     | cat
cat-missing   | 1 | -          | -     | cat $F/missing.txt
ls-l          | 0 | -          | -     | ls -l $F/fruits.txt $F/exec.sh $F/mode600.txt $F/empty.txt $F/link
ls-ln         | 0 | -          | -     | ls -ln $F/data.bin $F/link $F/deep/one/two/three.txt
ls-1aF        | 0 | -          | -     | ls -1aF $F
ls-missing    | 1 | -          | -     | ls $F/nothing
wc            | 0 | -          | -     | wc $F/lorem.txt $F/fruits.txt
wc-stdin      | 0 | data.bin   | -     | wc -l -w -c
sort          | 0 | -          | -     | sort $F/fruits.txt
sort-rn       | 0 | -          | -     | sort -k2 -rn $F/fruits.txt
sort-u-stdin  | 0 | fruits.txt | -     | sort -u
uniq-c        | 0 | -          | -     | uniq -c $F/sorted.txt
head          | 0 | -          | -     | head -n 3 $F/lorem.txt
tail          | 0 | -          | -     | tail -n 3 $F/lorem.txt
tail-c        | 0 | -          | -     | tail -c 20 $F/numbers.txt
grep          | 0 | -          | -     | grep -n an $F/fruits.txt
grep-cv       | 0 | -          | -     | grep -c -v apple $F/fruits.txt
grep-E        | 0 | -          | -     | grep -E '^[a-c]' $F/fruits.txt
grep-none     | 1 | -          | -     | grep nomatch $F/fruits.txt
sed           | 0 | -          | -     | sed -n '2,4p' $F/lorem.txt
sed-s         | 0 | -          | -     | sed -e 's/a/A/g' -e 's/[0-9][0-9]*/<&>/' $F/fruits.txt
awk-sum       | 0 | -          | -     | awk '{s += $2} END {print s, NR}' $F/fruits.txt
awk-F         | 0 | -          | -     | awk -F: '$3 >= 1 {print $1 " uses " $7}' $F/passwd.txt
awk-printf    | 0 | -          | -     | awk 'BEGIN {for (i = 1; i <= 5; i++) printf "%d^2=%d\n", i, i*i}'
cut           | 0 | -          | -     | cut -d: -f1,3 $F/passwd.txt
cut-c         | 0 | -          | -     | cut -c1-5 $F/lorem.txt
tr            | 0 | lorem.txt  | -     | tr a-z A-Z
tr-d          | 0 | lorem.txt  | -     | tr -d aeiou
seq           | 0 | -          | -     | seq 1 10
seq-s         | 0 | -          | -     | seq -s , 5
seq-step      | 0 | -          | -     | seq 1 0.5 3
expr          | 0 | -          | -     | expr 6 '*' 7
expr-length   | 0 | -          | -     | expr length hello
expr-zero     | 1 | -          | -     | expr 0
basename      | 0 | -          | -     | basename /a/b/c.txt .txt
dirname       | 0 | -          | -     | dirname /a/b/c.txt
md5sum        | 0 | -          | -     | md5sum $F/data.bin $F/lorem.txt
md5sum-stdin  | 0 | data.bin   | -     | md5sum
sha256sum     | 0 | -          | -     | sha256sum $F/data.bin
sha1sum       | 0 | -          | -     | sha1sum $F/lorem.txt
gzip          | 0 | -          | -     | gzip -c -n $F/lorem.txt
gzip-9        | 0 | -          | -     | gzip -9 -c -n $F/data.bin
gunzip        | 0 | -          | -     | gunzip -c $F/lorem.txt.gz
gunzip-t      | 0 | -          | -     | gunzip -t $F/lorem.txt.gz
tar-tv        | 0 | -          | -     | tar -tvf $F/archive.tar
tar-xO        | 0 | -          | -     | tar -xOf $F/archive.tar fruits.txt
tar-c         | 0 | -          | -     | tar -cf - -C $F fruits.txt lorem.txt
find          | 0 | -          | -     | find $F/deep
find-name     | 0 | -          | -     | find $F -name '*.gz'
find-type     | 0 | -          | -     | find $F -type l
du            | 0 | -          | -     | du -k $F/lorem.txt
readlink      | 0 | -          | -     | readlink $F/link
readlink-f    | 0 | -          | -     | readlink -f $F/link
realpath      | 0 | -          | -     | realpath $F/deep/one/../one/two
stat          | 0 | -          | -     | stat -c '%n %s %a %F %h %u %g %Y' $F/fruits.txt $F/exec.sh $F/link $F/empty.txt
stat-dir      | 0 | -          | -     | stat -c '%n %a %F %h %u %g %Y' $F/deep $F/deep/one/two
stat-L        | 0 | -          | -     | stat -L -c '%n %s %F' $F/link
true          | 0 | -          | -     | true
false         | 1 | -          | -     | false
test-f        | 0 | -          | -     | test -f $F/fruits.txt
test-d        | 1 | -          | -     | test -d $F/fruits.txt
env           | 0 | -          | -     | env
pwd           | 0 | -          | -     | pwd
id            | 0 | -          | -     | id -u
id-un         | 0 | -          | -     | id -un
uname         | 0 | -          | -     | uname -s -m
date          | 0 | -          | -     | date -u -d @1000000000
xxd           | 0 | -          | -     | xxd -l 64 $F/data.bin
hexdump       | 0 | -          | -     | hexdump -C -n 48 $F/data.bin
od            | 0 | -          | -     | od -A d -t x1 $F/data.bin
base64        | 0 | -          | -     | base64 $F/data.bin
cmp           | 1 | -          | -     | cmp $F/lorem.txt $F/fruits.txt
diff          | 1 | -          | -     | diff -u $F/fruits.txt $F/sorted.txt
nl            | 0 | -          | -     | nl $F/fruits.txt
tac           | 0 | -          | -     | tac $F/fruits.txt
rev           | 0 | -          | -     | rev $F/fruits.txt
fold          | 0 | -          | -     | fold -w 20 $F/lorem.txt
paste         | 0 | -          | -     | paste -d, $F/fruits.txt $F/sorted.txt
factor        | 0 | -          | -     | factor 1234567 600851475143
sh-arith      | 0 | -          | -     | sh -c 'echo $((6*7))'
sh-loop       | 3 | -          | -     | sh -c 'for i in 1 2 3; do echo "item $i"; done; exit 3'
mkdir-p       | 0 | -          | empty | mkdir -pv $S/a/b/c
touch         | 0 | -          | file  | touch -c $S/file $S/absent
cp            | 0 | -          | empty | cp -v $F/fruits.txt $S/copy
cp-stdout     | 0 | -          | -     | cp $F/data.bin /dev/stdout
mv            | 0 | -          | file  | mv -v $S/file $S/moved
ln-s          | 0 | -          | empty | ln -sv $F/lorem.txt $S/link
rm-r          | 0 | -          | deep  | rm -rv $S/deep
tar-x         | 0 | -          | empty | tar -xvf $F/archive.tar -C $S
EOF
)

bb_prepare_all() {
	mkdir -p "$BB_DIR" && bb_fixture "$(cd "$BB_DIR" && pwd)/fixture"
}

t_bb_fixture() {
	[ -x "$BB" ] || { fail "$BB is missing: scripts/deps.sh installs busybox-static"; return 1; }
	bb_prepare_all && ls -laR "$BB_DIR/fixture"
}
run_test host/busybox-fixture t_bb_fixture

BB_NAMES=()
BB_ROWS=()
while IFS= read -r row; do
	name=$(trim "${row%%|*}")
	[ -n "$name" ] || continue
	BB_NAMES+=("$name")
	BB_ROWS+=("$row")
done <<<"$BB_TABLE"

# bb_row FUNCTION INDEX: FUNCTION NAME STATUS STDIN SCRATCH ARGS for one row.
bb_row() {
	local name status input setup args
	IFS='|' read -r name status input setup args <<<"${BB_ROWS[$2]}"
	[ -d "$BB_DIR/fixture" ] || bb_prepare_all || return 1
	"$1" "$(trim "$name")" "$(trim "$status")" "$(trim "$input")" "$(trim "$setup")" \
		"$(trim "$args")"
}

t_bb_native() {
	local i failed=0
	for i in "${!BB_NAMES[@]}"; do
		bb_row bb_native_check "$i" || failed=1
	done
	return $failed
}
run_test host/busybox-native t_bb_native

for i in "${!BB_NAMES[@]}"; do
	eval "t_bb_$i() { bb_row bb_case $i; }"
	run_test "guest/busybox/${BB_NAMES[$i]}" "t_bb_$i"
done
