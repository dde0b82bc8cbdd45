/*
 * Running the command line's programs (kernel/cmdline.c parsed them), as
 * OSv runs several applications: each is a process of its own, a child of
 * init; one run with `;` is waited for before the next starts, one with `&`
 * is not. When a program marked `!` (waited for) or `&!` (in the
 * background, watched by a kernel thread) ends, every other process is
 * killed and the VM ends with its status. Otherwise the VM ends once no
 * process is left, with the status of the last program waited for, or of
 * the first one when all ran in the background.
 */
#include <alto/boot.h>
#include <alto/commands.h>
#include <alto/mm.h>
#include <alto/printk.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <uapi/errno.h>

static int ending_status = -1; /* set by the `!` program that ends the VM */

/* Exit statuses as a shell gives them for a command it cannot run. */
static int start_failure_status(long err)
{
	return err == -ENOENT ? 127 : err == -ENOEXEC || err == -EACCES || err == -E2BIG ? 126 : 1;
}

/* A `!` program ended with wait status: it decides, and every other process goes. */
static void end_vm(int status)
{
	if (!__sync_bool_compare_and_swap(&ending_status, -1, wait_status_to_exit(status)))
		return;
	process_signal_all(SIGKILL);
}

/* The watcher of a `&!` program. */
static void watch(void *arg)
{
	struct process *p = arg;

	end_vm(process_wait_exit(p));
	process_put(p);
}

int launch_commands(const struct app_commands *c)
{
	int status = -1, first = -1;

	for (int i = 0; i < c->n && ending_status < 0; i++) {
		const struct app_command *a = &c->cmds[i];
		struct process *p = process_start(a->argc, a->argv, a->envc, a->envp, a->cwd);
		if (IS_ERR(p)) {
			status = start_failure_status(PTR_ERR(p));
			if (a->flags & CMD_ENDS_VM)
				return status;
			continue;
		}
		bool wait = !(a->flags & CMD_BACKGROUND);
		if (a->flags & CMD_ENDS_VM && !wait) {
			if (!IS_ERR(thread_create(watch, p, "watch")))
				continue;
			printk("alto: no memory to watch %s: it will not end the VM\n", a->argv[0]);
		}
		if (wait) {
			int s = process_wait_exit(p);
			status = wait_status_to_exit(s);
			if (a->flags & CMD_ENDS_VM)
				end_vm(s);
		}
		process_put(p);
	}
	first = process_wait_all();
	return ending_status >= 0 ? ending_status : status >= 0 ? status : first;
}
