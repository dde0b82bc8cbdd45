#!/bin/sh
# Install the Debian packages that building and testing Alto need, if any is
# missing: one `apt-get update`, then one `apt-get install`. Run as root (or
# with sudo available). Nothing happens when everything is there.
set -e

# musl-tools: the musl variant of the guest tests; busybox-static: the
# busybox suite; cpio: the unit test proving GNU cpio reads Alto's images;
# bsdutils: `script`, for the tool's terminal test; python3 and lz4: the
# benchmark harness (bench/run.py) and the Linux guest's kernel it unpacks;
# python3, perl, sqlite3, lua5.4 and coreutils: the real dynamically linked
# programs of 60-dynamic.sh; grub-pc-bin, grub-efi-amd64-bin, grub-common,
# dosfstools, mtools, fdisk and qemu-utils: alto build --bootable; ovmf: the
# UEFI boots of 25-boot-formats.sh; nodejs, golang-go, default-jdk-headless
# (javac and the JVM) and ruby: the runtimes of 75-runtimes.sh; git and make
# (with bash, tar and gzip, which every Debian has): the real programs of
# 68-processes.sh; zlib1g-dev: alto's gzip'd pprof profiles; liblz4-dev: the
# decoder of compressed trace dumps in alto and the reference for the
# compressor's unit test; gdb and golang-go (go tool pprof): what
# 78-trace.sh reads the tracer's outputs with; dpkg-dev and xz-utils:
# `apt-get source lwip` (scripts/fetch-lwip.sh); tcpdump, iproute2 and
# iputils-ping: the network tests and 78-trace.sh (a pcap of the link, a
# tap device in a namespace, ping from it); redis-server (with
# redis-tools), nginx, wrk, curl and socat: the servers and their host
# clients in 85-servers.sh and the network bench rows; nftables and
# ethtool: the packet loss and the forwarding without offload of 85-tso.sh; clang and
# libclang-rt-dev (libFuzzer, ASan, UBSan): the host fuzzing targets of
# tests/fuzz/.
PACKAGES="gcc make binutils qemu-system-x86 libcmocka-dev clang-format musl-tools \
	busybox-static cpio bsdutils python3 lz4 perl sqlite3 lua5.4 coreutils \
	grub-pc-bin grub-efi-amd64-bin grub-common dosfstools mtools fdisk qemu-utils ovmf \
	nodejs golang-go default-jdk-headless ruby git zlib1g-dev liblz4-dev tcpdump gdb \
	dpkg-dev xz-utils iproute2 iputils-ping redis-server redis-tools nginx wrk curl socat \
	nftables ethtool clang libclang-rt-dev"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "Installing Debian packages:$missing"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
