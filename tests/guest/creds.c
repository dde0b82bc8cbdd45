/*
 * Credentials, run as root: the setuid family with Linux's rules
 * ((uid_t)-1 leaves an id unchanged; root may become anyone; an
 * unprivileged process only moves between its real, effective and saved
 * ids), supplementary groups (kept sorted), the capabilities that follow
 * the ids (capget, PR_SET_KEEPCAPS, capset's limits), file permissions
 * that honour them (open, access with the real ids, search permission,
 * creating files, the sticky bit, chmod and chown, root's overrides and
 * its need of an x bit to execute); with "names", user and group names from
 * /etc/passwd and /etc/group. Capability sets are printed as relations:
 * the host's root may lack a capability or two.
 */
#include "common.h"
#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#define CAP_VERSION_3	 0x20080522
#define CAP_DAC_OVERRIDE 1
#define CAP_SETUID	 7

struct cap_header {
	uint32_t version;
	int pid;
};

struct cap_data {
	uint32_t effective, permitted, inheritable;
};

static uint64_t initial_permitted;

static int capget_all(uint64_t *eff, uint64_t *perm)
{
	struct cap_header h = { CAP_VERSION_3, 0 };
	struct cap_data d[2];
	int r = syscall(SYS_capget, &h, d);

	*eff = d[0].effective | (uint64_t)d[1].effective << 32;
	*perm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	return r;
}

static void show_ids(const char *when)
{
	uid_t r, e, s;
	gid_t gr, ge, gs, groups[16];
	int n = getgroups(16, groups);

	getresuid(&r, &e, &s);
	getresgid(&gr, &ge, &gs);
	printf("%s: uid %u %u %u fsuid %d, gid %u %u %u fsgid %d, groups", when, r, e, s,
	       setfsuid(-1), gr, ge, gs, setfsgid(-1));
	for (int i = 0; i < n; i++)
		printf(" %u", groups[i]);
	printf("\n");
}

static void show_caps(const char *when)
{
	uint64_t eff, perm;

	capget_all(&eff, &perm);
	printf("%s: effective %s, permitted %s, CAP_SETUID %s, CAP_DAC_OVERRIDE %s\n", when,
	       !eff	   ? "empty" :
	       eff == perm ? "= permitted" :
			     "part of permitted",
	       !perm			 ? "empty" :
	       perm == initial_permitted ? "as at start" :
					   "changed",
	       eff & (1ull << CAP_SETUID) ? "yes" : "no",
	       eff & (1ull << CAP_DAC_OVERRIDE) ? "yes" : "no");
}

static void make_file(const char *path, mode_t mode)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_EXCL, mode);

	if (fd < 0 || write(fd, "x", 1) != 1 || fchmod(fd, mode))
		die_setup(path);
	close(fd);
}

static void try_open(const char *what, const char *path, int flags)
{
	int fd = open(path, flags, 0600);

	result(what, fd < 0 ? -1 : 0);
	if (fd >= 0)
		close(fd);
}

static void ids_as_root(void)
{
	uint64_t eff;
	gid_t g[4] = { 5, 3, 1, 3 }, bad[1] = { (gid_t)-1 };

	capget_all(&eff, &initial_permitted);
	show_ids("start");
	show_caps("start");
	check("effective = permitted at start", eff == initial_permitted);
	result("setresuid(-1, -1, -1)", setresuid(-1, -1, -1));
	result("setresgid(-1, -1, -1)", setresgid(-1, -1, -1));
	result("setreuid(-1, -1)", setreuid(-1, -1));
	result("setregid(-1, -1)", setregid(-1, -1));
	result("raw setresuid with 64-bit -1s", syscall(SYS_setresuid, -1L, -1L, -1L));
	result("raw setreuid with 0xffffffff", syscall(SYS_setreuid, 0xffffffffL, 0xffffffffL));
	result("setuid(-1)", syscall(SYS_setuid, -1L));
	result("setgid(-1)", syscall(SYS_setgid, -1L));
	result("setgroups([0])", setgroups(1, (gid_t[]){ 0 }));
	result("setgroups([5, 3, 1, 3])", setgroups(4, g));
	show_ids("after setgroups");
	result("getgroups(0, NULL)", getgroups(0, NULL));
	result("getgroups(1, ...) with 4 groups", getgroups(1, g));
	result("setgroups([(gid_t)-1])", setgroups(1, bad));
	result("setgroups(-1, ...)", syscall(SYS_setgroups, -1, g));
	result("setgroups(65537, ...)", syscall(SYS_setgroups, 65537, g));
	result("setgroups(0, NULL)", setgroups(0, NULL));

	struct cap_header h = { 0, 0 };
	struct cap_data d[2];
	result("capget with version 0", syscall(SYS_capget, &h, d));
	printf("  the kernel's version written back: %#x\n", h.version);
	h.version = 0;
	result("capget with version 0 and no data", syscall(SYS_capget, &h, NULL));
	h = (struct cap_header){ CAP_VERSION_3, -1 };
	result("capget of pid -1", syscall(SYS_capget, &h, d));
	h = (struct cap_header){ CAP_VERSION_3, 999999 };
	result("capget of a pid that does not exist", syscall(SYS_capget, &h, d));
}

