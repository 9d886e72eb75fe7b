/* System calls that change names: mkdir, mknod, symlink, link, unlink,
 * rmdir, rename (with renameat2's flags) and readlink.
 * Each resolves the parent directory and the last name under vfs_lock
 * and asks the directory's file system, so nothing changes between the
 * checks and the change. Errnos and their order follow Linux. */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/proc.h>
#include <kernel/syscall.h>
#include <kernel/usermem.h>
#include <kernel/vfs.h>

#define AT_REMOVEDIR 0x200
#define AT_SYMLINK_FOLLOW 0x400
#define AT_EMPTY_PATH 0x1000
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#define RENAME_WHITEOUT 4

static bool is_dot(const char *n) { return !strcmp(n, ".") || !strcmp(n, ".."); }

/* The parent of a user path, locked: vfs_lock is held on success. */
struct parent {
	char *path;
	struct inode *dir;
	char last[NAME_MAX + 1];
	bool slash;
};

static long parent_of(int dirfd, u64 upath, struct parent *p)
{
	long rc = path_from_user(upath, &p->path);
	if (rc)
		return rc;
	mutex_lock(&vfs_lock);
	rc = vfs_walk_parent(dirfd, p->path, &p->dir, p->last, &p->slash);
	if (rc) {
		mutex_unlock(&vfs_lock);
		kfree(p->path);
	}
	return rc;
}

static void parent_done(struct parent *p)
{
	inode_put(p->dir);
	mutex_unlock(&vfs_lock);
	kfree(p->path);
}

static u32 cur_umask(void)
{
	struct thread *t = current_thread();
	return t && t->fs ? t->fs->umask : 022;
}

/* The sticky bit: in such a directory only the owner of the entry (or of
 * the directory, or root) may remove or rename it. */
static int sticky_ok(struct inode *dir, struct inode *i)
{
	const struct cred *c = &current_proc()->cred;
	if (!(dir->mode & S_ISVTX) || c->fsuid == 0 || c->fsuid == i->uid || c->fsuid == dir->uid)
		return 0;
	return -EPERM;
}

static long create_at(int dirfd, u64 upath, u32 mode, u64 rdev, const char *link)
{
	struct parent p;
	long rc = parent_of(dirfd, upath, &p);
	if (rc)
		return rc;
	struct inode *found = NULL;
	if (is_dot(p.last)) {
		rc = -EEXIST;
	} else if (p.dir->iops->lookup && !p.dir->iops->lookup(p.dir, p.last, &found)) {
		inode_put(found);
		rc = -EEXIST;
	} else if (p.slash && !S_ISDIR(mode)) {
		rc = -ENOENT;           /* "name/" can only be a directory */
	} else if (!p.dir->iops->create) {
		rc = -EROFS;
	} else if (!(rc = vfs_permission(p.dir, MAY_WRITE | MAY_EXEC))) {
		struct inode *i;
		rc = p.dir->iops->create(p.dir, p.last, mode, rdev, link, &i);
		if (!rc)
			inode_put(i);
	}
	parent_done(&p);
	return rc;
}

SYSCALL_DEFINE(mkdir) { return create_at(AT_FDCWD, a0, S_IFDIR | ((u32)a1 & 07777 & ~cur_umask()), 0, NULL); }
SYSCALL_DEFINE(mkdirat) { return create_at((int)a0, a1, S_IFDIR | ((u32)a2 & 07777 & ~cur_umask()), 0, NULL); }

static long mknod_at(int dirfd, u64 upath, u32 mode, u64 dev)
{
	u32 type = mode & S_IFMT;
	if (type == 0)
		type = S_IFREG;
	if (type != S_IFREG && type != S_IFCHR && type != S_IFBLK && type != S_IFIFO &&
	    type != S_IFSOCK)
		return -EINVAL;
	if ((type == S_IFCHR || type == S_IFBLK) && current_proc()->cred.euid != 0)
		return -EPERM;
	/* The kernel's dev_t from the user's (new_decode_dev). */
	u64 major = (dev & 0xfff00) >> 8, minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
	return create_at(dirfd, upath, type | (mode & 07777 & ~cur_umask()), MKDEV(major, minor),
			 NULL);
}

