# The benchmark suite (bench/run.py; docs/performance.md): its static
# programs, built once into build/bench/, and `make bench` (QUICK=1 for the
# reduced run). Not part of `make test`, which only builds the programs and
# runs the benchmark program natively once (tests/cases/70-bench.sh). Works
# included from the top Makefile or alone: make -f bench/rules.mk bench-programs

BUILD ?= build
Q     ?= @

BENCH_DIR    := $(BUILD)/bench
BENCH_PROGS  := $(addprefix $(BENCH_DIR)/,bench hello init empty.elf netperf diskbench)
BENCH_CFLAGS := -O2 -static -pthread -Wall -Wextra -Werror -Wno-unused-parameter

.PHONY: bench bench-programs
bench-programs: $(BENCH_PROGS)

$(BENCH_DIR)/%: bench/%.c
	@mkdir -p $(dir $@)
	@echo "  BENCHCC $@"
	$(Q)gcc $(BENCH_CFLAGS) $< -o $@

# The Linux guest's /init wrapper, with musl: a few KiB, so that the Linux
# image for a static hello is the hello and little more.
$(BENCH_DIR)/init: bench/init.c
	@mkdir -p $(dir $@)
	@echo "  BENCHCC $@"
	$(Q)musl-gcc $(BENCH_CFLAGS) -Os -s $< -o $@

# QEMU's floor: a PVH kernel that powers off at once.
$(BENCH_DIR)/empty.elf: bench/empty.S
	@mkdir -p $(dir $@)
	@echo "  BENCHAS $@"
	$(Q)gcc -nostdlib -static -no-pie -Wl,-Ttext=0x100000 -Wl,-e,pvh_start \
		-Wl,--build-id=none -Wl,-z,noexecstack $< -o $@

bench: deps all bench-programs kernel-notrace kernel-bare
	$(Q)bench/run.py $(if $(filter-out 0,$(QUICK)),--quick) $(BENCH_ARGS)
