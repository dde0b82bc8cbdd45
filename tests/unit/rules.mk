# Host unit tests (cmocka, ASan + UBSan), included by the top-level Makefile.
# Each test links the kernel sources it covers, built for the host; lib/format.c
# is renamed on the way in so its snprintf does not clash with the C library's.

UT_DIR    := $(BUILD)/tests/unit
UT_OBJ    := $(UT_DIR)/obj
UT_CFLAGS := -std=gnu11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	     -Wall -Wextra -Werror -Iinclude -I. -MMD -MP

UNIT_TESTS := $(UT_DIR)/test_buddy $(UT_DIR)/test_slab $(UT_DIR)/test_format \
	      $(UT_DIR)/test_cpio $(UT_DIR)/test_args $(UT_DIR)/test_elf $(UT_DIR)/test_chacha20 \
	      $(UT_DIR)/test_commands $(UT_DIR)/test_area_tree $(UT_DIR)/test_trace_ring \
	      $(UT_DIR)/test_lz4 $(UT_DIR)/test_virtq $(UT_DIR)/test_offload $(UT_DIR)/test_mmio_desc \
	      $(UT_DIR)/test_radix $(UT_DIR)/test_errno_names

$(UT_DIR)/test_buddy: $(UT_OBJ)/tests/unit/test_buddy.o $(UT_OBJ)/mm/buddy.o
$(UT_DIR)/test_slab: $(UT_OBJ)/tests/unit/test_slab.o $(UT_OBJ)/mm/slab.o $(UT_OBJ)/mm/buddy.o
$(UT_DIR)/test_area_tree: $(UT_OBJ)/tests/unit/test_area_tree.o $(UT_OBJ)/mm/area_tree.o
$(UT_DIR)/test_format: $(UT_OBJ)/tests/unit/test_format.o $(UT_OBJ)/lib/format-host.o
$(UT_DIR)/test_chacha20: $(UT_OBJ)/tests/unit/test_chacha20.o $(UT_OBJ)/lib/chacha20.o
$(UT_DIR)/test_trace_ring: $(UT_OBJ)/tests/unit/test_trace_ring.o $(UT_OBJ)/kernel/trace_ring.o \
			   $(UT_OBJ)/lib/glob.o
$(UT_DIR)/test_lz4: $(UT_OBJ)/tests/unit/test_lz4.o $(UT_OBJ)/lib/lz4.o
$(UT_DIR)/test_virtq: $(UT_OBJ)/tests/unit/test_virtq.o $(UT_OBJ)/drivers/virtio/ring.o
$(UT_DIR)/test_offload: $(UT_OBJ)/tests/unit/test_offload.o $(UT_OBJ)/net/lwip/offload.o
$(UT_DIR)/test_mmio_desc: $(UT_OBJ)/tests/unit/test_mmio_desc.o \
			  $(UT_OBJ)/drivers/virtio/mmio_desc.o $(UT_OBJ)/lib/format-host.o
$(UT_DIR)/test_radix: $(UT_OBJ)/tests/unit/test_radix.o $(UT_OBJ)/lib/radix.o
$(UT_DIR)/test_errno_names: $(UT_OBJ)/tests/unit/test_errno_names.o $(UT_OBJ)/lib/errno_names.o
# lib/cpio.c, args.c, commands.c and elf.c declare the C library's names (alto/string.h,
# alto/format.h) with the same prototypes, so they link against libc as they are.
$(UT_DIR)/test_cpio: $(UT_OBJ)/tests/unit/test_cpio.o $(UT_OBJ)/lib/cpio.o
$(UT_DIR)/test_args: $(UT_OBJ)/tests/unit/test_args.o $(UT_OBJ)/lib/args.o $(UT_OBJ)/lib/commands.o
$(UT_DIR)/test_commands: $(UT_OBJ)/tests/unit/test_commands.o $(UT_OBJ)/lib/commands.o
$(UT_DIR)/test_elf: $(UT_OBJ)/tests/unit/test_elf.o $(UT_OBJ)/lib/elf.o \
		    $(UT_DIR)/fixtures/static $(UT_DIR)/fixtures/static-pie

$(UNIT_TESTS):
	@mkdir -p $(dir $@)
	@echo "  TESTLD  $@"
	$(Q)gcc $(UT_CFLAGS) $(filter %.o,$^) -lcmocka -llz4 -o $@

# Real executables for test_elf, which finds them in fixtures/ next to itself.
$(UT_DIR)/fixtures/static: tests/unit/elf_fixture.c
	@mkdir -p $(dir $@)
	$(Q)gcc -O2 -static $< -o $@
$(UT_DIR)/fixtures/static-pie: tests/unit/elf_fixture.c
	@mkdir -p $(dir $@)
	$(Q)gcc -O2 -static-pie $< -o $@

$(UT_OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  TESTCC  $<"
	$(Q)gcc $(UT_CFLAGS) -c $< -o $@

$(UT_OBJ)/lib/format-host.o: lib/format.c
	@mkdir -p $(dir $@)
	@echo "  TESTCC  $<"
	$(Q)gcc $(UT_CFLAGS) -fno-builtin -Dvsnprintf=alto_vsnprintf -Dsnprintf=alto_snprintf \
		-c $< -o $@

.PHONY: unit-tests unit-tests-build
unit-tests-build: $(UNIT_TESTS)

# Run every test even after a failure, then fail if any did.
unit-tests: unit-tests-build
	$(Q)status=0; for t in $(UNIT_TESTS); do $$t || status=1; done; exit $$status