SYSCALL_DEFINE(mknod) { return mknod_at(AT_FDCWD, a0, (u32)a1, a2); }
SYSCALL_DEFINE(mknodat) { return mknod_at((int)a0, a1, (u32)a2, a3); }

static long symlink_at(u64 utarget, int dirfd, u64 upath)
{
	char *target;
	long rc = path_from_user(utarget, &target);
	if (rc)
		return rc;
	rc = target[0] ? create_at(dirfd, upath, S_IFLNK | 0777, 0, target) : -ENOENT;
	kfree(target);
	return rc;
}

SYSCALL_DEFINE(symlink) { return symlink_at(a0, AT_FDCWD, a1); }
SYSCALL_DEFINE(symlinkat) { return symlink_at(a0, (int)a1, a2); }

static long remove_at(int dirfd, u64 upath, bool rmdir)
{
	struct parent p;
	long rc = parent_of(dirfd, upath, &p);
	if (rc)
		return rc;
	struct inode *i = NULL;
	if (!strcmp(p.last, "."))
		rc = rmdir ? -EINVAL : -EISDIR;
	else if (!strcmp(p.last, ".."))
		rc = rmdir ? -ENOTEMPTY : -EISDIR;
	else if (!p.dir->iops->lookup)
		rc = -ENOTDIR;
	else
		rc = p.dir->iops->lookup(p.dir, p.last, &i);
	if (!rc && !rmdir && p.slash)
		rc = S_ISDIR(i->mode) ? -EISDIR : -ENOTDIR;
	if (!rc)
		rc = vfs_permission(p.dir, MAY_WRITE | MAY_EXEC);
	if (!rc)
		rc = sticky_ok(p.dir, i);
	if (!rc && rmdir && !S_ISDIR(i->mode))
		rc = -ENOTDIR;
	if (!rc && i->mounted)
		rc = -EBUSY;
	if (!rc && !p.dir->iops->unlink)
		rc = -EROFS;
	if (!rc)
		rc = p.dir->iops->unlink(p.dir, p.last, rmdir);
	if (i)
		inode_put(i);
	parent_done(&p);
	return rc;
}

SYSCALL_DEFINE(unlink) { return remove_at(AT_FDCWD, a0, false); }
SYSCALL_DEFINE(rmdir) { return remove_at(AT_FDCWD, a0, true); }

SYSCALL_DEFINE(unlinkat)
{
	if (a2 & ~(u64)AT_REMOVEDIR)
		return -EINVAL;
	return remove_at((int)a0, a1, a2 & AT_REMOVEDIR);
}

static long link_at(int olddirfd, u64 uold, int newdirfd, u64 unew, int flags)
{
	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	char *old;
	long rc = path_from_user(uold, &old);
	if (rc)
		return rc;
	struct parent p;
	rc = parent_of(newdirfd, unew, &p);
	if (rc) {
		kfree(old);
		return rc;
	}
	struct inode *src = NULL;
	rc = vfs_walk(olddirfd, old, ((flags & AT_SYMLINK_FOLLOW) ? LOOKUP_FOLLOW : 0) |
				     ((flags & AT_EMPTY_PATH) ? LOOKUP_EMPTY : 0), &src);
	struct inode *found = NULL;
	if (!rc && S_ISDIR(src->mode))
		rc = -EPERM;
	else if (!rc && is_dot(p.last))
		rc = -EEXIST;
	else if (!rc && !p.dir->iops->lookup(p.dir, p.last, &found)) {
		inode_put(found);
		rc = -EEXIST;
	} else if (!rc && p.slash)
		rc = -ENOENT;
	if (!rc && src->sb != p.dir->sb)
		rc = -EXDEV;
	if (!rc)
		rc = vfs_permission(p.dir, MAY_WRITE | MAY_EXEC);
	if (!rc)
		rc = p.dir->iops->link ? p.dir->iops->link(p.dir, p.last, src) : -EPERM;
	if (src)
		inode_put(src);
	parent_done(&p);
	kfree(old);
	return rc;
}

