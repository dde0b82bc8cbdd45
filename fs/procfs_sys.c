/*
 * The system-wide files of /proc: memory from the page allocator, CPUs
 * from CPUID, times from the clocks, the kernel's identity, and the
 * sys/kernel names C libraries and runtimes read. Formats are Linux's,
 * column for column, since programs parse them with sscanf and regexes.
 */
#include <alto/boot.h>
#include <alto/clock.h>
#include <alto/cpu.h>
#include <alto/format.h>
#include <alto/mm.h>
#include <alto/mqueue.h>
#include <alto/net.h>
#include <alto/process.h>
#include <alto/random.h>
#include <alto/sched.h>
#include <alto/string.h>
#include <alto/time.h>
#include <alto/uts.h>
#include <alto/vm.h>
#include <alto/x86.h>
#include "procfs.h"

#define USER_HZ 100

/* ---- memory */

static void show_meminfo(struct pbuf *b, const struct proc_node *n)
{
	uint64_t total = pages_total_count() * (PAGE_SIZE / 1024);
	uint64_t free = pages_free_count() * (PAGE_SIZE / 1024);
	uint64_t slab = heap_bytes_in_use() / 1024;
	uint64_t anon = process_resident_pages() * (PAGE_SIZE / 1024);
	const struct {
		const char *name;
		uint64_t kb;
	} lines[] = {
		{ "MemTotal", total },
		{ "MemFree", free },
		{ "MemAvailable", free },
		{ "Buffers", 0 },
		{ "Cached", 0 },
		{ "SwapCached", 0 },
		{ "Active", anon },
		{ "Inactive", 0 },
		{ "Active(anon)", anon },
		{ "Inactive(anon)", 0 },
		{ "Active(file)", 0 },
		{ "Inactive(file)", 0 },
		{ "Unevictable", 0 },
		{ "Mlocked", 0 },
		{ "SwapTotal", 0 },
		{ "SwapFree", 0 },
		{ "Dirty", 0 },
		{ "Writeback", 0 },
		{ "AnonPages", anon },
		{ "Mapped", 0 },
		{ "Shmem", 0 },
		{ "KReclaimable", 0 },
		{ "Slab", slab },
		{ "SReclaimable", 0 },
		{ "SUnreclaim", slab },
		{ "KernelStack", 0 },
		{ "PageTables", 0 },
		{ "CommitLimit", total },
		{ "Committed_AS", total - free },
		{ "VmallocTotal", 34359738367ul },
		{ "VmallocUsed", 0 },
		{ "VmallocChunk", 0 },
	};
	char label[32];

	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		snprintf(label, sizeof(label), "%s:", lines[i].name);
		pb_printf(b, "%-16s%8lu kB\n", label, lines[i].kb);
	}
	pb_printf(b, "HugePages_Total:       0\nHugePages_Free:        0\n"
		     "HugePages_Rsvd:        0\nHugePages_Surp:        0\n"
		     "Hugepagesize:       2048 kB\nHugetlb:               0 kB\n");
}

/*
 * The page counts vmstat and free read (procps fails without the file):
 * Linux's names, in pages; the event counters Alto does not keep are 0.
 */
static void show_vmstat(struct pbuf *b, const struct proc_node *n)
{
	static const char *const zero[] = {
		"nr_inactive_anon", "nr_active_file", "nr_inactive_file", "nr_unevictable",
		"nr_mlock",	    "nr_mapped",      "nr_dirty",	  "nr_writeback",
		"nr_shmem",	    "pgpgin",	      "pgpgout",	  "pswpin",
		"pswpout",	    "pgfault",	      "pgmajfault",
	};
	uint64_t free = pages_free_count(), anon = process_resident_pages();

	pb_printf(b, "nr_free_pages %lu\nnr_active_anon %lu\nnr_anon_pages %lu\n", free, anon,
		  anon);
	pb_printf(b, "nr_slab_unreclaimable %lu\n", heap_bytes_in_use() / PAGE_SIZE);
	for (size_t i = 0; i < ARRAY_SIZE(zero); i++)
		pb_printf(b, "%s 0\n", zero[i]);
}

/* ---- CPUs */

/*
 * Linux's names for CPUID bits, in the order of its capability words: one
 * word per bit of a register from bit 0, "-" for a bit without a flag (a
 * string per register rather than 32 pointers: 2.8 KiB less).
 */
