/* Files and file descriptors. */
#include <lib/errno.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/proc.h>

struct file *file_alloc(const struct file_ops *ops, void *priv, u32 flags)
{
	struct file *f = kzalloc(sizeof(*f));
	if (f) {
		f->ops = ops;
		f->priv = priv;
		f->flags = flags;
		f->refs = 1;
	}
	return f;
}

void file_get(struct file *f)
{
	__atomic_fetch_add(&f->refs, 1, __ATOMIC_RELAXED);
}

void file_put(struct file *f)
{
	if (__atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		if (f->ops->release)
			f->ops->release(f);
		kfree(f);
	}
}

int fd_install(struct file *f, bool cloexec)
{
	struct process *p = current_proc();
	irqflags_t fl = spin_lock_irqsave(&p->lock);
	for (int fd = 0; fd < proc_fd_limit(p); fd++) {
		if (!p->files[fd]) {
			p->files[fd] = f;
			p->fd_cloexec[fd] = cloexec;
			spin_unlock_irqrestore(&p->lock, fl);
			return fd;
		}
	}
	spin_unlock_irqrestore(&p->lock, fl);
	return -EMFILE;
}

struct file *fd_get(int fd)
{
	struct process *p = current_proc();
	if (fd < 0 || fd >= MAX_FDS)
		return NULL;
	irqflags_t fl = spin_lock_irqsave(&p->lock);
	struct file *f = p->files[fd];
	if (f)
		file_get(f);
	spin_unlock_irqrestore(&p->lock, fl);
	return f;
}

int fd_close(int fd)
{
	struct process *p = current_proc();
	if (fd < 0 || fd >= MAX_FDS)
		return -EBADF;
	irqflags_t fl = spin_lock_irqsave(&p->lock);
	struct file *f = p->files[fd];
	p->files[fd] = NULL;
	spin_unlock_irqrestore(&p->lock, fl);
	if (!f)
		return -EBADF;
	file_put(f);
	return 0;
}

void fd_close_all(void)
{
	for (int fd = 0; fd < MAX_FDS; fd++)
		fd_close(fd);
}

/* mmap of a file descriptor: the file decides (perf buffers, BPF rings). */
long file_mmap(int fd, struct mm *mm, u64 addr, u64 len, unsigned prot, u64 flags, bool fixed,
	       u64 off)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	long rc = f->ops->mmap ? f->ops->mmap(f, mm, addr, len, prot, flags, fixed, off) : -ENODEV;
	file_put(f);
	return rc;
}
