/* The virtual file system: inodes, file systems and their mounts, path
 * lookup, and the operations every file system supplies.
 *
 * There are no dentries: a directory inode knows its parent (holding a
 * reference on it) and its own name, which is all ".." and getcwd need;
 * directory entries belong to the file system. Inodes are reference
 * counted; a file system frees one when its last reference and its last
 * name are gone (evict).
 *
 * Locking. vfs_lock (a mutex) covers the name space: every lookup, every
 * change to a directory, link counts, parents and mounts. An inode's own
 * mutex covers its data and size. Nothing blocks for I/O while holding
 * vfs_lock (reads and writes happen on open files, without it). */
#pragma once
#include <lib/types.h>
#include <kernel/mutex.h>
#include <lib/list.h>

#define PATH_MAX 4096
#define NAME_MAX 255
#define MAXSYMLINKS 40

#define S_IFMT   0170000
#define S_IFSOCK 0140000
#define S_IFLNK  0120000
#define S_IFREG  0100000
#define S_IFBLK  0060000
#define S_IFDIR  0040000
#define S_IFCHR  0020000
#define S_IFIFO  0010000
#define S_ISUID  04000
#define S_ISGID  02000
#define S_ISVTX  01000
#define S_ISDIR(m)  (((m) & S_IFMT) == S_IFDIR)
#define S_ISREG(m)  (((m) & S_IFMT) == S_IFREG)
#define S_ISLNK(m)  (((m) & S_IFMT) == S_IFLNK)
#define S_ISCHR(m)  (((m) & S_IFMT) == S_IFCHR)
#define S_ISBLK(m)  (((m) & S_IFMT) == S_IFBLK)
#define S_ISFIFO(m) (((m) & S_IFMT) == S_IFIFO)

/* getdents64 d_type values. */
#define DT_UNKNOWN 0
#define DT_FIFO 1
#define DT_CHR 2
#define DT_DIR 4
#define DT_BLK 6
#define DT_REG 8
#define DT_LNK 10
#define DT_SOCK 12
static inline unsigned mode_to_dtype(u32 mode) { return (mode & S_IFMT) >> 12; }

/* Access checks (vfs_permission). */
#define MAY_EXEC  1
#define MAY_WRITE 2
#define MAY_READ  4

struct inode;
struct file;
struct super_block;
struct mount;
struct cred;

/* Fill one directory entry (next: the position after it, for d_off);
 * false when the caller's buffer is full (the same entry comes again next
 * time). */
typedef bool (*dir_emit_fn)(void *ctx, const char *name, size_t len, u64 ino, unsigned type,
			    u64 next);

struct inode_ops {
	/* Directories. lookup: the child called name, with a reference. */
	int (*lookup)(struct inode *dir, const char *name, struct inode **out);
	/* A new regular file, directory, symlink (target in *link), device
	 * node or FIFO in dir; -EEXIST if the name is taken. */
	int (*create)(struct inode *dir, const char *name, u32 mode, u64 rdev, const char *link,
		      struct inode **out);
	int (*link)(struct inode *dir, const char *name, struct inode *target);
	/* Remove a name (rmdir: it must be an empty directory). */
	int (*unlink)(struct inode *dir, const char *name, bool rmdir);
	int (*rename)(struct inode *odir, const char *oname, struct inode *ndir,
		      const char *nname, unsigned flags);
	/* Entries from *pos on (cookie owned by the fs; 0 is the start). */
	int (*readdir)(struct inode *dir, u64 *pos, dir_emit_fn emit, void *ctx);
	/* Symlinks: the target, not terminated; its length. */
	long (*readlink)(struct inode *i, char *buf, size_t size);
	/* Regular files: data into a kernel buffer (exec), size changes. */
	long (*read_kernel)(struct inode *i, u64 off, void *buf, size_t len);
	long (*write_kernel)(struct inode *i, u64 off, const void *buf, size_t len);
	int (*truncate)(struct inode *i, u64 size);
	/* The last reference and the last name are gone: free everything. */
	void (*evict)(struct inode *i);
	/* Opening: set up f (its ops, priv) beyond the defaults. */
	int (*open)(struct inode *i, struct file *f);
};