/* Files made as root in the scratch directory (made 0755 so that others may search it). */
static void make_files(void)
{
	chmod(".", 0755);
	make_file("secret", 0600);
	make_file("plain", 0644);
	make_file("program", 0755);
	make_file("group-writable", 0664);
	if (mkdir("locked", 0) || mkdir("sticky", 01777) || chmod("sticky", 01777))
		die_setup("mkdir");
	make_file("sticky/roots", 0666);
	if (chown("group-writable", 0, 100))
		die_setup("chown");
}

static void files_as_root(void)
{
	struct stat st;

	try_open("root opens a 0600 file for writing", "secret", O_RDWR);
	result("root: access(0644 file, X_OK)", access("plain", X_OK));
	result("root: access(0755 file, X_OK)", access("program", X_OK));
	result("root: access(mode 0 directory, R_OK | W_OK | X_OK)",
	       access("locked", R_OK | W_OK | X_OK));
	try_open("root creates a file in a mode 0 directory", "locked/inside", O_CREAT | O_WRONLY);
	check("  it belongs to root", stat("locked/inside", &st) == 0 && st.st_uid == 0);
}

static void files_as_user(void)
{
	struct stat st;

	try_open("user opens a 0600 root file", "secret", O_RDONLY);
	try_open("user opens a 0644 root file for reading", "plain", O_RDONLY);
	try_open("user opens a 0644 root file for writing", "plain", O_WRONLY);
	try_open("user opens a 0664 group-100 file for writing", "group-writable", O_WRONLY);
	try_open("user truncates a 0644 root file", "plain", O_RDONLY | O_TRUNC);
	result("user: truncate() of a 0644 root file", truncate("plain", 0));
	result("user: access(0600 root file, R_OK) with real uid 1000", access("secret", R_OK));
	result("user: stat in a mode 0 directory", stat("locked/inside", &st));
	try_open("user creates a file in a 0755 root directory", "mine", O_CREAT | O_WRONLY);
	try_open("user creates a file in a sticky 1777 directory", "sticky/mine",
		 O_CREAT | O_WRONLY);
	check("  it belongs to uid 1000, gid 1000",
	      stat("sticky/mine", &st) == 0 && st.st_uid == 1000 && st.st_gid == 1000);
	result("user: mkdir in a sticky directory", mkdir("sticky/dir", 0700));
	result("user: chmod of a root file", chmod("plain", 0666));
	result("user: chmod of its own file", chmod("sticky/mine", 0640));
	result("user: chown of its own file to group 100 (a member)",
	       chown("sticky/mine", -1, 100));
	result("user: chown of its own file to group 0 (not a member)",
	       chown("sticky/mine", -1, 0));
	result("user: chown of its own file to root", chown("sticky/mine", 0, -1));
	result("user: unlink of root's file in a sticky directory", unlink("sticky/roots"));
	result("user: rename of root's file in a sticky directory",
	       rename("sticky/roots", "sticky/taken"));
	result("user: unlink of a root file in a 0755 directory", unlink("plain"));
	result("user: unlink of its own file in a sticky directory", unlink("sticky/mine"));
	result("user: rmdir of its own directory", rmdir("sticky/dir"));
	result("user: unlink of a name that does not exist", unlink("sticky/none"));
}

static void temporary_drop(void)
{
	gid_t groups[1] = { 100 };

	result("setgroups([100])", setgroups(1, groups));
	result("setresgid(1000, 1000, 0)", setresgid(1000, 1000, 0));
	result("setresuid(1000, 1000, 0)", setresuid(1000, 1000, 0));
	show_ids("dropped, saved uid 0");
	show_caps("dropped, saved uid 0");
	files_as_user();
	result("setuid(1000) as the unprivileged", setuid(1000));
	result("setuid(2000) as the unprivileged", setuid(2000));
	result("setreuid(-1, 2000) as the unprivileged", setreuid(-1, 2000));
	result("setresuid(-1, 0, -1): back to the saved root", setresuid(-1, 0, -1));
	show_ids("effective root again");
	show_caps("effective root again");
	result("setresuid(0, 0, 0)", setresuid(0, 0, 0));
	result("setresgid(0, 0, 0)", setresgid(0, 0, 0));
	result("setgroups(0, NULL)", setgroups(0, NULL));

	result("setfsuid(1000) returns the old fsuid", setfsuid(1000));
	show_caps("fsuid 1000");
	try_open("fsuid 1000 opens a 0600 root file", "secret", O_RDONLY);
	result("setfsuid(0) returns the old fsuid", setfsuid(0));
	show_caps("fsuid 0 again");
	try_open("fsuid 0 opens it", "secret", O_RDONLY);

	result("setreuid(1000, -1): real 1000, saved follows effective", setreuid(1000, -1));
	show_ids("after setreuid(1000, -1)");
	result("setreuid(0, -1)", setreuid(0, -1));
	result("setreuid(-1, 1000): effective differs from real, saved follows",
	       setreuid(-1, 1000));
	show_ids("after setreuid(-1, 1000)");
	result("setreuid(-1, 0): the saved id is 1000 now, the real one 0", setreuid(-1, 0));
	show_ids("after setreuid(-1, 0)");
	result("setresuid(0, 0, 0)", setresuid(0, 0, 0));
	show_caps("root again");
}

