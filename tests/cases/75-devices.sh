# The device model: PCI on q35 (MSI-X with a vector per queue, one vector
# shared by the queues, INTx on a line two devices share) and virtio-mmio on
# microvm (from ACPI and from the command line), both virtio transports for
# virtio-rng and virtio-net, two NICs, and devices that fail to probe being
# reported on one line and skipped while the others work.

# rng_fed: the virtio-rng line of --verbose, with the interrupt mode in $1.
rng_fed() {
	expect_out "rng, 64 bytes mixed into the CSPRNG \\($1\\)"
}

t_dev_q35_msix() {
	boot --machine q35 --net user -- --verbose
	expect_status 0 && expect_out '^pci 0000:00:00\.0: 8086:29c0' \
		'^pci 0000:00:0[0-9a-f]\.0: 1af4:10(05|44) class 00ff00, MSI-X$' &&
		rng_fed 'MSI-X' &&
		expect_out '\(pci 0000:00:0[0-9a-f]\.0\): eth0, mac 52:54:00:12:34:56, mtu 1500, link up, MSI-X' \
			'^eth0: inet 10\.0\.2\.15 netmask 255\.255\.255\.0 .*\(DHCP\)$'
}
run_test devices/q35-msix t_dev_q35_msix

# Slots 3 and 7 both raise INTA on GSI 23 (q35 rotates pins over PIRQ E-H by
# slot): each device's handler must see its own interrupts on the shared line.
t_dev_q35_intx_shared() {
	boot --machine q35 --no-rng --device virtio-rng-pci,vectors=0,addr=0x3 \
		--device virtio-rng-pci,vectors=0,addr=0x7 -- --verbose
	expect_status 0 &&
		expect_out '^virtio0 \(pci 0000:00:03\.0\): rng, 64 bytes mixed into the CSPRNG \(INTx\)$' \
			'^virtio1 \(pci 0000:00:07\.0\): rng, 64 bytes mixed into the CSPRNG \(INTx\)$'
}
run_test devices/q35-intx-shared t_dev_q35_intx_shared

# A NIC whose MSI-X table has two entries: configuration on one, both queues on the other.
t_dev_q35_msix_shared() {
	boot --machine q35 --no-rng --device virtio-net-pci,vectors=2,mac=52:54:00:00:00:01 \
		-- --verbose --ip=eth0,10.1.0.2,255.255.255.0
	expect_status 0 &&
		expect_out 'eth0, mac 52:54:00:00:00:01, mtu 1500, .*MSI-X, one vector for the queues' \
			'^eth0: inet 10\.1\.0\.2 netmask 255\.255\.255\.0 gateway 0\.0\.0\.0$'
}
run_test devices/q35-msix-shared t_dev_q35_msix_shared

# A NIC without MSI-X takes its interrupts on the INTx line.
t_dev_q35_net_intx() {
	boot --machine q35 --no-rng --device virtio-net-pci,vectors=0,mac=52:54:00:00:00:02 \
		-- --verbose --ip=eth0,10.1.0.2,255.255.255.0
	expect_status 0 && expect_out 'eth0, mac 52:54:00:00:00:02, mtu 1500, link up, INTx'
}
run_test devices/q35-net-intx t_dev_q35_net_intx

t_dev_microvm_acpi() {
	boot --net user -- --verbose
	expect_status 0 &&
		expect_out '^virtio[01] \(mmio 0x[0-9a-f]+ irq [0-9]+\): rng device \(type 4\)$' &&
		rng_fed line &&
		expect_out '\(mmio 0x[0-9a-f]+ irq [0-9]+\): eth0, mac 52:54:00:12:34:56, mtu 1500, link up, line' \
			'^eth0: inet 10\.0\.2\.15 netmask 255\.255\.255\.0 .*\(DHCP\)$'
}
run_test devices/microvm-acpi t_dev_microvm_acpi

# Without ACPI, QEMU appends virtio_mmio.device= words to the command line:
# they describe the devices and never reach the program or the option check.
t_dev_microvm_cmdline() {
	boot --machine microvm,acpi=off --net user -- --verbose
	expect_status 0 && expect_out 'virtio_mmio\.device=512@0x[0-9a-f]+:[0-9]+' &&
		expect_out '^virtio[01] \(mmio 0x[0-9a-f]+ irq [0-9]+\): rng device' && rng_fed line &&
		expect_out '^eth0: inet 10\.0\.2\.15 netmask 255\.255\.255\.0 .*\(DHCP\)$' &&
		expect_no_out 'unknown option'
}
run_test devices/microvm-cmdline t_dev_microvm_cmdline

# Two NICs on each transport: eth0 and eth1, MACs counting up, each with its lease.
two_nics() {
	boot --machine "$1" --net user --net user -- --verbose
	expect_status 0 && expect_out 'eth0, mac 52:54:00:12:34:56,' 'eth1, mac 52:54:00:12:34:57,' \
		'^eth0: inet 10\.0\.2\.15 .*\(DHCP\)$' '^eth1: inet 10\.0\.2\.15 .*\(DHCP\)$'
}
t_dev_two_nics_q35() { two_nics q35; }
t_dev_two_nics_microvm() { two_nics microvm; }
run_test devices/two-nics-q35 t_dev_two_nics_q35
run_test devices/two-nics-microvm t_dev_two_nics_microvm

# A legacy-only virtio device cannot be driven: one line, and the next device works.
t_dev_probe_failure() {
	boot --machine q35 --no-rng --device virtio-rng-pci,disable-modern=on,addr=0x3 \
		--device virtio-rng-pci,addr=0x4 -- --verbose
	expect_status 0 &&
		expect_out '^pci 0000:00:03\.0: virtio-pci: a legacy-only device \(no virtio 1\.0 interface\); device skipped$' \
			'^virtio0 \(pci 0000:00:04\.0\): rng, 64 bytes mixed into the CSPRNG \(MSI-X\)$' &&
		[ "$(grep -c '00:03\.0' <<<"$OUT")" -eq 2 ] # the scan line and the one failure line
}
run_test devices/probe-failure t_dev_probe_failure

# Reset at power-off: with --verbose the kernel names each device it stops.
t_dev_shutdown_reset() {
	boot --machine q35 --net user -- --verbose
	expect_status 0 && expect_out '^virtio[0-9] \(pci [^)]*\): reset$'
}
run_test devices/shutdown-reset t_dev_shutdown_reset

# The rng's probe waits for the late work (kernel/late.c). The program blocks
# on its stdin for a second, so the idle CPUs (three of them at once, and
# the fourth once the program blocks) start it, and power-off comes after:
# the probe must run exactly once (a second probe of the device fails on one
# line or hangs), and the program's input must reach it (the console's
# receive interrupt is late work too).
t_dev_late_probe_once() {
	build_guest_programs || return 1
	OUT=$( (sleep 1; echo x) | "$ALTO" run --timeout "$GUEST_TIMEOUT" -c 4 -- --verbose \
		"$GT_DIR/gcc/stdin" 2>&1)
	STATUS=$?
	echo "$OUT"
	expect_status 0 && rng_fed line && expect_no_out 'device skipped' &&
		expect_out '^bytes: 2, lines: 1, ' &&
		{ [ "$(grep -c 'rng, .* bytes mixed' <<<"$OUT")" -eq 1 ] ||
			fail "expected exactly one rng line"; }
}
run_test devices/late-probe-once t_dev_late_probe_once
