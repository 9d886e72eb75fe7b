/* File-descriptor system calls. */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/proc.h>
#include <kernel/syscall.h>
#include <kernel/usermem.h>

#define UIO_MAXIOV 1024
#define SSIZE_MAX  0x7fffffffffffffffll
#define MAX_RW     0x7ffff000ul        /* Linux caps one read/write at this */

SYSCALL_DEFINE(read)
{
	struct file *f = fd_get((int)a0);
	if (!f)
		return -EBADF;
	long rc;
	if ((f->flags & 3) == O_WRONLY)
		rc = -EBADF;
	else if (!f->ops->read)
		rc = -EINVAL;
	else if (!user_range_ok(a1, a2))       /* the whole count, as Linux */
		rc = -EFAULT;
	else
		rc = f->ops->read(f, a1, MIN(a2, MAX_RW));
	file_put(f);
	return rc;
}

SYSCALL_DEFINE(write)
{
	struct file *f = fd_get((int)a0);
	if (!f)
		return -EBADF;
	long rc;
	if ((f->flags & 3) == O_RDONLY)
		rc = -EBADF;
	else if (!f->ops->write)
		rc = -EINVAL;
	else if (!user_range_ok(a1, a2))
		rc = -EFAULT;
	else
		rc = f->ops->write(f, a1, MIN(a2, MAX_RW));
	file_put(f);
	return rc;
}

struct kiovec {
	u64 base;
	u64 len;
};

static long rw_vec(u64 fd, u64 uiov, u64 cnt, bool write)
{
	if ((s64)cnt < 0 || cnt > UIO_MAXIOV)
		return -EINVAL;
	struct file *f = fd_get((int)fd);
	if (!f)
		return -EBADF;
	long rc = 0;
	struct kiovec *iov = cnt ? kmalloc(cnt * sizeof(*iov)) : NULL;
	if (cnt && !iov) {
		rc = -ENOMEM;
	} else if (copy_from_user(iov, uiov, cnt * sizeof(*iov))) {
		rc = -EFAULT;
	} else {
		u64 total = 0;
		for (u64 i = 0; i < cnt && !rc; i++) {
			if ((s64)iov[i].len < 0 || total + iov[i].len > (u64)SSIZE_MAX)
				rc = -EINVAL;
			total += iov[i].len;
		}
		if (!rc && !(write ? f->ops->write : f->ops->read))
			rc = -EINVAL;
		for (u64 i = 0; i < cnt && !rc; i++)
			if (iov[i].len && !user_range_ok(iov[i].base, iov[i].len))
				rc = -EFAULT;
		long done = 0;
		for (u64 i = 0; i < cnt && !rc; i++) {
			if (!iov[i].len)
				continue;
			long n = write ? f->ops->write(f, iov[i].base, iov[i].len)
				       : f->ops->read(f, iov[i].base, iov[i].len);
			if (n < 0) {
				if (!done)
					rc = n;
				break;
			}
			done += n;
			if ((u64)n < iov[i].len)
				break;
		}
		if (!rc)
			rc = done;
	}
	kfree(iov);
	file_put(f);
	return rc;
}

SYSCALL_DEFINE(readv) { return rw_vec(a0, a1, a2, false); }
SYSCALL_DEFINE(writev) { return rw_vec(a0, a1, a2, true); }

SYSCALL_DEFINE(close)
{
	return fd_close((int)a0);
}

SYSCALL_DEFINE(ioctl)
{
	struct file *f = fd_get((int)a0);
	if (!f)
		return -EBADF;
	long rc = f->ops->ioctl ? f->ops->ioctl(f, (unsigned int)a1, a2) : -ENOTTY;
	file_put(f);
	return rc;
}

SYSCALL_DEFINE(lseek)
{
	struct file *f = fd_get((int)a0);
	if (!f)
		return -EBADF;
	file_put(f);
	return -ESPIPE;         /* no file here has a position */
}

