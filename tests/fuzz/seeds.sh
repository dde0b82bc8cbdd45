#!/bin/sh
# Seeds for the libFuzzer targets that are build output (never kept in the
# tree): small ELF programs and libraries made here, of every kind the tool
# and the loader meet (static, static-PIE, dynamic PIE and non-PIE with
# DT_NEEDED, DT_RUNPATH or DT_RPATH, a shared library). Usage: seeds.sh DIR
set -e
dir=$1
mkdir -p "$dir/elf" "$dir/libs" "$dir/cpio"
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
echo 'int main(void) { return 0; }' >"$src/main.c"
echo 'void _start(void) { for (;;) ; }' >"$src/start.c"
echo 'int lib_value(void) { return 42; }' >"$src/lib.c"
gcc -O2 "$src/main.c" -lm -Wl,-rpath,'$ORIGIN/lib' -Wl,--enable-new-dtags -o "$dir/elf/pie-runpath"
gcc -O2 "$src/main.c" -lm -Wl,-rpath,/opt/lib -Wl,--disable-new-dtags -no-pie -o "$dir/elf/nopie-rpath"
gcc -O2 -static-pie -nostdlib "$src/start.c" -o "$dir/elf/tiny-static-pie"
gcc -O2 -static -nostdlib "$src/start.c" -o "$dir/elf/tiny-static"
gcc -O2 -shared -fPIC "$src/lib.c" -lm -o "$dir/elf/lib.so"
strip -o "$dir/elf/pie-stripped" "$dir/elf/pie-runpath"
cp "$dir"/elf/* "$dir/libs/"
# A small image the way the tool writes them, and one GNU cpio writes.
mkdir -p "$src/root/dir"
echo hello >"$src/root/dir/file"
ln -s dir/file "$src/root/link"
(cd "$src/root" && find . | cpio -o -H newc --quiet) >"$dir/cpio/gnu.cpio"
