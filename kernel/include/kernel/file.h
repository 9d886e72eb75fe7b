/* Open files: what a file descriptor refers to. Every kind of file
 * (console, perf event, BPF map) supplies a table of operations; missing
 * ones give Linux's errno for that operation. */
#pragma once
#include <lib/types.h>
#include <kernel/sched.h>

struct file;
struct mm;
struct poll_table;

struct file_ops {
	const char *name;
	long (*read)(struct file *f, u64 ubuf, size_t len);
	long (*write)(struct file *f, u64 ubuf, size_t len);
	long (*ioctl)(struct file *f, unsigned int cmd, u64 arg);
	/* Return POLL* bits now ready; register on wait queues with poll_wait. */
	unsigned int (*poll)(struct file *f, struct poll_table *pt);
	long (*mmap)(struct file *f, struct mm *mm, u64 addr, u64 len, unsigned prot, u64 flags,
		     bool fixed, u64 off);
	void (*release)(struct file *f);
};

struct file {
	const struct file_ops *ops;
	int refs;
	u32 flags;              /* O_RDWR, O_NONBLOCK ... */
	u32 mode;               /* st_mode for fstat */
	u64 rdev;
	u64 pos;                /* read position, for files that have one */
	void *priv;
};

#define O_RDONLY   00
#define O_WRONLY   01
#define O_RDWR     02
#define O_NONBLOCK 04000
#define O_CLOEXEC  02000000

#define POLLIN   0x001
#define POLLPRI  0x002
#define POLLOUT  0x004
#define POLLERR  0x008
#define POLLHUP  0x010
#define POLLNVAL 0x020
#define POLLRDNORM 0x040
#define POLLWRNORM 0x100
/* What a file without a poll operation reports (Linux's DEFAULT_POLLMASK). */
#define DEFAULT_POLLMASK (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

struct file *file_alloc(const struct file_ops *ops, void *priv, u32 flags);
/* mmap of descriptor fd (mm_mmap, mmap_lock held): the file decides. */
long file_mmap(int fd, struct mm *mm, u64 addr, u64 len, unsigned prot, u64 flags, bool fixed,
	       u64 off);
void file_get(struct file *f);
void file_put(struct file *f);

/* Descriptors of the current process. */
int fd_install(struct file *f, bool cloexec);     /* the lowest free fd, or -EMFILE */
struct file *fd_get(int fd);                       /* with a reference, or NULL */
int fd_close(int fd);
void fd_close_all(void);

/* Polling: a file's poll op calls poll_wait(pt, wq) for each wait queue
 * that signals a change; pt may be NULL (just asking). */
struct poll_table;
void poll_wait(struct poll_table *pt, struct waitq *wq);
