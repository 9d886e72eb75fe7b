/* Mounts: making a file system by type, mounting it on a directory,
 * unmounting it, and mount(2)/umount2(2). A mount's flags live in its
 * super block, where exec (MS_NOEXEC) and open (MS_NODEV) look. */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/heap.h>
#include <kernel/panic.h>
#include <kernel/proc.h>
#include <kernel/pseudofs.h>
#include <kernel/syscall.h>
#include <kernel/usermem.h>
#include <kernel/vfs.h>
#include "fs_internal.h"

/* What a mount may ask for: everything else is EINVAL, not ignored.
 * MS_NOSUID holds trivially (exec never honours set-user-ID bits); reads
 * always update access times, which is MS_STRICTATIME. */
#define MS_HONOURED (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SILENT | MS_STRICTATIME)

struct super_block *fs_make(const char *type)
{
	if (!strcmp(type, "tmpfs") || !strcmp(type, "ramfs"))
		return ramfs_make();
	if (!strcmp(type, "proc"))
		return procfs_make();
	if (!strcmp(type, "sysfs"))
		return sysfs_make();
	if (!strcmp(type, "tracefs"))
		return tracefs_make();
	return NULL;
}

static u64 next_dev = 0x100000;

int vfs_mount(const char *type, struct inode *on, unsigned long flags)
{
	if (!S_ISDIR(on->mode))
		return -ENOTDIR;
	if (on->mounted)
		return -EBUSY;
	struct super_block *sb = fs_make(type);
	if (!sb)
		return -ENODEV;
	struct mount *m = kzalloc(sizeof(*m));
	if (!m) {
		inode_put(sb->root);
		kfree(sb);
		return -ENOMEM;
	}
	sb->dev = next_dev++;
	sb->flags = flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC);
	m->sb = sb;
	m->root = sb->root;
	m->mountpoint = on;
	inode_get(on);
	long n = vfs_dir_path(on, m->path, sizeof(m->path));
	if (n < 0)
		strlcpy(m->path, "?", sizeof(m->path));
	on->mounted = m;
	m->next = mounts;
	mounts = m;
	return 0;
}

struct first_entry {
	char name[NAME_MAX + 1];
	bool got;
};

static bool take_first(void *ctx, const char *name, size_t len, u64 ino, unsigned type, u64 next)
{
	struct first_entry *fe = ctx;
	memcpy(fe->name, name, len);
	fe->name[len] = 0;
	fe->got = true;
	return false;           /* one is enough */
}

/* Remove every name below dir (a writable file system going away). */
static void tear_down(struct inode *dir)
{
	for (;;) {
		struct first_entry first = { .got = false };
		u64 pos = 2;            /* past "." and ".." */
		dir->iops->readdir(dir, &pos, take_first, &first);
		if (!first.got)
			return;
		struct inode *child;
		if (dir->iops->lookup(dir, first.name, &child))
			return;
		bool isdir = S_ISDIR(child->mode);
		if (isdir)
			tear_down(child);
		inode_put(child);
		if (dir->iops->unlink(dir, first.name, isdir))
			return;
	}
}

int vfs_umount(struct inode *root)
{
	struct mount **pp = &mounts, *m = NULL;
	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->root == root) {
			m = *pp;
			break;
		}
	if (!m)
		return -EINVAL;
	for (struct mount *x = mounts; x; x = x->next)
		if (x != m && x->mountpoint->sb == m->sb)
			return -EBUSY;          /* something is mounted inside */
	if (READ_ONCE(m->sb->nr_open) || fs_infos_use(m->sb))
		return -EBUSY;
	*pp = m->next;
	m->mountpoint->mounted = NULL;
	inode_put(m->mountpoint);
	if (m->sb->root->iops->unlink)
		tear_down(m->sb->root);
	inode_put(m->sb->root);
	kfree(m->sb);
	kfree(m);
	return 0;
}

void vfs_for_each_mount(int (*fn)(const struct mount *m, void *arg), void *arg)
{
	mutex_lock(&vfs_lock);
	/* The list is newest first: count, then walk it from the oldest. */
	int n = 0;
	for (struct mount *m = mounts; m; m = m->next)
		n++;
	for (int k = n - 1; k >= 0; k--) {
		struct mount *m = mounts;
		for (int j = 0; j < k; j++)
			m = m->next;
		if (fn(m, arg))
			break;
	}
	mutex_unlock(&vfs_lock);
}

void vfs_init(void)
{
	struct super_block *sb = ramfs_make();
	if (!sb)
		panic("vfs: no memory for the root file system");
	sb->dev = 1;
	root_inode = sb->root;
}

/* --- system calls --------------------------------------------------------------- */

SYSCALL_DEFINE(mount)
{
	u64 utarget = a1, utype = a2, flags = a3;
	if (current_proc()->cred.euid != 0)
		return -EPERM;
	/* A remount that changes nothing is fine; read-only, bind and move
	 * mounts are not something Ringtail does: EINVAL, not ignored. */
	if (flags & MS_REMOUNT)
		return (flags & MS_RDONLY) ? -EINVAL : 0;
	if (flags & ~(u64)MS_HONOURED & 0xffffffffull)
		return -EINVAL;
	char type[32];
	long n = utype ? strncpy_from_user(type, utype, sizeof(type)) : -EFAULT;
	if (n < 0)
		return n;
	if (n >= (long)sizeof(type))
		return -ENODEV;
	char *path;
	long rc = path_from_user(utarget, &path);
	if (rc)
		return rc;
	struct inode *on;
	mutex_lock(&vfs_lock);
	rc = vfs_walk(AT_FDCWD, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &on);
	if (!rc) {
		rc = vfs_mount(type, on, flags);
		inode_put(on);
	}
	mutex_unlock(&vfs_lock);
	kfree(path);
	return rc;
}

#define MNT_FORCE       1
#define MNT_DETACH      2
#define MNT_EXPIRE      4
#define UMOUNT_NOFOLLOW 8

SYSCALL_DEFINE(umount2)
{
	if (a1 & ~(u64)(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW))
		return -EINVAL;
	if (current_proc()->cred.euid != 0)
		return -EPERM;
	/* Forced, lazy and expiring unmounts need users of the file system
	 * to be cut off, which Ringtail cannot do: refused, not faked. */
	if (a1 & (MNT_FORCE | MNT_DETACH | MNT_EXPIRE))
		return -EINVAL;
	char *path;
	long rc = path_from_user(a0, &path);
	if (rc)
		return rc;
	struct inode *root;
	mutex_lock(&vfs_lock);
	rc = vfs_walk(AT_FDCWD, path, (a1 & UMOUNT_NOFOLLOW) ? 0 : LOOKUP_FOLLOW, &root);
	if (!rc) {
		rc = vfs_umount(root);
		inode_put(root);
	}
	mutex_unlock(&vfs_lock);
	kfree(path);
	return rc;
}