static const char leaf1_edx[] =
	"fpu vme de pse tsc msr pae mce cx8 apic - sep mtrr pge mca cmov pat pse36 pn "
	"clflush - dts acpi mmx fxsr sse sse2 ss ht tm ia64 pbe";
static const char ext1_edx[] =
	"- - - - - - - - - - - syscall - - - - - - - mp nx - mmxext - - fxsr_opt pdpe1gb "
	"rdtscp - lm 3dnowext 3dnow";
static const char leaf1_ecx[] =
	"pni pclmulqdq dtes64 monitor ds_cpl vmx smx est tm2 ssse3 cid sdbg fma cx16 xtpr "
	"pdcm - pcid dca sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave - "
	"avx f16c rdrand hypervisor";
static const char ext1_ecx[] =
	"lahf_lm cmp_legacy svm extapic cr8_legacy abm sse4a misalignsse 3dnowprefetch "
	"osvw ibs xop skinit wdt - lwp fma4 tce - nodeid_msr - tbm topoext perfctr_core "
	"perfctr_nb - bpext ptsc perfctr_llc mwaitx";
static const char leaf7_ebx[] =
	"fsgsbase tsc_adjust sgx bmi1 hle avx2 - smep bmi2 erms invpcid rtm cqm - mpx "
	"rdt_a avx512f avx512dq rdseed adx smap avx512ifma - clflushopt clwb intel_pt "
	"avx512pf avx512er avx512cd sha_ni avx512bw avx512vl";
static const char leafd1_eax[] = "xsaveopt xsavec xgetbv1 xsaves";
static const char leaf71_eax[] = "- - - - avx_vnni avx512_bf16";
static const char leaf6_eax[] = "- - arat";
static const char leaf7_ecx[] =
	"- avx512vbmi umip pku ospke waitpkg avx512_vbmi2 - gfni vaes vpclmulqdq "
	"avx512_vnni avx512_bitalg - avx512_vpopcntdq - la57 - - - - - rdpid - - cldemote "
	"- movdiri movdir64b";
static const char leaf7_edx[] =
	"- - avx512_4vnniw avx512_4fmaps fsrm - - - avx512_vp2intersect - md_clear - - - "
	"serialize - tsxldtrk - - - - - amx_bf16 avx512_fp16 amx_tile amx_int8";

static void flag_word(struct pbuf *b, uint32_t value, const char *names)
{
	for (uint32_t bit = 1; *names; bit <<= 1) {
		int len = 0;

		while (names[len] && names[len] != ' ')
			len++;
		if ((value & bit) && names[0] != '-')
			pb_printf(b, " %.*s", len, names);
		names += len + (names[len] == ' ');
	}
}

static uint32_t max_ext_leaf(void)
{
	return cpuid(0x80000000, 0).eax;
}

static void cpu_flags(struct pbuf *b)
{
	uint32_t max = cpu_features.max_leaf, ext = max_ext_leaf();
	struct cpuid l1 = cpuid(1, 0), e1 = { 0 }, l7 = { 0 };

	if (ext >= 0x80000001)
		e1 = cpuid(0x80000001, 0);
	if (max >= 7)
		l7 = cpuid(7, 0);
	pb_printf(b, "flags\t\t:");
	flag_word(b, l1.edx, leaf1_edx);
	flag_word(b, e1.edx, ext1_edx);
	if (cpu_features.invariant_tsc)
		pb_printf(b, " constant_tsc nonstop_tsc");
	pb_printf(b, " cpuid");
	flag_word(b, l1.ecx, leaf1_ecx);
	flag_word(b, e1.ecx, ext1_ecx);
	flag_word(b, l7.ebx, leaf7_ebx);
	if (max >= 0xd)
		flag_word(b, cpuid(0xd, 1).eax, leafd1_eax);
	if (max >= 7 && l7.eax >= 1)
		flag_word(b, cpuid(7, 1).eax, leaf71_eax);
	if (max >= 6)
		flag_word(b, cpuid(6, 0).eax, leaf6_eax);
	flag_word(b, l7.ecx, leaf7_ecx);
	flag_word(b, l7.edx, leaf7_edx);
	pb_write(b, "\n", 1);
}

