/* The console terminal: Linux's n_tty line discipline on the serial
 * port, for one terminal.
 *
 * Input: the tick moves bytes from the serial port into a small raw ring
 * (interrupt context, no processing) and wakes the "tty" kernel thread,
 * which runs the line discipline in process context: ISIG characters
 * signal the foreground group, ICANON assembles lines with erase, kill,
 * word-erase and EOF, ECHO echoes. Readers take cooked bytes: a whole
 * line in canonical mode, VMIN/VTIME rules otherwise.
 *
 * The terminal belongs to at most one session (the controlling terminal
 * of its processes) and has a foreground process group; a background
 * process that reads gets SIGTTIN, as on Linux. Everything but the raw
 * ring is under tty.lock (a mutex). The ioctls are in tty_ioctl.c. */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/clock.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/poll.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/signal.h>
#include <kernel/thread.h>
#include <kernel/tty.h>
#include <kernel/usermem.h>
#include <kernel/vfs.h>
#include <kernel/arch/cpu.h>
#include "tty_internal.h"

struct tty tty_con = {
	.lock = MUTEX_INIT(tty_con.lock, "tty"),
	.t = {
		.iflag = ICRNL | IXON,
		.oflag = OPOST | ONLCR,
		.cflag = 0000277 | 0002000,     /* B38400 | CS8 | CREAD | HUPCL */
		.lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
		.cc = { 3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0xf, 0x17,
			0x16, 0 },
	},
	.ws = { 24, 80, 0, 0 },
	.read_wait = WAITQ_INIT(tty_con.read_wait, "tty-read"),
};

#define RAW 256

/* Raw bytes from the serial port (interrupt context writes, the tty
 * thread reads). */
static char raw[RAW];
static u32 raw_head, raw_tail;
static spinlock_t raw_lock = SPINLOCK_INIT("tty-raw");
static struct thread *tty_thread;

void console_poll_input(void)
{
	int c;
	bool got = false;
	irqflags_t f = spin_lock_irqsave(&raw_lock);
	/* With the ring full, bytes wait in the UART (and QEMU holds the rest
	 * of its input): nothing typed ahead is lost. */
	while (raw_head - raw_tail < RAW && (c = arch_console_getc()) >= 0) {
		raw[raw_head++ % RAW] = (char)c;
		got = true;
	}
	spin_unlock_irqrestore(&raw_lock, f);
	if (got && tty_thread)
		thread_wake(tty_thread, WAKE_NORMAL);
}

/* --- output -------------------------------------------------------------------- */

void console_write_for(struct process *p, const char *s, size_t n)
{
	if (!p || !p->out_indent) {
		console_write_user(s, n);
		return;
	}
	static const char spaces[] = "                ";
	size_t i = 0;
	while (i < n) {
		if (p->out_line_start) {
			console_write_user(spaces, MIN((size_t)p->out_indent, sizeof(spaces) - 1));
			p->out_line_start = false;
		}
		size_t j = i;
		while (j < n && s[j] != '\n')
			j++;
		if (j < n) {
			j++;    /* include the newline */
			p->out_line_start = true;
		}
		console_write_user(s + i, j - i);
		i = j;
	}
}

static void echo(const char *s, size_t n)
{
	console_write_user(s, n);
}

/* Echo of one input byte: a control character shows as ^X. */
static void echo_char(struct tty *t, char c)
{
	if (!(t->t.lflag & ECHO))
		return;
	if ((u8)c < 32 && c != '\n' && c != '\t' && (t->t.lflag & ECHOCTL)) {
		char b[2] = { '^', (char)(c + 64) };
		echo(b, 2);
	} else if (c == 0x7f && (t->t.lflag & ECHOCTL)) {
		echo("^?", 2);
	} else {
		echo(&c, 1);
	}
}

/* --- the line discipline (tty thread, lock held) ---------------------------- */

static u64 cooked_room(struct tty *t)
{
	return BUF - (t->chead - t->ctail);
}

void tty_push_cooked(struct tty *t, const char *s, size_t n)
{
	for (size_t k = 0; k < n && cooked_room(t); k++)
		t->cbuf[t->chead++ % BUF] = s[k];
}

static void end_line(struct tty *t)
{
	if (t->ends_head - t->ends_tail < MAX_LINES) {
		tty_push_cooked(t, t->line, t->llen);
		t->ends[t->ends_head++ % MAX_LINES] = t->chead;
	}
	t->llen = 0;
}

void tty_flush_input(struct tty *t)
{
	t->chead = t->ctail = 0;
	t->ends_head = t->ends_tail = 0;
	t->llen = 0;
}

static void rub_out(struct tty *t)
{
	if (!t->llen)
		return;
	char c = t->line[--t->llen];
	if ((t->t.lflag & ECHO) && (t->t.lflag & ECHOE)) {
		bool ctl = ((u8)c < 32 || c == 0x7f) && c != '\t' && (t->t.lflag & ECHOCTL);
		echo(ctl ? "\b\b  \b\b" : "\b \b", ctl ? 6 : 3);
	}
}

/* Signal the foreground group (outside the lock: signals take others). */
static int pending_sig;

