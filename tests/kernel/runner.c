/*
 * The self-test runner, linked with the tests into the self-test kernel only
 * (build/alto-selftest.elf), where its selftest_run() replaces the default
 * kernel's (kernel/selftest.c, which only says where the tests are). Each
 * test runs in a thread of its own with a time limit, so a test that hangs
 * (a lock that never releases) is reported as a failure instead of hanging
 * the VM.
 */
#include <alto/sched.h>
#include <alto/selftest.h>
#include <alto/string.h>
#include <alto/time.h>
#include <uapi/errno.h>

#define TEST_TIMEOUT_NS (60 * NSEC_PER_SEC)

extern const struct selftest *const __selftests_start[], *const __selftests_end[];

static void test_thread(void *arg)
{
	const struct selftest *t = arg;
	thread_exit(t->fn());
}

static bool named(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && !strncmp(p, name, n))
			return true;
		p += len + (end ? 1 : 0);
	}
	return false;
}

enum outcome {
	PASSED,
	FAILED,
	SKIPPED
};

static enum outcome run_one(const struct selftest *t)
{
	uint64_t start = time_now_ns();
	struct thread *th = thread_create(test_thread, (void *)t, t->name);
	int code = -1;

	if (IS_ERR(th)) {
		printk("selftest %-20s FAILED (cannot create a thread)\n", t->name);
		return FAILED;
	}
	if (thread_join_deadline(th, start + TEST_TIMEOUT_NS, &code) == -ETIMEDOUT) {
		printk("selftest %-20s FAILED (timed out)\n", t->name);
		return FAILED;
	}
	uint64_t us = (time_now_ns() - start) / 1000;
	enum outcome o = code == SELFTEST_SKIPPED ? SKIPPED : code ? FAILED : PASSED;
	static const char *const words[] = { "ok", "FAILED", "skipped" };
	printk("selftest %-20s %s (%lu.%03lu ms)\n", t->name, words[o], us / 1000, us % 1000);
	return o;
}

int selftest_run(const char *which)
{
	bool all = !which || !*which;
	int count[3] = { 0 };

	for (const struct selftest *const *p = __selftests_start; p < __selftests_end; p++) {
		const struct selftest *t = *p;
		if (all ? t->manual : !named(which, t->name))
			continue;
		count[run_one(t)]++;
	}
	if (!count[PASSED] && !count[FAILED] && !count[SKIPPED])
		printk("selftest: no test matches \"%s\"\n", which);
	if (count[SKIPPED])
		printk("%d passed, %d failed, %d skipped\n", count[PASSED], count[FAILED],
		       count[SKIPPED]);
	else
		printk("%d passed, %d failed\n", count[PASSED], count[FAILED]);
	return count[FAILED] || !(count[PASSED] + count[SKIPPED]);
}
