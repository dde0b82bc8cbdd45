# Disks: ext2 on virtio-blk, checked against the host kernel's own ext2 and
# e2fsprogs. tests/guest/disk-ops runs natively on an image loop-mounted by
# the host (root is needed for that) and in Alto on a copy of the same image:
# the outputs must match, e2fsck -fn must find both images clean, and each
# side's tree is listed by both kernels (tests/guest/disk-tree: modes, links,
# sizes, blocks, times to the nanosecond, checksums). Then: data surviving a
# reboot, fsync'ed data surviving a VM killed with SIGKILL, sqlite3's
# database across two boots, a 1 GiB file in 128 MiB of RAM, ext4 images
# read-only, a raw disk as /dev/vda, images built with --fs ext2 and booted,
# and the refusals. Uses scratch, strip_kernel_lines (30-static.sh).

DISK_BIN="$GT_DIR/gcc"

# disk_image FILE SIZE MKE2FS-OPTIONS...: a fresh ext2 file system.
disk_image() {
	local file=$1 size=$2
	shift 2
	rm -f "$file"
	truncate -s "$size" "$file" && mke2fs -q -F "$@" "$file" || { echo "mke2fs failed"; return 1; }
}

# disk_host_run IMAGE OUT PROGRAM ARGS...: PROGRAM natively, with the image
# loop-mounted at MNT (an argument may say MNT), output in OUT.
disk_host_run() {
	local image=$1 out=$2 mnt
	shift 2
	[ "$(id -u)" -eq 0 ] || { echo "loop-mounting an image needs root"; return 1; }
	mnt=$(mktemp -d "$(cd "$GT_TMP" && pwd)/mnt.XXXXXX")
	mount -o loop "$image" "$mnt" || { echo "cannot loop-mount $image"; return 1; }
	"${@//MNT/$mnt}" >"$out" 2>&1
	local status=$?
	umount "$mnt" && rmdir "$mnt"
	return $status
}

# disk_alto OUT ALTO-RUN-ARGS...: alto run, output without the kernel's lines in OUT.
disk_alto() {
	local out=$1
	shift
	"$ALTO" run --timeout "$GUEST_TIMEOUT" "$@" </dev/null 2>&1 | strip_kernel_lines >"$out"
	STATUS=${PIPESTATUS[0]}
	echo "\$ alto run $*  -> status $STATUS"
}

# disk_fsck IMAGE: e2fsck -fn must find nothing wrong.
disk_fsck() {
	local out
	out=$(e2fsck -fn "$1" 2>&1)
	local status=$?
	echo "$out" | tail -n 3
	[ $status -eq 0 ] || { echo "e2fsck -fn $1: status $status"; echo "$out"; return 1; }
}

# The same program on the same image, natively and in Alto; each side's result
# then listed by both kernels.
disk_differential() {
	local dir=$1
	shift
	disk_image "$dir/host.img" 64M -t ext2 -O ^dir_index "$@" || return 1
	cp "$dir/host.img" "$dir/alto.img"
	disk_host_run "$dir/host.img" "$dir/host.out" "$DISK_BIN/disk-ops" MNT ||
		{ cat "$dir/host.out"; return 1; }
	disk_alto "$dir/alto.out" --disk "$dir/alto.img:/mnt" "$DISK_BIN/disk-ops" /mnt
	[ "$STATUS" -eq 0 ] || { cat "$dir/alto.out"; return 1; }
	diff -u "$dir/host.out" "$dir/alto.out" || return 1
	echo "disk-ops: $(wc -l <"$dir/host.out") lines alike"
	disk_fsck "$dir/host.img" && disk_fsck "$dir/alto.img" || return 1
	local img side
	for img in host alto; do
		disk_host_run "$dir/$img.img" "$dir/$img.by-host" "$DISK_BIN/disk-tree" MNT lost+found ||
			return 1
		disk_alto "$dir/$img.by-alto" --disk "$dir/$img.img:/mnt:ro" "$DISK_BIN/disk-tree" \
			/mnt lost+found
		[ "$STATUS" -eq 0 ] || return 1
		diff -u "$dir/$img.by-host" "$dir/$img.by-alto" || { echo "$img.img read differently"; return 1; }
	done
	# The two images hold the same tree, but for the times of the runs.
	diff -u <(sed 's/ mtime [0-9.]*//' "$dir/host.by-host") \
		<(sed 's/ mtime [0-9.]*//' "$dir/alto.by-host") || return 1
	echo "trees: $(wc -l <"$dir/host.by-host") entries, each image read alike by both kernels"
}

