/* Credentials: the uid/gid system calls with Linux's rules. Ringtail keeps
 * one set per process (Linux keeps one per thread; C libraries make every
 * thread change them together, which comes to the same). root (euid 0)
 * holds every capability; everyone else may only move between the ids
 * they already have. Changed under the process lock. */
#include <lib/errno.h>
#include <kernel/proc.h>
#include <kernel/syscall.h>
#include <kernel/usermem.h>

#define NO_ID ((u32)-1)

static struct cred snapshot(void)
{
	struct process *p = current_proc();
	irqflags_t f = spin_lock_irqsave(&p->lock);
	struct cred c = p->cred;
	spin_unlock_irqrestore(&p->lock, f);
	return c;
}

SYSCALL_DEFINE(getuid) { return snapshot().uid; }
SYSCALL_DEFINE(geteuid) { return snapshot().euid; }
SYSCALL_DEFINE(getgid) { return snapshot().gid; }
SYSCALL_DEFINE(getegid) { return snapshot().egid; }

static bool is_one_of(u32 id, u32 a, u32 b, u32 c) { return id == a || id == b || id == c; }

/* The four ids of uids (or gids) as one: which == 0 for uids. */
struct idset { u32 *r, *e, *s, *fs; };

static struct idset ids(struct cred *c, bool gid)
{
	if (gid)
		return (struct idset){ &c->gid, &c->egid, &c->sgid, &c->fsgid };
	return (struct idset){ &c->uid, &c->euid, &c->suid, &c->fsuid };
}

/* setresuid/setresgid: each id NO_ID (unchanged) or one the caller has. */
static long set_res(u32 r, u32 e, u32 s, bool gid)
{
	struct process *p = current_proc();
	irqflags_t f = spin_lock_irqsave(&p->lock);
	struct idset x = ids(&p->cred, gid);
	long rc = 0;
	if (p->cred.euid != 0 &&
	    ((r != NO_ID && !is_one_of(r, *x.r, *x.e, *x.s)) ||
	     (e != NO_ID && !is_one_of(e, *x.r, *x.e, *x.s)) ||
	     (s != NO_ID && !is_one_of(s, *x.r, *x.e, *x.s)))) {
		rc = -EPERM;
	} else {
		if (r != NO_ID)
			*x.r = r;
		if (e != NO_ID)
			*x.e = e;
		if (s != NO_ID)
			*x.s = s;
		*x.fs = *x.e;
	}
	spin_unlock_irqrestore(&p->lock, f);
	return rc;
}

SYSCALL_DEFINE(setresuid) { return set_res((u32)a0, (u32)a1, (u32)a2, false); }
SYSCALL_DEFINE(setresgid) { return set_res((u32)a0, (u32)a1, (u32)a2, true); }

/* setuid/setgid: root sets all ids; others only the effective one, to
 * their real or saved id. */
static long set_one(u32 id, bool gid)
{
	if (id == NO_ID)
		return -EINVAL;
	struct process *p = current_proc();
	irqflags_t f = spin_lock_irqsave(&p->lock);
	struct idset x = ids(&p->cred, gid);
	long rc = 0;
	if (p->cred.euid == 0)
		*x.r = *x.e = *x.s = *x.fs = id;
	else if (id == *x.r || id == *x.s)
		*x.e = *x.fs = id;
	else
		rc = -EPERM;
	spin_unlock_irqrestore(&p->lock, f);
	return rc;
}

SYSCALL_DEFINE(setuid) { return set_one((u32)a0, false); }
SYSCALL_DEFINE(setgid) { return set_one((u32)a0, true); }

/* setreuid/setregid: the saved id follows the effective one when the real
 * id is set or the effective one becomes other than the old real id. */
static long set_re(u32 r, u32 e, bool gid)
{
	struct process *p = current_proc();
	irqflags_t f = spin_lock_irqsave(&p->lock);
	struct idset x = ids(&p->cred, gid);
	u32 old_r = *x.r;
	long rc = 0;
	if (p->cred.euid != 0 && ((r != NO_ID && r != *x.r && r != *x.e) ||
				  (e != NO_ID && !is_one_of(e, *x.r, *x.e, *x.s)))) {
		rc = -EPERM;
	} else {
		if (r != NO_ID)
			*x.r = r;
		if (e != NO_ID)
			*x.e = e;
		if (r != NO_ID || (e != NO_ID && e != old_r))
			*x.s = *x.e;
		*x.fs = *x.e;
	}
	spin_unlock_irqrestore(&p->lock, f);
	return rc;
}

SYSCALL_DEFINE(setreuid) { return set_re((u32)a0, (u32)a1, false); }
SYSCALL_DEFINE(setregid) { return set_re((u32)a0, (u32)a1, true); }

static long get_res(u64 ur, u64 ue, u64 us, bool gid)
{
	struct cred c = snapshot();
	struct idset x = ids(&c, gid);
	if (copy_to_user(ur, x.r, 4) || copy_to_user(ue, x.e, 4) || copy_to_user(us, x.s, 4))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE(getresuid) { return get_res(a0, a1, a2, false); }
SYSCALL_DEFINE(getresgid) { return get_res(a0, a1, a2, true); }

/* setfsuid/setfsgid: always the old value; changed only to an id the
 * caller has (or by root). */
static long set_fs(u32 id, bool gid)
{
	struct process *p = current_proc();
	irqflags_t f = spin_lock_irqsave(&p->lock);
	struct idset x = ids(&p->cred, gid);
	u32 old = *x.fs;
	if (id != NO_ID && (p->cred.euid == 0 || is_one_of(id, *x.r, *x.e, *x.s) || id == *x.fs))
		*x.fs = id;
	spin_unlock_irqrestore(&p->lock, f);
	return old;
}

SYSCALL_DEFINE(setfsuid) { return set_fs((u32)a0, false); }
SYSCALL_DEFINE(setfsgid) { return set_fs((u32)a0, true); }

SYSCALL_DEFINE(getgroups)
{
	int size = (int)a0;
	struct cred c = snapshot();
	if (size < 0)
		return -EINVAL;
	if (size == 0)
		return c.ngroups;
	if (size < c.ngroups)
		return -EINVAL;
	if (copy_to_user(a1, c.groups, (size_t)c.ngroups * 4))
		return -EFAULT;
	return c.ngroups;
}

/* Linux takes up to 65536 groups; Ringtail's credentials hold
 * NGROUPS_MAX, and more is EINVAL rather than a silent truncation. */
SYSCALL_DEFINE(setgroups)
{
	int size = (int)a0;
	u32 groups[NGROUPS_MAX];
	struct process *p = current_proc();
	if (snapshot().euid != 0)
		return -EPERM;
	if (size < 0 || size > NGROUPS_MAX)
		return -EINVAL;
	if (size && copy_from_user(groups, a1, (size_t)size * 4))
		return -EFAULT;
	irqflags_t f = spin_lock_irqsave(&p->lock);
	p->cred.ngroups = size;
	for (int k = 0; k < size; k++)
		p->cred.groups[k] = groups[k];
	spin_unlock_irqrestore(&p->lock, f);
	return 0;
}
