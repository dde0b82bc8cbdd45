# Alto: build the kernel (build/alto.elf), the self-test kernel
# (build/alto-selftest.elf: the same objects and the in-kernel self tests of
# tests/kernel/, which the default kernel leaves out), the host tools
# (build/bin/) and the tests. `make run` runs busybox's shell in an Alto VM (a
# one-shot tour without a terminal); `make selftest` boots the self-test
# kernel's tests; `make test` runs every test.
# Nothing is built outside build/.

BUILD    := build
CC       := gcc
HOSTCC   := gcc
Q        := $(if $(V),,@)

GCC_INC  := $(shell $(CC) -print-file-name=include)

# The kernel is built for size (COLD_OPT, -Oz), except the files on the
# paths that every system call, switch, fault, copy or packet takes (HOT_SRCS, and
# LWIP_HOT in net/rules.mk), which keep -O2: -Os there turns what -O2
# inlines into calls (bench/insns.py: a write to /dev/null went from 66 to
# 76 blocks with everything at -Os). KOPT is set per object, so KCFLAGS is
# expanded when a recipe runs. docs/performance.md has the sizes.
# Nothing is aligned past its ABI (ALIGN): -O2 pads functions, loops and
# jump targets to 16 bytes with nops, which TCG does not care about (a
# translated block starts anywhere) and which cost 15 KiB of text, and
# GCC's default puts arrays of 32 bytes or more on 32-byte boundaries (2.6
# KiB of rodata, data and bss); what needs more says so (aligned()).
# The stack is kept 8-byte aligned, not 16 (-mpreferred-stack-boundary=3):
# the kernel has no SSE (-mgeneral-regs-only) and so nothing that needs it,
# and functions stop rounding their frames and padding before calls (2.6 KB
# of text); a local that asks for more alignment still gets it.
COLD_OPT := -Oz
ALIGN    := -falign-functions=1 -falign-jumps=1 -falign-loops=1 -falign-labels=1 \
	    -malign-data=abi
KOPT      = $(COLD_OPT)
HOT_SRCS := arch/x86_64/traps.c arch/x86_64/fpu.c arch/x86_64/uaccess.c arch/x86_64/apic.c \
	    kernel/sched.c kernel/signal.c kernel/process.c kernel/futex.c kernel/sync.c \
	    kernel/thread.c kernel/timer.c sys/table.c sys/file.c sys/futex.c \
	    fs/fdtable.c fs/file.c fs/vfs.c fs/pipe.c fs/devfs.c fs/inotify.c \
	    mm/fault.c mm/paging.c mm/slab.c mm/heap.c mm/buddy.c mm/pagecache.c lib/string.c \
	    drivers/virtio/net.c drivers/virtio/virtqueue.c drivers/virtio/ring.c \
	    net/lwip/netif.c net/lwip/tso.c net/lwip/offload.c net/inet/tcp.c net/socket.c net/msg.c
KCFLAGS   = -std=gnu11 $(KOPT) $(ALIGN) -g -ffreestanding -nostdinc -isystem $(GCC_INC) \
	    -fno-pie -mcmodel=kernel -mno-red-zone -mgeneral-regs-only -mpreferred-stack-boundary=3 \
	    -fno-omit-frame-pointer -fno-optimize-sibling-calls \
	    -fstack-protector-strong -mstack-protector-guard=global \
	    -fno-strict-aliasing -fno-common -fno-asynchronous-unwind-tables \
	    -fcf-protection=none -fno-stack-clash-protection \
	    -ffunction-sections -fdata-sections \
	    -Wall -Wextra -Werror -Wno-unused-parameter -Wmissing-prototypes \
	    -Iinclude -MMD -MP $(EXTRA_KCFLAGS)
$(patsubst %,$(BUILD)/kernel/%.o,$(HOT_SRCS)): KOPT := -O2
KASFLAGS := -D__ASSEMBLER__ -Iinclude -I$(BUILD)/include -MMD -MP -g
# Each function and object in a section of its own, so that the link drops what
# nothing references (--gc-sections): the default kernel carries no code that
# only the self tests use. -n (nmagic): segments follow one another in the
# file instead of each starting on a page of its own; loaders read each one
# from its offset to its physical address, and the page alignment of their
# addresses (kernel.ld) is kept.
KLDFLAGS := -nostdlib -static -no-pie -Wl,-T,arch/x86_64/kernel.ld -Wl,--gc-sections \
	    -Wl,-z,max-page-size=4096 -Wl,--build-id=none -Wl,-z,noexecstack -Wl,-n

HOSTCFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -Iinclude -MMD -MP \
	      -D__HOST_TOOL__

