# Guest test programs (tests/guest/*.c), built three ways into
# build/tests/guest/VARIANT/: gcc (glibc, -static), musl (musl-gcc -static)
# and pie (gcc -static-pie). Works included from the top Makefile or alone:
#   make -f tests/guest/rules.mk
# tests/guest/programs.txt says which variants each test runs.

BUILD ?= build
Q     ?= @

GT_DIR    := $(BUILD)/tests/guest
GT_NAMES  := $(basename $(notdir $(wildcard tests/guest/*.c)))
# -pthread for the threaded programs; harmless for the others (glibc 2.34 and
# musl have the thread and timer functions in libc itself).
GT_CFLAGS := -O2 -g -Wall -Wextra -Werror -Wno-unused-result -Wno-unused-parameter -pthread
GT_HDRS   := $(wildcard tests/guest/*.h)
GT_BINS   := $(foreach v,gcc musl pie,$(addprefix $(GT_DIR)/$(v)/,$(GT_NAMES)))

.PHONY: guest-tests-build
guest-tests-build: $(GT_BINS) $(GT_DIR)/stdin.bin

$(GT_DIR)/gcc/%: tests/guest/%.c $(GT_HDRS)
	@mkdir -p $(dir $@)
	@echo "  GUESTCC $@"
	$(Q)gcc -static $(GT_CFLAGS) $< -o $@

$(GT_DIR)/musl/%: tests/guest/%.c $(GT_HDRS)
	@mkdir -p $(dir $@)
	@echo "  GUESTCC $@"
	$(Q)musl-gcc -static $(GT_CFLAGS) $< -o $@

$(GT_DIR)/pie/%: tests/guest/%.c $(GT_HDRS)
	@mkdir -p $(dir $@)
	@echo "  GUESTCC $@"
	$(Q)gcc -static-pie -fpie $(GT_CFLAGS) $< -o $@

# Input for the stdin test: every byte value (0xff and 0x00 included, which
# the console protocol escapes) twenty times, then some text lines.
$(GT_DIR)/stdin.bin: tests/guest/rules.mk
	@mkdir -p $(dir $@)
	$(Q)bash -c 'for r in {1..20}; do for i in {0..255}; do printf "\\$$(printf %03o $$i)"; done; done; \
		for i in {1..100}; do echo "line $$i of the text part"; done' > $@
