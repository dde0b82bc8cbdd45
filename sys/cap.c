/*
 * capget and capset for a program that runs as root: every capability up
 * to CAP_CHECKPOINT_RESTORE (40) permitted and effective, none inheritable,
 * the same sets /proc/PID/status shows. The header is checked as Linux
 * checks it (an unknown version is answered with the one the kernel
 * prefers, which is how libcap probes); capset accepts what root may ask
 * and changes nothing, since nothing in Alto checks capabilities yet.
 */
#include <alto/process.h>
#include <alto/syscall.h>
#include <uapi/errno.h>

#define CAP_V1	0x19980330u
#define CAP_V2	0x20071026u
#define CAP_V3	0x20080522u
#define CAP_ALL 0x1ffffffffffull /* capabilities 0 to 40 */

struct cap_header {
	uint32_t version;
	int32_t pid;
};

struct cap_data {
	uint32_t effective, permitted, inheritable;
};

/* How many cap_data the header's version takes (1 or 2), or -errno. */
static int check_header(struct cap_header __user *uh, struct cap_header *h)
{
	if (copy_from_user(h, uh, sizeof(*h)))
		return -EFAULT;
	if (h->version == CAP_V1)
		return 1;
	if (h->version == CAP_V2 || h->version == CAP_V3)
		return 2;
	return put_user(CAP_V3, &uh->version) ? -EFAULT : -EINVAL;
}

/* Only the program itself (0 or its pid) is there to ask about. */
static int check_pid(int pid)
{
	if (pid < 0)
		return -EINVAL;
	return pid == 0 || pid == current_process()->pid ? 0 : -ESRCH;
}

SYSCALL_DEFINE(capget, struct cap_header __user *uh, struct cap_data __user *data)
{
	struct cap_header h;
	int n = check_header(uh, &h);
	struct cap_data d[2] = {
		{ (uint32_t)CAP_ALL, (uint32_t)CAP_ALL, 0 },
		{ (uint32_t)(CAP_ALL >> 32), (uint32_t)(CAP_ALL >> 32), 0 },
	};

	/* Probing the version with no data to fill succeeds, as on Linux. */
	if (!data)
		return n == -EINVAL ? 0 : n < 0 ? n : 0;
	if (n < 0)
		return n;
	int err = check_pid(h.pid);
	if (err)
		return err;
	return copy_to_user(data, d, (size_t)n * sizeof(d[0]));
}

SYSCALL_DEFINE(capset, struct cap_header __user *uh, const struct cap_data __user *data)
{
	struct cap_header h;
	struct cap_data d[2] = { 0 };
	int n = check_header(uh, &h);

	if (n < 0)
		return n;
	if (h.pid != 0 && h.pid != current_process()->pid)
		return -EPERM;
	if (copy_from_user(d, data, (size_t)n * sizeof(d[0])))
		return -EFAULT;
	/* Effective must lie within permitted; anything root holds may be kept. */
	for (int i = 0; i < n; i++) {
		uint32_t all = (uint32_t)(CAP_ALL >> (32 * i));
		if ((d[i].effective & ~d[i].permitted) || (d[i].permitted & ~all))
			return -EPERM;
	}
	return 0;
}
