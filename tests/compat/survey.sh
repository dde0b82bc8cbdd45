#!/bin/bash
# The compatibility survey (docs/compatibility.md): each script of
# tests/compat/cases/ runs natively in a scratch directory and under
# `alto run -c 2 -m 1G -v DIR:/w -w /w` in another, with the host's /usr
# through virtio-fs; stdout and stderr together and the status are
# compared, and the kernel's "not implemented" lines counted. Not part of
# `make test` (tests/cases/87-compat.sh holds what the fixes made work);
# needs root (virtiofsd). The scratch directories are build/compat/CASE.native-dir
# and CASE.alto-dir (a name ending in .d would be taken by the Makefile
# for a dependency file).
#   tests/compat/survey.sh [CASE...]   (default: every case)
set -u
cd "$(dirname "$0")/../.."
ALTO=$(realpath "${ALTO:-build/bin/alto}")
OUT=$(realpath -m "${OUT:-build/compat}")
mkdir -p "$OUT"
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=($(cd tests/compat/cases && ls *.sh | sed 's/\.sh$//'))
for c in "${cases[@]}"; do
	src=$(realpath "tests/compat/cases/$c.sh")
	rm -rf "$OUT/$c.native-dir" "$OUT/$c.alto-dir"
	mkdir -p "$OUT/$c.native-dir" "$OUT/$c.alto-dir"
	cp "$src" "$OUT/$c.native-dir/case.sh"
	cp "$src" "$OUT/$c.alto-dir/case.sh"
	(cd "$OUT/$c.native-dir" && env -i TZ=UTC LC_ALL=C PATH=/usr/bin:/bin HOME=/ \
		timeout 120 /usr/bin/bash case.sh >../$c.native.out 2>&1 </dev/null
	echo "status $?" >>../$c.native.out)
	(cd "$OUT/$c.alto-dir" && timeout 300 "$ALTO" run --timeout 240 -c 2 -m 1G \
		-v "$OUT/$c.alto-dir:/w" -w /w -e TZ=UTC -e LC_ALL=C -e PATH=/usr/bin:/bin -e HOME=/ \
		/usr/bin/bash case.sh >../$c.alto.raw 2>&1 </dev/null
	echo "status $?" >>../$c.alto.raw)
	grep -v '^alto: ' "$OUT/$c.alto.raw" >"$OUT/$c.alto.out"
	if cmp -s "$OUT/$c.native.out" "$OUT/$c.alto.out"; then
		echo "== $c: same"
	else
		echo "== $c: differs (- native, + Alto)"
		diff "$OUT/$c.native.out" "$OUT/$c.alto.out" | head -30
	fi
	grep -h 'is not implemented' "$OUT/$c.alto.raw" | sort | uniq -c
done
