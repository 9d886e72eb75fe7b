/* printk: formatted kernel messages to the console and to klog, a ring of
 * the last KLOG_SIZE bytes (read by tests, and by `rt-dmesg` in gdb).
 *
 * NMI context may not take the console lock (the interrupted code may hold
 * it), so NMI output is appended to a per-CPU buffer that only NMIs write and
 * an irq_work flushes from ordinary interrupt context on the same CPU. */
#include <lib/fmt.h>
#include <lib/string.h>
#include <kernel/irq_work.h>
#include <kernel/percpu.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/syscall.h>
#include <kernel/usermem.h>
#include <kernel/heap.h>
#include <lib/errno.h>
#include <kernel/spinlock.h>
#include <kernel/arch/cpu.h>

static spinlock_t console_lock = SPINLOCK_INIT("console");

/* klog is read by scripts/ringtail.gdb: keep these names. */
char klog_buf[KLOG_SIZE];
u64 klog_pos;                   /* total bytes ever written */

static void klog_append(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		klog_buf[(klog_pos + i) % KLOG_SIZE] = s[i];
	klog_pos += n;
}

static void console_sink(void *ctx, const char *s, size_t n)
{
	arch_console_write(s, n);
	klog_append(s, n);
}

void console_write(const char *s, size_t n)
{
	irqflags_t f = spin_lock_irqsave(&console_lock);
	console_sink(NULL, s, n);
	spin_unlock_irqrestore(&console_lock, f);
}

/* Terminal output of user programs: the console, not the kernel log
 * (dmesg shows what the kernel said, as on Linux). */
void console_write_user(const char *s, size_t n)
{
	irqflags_t f = spin_lock_irqsave(&console_lock);
	arch_console_write(s, n);
	spin_unlock_irqrestore(&console_lock, f);
}

u64 klog_position(void)
{
	return READ_ONCE(klog_pos);
}

size_t klog_read_since(u64 from, char *buf, size_t n)
{
	irqflags_t f = spin_lock_irqsave(&console_lock);
	u64 end = klog_pos;
	if (end - from > KLOG_SIZE)
		from = end - KLOG_SIZE;
	size_t len = 0;
	for (u64 p = from; p < end && len + 1 < n; p++)
		buf[len++] = klog_buf[p % KLOG_SIZE];
	if (n)
		buf[len] = 0;
	spin_unlock_irqrestore(&console_lock, f);
	return len;
}

/* --- syslog(2): what dmesg reads ---------------------------------------- */

#define SYSLOG_ACTION_CLOSE        0
#define SYSLOG_ACTION_OPEN         1
#define SYSLOG_ACTION_READ         2
#define SYSLOG_ACTION_READ_ALL     3
#define SYSLOG_ACTION_READ_CLEAR   4
#define SYSLOG_ACTION_CLEAR        5
#define SYSLOG_ACTION_SIZE_UNREAD  9
#define SYSLOG_ACTION_SIZE_BUFFER  10

static u64 klog_cleared, klog_read_pos;        /* under console_lock */

/* Copy klog from *from into the user buffer (at most len bytes): the
 * count, or -EFAULT. The copy happens without the lock, through a bounce
 * buffer taken under it. */
static long klog_to_user(u64 *from, u64 ubuf, size_t len, bool advance)
{
	char *tmp = kmalloc(KLOG_SIZE);
	if (!tmp)
		return -ENOMEM;
	irqflags_t f = spin_lock_irqsave(&console_lock);
	u64 end = klog_pos, start = *from;
	if (end - start > KLOG_SIZE)
		start = end - KLOG_SIZE;
	if (end - start > len)
		start = advance ? start : end - len;    /* READ_ALL: the newest len bytes */
	size_t n = (size_t)MIN(end - start, (u64)len);
	for (size_t k = 0; k < n; k++)
		tmp[k] = klog_buf[(start + k) % KLOG_SIZE];
	if (advance)
		*from = start + n;
	spin_unlock_irqrestore(&console_lock, f);
	long rc = copy_to_user(ubuf, tmp, n) ? -EFAULT : (long)n;
	kfree(tmp);
	return rc;
}

