/* Pipes (pipe, pipe2) and FIFOs (named pipes in tmpfs), with Linux's
 * semantics: a 64 KiB buffer by default (F_SETPIPE_SZ changes it), reads
 * block until data or until every writer is gone (end of file), writes
 * of at most PIPE_BUF bytes are atomic, a write with no reader left is
 * EPIPE and SIGPIPE, O_NONBLOCK gives EAGAIN. The buffer's pages are
 * allocated as data arrives and freed with the pipe.
 *
 * One mutex per pipe covers the buffer and the reader and writer counts
 * (copies to and from user memory happen under it: a fault there never
 * needs the pipe). A reader or writer that must wait queues itself
 * (BLOCKED) before it lets the mutex go, so the other side, which changes
 * things under the mutex and then wakes, cannot be missed. */
#include <lib/errno.h>
#include <lib/string.h>
#include <arch/mmu.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/pmm.h>
#include <kernel/poll.h>
#include <kernel/proc.h>
#include <kernel/signal.h>
#include <kernel/syscall.h>
#include <kernel/usermem.h>
#include <kernel/vfs.h>

#define PIPE_BUF 4096
#define PIPE_DEF_SIZE (16 * PAGE_SIZE)
#define PIPE_MAX_SIZE (256 * PAGE_SIZE)         /* /proc/sys/fs/pipe-max-size */
#define F_SETPIPE_SZ 1031
#define F_GETPIPE_SZ 1032

struct pipe {
	struct mutex lock;
	u64 head, tail;                 /* bytes written / read, ever */
	u32 size;                       /* capacity, a power of two */
	int readers, writers;
	int refs;                       /* files + a FIFO inode's */
	struct waitq rwait, wwait;
	struct async_files async;       /* its files, for O_ASYNC owners */
	paddr_t pages[PIPE_MAX_SIZE / PAGE_SIZE];
};

static const struct file_ops pipe_read_ops, pipe_write_ops, fifo_ops;

static struct pipe *pipe_new(void)
{
	struct pipe *p = kzalloc(sizeof(*p));
	if (!p)
		return NULL;
	mutex_init(&p->lock, "pipe");
	waitq_init(&p->rwait, "pipe-read");
	waitq_init(&p->wwait, "pipe-write");
	async_files_init(&p->async, "pipe-async");
	p->size = PIPE_DEF_SIZE;
	p->refs = 1;
	return p;
}

static void pipe_put(struct pipe *p)
{
	if (__atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL))
		return;
	for (size_t k = 0; k < ARRAY_SIZE(p->pages); k++)
		if (p->pages[k])
			frame_free(p->pages[k]);
	kfree(p);
}

/* Copy between the ring and user memory, page by page (lock held). */
static long ring_copy(struct pipe *p, u64 at, u64 ubuf, size_t n, bool to_user)
{
	size_t done = 0;
	while (done < n) {
		u64 pos = (at + done) & (p->size - 1);
		size_t k = pos / PAGE_SIZE, in = pos % PAGE_SIZE;
		size_t len = MIN(n - done, PAGE_SIZE - in);
		u8 *page = phys_to_virt(p->pages[k]);
		long rc = to_user ? copy_to_user(ubuf + done, page + in, len)
				  : copy_from_user(page + in, ubuf + done, len);
		if (rc)
			return done ? (long)done : -EFAULT;
		done += len;
	}
	return (long)done;
}

/* Frames for [at, at + n) of the ring, allocated if missing. */
static int ensure_pages(struct pipe *p, u64 at, size_t n)
{
	for (u64 o = at & ~(u64)(PAGE_SIZE - 1); o < at + n; o += PAGE_SIZE) {
		size_t k = (o & (p->size - 1)) / PAGE_SIZE;
		if (!p->pages[k] && !(p->pages[k] = frame_alloc()))
			return -ENOMEM;
	}
	return 0;
}

/* Sleep on wq with the pipe locked; locked again on return. 0, or
 * -EINTR for a signal. */
static int pipe_wait(struct pipe *p, struct waitq *wq)
{
	if (thread_interrupted())
		return -EINTR;
	struct waiter w;
	waitq_add(wq, &w);
	mutex_unlock(&p->lock);
	sched_sleep(0);
	waitq_remove(wq, &w);
	mutex_lock(&p->lock);
	return 0;
}

