/*
 * /proc and /sys as programs read them: /proc/self/maps against mappings
 * made here (protections, holes, [stack], [heap], the column of names),
 * status, stat, statm, fd/, fdinfo/, exe, cwd, cmdline, environ, auxv,
 * limits, mounts, task/, comm; the system files (cpuinfo against the online
 * CPUs, meminfo, uptime, loadavg, version, stat, sys/kernel). Only relations
 * are printed: the values differ between the host and Alto.
 */
#include "common.h"
#include <dirent.h>
#include <elf.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

extern char **environ;

/* A whole file, NUL-terminated (its length in *len when len is set); NULL if it cannot be read. */
static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t size = 0, cap = 4096;
	char *buf = malloc(cap + 1);
	ssize_t n;

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	/* Small reads: procfs must carry on from where the last one stopped. */
	while ((n = read(fd, buf + size, 100)) > 0) {
		size += (size_t)n;
		if (size + 100 > cap)
			buf = realloc(buf, (cap *= 2) + 1);
	}
	close(fd);
	buf[size] = 0;
	if (len)
		*len = size;
	return n < 0 ? (free(buf), NULL) : buf;
}

/* The value after "Key:" in a status-like file, or NULL. */
static const char *field(const char *text, const char *key)
{
	size_t klen = strlen(key);

	for (const char *line = text; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (!strncmp(line, key, klen) && line[klen] == ':')
			return line + klen + 1 + strspn(line + klen + 1, " \t");
	}
	return NULL;
}

/* The maps line covering [start, end), if any: its permissions and name. */
static int find_map(uintptr_t start, uintptr_t end, char perms[5], char *name, size_t name_size)
{
	char *maps = slurp("/proc/self/maps", NULL);
	int found = 0;

	for (char *line = maps; line && *line;) {
		char *nl = strchr(line, '\n');
		unsigned long lo, hi;
		char p[5];
		int off = 0;
		if (nl)
			*nl = 0;
		if (sscanf(line, "%lx-%lx %4s %*x %*x:%*x %*u %n", &lo, &hi, p, &off) == 3 &&
		    lo <= start && hi >= end) {
			memcpy(perms, p, 5);
			snprintf(name, name_size, "%s", off ? line + off : "");
			found = 1;
			break;
		}
		line = nl ? nl + 1 : NULL;
	}
	free(maps);
	return found;
}

static void maps_format(void)
{
	char *maps = slurp("/proc/self/maps", NULL);
	int lines = 0, parsed = 0, names_ok = 1;

	for (char *line = maps; line && *line;) {
		char *nl = strchr(line, '\n');
		unsigned long lo, hi, off, ino;
		unsigned int maj, min;
		char perms[5];
		int n = 0;
		if (nl)
			*nl = 0;
		lines++;
		if (sscanf(line, "%lx-%lx %4s %lx %x:%x %lu %n", &lo, &hi, perms, &off, &maj, &min,
			   &ino, &n) == 7 &&
		    lo < hi && strlen(perms) == 4)
			parsed++;
		/* A name starts at column 74, after the padded fixed columns. */
		if (n && line[n] && (strlen(line) < 74 || line[72] != ' ' || line[73] == ' '))
			names_ok = 0;
		line = nl ? nl + 1 : NULL;
	}
	check("maps has lines", lines > 3);
	check("every maps line parses as start-end perms offset dev inode", lines == parsed);
	check("names in maps start at column 74", names_ok);
	free(maps);
}

