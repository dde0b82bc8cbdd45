# Memory and space as Linux reports them: /tmp is a tmpfs holding half of
# RAM, writing past it is ENOSPC and the space comes back, size= and mode=
# are kept, bad options and unknown types are refused, a mount in use is not
# unmounted, remounting read-only gives EROFS (tests/guest/tmpfs.c, whose
# output must be the text below; the overcommit refusals of mmap and brk are
# a differential program, overcommit in programs.txt).

t_memory_tmpfs() {
	local out
	out=$("$ALTO" run --timeout "$GUEST_TIMEOUT" -m 128M "$GT_DIR/gcc/tmpfs" </dev/null 2>&1)
	STATUS=$?
	echo "$out"
	expect_status 0 || return 1
	[ "$out" = "$(cat <<'TEXT'
/tmp is tmpfs: yes
/tmp holds half of RAM: yes
writing past it: ENOSPC
it took the whole free space, to a page: yes
no space left: yes
unlink: 0
the space is back: yes
mount tmpfs size=1m: 0
mode of its root: 700
writing 1 MiB and more: ENOSPC after 1024 KiB
umount while a file is open: -1 EBUSY
umount: 0
umount again: -1 EINVAL
tmpfs: bad mount option 'size=lots'
mount with a bad option: -1 EINVAL
mount an unknown type: -1 ENODEV
remount /tmp read-only: 0
create on it: -1 EROFS
remount it read-write: 0
create again: 0
TEXT
)" ] || { echo "expected the text of 83-memory.sh"; return 1; }
}
run_test memory/tmpfs-limits t_memory_tmpfs