struct inode {
	int refs;
	u64 ino;
	u32 mode;
	u32 uid, gid;
	u32 nlink;                      /* names (vfs_lock) */
	u64 size;                       /* under lock */
	u64 rdev;
	u64 atime_ns, mtime_ns, ctime_ns;
	struct super_block *sb;
	const struct inode_ops *iops;
	const struct file_ops *fops;    /* what opening it gives */
	struct mutex lock;              /* data and size */
	/* Directories: the parent (a reference) and the name in it; the
	 * mount on top of it. All under vfs_lock. */
	struct inode *parent;
	char *name;
	struct mount *mounted;
	void *priv;                     /* the file system's */
	long arg;                       /* the file system's (pseudo files) */
	struct list_node fs_node;       /* the file system's */
};

struct super_block {
	const char *type;               /* "tmpfs", "proc", ... */
	u64 dev;                        /* st_dev */
	struct inode *root;
	u64 next_ino;
	u64 max_bytes, used_bytes;      /* tmpfs: ENOSPC past max_bytes */
	u32 magic;                      /* statfs f_type */
	unsigned long flags;            /* MS_NODEV, MS_NOEXEC, ... (mount) */
	int nr_open;                    /* open files on it (umount: EBUSY) */
};

/* A file system mounted on a directory. */
struct mount {
	struct inode *mountpoint;       /* in the parent file system */
	struct inode *root;             /* of this one */
	struct super_block *sb;
	struct mount *next;             /* every mount, newest first */
	char path[128];                 /* where, for /proc/mounts */
};

extern struct mutex vfs_lock;

/* Inodes. */
struct inode *inode_alloc(struct super_block *sb, u32 mode);
void inode_get(struct inode *i);
void inode_put(struct inode *i);
u64 vfs_now_ns(void);                   /* timestamps (realtime) */
void inode_touch(struct inode *i, bool mtime);  /* m/ctime = now */

/* Lookup. Flags: */
#define LOOKUP_FOLLOW    1      /* follow a final symlink */
#define LOOKUP_DIRECTORY 2      /* the result must be a directory */
#define LOOKUP_EMPTY     4      /* "" names dirfd itself (AT_EMPTY_PATH) */
#define AT_FDCWD (-100)
/* Resolve path (a kernel string) from dirfd; *out with a reference.
 * vfs_lock held. */
int vfs_walk(int dirfd, const char *path, unsigned flags, struct inode **out);
/* Resolve all but the last component: *dir (a reference) and the last
 * name (NUL-terminated, at most NAME_MAX) into last[]. A path that ends
 * in "/" sets *trailing_slash. "" and paths whose last component is "."
 * or ".." are -ENOENT / -EEXIST-worthy for the caller to judge: last is
 * then "." or "..". vfs_lock held. */
int vfs_walk_parent(int dirfd, const char *path, struct inode **dir, char *last,
		    bool *trailing_slash);
/* Copy a user path (at most PATH_MAX with its NUL) into a kmalloc'd
 * buffer: -EFAULT, -ENAMETOOLONG, or 0 (empty paths allowed; the
 * caller decides). Free with kfree. */
long path_from_user(u64 upath, char **out);
/* May the current process access i as mask (MAY_*) says? 0 or -EACCES. */
int vfs_permission(struct inode *i, int mask);
/* path (from dirfd) as an absolute path, "." and ".." applied by name;
 * kmalloc'd, NULL without memory. For /proc/PID/fd and perf's records.
 * vfs_lock held. */
