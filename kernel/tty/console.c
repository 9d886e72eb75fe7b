/* The console as a file: fds 0, 1 and 2 of every process. Output goes to
 * the serial console (indented when the kernel nests a test program's KTAP
 * inside its own); input comes from the serial port, polled at each tick. */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/console.h>
#include <kernel/file.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/usermem.h>
#include <kernel/arch/cpu.h>

#define TIOCGWINSZ 0x5413
#define TCGETS     0x5401
#define S_IFCHR    0020000

#define INPUT_SIZE 256
static char input[INPUT_SIZE];
static u32 in_head, in_tail;            /* head: next free, tail: next to read */
static spinlock_t input_lock = SPINLOCK_INIT("console-input");
static struct waitq input_wait = WAITQ_INIT(input_wait, "console-input");

/* From the timer tick: move received bytes into the input buffer. */
void console_poll_input(void)
{
	int c;
	bool got = false;
	while ((c = arch_console_getc()) >= 0) {
		irqflags_t f = spin_lock_irqsave(&input_lock);
		if (in_head - in_tail < INPUT_SIZE) {
			input[in_head++ % INPUT_SIZE] = (char)(c == '\r' ? '\n' : c);
			got = true;
		}
		spin_unlock_irqrestore(&input_lock, f);
	}
	if (got)
		waitq_wake_all(&input_wait);
}

static long con_read(struct file *file, u64 ubuf, size_t len)
{
	if (!len)
		return 0;
	for (;;) {
		struct waiter w;
		waitq_add(&input_wait, &w);
		irqflags_t f = spin_lock_irqsave(&input_lock);
		size_t n = 0;
		char tmp[INPUT_SIZE];
		while (n < len && in_tail != in_head) {
			tmp[n] = input[in_tail++ % INPUT_SIZE];
			if (tmp[n++] == '\n')
				break;  /* canonical mode: one line at a time */
		}
		spin_unlock_irqrestore(&input_lock, f);
		if (n) {
			waitq_remove(&input_wait, &w);
			return copy_to_user(ubuf, tmp, n) ? -EFAULT : (long)n;
		}
		if ((file->flags & O_NONBLOCK) || thread_interrupted()) {
			waitq_remove(&input_wait, &w);
			return (file->flags & O_NONBLOCK) ? -EAGAIN : -EINTR;
		}
		sched_sleep(0);
		waitq_remove(&input_wait, &w);
	}
}

/* Write text for process p, inserting its indent at each line start. */
void console_write_for(struct process *p, const char *s, size_t n)
{
	if (!p || !p->out_indent) {
		console_write(s, n);
		return;
	}
	static const char spaces[] = "                ";
	size_t i = 0;
	while (i < n) {
		if (p->out_line_start) {
			console_write(spaces, MIN((size_t)p->out_indent, sizeof(spaces) - 1));
			p->out_line_start = false;
		}
		size_t j = i;
		while (j < n && s[j] != '\n')
			j++;
		if (j < n) {
			j++;    /* include the newline */
			p->out_line_start = true;
		}
		console_write(s + i, j - i);
		i = j;
	}
}

static long con_write(struct file *file, u64 ubuf, size_t len)
{
	char buf[256];
	size_t done = 0;
	while (done < len) {
		size_t n = MIN(len - done, sizeof(buf));
		if (copy_from_user(buf, ubuf + done, n))
			return done ? (long)done : -EFAULT;
		console_write_for(current_proc(), buf, n);
		done += n;
	}
	return (long)done;
}

static long con_ioctl(struct file *file, unsigned int cmd, u64 arg)
{
	if (cmd == TIOCGWINSZ) {
		u16 ws[4] = { 24, 80, 0, 0 };   /* rows, cols, xpixel, ypixel */
		return copy_to_user(arg, ws, sizeof(ws)) ? -EFAULT : 0;
	}
	return -ENOTTY;
}

static unsigned int con_poll(struct file *file, struct poll_table *pt)
{
	poll_wait(pt, &input_wait);
	unsigned int m = POLLOUT | POLLWRNORM;
	if (READ_ONCE(in_head) != READ_ONCE(in_tail))
		m |= POLLIN | POLLRDNORM;
	return m;
}

static const struct file_ops console_ops = {
	.name = "console",
	.read = con_read,
	.write = con_write,
	.ioctl = con_ioctl,
	.poll = con_poll,
};

struct file *console_open(void)
{
	struct file *f = file_alloc(&console_ops, NULL, O_RDWR);
	if (f) {
		f->mode = S_IFCHR | 0620;
		f->rdev = (5u << 8) | 1;        /* like /dev/console: 5,1 */
	}
	return f;
}
