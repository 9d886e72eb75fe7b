/* System calls that open files or change where and how a process works
 * with paths: open, openat, creat, truncate, ftruncate, chdir, fchdir,
 * getcwd, chroot, umask, access, faccessat(2), chmod, chown families,
 * utimensat, mknod(at). Checks in Linux's order, errnos as Linux's. */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/clock.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/proc.h>
#include <kernel/syscall.h>
#include <kernel/usermem.h>
#include <kernel/vfs.h>

#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_EACCESS          0x200
#define AT_SYMLINK_FOLLOW   0x400
#define AT_EMPTY_PATH       0x1000
#define O_VALID_FLAGS (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | \
		       O_NONBLOCK | O_DSYNC | O_ASYNC | O_DIRECT | O_LARGEFILE | \
		       O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_SYNC | O_PATH | \
		       O_TMPFILE)

/* A user path and a lookup of it, for the calls below. */
static long walk_user(int dirfd, u64 upath, unsigned flags, struct inode **out)
{
	char *path;
	long rc = path_from_user(upath, &path);
	if (rc)
		return rc;
	mutex_lock(&vfs_lock);
	rc = vfs_walk(dirfd, path, flags, out);
	mutex_unlock(&vfs_lock);
	kfree(path);
	return rc;
}

static long do_sys_open(int dirfd, u64 upath, u64 flags, u32 mode)
{
	/* Linux ignores unknown flags on open (only openat2 checks). */
	flags &= O_VALID_FLAGS;
	char *path;
	long rc = path_from_user(upath, &path);
	if (rc)
		return rc;
	struct file *f;
	rc = vfs_open(dirfd, path, (u32)flags, mode, &f);
	kfree(path);
	if (rc)
		return rc;
	int fd = fd_install(f, flags & O_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

SYSCALL_DEFINE(open) { return do_sys_open(AT_FDCWD, a0, a1, (u32)a2); }
SYSCALL_DEFINE(openat) { return do_sys_open((int)a0, a1, a2, (u32)a3); }
SYSCALL_DEFINE(creat) { return do_sys_open(AT_FDCWD, a0, O_CREAT | O_WRONLY | O_TRUNC, (u32)a1); }

/* --- size ----------------------------------------------------------------- */

static long do_truncate(struct inode *i, s64 len)
{
	if (len < 0)
		return -EINVAL;
	if (S_ISDIR(i->mode))
		return -EISDIR;
	if (!S_ISREG(i->mode) || !i->iops || !i->iops->truncate)
		return -EINVAL;
	mutex_lock(&i->lock);
	long rc = i->iops->truncate(i, (u64)len);
	if (!rc)
		inode_touch(i, true);
	mutex_unlock(&i->lock);
	return rc;
}

SYSCALL_DEFINE(truncate)
{
	struct inode *i;
	long rc = walk_user(AT_FDCWD, a0, LOOKUP_FOLLOW, &i);
	if (rc)
		return rc;
	rc = S_ISDIR(i->mode) ? -EISDIR : vfs_permission(i, MAY_WRITE);
	if (!rc)
		rc = do_truncate(i, (s64)a1);
	inode_put(i);
	return rc;
}

SYSCALL_DEFINE(ftruncate)
{
	struct file *f = fd_get((int)a0);
	if (!f)
		return -EBADF;
	long rc;
	if ((s64)a1 < 0)
		rc = -EINVAL;
	else if (!f->inode || (f->flags & O_ACCMODE) == O_RDONLY)
		rc = -EINVAL;   /* Linux: EINVAL for files not open for writing */
	else
		rc = do_truncate(f->inode, (s64)a1);
	file_put(f);
	return rc;
}

/* --- where -------------------------------------------------------------------- */

static long set_cwd(struct inode *i)
{
	if (!S_ISDIR(i->mode)) {
		inode_put(i);
		return -ENOTDIR;
	}
	long rc = vfs_permission(i, MAY_EXEC);
	if (rc) {
		inode_put(i);
		return rc;
	}
	struct fs_info *fs = current_thread()->fs;
	mutex_lock(&vfs_lock);
	struct inode *old = fs->cwd;
	fs->cwd = i;
	mutex_unlock(&vfs_lock);
	inode_put(old);
	return 0;
}

SYSCALL_DEFINE(chdir)
{
	struct inode *i;
	long rc = walk_user(AT_FDCWD, a0, LOOKUP_FOLLOW, &i);
	return rc ? rc : set_cwd(i);
}

SYSCALL_DEFINE(fchdir)
{
	struct file *f = fd_get((int)a0);
	if (!f)
		return -EBADF;
	struct inode *i = f->inode;
	if (i)
		inode_get(i);
	file_put(f);
	return i ? set_cwd(i) : -ENOTDIR;
}

SYSCALL_DEFINE(chroot)
{
	struct process *p = current_proc();
	struct inode *i;
	long rc = walk_user(AT_FDCWD, a0, LOOKUP_FOLLOW, &i);
	if (rc)
		return rc;
	if (!S_ISDIR(i->mode))
		rc = -ENOTDIR;
	else if (p->cred.euid != 0)
		rc = -EPERM;
	if (rc) {
		inode_put(i);
		return rc;
	}
	struct fs_info *fs = current_thread()->fs;
	mutex_lock(&vfs_lock);
	struct inode *old = fs->root;
	fs->root = i;
	mutex_unlock(&vfs_lock);
	inode_put(old);
	return 0;
}

SYSCALL_DEFINE(getcwd)
{
	char *buf = kmalloc(PATH_MAX);
	if (!buf)
		return -ENOMEM;
	struct fs_info *fs = current_thread()->fs;
	mutex_lock(&vfs_lock);
	long n = fs->cwd->nlink == 0 && fs->cwd != fs->root ? -ENOENT
		 : vfs_dir_path(fs->cwd, buf, PATH_MAX);
	mutex_unlock(&vfs_lock);
	long rc;
	if (n < 0)
		rc = n;
	else if ((u64)n + 1 > a1)
		rc = -ERANGE;
	else
		rc = copy_to_user(a0, buf, (size_t)n + 1) ? -EFAULT : n + 1;
	kfree(buf);
	return rc;
}

SYSCALL_DEFINE(umask)
{
	struct fs_info *fs = current_thread()->fs;
	u32 old = fs->umask;
	fs->umask = (u32)a0 & 0777;
	return old;
}

/* --- access and attributes ---------------------------------------------------- */

static long do_access(int dirfd, u64 upath, int mode, int flags)
{
	if (mode & ~7)
		return -EINVAL;
	if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct inode *i;
	long rc = walk_user(dirfd, upath, ((flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW) |
				     ((flags & AT_EMPTY_PATH) ? LOOKUP_EMPTY : 0), &i);
	if (rc)
		return rc;
	if (mode) {
		/* access() checks with the real ids (AT_EACCESS: effective);
		 * everything here runs with both equal unless setuid. */
		rc = vfs_permission(i, mode);
	}
	inode_put(i);
	return rc;
}

SYSCALL_DEFINE(access) { return do_access(AT_FDCWD, a0, (int)a1, 0); }
SYSCALL_DEFINE(faccessat) { return do_access((int)a0, a1, (int)a2, 0); }
SYSCALL_DEFINE(faccessat2) { return do_access((int)a0, a1, (int)a2, (int)a3); }

static long set_mode(struct inode *i, u32 mode)
{
	struct process *p = current_proc();
	if (p->cred.fsuid != 0 && p->cred.fsuid != i->uid)
		return -EPERM;
	mutex_lock(&i->lock);
	i->mode = (i->mode & S_IFMT) | (mode & 07777);
	inode_touch(i, false);
	mutex_unlock(&i->lock);
	return 0;
}

SYSCALL_DEFINE(chmod)
{
	struct inode *i;
	long rc = walk_user(AT_FDCWD, a0, LOOKUP_FOLLOW, &i);
	if (!rc) {
		rc = set_mode(i, (u32)a1);
		inode_put(i);
	}
	return rc;
}

SYSCALL_DEFINE(fchmodat)
{
	if (a3 & ~(u64)AT_SYMLINK_NOFOLLOW)
		return -EINVAL;
	if (a3 & AT_SYMLINK_NOFOLLOW)
		return -EOPNOTSUPP;     /* Linux: no modes on symlinks */
	struct inode *i;
	long rc = walk_user((int)a0, a1, LOOKUP_FOLLOW, &i);
	if (!rc) {
		rc = set_mode(i, (u32)a2);
		inode_put(i);
	}
	return rc;
}

SYSCALL_DEFINE(fchmod)
{
	struct file *f = fd_get((int)a0);
	if (!f)
		return -EBADF;
	long rc = f->inode ? set_mode(f->inode, (u32)a1) : -EINVAL;
	file_put(f);
	return rc;
}

static long set_owner(struct inode *i, u32 uid, u32 gid)
{
	struct process *p = current_proc();
	if (p->cred.fsuid != 0) {
		/* Only the owner may change the group, to one of its own. */
		if (uid != (u32)-1 && uid != i->uid)
			return -EPERM;
		if (p->cred.fsuid != i->uid)
			return -EPERM;
		if (gid != (u32)-1 && gid != p->cred.fsgid)
			return -EPERM;
	}
	mutex_lock(&i->lock);
	if (uid != (u32)-1)
		i->uid = uid;
	if (gid != (u32)-1)
		i->gid = gid;
	if (!S_ISDIR(i->mode))
		i->mode &= ~(u32)(S_ISUID | S_ISGID);   /* as Linux for non-root */
	inode_touch(i, false);
	mutex_unlock(&i->lock);
	return 0;
}

static long chown_at(int dirfd, u64 upath, u32 uid, u32 gid, int flags)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct inode *i;
	long rc = walk_user(dirfd, upath, ((flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW) |
				     ((flags & AT_EMPTY_PATH) ? LOOKUP_EMPTY : 0), &i);
	if (!rc) {
		rc = set_owner(i, uid, gid);
		inode_put(i);
	}
	return rc;
}

SYSCALL_DEFINE(chown) { return chown_at(AT_FDCWD, a0, (u32)a1, (u32)a2, 0); }
SYSCALL_DEFINE(lchown) { return chown_at(AT_FDCWD, a0, (u32)a1, (u32)a2, AT_SYMLINK_NOFOLLOW); }
SYSCALL_DEFINE(fchownat) { return chown_at((int)a0, a1, (u32)a2, (u32)a3, (int)a4); }

SYSCALL_DEFINE(fchown)
{
	struct file *f = fd_get((int)a0);
	if (!f)
		return -EBADF;
	long rc = f->inode ? set_owner(f->inode, (u32)a1, (u32)a2) : -EINVAL;
	file_put(f);
	return rc;
}

#define UTIME_NOW  ((1l << 30) - 1l)
#define UTIME_OMIT ((1l << 30) - 2l)

SYSCALL_DEFINE(utimensat)
{
	int dirfd = (int)a0, flags = (int)a3;
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	s64 ts[4] = { 0, UTIME_NOW, 0, UTIME_NOW };
	if (a2 && copy_from_user(ts, a2, sizeof(ts)))
		return -EFAULT;
	for (int k = 0; k < 2; k++)
		if (ts[2 * k + 1] != UTIME_NOW && ts[2 * k + 1] != UTIME_OMIT &&
		    (ts[2 * k + 1] < 0 || ts[2 * k + 1] >= 1000000000l))
			return -EINVAL;
	struct inode *i;
	long rc;
	if (!a1) {                      /* futimens: the fd itself */
		struct file *f = fd_get(dirfd);
		if (!f)
			return -EBADF;
		i = f->inode;
		if (i)
			inode_get(i);
		file_put(f);
		if (!i)
			return -EINVAL;
	} else {
		rc = walk_user(dirfd, a1, ((flags & AT_SYMLINK_NOFOLLOW) ? 0 : LOOKUP_FOLLOW) |
				      ((flags & AT_EMPTY_PATH) ? LOOKUP_EMPTY : 0), &i);
		if (rc)
			return rc;
	}
	struct process *p = current_proc();
	bool explicit = a2 && (ts[1] != UTIME_NOW || ts[3] != UTIME_NOW);
	rc = 0;
	if (p->cred.fsuid != 0 && p->cred.fsuid != i->uid)
		rc = explicit ? -EPERM : vfs_permission(i, MAY_WRITE);
	if (!rc) {
		u64 now = vfs_now_ns();
		mutex_lock(&i->lock);
		if (ts[1] != UTIME_OMIT)
			i->atime_ns = ts[1] == UTIME_NOW ? now : (u64)ts[0] * NSEC_PER_SEC + (u64)ts[1];
		if (ts[3] != UTIME_OMIT)
			i->mtime_ns = ts[3] == UTIME_NOW ? now : (u64)ts[2] * NSEC_PER_SEC + (u64)ts[3];
		i->ctime_ns = now;
		mutex_unlock(&i->lock);
	}
	inode_put(i);
	return rc;
}