KSRCS := $(wildcard arch/x86_64/*.S arch/x86_64/*.c kernel/*.c mm/*.c lib/*.c drivers/*.c \
		    drivers/*/*.c block/*.c fs/*/*.c \
		    sys/*.c fs/*.c net/*.c)
include net/rules.mk
KOBJS := $(patsubst %,$(BUILD)/kernel/%.o,$(KSRCS)) $(NET_OBJS) $(LWIP_OBJS) \
	 $(BUILD)/vdso/image.o
# The self tests (SELFTEST(), tests/kernel/) link into the self-test kernel only.
SELFTEST_OBJS := $(patsubst %,$(BUILD)/kernel/%.o,$(wildcard tests/kernel/*.c))

# The host tool also links the format code it shares with the kernel.
ALTO_SRCS := $(wildcard tools/alto/*.c) lib/cpio.c lib/args.c lib/commands.c lib/elf.c \
	     lib/errno_names.c
ALTO_OBJS := $(patsubst %,$(BUILD)/host/%.o,$(ALTO_SRCS))

.PHONY: all kernel tools run selftest test unit-tests format format-check deps clean
all: kernel tools

kernel: $(BUILD)/alto.elf $(BUILD)/alto.bzimage $(BUILD)/alto-selftest.elf \
	$(BUILD)/alto-selftest.bzimage
tools: $(BUILD)/bin/alto $(BUILD)/bin/mkksyms

$(BUILD)/kernel/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KCFLAGS) -c $< -o $@

# The structure offsets syscall.S reads, from the compiler's own layout
# (arch/x86_64/gen/asm_offsets.c, compiled to assembly only).
ASM_OFFSETS := $(BUILD)/include/generated/asm_offsets.h
$(ASM_OFFSETS): arch/x86_64/gen/asm_offsets.c
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)$(CC) $(KCFLAGS) -MT $@ -MF $@.d -S $< -o $@.s
	$(Q)sed -n 's/^@@OFFSET \([A-Za-z_0-9]*\) \$$\{0,1\}\(-\{0,1\}[0-9]*\).*/#define \1 \2/p' \
		$@.s >$@.tmp && mv $@.tmp $@
$(BUILD)/kernel/arch/x86_64/syscall.S.o $(BUILD)/kernel/bare/arch/x86_64/syscall.S.o: $(ASM_OFFSETS)

$(BUILD)/kernel/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(KASFLAGS) -c $< -o $@

# The vDSO (vdso/): a position-independent shared object with no relocations
# (nothing may need fixing up where it is mapped), built into the kernel image
# page-aligned so that its pages are mapped into the application as they are.
VDSO_CFLAGS := -std=gnu11 -O2 -g -fPIC -ffreestanding -nostdinc -isystem $(GCC_INC) \
	       -fno-stack-protector -mgeneral-regs-only -fcf-protection=none \
	       -fno-asynchronous-unwind-tables -Wall -Wextra -Werror -Iinclude -MMD -MP
VDSO_LDFLAGS := -shared -nostdlib -Wl,-T,vdso/vdso.ld -Wl,-soname=linux-vdso.so.1 \
		-Wl,--hash-style=both -Wl,-z,max-page-size=4096 -Wl,--build-id=none \
		-Wl,-Bsymbolic -Wl,--no-undefined -Wl,-z,noexecstack

$(BUILD)/vdso/vdso.o: vdso/vdso.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(VDSO_CFLAGS) -c $< -o $@

$(BUILD)/vdso/vdso.so: $(BUILD)/vdso/vdso.o vdso/vdso.ld
	@echo "  LD      $@"
	$(Q)$(CC) $(VDSO_CFLAGS) $(VDSO_LDFLAGS) $< -o $@.tmp
	$(Q)if readelf -rW $@.tmp | grep -q 'R_X86_64'; then \
		echo "error: the vDSO has relocations"; readelf -rW $@.tmp; exit 1; fi
	$(Q)mv $@.tmp $@

# The kernel carries the vDSO without its debug information (one page
# instead of three); build/vdso/vdso.so keeps it for debuggers.
$(BUILD)/vdso/vdso.image.so: $(BUILD)/vdso/vdso.so
	$(Q)objcopy --strip-debug $< $@

$(BUILD)/vdso/image.o: vdso/image.S $(BUILD)/vdso/vdso.image.so
	@echo "  AS      $<"
	$(Q)$(CC) $(KASFLAGS) -DVDSO_SO='"$(BUILD)/vdso/vdso.image.so"' -c $< -o $@

$(BUILD)/host/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	$(Q)$(HOSTCC) $(HOSTCFLAGS) -c $< -o $@

# mkksyms checks each table it writes with the kernel's reader (lib/ksyms.c).
$(BUILD)/bin/mkksyms: tools/mkksyms.c lib/ksyms.c include/alto/ksyms.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $<"
	$(Q)$(HOSTCC) $(filter-out -MMD -MP,$(HOSTCFLAGS)) tools/mkksyms.c lib/ksyms.c -o $@

$(BUILD)/bin/alto: $(ALTO_OBJS)
	@mkdir -p $(dir $@)
	@echo "  HOSTLD  $@"
	$(Q)$(HOSTCC) $^ -lz -llz4 -lm -o $@

# The symbol table needs the final addresses, so a kernel is linked twice:
# first with an empty table, then with the table made from the first link.
# .ksyms follows text and rodata, so no function moves between the links;
# the build checks that. $(call kernel_link,NAME,OBJECTS) makes
# $(BUILD)/NAME.elf.
$(BUILD)/empty.ksyms.S:
	@mkdir -p $(dir $@)
	$(Q)echo '.section .ksyms, "a"; .quad 0' > $@

$(BUILD)/%.ksyms.o: $(BUILD)/%.ksyms.S
	$(Q)$(CC) $(KASFLAGS) -c $< -o $@

define kernel_link
$(BUILD)/$(1).pass1.elf: $(2) $(BUILD)/empty.ksyms.o arch/x86_64/kernel.ld
	@echo "  LD      $$@"
	$(Q)$(CC) $(KLDFLAGS) $(2) $(BUILD)/empty.ksyms.o -o $$@

$(BUILD)/$(1).ksyms.S: $(BUILD)/$(1).pass1.elf $(BUILD)/bin/mkksyms
	$(Q)nm -n -S $$< | $(BUILD)/bin/mkksyms > $$@.tmp && mv $$@.tmp $$@

$(BUILD)/$(1).elf: $(2) $(BUILD)/$(1).ksyms.o arch/x86_64/kernel.ld
	@echo "  LD      $$@"
	$(Q)$(CC) $(KLDFLAGS) -Wl,-Map,$(BUILD)/$(1).map $(2) $(BUILD)/$(1).ksyms.o -o $$@
	$(Q)nm -n $(BUILD)/$(1).pass1.elf | grep -i ' t ' > $(BUILD)/$(1).syms.pass1
	$(Q)nm -n $$@ | grep -i ' t ' > $(BUILD)/$(1).syms.pass2
	$(Q)cmp -s $(BUILD)/$(1).syms.pass1 $(BUILD)/$(1).syms.pass2 || \
		{ echo "error: functions moved between the two kernel links"; rm -f $$@; exit 1; }
endef
$(eval $(call kernel_link,alto,$(KOBJS)))
$(eval $(call kernel_link,alto-selftest,$(KOBJS) $(SELFTEST_OBJS)))

# A bzImage (arch/x86_64/setup/bzimage.S): the Linux boot protocol's real-mode
# setup, then the loadable part of the kernel as it lies from 1 MiB.
$(BUILD)/%.bin: $(BUILD)/%.elf
	$(Q)objcopy -O binary $< $@

$(BUILD)/%.bzimage: arch/x86_64/setup/bzimage.S $(BUILD)/%.bin
	@echo "  BZIMAGE $@"
	$(Q)sym() { nm $(BUILD)/$*.elf | awk -v s=$$1 '$$3 == s { print "0x" $$1 }'; }; \
	$(CC) $(KASFLAGS) -DPAYLOAD='"$(BUILD)/$*.bin"' \
		-DPAYLOAD_SIZE=$$(stat -c %s $(BUILD)/$*.bin) \
		-DINIT_SIZE=$$(sym _kernel_size) \
		-c $< -o $(BUILD)/$*.bzimage.o
	$(Q)ld -m elf_x86_64 -Ttext=0 -e 0 --oformat binary -o $@ $(BUILD)/$*.bzimage.o

# The benchmark's floor (bench/run.py's "bare syscall" row): the kernel with
# a system call entry that returns at once for one number (ALTO_BARE_SYSCALL
# in arch/x86_64/syscall.S), every other object the default kernel's.
BARE_SYSCALL_OBJ := $(BUILD)/kernel/bare/arch/x86_64/syscall.S.o
$(BARE_SYSCALL_OBJ): arch/x86_64/syscall.S
	@mkdir -p $(dir $@)
	@echo "  AS      $< (bare)"
	$(Q)$(CC) $(KASFLAGS) -DALTO_BARE_SYSCALL -c $< -o $@
$(eval $(call kernel_link,alto-bare,$(filter-out %/arch/x86_64/syscall.S.o,$(KOBJS)) \
	$(BARE_SYSCALL_OBJ)))
.PHONY: kernel-bare
kernel-bare: $(BUILD)/alto-bare.elf

# The kernel without tracepoints (-DALTO_NO_TRACE), for the bench's
# comparison with tracepoints compiled in but off (bench/run.py --only trace).
.PHONY: kernel-notrace
kernel-notrace:
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/notrace EXTRA_KCFLAGS=-DALTO_NO_TRACE \
		$(BUILD)/notrace/alto.elf

deps:
	$(Q)scripts/deps.sh

run: deps all
	$(Q)tools/demo/run.sh $(BUILD)/bin/alto

selftest: deps all
	$(BUILD)/bin/alto boot --kernel $(BUILD)/alto-selftest.elf -- --selftest

include tests/unit/rules.mk
include tests/guest/rules.mk
include tests/trace/rules.mk
include tests/fuzz/rules.mk
include bench/rules.mk

test: deps all unit-tests-build guest-tests-build trace-tests-build fuzz-build fuzz-host-build
	$(Q)tests/run.sh

FORMAT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	$(Q)clang-format -i $(FORMAT_FILES)
format-check:
	$(Q)clang-format --dry-run --Werror $(FORMAT_FILES)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
