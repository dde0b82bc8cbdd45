# Programs for the tracing, profiling and gdb tests (tests/cases/78-trace.sh),
# built with frame pointers into build/tests/trace/: static (glibc) and, for
# the profiler, dynamic too (its libc's symbols come from the shared object).

TT_DIR    := $(BUILD)/tests/trace
TT_CFLAGS := -O1 -g -fno-omit-frame-pointer -Wall -Wextra -Werror -Wno-unused-parameter -pthread
TT_BINS   := $(TT_DIR)/workload $(TT_DIR)/hot $(TT_DIR)/hot-dynamic

.PHONY: trace-tests-build
trace-tests-build: $(TT_BINS)

$(TT_DIR)/%: tests/trace/%.c
	@mkdir -p $(dir $@)
	@echo "  TRACECC $@"
	$(Q)gcc -static $(TT_CFLAGS) $< -o $@

$(TT_DIR)/hot-dynamic: tests/trace/hot.c
	@mkdir -p $(dir $@)
	@echo "  TRACECC $@"
	$(Q)gcc $(TT_CFLAGS) $< -o $@