SYSCALL_DEFINE(syslog)
{
	int type = (int)a0, len = (int)a2;
	u64 ubuf = a1;
	struct process *p = current_proc();
	/* Linux (dmesg_restrict 0): reading everything and the size are
	 * open to all; the rest needs CAP_SYSLOG. */
	if (type != SYSLOG_ACTION_READ_ALL && type != SYSLOG_ACTION_SIZE_BUFFER &&
	    p && p->cred.euid != 0)
		return -EPERM;
	switch (type) {
	case SYSLOG_ACTION_CLOSE:
	case SYSLOG_ACTION_OPEN:
		return 0;
	case SYSLOG_ACTION_READ:
	case SYSLOG_ACTION_READ_ALL:
	case SYSLOG_ACTION_READ_CLEAR: {
		if (!ubuf || len < 0)
			return -EINVAL;
		if (!len)
			return 0;
		if (type == SYSLOG_ACTION_READ)
			return klog_to_user(&klog_read_pos, ubuf, (size_t)len, true);
		u64 from = READ_ONCE(klog_cleared);
		long n = klog_to_user(&from, ubuf, (size_t)len, false);
		if (n >= 0 && type == SYSLOG_ACTION_READ_CLEAR)
			WRITE_ONCE(klog_cleared, klog_position());
		return n;
	}
	case SYSLOG_ACTION_CLEAR:
		WRITE_ONCE(klog_cleared, klog_position());
		return 0;
	case SYSLOG_ACTION_SIZE_UNREAD: {
		u64 unread = klog_position() - READ_ONCE(klog_read_pos);
		return (long)MIN(unread, (u64)KLOG_SIZE);
	}
	case SYSLOG_ACTION_SIZE_BUFFER:
		return KLOG_SIZE;
	default:
		/* Console log levels (6-8): Ringtail's console has none. */
		return -EINVAL;
	}
}

/* --- NMI-safe path ------------------------------------------------------ */

#define NMI_BUF_SIZE 4096
struct nmi_log {
	u32 len;                /* bytes appended; only NMIs grow it */
	u32 dropped;            /* bytes that did not fit */
	char data[NMI_BUF_SIZE];
};
static struct nmi_log nmi_logs[MAX_CPUS];
static struct irq_work nmi_flush_work[MAX_CPUS];

static void nmi_sink(void *ctx, const char *s, size_t n)
{
	struct nmi_log *l = ctx;
	u32 len = READ_ONCE(l->len);
	if (len + n > NMI_BUF_SIZE) {
		l->dropped += n;
		return;
	}
	memcpy(l->data + len, s, n);
	/* The flusher on this CPU reads data[0, len) only after seeing len. */
	barrier();
	WRITE_ONCE(l->len, len + n);
}

static void nmi_flush(struct irq_work *w)
{
	struct nmi_log *l = &nmi_logs[w - nmi_flush_work];
	u32 start = 0;
	irqflags_t f = spin_lock_irqsave(&console_lock);
	for (;;) {
		u32 len = READ_ONCE(l->len);
		barrier();
		if (len > start)
			console_sink(NULL, l->data + start, len - start);
		/* An NMI may append between the read and the reset: only reset if
		 * nothing new arrived, otherwise print the new part too. */
		if (__atomic_compare_exchange_n(&l->len, &len, 0, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			break;
		start = len;
	}
	u32 dropped = __atomic_exchange_n(&l->dropped, 0, __ATOMIC_SEQ_CST);
	if (dropped) {
		char msg[64];
		int n = fmt_snprintf(msg, sizeof(msg), "[%u bytes of NMI output lost]\n", dropped);
		console_sink(NULL, msg, n);
	}
	spin_unlock_irqrestore(&console_lock, f);
}

void printk_init_late(void)
{
	for (int i = 0; i < MAX_CPUS; i++)
		irq_work_init(&nmi_flush_work[i], nmi_flush);
}

/* Set by panic: from then on every printk goes straight to the console. */
static bool emergency;

void printk_enter_emergency(void)
{
	WRITE_ONCE(emergency, true);
}

int vprintk(const char *fmt, va_list ap)
{
	/* Panicking, or an exception inside printk on this CPU: never wait for
	 * the console lock (it may be ours, or held by a stopped CPU). */
	if (READ_ONCE(emergency) || READ_ONCE(console_lock.cpu) == (s32)this_cpu_id())
		return (int)fmt_format(console_sink, NULL, fmt, ap);
	if (in_nmi_ctx()) {
		unsigned cpu = this_cpu_id();
		size_t n = fmt_format(nmi_sink, &nmi_logs[cpu], fmt, ap);
		irq_work_queue(&nmi_flush_work[cpu]);
		return (int)n;
	}
	irqflags_t f = spin_lock_irqsave(&console_lock);
	size_t n = fmt_format(console_sink, NULL, fmt, ap);
	spin_unlock_irqrestore(&console_lock, f);
	return (int)n;
}

int printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintk(fmt, ap);
	va_end(ap);
	return n;
}

void printk_emergency(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fmt_format(console_sink, NULL, fmt, ap);
	va_end(ap);
}