SYSCALL_DEFINE(link) { return link_at(AT_FDCWD, a0, AT_FDCWD, a1, 0); }
SYSCALL_DEFINE(linkat) { return link_at((int)a0, a1, (int)a2, a3, (int)a4); }

static long rename_at(int odirfd, u64 uold, int ndirfd, u64 unew, unsigned flags)
{
	if (flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	if ((flags & RENAME_EXCHANGE) && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)))
		return -EINVAL;
	if (flags & RENAME_WHITEOUT)
		return -EINVAL;         /* no overlay file systems here */
	char *oldp, *newp;
	long rc = path_from_user(uold, &oldp);
	if (rc)
		return rc;
	rc = path_from_user(unew, &newp);
	if (rc) {
		kfree(oldp);
		return rc;
	}
	struct inode *odir = NULL, *ndir = NULL, *src = NULL;
	char olast[NAME_MAX + 1], nlast[NAME_MAX + 1];
	bool oslash, nslash;
	mutex_lock(&vfs_lock);
	rc = vfs_walk_parent(odirfd, oldp, &odir, olast, &oslash);
	if (!rc)
		rc = vfs_walk_parent(ndirfd, newp, &ndir, nlast, &nslash);
	if (!rc && (is_dot(olast) || is_dot(nlast)))
		rc = -EBUSY;
	if (!rc)
		rc = odir->iops->lookup ? odir->iops->lookup(odir, olast, &src) : -ENOTDIR;
	if (!rc && (oslash || nslash) && !S_ISDIR(src->mode))
		rc = -ENOTDIR;
	if (!rc && odir->sb != ndir->sb)
		rc = -EXDEV;
	if (!rc)
		rc = vfs_permission(odir, MAY_WRITE | MAY_EXEC);
	if (!rc)
		rc = vfs_permission(ndir, MAY_WRITE | MAY_EXEC);
	if (!rc)
		rc = sticky_ok(odir, src);
	if (!rc && src->mounted)
		rc = -EBUSY;
	if (!rc)
		rc = odir->iops->rename ? odir->iops->rename(odir, olast, ndir, nlast, flags)
					: -EROFS;
	if (src)
		inode_put(src);
	if (odir)
		inode_put(odir);
	if (ndir)
		inode_put(ndir);
	mutex_unlock(&vfs_lock);
	kfree(oldp);
	kfree(newp);
	return rc;
}

SYSCALL_DEFINE(rename) { return rename_at(AT_FDCWD, a0, AT_FDCWD, a1, 0); }
SYSCALL_DEFINE(renameat) { return rename_at((int)a0, a1, (int)a2, a3, 0); }
SYSCALL_DEFINE(renameat2) { return rename_at((int)a0, a1, (int)a2, a3, (unsigned)a4); }

static long readlink_at(int dirfd, u64 upath, u64 ubuf, s64 size)
{
	if (size <= 0)
		return -EINVAL;
	char *path;
	long rc = path_from_user(upath, &path);
	if (rc)
		return rc;
	struct inode *i;
	mutex_lock(&vfs_lock);
	rc = vfs_walk(dirfd, path, LOOKUP_EMPTY, &i);
	mutex_unlock(&vfs_lock);
	kfree(path);
	if (rc)
		return rc;
	char *buf = kmalloc(PATH_MAX);
	if (!buf)
		rc = -ENOMEM;
	else if (!S_ISLNK(i->mode) || !i->iops->readlink)
		rc = -EINVAL;
	else
		rc = i->iops->readlink(i, buf, PATH_MAX);
	if (rc >= 0) {
		size_t n = MIN((size_t)rc, (size_t)size);
		rc = copy_to_user(ubuf, buf, n) ? -EFAULT : (long)n;
	}
	kfree(buf);
	inode_put(i);
	return rc;
}

SYSCALL_DEFINE(readlink) { return readlink_at(AT_FDCWD, a0, a1, (s64)a2); }
SYSCALL_DEFINE(readlinkat) { return readlink_at((int)a0, a1, a2, (s64)a3); }