t_disk_ext2_1k() {
	local dir
	dir=$(scratch)
	disk_differential "$dir" -b 1024 || return 1
	rm -rf "$dir"
}
run_test disk/ext2-differential-1k t_disk_ext2_1k

t_disk_ext2_4k() {
	local dir
	dir=$(scratch)
	disk_differential "$dir" -b 4096 -I 128 || return 1
	rm -rf "$dir"
}
run_test disk/ext2-differential-4k t_disk_ext2_4k

# Written in one boot, read in the next and on the host.
t_disk_persistence() {
	local dir want
	dir=$(scratch)
	disk_image "$dir/d.img" 32M -t ext2 || return 1
	head -c 3000000 /dev/urandom >"$dir/data"
	want=$(sha256sum <"$dir/data" | cut -d' ' -f1)
	disk_alto "$dir/1.out" --add "$dir/data:/data" --disk "$dir/d.img:/mnt" "$BB" cp /data /mnt/copy
	[ "$STATUS" -eq 0 ] || { cat "$dir/1.out"; return 1; }
	disk_alto "$dir/2.out" --disk "$dir/d.img:/mnt" "$BB" sha256sum /mnt/copy
	cat "$dir/2.out"
	grep -q "^$want  /mnt/copy$" "$dir/2.out" || { echo "second boot read other data"; return 1; }
	disk_fsck "$dir/d.img" || return 1
	disk_host_run "$dir/d.img" "$dir/host.out" sha256sum MNT/copy || return 1
	grep -q "^$want " "$dir/host.out" || { echo "the host read other data"; return 1; }
	rm -rf "$dir"
}
run_test disk/persistence t_disk_persistence

# What e2fsck may say of an ext2 that was not unmounted: counts, bitmaps and
# entries of files that were being written; anything else fails the test.
DISK_UNCLEAN='^(Pass [1-5]|e2fsck |Fix\? no|$|Free (blocks|inodes) count wrong|Block bitmap differences|Inode bitmap differences|Padding at end|Inode [0-9]+, i_(size|blocks) is|Entry .* has deleted/unused inode|Unattached (zero-length )?inode|Deleted inode [0-9]+ has zero dtime|Inode [0-9]+ ref count is|Directories count wrong|.*: [0-9]+/[0-9]+ files|.*WARNING: Filesystem still has errors|Connect to /lost\+found|Clear\? no|Unattached inode|Inode [0-9]+ \(.*\) has invalid mode|.*\*\*\*\*\*)'