static long pipe_read(struct file *f, u64 ubuf, size_t len)
{
	struct pipe *p = f->priv;
	if (!len)
		return 0;
	mutex_lock(&p->lock);
	long rc;
	for (;;) {
		u64 avail = p->head - p->tail;
		if (avail) {
			rc = ring_copy(p, p->tail, ubuf, (size_t)MIN((u64)len, avail), true);
			if (rc > 0)
				p->tail += (u64)rc;
			break;
		}
		if (!p->writers) {
			rc = 0;         /* end of file */
			break;
		}
		if (f->flags & O_NONBLOCK) {
			rc = -EAGAIN;
			break;
		}
		if ((rc = pipe_wait(p, &p->rwait)))
			break;
	}
	mutex_unlock(&p->lock);
	if (rc > 0) {
		waitq_wake_all(&p->wwait);
		async_files_notify(&p->async, POLL_OUT, false);
	}
	return rc;
}

static long pipe_write(struct file *f, u64 ubuf, size_t len)
{
	struct pipe *p = f->priv;
	size_t done = 0;
	long err = 0;
	mutex_lock(&p->lock);
	while (done < len) {
		if (!p->readers) {
			signal_send_thread(current_thread(), SIGPIPE, SI_USER, 0);
			err = -EPIPE;
			break;
		}
		/* A write of at most PIPE_BUF goes in whole or not at all. */
		u64 space = p->size - (p->head - p->tail);
		size_t want = len - done;
		if (want <= PIPE_BUF ? space >= want : space > 0) {
			size_t n = (size_t)MIN((u64)want, space);
			long rc = ensure_pages(p, p->head, n);
			if (!rc)
				rc = ring_copy(p, p->head, ubuf + done, n, false);
			if (rc <= 0) {
				err = rc ? rc : -EFAULT;
				break;
			}
			p->head += (u64)rc;
			done += (size_t)rc;
			waitq_wake_all(&p->rwait);
			continue;
		}
		if (f->flags & O_NONBLOCK) {
			err = -EAGAIN;
			break;
		}
		if ((err = pipe_wait(p, &p->wwait)))
			break;
	}
	mutex_unlock(&p->lock);
	if (done)
		async_files_notify(&p->async, POLL_IN, true);
	return done ? (long)done : err;
}

static unsigned int pipe_poll(struct file *f, struct poll_table *pt)
{
	struct pipe *p = f->priv;
	bool reader = f->ops == &pipe_read_ops || ((f->flags & O_ACCMODE) != O_WRONLY && f->ops == &fifo_ops);
	bool writer = f->ops == &pipe_write_ops || ((f->flags & O_ACCMODE) != O_RDONLY && f->ops == &fifo_ops);
	if (reader)
		poll_wait(pt, &p->rwait);
	if (writer)
		poll_wait(pt, &p->wwait);
	mutex_lock(&p->lock);
	u64 used = p->head - p->tail;
	unsigned int m = 0;
	if (reader) {
		if (used)
			m |= POLLIN | POLLRDNORM;
		if (!p->writers)
			m |= POLLHUP;
	}
	if (writer) {
		if (p->size - used >= PIPE_BUF)
			m |= POLLOUT | POLLWRNORM;
		if (!p->readers)
			m |= POLLERR;
	}
	mutex_unlock(&p->lock);
	return m;
}

static void pipe_release(struct file *f)
{
	struct pipe *p = f->priv;
	u32 acc = f->flags & O_ACCMODE;
	bool reader = f->ops == &pipe_read_ops || (f->ops == &fifo_ops && acc != O_WRONLY);
	bool writer = f->ops == &pipe_write_ops || (f->ops == &fifo_ops && acc != O_RDONLY);
	mutex_lock(&p->lock);
	if (reader)
		p->readers--;
	if (writer)
		p->writers--;
	mutex_unlock(&p->lock);
	async_files_del(&p->async, f);
	waitq_wake_all(&p->rwait);
	waitq_wake_all(&p->wwait);
	pipe_put(p);
}

static const struct file_ops pipe_read_ops = {
	.name = "pipe",
	.read = pipe_read,
	.poll = pipe_poll,
	.release = pipe_release,
};

static const struct file_ops pipe_write_ops = {
	.name = "pipe",
	.write = pipe_write,
	.poll = pipe_poll,
	.release = pipe_release,
};

long pipe_fcntl(struct file *f, int cmd, u64 arg)
{
	if (f->ops != &pipe_read_ops && f->ops != &pipe_write_ops && f->ops != &fifo_ops)
		return -EBADF;
	struct pipe *p = f->priv;
	if (cmd == F_GETPIPE_SZ)
		return p->size;
	if (arg > PIPE_MAX_SIZE)
		return current_proc()->cred.euid ? -EPERM : -EINVAL;
	u32 size = PAGE_SIZE;
	while (size < arg)
		size *= 2;
	mutex_lock(&p->lock);
	long rc = size;
	if (p->head - p->tail > size) {
		rc = -EBUSY;
	} else if (p->head == p->tail) {
		/* Empty: restart at 0 so the ring can change its size. */
		p->head = p->tail = 0;
		p->size = size;
	} else {
		rc = size == p->size ? size : -EBUSY;   /* data in the way */
	}
	mutex_unlock(&p->lock);
	return rc;
}