static void maps_regions(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	char perms[5], name[256];
	char *ro = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *rw = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *none = mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *rx = mmap(NULL, pg, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *sh = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uintptr_t a;

	a = (uintptr_t)ro;
	check("maps lists the PROT_READ region as r--p",
	      find_map(a, a + pg, perms, name, sizeof(name)) && !strcmp(perms, "r--p"));
	a = (uintptr_t)rw;
	check("maps lists the PROT_READ|PROT_WRITE region as rw-p",
	      find_map(a, a + 3 * pg, perms, name, sizeof(name)) && !strcmp(perms, "rw-p"));
	a = (uintptr_t)none;
	check("maps lists the PROT_NONE region as ---p",
	      find_map(a, a + pg, perms, name, sizeof(name)) && !strcmp(perms, "---p"));
	a = (uintptr_t)rx;
	check("maps lists the PROT_READ|PROT_EXEC region as r-xp",
	      find_map(a, a + pg, perms, name, sizeof(name)) && !strcmp(perms, "r-xp"));
	a = (uintptr_t)sh;
	check("maps lists the MAP_SHARED region with s",
	      find_map(a, a + pg, perms, name, sizeof(name)) && perms[3] == 's');

	mprotect(rw, pg, PROT_READ);
	a = (uintptr_t)rw;
	int first = find_map(a, a + pg, perms, name, sizeof(name)) && !strcmp(perms, "r--p");
	int rest =
		find_map(a + pg, a + 3 * pg, perms, name, sizeof(name)) && !strcmp(perms, "rw-p");
	check("after mprotect, maps splits the region (r--p, then rw-p)", first && rest);
	munmap(rw + pg, pg);
	check("after munmap of a page, maps has a hole there",
	      !find_map(a + pg, a + 2 * pg, perms, name, sizeof(name)) &&
		      find_map(a + 2 * pg, a + 3 * pg, perms, name, sizeof(name)));

	int local = 0;
	a = (uintptr_t)&local;
	check("the stack is [stack] in maps",
	      find_map(a, a + 1, perms, name, sizeof(name)) && !strcmp(name, "[stack]"));
	uintptr_t brk0 = (uintptr_t)syscall(SYS_brk, 0);
	uintptr_t brk1 = (uintptr_t)syscall(SYS_brk, brk0 + 3 * pg);
	uintptr_t heap = (brk0 + pg - 1) & ~(uintptr_t)(pg - 1);
	check("memory from brk is [heap] in maps",
	      brk1 >= brk0 + 3 * pg && find_map(heap, heap + pg, perms, name, sizeof(name)) &&
		      !strcmp(name, "[heap]") && !strcmp(perms, "rw-p"));
	munmap(ro, pg);
	munmap(rw, pg);
	munmap(rw + 2 * pg, pg);
	munmap(none, pg);
	munmap(rx, pg);
	munmap(sh, pg);
}

/* The CPUs of a list like "0-3,5": how many. */
static int list_count(const char *list)
{
	int count = 0;

	while (list && *list >= '0' && *list <= '9') {
		char *end;
		long lo = strtol(list, &end, 10), hi = lo;
		if (*end == '-')
			hi = strtol(end + 1, &end, 10);
		count += (int)(hi - lo + 1);
		list = *end == ',' ? end + 1 : NULL;
	}
	return count;
}

static int ready[2], go[2];
static pid_t worker_tid;

/* Names itself, says it is ready, and waits to be let go. */
static void *worker(void *arg)
{
	char c;

	prctl(PR_SET_NAME, "worker");
	worker_tid = (pid_t)syscall(SYS_gettid);
	write(ready[1], "r", 1);
	read(go[0], &c, 1);
	return NULL;
}

static void status_and_tasks(const char *argv0)
{
	char *status = slurp("/proc/self/status", NULL);
	const char *base = strrchr(argv0, '/') ? strrchr(argv0, '/') + 1 : argv0;
	char name[16];
	const char *v;

	snprintf(name, sizeof(name), "%s", base);
	v = field(status, "Name");
	check("status Name is the program's name",
	      v && !strncmp(v, name, strlen(name)) && v[strlen(name)] == '\n');
	v = field(status, "Pid");
	check("status Pid is getpid()", v && atol(v) == getpid());
	v = field(status, "Tgid");
	check("status Tgid is getpid()", v && atol(v) == getpid());
	v = field(status, "PPid");
	check("status PPid is getppid()", v && atol(v) == getppid());
	v = field(status, "Threads");
	check("status Threads is 1", v && atol(v) == 1);
	v = field(status, "State");
	check("status State is R (running)", v && !strncmp(v, "R (running)", 11));
	v = field(status, "VmRSS");
	check("status VmRSS is above 0 kB", v && atol(v) > 0);
	v = field(status, "VmSize");
	check("status has VmSize, VmData, VmStk",
	      v && atol(v) > 0 && field(status, "VmData") && field(status, "VmStk"));
	cpu_set_t set;
	sched_getaffinity(0, sizeof(set), &set);
	v = field(status, "Cpus_allowed_list");
	check("status Cpus_allowed_list counts the affinity's CPUs",
	      v && list_count(v) == CPU_COUNT(&set));
	free(status);

	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	signal(SIGUSR2, SIG_IGN);
	status = slurp("/proc/self/status", NULL);
	v = field(status, "SigBlk");
	check("status SigBlk has SIGUSR1", v && (strtoull(v, NULL, 16) & (1ull << (SIGUSR1 - 1))));
	v = field(status, "SigIgn");
	check("status SigIgn has SIGUSR2", v && (strtoull(v, NULL, 16) & (1ull << (SIGUSR2 - 1))));
	v = field(status, "SigQ");
	check("status has SigQ, SigPnd, ShdPnd, SigCgt",
	      v && field(status, "SigPnd") && field(status, "ShdPnd") && field(status, "SigCgt"));
	free(status);
	sigprocmask(SIG_UNBLOCK, &block, NULL);

	char *comm = slurp("/proc/self/comm", NULL);
	char want[32];
	snprintf(want, sizeof(want), "%s\n", name);
	check("comm is the program's name", comm && !strcmp(comm, want));
	free(comm);

	/* A second thread: task/ lists both, with the thread's own name. */
	pthread_t t;
	char c;
	pipe(ready);
	pipe(go);
	pthread_create(&t, NULL, worker, NULL);
	read(ready[0], &c, 1);
	status = slurp("/proc/self/status", NULL);
	v = field(status, "Threads");
	check("status Threads is 2 with a second thread", v && atol(v) == 2);
	free(status);
	DIR *d = opendir("/proc/self/task");
	int n = 0, main_seen = 0, worker_seen = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		main_seen |= atol(e->d_name) == getpid();
		worker_seen |= atol(e->d_name) == worker_tid;
	}
	if (d)
		closedir(d);
	check("task/ lists the main thread and the second one", n == 2 && main_seen && worker_seen);
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", worker_tid);
	comm = slurp(path, NULL);
	check("task/TID/comm is the thread's name", comm && !strcmp(comm, "worker\n"));
	free(comm);
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", worker_tid);
	char *stat = slurp(path, NULL);
	check("task/TID/stat starts with the thread's id and name",
	      stat && atol(stat) == worker_tid && strstr(stat, "(worker)"));
	free(stat);
	snprintf(path, sizeof(path), "/proc/self/task/%d/status", worker_tid);
	status = slurp(path, NULL);
	v = status ? field(status, "Pid") : NULL;
	check("task/TID/status Pid is the thread's id", v && atol(v) == worker_tid);
	free(status);
	write(go[1], "g", 1);
	pthread_join(t, NULL);
	close(go[0]);
	close(go[1]);
	close(ready[0]);
	close(ready[1]);
}