char *vfs_abs_path(int dirfd, const char *path);
/* The path of inode i from the root by the names its file system keeps
 * (a file's latest link): its length, -ERANGE, or -ENOENT if it has
 * none. vfs_lock held. */
long vfs_inode_path(struct inode *i, char *buf, size_t size);
/* The path of directory d from the root, into buf: its length or -ERANGE. */
long vfs_dir_path(struct inode *d, char *buf, size_t size);

/* Opening: a new file for i (taking a reference on it). */
long vfs_open_inode(struct inode *i, u32 flags, struct file **out);
/* open/openat/creat in the kernel: a file for path. */
long vfs_open(int dirfd, const char *path, u32 flags, u32 mode, struct file **out);
/* Read a whole file into a kernel buffer (kmalloc'd, size in *len): exec
 * and the initramfs use it. */
long vfs_read_all(struct inode *i, void **buf, size_t *len);

/* Mounts (mount.c). type: "tmpfs", "ramfs", "proc", "sysfs", "tracefs";
 * flags: MS_* (mount(2)). vfs_lock held. */
#define MS_RDONLY      1
#define MS_NOSUID      2
#define MS_NODEV       4
#define MS_NOEXEC      8
#define MS_REMOUNT     32
#define MS_NOATIME     1024
#define MS_BIND        4096
#define MS_MOVE        8192
#define MS_SILENT      32768
#define MS_RELATIME    (1 << 21)
#define MS_STRICTATIME (1 << 24)
int vfs_mount(const char *type, struct inode *on, unsigned long flags);
/* Unmount the file system whose root is root: -EINVAL if it is not a
 * mount's root, -EBUSY if files, cwds or mounts are on it. */
int vfs_umount(struct inode *root);
/* fn(m, arg) for each mount, oldest first. vfs_lock taken. */
void vfs_for_each_mount(int (*fn)(const struct mount *m, void *arg), void *arg);
struct super_block *fs_make(const char *type);
void vfs_init(void);                    /* the root tmpfs */
struct inode *vfs_root(void);           /* with a reference */

/* The cwd, root and umask of threads (CLONE_FS). */
struct fs_info {
	int refs;
	struct list_node node;          /* every fs_info (vfs.c) */
	struct inode *cwd, *root;       /* references; under vfs_lock */
	u32 umask;
};
struct fs_info *fs_info_alloc(void);
struct fs_info *fs_info_copy(struct fs_info *from);
void fs_info_put(struct fs_info *fs);
/* Is some thread's cwd or root on sb? vfs_lock held. */
bool fs_infos_use(struct super_block *sb);

/* tmpfs (ramfs.c); the pages all of them hold. */
struct super_block *ramfs_make(void);
u64 ramfs_pages(void);
/* Unpack a cpio "newc" archive into the root (initramfs.c): the number
 * of entries, or -EINVAL for a malformed archive. */
int initramfs_unpack(const void *data, size_t len);
/* Make a node at path (absolute; its directory must exist) from the
 * kernel: a directory, a regular file holding data[0..size), a symlink to
 * data, a device node or FIFO. 0 or -errno (-EEXIST if the name is
 * taken). */
int vfs_make_node(const char *path, u32 mode, u32 uid, u32 gid, u64 rdev, const u8 *data,
		  u32 size);

/* Devices (dev.c): the file operations for a character device number,
 * NULL if there is none; opening a device node. */
const struct file_ops *chrdev_ops(u64 rdev);
int chrdev_open(struct inode *i, struct file *f);

/* FIFOs (pipe.c): opening one (blocks for the other side as Linux does),
 * and its inode going away. */
int fifo_open(struct inode *i, struct file *f);
void fifo_evict(struct inode *i);
/* F_GETPIPE_SZ / F_SETPIPE_SZ on a pipe or FIFO file (else -EBADF). */
long pipe_fcntl(struct file *f, int cmd, u64 arg);
#define MKDEV(ma, mi) (((u64)(ma) << 8) | (mi))