/* What every block of cpuinfo repeats, gathered once. */
struct cpu_ident {
	char model_name[49];
	unsigned int family, model, stepping, clflush, cache_kb, phys_bits, virt_bits;
};

static void cpu_identify(struct cpu_ident *id)
{
	uint32_t eax = cpuid(1, 0).eax, ext = max_ext_leaf();
	unsigned int base = (eax >> 8) & 0xf;

	*id = (struct cpu_ident){ .family = base,
				  .model = (eax >> 4) & 0xf,
				  .stepping = eax & 0xf,
				  .clflush = ((cpuid(1, 0).ebx >> 8) & 0xff) * 8,
				  .phys_bits = 36,
				  .virt_bits = 48 };
	if (base == 0xf)
		id->family += (eax >> 20) & 0xff;
	if (base >= 6)
		id->model += ((eax >> 16) & 0xf) << 4;
	if (ext >= 0x80000004) {
		for (uint32_t i = 0; i < 3; i++) {
			struct cpuid r = cpuid(0x80000002 + i, 0);
			memcpy(id->model_name + i * 16, &r, 16); /* eax, ebx, ecx, edx in order */
		}
	}
	if (ext >= 0x80000006)
		id->cache_kb = cpuid(0x80000006, 0).ecx >> 16;
	if (ext >= 0x80000008) {
		uint32_t a = cpuid(0x80000008, 0).eax;
		id->phys_bits = a & 0xff;
		id->virt_bits = (a >> 8) & 0xff;
	}
}

static void show_cpuinfo(struct pbuf *b, const struct proc_node *n)
{
	struct cpu_ident id;
	const char *name;
	uint64_t khz = tsc_hz / 1000;

	cpu_identify(&id);
	for (name = id.model_name; *name == ' '; name++)
		;
	for (unsigned int i = 0; i < cpu_count; i++) {
		pb_printf(b,
			  "processor\t: %u\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n"
			  "model name\t: %s\nstepping\t: %u\ncpu MHz\t\t: %lu.%03lu\n"
			  "cache size\t: %u KB\nphysical id\t: 0\nsiblings\t: %u\ncore id\t\t: %u\n"
			  "cpu cores\t: %u\napicid\t\t: %u\ninitial apicid\t: %u\nfpu\t\t: yes\n"
			  "fpu_exception\t: yes\ncpuid level\t: %u\nwp\t\t: yes\n",
			  i, cpu_features.vendor, id.family, id.model, *name ? name : "unknown",
			  id.stepping, khz / 1000, khz % 1000, id.cache_kb, cpu_count, i, cpu_count,
			  cpus[i].apic_id, cpus[i].apic_id, cpu_features.max_leaf);
		cpu_flags(b);
		pb_printf(
			b,
			"bugs\t\t:\nbogomips\t: %lu.%02lu\nclflush size\t: %u\n"
			"cache_alignment\t: %u\naddress sizes\t: %u bits physical, %u bits virtual\n"
			"power management:\n\n",
			khz * 2 / 1000, (khz * 2 % 1000) / 10, id.clflush, id.clflush, id.phys_bits,
			id.virt_bits);
	}
}

/* ---- times */

static uint64_t idle_ns(unsigned int cpu)
{
	struct thread *idle = cpus[cpu].idle;

	return cpus[cpu].online && idle ? cputime_thread_ns(idle) : 0;
}

static uint64_t ticks(uint64_t ns)
{
	return ns / (NSEC_PER_SEC / USER_HZ);
}

/* A CPU's line: its busy time counts as user time (Alto does not split it). */
static void stat_cpu_line(struct pbuf *b, const char *name, uint64_t busy, uint64_t idle)
{
	pb_printf(b, "%s %lu 0 0 %lu 0 0 0 0 0 0\n", name, ticks(busy), ticks(idle));
}

static void show_stat(struct pbuf *b, const struct proc_node *n)
{
	uint64_t now = time_now_ns(), idle_all = 0, busy_all = 0;
	char name[16];

	for (unsigned int i = 0; i < cpu_count; i++) {
		uint64_t idle = MIN(idle_ns(i), now);
		idle_all += idle;
		busy_all += now - idle;
	}
	stat_cpu_line(b, "cpu ", busy_all, idle_all);
	for (unsigned int i = 0; i < cpu_count; i++) {
		uint64_t idle = MIN(idle_ns(i), now);
		snprintf(name, sizeof(name), "cpu%u", i);
		stat_cpu_line(b, name, now - idle, idle);
	}
	uint64_t btime = (time_realtime_ns() - now) / NSEC_PER_SEC;
	pb_printf(b,
		  "intr 0\nctxt 0\nbtime %lu\nprocesses 1\nprocs_running 1\nprocs_blocked 0\n"
		  "softirq 0 0 0 0 0 0 0 0 0 0 0\n",
		  btime);
}

