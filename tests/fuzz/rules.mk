# The fuzzers, included by the top-level Makefile (docs/fuzzing.md):
#   make fuzz SEEDS=N CALLS=M    the system-call fuzzer (sysfuzz.c) in Alto, seeds 1..N,
#                                M calls each, on 1 and 2 CPUs (tests/fuzz/fuzz.py)
#   make fuzz-host FUZZ_TIME=S   each libFuzzer target (host/fuzz_*.c) for S seconds
#   make fuzz-host-merge         fold what the long runs found into the tree's corpus
# make test runs a short fixed set of both (tests/cases/80-fuzz.sh).

FZ_DIR	   := $(BUILD)/fuzz
FZ_TARGETS := elf libs manifest cpio args cmdline
FZ_BINS	   := $(addprefix $(FZ_DIR)/host/fuzz_,$(FZ_TARGETS))
FZ_CFLAGS  := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	      -Wall -Wextra -Werror -Wno-unused-parameter -Iinclude -I. -D__HOST_TOOL__
SEEDS	   ?= 20
CALLS	   ?= 100000
FUZZ_TIME  ?= 600

.PHONY: fuzz fuzz-build fuzz-host fuzz-host-build fuzz-host-merge

$(FZ_DIR)/sysfuzz: tests/fuzz/sysfuzz.c sys/syscalls.def
	@mkdir -p $(dir $@)
	@echo "  GUESTCC $@"
	$(Q)gcc -static -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -pthread $< -o $@

# Each target links the code it fuzzes, as the kernel or the tool builds it.
$(FZ_DIR)/host/fuzz_elf: tests/fuzz/host/fuzz_elf.c lib/elf.c
$(FZ_DIR)/host/fuzz_libs: tests/fuzz/host/fuzz_libs.c tools/alto/libs.c tools/alto/util.c
$(FZ_DIR)/host/fuzz_manifest: tests/fuzz/host/fuzz_manifest.c tools/alto/manifest.c \
			      tools/alto/util.c
$(FZ_DIR)/host/fuzz_cpio: tests/fuzz/host/fuzz_cpio.c lib/cpio.c
$(FZ_DIR)/host/fuzz_args: tests/fuzz/host/fuzz_args.c lib/args.c lib/commands.c
$(FZ_DIR)/host/fuzz_cmdline: tests/fuzz/host/fuzz_cmdline.c kernel/cmdline.c lib/commands.c \
			     lib/errno_names.c tools/alto/util.c

$(FZ_BINS): $(wildcard include/alto/*.h include/uapi/*.h tools/alto/alto.h)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)clang $(FZ_CFLAGS) $(filter %.c,$^) -o $@

# Seeds made at build time (ELF files are build output, never in the tree).
$(FZ_DIR)/seeds/.made: tests/fuzz/seeds.sh
	$(Q)tests/fuzz/seeds.sh $(FZ_DIR)/seeds
	$(Q)touch $@

fuzz-build: $(FZ_DIR)/sysfuzz
fuzz-host-build: $(FZ_BINS) $(FZ_DIR)/seeds/.made

fuzz: all fuzz-build
	$(Q)tests/fuzz/fuzz.py run --seeds $(SEEDS) --calls $(CALLS) --cpus "1 2"

fuzz-host: fuzz-host-build
	$(Q)tests/fuzz/host/run.sh $(FUZZ_TIME) $(FZ_TARGETS)

fuzz-host-merge: fuzz-host-build
	$(Q)for t in $(FZ_TARGETS); do mkdir -p tests/fuzz/corpus/$$t; \
		$(FZ_DIR)/host/fuzz_$$t -merge=1 -max_len=65536 tests/fuzz/corpus/$$t \
			$(FZ_DIR)/corpus/$$t $(FZ_DIR)/seeds/$$t 2>&1 | tail -n 1; done
