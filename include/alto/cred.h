/*
 * Credentials: who a process is (real, effective, saved and file-system
 * user and group ids, supplementary groups) and what it may do (Linux's
 * capability sets). A struct cred never changes once published: a change
 * makes a new one and swaps the process's pointer under its lock, so a
 * reader holds a consistent view for as long as it keeps its reference,
 * and fork can share or copy one. The setuid family follows Linux's rules
 * in kernel/sys.c and the capability fix-ups of commoncap.c; the file
 * permission check is Linux's generic_permission.
 */
#ifndef ALTO_CRED_H
#define ALTO_CRED_H

#include <stdbool.h>
#include <stdint.h>

struct process;

#define NGROUPS_MAX 65536

/* Capability numbers (linux/capability.h) the kernel consults. */
#define CAP_CHOWN	    0
#define CAP_DAC_OVERRIDE    1
#define CAP_DAC_READ_SEARCH 2
#define CAP_FOWNER	    3
#define CAP_FSETID	    4
#define CAP_KILL	    5
#define CAP_SETGID	    6
#define CAP_SETUID	    7
#define CAP_SETPCAP	    8
#define CAP_LINUX_IMMUTABLE 9
#define CAP_SYS_ADMIN	    21
#define CAP_SYS_NICE	    23
#define CAP_SYS_RESOURCE    24
#define CAP_MKNOD	    27
#define CAP_MAC_OVERRIDE    32
#define CAP_LAST_CAP	    40 /* CAP_CHECKPOINT_RESTORE */
#define CAP_FULL_SET	    ((uint64_t)(1ull << (CAP_LAST_CAP + 1)) - 1)

/* The four ids of one kind, in the order the rules index them. */
enum {
	ID_REAL,
	ID_EFFECTIVE,
	ID_SAVED,
	ID_FS
};

struct cred {
	int refs;
	union {
		struct {
			uint32_t uid, euid, suid, fsuid;
		};
		uint32_t uids[4]; /* ID_REAL... */
	};
	union {
		struct {
			uint32_t gid, egid, sgid, fsgid;
		};
		uint32_t gids[4];
	};
	uint64_t cap_effective, cap_permitted, cap_inheritable;
	bool keep_caps; /* prctl(PR_SET_KEEPCAPS) */
	unsigned int ngroups;
	uint32_t groups[]; /* sorted, as Linux keeps them (getgroups returns them so) */
};

/* Root with every capability: the first process's credentials. NULL without memory. */
struct cred *cred_root(void);
/* The current process's credentials, referenced: cred_put them. Root's for kernel threads. */
struct cred *cred_current(void);
/* The same for process p (NULL: a kernel thread's). */
struct cred *cred_of_process(struct process *p);
struct cred *cred_get(struct cred *c);
void cred_put(struct cred *c);

bool cred_capable(const struct cred *c, int cap);
/* c has CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH: it may read and write any file, search any
 * directory. */
bool cred_overrides_dac(const struct cred *c);
/* The same for the current process, without taking a reference (the VFS's fast path). */
bool cred_current_overrides_dac(void);
/* c's file-system group, or one of its supplementary groups, is gid. */
bool cred_in_group(const struct cred *c, uint32_t gid);

/*
 * The system calls' logic, on the current process: 0 or -errno. ids are
 * 32-bit: (uint32_t)-1 means "unchanged" where Linux says so.
 */
int cred_setuid(uint32_t uid);
int cred_setgid(uint32_t gid);
int cred_setreuid(uint32_t r, uint32_t e);
int cred_setregid(uint32_t r, uint32_t e);
int cred_setresuid(uint32_t r, uint32_t e, uint32_t s);
int cred_setresgid(uint32_t r, uint32_t e, uint32_t s);
/* Return the previous file-system id, whether or not it changed (as Linux). */
uint32_t cred_setfsuid(uint32_t uid);
uint32_t cred_setfsgid(uint32_t gid);
/* groups: n ids (unsorted); -EPERM without CAP_SETGID, -EINVAL for an invalid id. */
int cred_setgroups(const uint32_t *groups, unsigned int n);
/* capset's sets: -EPERM where Linux refuses them. */
int cred_setcaps(uint64_t effective, uint64_t permitted, uint64_t inheritable);
void cred_set_keepcaps(bool keep);

/*
 * execve (Alto honours no set-user-ID or set-group-ID bit, as a nosuid
 * mount): the credentials after it, as Linux's commoncap makes them. The
 * saved and file-system ids become the effective ones, keep_caps is
 * cleared, and the capabilities follow the root rules: a real or effective
 * root gets every capability permitted (effective too when the effective
 * id is root), anyone else none. NULL without memory.
 */
struct cred *cred_for_exec(const struct cred *c);
/* AT_SECURE for an exec with credentials c: the effective ids are not the real ones. */
bool cred_exec_secure(const struct cred *c);
/* Make c the current process's credentials whatever they are (execve); takes c's reference. */
void cred_install(struct cred *c);

/* Access a file needs (MAY_*), checked by cred_permission. */
#define MAY_EXEC  1
#define MAY_WRITE 2
#define MAY_READ  4

/*
 * May c access a file of this mode and owner as mask asks? 0 or -EACCES,
 * as Linux's generic_permission: the owner's, the group's or the others'
 * bits, whichever class c falls in first, then CAP_DAC_OVERRIDE and
 * CAP_DAC_READ_SEARCH (execution needs an x bit even for them).
 */
int cred_permission(const struct cred *c, uint32_t mode, uint32_t uid, uint32_t gid, int mask);
/*
 * Credentials to check access(2) with: the real ids as the file-system
 * ids, and the capabilities root's real id gives (Linux's
 * access_override_creds). Referenced.
 */
struct cred *cred_for_access(const struct cred *c);

#endif
