# The image as programs see it: the kernel indexes the initrd at boot and
# fills each directory the first time it is read or changed (fs/initrd.c).
# tests/image/tree.py makes a tree of 5,066 files (modes, mtimes, symlinks,
# empty files and directories, one directory of 700 entries), then walks it
# natively and in Alto, with python3 and its whole standard library in the
# image (--files image): every path's type, mode, owner, links, size, mtime
# and sha256, every listing, and changes made first in directories nothing
# has read yet (rename of a directory, rmdir of a full one, unlink, create,
# writes, truncate, shared and private mmap, chmod, utime, link). The two
# outputs must be the same. The program's
# stdout is its own stream, apart from the console. Uses scratch (30-static.sh).

t_image_tree() {
	local dir out
	dir=$(scratch)
	python3 tests/image/tree.py make "$dir/tree" || return 1
	cp -a "$dir/tree" "$dir/native" || return 1
	python3 tests/image/tree.py walk "$dir/native" >"$dir/want" || return 1
	"$ALTO" run --timeout "$GUEST_TIMEOUT" -m 512M --files image --add "$dir/tree:/tree" \
		--add tests/image/tree.py:/tree.py -- --verbose /usr/bin/python3 /tree.py walk /tree \
		</dev/null >"$dir/got" 2>"$dir/console"
	echo "alto run: status $?"
	# The image was indexed, not unpacked: that is what this test is about.
	grep -E '^initrd: [0-9]+ entries indexed' "$dir/console" ||
		fail "no 'initrd: N entries indexed' line: the image was unpacked the old way"
	if ! diff "$dir/want" "$dir/got" >"$dir/diff"; then
		head -40 "$dir/diff"
		fail "Alto's view of the image differs from the native tree (above: < native, > Alto)"
		return 1
	fi
	echo "$(wc -l <"$dir/got") lines agree"
	rm -rf "$dir"
}
run_test image/tree-5000-files t_image_tree
