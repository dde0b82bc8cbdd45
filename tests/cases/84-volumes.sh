# Host directories through virtio-fs (alto run -v HOSTDIR:GUESTDIR[:ro]).
# tests/guest/disk-ops runs natively in a directory on the host (an ext2
# image loop-mounted, so that both runs see a file system of their own) and
# in Alto on a copy of it served through virtio-fs: the outputs must match
# (but for statfs's type, which is FUSE's in the guest as on Linux), and
# each side's result is listed by both. Extended attributes pass through;
# a volume mounted :ro refuses writes; /proc/mounts shows the mounts; bad
# -v options are refused. Needs root (loop mounts, and virtiofsd's
# sandbox). Uses scratch, strip_kernel_lines (30-static.sh), disk_image and
# disk_alto (82-disk.sh).

VOL_BIN="$GT_DIR/gcc"

# vol_pair DIR: two copies of an empty ext2 mounted at DIR/host and DIR/alto.
vol_pair() {
	local dir=$1
	[ "$(id -u)" -eq 0 ] || { echo "loop mounts and virtiofsd need root"; return 1; }
	disk_image "$dir/host.img" 64M -t ext2 -O ^dir_index || return 1
	cp "$dir/host.img" "$dir/alto.img"
	mkdir -p "$dir/host" "$dir/alto"
	mount -o loop "$dir/host.img" "$dir/host" && mount -o loop "$dir/alto.img" "$dir/alto" ||
		{ echo "cannot loop-mount"; return 1; }
}

vol_unmount() {
	umount "$1/host" 2>/dev/null
	umount "$1/alto" 2>/dev/null
}

t_volume_differential() {
	local dir
	dir=$(scratch)
	dir=$(cd "$dir" && pwd)
	vol_pair "$dir" || { vol_unmount "$dir"; return 1; }
	"$VOL_BIN/disk-ops" "$dir/host" >"$dir/host.out" 2>&1
	disk_alto "$dir/alto.out" -v "$dir/alto:/data" "$VOL_BIN/disk-ops" /data
	local ok=0
	sed -i 's/^statfs: type [0-9a-f]* /statfs: type TYPE /' "$dir/host.out" "$dir/alto.out"
	[ "$STATUS" -eq 0 ] && diff -u "$dir/host.out" "$dir/alto.out" || ok=1
	if [ $ok -eq 0 ]; then
		echo "disk-ops: $(wc -l <"$dir/host.out") lines alike"
		"$VOL_BIN/disk-tree" "$dir/host" lost+found >"$dir/host.tree"
		"$VOL_BIN/disk-tree" "$dir/alto" lost+found >"$dir/alto.tree"
		disk_alto "$dir/alto.by-alto" -v "$dir/alto:/data:ro" "$VOL_BIN/disk-tree" /data lost+found
		diff -u "$dir/alto.tree" "$dir/alto.by-alto" &&
			diff -u <(sed 's/ mtime [0-9.]*//' "$dir/host.tree") \
				<(sed 's/ mtime [0-9.]*//' "$dir/alto.tree") || ok=1
		[ $ok -eq 0 ] && echo "trees: $(wc -l <"$dir/host.tree") entries alike"
	fi
	vol_unmount "$dir"
	[ $ok -eq 0 ] || return 1
	e2fsck -fn "$dir/alto.img" >/dev/null 2>&1 || { echo "the host's file system is damaged"; return 1; }
	rm -rf "$dir"
}
run_test volume/differential t_volume_differential

# A file mapped MAP_SHARED across fork on a volume (tests/guest/fork-mmap.c):
# the output as natively, and the file the guest left the same as the host's.
t_volume_fork_mmap() {
	local dir
	dir=$(scratch)
	dir=$(cd "$dir" && pwd)
	mkdir -p "$dir/host" "$dir/alto"
	"$VOL_BIN/fork-mmap" "$dir/host" keep >"$dir/host.out" 2>&1 || { cat "$dir/host.out"; return 1; }
	disk_alto "$dir/alto.out" -v "$dir/alto:/data" "$VOL_BIN/fork-mmap" /data keep
	cat "$dir/alto.out"
	[ "$STATUS" -eq 0 ] || return 1
	diff -u "$dir/host.out" "$dir/alto.out" || return 1
	cmp "$dir/host/fork-mmap.kept" "$dir/alto/fork-mmap.kept" || { echo "the files differ"; return 1; }
	rm -rf "$dir"
}
run_test volume/fork-mmap-shared t_volume_fork_mmap

t_volume_xattrs() {
	local dir
	dir=$(scratch)
	dir=$(cd "$dir" && pwd)
	vol_pair "$dir" || { vol_unmount "$dir"; return 1; }
	"$VOL_BIN/xattr" "$dir/host" >"$dir/host.out" 2>&1
	disk_alto "$dir/alto.out" -v "$dir/alto:/data" "$VOL_BIN/xattr" /data
	cat "$dir/alto.out"
	local ok=0
	[ "$STATUS" -eq 0 ] && diff -u "$dir/host.out" "$dir/alto.out" || ok=1
	grep -q '^getxattr: 4 "blue"$' "$dir/alto.out" || ok=1
	vol_unmount "$dir"
	[ $ok -eq 0 ] && rm -rf "$dir"
}
run_test volume/xattrs t_volume_xattrs

# Files the host put there are read; :ro refuses writes; /proc/mounts lists both.
t_volume_read_only() {
	local dir
	dir=$(scratch)
	dir=$(cd "$dir" && pwd)
	mkdir -p "$dir/ro" "$dir/rw"
	echo "written on the host" >"$dir/ro/note"
	disk_alto "$dir/cat.out" -v "$dir/ro:/in:ro" -v "$dir/rw:/out" "$BB" cat /in/note
	cat "$dir/cat.out"
	[ "$(cat "$dir/cat.out")" = "written on the host" ] || return 1
	disk_alto "$dir/touch.out" -v "$dir/ro:/in:ro" "$BB" touch /in/new
	cat "$dir/touch.out"
	[ "$STATUS" -ne 0 ] && grep -q "Read-only file system" "$dir/touch.out" || return 1
	[ ! -e "$dir/ro/new" ] || { echo "the host got a file"; return 1; }
	disk_alto "$dir/cp.out" -v "$dir/ro:/in:ro" -v "$dir/rw:/out" "$BB" cp /in/note /out/copy
	cmp "$dir/ro/note" "$dir/rw/copy" || { echo "the host does not see the guest's file"; return 1; }
	disk_alto "$dir/mounts.out" -v "$dir/ro:/in:ro" -v "$dir/rw:/out" "$BB" cat /proc/mounts
	cat "$dir/mounts.out"
	grep -q '^vol0 /in virtiofs ro' "$dir/mounts.out" &&
		grep -q '^vol1 /out virtiofs rw' "$dir/mounts.out" || return 1
	rm -rf "$dir"
}
run_test volume/read-only-and-mounts t_volume_read_only

t_volume_refusals() {
	local dir out
	dir=$(scratch)
	for args in "$dir/missing:/data|is not a directory" "$dir:data|absolute path" \
		"$dir:/data:rx|ro or rw" "$dir|the form is"; do
		out=$("$ALTO" run -v "${args%%|*}" "$BB" true 2>&1 </dev/null)
		local status=$?
		echo "alto run -v ${args%%|*}: $status $out"
		[ $status -eq 2 ] && grep -q "${args#*|}" <<<"$out" || return 1
	done
	rm -rf "$dir"
}
run_test volume/refusals t_volume_refusals