static void show_uptime(struct pbuf *b, const struct proc_node *n)
{
	uint64_t up = time_now_ns() / (NSEC_PER_SEC / 100), idle = 0;

	for (unsigned int i = 0; i < cpu_count; i++)
		idle += idle_ns(i) / (NSEC_PER_SEC / 100);
	pb_printf(b, "%lu.%02lu %lu.%02lu\n", up / 100, up % 100, idle / 100, idle % 100);
}

static void show_loadavg(struct pbuf *b, const struct proc_node *n)
{
	pb_printf(b, "0.00 0.00 0.00 1/%u %d\n", sched_thread_count(), process_last_pid());
}

/* ---- identity */

static void show_version(struct pbuf *b, const struct proc_node *n)
{
	pb_printf(b, "%s version %s (alto@alto) (gcc) %s\n", UTS_SYSNAME, UTS_RELEASE, UTS_VERSION);
}

static void show_fs_type(const struct fs_type *t, void *ctx)
{
	pb_printf(ctx, "%s\t%s\n", t->needs_device ? "" : "nodev", t->name);
}

/* The registered types, and the pseudo file systems no one mounts. */
static void show_filesystems(struct pbuf *b, const struct proc_node *n)
{
	static const char *const names[] = { "rootfs", "pipefs", "anon_inodefs" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		pb_printf(b, "nodev\t%s\n", names[i]);
	fs_types_for_each(show_fs_type, b);
}

static void show_cmdline(struct pbuf *b, const struct proc_node *n)
{
	pb_printf(b, "%s\n", boot_info.cmdline);
}

static void show_swaps(struct pbuf *b, const struct proc_node *n)
{
	pb_printf(b, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
}

static void show_text(struct pbuf *b, const char *text)
{
	pb_printf(b, "%s\n", text);
}

static void show_ostype(struct pbuf *b, const struct proc_node *n)
{
	show_text(b, UTS_SYSNAME);
}

static void show_osrelease(struct pbuf *b, const struct proc_node *n)
{
	show_text(b, UTS_RELEASE);
}

static void show_kversion(struct pbuf *b, const struct proc_node *n)
{
	show_text(b, UTS_VERSION);
}

static void show_hostname(struct pbuf *b, const struct proc_node *n)
{
	char name[UTS_LEN];

	uts_hostname(name, sizeof(name));
	show_text(b, name);
}

static void show_pid_max(struct pbuf *b, const struct proc_node *n)
{
	pb_printf(b, "%d\n", PID_MAX);
}

static void show_threads_max(struct pbuf *b, const struct proc_node *n)
{
	show_text(b, "126730");
}

static void show_zero(struct pbuf *b, const struct proc_node *n)
{
	show_text(b, "0");
}

static void show_max_map_count(struct pbuf *b, const struct proc_node *n)
{
	pb_printf(b, "%d\n", VM_MAX_MAP_COUNT);
}

/* fs.mqueue: the limits fs/mqueue.c applies (read-only here). */
static void show_msg_default(struct pbuf *b, const struct proc_node *n)
{
	pb_printf(b, "%d\n", MQ_MSG_DEFAULT);
}

static void show_msg_max(struct pbuf *b, const struct proc_node *n)
{
	pb_printf(b, "%d\n", MQ_MSG_MAX);
}

static void show_msgsize_default(struct pbuf *b, const struct proc_node *n)
{
	pb_printf(b, "%d\n", MQ_MSGSIZE_DEFAULT);
}

static void show_msgsize_max(struct pbuf *b, const struct proc_node *n)
{
	pb_printf(b, "%d\n", MQ_MSGSIZE_MAX);
}

static void show_queues_max(struct pbuf *b, const struct proc_node *n)
{
	pb_printf(b, "%d\n", MQ_QUEUES_MAX);
}

static void show_entropy(struct pbuf *b, const struct proc_node *n)
{
	show_text(b, "256");
}

/* A random (version 4) UUID as Linux prints one. */
static void format_uuid(struct pbuf *b, uint8_t u[16])
{
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
	pb_printf(b, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\n", u[0],
		  u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
		  u[14], u[15]);
}

static void show_uuid(struct pbuf *b, const struct proc_node *n)
{
	uint8_t u[16];

	random_bytes(u, sizeof(u));
	format_uuid(b, u);
}

/* Made at the first read and the same for the rest of the boot. */
static void show_boot_id(struct pbuf *b, const struct proc_node *n)
{
	static uint8_t id[16];
	static struct mutex lock = MUTEX_INIT(lock);
	static bool made;

	mutex_lock(&lock);
	if (!made) {
		random_bytes(id, sizeof(id));
		made = true;
	}
	mutex_unlock(&lock);
	format_uuid(b, id);
}

/* ---- the tables */

#define FILE(n, fn)                                           \
	{                                                     \
		.name = n, .mode = S_IFREG | 0444, .show = fn \
	}
#define DIR(n, c)                                                \
	{                                                        \
		.name = n, .mode = S_IFDIR | 0555, .children = c \
	}

static long mounts_link(const struct proc_node *n, char *buf, size_t size)
{
	return snprintf(buf, size, "self/mounts");
}

static const struct proc_entry random_children[] = {
	FILE("boot_id", show_boot_id),
	FILE("entropy_avail", show_entropy),
	FILE("uuid", show_uuid),
	{ 0 },
};

static const struct proc_entry kernel_children[] = {
	FILE("hostname", show_hostname),   FILE("ostype", show_ostype),
	FILE("osrelease", show_osrelease), FILE("pid_max", show_pid_max),
	DIR("random", random_children),	   FILE("threads-max", show_threads_max),
	FILE("version", show_kversion),	   { 0 },
};

static const struct proc_entry vm_children[] = {
	FILE("max_map_count", show_max_map_count),
	FILE("overcommit_memory", show_zero),
	{ 0 },
};

static const struct proc_entry mqueue_children[] = {
	FILE("msg_default", show_msg_default),	       FILE("msg_max", show_msg_max),
	FILE("msgsize_default", show_msgsize_default), FILE("msgsize_max", show_msgsize_max),
	FILE("queues_max", show_queues_max),	       { 0 },
};

static const struct proc_entry fs_children[] = {
	DIR("mqueue", mqueue_children),
	{ 0 },
};

static const struct proc_entry sys_children[] = {
	DIR("fs", fs_children),
	DIR("kernel", kernel_children),
	DIR("vm", vm_children),
	{ 0 },
};

/* ---- net: the network stack writes these (net/inet/proc.c) */

static void net_emit(void *ctx, const char *text, size_t len)
{
	pb_write(ctx, text, len);
}

static void show_net(struct pbuf *b, const struct proc_node *n)
{
	net_proc_show(n->entry->name, net_emit, b);
}

static const struct proc_entry net_children[] = {
	FILE("dev", show_net),	 FILE("if_inet6", show_net),
	FILE("route", show_net), FILE("tcp", show_net),
	FILE("tcp6", show_net),	 FILE("udp", show_net),
	FILE("udp6", show_net),	 { 0 },
};

static const struct proc_entry root_children[] = {
	FILE("cmdline", show_cmdline),
	FILE("cpuinfo", show_cpuinfo),
	FILE("filesystems", show_filesystems),
	FILE("loadavg", show_loadavg),
	FILE("meminfo", show_meminfo),
	{ .name = "mounts", .mode = S_IFLNK | 0777, .link = mounts_link },
	DIR("net", net_children),
	{ .name = "self", .mode = S_IFLNK | 0777, .link = proc_self_link },
	FILE("stat", show_stat),
	FILE("swaps", show_swaps),
	DIR("sys", sys_children),
	{ .name = "thread-self", .mode = S_IFLNK | 0777, .link = proc_thread_self_link },
	FILE("uptime", show_uptime),
	FILE("version", show_version),
	FILE("vmstat", show_vmstat),
	{ 0 },
};

const struct proc_entry proc_root_dir = {
	.mode = S_IFDIR | 0555,
	.children = root_children,
	.next = proc_next_pid,
	.numbered = &proc_pid_dir,
	.number = PROC_NUM_PID,
};