# Killed after fsync: the synced data is there, and the rest is what an unclean ext2 shows.
t_disk_killed() {
	local dir pid qemu sum
	dir=$(scratch)
	disk_image "$dir/d.img" 64M -t ext2 || return 1
	"$ALTO" run --timeout "$GUEST_TIMEOUT" --disk "$dir/d.img:/mnt" \
		"$DISK_BIN/disk-crash" /mnt </dev/null >"$dir/out" 2>&1 &
	pid=$!
	for _ in $(seq 1 600); do
		grep -q '^synced ' "$dir/out" && break
		sleep 0.1
	done
	# The plug is pulled at once (well before the flusher's 5 s): SIGKILL to QEMU.
	sleep 0.5
	qemu=$(ps -o pid= --ppid "$pid" | tr -d ' ')
	[ -n "$qemu" ] || { echo "no QEMU under alto"; cat "$dir/out"; return 1; }
	kill -KILL "$qemu"
	wait "$pid"
	cat "$dir/out"
	sum=$(sed -n 's/^synced //p' "$dir/out")
	[ -n "$sum" ] || { echo "the guest never synced"; return 1; }
	local fsck
	fsck=$(e2fsck -fn "$dir/d.img" 2>&1)
	echo "$fsck"
	if grep -Evq "$DISK_UNCLEAN" <<<"$fsck"; then
		echo "e2fsck found more than an unclean ext2 shows:"
		grep -Ev "$DISK_UNCLEAN" <<<"$fsck"
		return 1
	fi
	disk_host_run "$dir/d.img" "$dir/host.out" python3 -c "
h = 1469598103934665603
for b in open('MNT/synced', 'rb').read():
    h = ((h ^ b) * 1099511628211) & 0xffffffffffffffff
print('%016x' % h, open('MNT/subdir/small').read(), end='')" || { cat "$dir/host.out"; return 1; }
	cat "$dir/host.out"
	[ "$(cat "$dir/host.out")" = "$(printf '%s small and synced' "$sum")" ] ||
		{ echo "fsync'ed data lost"; return 1; }
	rm -rf "$dir"
}
run_test disk/killed-after-fsync t_disk_killed

# sqlite3's database on the disk: made in one boot, queried in the next, then on the host.
t_disk_sqlite() {
	local dir sql='select count(*), sum(n), max(name) from t; pragma integrity_check;'
	dir=$(scratch)
	disk_image "$dir/d.img" 64M -t ext2 || return 1
	disk_alto "$dir/1.out" --disk "$dir/d.img:/mnt" /usr/bin/sqlite3 /mnt/app.db \
		"create table t(n integer, name text);
		 with recursive c(i) as (select 1 union all select i + 1 from c where i < 5000)
		 insert into t select i, 'row ' || i from c;
		 begin; update t set n = n * 2 where n % 3 = 0; delete from t where n % 7 = 0; commit;"
	[ "$STATUS" -eq 0 ] || { cat "$dir/1.out"; return 1; }
	disk_alto "$dir/2.out" --disk "$dir/d.img:/mnt" /usr/bin/sqlite3 /mnt/app.db "$sql"
	cat "$dir/2.out"
	disk_host_run "$dir/d.img" "$dir/host.out" sqlite3 MNT/app.db "$sql" || return 1
	diff -u "$dir/host.out" "$dir/2.out" || return 1
	grep -q '^ok$' "$dir/2.out" || { echo "integrity check failed"; return 1; }
	disk_fsck "$dir/d.img" || return 1
	rm -rf "$dir"
}
run_test disk/sqlite-reboot t_disk_sqlite

# 1 GiB written and read back in 128 MiB of RAM: the page cache writes back and reclaims.
t_disk_big() {
	local dir
	dir=$(scratch)
	"$DISK_BIN/disk-big" "$dir/native" 1024 >"$dir/native.out" 2>&1 || return 1
	rm -f "$dir/native"
	rm -f "$dir/d.img"
	truncate -s 1200M "$dir/d.img" && mke2fs -q -F -t ext2 -b 4096 "$dir/d.img" || return 1
	disk_alto "$dir/alto.out" -m 128M --disk "$dir/d.img:/mnt" "$DISK_BIN/disk-big" /mnt/big 1024
	cat "$dir/alto.out"
	[ "$STATUS" -eq 0 ] || return 1
	diff -u "$dir/native.out" "$dir/alto.out" || return 1
	disk_fsck "$dir/d.img" || return 1
	rm -rf "$dir"
}
run_test disk/1g-file-at-128m t_disk_big

