/* File systems whose files are made from live kernel state (proc, sysfs,
 * tracefs): a tree of entries, described by tables, with directories that
 * may list dynamic entries (one per process, one per tracepoint). A
 * regular file's contents are produced when it is opened (show) and read
 * from that snapshot, as Linux's seq_file single_open; a write hands the
 * written bytes to store, as sysctl and the perf knobs take them.
 *
 * Every entry carries an argument (`arg`: a pid, a tracepoint id ...)
 * that its children inherit unless they set their own. */
#pragma once
#include <lib/types.h>

struct super_block;

/* A growing text buffer (the contents of a pseudo file). */
struct seqbuf {
	char *buf;
	size_t len, cap;
	bool failed;            /* out of memory: the open fails */
};
void seq_printf(struct seqbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void seq_write(struct seqbuf *s, const void *data, size_t n);

struct pseudo_dir;

struct pseudo_entry {
	const char *name;
	u32 mode;                       /* S_IFDIR | 0555, S_IFREG | 0444, S_IFLNK | 0777 */
	/* Regular files: the contents; 0 or -errno (the open fails). */
	int (*show)(struct seqbuf *s, long arg);
	/* Writable files: one write (the whole buffer, NUL-terminated for
	 * convenience); the bytes taken or -errno. */
	long (*store)(const char *buf, size_t len, long arg);
	/* Symlinks: the target into buf; its length or -errno. */
	long (*readlink)(char *buf, size_t size, long arg);
	/* Directories. */
	const struct pseudo_dir *dir;
	/* The argument of this entry's inode (0: its directory's). */
	long arg;
};

/* Table entries. */
#define PSEUDO_FILE(n, m, fn) { .name = (n), .mode = S_IFREG | (m), .show = (fn) }
#define PSEUDO_FILE_ARG(n, m, fn, a) { .name = (n), .mode = S_IFREG | (m), .show = (fn), .arg = (a) }
#define PSEUDO_RW(n, m, fn, st, a) \
	{ .name = (n), .mode = S_IFREG | (m), .show = (fn), .store = (st), .arg = (a) }
#define PSEUDO_LINK(n, fn) { .name = (n), .mode = S_IFLNK | 0777, .readlink = (fn) }
#define PSEUDO_DIR(n, m, d) { .name = (n), .mode = S_IFDIR | (m), .dir = (d) }
#define PSEUDO_DIR_ARG(n, m, d, a) { .name = (n), .mode = S_IFDIR | (m), .dir = (d), .arg = (a) }
/* A directory of fixed entries (and optionally dynamic ones). */
#define PSEUDO_TABLE(t) { .entries = (t), .count = ARRAY_SIZE(t) }
#define PSEUDO_DYNAMIC(t, l, i) { .entries = (t), .count = ARRAY_SIZE(t), .lookup = (l), .iter = (i) }
#define PSEUDO_ONLY_DYNAMIC(l, i) { .entries = NULL, .count = 0, .lookup = (l), .iter = (i) }

struct pseudo_dir {
	const struct pseudo_entry *entries;     /* fixed children */
	size_t count;
	/* Dynamic children. lookup: 0 and *e, *arg for name, or -ENOENT.
	 * iter: child number index as a name (into name[size]), 1; or 0 when
	 * there are no more. */
	int (*lookup)(const char *name, long parent_arg, const struct pseudo_entry **e, long *arg);
	int (*iter)(u64 index, long parent_arg, char *name, size_t size,
		    const struct pseudo_entry **e, long *arg);
};

/* A mountable instance with root directory root. */
struct super_block *pseudofs_make(const char *type, u32 magic, const struct pseudo_dir *root);

/* /proc/<pid> directories (proc_pid.c): root's dynamic children. */
int proc_pid_lookup(const char *name, long parent_arg, const struct pseudo_entry **e, long *arg);
int proc_pid_iter(u64 index, long parent_arg, char *name, size_t size,
		  const struct pseudo_entry **e, long *arg);

/* The three file systems (procfs.c, sysfs.c, tracefs.c). */
struct super_block *procfs_make(void);
struct super_block *sysfs_make(void);
struct super_block *tracefs_make(void);