static void receive(struct tty *t, char c)
{
	struct ktermios *tm = &t->t;
	if (t->lnext) {
		t->lnext = false;
		goto literal;
	}
	if (c == '\r') {
		if (tm->iflag & IGNCR)
			return;
		if (tm->iflag & ICRNL)
			c = '\n';
	} else if (c == '\n' && (tm->iflag & INLCR)) {
		c = '\r';
	}
	if (tm->lflag & ISIG) {
		int sig = c == tm->cc[VINTR] ? SIGINT : c == tm->cc[VQUIT] ? SIGQUIT
			  : c == tm->cc[VSUSP] ? SIGTSTP : 0;
		if (sig && c) {
			if (!(tm->lflag & NOFLSH))
				tty_flush_input(t);
			echo_char(t, c);
			if (tm->lflag & ECHO)
				echo("\n", 1);
			pending_sig = sig;
			return;
		}
	}
	if (tm->lflag & ICANON) {
		if (c == tm->cc[VERASE] && c) {
			rub_out(t);
			return;
		}
		if (c == tm->cc[VKILL] && c) {
			while (t->llen)
				rub_out(t);
			return;
		}
		if ((tm->lflag & IEXTEN) && c == tm->cc[VWERASE] && c) {
			while (t->llen && t->line[t->llen - 1] == ' ')
				rub_out(t);
			while (t->llen && t->line[t->llen - 1] != ' ')
				rub_out(t);
			return;
		}
		if ((tm->lflag & IEXTEN) && c == tm->cc[VLNEXT] && c) {
			t->lnext = true;
			return;
		}
		if (c == tm->cc[VEOF] && c) {
			end_line(t);    /* an empty line is an EOF for the reader */
			return;
		}
		if (c == '\n' || (c == tm->cc[VEOL] && c) || (c == tm->cc[VEOL2] && c)) {
			if (tm->lflag & (ECHO | ECHONL))
				echo(&c, 1);
			if (t->llen < BUF)
				t->line[t->llen++] = c;
			end_line(t);
			return;
		}
literal:
		if (!(tm->lflag & ICANON)) {
			echo_char(t, c);
			tty_push_cooked(t, &c, 1);
			return;
		}
		if (t->llen < BUF - 1) {
			t->line[t->llen++] = c;
			echo_char(t, c);
		}
		return;
	}
	echo_char(t, c);
	tty_push_cooked(t, &c, 1);
}

static struct async_files tty_async;

static void tty_main(void *arg)
{
	for (;;) {
		thread_prepare_sleep();
		/* Take raw bytes only while the cooked buffer has room for them;
		 * readers wake this thread as they make room. Read without the
		 * mutex (this thread may not block on it once it is marked
		 * sleeping): a stale value only delays a batch until that wake. */
		bool room = BUF - (READ_ONCE(tty_con.chead) - READ_ONCE(tty_con.ctail)) > RAW;
		irqflags_t f = spin_lock_irqsave(&raw_lock);
		u32 n = room ? raw_head - raw_tail : 0;
		char buf[RAW];
		for (u32 k = 0; k < n; k++)
			buf[k] = raw[raw_tail++ % RAW];
		spin_unlock_irqrestore(&raw_lock, f);
		if (!n) {
			sched_sleep(0);
			continue;
		}
		thread_cancel_sleep();
		mutex_lock(&tty_con.lock);
		for (u32 k = 0; k < n; k++) {
			receive(&tty_con, buf[k]);
			if (pending_sig) {
				int sig = pending_sig, pg = tty_con.pgrp;
				pending_sig = 0;
				mutex_unlock(&tty_con.lock);
				if (pg > 0)
					signal_send_pgrp(pg, sig);
				mutex_lock(&tty_con.lock);
			}
		}
		mutex_unlock(&tty_con.lock);
		waitq_wake_all(&tty_con.read_wait);
		async_files_notify(&tty_async, POLL_IN, true);
	}
}

void tty_init(void)
{
	async_files_init(&tty_async, "tty-async");
	tty_thread = kthread_create("tty", tty_main, NULL);
}

/* --- reading -------------------------------------------------------------------- */

/* Bytes a read may take now (canonical: up to the end of the first line;
 * 0 with *eof for an empty line). Lock held. */
u64 tty_readable(struct tty *t, bool *eof)
{
	*eof = false;
	if (!(t->t.lflag & ICANON))
		return t->chead - t->ctail;
	if (t->ends_head == t->ends_tail)
		return 0;
	u64 end = t->ends[t->ends_tail % MAX_LINES];
	if (end == t->ctail)
		*eof = true;
	return end - t->ctail;
}

/* A background process of the terminal's session may not read: its group
 * gets SIGTTIN (EIO if it ignores or blocks it). */
static long job_control_read(struct tty *t)
{
	struct process *p = current_proc();
	if (!p || p->sid != t->session || t->session == 0 || p->pgid == t->pgrp)
		return 0;
	struct k_sigaction *a = &p->sighand->action[SIGTTIN - 1];
	if (a->handler == SIG_IGN || (current_thread()->sig_blocked & SIGMASK(SIGTTIN)))
		return -EIO;
	signal_send_pgrp(p->pgid, SIGTTIN);
	return -EINTR;
}

