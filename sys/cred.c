/*
 * Credential calls: the ids, supplementary groups and capabilities of the
 * process (kernel/cred.c holds the rules). Ids are 32-bit in Linux's ABI:
 * the handlers take uint32_t, so (uid_t)-1 is 0xffffffff whatever the upper
 * half of the register holds.
 */
#include <alto/cpu.h>
#include <alto/cred.h>
#include <alto/mm.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/syscall.h>
#include <uapi/errno.h>

/* One id of the current credentials, read through a function of the cred. */
static long read_cred(uint32_t (*get)(const struct cred *c))
{
	struct cred *c = cred_current();
	long id = get(c);

	cred_put(c);
	return id;
}

static uint32_t get_uid(const struct cred *c)
{
	return c->uid;
}

static uint32_t get_euid(const struct cred *c)
{
	return c->euid;
}

static uint32_t get_gid(const struct cred *c)
{
	return c->gid;
}

static uint32_t get_egid(const struct cred *c)
{
	return c->egid;
}

SYSCALL_DEFINE(getuid, void)
{
	return read_cred(get_uid);
}

SYSCALL_DEFINE(geteuid, void)
{
	return read_cred(get_euid);
}

SYSCALL_DEFINE(getgid, void)
{
	return read_cred(get_gid);
}

SYSCALL_DEFINE(getegid, void)
{
	return read_cred(get_egid);
}

SYSCALL_DEFINE(setuid, uint32_t uid)
{
	return cred_setuid(uid);
}

SYSCALL_DEFINE(setgid, uint32_t gid)
{
	return cred_setgid(gid);
}

SYSCALL_DEFINE(setreuid, uint32_t r, uint32_t e)
{
	return cred_setreuid(r, e);
}

SYSCALL_DEFINE(setregid, uint32_t r, uint32_t e)
{
	return cred_setregid(r, e);
}

SYSCALL_DEFINE(setresuid, uint32_t r, uint32_t e, uint32_t s)
{
	return cred_setresuid(r, e, s);
}

SYSCALL_DEFINE(setresgid, uint32_t r, uint32_t e, uint32_t s)
{
	return cred_setresgid(r, e, s);
}

/* Three ids of c (ID_REAL, ID_EFFECTIVE, ID_SAVED) to the program. */
static long put_three(const uint32_t *ids, uint32_t __user *r, uint32_t __user *e,
		      uint32_t __user *s)
{
	return put_user(ids[ID_REAL], r)	      ?:
		       put_user(ids[ID_EFFECTIVE], e) ?:
							put_user(ids[ID_SAVED], s);
}

SYSCALL_DEFINE(getresuid, uint32_t __user *r, uint32_t __user *e, uint32_t __user *s)
{
	struct cred *c = cred_current();
	long ret = put_three(c->uids, r, e, s);

	cred_put(c);
	return ret;
}

SYSCALL_DEFINE(getresgid, uint32_t __user *r, uint32_t __user *e, uint32_t __user *s)
{
	struct cred *c = cred_current();
	long ret = put_three(c->gids, r, e, s);

	cred_put(c);
	return ret;
}

SYSCALL_DEFINE(setfsuid, uint32_t uid)
{
	return cred_setfsuid(uid);
}

SYSCALL_DEFINE(setfsgid, uint32_t gid)
{
	return cred_setfsgid(gid);
}

SYSCALL_DEFINE(getgroups, int size, uint32_t __user *list)
{
	struct cred *c = cred_current();
	long n = c->ngroups;

	if (size < 0)
		n = -EINVAL;
	else if (size && n > size)
		n = -EINVAL;
	else if (size && copy_to_user(list, c->groups, n * sizeof(c->groups[0])))
		n = -EFAULT;
	cred_put(c);
	return n;
}

SYSCALL_DEFINE(setgroups, int size, const uint32_t __user *list)
{
	struct cred *c = cred_current();
	bool may = cred_capable(c, CAP_SETGID);
	uint32_t *groups;
	long r;

	cred_put(c);
	/* Linux's order: the permission, then the size, then the list. */
	if (!may)
		return -EPERM;
	if ((unsigned int)size > NGROUPS_MAX)
		return -EINVAL;
	groups = kmalloc(size * sizeof(groups[0]) + 1);
	if (!groups)
		return -ENOMEM;
	r = copy_from_user(groups, list, size * sizeof(groups[0])) ? -EFAULT :
								     cred_setgroups(groups, size);
	kfree(groups);
	return r;
}

/* linux/capability.h's ABI. */
#define CAP_VERSION_1 0x19980330
#define CAP_VERSION_2 0x20071026
#define CAP_VERSION_3 0x20080522

struct cap_header {
	uint32_t version;
	int pid;
};

struct cap_data {
	uint32_t effective, permitted, inheritable;
};

/*
 * Check the header's version: the number of cap_data words it means, or
 * -EINVAL after writing the version the kernel prefers into the header.
 */
static int cap_words(struct cap_header __user *h)
{
	uint32_t v;

	if (get_user(v, &h->version))
		return -EFAULT;
	if (v == CAP_VERSION_1)
		return 1;
	if (v == CAP_VERSION_2 || v == CAP_VERSION_3)
		return 2;
	return put_user((uint32_t)CAP_VERSION_3, &h->version) ?: -EINVAL;
}

/* The pid a capability call names: the process itself or one of its threads. */
static int cap_target(struct cap_header __user *h)
{
	int pid;

	if (get_user(pid, &h->pid))
		return -EFAULT;
	if (pid < 0)
		return -EINVAL;
	if (pid && !process_thread_by_tid(current_process(), pid))
		return -ESRCH;
	return 0;
}

SYSCALL_DEFINE(capget, struct cap_header __user *h, struct cap_data __user *data)
{
	int words = cap_words(h);

	if (!data || words < 0)
		return !data && words == -EINVAL ? 0 : words;
	int r = cap_target(h);
	if (r)
		return r;
	struct cred *c = cred_current();
	struct cap_data d[2];
	for (int i = 0; i < 2; i++)
		d[i] = (struct cap_data){ (uint32_t)(c->cap_effective >> (32 * i)),
					  (uint32_t)(c->cap_permitted >> (32 * i)),
					  (uint32_t)(c->cap_inheritable >> (32 * i)) };
	cred_put(c);
	return copy_to_user(data, d, words * sizeof(d[0])) ? -EFAULT : 0;
}

SYSCALL_DEFINE(capset, struct cap_header __user *h, const struct cap_data __user *data)
{
	int words = cap_words(h), pid;
	struct cap_data d[2] = { 0 };

	if (words < 0)
		return words;
	if (get_user(pid, &h->pid))
		return -EFAULT;
	if (pid && pid != current_thread()->tid)
		return -EPERM; /* Linux: only the caller's own sets */
	if (copy_from_user(d, data, words * sizeof(d[0])))
		return -EFAULT;
	return cred_setcaps((d[0].effective | (uint64_t)d[1].effective << 32) & CAP_FULL_SET,
			    (d[0].permitted | (uint64_t)d[1].permitted << 32) & CAP_FULL_SET,
			    (d[0].inheritable | (uint64_t)d[1].inheritable << 32) & CAP_FULL_SET);
}
