/*
 * In-kernel self tests, run by "--selftest" (all of them) or
 * "--selftest=a,b" (those named, including manual ones such as "fault").
 * A test registers itself with SELFTEST(name) { ... return 0; } and fails
 * with ST_ASSERT, which names the file, line and condition. A test that
 * cannot run here (it needs two CPUs, say) ends with ST_SKIP(why): it is
 * counted as skipped, never as passed.
 */
#ifndef ALTO_SELFTEST_H
#define ALTO_SELFTEST_H

#include <stdbool.h>
#include <alto/compiler.h>
#include <alto/printk.h>
#include <uapi/errno.h>

struct selftest {
	const char *name;
	int (*fn)(void);
	bool manual; /* only when named: it is expected to end the VM */
};

/*
 * The section holds pointers, not the structs: the compiler may pad structs
 * in a section to 16 bytes or more, but never an 8-byte pointer.
 */
#define SELFTEST_DEFINE(id, is_manual)                                                         \
	static int selftest_##id(void);                                                        \
	static const struct selftest selftest_entry_##id = { #id, selftest_##id, is_manual };  \
	static const struct selftest *const selftest_ptr_##id __used __section(".selftests") = \
		&selftest_entry_##id;                                                          \
	static int selftest_##id(void)

#define SELFTEST(id)	    SELFTEST_DEFINE(id, false)
#define SELFTEST_MANUAL(id) SELFTEST_DEFINE(id, true)

#define ST_ASSERT(cond)                                                                     \
	do {                                                                                \
		if (!(cond)) {                                                              \
			printk("    %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			return -1;                                                          \
		}                                                                           \
	} while (0)

#define ST_ASSERT_EQ(a, b)                                                                     \
	do {                                                                                   \
		long long a_ = (long long)(a), b_ = (long long)(b);                            \
		if (a_ != b_) {                                                                \
			printk("    %s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, \
			       __LINE__, #a, #b, a_, b_);                                      \
			return -1;                                                             \
		}                                                                              \
	} while (0)

#define SELFTEST_SKIPPED 77

#define ST_SKIP(why)                              \
	do {                                      \
		printk("    skipped: %s\n", why); \
		return SELFTEST_SKIPPED;          \
	} while (0)

/*
 * Run the tests the command line asks for and print "N passed, N failed"
 * (then ", N skipped" when some were); returns non-zero when one failed or
 * none ran.
 */
int selftest_run(const char *which);

#endif
