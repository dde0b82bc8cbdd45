/*
 * Credentials (include/alto/cred.h). A change copies the current cred,
 * applies one of Linux's rules to the copy (the same rule serves user and
 * group ids: each kind is four ids in a row, and only user ids move
 * capabilities), and publishes it if no other change came first, else
 * starts again from the newer one. Readers take a reference under the
 * process lock and never see a half-made change.
 */
#include <alto/cred.h>
#include <alto/mm.h>
#include <alto/process.h>
#include <alto/sched.h>
#include <alto/string.h>
#include <uapi/errno.h>
#include <uapi/stat.h>

#define INVALID_ID 0xffffffffu

/* The file-system capabilities that follow the file-system uid (Linux's CAP_FS_SET). */
#define CAP_FS_MASK                                                                         \
	((1ull << CAP_CHOWN) | (1ull << CAP_DAC_OVERRIDE) | (1ull << CAP_DAC_READ_SEARCH) | \
	 (1ull << CAP_FOWNER) | (1ull << CAP_FSETID) | (1ull << CAP_LINUX_IMMUTABLE) |      \
	 (1ull << CAP_MKNOD) | (1ull << CAP_MAC_OVERRIDE))

/* What kernel threads act as. Its reference count never reaches 0. */
static struct cred kernel_cred = {
	.refs = 1,
	.cap_effective = CAP_FULL_SET,
	.cap_permitted = CAP_FULL_SET,
};

static struct cred *alloc_cred(unsigned int ngroups)
{
	struct cred *c = kzalloc(sizeof(*c) + ngroups * sizeof(c->groups[0]));

	if (c)
		c->refs = 1;
	return c;
}

struct cred *cred_root(void)
{
	struct cred *c = alloc_cred(0);

	if (c)
		c->cap_effective = c->cap_permitted = CAP_FULL_SET;
	return c;
}

struct cred *cred_get(struct cred *c)
{
	__atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
	return c;
}

void cred_put(struct cred *c)
{
	if (c && __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) == 0)
		kfree(c);
}

struct cred *cred_current(void)
{
	return cred_of_process(current_process());
}

struct cred *cred_of_process(struct process *p)
{
	if (!p || !p->cred)
		return cred_get(&kernel_cred);
	unsigned long flags = spin_lock(&p->lock);
	struct cred *c = cred_get(p->cred);
	spin_unlock(&p->lock, flags);
	return c;
}

/* A copy of c with room for ngroups groups (c's own are copied when they fit). */
static struct cred *copy_cred(const struct cred *c, unsigned int ngroups)
{
	struct cred *n = alloc_cred(ngroups);

	if (!n)
		return NULL;
	memcpy(n, c, sizeof(*c));
	n->refs = 1;
	n->ngroups = ngroups;
	if (ngroups == c->ngroups)
		memcpy(n->groups, c->groups, ngroups * sizeof(c->groups[0]));
	return n;
}

/*
 * Make new the process's credentials if they are still old. Returns false
 * when another change came first (new is then dropped).
 */
static bool commit(struct cred *old, struct cred *new)
{
	struct process *p = current_process();
	unsigned long flags = spin_lock(&p->lock);
	bool ok = p->cred == old;

	if (ok) {
		p->cred = new;
		WRITE_ONCE(p->dac_override, cred_overrides_dac(new));
	}
	spin_unlock(&p->lock, flags);
	if (ok)
		cred_put(old); /* the process's reference */
	else
		cred_put(new);
	return ok;
}

bool cred_capable(const struct cred *c, int cap)
{
	return c->cap_effective & (1ull << cap);
}

bool cred_overrides_dac(const struct cred *c)
{
	return cred_capable(c, CAP_DAC_OVERRIDE) && cred_capable(c, CAP_DAC_READ_SEARCH);
}

bool cred_current_overrides_dac(void)
{
	struct process *p = current_process();

	return !p || !p->cred || READ_ONCE(p->dac_override);
}