# A file mapped MAP_SHARED across fork on ext2 (tests/guest/fork-mmap.c), the
# program itself on the disk: busybox sh forks and execs it from the page
# cache; then 128 MiB read and written in 64 MiB of RAM while the parent
# still maps pages a child mapped too. Natively on a loop-mounted copy and
# in Alto: outputs alike, both images clean, and the files the two kernels
# left byte for byte the same.
t_disk_fork_mmap() {
	local dir
	dir=$(scratch)
	disk_image "$dir/host.img" 200M -t ext2 -b 4096 || return 1
	debugfs -w -R "write $DISK_BIN/fork-mmap fork-mmap" "$dir/host.img" >/dev/null 2>&1 &&
		debugfs -w -R "sif fork-mmap mode 0100755" "$dir/host.img" >/dev/null 2>&1 ||
		{ echo "debugfs could not write the program"; return 1; }
	cp "$dir/host.img" "$dir/alto.img"
	disk_host_run "$dir/host.img" "$dir/host.out" MNT/fork-mmap MNT keep 128 ||
		{ cat "$dir/host.out"; return 1; }
	disk_alto "$dir/alto.out" -m 64M --disk "$dir/alto.img:/mnt" "$BB" sh -c \
		'/mnt/fork-mmap /mnt keep 128'
	cat "$dir/alto.out"
	[ "$STATUS" -eq 0 ] || return 1
	diff -u "$dir/host.out" "$dir/alto.out" || return 1
	disk_fsck "$dir/host.img" && disk_fsck "$dir/alto.img" || return 1
	local img
	for img in host alto; do
		debugfs -R "dump fork-mmap.kept $dir/$img.kept" "$dir/$img.img" >/dev/null 2>&1 ||
			{ echo "debugfs could not read $img.img"; return 1; }
	done
	cmp "$dir/host.kept" "$dir/alto.kept" || { echo "the files differ"; return 1; }
	rm -rf "$dir"
}
run_test disk/fork-mmap-shared t_disk_fork_mmap

