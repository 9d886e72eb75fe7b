/* The only paths Ringtail can open: a read-only /proc/kallsyms, in Linux's
 * format ("ffffffff80105020 T kmain"), so profilers can name the kernel
 * functions in their samples. Everything else is ENOENT: there is no
 * filesystem. */
#include <lib/errno.h>
#include <lib/fmt.h>
#include <lib/string.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/ksyms.h>
#include <kernel/syscall.h>
#include <kernel/usermem.h>

#define AT_FDCWD (-100)
#define O_ACCMODE 3
#define O_DIRECTORY 0200000
#define S_IFREG 0100000

/* A line is generated per symbol; pos counts bytes as Linux's does. */
struct kallsyms_cursor {
	u64 sym;                /* next symbol to format */
	char line[160];
	u32 len, off;           /* the line being read, and how far */
};

static long kallsyms_read(struct file *f, u64 ubuf, size_t len)
{
	struct kallsyms_cursor *c = f->priv;
	size_t done = 0;
	while (done < len) {
		if (c->off == c->len) {
			if (c->sym >= ksyms_count)
				break;
			const struct ksym *k = &ksyms_table[c->sym++];
			c->len = (u32)fmt_snprintf(c->line, sizeof(c->line), "%016llx T %s\n", k->addr,
						   k->name);
			if (c->len >= sizeof(c->line))
				c->len = sizeof(c->line) - 1;
			c->off = 0;
		}
		size_t n = MIN(len - done, (size_t)(c->len - c->off));
		if (copy_to_user(ubuf + done, c->line + c->off, n))
			return done ? (long)done : -EFAULT;
		c->off += (u32)n;
		done += n;
	}
	f->pos += done;
	return (long)done;
}

static void kallsyms_release(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops kallsyms_ops = {
	.name = "kallsyms",
	.read = kallsyms_read,
	.release = kallsyms_release,
};

static long do_open(u64 upath, u64 flags)
{
	char path[256];
	long n = strncpy_from_user(path, upath, sizeof(path));
	if (n < 0)
		return n;
	if (n == 0)
		return -ENOENT;
	if (strcmp(path, "/proc/kallsyms") != 0)
		return -ENOENT;
	if ((flags & O_ACCMODE) != O_RDONLY)
		return -EACCES;
	if (flags & O_DIRECTORY)
		return -ENOTDIR;
	struct kallsyms_cursor *c = kzalloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	struct file *f = file_alloc(&kallsyms_ops, c, O_RDONLY | (flags & O_NONBLOCK));
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
	if (!strcmp(path, "/proc/kallsyms"))
		return dir ? -ENOTDIR : -EPERM;         /* procfs refuses */
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