bool cred_in_group(const struct cred *c, uint32_t gid)
{
	unsigned int lo = 0, hi = c->ngroups;

	if (c->fsgid == gid)
		return true;
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		if (c->groups[mid] == gid)
			return true;
		if (c->groups[mid] < gid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* ---- the rules of kernel/sys.c; old and new are four ids, ID_REAL... */

struct id_change {
	uint32_t a, b, c; /* the call's arguments */
	bool capable;	  /* CAP_SETUID or CAP_SETGID in the old effective set */
	int fixup;	  /* which capability fix-up a user id change gets */
};

enum {
	FIXUP_XUID,
	FIXUP_FS,
	FIXUP_NONE
};

static bool one_of(const uint32_t *old, uint32_t id)
{
	return id == old[ID_REAL] || id == old[ID_EFFECTIVE] || id == old[ID_SAVED];
}

/* setuid(a): root sets all four; others only the effective (and fs) id, to the real or saved one.
 */
static int rule_set(const uint32_t *old, uint32_t *new, struct id_change *x)
{
	if (x->a == INVALID_ID)
		return -EINVAL;
	if (x->capable)
		new[ID_REAL] = new[ID_SAVED] = x->a;
	else if (x->a != old[ID_REAL] && x->a != old[ID_SAVED])
		return -EPERM;
	new[ID_EFFECTIVE] = new[ID_FS] = x->a;
	return 0;
}

/* setreuid(a, b): the saved id follows the effective one when the real one is set or differs. */
static int rule_setre(const uint32_t *old, uint32_t *new, struct id_change *x)
{
	if (x->a != INVALID_ID) {
		new[ID_REAL] = x->a;
		if (x->a != old[ID_REAL] && x->a != old[ID_EFFECTIVE] && !x->capable)
			return -EPERM;
	}
	if (x->b != INVALID_ID) {
		new[ID_EFFECTIVE] = x->b;
		if (!one_of(old, x->b) && !x->capable)
			return -EPERM;
	}
	if (x->a != INVALID_ID || (x->b != INVALID_ID && x->b != old[ID_REAL]))
		new[ID_SAVED] = new[ID_EFFECTIVE];
	new[ID_FS] = new[ID_EFFECTIVE];
	return 0;
}

/* setresuid(a, b, c): each new value must be one of the three old ones, unless capable. */
static int rule_setres(const uint32_t *old, uint32_t *new, struct id_change *x)
{
	uint32_t want[3] = { x->a, x->b, x->c };

	if ((x->a == INVALID_ID || x->a == old[ID_REAL]) &&
	    (x->b == INVALID_ID || (x->b == old[ID_EFFECTIVE] && x->b == old[ID_FS])) &&
	    (x->c == INVALID_ID || x->c == old[ID_SAVED])) {
		x->fixup = FIXUP_NONE; /* Linux returns at once: nothing changes */
		return 0;
	}
	for (int i = 0; i < 3; i++) {
		if (want[i] != INVALID_ID && !one_of(old, want[i]) && !x->capable)
			return -EPERM;
	}
	for (int i = 0; i < 3; i++) {
		if (want[i] != INVALID_ID)
			new[i] = want[i];
	}
	new[ID_FS] = new[ID_EFFECTIVE];
	return 0;
}

/* setfsuid(a): to any of the four ids, or anything when capable; never an error. */
static int rule_setfs(const uint32_t *old, uint32_t *new, struct id_change *x)
{
	if (x->a != INVALID_ID && (one_of(old, x->a) || x->a == old[ID_FS] || x->capable))
		new[ID_FS] = x->a;
	return 0;
}

/* Linux's cap_emulate_setxuid and the setfsuid case of cap_task_fix_setuid. */
static void fix_caps(const struct cred *old, struct cred *new, int fixup)
{
	if (fixup == FIXUP_FS) {
		if (old->fsuid == 0 && new->fsuid != 0)
			new->cap_effective &= ~CAP_FS_MASK;
		if (old->fsuid != 0 && new->fsuid == 0)
			new->cap_effective |= new->cap_permitted &CAP_FS_MASK;
		return;
	}
	if (fixup != FIXUP_XUID)
		return;
	bool was_root = !old->uid || !old->euid || !old->suid;
	bool is_root = !new->uid || !new->euid || !new->suid;
	if (was_root && !is_root && !new->keep_caps)
		new->cap_permitted = new->cap_effective = 0;
	if (!old->euid && new->euid)
		new->cap_effective = 0;
	if (old->euid && !new->euid)
		new->cap_effective = new->cap_permitted;
}

/* edit's answer when nothing changes (setresuid's early return): 0 without a commit. */
#define NO_CHANGE 1

/*
 * Apply edit to a copy of the current credentials (with room for ngroups
 * groups, or the same groups when ngroups is -1) and publish it, starting
 * again when another change came first. Returns edit's error, or 0.
 */
static int change(int (*edit)(const struct cred *old, struct cred *new, void *arg), void *arg,
		  int ngroups)
{
	for (;;) {
		struct cred *old = cred_current();
		struct cred *new =
			copy_cred(old, ngroups < 0 ? old->ngroups : (unsigned int)ngroups);
		int r = new ? edit(old, new, arg) : -ENOMEM;
		if (r) {
			cred_put(new);
			cred_put(old);
			return r == NO_CHANGE ? 0 : r;
		}
		bool done = commit(old, new);
		cred_put(old);
		if (done)
			return 0;
	}
}

typedef int (*id_rule)(const uint32_t *old, uint32_t *new, struct id_change *x);

struct id_edit {
	bool user; /* user ids, else group ids */
	id_rule rule;
	struct id_change x;
	uint32_t old_fs; /* the file-system id before the change */
};

static int edit_ids(const struct cred *old, struct cred *new, void *arg)
{
	struct id_edit *e = arg;
	struct id_change x = e->x;

	x.capable = cred_capable(old, e->user ? CAP_SETUID : CAP_SETGID);
	e->old_fs = e->user ? old->fsuid : old->fsgid;
	int r = e->rule(e->user ? old->uids : old->gids, e->user ? new->uids : new->gids, &x);
	if (r)
		return r;
	if (x.fixup == FIXUP_NONE)
		return NO_CHANGE;
	if (e->user)
		fix_caps(old, new, x.fixup);
	return 0;
}

/* Apply rule to the current user (user) or group ids and publish the result. */
static int change_ids(bool user, id_rule rule, struct id_change x, uint32_t *old_fs)
{
	struct id_edit e = { user, rule, x, 0 };
	int r = change(edit_ids, &e, -1);

	if (old_fs)
		*old_fs = e.old_fs;
	return r;
}

int cred_setuid(uint32_t uid)
{
	return change_ids(true, rule_set, (struct id_change){ .a = uid }, NULL);
}

int cred_setgid(uint32_t gid)
{
	return change_ids(false, rule_set, (struct id_change){ .a = gid }, NULL);
}

int cred_setreuid(uint32_t r, uint32_t e)
{
	return change_ids(true, rule_setre, (struct id_change){ .a = r, .b = e }, NULL);
}

int cred_setregid(uint32_t r, uint32_t e)
{
	return change_ids(false, rule_setre, (struct id_change){ .a = r, .b = e }, NULL);
}

int cred_setresuid(uint32_t r, uint32_t e, uint32_t s)
{
	return change_ids(true, rule_setres, (struct id_change){ .a = r, .b = e, .c = s }, NULL);
}

int cred_setresgid(uint32_t r, uint32_t e, uint32_t s)
{
	return change_ids(false, rule_setres, (struct id_change){ .a = r, .b = e, .c = s }, NULL);
}

uint32_t cred_setfsuid(uint32_t uid)
{
	uint32_t old = 0;

	change_ids(true, rule_setfs, (struct id_change){ .a = uid, .fixup = FIXUP_FS }, &old);
	return old;
}

uint32_t cred_setfsgid(uint32_t gid)
{
	uint32_t old = 0;

	change_ids(false, rule_setfs, (struct id_change){ .a = gid }, &old);
	return old;
}

static void sort_ids(uint32_t *a, unsigned int n)
{
	/* Shell sort: up to 65,536 ids, no recursion, no extra memory. */
	for (unsigned int gap = n / 2; gap; gap /= 2) {
		for (unsigned int i = gap; i < n; i++) {
			uint32_t v = a[i];
			unsigned int j = i;
			for (; j >= gap && a[j - gap] > v; j -= gap)
				a[j] = a[j - gap];
			a[j] = v;
		}
	}
}

struct groups_edit {
	const uint32_t *groups;
	unsigned int n;
};

static int edit_groups(const struct cred *old, struct cred *new, void *arg)
{
	struct groups_edit *e = arg;

	if (!cred_capable(old, CAP_SETGID))
		return -EPERM;
	memcpy(new->groups, e->groups, e->n * sizeof(e->groups[0]));
	sort_ids(new->groups, e->n);
	return 0;
}

int cred_setgroups(const uint32_t *groups, unsigned int n)
{
	struct groups_edit e = { groups, n };

	for (unsigned int i = 0; i < n; i++) {
		if (groups[i] == INVALID_ID)
			return -EINVAL;
	}
	return change(edit_groups, &e, (int)n);
}

static bool subset(uint64_t a, uint64_t b)
{
	return !(a & ~b);
}

/* Linux's cap_capset (the bounding set is every capability here). */
static int set_caps(const struct cred *old, struct cred *new, void *arg)
{
	const uint64_t *sets = arg; /* effective, permitted, inheritable */

	if (!cred_capable(old, CAP_SETPCAP) &&
	    !subset(sets[2], old->cap_inheritable | old->cap_permitted))
		return -EPERM;
	if (!subset(sets[1], old->cap_permitted) || !subset(sets[0], sets[1]))
		return -EPERM;
	new->cap_effective = sets[0];
	new->cap_permitted = sets[1];
	new->cap_inheritable = sets[2];
	return 0;
}

int cred_setcaps(uint64_t effective, uint64_t permitted, uint64_t inheritable)
{
	uint64_t sets[3] = { effective, permitted, inheritable };

	return change(set_caps, sets, -1);
}

static int set_keepcaps(const struct cred *old, struct cred *new, void *arg)
{
	new->keep_caps = *(bool *)arg;
	return 0;
}

void cred_set_keepcaps(bool keep)
{
	change(set_keepcaps, &keep, -1);
}

/* ---- execve of a file without set-user-ID or set-group-ID bits (commoncap's bprm rules) */

struct cred *cred_for_exec(const struct cred *c)
{
	struct cred *n = copy_cred(c, c->ngroups);

	if (!n)
		return NULL;
	n->suid = n->fsuid = n->euid;
	n->sgid = n->fsgid = n->egid;
	n->keep_caps = false;
	/* Root, real or effective, gets the bounding set (every capability here); others none. */
	n->cap_permitted = !n->uid || !n->euid ? CAP_FULL_SET : 0;
	n->cap_effective = !n->euid ? n->cap_permitted : 0;
	return n;
}

bool cred_exec_secure(const struct cred *c)
{
	return c->euid != c->uid || c->egid != c->gid;
}

void cred_install(struct cred *c)
{
	struct process *p = current_process();
	unsigned long flags = spin_lock(&p->lock);
	struct cred *old = p->cred;

	p->cred = c;
	WRITE_ONCE(p->dac_override, cred_overrides_dac(c));
	spin_unlock(&p->lock, flags);
	cred_put(old);
}

int cred_permission(const struct cred *c, uint32_t mode, uint32_t uid, uint32_t gid, int mask)
{
	uint32_t bits = mode;

	mask &= MAY_READ | MAY_WRITE | MAY_EXEC;
	if (c->fsuid == uid)
		bits >>= 6;
	else if (cred_in_group(c, gid))
		bits >>= 3;
	if (!(mask & ~bits & 7))
		return 0;
	if (S_ISDIR(mode)) {
		if (!(mask & MAY_WRITE) && cred_capable(c, CAP_DAC_READ_SEARCH))
			return 0;
		return cred_capable(c, CAP_DAC_OVERRIDE) ? 0 : -EACCES;
	}
	if (mask == MAY_READ && cred_capable(c, CAP_DAC_READ_SEARCH))
		return 0;
	if ((!(mask & MAY_EXEC) || (mode & 0111)) && cred_capable(c, CAP_DAC_OVERRIDE))
		return 0;
	return -EACCES;
}

struct cred *cred_for_access(const struct cred *c)
{
	struct cred *n = copy_cred(c, c->ngroups);

	if (!n)
		return NULL;
	n->fsuid = c->uid;
	n->fsgid = c->gid;
	n->cap_effective = c->uid ? 0 : c->cap_permitted;
	return n;
}