# ext4 images: read as the host reads them, but mounted read-only, and
# refused with a line when they need what Alto lacks.
t_disk_ext4() {
	local dir
	dir=$(scratch)
	mkdir -p "$dir/tree/sub"
	head -c 5000000 /dev/urandom >"$dir/tree/big"
	echo small >"$dir/tree/sub/small"
	ln -s sub/small "$dir/tree/link"
	for i in $(seq 1 300); do echo "$i" >"$dir/tree/sub/f$i"; done
	for img in plain:^has_journal journal:has_journal; do
		local name=${img%%:*} feature=${img#*:}
		rm -f "$dir/$name.img"
		truncate -s 64M "$dir/$name.img"
		mke2fs -q -F -t ext4 -O "$feature" -d "$dir/tree" "$dir/$name.img" || return 1
		disk_host_run "$dir/$name.img" "$dir/$name.host" "$DISK_BIN/disk-tree" MNT lost+found ||
			return 1
		"$ALTO" run --timeout "$GUEST_TIMEOUT" --disk "$dir/$name.img:/mnt" \
			"$DISK_BIN/disk-tree" /mnt lost+found </dev/null >"$dir/$name.raw" 2>&1
		STATUS=$?
		grep -q "ext2 (vda): mounted read-only" "$dir/$name.raw" ||
			{ echo "$name: no line saying it is read-only"; cat "$dir/$name.raw"; return 1; }
		grep -v '^ext2 (vda): ' "$dir/$name.raw" | strip_kernel_lines >"$dir/$name.alto"
		diff -u "$dir/$name.host" "$dir/$name.alto" || return 1
		echo "$name: $(wc -l <"$dir/$name.alto") entries read alike"
	done
	disk_alto "$dir/touch.out" --disk "$dir/plain.img:/mnt" "$BB" touch /mnt/new
	cat "$dir/touch.out"
	[ "$STATUS" -ne 0 ] && grep -q "Read-only file system" "$dir/touch.out" || return 1
	# A journal waiting to be replayed: refused at boot, with a line and status 2.
	debugfs -w -R "feature needs_recovery" "$dir/journal.img" >/dev/null 2>&1
	disk_alto "$dir/recover.out" --disk "$dir/journal.img:/mnt" "$BB" true
	cat "$dir/recover.out"
	[ "$STATUS" -eq 2 ] && grep -q "needs_recovery is not supported" "$dir/recover.out" || return 1
	rm -rf "$dir"
}
run_test disk/ext4-read-only t_disk_ext4

# A disk with no guest path is a plain block device, /dev/vda.
t_disk_raw() {
	local dir
	dir=$(scratch)
	head -c $((8 << 20)) /dev/zero >"$dir/raw.img"
	head -c 100000 /dev/urandom >"$dir/pattern"
	disk_alto "$dir/1.out" --add "$dir/pattern:/pattern" --disk "$dir/raw.img" "$BB" dd \
		if=/pattern of=/dev/vda bs=4096 seek=100 conv=notrunc
	cat "$dir/1.out"
	[ "$STATUS" -eq 0 ] || return 1
	cmp <(dd if="$dir/raw.img" bs=4096 skip=100 count=25 2>/dev/null | head -c 100000) \
		"$dir/pattern" || { echo "the host sees other bytes"; return 1; }
	disk_alto "$dir/2.out" --disk "$dir/raw.img" "$BB" blockdev --getsize64 /dev/vda
	cat "$dir/2.out"
	[ "$(cat "$dir/2.out")" = $((8 << 20)) ] || return 1
	rm -rf "$dir"
}
run_test disk/raw-block-device t_disk_raw

# alto build --fs ext2: the program boots from the disk, and what it writes stays.
t_disk_build_ext2() {
	local dir out
	dir=$(scratch)
	"$ALTO" build --fs ext2 -o "$dir/app.img" "$BB" ls / || return 1
	disk_fsck "$dir/app.img" || return 1
	out=$("$ALTO" boot --timeout "$GUEST_TIMEOUT" "$dir/app.img" </dev/null 2>&1 | strip_kernel_lines)
	echo "$out"
	grep -qx 'lost+found' <<<"$out" && grep -qx 'proc' <<<"$out" || return 1
	"$ALTO" boot --timeout "$GUEST_TIMEOUT" "$dir/app.img" -- "$BB" mkdir /made-in-the-guest \
		</dev/null >/dev/null 2>&1 || return 1
	disk_fsck "$dir/app.img" || return 1
	debugfs -R 'ls -l /' "$dir/app.img" 2>/dev/null | grep -q made-in-the-guest ||
		{ echo "the guest's directory is not on the disk"; return 1; }
	# alto run --root ext2: the same image, made and booted in one command.
	disk_alto "$dir/run.out" --root ext2 "$BB" df /
	cat "$dir/run.out"
	grep -qE '^/dev/vda +[0-9]+' "$dir/run.out" || return 1
	rm -rf "$dir"
}
run_test disk/build-ext2-and-boot t_disk_build_ext2

t_disk_refusals() {
	local dir out
	dir=$(scratch)
	head -c 1M /dev/zero >"$dir/zeros.img"
	for args in "--disk $dir/missing.img:/mnt|cannot use the disk" \
		"--disk $dir/zeros.img:/mnt|holds no ext2 file system" \
		"--disk $dir/zeros.img:mnt|must be absolute" \
		"--disk $dir/zeros.img:/mnt:rx|ro or rw"; do
		# shellcheck disable=SC2086
		out=$("$ALTO" run ${args%%|*} "$BB" true 2>&1 </dev/null)
		local status=$?
		echo "alto run ${args%%|*}: $status $out"
		[ $status -eq 2 ] && grep -q "${args#*|}" <<<"$out" || return 1
	done
	rm -rf "$dir"
}
run_test disk/refusals t_disk_refusals
