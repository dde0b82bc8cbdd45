/*
 * File permission checks: the VFS asks here before it looks up a name
 * (search permission on the directory), opens a file, creates or removes a
 * name, or changes a file's mode or owner, with the caller's credentials
 * (kernel/cred.c) as Linux's generic_permission, may_delete (the sticky
 * bit of /tmp) and chown_ok decide. Kernel threads act as root.
 */
#include <alto/compiler.h>
#include <alto/cred.h>
#include <alto/vfs.h>
#include <uapi/errno.h>
#include <uapi/stat.h>
#include "internal.h"

int vfs_permission_cred(const struct cred *c, struct vnode *v, int mask)
{
	return cred_permission(c, READ_ONCE(v->mode), READ_ONCE(v->uid), READ_ONCE(v->gid), mask);
}

int vfs_permission(struct vnode *v, int mask)
{
	/* Root's usual case, without the reference: only executing a file still needs its x bit. */
	if (cred_current_overrides_dac() && (!(mask & MAY_EXEC) || S_ISDIR(READ_ONCE(v->mode))))
		return 0;
	struct cred *c = cred_current();
	int r = vfs_permission_cred(c, v, mask);

	cred_put(c);
	return r;
}

int vfs_may_create(struct vnode *dir)
{
	return vfs_permission(dir, MAY_WRITE | MAY_EXEC);
}

int vfs_may_delete(struct vnode *dir, struct vnode *victim)
{
	struct cred *c = cred_current();
	int r = vfs_permission_cred(c, dir, MAY_WRITE | MAY_EXEC);

	/* In a sticky directory only the file's owner, the directory's, or CAP_FOWNER. */
	if (!r && (READ_ONCE(dir->mode) & S_ISVTX) && c->fsuid != READ_ONCE(victim->uid) &&
	    c->fsuid != READ_ONCE(dir->uid) && !cred_capable(c, CAP_FOWNER))
		r = -EPERM;
	cred_put(c);
	return r;
}

void vfs_own_new(struct vnode *dir, struct vnode *v)
{
	struct cred *c = cred_current();
	uint32_t dmode = READ_ONCE(dir->mode);

	/* A set-group-ID directory gives its group (and, to directories, its bit). */
	v->uid = c->fsuid;
	v->gid = (dmode & S_ISGID) ? READ_ONCE(dir->gid) : c->fsgid;
	if ((dmode & S_ISGID) && S_ISDIR(v->mode))
		v->mode |= S_ISGID;
	cred_put(c);
}

int vfs_may_chmod(struct vnode *v)
{
	struct cred *c = cred_current();
	int r = c->fsuid == READ_ONCE(v->uid) || cred_capable(c, CAP_FOWNER) ? 0 : -EPERM;

	cred_put(c);
	return r;
}

int vfs_may_chown(struct vnode *v, uint32_t uid, uint32_t gid)
{
	struct cred *c = cred_current();
	uint32_t owner = READ_ONCE(v->uid);
	bool ok = cred_capable(c, CAP_CHOWN);

	/* The owner may keep the owner and give the file to one of its groups. */
	if (!ok && c->fsuid == owner && (uid == (uint32_t)-1 || uid == owner))
		ok = gid == (uint32_t)-1 || gid == READ_ONCE(v->gid) || cred_in_group(c, gid);
	cred_put(c);
	return ok ? 0 : -EPERM;
}