/* struct stat on x86_64 (144 bytes). */
struct kstat {
	u64 st_dev, st_ino, st_nlink;
	u32 st_mode, st_uid, st_gid, pad0;
	u64 st_rdev;
	s64 st_size, st_blksize, st_blocks;
	u64 st_atime, st_atime_ns, st_mtime, st_mtime_ns, st_ctime, st_ctime_ns;
	s64 unused[3];
};

SYSCALL_DEFINE(fstat)
{
	struct file *f = fd_get((int)a0);
	if (!f)
		return -EBADF;
	struct kstat st = { 0 };
	st.st_mode = f->mode ? f->mode : 0600;
	st.st_rdev = f->rdev;
	st.st_nlink = 1;
	st.st_blksize = 4096;
	st.st_ino = ((u64)f >> 4) & 0xffffffff;
	file_put(f);
	return copy_to_user(a1, &st, sizeof(st)) ? -EFAULT : 0;
}

static long dup_to(int oldfd, int newfd, bool cloexec)
{
	struct process *p = current_proc();
	if (newfd < 0 || newfd >= proc_fd_limit(p))
		return -EBADF;
	struct file *f = fd_get(oldfd);
	if (!f)
		return -EBADF;
	irqflags_t fl = spin_lock_irqsave(&p->lock);
	struct file *old = p->files[newfd];
	p->files[newfd] = f;
	p->fd_cloexec[newfd] = cloexec;
	spin_unlock_irqrestore(&p->lock, fl);
	if (old)
		file_put(old);
	return newfd;
}

SYSCALL_DEFINE(dup)
{
	struct file *f = fd_get((int)a0);
	if (!f)
		return -EBADF;
	int fd = fd_install(f, false);
	if (fd < 0)
		file_put(f);
	return fd;
}

SYSCALL_DEFINE(dup2)
{
	if ((int)a0 == (int)a1) {
		struct file *f = fd_get((int)a0);
		if (!f)
			return -EBADF;
		file_put(f);
		return (int)a1;
	}
	return dup_to((int)a0, (int)a1, false);
}

SYSCALL_DEFINE(dup3)
{
	if (a2 & ~(u64)O_CLOEXEC)
		return -EINVAL;
	if ((int)a0 == (int)a1)
		return -EINVAL;
	return dup_to((int)a0, (int)a1, a2 & O_CLOEXEC);
}

#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC 1

SYSCALL_DEFINE(fcntl)
{
	int fd = (int)a0;
	struct process *p = current_proc();
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	long rc;
	switch ((int)a1) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC: {
		rc = -EINVAL;
		if ((int)a2 < 0 || (int)a2 >= proc_fd_limit(p))
			break;
		rc = -EMFILE;
		irqflags_t fl = spin_lock_irqsave(&p->lock);
		for (int n = (int)a2; n < proc_fd_limit(p); n++) {
			if (!p->files[n]) {
				file_get(f);
				p->files[n] = f;
				p->fd_cloexec[n] = (int)a1 == F_DUPFD_CLOEXEC;
				rc = n;
				break;
			}
		}
		spin_unlock_irqrestore(&p->lock, fl);
		break;
	}
	case F_GETFD:
		rc = p->fd_cloexec[fd] ? FD_CLOEXEC : 0;
		break;
	case F_SETFD:
		p->fd_cloexec[fd] = a2 & FD_CLOEXEC;
		rc = 0;
		break;
	case F_GETFL:
		rc = f->flags & ~(u32)O_CLOEXEC;
		break;
	case F_SETFL:
		/* Only the status flags Linux lets F_SETFL change that we have. */
		f->flags = (f->flags & ~(u32)O_NONBLOCK) | ((u32)a2 & O_NONBLOCK);
		rc = 0;
		break;
	default:
		rc = -EINVAL;
	}
	file_put(f);
	return rc;
}
