# The host tool against hostile input: ELF files whose offsets wrap around,
# arguments beyond Linux's limits, option values that make no sense, a
# manifest that never ends; and the faults around the VM: signals to the
# tool, temporary files, $TMPDIR. Uses scratch, make_fake_qemu and
# expect_refusal (30-static.sh).

ELFPATCH=tests/tools/elfpatch.py

# The tool reads the dynamic section of the program and of every --add file
# that looks like a program or a library: offsets chosen to wrap around
# 2^64 must not make it read outside the file (it used to crash with SIGSEGV).
t_tool_wrapping_elf() {
	build_guest_programs || return 1
	local dir out status prog=/bin/true
	dir=$(scratch)
	# e_phoff + e_phnum * 56 wraps to a small number.
	"$ELFPATCH" "$prog" "$dir/phoff.so" e_phoff=0xffffffffffffffc8 || return 1
	# PT_DYNAMIC's p_offset + p_filesz wraps.
	"$ELFPATCH" "$prog" "$dir/dynamic.so" PT_DYNAMIC.p_offset=0xffffffffffffff00 \
		PT_DYNAMIC.p_filesz=0x200 || return 1
	"$ELFPATCH" "$prog" "$dir/program" PT_DYNAMIC.p_offset=0xffffffffffffff00 \
		PT_DYNAMIC.p_filesz=0x200 || return 1
	chmod +x "$dir/program"
	out=$("$ALTO" build -o "$dir/a.img" --add "$dir/phoff.so:/lib/phoff.so" \
		--add "$dir/dynamic.so:/lib/dynamic.so" "$GT_DIR/gcc/exit" 2>&1)
	status=$?
	echo "\$ alto build --add phoff.so --add dynamic.so exit  -> status $status: $out"
	[ "$status" -eq 0 ] || fail "expected the added files to go in as they are (status 0)"
	out=$("$ALTO" build -o "$dir/b.img" "$dir/program" 2>&1)
	status=$?
	echo "\$ alto build program-with-a-wrapping-PT_DYNAMIC  -> status $status: $out"
	[ "$status" -eq 0 ] || fail "expected status 0 for a program whose dynamic section is unreadable"
	rm -rf "$dir"
}
run_test host/tool-wrapping-elf t_tool_wrapping_elf
