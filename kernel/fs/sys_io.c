/* File-descriptor system calls: read and write (plain, vectored, at an
 * offset), lseek, ioctl, close, dup, fcntl, fsync, sendfile. */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/mm.h>
#include <kernel/proc.h>
#include <kernel/vfs.h>
#include <linux/mman.h>
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
	if ((f->flags & O_ACCMODE) == O_WRONLY || (f->flags & O_PATH))
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
	if ((f->flags & O_ACCMODE) == O_RDONLY || (f->flags & O_PATH))
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

/* readv/writev (at == NULL) and preadv/pwritev (at *at, not moving the
 * file position). Linux's order: the descriptor and its mode, then the
 * vector. */
static long rw_vec(u64 fd, u64 uiov, u64 cnt, bool write, const s64 *at)
{
	if (at && *at < 0)
		return -EINVAL;
	struct file *f = fd_get((int)fd);
	if (!f)
		return -EBADF;
	u32 acc = f->flags & O_ACCMODE;
	long rc = 0;
	struct kiovec *iov = NULL;
	if ((write ? acc == O_RDONLY : acc == O_WRONLY) || (f->flags & O_PATH))
		rc = -EBADF;
	else if (at && !(write ? f->ops->pwrite : f->ops->pread))
		rc = -ESPIPE;
	else if (!at && !(write ? f->ops->write : f->ops->read))
		rc = -EINVAL;
	else if ((s64)cnt < 0 || cnt > UIO_MAXIOV)
		rc = -EINVAL;
	else if (cnt && !(iov = kmalloc(cnt * sizeof(*iov))))
		rc = -ENOMEM;
	else if (copy_from_user(iov, uiov, cnt * sizeof(*iov)))
		rc = -EFAULT;
	u64 total = 0;
	for (u64 i = 0; i < cnt && !rc; i++) {
		if ((s64)iov[i].len < 0 || total + iov[i].len > (u64)SSIZE_MAX)
			rc = -EINVAL;
		total += iov[i].len;
	}
	for (u64 i = 0; i < cnt && !rc; i++)
		if (iov[i].len && !user_range_ok(iov[i].base, iov[i].len))
			rc = -EFAULT;
	long done = 0;
	for (u64 i = 0; i < cnt && !rc; i++) {
		if (!iov[i].len)
			continue;
		long n;
		if (at)
			n = write ? f->ops->pwrite(f, iov[i].base, iov[i].len, (u64)*at + (u64)done)
				  : f->ops->pread(f, iov[i].base, iov[i].len, (u64)*at + (u64)done);
		else
			n = write ? f->ops->write(f, iov[i].base, iov[i].len)
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
	kfree(iov);
	file_put(f);
	return rc;
}

SYSCALL_DEFINE(readv) { return rw_vec(a0, a1, a2, false, NULL); }
SYSCALL_DEFINE(writev) { return rw_vec(a0, a1, a2, true, NULL); }
SYSCALL_DEFINE(preadv) { s64 at = (s64)a3; return rw_vec(a0, a1, a2, false, &at); }
SYSCALL_DEFINE(pwritev) { s64 at = (s64)a3; return rw_vec(a0, a1, a2, true, &at); }

SYSCALL_DEFINE(close)
{
	return fd_close((int)a0);
}

#define CLOSE_RANGE_UNSHARE 2
#define CLOSE_RANGE_CLOEXEC 4

SYSCALL_DEFINE(close_range)
{
	unsigned first = (unsigned)a0, last = (unsigned)a1;
	if (a2 & ~(u64)(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) || first > last)
		return -EINVAL;
	struct thread *t = current_thread();
	if ((a2 & CLOSE_RANGE_UNSHARE) && READ_ONCE(t->files->refs) > 1) {
		/* A table of our own first (CLONE_FILES sharers keep theirs). */
		struct files_table *own = files_copy(t->files), *old = t->files;
		if (!own)
			return -ENOMEM;
		struct process *p = t->proc;
		irqflags_t f = spin_lock_irqsave(&p->lock);     /* /proc reads t->files */
		t->files = own;
		spin_unlock_irqrestore(&p->lock, f);
		files_put(old);
	}
	fd_close_range(first, last, a2 & CLOSE_RANGE_CLOEXEC);
	return 0;
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
	long rc = f->ops->llseek ? f->ops->llseek(f, (s64)a1, (int)a2) : -ESPIPE;
	file_put(f);
	return rc;
}

/* pread64/pwrite64: at an offset, on seekable files only. */
static long rw_at(u64 fd, u64 ubuf, u64 len, s64 off, bool write)
{
	struct file *f = fd_get((int)fd);
	if (!f)
		return -EBADF;
	long rc;
	u32 acc = f->flags & O_ACCMODE;
	if (write ? acc == O_RDONLY : acc == O_WRONLY)
		rc = -EBADF;
	else if (off < 0)
		rc = -EINVAL;
	else if (!(write ? f->ops->pwrite : f->ops->pread))
		rc = f->ops->llseek ? -EINVAL : -ESPIPE;
	else if (!user_range_ok(ubuf, len))
		rc = -EFAULT;
	else
		rc = write ? f->ops->pwrite(f, ubuf, MIN(len, MAX_RW), (u64)off)
			   : f->ops->pread(f, ubuf, MIN(len, MAX_RW), (u64)off);
	file_put(f);
	return rc;
}

SYSCALL_DEFINE(pread64) { return rw_at(a0, a1, a2, (s64)a3, false); }
SYSCALL_DEFINE(pwrite64) { return rw_at(a0, a1, a2, (s64)a3, true); }

static long dup_to(int oldfd, int newfd, bool cloexec)
{
	struct file *f = fd_get(oldfd);
	if (!f)
		return -EBADF;
	long rc = fd_install_at(f, newfd, cloexec);
	if (rc < 0)
		file_put(f);
	return rc;
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
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#define F_SETOWN 8
#define F_GETOWN 9
#define F_SETSIG 10
#define F_GETSIG 11
#define F_SETOWN_EX 15
#define F_GETOWN_EX 16
#define F_DUPFD_CLOEXEC 1030
#define F_SETPIPE_SZ 1031
#define F_GETPIPE_SZ 1032
#define FD_CLOEXEC 1
/* What F_SETFL may change (Linux's SETFL_MASK). */
#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME)

SYSCALL_DEFINE(fcntl)
{
	int fd = (int)a0;
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	long rc;
	switch ((int)a1) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if ((int)a2 < 0 || (int)a2 >= proc_fd_limit(current_proc()))
			rc = -EINVAL;
		else
			rc = fd_dup_from(f, (int)a2, (int)a1 == F_DUPFD_CLOEXEC);
		break;
	case F_GETFD:
		rc = fd_get_cloexec(fd) > 0 ? FD_CLOEXEC : 0;
		break;
	case F_SETFD:
		rc = fd_set_cloexec(fd, a2 & FD_CLOEXEC);
		break;
	case F_GETFL:
		rc = f->flags & ~(u32)O_CLOEXEC;
		break;
	case F_SETFL: {
		bool was = f->flags & O_ASYNC, now = a2 & O_ASYNC;
		if (now && !was)
			WRITE_ONCE(f->async_fd, (int)a0);       /* what si_fd reports */
		f->flags = (f->flags & ~(u32)SETFL_MASK) | ((u32)a2 & SETFL_MASK);
		if (was != now && f->ops->fasync)
			f->ops->fasync(f, now);
		rc = 0;
		break;
	}
	case F_GETOWN: {
		int id, type = file_get_owner(f, &id);
		rc = type == F_OWNER_PGRP ? -id : id;
		break;
	}
	case F_GETOWN_EX: {
		struct { int type, pid; } o;
		o.type = file_get_owner(f, &o.pid);
		rc = copy_to_user(a2, &o, sizeof(o)) ? -EFAULT : 0;
		break;
	}
	case F_SETOWN_EX: {
		struct { int type, pid; } o;
		rc = copy_from_user(&o, a2, sizeof(o)) ? -EFAULT : file_set_owner(f, o.type, o.pid);
		break;
	}
	case F_SETOWN:         /* negative: a process group */
		if ((int)a2 == (int)0x80000000)        /* -a2 would overflow */
			rc = -EINVAL;
		else if ((int)a2 < 0)
			rc = file_set_owner(f, F_OWNER_PGRP, -(int)a2);
		else
			rc = file_set_owner(f, F_OWNER_PID, (int)a2);
		break;
	case F_GETSIG:
		rc = f->sig;
		break;
	case F_SETSIG:
		if (a2 > NSIG) {
			rc = -EINVAL;
		} else {
			f->sig = (int)a2;
			rc = 0;
		}
		break;
	case F_GETPIPE_SZ:
	case F_SETPIPE_SZ:
		rc = pipe_fcntl(f, (int)a1, a2);
		break;
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
		/* No advisory locks: Ringtail has one user of each file at a
		 * time in practice, but accepting a lock would be a promise. */
		rc = -ENOLCK;
		break;
	default:
		rc = -EINVAL;
	}
	file_put(f);
	return rc;
}

SYSCALL_DEFINE(fsync)
{
	struct file *f = fd_get((int)a0);
	if (!f)
		return -EBADF;
	long rc = f->inode ? 0 : -EINVAL;       /* RAM: nothing to write back */
	file_put(f);
	return rc;
}

SYSCALL_DEFINE(fdatasync) { return sys_fsync(a0, 0, 0, 0, 0, 0); }
SYSCALL_DEFINE(sync) { return 0; }

/* Copy up to count bytes from in (at *off, or its position) to out
 * through a bounce buffer mapped in the caller's own address space: the
 * files' operations read and write user memory. The bytes copied, or an
 * error if none were. */
static long file_copy(struct file *out, struct file *in, u64 *off, u64 count)
{
	const u64 chunk = 64 * 1024;
	long buf = mm_mmap(0, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf < 0)
		return buf;
	long done = 0, rc = 0;
	while ((u64)done < count) {
		u64 want = MIN(chunk, count - (u64)done);
		long n = off ? in->ops->pread(in, (u64)buf, want, *off) : in->ops->read(in, (u64)buf, want);
		if (n <= 0) {
			rc = n;
			break;
		}
		long w = out->ops->write(out, (u64)buf, (size_t)n);
		if (w <= 0) {
			rc = w ? w : -EIO;
			break;
		}
		if (off)
			*off += (u64)w;
		done += w;
		if (w < n || (u64)n < want)
			break;  /* a short write or the end of the input */
	}
	mm_munmap((u64)buf, chunk);
	return done ? done : rc;
}

/* sendfile: copy through a bounce buffer (busybox cat uses it). */
SYSCALL_DEFINE(sendfile)
{
	struct file *out = fd_get((int)a0), *in = fd_get((int)a1);
	long rc = 0;
	if (!out || !in) {
		rc = -EBADF;
		goto done;
	}
	if ((in->flags & O_ACCMODE) == O_WRONLY || (out->flags & O_ACCMODE) == O_RDONLY) {
		rc = -EBADF;
		goto done;
	}
	s64 off = 0;
	if (a2 && copy_from_user(&off, a2, 8)) {
		rc = -EFAULT;
		goto done;
	}
	if (a2 && (off < 0 || !in->ops->pread)) {
		rc = off < 0 ? -EINVAL : -ESPIPE;
		goto done;
	}
	if (!in->ops->read || !out->ops->write) {
		rc = -EINVAL;
		goto done;
	}
	rc = file_copy(out, in, a2 ? (u64 *)&off : NULL, MIN(a3, MAX_RW));
	if (rc >= 0 && a2 && copy_to_user(a2, &off, 8))
		rc = -EFAULT;
done:
	if (out)
		file_put(out);
	if (in)
		file_put(in);
	return rc;
}
