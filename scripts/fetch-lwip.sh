#!/bin/sh
# Fetch Debian's lwip source package and unpack it in DEST (build/lwip), with
# Debian's patches applied: `apt-get source` against a private apt state kept
# under DEST, made from this machine's apt sources with deb-src added, so the
# system's apt configuration is left as it is. Needs only the Debian archive
# (and dpkg-dev for dpkg-source). Does nothing when DEST/src is already there.
# Usage: scripts/fetch-lwip.sh DEST
set -e

DEST=${1:?usage: $0 DEST}
mkdir -p "$DEST"
DEST=$(cd "$DEST" && pwd)
[ -f "$DEST/src/src/core/tcp.c" ] && exit 0

APT="$DEST/apt"
rm -rf "$APT" "$DEST"/lwip-*
mkdir -p "$APT/sources.parts" "$APT/lists/partial" "$APT/cache/archives/partial"
: >"$APT/sources.list"
# The machine's Debian sources, as deb-src: deb822 .sources files and one-line lists.
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	sed 's/^Types:.*/Types: deb-src/' "$f" >"$APT/sources.parts/$(basename "$f")"
done
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	sed -n 's/^deb \(.*debian.*\)/deb-src \1/p' "$f" >>"$APT/sources.list"
done

set -- -o "Dir::Etc::SourceList=$APT/sources.list" \
	-o "Dir::Etc::SourceParts=$APT/sources.parts" \
	-o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT/cache" \
	-o "APT::Sandbox::User=root" -o "Debug::NoLocking=1" -q
echo "  FETCH   lwip (apt-get source lwip)"
apt-get "$@" update >"$APT/update.log" 2>&1 || { cat "$APT/update.log"; exit 1; }
(cd "$DEST" && apt-get "$@" source lwip >"$APT/source.log" 2>&1) ||
	{ cat "$APT/source.log"; exit 1; }
dir=$(ls -d "$DEST"/lwip-*/ | head -n 1)
[ -f "$dir/src/core/tcp.c" ] || { echo "lwip: unexpected source layout in $dir"; exit 1; }
rm -f "$DEST/src"
ln -s "$(basename "$dir")" "$DEST/src"