#define PIPE_FLAGS (O_CLOEXEC | O_NONBLOCK | O_DIRECT)

static long do_pipe(u64 ufds, u64 flags)
{
	if (flags & ~(u64)PIPE_FLAGS)
		return -EINVAL;
	struct pipe *p = pipe_new();
	if (!p)
		return -ENOMEM;
	p->refs = 2;
	p->readers = p->writers = 1;
	u32 nb = (u32)flags & O_NONBLOCK;
	struct file *r = file_alloc(&pipe_read_ops, p, O_RDONLY | nb);
	struct file *w = file_alloc(&pipe_write_ops, p, O_WRONLY | nb);
	if (!r || !w) {
		kfree(r);
		kfree(w);
		kfree(p);
		return -ENOMEM;
	}
	r->mode = w->mode = S_IFIFO | 0600;
	async_files_add(&p->async, r);
	async_files_add(&p->async, w);
	int fds[2];
	fds[0] = fd_install(r, flags & O_CLOEXEC);
	fds[1] = fds[0] < 0 ? -EMFILE : fd_install(w, flags & O_CLOEXEC);
	if (fds[0] < 0 || fds[1] < 0) {
		if (fds[0] >= 0)
			fd_close(fds[0]);
		else
			file_put(r);
		file_put(w);
		return -EMFILE;
	}
	if (copy_to_user(ufds, fds, sizeof(fds))) {
		fd_close(fds[0]);
		fd_close(fds[1]);
		return -EFAULT;
	}
	return 0;
}

SYSCALL_DEFINE(pipe) { return do_pipe(a0, 0); }
SYSCALL_DEFINE(pipe2) { return do_pipe(a0, a1); }

/* --- FIFOs ------------------------------------------------------------------- */

static long fifo_read(struct file *f, u64 ubuf, size_t len)
{
	return pipe_read(f, ubuf, len);
}

static long fifo_write(struct file *f, u64 ubuf, size_t len)
{
	return pipe_write(f, ubuf, len);
}

static const struct file_ops fifo_ops = {
	.name = "fifo",
	.read = fifo_read,
	.write = fifo_write,
	.poll = pipe_poll,
	.release = pipe_release,
};

/* The FIFO's pipe lives while it has openers; the inode keeps the
 * pointer (under vfs_lock) and a new pipe is made when it is gone. */
int fifo_open(struct inode *i, struct file *f)
{
	mutex_lock(&vfs_lock);
	struct pipe *p = i->priv;
	if (!p) {
		p = pipe_new();
		if (!p) {
			mutex_unlock(&vfs_lock);
			return -ENOMEM;
		}
		p->refs = 1;            /* the inode's */
		i->priv = p;
	}
	__atomic_fetch_add(&p->refs, 1, __ATOMIC_RELAXED);
	u32 acc = f->flags & O_ACCMODE;
	mutex_lock(&p->lock);
	if (acc != O_WRONLY)
		p->readers++;
	if (acc != O_RDONLY)
		p->writers++;
	bool no_reader = acc == O_WRONLY && !p->readers;
	mutex_unlock(&p->lock);
	mutex_unlock(&vfs_lock);
	f->ops = &fifo_ops;
	f->priv = p;
	async_files_add(&p->async, f);
	if (no_reader && (f->flags & O_NONBLOCK)) {
		pipe_release(f);
		return -ENXIO;          /* Linux: no reader for a non-blocking writer */
	}
	/* A blocking open waits for the other side (Linux's wait_for_partner). */
	struct waitq *wq = acc == O_RDONLY ? &p->rwait : &p->wwait;
	/* Openers of the other side are waiting for us. */
	waitq_wake_all(&p->rwait);
	waitq_wake_all(&p->wwait);
	mutex_lock(&p->lock);
	while (!(f->flags & O_NONBLOCK) && acc != O_RDWR &&
	       !(acc == O_RDONLY ? p->writers > 0 : p->readers > 0)) {
		if (pipe_wait(p, wq)) {
			mutex_unlock(&p->lock);
			pipe_release(f);
			return -EINTR;
		}
	}
	mutex_unlock(&p->lock);
	return 0;
}

void fifo_evict(struct inode *i)
{
	if (i->priv)
		pipe_put(i->priv);
}