/* /proc/self/stat's num_threads (field 20); 0 when it cannot be read. */
static long stat_threads(void)
{
	char *stat = slurp("/proc/self/stat", NULL);
	char *close_paren = stat ? strrchr(stat, ')') : NULL;
	long threads = 0;

	if (close_paren)
		sscanf(close_paren + 2,
		       "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %ld",
		       &threads);
	free(stat);
	return threads;
}

/*
 * num_threads once the joined thread has left the count: the kernel clears
 * the thread's tid (waking pthread_join) before it stops counting it, on
 * Linux as in Alto, so it is read again for up to 2 s.
 */
static long stat_threads_settle(void)
{
	long threads = stat_threads();

	for (int i = 0; i < 200 && threads != 1; i++) {
		usleep(10000);
		threads = stat_threads();
	}
	return threads;
}

static void stat_files(void)
{
	char *stat = slurp("/proc/self/stat", NULL);
	int fields = 0;
	char *close_paren = stat ? strrchr(stat, ')') : NULL;

	for (char *p = close_paren ? close_paren + 1 : NULL; p && *p;) {
		p += strspn(p, " \n");
		if (!*p)
			break;
		fields++;
		p += strcspn(p, " \n");
	}
	check("stat starts with the pid", stat && atol(stat) == getpid());
	check("stat has 52 fields", fields + 2 == 52);
	free(stat);
	check("stat num_threads (field 20) is 1", stat_threads_settle() == 1);
	char *statm = slurp("/proc/self/statm", NULL);
	unsigned long size = 0, res = 0;
	check("statm has 7 numbers, resident <= size",
	      statm && sscanf(statm, "%lu %lu %*u %*u %*u %*u %*u", &size, &res) == 2 &&
		      res <= size && res > 0);
	free(statm);
}

