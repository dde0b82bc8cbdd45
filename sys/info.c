/*
 * What the system says about itself: uname, sysinfo, getcpu. Alto calls
 * itself Linux (programs and C libraries check), with a modern release.
 */
#include <alto/cpu.h>
#include <alto/mm.h>
#include <alto/sched.h>
#include <alto/string.h>
#include <alto/syscall.h>
#include <alto/time.h>
#include <alto/uts.h>
#include <uapi/errno.h>

struct utsname {
	char sysname[UTS_LEN];
	char nodename[UTS_LEN];
	char release[UTS_LEN];
	char version[UTS_LEN];
	char machine[UTS_LEN];
	char domainname[UTS_LEN];
};

struct sysinfo {
	long uptime;
	unsigned long loads[3];
	unsigned long totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	unsigned short procs, pad;
	unsigned long totalhigh, freehigh;
	unsigned int mem_unit;
	char _f[20 - 2 * sizeof(long) - sizeof(int)];
};

_Static_assert(sizeof(struct utsname) == 390, "utsname");
_Static_assert(sizeof(struct sysinfo) == 112, "sysinfo");

static char hostname[UTS_LEN] = "alto";

void uts_hostname(char *buf, size_t size)
{
	strlcpy(buf, hostname, size);
}

SYSCALL_DEFINE(uname, struct utsname __user *buf)
{
	struct utsname u;

	memset(&u, 0, sizeof(u));
	strlcpy(u.sysname, UTS_SYSNAME, UTS_LEN);
	strlcpy(u.nodename, hostname, UTS_LEN);
	strlcpy(u.release, UTS_RELEASE, UTS_LEN);
	strlcpy(u.version, UTS_VERSION, UTS_LEN);
	strlcpy(u.machine, "x86_64", UTS_LEN);
	strlcpy(u.domainname, "(none)", UTS_LEN);
	return copy_to_user(buf, &u, sizeof(u));
}

SYSCALL_DEFINE(sethostname, const char __user *name, int len)
{
	char tmp[UTS_LEN];

	if (len < 0 || len >= UTS_LEN)
		return -EINVAL;
	if (copy_from_user(tmp, name, (size_t)len))
		return -EFAULT;
	tmp[len] = 0;
	strlcpy(hostname, tmp, UTS_LEN);
	return 0;
}

SYSCALL_DEFINE(sysinfo, struct sysinfo __user *info)
{
	struct sysinfo s;

	memset(&s, 0, sizeof(s));
	s.uptime = (long)(time_now_ns() / NSEC_PER_SEC);
	s.totalram = pages_total_count() * PAGE_SIZE;
	s.freeram = pages_free_count() * PAGE_SIZE;
	s.procs = (unsigned short)sched_thread_count();
	s.mem_unit = 1;
	return copy_to_user(info, &s, sizeof(s));
}

SYSCALL_DEFINE(getcpu, unsigned int __user *cpu, unsigned int __user *node, void __user *cache)
{
	unsigned int id = this_cpu()->id;

	if (cpu && put_user(id, cpu))
		return -EFAULT;
	if (node && put_user(0u, node))
		return -EFAULT;
	return 0;
}
