/* Character devices behind device nodes (/dev is a tmpfs directory the
 * initramfs fills): memory devices (null, zero, full, random, urandom, as
 * Linux's major 1), the terminals (/dev/console, /dev/tty: major 5) and
 * /dev/ttyS1 (4:65), the second serial port as a raw output channel to the
 * host: no terminal, no input (reads are EINVAL); each write() reaches the
 * port whole and in order, waiting for the port rather than dropping. */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/file.h>
#include <kernel/mutex.h>
#include <kernel/poll.h>
#include <kernel/proc.h>
#include <kernel/tty.h>
#include <kernel/usermem.h>
#include <kernel/vfs.h>
#include <kernel/arch/cpu.h>

#define MEM_MAJOR 1
#define TTYAUX_MAJOR 5
#define TTY_MAJOR 4
#define TTYS1_MINOR 65

static long null_read(struct file *f, u64 ubuf, size_t len) { return 0; }
static long null_write(struct file *f, u64 ubuf, size_t len) { return (long)len; }
static long null_pread(struct file *f, u64 ubuf, size_t len, u64 off) { return 0; }
static long null_pwrite(struct file *f, u64 ubuf, size_t len, u64 off) { return (long)len; }
static long mem_llseek(struct file *f, s64 off, int whence)
{
	f->pos = 0;             /* Linux: seeking these always lands at 0 */
	return 0;
}

static long zero_read(struct file *f, u64 ubuf, size_t len)
{
	return clear_user(ubuf, len) ? -EFAULT : (long)len;
}

static long zero_pread(struct file *f, u64 ubuf, size_t len, u64 off)
{
	return zero_read(f, ubuf, len);
}

static long full_write(struct file *f, u64 ubuf, size_t len) { return len ? -ENOSPC : 0; }

static long random_read(struct file *f, u64 ubuf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		u64 r = arch_random_u64();
		size_t n = MIN(len - done, sizeof(r));
		if (copy_to_user(ubuf + done, &r, n))
			return done ? (long)done : -EFAULT;
		done += n;
	}
	return (long)done;
}

static struct mutex ttys1_lock = MUTEX_INIT(ttys1_lock, "ttyS1");
static bool ttys1_ready;

static long ttys1_write(struct file *f, u64 ubuf, size_t len)
{
	u8 buf[512];
	size_t done = 0;
	mutex_lock(&ttys1_lock);
	while (done < len) {
		size_t n = MIN(len - done, sizeof(buf));
		if (copy_from_user(buf, ubuf + done, n))
			break;
		arch_aux_serial_write(buf, n);
		done += n;
	}
	mutex_unlock(&ttys1_lock);
	return done || !len ? (long)done : -EFAULT;
}

static const struct file_ops ttys1_ops = { .name = "ttyS1", .write = ttys1_write };

static const struct file_ops null_ops = {
	.name = "null", .read = null_read, .write = null_write, .pread = null_pread,
	.pwrite = null_pwrite, .llseek = mem_llseek,
};
static const struct file_ops zero_ops = {
	.name = "zero", .read = zero_read, .write = null_write, .pread = zero_pread,
	.pwrite = null_pwrite, .llseek = mem_llseek,
};
static const struct file_ops full_ops = {
	.name = "full", .read = zero_read, .write = full_write, .llseek = mem_llseek,
};
static const struct file_ops random_ops = {
	.name = "random", .read = random_read, .write = null_write, .llseek = mem_llseek,
};

const struct file_ops *chrdev_ops(u64 rdev)
{
	u64 major = rdev >> 8, minor = rdev & 0xff;
	if (major == MEM_MAJOR) {
		switch (minor) {
		case 3: return &null_ops;
		case 5: return &zero_ops;
		case 7: return &full_ops;
		case 8:
		case 9: return &random_ops;
		}
	}
	if (major == TTYAUX_MAJOR && (minor == 0 || minor == 1))
		return &tty_fops;
	if (major == TTY_MAJOR && minor == TTYS1_MINOR)
		return &ttys1_ops;
	return NULL;
}

int chrdev_open(struct inode *i, struct file *f)
{
	u64 major = i->rdev >> 8, minor = i->rdev & 0xff;
	if (major == TTYAUX_MAJOR && minor == 0) {
		/* /dev/tty: the caller's controlling terminal, if it has one. */
		if (!tty_of(current_proc()))
			return -ENXIO;
		return tty_open(f, true);
	}
	if (major == TTYAUX_MAJOR && minor == 1)
		return tty_open(f, !(f->flags & O_NOCTTY));
	if (major == TTY_MAJOR && minor == TTYS1_MINOR) {
		/* No UART there (QEMU without a second -serial): ENXIO, as
		 * Linux for a port with no hardware, not a silent sink. */
		mutex_lock(&ttys1_lock);
		if (!ttys1_ready)
			ttys1_ready = arch_aux_serial_present();
		mutex_unlock(&ttys1_lock);
		return ttys1_ready ? 0 : -ENXIO;
	}
	return f->ops ? 0 : -ENXIO;
}