static int has_fd(int fd)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int found = 0;

	while (d && (e = readdir(d)))
		found |= e->d_name[0] != '.' && atoi(e->d_name) == fd;
	if (d)
		closedir(d);
	return found;
}

static void fds(const char *argv0)
{
	char link[4096], path[64], exe[4096];
	int fd = open(argv0, O_RDONLY | O_CLOEXEC);
	int p[2];
	struct stat st;
	ssize_t n;

	pipe(p);
	check("fd/ lists 0, 1 and 2", has_fd(0) && has_fd(1) && has_fd(2));
	check("fd/ lists the opened file and the pipe", has_fd(fd) && has_fd(p[0]) && has_fd(p[1]));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	check("fd/N of the opened file links to its real path",
	      n > 0 && realpath(argv0, exe) && !strcmp(link, exe));
	fstat(p[0], &st);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	char want[64];
	snprintf(want, sizeof(want), "pipe:[%lu]", (unsigned long)st.st_ino);
	check("fd/N of a pipe links to pipe:[inode]", n > 0 && !strcmp(link, want));
	lseek(fd, 5, SEEK_SET);
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	char *info = slurp(path, NULL);
	const char *pos = info ? field(info, "pos") : NULL,
		   *flags = info ? field(info, "flags") : NULL;
	check("fdinfo pos is the file position", pos && atol(pos) == 5);
	check("fdinfo flags are octal, O_RDONLY with O_CLOEXEC",
	      flags && flags[0] == '0' && (strtoul(flags, NULL, 8) & O_ACCMODE) == O_RDONLY &&
		      (strtoul(flags, NULL, 8) & O_CLOEXEC));
	free(info);
	dup2(fd, 100);
	check("fd/ lists a descriptor made by dup2", has_fd(100));
	close(100);
	check("fd/ no longer lists it once closed", !has_fd(100));
	close(fd);
	close(p[0]);
	close(p[1]);
}

