/* Open files: what a file descriptor refers to. Every kind of file
 * (console, perf event, BPF map) supplies a table of operations; missing
 * ones give Linux's errno for that operation. */
#pragma once
#include <lib/types.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>
#include <lib/list.h>

#define MAX_FDS 1024            /* the fd table (Linux's usual soft limit); RLIMIT_NOFILE's ceiling */

struct file;
struct inode;
struct mm;
struct poll_table;

struct file_ops {
	const char *name;
	/* Streams and seekable files alike: a seekable file reads and writes
	 * at f->pos and advances it (its own lock makes that atomic). */
	long (*read)(struct file *f, u64 ubuf, size_t len);
	long (*write)(struct file *f, u64 ubuf, size_t len);
	/* At an explicit offset, leaving f->pos alone (pread64/pwrite64):
	 * only seekable files have them (others: ESPIPE). */
	long (*pread)(struct file *f, u64 ubuf, size_t len, u64 off);
	long (*pwrite)(struct file *f, u64 ubuf, size_t len, u64 off);
	/* lseek: the new position or -errno (NULL: ESPIPE). */
	long (*llseek)(struct file *f, s64 off, int whence);
	long (*ioctl)(struct file *f, unsigned int cmd, u64 arg);
	/* Return POLL* bits now ready; register on wait queues with poll_wait. */
	unsigned int (*poll)(struct file *f, struct poll_table *pt);
	long (*mmap)(struct file *f, struct mm *mm, u64 addr, u64 len, unsigned prot, u64 flags,
		     bool fixed, u64 off);
	void (*release)(struct file *f);
	/* O_ASYNC turned on or off (F_SETFL), as Linux's ->fasync. */
	void (*fasync)(struct file *f, bool on);
};

struct file {
	const struct file_ops *ops;
	int refs;
	u32 flags;              /* O_RDWR, O_NONBLOCK ... (status flags) */
	u32 mode;               /* st_mode for fstat, files without an inode */
	u64 rdev;
	u64 pos;                /* position of seekable files, readdir cookie */
	struct inode *inode;    /* a reference, for files opened by path */
	char *path;             /* kmalloc'd: the absolute path it was opened by */
	void *priv;
	/* O_ASYNC owner (F_SETOWN, F_SETOWN_EX): F_OWNER_* << 32 | id, id 0
	 * for none; one word, so a reader sees a type and id set together. */
	u64 owner;
	int sig;                /* F_SETSIG signal (0: SIGIO) */
	int async_fd;           /* the fd O_ASYNC was set through (si_fd) */
	struct list_node async_node;    /* on its object's async_files */
};

/* The open files of an object that signals O_ASYNC owners (async.c). */
struct async_files {
	spinlock_t lock;
	struct list_node files;
};
void async_files_init(struct async_files *a, const char *name);
void async_files_add(struct async_files *a, struct file *f);
void async_files_del(struct async_files *a, struct file *f);
/* The object became readable (readers, band POLL_IN) or writable (writers,
 * POLL_OUT), or hung up (POLL_HUP, everyone): signal the owners of its
 * O_ASYNC files. Any context but NMI. */
void async_files_notify(struct async_files *a, int band_code, bool readers);
/* Owner types of F_SETOWN_EX (Linux's values): a thread, a process, a
 * process group. */
#define F_OWNER_TID  0
#define F_OWNER_PID  1
#define F_OWNER_PGRP 2
/* Set the owner (id 0: none); -ESRCH if no thread, process or group has
 * that id, -EINVAL for a bad type. */
long file_set_owner(struct file *f, int type, int id);
/* The owner's type, and its id in *id. */
int file_get_owner(const struct file *f, int *id);

/* The descriptor table of threads (CLONE_FILES shares it). */
struct files_table {
	int refs;
	spinlock_t lock;
	struct file *fd[MAX_FDS];
	u8 cloexec[MAX_FDS];
};

#define O_ACCMODE   03
#define O_RDONLY    00
#define O_WRONLY    01
#define O_RDWR      02
#define O_CREAT     0100
#define O_EXCL      0200
#define O_NOCTTY    0400
#define O_TRUNC     01000
#define O_APPEND    02000
#define O_NONBLOCK  04000
#define O_DSYNC     010000
#define O_ASYNC     020000
#define O_DIRECT    040000
#define O_LARGEFILE 0100000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW  0400000
#define O_NOATIME   01000000
#define O_CLOEXEC   02000000
#define O_SYNC      04010000
#define O_PATH      010000000
#define O_TMPFILE   020200000

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

/* Descriptors of the current thread's table. */
int fd_install(struct file *f, bool cloexec);     /* the lowest free fd, or -EMFILE */
/* At exactly newfd (dup2/dup3), closing what was there. */
int fd_install_at(struct file *f, int newfd, bool cloexec);
/* The lowest free fd >= from (F_DUPFD), taking a reference on f. */
int fd_dup_from(struct file *f, int from, bool cloexec);
struct file *fd_get(int fd);                       /* with a reference, or NULL */
int fd_close(int fd);
/* close_range: close (or mark close-on-exec) every fd in [first, last]. */
void fd_close_range(unsigned first, unsigned last, bool cloexec);
int fd_get_cloexec(int fd);                        /* 1, 0, or -EBADF */
int fd_set_cloexec(int fd, bool on);
/* exec: close every close-on-exec descriptor. */
void fd_close_on_exec(void);

/* Tables. */
struct files_table *files_alloc(void);
struct files_table *files_copy(struct files_table *from);  /* fork */
void files_get(struct files_table *ft);
void files_put(struct files_table *ft);

/* Polling: a file's poll op calls poll_wait(pt, wq) for each wait queue
 * that signals a change; pt may be NULL (just asking). */
struct poll_table;
void poll_wait(struct poll_table *pt, struct waitq *wq);
