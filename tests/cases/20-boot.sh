# Guest tests of the foundation: boot on both machine types, the self tests,
# memory sizes, fault and panic reports, power-off statuses, console input.

# mem_test MACHINE SIZE MIN_MIB: allocator, heap and threads work with SIZE of
# RAM, and the page allocator holds at least MIN_MIB of it.
mem_test() {
	boot --kernel "$SELFTEST_KERNEL" --machine "$1" -m "$2" -- --selftest=pages,pages_exhaust,heap,kstack_guard,threads_100
	expect_status 0 && expect_out '^5 passed, 0 failed$' || return 1
	local mib
	mib=$(grep -Eo 'free of [0-9]+ MiB' <<<"$OUT" | grep -Eo '[0-9]+')
	echo "page allocator: $mib MiB (at least $3 expected)"
	[ "${mib:-0}" -ge "$3" ]
}

# The self tests the sources define (SELFTEST(name); manual ones run only when named).
selftest_names() {
	sed -n 's/^SELFTEST(\([A-Za-z0-9_]*\)).*/\1/p' tests/kernel/*.c
}

# expect_selftests NAME...: every self test in the sources ran and passed,
# except the NAMEs, which were skipped; the summary line counts them all.
expect_selftests() {
	local name n=0
	for name in $(selftest_names); do
		n=$((n + 1))
		if [[ " $* " == *" $name "* ]]; then
			expect_out "^selftest $name +skipped " || return 1
		else
			expect_out "^selftest $name +ok " || return 1
		fi
	done
	echo "the sources define $n self tests; $# expected to be skipped"
	if [ $# -gt 0 ]; then
		expect_out "^$((n - $#)) passed, 0 failed, $# skipped\$"
	else
		expect_out "^$n passed, 0 failed\$"
	fi
}

for machine in microvm q35; do
	eval "t_boot_$machine() {
		boot --machine $machine
		expect_status 0 && expect_out '^Cmdline: \$' '^Booted in [0-9]+\\.[0-9]{2} ms\$'
	}"
	run_test "guest/boot-$machine" "t_boot_$machine"

	# On one CPU, the TLB shootdown test has no other CPU to look at.
	eval "t_selftest_$machine() {
		boot --kernel \"\$SELFTEST_KERNEL\" --machine $machine -- --selftest
		expect_status 0 && expect_out '^Cmdline: --selftest\$' &&
			expect_selftests tlb_shootdown && expect_no_out 'FAILED'
	}"
	run_test "guest/selftest-$machine" "t_selftest_$machine"

	# The same on 4 CPUs: the locks, allocators, VFS and timers truly race.
	eval "t_selftest_c4_$machine() {
		boot --kernel \"\$SELFTEST_KERNEL\" -c 4 --machine $machine -- --selftest
		expect_status 0 && expect_selftests && expect_no_out 'FAILED'
	}"
	run_test "guest/selftest-$machine-c4" "t_selftest_c4_$machine"

	for mem in 32M:28 6G:6040 8G:8060; do
		eval "t_mem_${mem%:*}_$machine() { mem_test $machine ${mem%:*} ${mem#*:}; }"
		run_test "guest/mem-${mem%:*}-$machine" "t_mem_${mem%:*}_$machine"
	done
done

t_fault() {
	boot --kernel "$SELFTEST_KERNEL" -- --selftest=fault
	expect_status 126 && expect_out 'Fatal kernel fault: page fault \(vector 14' \
		'faulting address \(cr2\) 0000000000000000: read not present' \
		'^  rip [0-9a-f]{16}  rsp' '^  r13 ' '^Backtrace:' \
		'\[0\] [0-9a-f]{16} selftest_fault_deref\+0x' '\] [0-9a-f]{16} test_thread\+0x'
}
run_test guest/fault-report t_fault

t_fault_q35() {
	boot --kernel "$SELFTEST_KERNEL" --machine q35 -- --selftest=fault
	expect_status 126 && expect_out 'selftest_fault_deref\+0x'
}
run_test guest/fault-report-q35 t_fault_q35

t_panic() {
	boot --kernel "$SELFTEST_KERNEL" -- --selftest=panic
	expect_status 126 && expect_out '^Kernel panic: selftest: a deliberate panic$' \
		'^alto: the kernel panicked \(its report is above\): exit status 126$' \
		'\] [0-9a-f]{16} selftest_panic\+0x'
}
run_test guest/panic t_panic

t_stack_overflow() {
	boot --kernel "$SELFTEST_KERNEL" -- --selftest=stack_overflow
	expect_status 126 && expect_out '^Fatal kernel stack overflow: page fault' \
		'selftest_recurse\+0x'
}
run_test guest/stack-overflow t_stack_overflow

t_unknown_option() {
	boot -- --bogus-option
	expect_status 2 && expect_out '^alto: unknown option --bogus-option$'
}
run_test guest/unknown-option t_unknown_option

t_unknown_selftest() {
	boot --kernel "$SELFTEST_KERNEL" -- --selftest=nonesuch
	expect_status 1 && expect_out 'no test matches "nonesuch"'
}
run_test guest/unknown-selftest t_unknown_selftest

# The default kernel carries no self test and no code only they use (the
# link drops it): --selftest says where they are; the self-test kernel has
# them all.
t_selftest_not_built() {
	local n
	n=$(nm "$BUILD/alto.elf" | grep -c ' selftest_ptr_\| thread_join$\| cond_wait$')
	[ "$n" -eq 0 ] || fail "build/alto.elf holds $n self-test symbols" || return 1
	n=$(nm "$SELFTEST_KERNEL" | grep -c ' selftest_ptr_')
	[ "$n" -eq "$(cat tests/kernel/*.c | grep -c '^SELFTEST\(_MANUAL\)\?(')" ] ||
		fail "the self-test kernel holds $n self tests" || return 1
	boot -- --selftest
	expect_status 1 && expect_out '^selftest: this kernel is built without self tests; .*alto-selftest\.elf'
}
run_test guest/selftest-not-built t_selftest_not_built

t_timeout() {
	OUT=$("$ALTO" boot --timeout 2 --kernel "$SELFTEST_KERNEL" -- --selftest=hang 2>&1 </dev/null)
	STATUS=$?
	echo "$OUT"
	expect_status 124 && expect_out 'did not finish within 2 s'
}
run_test guest/tool-timeout t_timeout

# Input through the UART's receive interrupt, routed by the IOAPIC.
t_console_input() {
	OUT=$(echo "hello from the host" | "$ALTO" boot --timeout "$GUEST_TIMEOUT" --kernel "$SELFTEST_KERNEL" -- --selftest=console_echo 2>&1)
	STATUS=$?
	echo "$OUT"
	expect_status 0 && expect_out '^console_echo: got "hello from the host"$'
}
run_test guest/console-input t_console_input

# Power-off without isa-debug-exit: ACPI S5 (PM1a on q35, the hardware-reduced
# sleep register on microvm), the i8042 reset line, and a triple fault as the
# last resort. The status still reaches the host through the status port.
power_test() {
	OUT=$("$ALTO" boot --verbose --no-debug-exit --timeout "$GUEST_TIMEOUT" --machine "$1" \
		-- --selftest=nonesuch 2>&1 </dev/null)
	STATUS=$?
	echo "$OUT"
	expect_status 1 && expect_out "guest exit status 1, powered off by $2\$"
}
t_power_acpi_q35() { power_test q35 acpi-s5; }
t_power_acpi_microvm() { power_test microvm acpi-s5; }
t_power_i8042_q35() { power_test q35,acpi=off i8042-reset; }
t_power_triple_microvm() { power_test microvm,acpi=off triple-fault; }
run_test guest/poweroff-acpi-q35 t_power_acpi_q35
run_test guest/poweroff-acpi-microvm t_power_acpi_microvm
run_test guest/poweroff-i8042-q35 t_power_i8042_q35
run_test guest/poweroff-triple-fault-microvm t_power_triple_microvm

# Kernel text and rodata are read-only for the kernel too (CR0.WP).
t_write_rodata() {
	boot --kernel "$SELFTEST_KERNEL" -- --selftest=write_rodata
	expect_status 126 && expect_out 'write protection violation' 'selftest_write_rodata\+0x'
}
run_test guest/write-rodata-faults t_write_rodata

t_stack_protector() {
	boot --kernel "$SELFTEST_KERNEL" -- --selftest=stack_protector
	expect_status 126 && expect_out '^Kernel panic: stack smashing detected in selftest_smash\+0x'
}
run_test guest/stack-protector t_stack_protector

# What the kernel finds on each machine: the clock source, the APIC and timer
# mode, ACPI power-off, all memory. Exactly what the accelerator offers: TCG
# has no kvmclock, x2APIC or TSC-deadline, so the TSC is calibrated against
# the PIT (microvm) or the PM timer (q35); under KVM the kernel must take
# kvmclock, and x2APIC and TSC-deadline where the host CPU has them (a
# fallback there is a failure).
verbose_expectations() {
	local calibrated=$1
	if "$ALTO" boot --dry-run 2>&1 | grep -q -- '-accel tcg'; then
		TSC_RE="^TSC: [0-9]+\\.[0-9]{3} MHz \\($calibrated\\)\$"
		APIC_RE='^APIC: xAPIC, timer one-shot$'
		return
	fi
	TSC_RE='^TSC: [0-9]+\.[0-9]{3} MHz \(kvmclock\)$'
	local apic=xAPIC timer=one-shot
	grep -qw x2apic /proc/cpuinfo && apic=x2APIC
	grep -qw tsc_deadline_timer /proc/cpuinfo && timer=TSC-deadline
	APIC_RE="^APIC: $apic, timer $timer\$"
}

t_verbose_microvm() {
	verbose_expectations pit
	boot --machine microvm -m 256M -- --verbose
	expect_status 0 && expect_out "$TSC_RE" "$APIC_RE" '^ACPI: yes, .*power-off sleep register$' \
		'^Memory: 25[0-5] MiB'
}
t_verbose_q35() {
	verbose_expectations pmtimer
	boot --machine q35 -c 2 -- --verbose
	expect_out "$TSC_RE" "$APIC_RE" && expect_status 0 &&
		expect_out '^ACPI: yes, 1 IOAPIC, power-off PM1 control$' '^CPU: .*, 2 of 2 CPUs online$'
}
run_test guest/verbose-microvm t_verbose_microvm
run_test guest/verbose-q35 t_verbose_q35
