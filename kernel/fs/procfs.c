/* The only paths Ringtail can open, read-only text files generated line by
 * line, in Linux's formats:
 *   /proc/kallsyms                  "ffffffff80105020 T kmain", so profilers
 *                                   can name kernel functions in samples
 *   /sys/devices/system/cpu/possible "0-1": what libbpf and libc read to
 *   /sys/devices/system/cpu/online   size per-CPU things
 * Everything else is ENOENT: there is no filesystem. */
#include <lib/errno.h>
#include <lib/fmt.h>
#include <lib/string.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/ksyms.h>
#include <kernel/percpu.h>
#include <kernel/syscall.h>
#include <kernel/usermem.h>
#include <kernel/arch/entry.h>

#define AT_FDCWD (-100)
#define O_ACCMODE 3
#define O_DIRECTORY 0200000
#define S_IFREG 0100000

/* Line `index` of a file into buf: its length, or -1 past the end. */
typedef int (*line_fn)(u64 index, char *buf, size_t size);

static int kallsyms_line(u64 index, char *buf, size_t size)
{
	if (index >= ksyms_count)
		return -1;
	const struct ksym *k = &ksyms_table[index];
	return fmt_snprintf(buf, size, "%016llx T %s\n", k->addr, k->name);
}

/* Every CPU that booted is both possible and online (no hotplug). */
static int cpu_list_line(u64 index, char *buf, size_t size)
{
	if (index)
		return -1;
	if (nr_cpus_online <= 1)
		return fmt_snprintf(buf, size, "0\n");
	return fmt_snprintf(buf, size, "0-%u\n", nr_cpus_online - 1);
}

static const struct {
	const char *path;
	line_fn line;
} files[] = {
	{ "/proc/kallsyms", kallsyms_line },
	{ "/sys/devices/system/cpu/possible", cpu_list_line },
	{ "/sys/devices/system/cpu/online", cpu_list_line },
};

/* pos counts bytes, as Linux's does. */
struct text_cursor {
	line_fn line;
	u64 index;              /* next line to format */
	char buf[160];
	u32 len, off;           /* the line being read, and how far */
};

static long text_read(struct file *f, u64 ubuf, size_t len)
{
	struct text_cursor *c = f->priv;
	size_t done = 0;
	while (done < len) {
		if (c->off == c->len) {
			int n = c->line(c->index, c->buf, sizeof(c->buf));
			if (n < 0)
				break;
			c->index++;
			c->len = MIN((u32)n, (u32)sizeof(c->buf) - 1);
			c->off = 0;
		}
		size_t n = MIN(len - done, (size_t)(c->len - c->off));
		if (copy_to_user(ubuf + done, c->buf + c->off, n))
			return done ? (long)done : -EFAULT;
		c->off += (u32)n;
		done += n;
	}
	f->pos += done;
	return (long)done;
}

static void text_release(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops text_ops = {
	.name = "procfs",
	.read = text_read,
	.release = text_release,
};

static line_fn find_file(const char *path)
{
	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		if (!strcmp(path, files[i].path))
			return files[i].line;
	return NULL;
}

static long do_open(u64 upath, u64 flags)
{
	char path[256];
	long n = strncpy_from_user(path, upath, sizeof(path));
	if (n < 0)
		return n;
	if (n == 0)
		return -ENOENT;
	line_fn line = find_file(path);
	if (!line)
		return -ENOENT;
	if ((flags & O_ACCMODE) != O_RDONLY)
		return -EACCES;
	if (flags & O_DIRECTORY)
		return -ENOTDIR;
	struct text_cursor *c = kzalloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->line = line;
	struct file *f = file_alloc(&text_ops, c, O_RDONLY | (flags & O_NONBLOCK));
	if (!f) {
		kfree(c);
		return -ENOMEM;
	}
	f->mode = S_IFREG | 0444;
	int fd = fd_install(f, flags & O_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

SYSCALL_DEFINE(open)
{
	return do_open(a0, a1);
}

SYSCALL_DEFINE(openat)
{
	int dirfd = (int)a0;
	/* Absolute paths ignore dirfd; relative ones have no directory here. */
	char first;
	if (copy_from_user(&first, a1, 1))
		return -EFAULT;
	if (first != '/' && dirfd != AT_FDCWD) {
		struct file *d = fd_get(dirfd);
		if (!d)
			return -EBADF;
		file_put(d);
		return -ENOTDIR;
	}
	return do_open(a1, a2);
}

/* The unlink family. Ringtail has no writable file system: the few names
 * that exist cannot be removed, everything else does not exist. These
 * calls exist for their syscall tracepoints (the BPF unlink demo) and
 * answer as Linux would on such a tree. */
#define AT_REMOVEDIR 0x200

static long do_unlink(int dirfd, u64 upath, bool dir)
{
	char path[256];
	long n = strncpy_from_user(path, upath, sizeof(path));
	if (n < 0)
		return n;
	if (n == 0)
		return -ENOENT;
	if (path[0] != '/' && dirfd != AT_FDCWD) {
		struct file *d = fd_get(dirfd);
		if (!d)
			return -EBADF;
		file_put(d);
		return -ENOTDIR;
	}
	if (!strcmp(path, "/") || !strcmp(path, "/proc"))
		return dir ? -EBUSY : -EISDIR;          /* mount points */
	if (find_file(path))
		return dir ? -ENOTDIR : -EPERM;         /* procfs and sysfs refuse */
	return -ENOENT;
}

SYSCALL_DEFINE(unlink)
{
	return do_unlink(AT_FDCWD, a0, false);
}

SYSCALL_DEFINE(rmdir)
{
	return do_unlink(AT_FDCWD, a0, true);
}

SYSCALL_DEFINE(unlinkat)
{
	if (a2 & ~(u64)AT_REMOVEDIR)
		return -EINVAL;
	return do_unlink((int)a0, a1, a2 & AT_REMOVEDIR);
}
