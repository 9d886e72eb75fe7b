/* Open files and descriptor tables. A file is shared by every descriptor
 * that refers to it (dup, fork), with one position; a table is shared by
 * threads created with CLONE_FILES and copied by fork. Each table's lock
 * covers its slots; a file's reference is taken under it, so a file never
 * goes while a lookup holds its slot. */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/proc.h>
#include <kernel/vfs.h>

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
		if (f->inode) {
			__atomic_fetch_sub(&f->inode->sb->nr_open, 1, __ATOMIC_RELAXED);
			inode_put(f->inode);
		}
		kfree(f->path);
		kfree(f);
	}
}

/* --- tables --------------------------------------------------------------- */

struct files_table *files_alloc(void)
{
	struct files_table *ft = kzalloc(sizeof(*ft));
	if (ft) {
		ft->refs = 1;
		spin_lock_init(&ft->lock, "files");
	}
	return ft;
}

struct files_table *files_copy(struct files_table *from)
{
	struct files_table *ft = files_alloc();
	if (!ft)
		return NULL;
	irqflags_t fl = spin_lock_irqsave(&from->lock);
	for (int fd = 0; fd < MAX_FDS; fd++) {
		if (from->fd[fd]) {
			file_get(from->fd[fd]);
			ft->fd[fd] = from->fd[fd];
			ft->cloexec[fd] = from->cloexec[fd];
		}
	}
	spin_unlock_irqrestore(&from->lock, fl);
	return ft;
}

void files_get(struct files_table *ft)
{
	__atomic_fetch_add(&ft->refs, 1, __ATOMIC_RELAXED);
}

void files_put(struct files_table *ft)
{
	if (__atomic_sub_fetch(&ft->refs, 1, __ATOMIC_ACQ_REL))
		return;
	for (int fd = 0; fd < MAX_FDS; fd++)
		if (ft->fd[fd])
			file_put(ft->fd[fd]);
	kfree(ft);
}

static struct files_table *cur_files(void)
{
	return current_thread()->files;
}

/* --- descriptors ------------------------------------------------------------ */

static int first_free_locked(struct files_table *ft, int from, int limit)
{
	for (int fd = from; fd < limit; fd++)
		if (!ft->fd[fd])
			return fd;
	return -EMFILE;
}

int fd_install(struct file *f, bool cloexec)
{
	struct files_table *ft = cur_files();
	irqflags_t fl = spin_lock_irqsave(&ft->lock);
	int fd = first_free_locked(ft, 0, proc_fd_limit(current_proc()));
	if (fd >= 0) {
		ft->fd[fd] = f;
		ft->cloexec[fd] = cloexec;
	}
	spin_unlock_irqrestore(&ft->lock, fl);
	return fd;
}

int fd_dup_from(struct file *f, int from, bool cloexec)
{
	struct files_table *ft = cur_files();
	irqflags_t fl = spin_lock_irqsave(&ft->lock);
	int fd = first_free_locked(ft, from, proc_fd_limit(current_proc()));
	if (fd >= 0) {
		file_get(f);
		ft->fd[fd] = f;
		ft->cloexec[fd] = cloexec;
	}
	spin_unlock_irqrestore(&ft->lock, fl);
	return fd;
}

int fd_install_at(struct file *f, int newfd, bool cloexec)
{
	if (newfd < 0 || newfd >= proc_fd_limit(current_proc()))
		return -EBADF;
	struct files_table *ft = cur_files();
	irqflags_t fl = spin_lock_irqsave(&ft->lock);
	struct file *old = ft->fd[newfd];
	ft->fd[newfd] = f;
	ft->cloexec[newfd] = cloexec;
	spin_unlock_irqrestore(&ft->lock, fl);
	if (old)
		file_put(old);  /* outside the lock: its release may sleep */
	return newfd;
}

struct file *fd_get(int fd)
{
	struct thread *t = current_thread();
	if (fd < 0 || fd >= MAX_FDS || !t->files)
		return NULL;
	struct files_table *ft = t->files;
	irqflags_t fl = spin_lock_irqsave(&ft->lock);
	struct file *f = ft->fd[fd];
	if (f)
		file_get(f);
	spin_unlock_irqrestore(&ft->lock, fl);
	return f;
}

int fd_close(int fd)
{
	if (fd < 0 || fd >= MAX_FDS)
		return -EBADF;
	struct files_table *ft = cur_files();
	irqflags_t fl = spin_lock_irqsave(&ft->lock);
	struct file *f = ft->fd[fd];
	ft->fd[fd] = NULL;
	spin_unlock_irqrestore(&ft->lock, fl);
	if (!f)
		return -EBADF;
	file_put(f);
	return 0;
}

void fd_close_range(unsigned first, unsigned last, bool cloexec)
{
	struct files_table *ft = cur_files();
	for (unsigned fd = first; fd <= last && fd < MAX_FDS; fd++) {
		irqflags_t fl = spin_lock_irqsave(&ft->lock);
		struct file *f = ft->fd[fd];
		if (cloexec && f)
			ft->cloexec[fd] = true;
		else
			ft->fd[fd] = NULL;
		spin_unlock_irqrestore(&ft->lock, fl);
		if (f && !cloexec)
			file_put(f);    /* outside the lock: its release may sleep */
	}
}

int fd_get_cloexec(int fd)
{
	if (fd < 0 || fd >= MAX_FDS)
		return -EBADF;
	struct files_table *ft = cur_files();
	irqflags_t fl = spin_lock_irqsave(&ft->lock);
	int rc = ft->fd[fd] ? ft->cloexec[fd] : -EBADF;
	spin_unlock_irqrestore(&ft->lock, fl);
	return rc;
}

int fd_set_cloexec(int fd, bool on)
{
	if (fd < 0 || fd >= MAX_FDS)
		return -EBADF;
	struct files_table *ft = cur_files();
	irqflags_t fl = spin_lock_irqsave(&ft->lock);
	int rc = ft->fd[fd] ? 0 : -EBADF;
	if (!rc)
		ft->cloexec[fd] = on;
	spin_unlock_irqrestore(&ft->lock, fl);
	return rc;
}

void fd_close_on_exec(void)
{
	struct files_table *ft = cur_files();
	for (int fd = 0; fd < MAX_FDS; fd++) {
		irqflags_t fl = spin_lock_irqsave(&ft->lock);
		struct file *f = ft->cloexec[fd] ? ft->fd[fd] : NULL;
		if (f) {
			ft->fd[fd] = NULL;
			ft->cloexec[fd] = 0;
		}
		spin_unlock_irqrestore(&ft->lock, fl);
		if (f)
			file_put(f);
	}
}

/* mmap of a file descriptor: the file decides (perf buffers, BPF rings,
 * regular files). */
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