static long tty_read(struct file *f, u64 ubuf, size_t len)
{
	struct tty *t = &tty_con;
	long rc = job_control_read(t);
	if (rc)
		return rc;
	if (!len)
		return 0;
	u64 deadline = 0;
	mutex_lock(&t->lock);
	for (;;) {
		bool eof;
		u64 avail = tty_readable(t, &eof);
		u8 vmin = t->t.cc[VMIN], vtime = t->t.cc[VTIME];
		bool canon = t->t.lflag & ICANON;
		if (eof) {
			t->ends_tail++;
			rc = 0;
			break;
		}
		bool enough = canon ? avail > 0 : avail >= (u64)MAX(vmin, (u8)1) ||
						  (avail && vtime) || (!vmin && !vtime);
		if (!canon && !vmin && vtime && !deadline)
			deadline = clock_ns() + vtime * 100 * NSEC_PER_MSEC;
		if (enough || (deadline && clock_ns() >= deadline)) {
			size_t n = (size_t)MIN((u64)len, avail);
			char tmp[256];
			size_t done = 0;
			while (done < n) {
				size_t k = MIN(n - done, sizeof(tmp));
				for (size_t i = 0; i < k; i++)
					tmp[i] = t->cbuf[(t->ctail + done + i) % BUF];
				if (copy_to_user(ubuf + done, tmp, k))
					break;
				done += k;
			}
			t->ctail += done;
			if (done && tty_thread)
				thread_wake(tty_thread, WAKE_NORMAL);   /* room for more input */
			if (canon && t->ends_head != t->ends_tail &&
			    t->ctail == t->ends[t->ends_tail % MAX_LINES])
				t->ends_tail++;
			rc = done ? (long)done : (n ? -EFAULT : 0);
			break;
		}
		if (f->flags & O_NONBLOCK) {
			rc = -EAGAIN;
			break;
		}
		if (thread_interrupted()) {
			rc = -EINTR;
			break;
		}
		struct waiter w;
		waitq_add(&t->read_wait, &w);
		mutex_unlock(&t->lock);
		sched_sleep(deadline);
		waitq_remove(&t->read_wait, &w);
		mutex_lock(&t->lock);
	}
	mutex_unlock(&t->lock);
	return rc;
}

static long tty_write(struct file *f, u64 ubuf, size_t len)
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

static unsigned int tty_poll(struct file *f, struct poll_table *pt)
{
	poll_wait(pt, &tty_con.read_wait);
	mutex_lock(&tty_con.lock);
	bool eof;
	u64 avail = tty_readable(&tty_con, &eof);
	mutex_unlock(&tty_con.lock);
	unsigned int m = POLLOUT | POLLWRNORM;
	if (avail || eof)
		m |= POLLIN | POLLRDNORM;
	return m;
}

static void tty_release(struct file *f)
{
	async_files_del(&tty_async, f);
}

const struct file_ops tty_fops = {
	.name = "tty",
	.read = tty_read,
	.write = tty_write,
	.ioctl = tty_ioctl,
	.poll = tty_poll,
	.release = tty_release,
};

/* --- sessions -------------------------------------------------------------------- */

struct tty *tty_of(struct process *p)
{
	return p && tty_con.session && p->sid == tty_con.session ? &tty_con : NULL;
}

void tty_info(struct process *p, int *tty_nr, int *tpgid)
{
	mutex_lock(&tty_con.lock);
	bool ours = tty_of(p) != NULL;
	*tty_nr = ours ? (int)((5 << 8) | 1) : 0;       /* /dev/console */
	*tpgid = ours && tty_con.pgrp ? tty_con.pgrp : -1;
	mutex_unlock(&tty_con.lock);
}

int tty_open(struct file *f, bool ctty)
{
	f->ops = &tty_fops;
	f->mode = S_IFCHR | 0620;
	f->rdev = MKDEV(5, 1);
	async_files_add(&tty_async, f);
	struct process *p = current_proc();
	/* A session leader without a terminal acquires this one. */
	if (ctty && p && p->sid == p->pid && !tty_con.session) {
		tty_con.session = p->sid;
		tty_con.pgrp = p->pgid;
	}
	return 0;
}

struct file *console_open(void)
{
	struct file *f = file_alloc(&tty_fops, NULL, O_RDWR);
	if (f) {
		f->mode = S_IFCHR | 0620;
		f->rdev = MKDEV(5, 1);  /* like /dev/console: 5,1 */
		f->path = kmalloc(sizeof("/dev/console"));
		if (f->path)
			memcpy(f->path, "/dev/console", sizeof("/dev/console"));
		async_files_add(&tty_async, f);
	}
	return f;
}

void tty_session_exit(struct process *leader)
{
	if (!tty_con.session || tty_con.session != leader->sid)
		return;
	int pg = tty_con.pgrp;
	tty_con.session = 0;
	tty_con.pgrp = 0;
	if (pg > 0) {
		signal_send_pgrp(pg, SIGHUP);
		signal_send_pgrp(pg, SIGCONT);
	}
}