static void permanent_drop(void)
{
	result("prctl(PR_SET_KEEPCAPS, 1)", prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
	result("prctl(PR_GET_KEEPCAPS)", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
	result("prctl(PR_SET_KEEPCAPS, 2)", prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0));
	result("setgid(33)", setgid(33));
	result("setuid(33), keeping capabilities", setuid(33));
	show_ids("uid 33");
	show_caps("uid 33 with keep-caps");
	uint64_t eff, perm;
	capget_all(&eff, &perm);
	struct cap_header h = { CAP_VERSION_3, 0 };
	struct cap_data d[2] = { { (uint32_t)perm, (uint32_t)perm, 0 },
				 { (uint32_t)(perm >> 32), (uint32_t)(perm >> 32), 0 } };
	result("capset: effective = permitted", syscall(SYS_capset, &h, d));
	show_caps("after capset");
	result("setuid(0) with CAP_SETUID", setuid(0));
	show_ids("root by capability");
	result("prctl(PR_SET_KEEPCAPS, 0)", prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0));
	result("setuid(33) for good", setuid(33));
	show_ids("uid 33 for good");
	show_caps("uid 33 for good");
	struct stat st;
	check("/proc/self belongs to uid 33", stat("/proc/self/", &st) == 0 && st.st_uid == 33);
	DIR *fds = opendir("/proc/self/fd");
	check("/proc/self/fd (mode 0500) can be listed", fds != NULL);
	if (fds)
		closedir(fds);
	result("setuid(0)", setuid(0));
	result("seteuid(0)", seteuid(0));
	result("setgid(0)", setgid(0));
	result("setgroups([0])", setgroups(1, (gid_t[]){ 0 }));
	result("setresuid(-1, -1, -1)", setresuid(-1, -1, -1));
	result("setreuid(-1, -1)", setreuid(-1, -1));
	result("setresuid(33, 33, 33)", setresuid(33, 33, 33));
	result("setfsuid(0) returns 33 and changes nothing", setfsuid(0));
	result("setfsuid(-1)", setfsuid(-1));
	d[0] = (struct cap_data){ 1u << CAP_SETUID, 1u << CAP_SETUID, 0 };
	d[1] = (struct cap_data){ 0, 0, 0 };
	result("capset raising CAP_SETUID", syscall(SYS_capset, &h, d));
}

/*
 * Names from /etc/passwd and /etc/group (glibc asks nscd first, through an
 * AF_UNIX socket that finds nobody), run apart: the ids end as 33.
 */
static void names(void)
{
	struct passwd *pw = getpwuid(0);
	struct group *gr = getgrgid(0);

	printf("getpwuid(0): %s\n", pw ? pw->pw_name : "none");
	printf("getgrgid(0): %s\n", gr ? gr->gr_name : "none");
	pw = getpwnam("nobody");
	printf("getpwnam(nobody): uid %d\n", pw ? (int)pw->pw_uid : -1);
	result("setuid(33)", setuid(33));
	pw = getpwuid(getuid());
	printf("getpwuid(getuid()): %s, home %s\n", pw ? pw->pw_name : "none",
	       pw ? pw->pw_dir : "none");
	gr = getgrnam(pw ? pw->pw_name : "none");
	printf("its group: %d\n", gr ? (int)gr->gr_gid : -1);
}

int main(int argc, char **argv)
{
	setup();
	if (argc > 1 && !strcmp(argv[1], "names")) {
		names();
		return 0;
	}
	ids_as_root();
	scratch_enter();
	make_files();
	files_as_root();
	temporary_drop();
	unlink("locked/inside");
	unlink("sticky/roots");
	unlink("secret");
	unlink("plain");
	unlink("program");
	unlink("group-writable");
	rmdir("locked");
	rmdir("sticky");
	scratch_leave();
	permanent_drop();
	return 0;
}
