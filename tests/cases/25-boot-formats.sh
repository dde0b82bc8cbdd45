# Every way the kernel can be booted. The bzImage through QEMU's Linux
# loader (the real-mode setup, then the kernel's 64-bit entry) on both
# machine types, with a program, several CPUs and memory above 4 GiB; the
# bootable disks of `alto build --bootable` through SeaBIOS (GRUB's linux
# command: the 32-bit entry) and OVMF (GRUB's multiboot2), raw and qcow2,
# with a static and a dynamically linked program compared with the host; the
# Firecracker and cloud-hypervisor configurations checked against the rules
# of their documentation (neither VMM runs here: they need KVM). Each checks
# the "Boot:" line the kernel prints with --verbose, so a boot that falls
# back to another path fails.

BOOT_DIR=$(realpath -m "$BUILD/tests/boot")
BZIMAGE="$BUILD/alto.bzimage"

for machine in microvm q35; do
	eval "t_bzimage_$machine() {
		boot --machine $machine --kernel $BZIMAGE -- --verbose
		expect_status 0 && expect_out '^Boot: Linux boot protocol, 64-bit entry\$' \
			'^ACPI: yes' '^Cmdline: --verbose\$' '^Booted in '
	}"
	run_test "boot/bzimage-$machine" "t_bzimage_$machine"

	# The e820 map from the BIOS: 6 GiB of RAM, most of it above 4 GiB.
	eval "t_bzimage_mem_$machine() {
		boot --machine $machine --kernel ${BZIMAGE%alto.bzimage}alto-selftest.bzimage -m 6G -c 2 -- --selftest=pages,threads_100
		expect_status 0 && expect_out '^2 passed, 0 failed\$' || return 1
		local mib=\$(grep -Eo 'free of [0-9]+ MiB' <<<\"\$OUT\" | grep -Eo '[0-9]+')
		echo \"page allocator: \$mib MiB\"
		[ \"\${mib:-0}\" -ge 6040 ]
	}"
	run_test "boot/bzimage-6G-c2-$machine" "t_bzimage_mem_$machine"
done

t_pvh_verbose() {
	boot -- --verbose
	expect_status 0 && expect_out '^Boot: PVH$'
}
run_test boot/pvh t_pvh_verbose

t_bzimage_program() {
	"$ALTO" build -o "$BOOT_DIR/echo.img" /bin/busybox echo hello through the bzImage || return 1
	boot --kernel "$BZIMAGE" "$BOOT_DIR/echo.img"
	expect_status 0 && expect_out '^hello through the bzImage$'
}

# The kernel's ELF as a vmlinux: e_entry (the Linux 64-bit entry, physical)
# must lie inside a PT_LOAD whose virtual and physical addresses agree, so
# that Firecracker and GRUB's ELF loader both accept it; the PVH note is there.
t_vmlinux_entry() {
	local entry
	entry=$(readelf -h "$BUILD/alto.elf" | awk '/Entry point/ { print $4 }')
	echo "entry $entry"
	local type off vaddr paddr fsz msz ok=0
	while read -r type off vaddr paddr fsz msz _; do
		[ "$type" = LOAD ] && [ $((vaddr)) -eq $((paddr)) ] &&
			[ $((entry)) -ge $((vaddr)) ] && [ $((entry)) -lt $((vaddr + msz)) ] && ok=1
	done < <(readelf -lW "$BUILD/alto.elf")
	[ $ok = 1 ] || { echo "e_entry is in no identity-mapped PT_LOAD"; return 1; }
	grep -q 'Xen.*0x00000012' <<<"$(readelf -n "$BUILD/alto.elf")" ||
		{ echo "no PVH note (XEN_ELFNOTE_PHYS32_ENTRY)"; return 1; }
	# The multiboot2 header: magic in the file's first 32 KiB, 8-byte aligned.
	grep -Eq '^[0-9]+ e85250d6 00000000$' <<<"$(od -A d -t x4 -w8 -N 32768 "$BUILD/alto.elf")" ||
		{ echo "no multiboot2 header"; return 1; }
}

mkdir -p "$BOOT_DIR"
run_test boot/bzimage-program t_bzimage_program
run_test boot/vmlinux-entry t_vmlinux_entry

# disk_test NAME FIRMWARE FORMAT PROTOCOL PROGRAM ARGS...: build a bootable
# disk, boot it, and compare the program's output with the host's.
disk_test() {
	local name=$1 firmware=$2 format=$3 protocol=$4
	shift 4
	local disk="$BOOT_DIR/$name.$format" want
	"$ALTO" build --format "$format" -o "$disk" -- --verbose "$@" || return 1
	want=$(cd / && "$@" 2>&1)
	boot --firmware "$firmware" "$disk"
	OUT=$(tr -d '\r' <<<"$OUT") # the firmware's and GRUB's lines end in CR LF
	expect_status 0 && expect_out "^Boot: $protocol\$" '^ACPI: yes' || return 1
	local got
	# What follows "Booted in" is the program's, but for the lines --verbose
	# has the kernel print as it resets each virtio device at power-off, and
	# virtio-rng's, whose probe runs with the late work (kernel/late.c).
	got=$(sed -n '/^Booted in /,$p' <<<"$OUT" | sed -e 1d -e '/^virtio[0-9]* (.*): reset$/d' \
		-e '/^virtio[0-9]* (.*): rng, [0-9]* bytes mixed into the CSPRNG (.*)$/d')
	if [ "$got" != "$want" ]; then
		echo "program output differs from the host's:"
		diff <(echo "$want") <(echo "$got")
		return 1
	fi
}

t_disk_bios_raw() { disk_test bios-static bios raw 'Linux boot protocol, 32-bit entry' /bin/busybox echo static on a disk; }
t_disk_bios_qcow2() { disk_test bios-dynamic bios qcow2 'Linux boot protocol, 32-bit entry' /usr/bin/seq 3 7; }
t_disk_uefi_raw() { disk_test uefi-dynamic uefi raw multiboot2 /usr/bin/seq -s , 10 15; }
t_disk_uefi_qcow2() { disk_test uefi-static uefi qcow2 multiboot2 /bin/busybox echo static on UEFI; }
run_test boot/disk-bios-raw t_disk_bios_raw
run_test boot/disk-bios-qcow2 t_disk_bios_qcow2
run_test boot/disk-uefi-raw t_disk_uefi_raw
run_test boot/disk-uefi-qcow2 t_disk_uefi_qcow2

t_disk_refusals() {
	local disk="$BOOT_DIR/bios-static.raw"
	OUT=$("$ALTO" boot --machine microvm "$disk" 2>&1)
	STATUS=$?
	echo "$OUT"
	expect_status 2 && expect_out 'on q35 only' || return 1
	OUT=$("$ALTO" boot "$disk" -- --verbose 2>&1)
	STATUS=$?
	echo "$OUT"
	expect_status 2 && expect_out 'carries its own command line' || return 1
	OUT=$("$ALTO" build -o "$BOOT_DIR/x.img" -- --verbose /bin/busybox true 2>&1)
	STATUS=$?
	echo "$OUT"
	expect_status 2 && expect_out 'holds no kernel options' || return 1
	[ ! -e "$BOOT_DIR/x.img" ]
}
run_test boot/disk-refusals t_disk_refusals

# Firecracker's configuration file, checked against the rules its API
# documentation gives for PUT /boot-source and /machine-config (the same
# objects --config-file takes): known keys only, required ones present,
# types and ranges, files that exist.
t_firecracker_config() {
	local dir="$BOOT_DIR/firecracker"
	rm -rf "$dir"
	"$ALTO" build --vmm firecracker -m 512M -c 2 -o "$dir" -- --verbose /bin/busybox echo hi ||
		return 1
	cat "$dir/firecracker.json"
	python3 - "$dir/firecracker.json" <<'EOF'
import json, os, sys
cfg = json.load(open(sys.argv[1]))
errors = []
def need(cond, what):
    if not cond:
        errors.append(what)
top = {"boot-source", "drives", "machine-config", "network-interfaces", "logger",
       "metrics", "balloon", "vsock", "mmds-config", "entropy", "cpu-config"}
need(set(cfg) <= top, "unknown top-level keys: %s" % (set(cfg) - top))
bs = cfg.get("boot-source", {})
need(set(bs) <= {"kernel_image_path", "initrd_path", "boot_args"}, "unknown boot-source keys")
need(isinstance(bs.get("kernel_image_path"), str) and os.path.isfile(bs["kernel_image_path"]),
     "boot-source.kernel_image_path must name a file")
need("initrd_path" not in bs or os.path.isfile(bs["initrd_path"]), "initrd_path must name a file")
need(isinstance(bs.get("boot_args", ""), str), "boot_args must be a string")
mc = cfg.get("machine-config", {})
need(set(mc) <= {"vcpu_count", "mem_size_mib", "smt", "track_dirty_pages", "cpu_template",
                 "huge_pages"}, "unknown machine-config keys")
need(type(mc.get("vcpu_count")) is int and 1 <= mc["vcpu_count"] <= 32, "vcpu_count 1..32")
need(type(mc.get("mem_size_mib")) is int and mc["mem_size_mib"] > 0, "mem_size_mib > 0")
need(type(mc.get("smt", False)) is bool, "smt must be a boolean")
need(mc.get("vcpu_count") == 2 and mc.get("mem_size_mib") == 512, "-c 2 -m 512M not applied")
for d in cfg.get("drives", []):
    need({"drive_id", "is_root_device"} <= set(d), "a drive needs drive_id and is_root_device")
need("--verbose" in bs.get("boot_args", ""), "the kernel options are not in boot_args")
print("\n".join(errors) or "firecracker.json follows the documented rules")
sys.exit(1 if errors else 0)
EOF
}
run_test boot/firecracker-config t_firecracker_config

t_cloud_hypervisor_config() {
	local dir="$BOOT_DIR/cloud-hypervisor"
	rm -rf "$dir"
	"$ALTO" build --vmm cloud-hypervisor -o "$dir" /bin/busybox echo hi || return 1
	cat "$dir/cloud-hypervisor.sh"
	sh -n "$dir/cloud-hypervisor.sh" && [ -x "$dir/cloud-hypervisor.sh" ] &&
		[ -f "$dir/alto.elf" ] && [ -f "$dir/initrd.img" ] || return 1
	# The script's command line as the VMM would get it, with a stand-in VMM.
	mkdir -p "$dir/bin"
	printf '#!/bin/sh\nprintf "%%s\\n" "$@"\n' >"$dir/bin/cloud-hypervisor"
	chmod +x "$dir/bin/cloud-hypervisor"
	OUT=$(PATH="$dir/bin:$PATH" "$dir/cloud-hypervisor.sh")
	echo "$OUT"
	expect_out "^--kernel$" "^$dir/alto.elf$" "^--initramfs$" "^$dir/initrd.img$" \
		'^boot=1$' '^size=256M$' '^--serial$' '^tty$'
}
run_test boot/cloud-hypervisor-config t_cloud_hypervisor_config