static void links(const char *argv0)
{
	char link[4096], real[4096], cwd[4096];
	ssize_t n = readlink("/proc/self/exe", link, sizeof(link) - 1);

	link[n > 0 ? n : 0] = 0;
	check("exe links to the program's real path",
	      n > 0 && realpath(argv0, real) && !strcmp(link, real));
	n = readlink("/proc/self/cwd", link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	check("cwd links to the working directory",
	      n > 0 && getcwd(cwd, sizeof(cwd)) && !strcmp(link, cwd));
	chdir("/proc/self");
	check("getcwd inside /proc names the pid's directory",
	      getcwd(cwd, sizeof(cwd)) && atol(cwd + strlen("/proc/")) == getpid() &&
		      !strncmp(cwd, "/proc/", 6));
	chdir("/");
	char want[64];
	snprintf(want, sizeof(want), "%d", getpid());
	n = readlink("/proc/self", link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	check("/proc/self links to the pid", n > 0 && !strcmp(link, want));
	snprintf(want, sizeof(want), "%d/task/%ld", getpid(), (long)syscall(SYS_gettid));
	n = readlink("/proc/thread-self", link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	check("/proc/thread-self links to pid/task/tid", n > 0 && !strcmp(link, want));
}

static void strings(int argc, char **argv)
{
	size_t len, want = 0;
	char *cmdline = slurp("/proc/self/cmdline", &len);
	int same = 1;
	char *p = cmdline;

	for (int i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]) + 1;
		same &= p && want + l <= len && !memcmp(p, argv[i], l);
		if (p)
			p += l;
		want += l;
	}
	check("cmdline is argv, each NUL-terminated", cmdline && same && len == want);
	free(cmdline);
	char *env = slurp("/proc/self/environ", &len);
	want = 0;
	same = 1;
	p = env;
	for (char **e = environ; *e; e++) {
		size_t l = strlen(*e) + 1;
		same &= p && want + l <= len && !memcmp(p, *e, l);
		if (p)
			p += l;
		want += l;
	}
	check("environ is the environment, each NUL-terminated", env && same && len == want);
	free(env);
	char *auxv = slurp("/proc/self/auxv", &len);
	unsigned long pagesz = 0, entry = 0, random = 0, last = 1;
	for (size_t i = 0; auxv && i + 16 <= len; i += 16) {
		unsigned long type, value;
		memcpy(&type, auxv + i, 8);
		memcpy(&value, auxv + i + 8, 8);
		if (type == AT_PAGESZ)
			pagesz = value;
		if (type == AT_ENTRY)
			entry = value;
		if (type == AT_RANDOM)
			random = value;
		last = type;
	}
	check("auxv has AT_PAGESZ 4096", pagesz == 4096);
	check("auxv AT_ENTRY and AT_RANDOM are getauxval's",
	      entry && entry == getauxval(AT_ENTRY) && random == getauxval(AT_RANDOM));
	check("auxv ends with AT_NULL", auxv && len % 16 == 0 && last == AT_NULL);
	free(auxv);
}

static void process_tables(void)
{
	char *limits = slurp("/proc/self/limits", NULL);
	struct rlimit rl;
	const char *line = limits ? strstr(limits, "\nMax open files ") : NULL;

	getrlimit(RLIMIT_NOFILE, &rl);
	check("limits has the header line", limits && !strncmp(limits, "Limit ", 6));
	check("limits Max open files is getrlimit's", line && atol(line + 27) == (long)rl.rlim_cur);
	free(limits);
	char *mounts = slurp("/proc/self/mounts", NULL);
	check("mounts has /proc as proc", mounts && strstr(mounts, " /proc proc "));
	free(mounts);
	char *mounts2 = slurp("/proc/mounts", NULL);
	check("/proc/mounts has /proc too", mounts2 && strstr(mounts2, " /proc proc "));
	free(mounts2);
	char *info = slurp("/proc/self/mountinfo", NULL);
	check("mountinfo has /proc with its type after the dash",
	      info && strstr(info, " /proc ") && strstr(info, " - proc "));
	free(info);
	char *cg = slurp("/proc/self/cgroup", NULL);
	check("cgroup has the unified line 0::/",
	      cg && (!strncmp(cg, "0::/", 4) || strstr(cg, "\n0::/")));
	free(cg);
}

static void system_files(void)
{
	char *online = slurp("/sys/devices/system/cpu/online", NULL);
	char *cpuinfo = slurp("/proc/cpuinfo", NULL);
	int processors = 0, names = 0, flags = 0, mhz = 0;

	for (char *l = cpuinfo; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		processors += !strncmp(l, "processor\t", 10);
		names += !strncmp(l, "model name\t", 11);
		flags += !strncmp(l, "flags\t", 6);
		mhz += !strncmp(l, "cpu MHz\t", 8);
	}
	check("cpuinfo has one processor line per online CPU",
	      online && processors == list_count(online));
	check("each cpuinfo block has model name, flags and cpu MHz",
	      processors && names == processors && flags == processors && mhz == processors);
	check("the online CPUs are sysconf's",
	      online && list_count(online) == sysconf(_SC_NPROCESSORS_ONLN));
	char *possible = slurp("/sys/devices/system/cpu/possible", NULL);
	check("cpu/possible lists at least the online CPUs",
	      possible && list_count(possible) >= list_count(online));
	free(possible);
	free(cpuinfo);

	char *meminfo = slurp("/proc/meminfo", NULL);
	const char *total = meminfo ? field(meminfo, "MemTotal") : NULL;
	const char *free_kb = meminfo ? field(meminfo, "MemFree") : NULL;
	check("meminfo has MemTotal and MemFree in kB, free <= total",
	      total && free_kb && atol(total) > 0 && atol(free_kb) <= atol(total) &&
		      strstr(meminfo, "MemTotal:") && strstr(total, " kB\n"));
	free(meminfo);

	double up, idle;
	char *uptime = slurp("/proc/uptime", NULL);
	check("uptime parses as two numbers, uptime above 0",
	      uptime && sscanf(uptime, "%lf %lf", &up, &idle) == 2 && up > 0);
	free(uptime);
	double l1, l5, l15;
	int run, total_threads;
	char *loadavg = slurp("/proc/loadavg", NULL);
	check("loadavg parses", loadavg && sscanf(loadavg, "%lf %lf %lf %d/%d", &l1, &l5, &l15,
						  &run, &total_threads) == 5);
	free(loadavg);
	char *version = slurp("/proc/version", NULL);
	check("version starts with Linux version",
	      version && !strncmp(version, "Linux version ", 14));
	free(version);
	char *stat = slurp("/proc/stat", NULL);
	check("stat starts with the cpu line and has btime", stat && !strncmp(stat, "cpu  ", 5) &&
								     strstr(stat, "\nbtime ") &&
								     strstr(stat, "\ncpu0 "));
	free(stat);

	struct utsname u;
	uname(&u);
	char *ostype = slurp("/proc/sys/kernel/ostype", NULL);
	char *release = slurp("/proc/sys/kernel/osrelease", NULL);
	char *host = slurp("/proc/sys/kernel/hostname", NULL);
	char want[256];
	snprintf(want, sizeof(want), "%s\n", u.release);
	check("sys/kernel/osrelease is uname's release", release && !strcmp(release, want));
	snprintf(want, sizeof(want), "%s\n", u.nodename);
	check("sys/kernel/hostname is uname's nodename", host && !strcmp(host, want));
	check("sys/kernel/ostype is Linux", ostype && !strcmp(ostype, "Linux\n"));
	free(ostype);
	free(release);
	free(host);
	char *id1 = slurp("/proc/sys/kernel/random/boot_id", NULL);
	char *id2 = slurp("/proc/sys/kernel/random/boot_id", NULL);
	char *uuid1 = slurp("/proc/sys/kernel/random/uuid", NULL);
	char *uuid2 = slurp("/proc/sys/kernel/random/uuid", NULL);
	check("boot_id is a UUID and stays the same",
	      id1 && id2 && strlen(id1) == 37 && id1[8] == '-' && !strcmp(id1, id2));
	check("random/uuid is a new UUID at each read",
	      uuid1 && uuid2 && strlen(uuid1) == 37 && strcmp(uuid1, uuid2));
	free(id1);
	free(id2);
	free(uuid1);
	free(uuid2);
	char *node = slurp("/sys/devices/system/node/online", NULL);
	char *cpulist = slurp("/sys/devices/system/node/node0/cpulist", NULL);
	check("node/online and node0/cpulist (one node with the online CPUs)",
	      node && !strcmp(node, "0\n") && cpulist && online && !strcmp(cpulist, online));
	free(node);
	free(cpulist);
	free(online);
}

int main(int argc, char **argv)
{
	setup();
	maps_format();
	maps_regions();
	status_and_tasks(argv[0]);
	stat_files();
	fds(argv[0]);
	links(argv[0]);
	strings(argc, argv);
	process_tables();
	system_files();
	return 0;
}
