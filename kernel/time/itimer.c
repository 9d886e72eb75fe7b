/* Interval timers: alarm, setitimer and getitimer. ITIMER_REAL counts
 * wall-clock time and sends SIGALRM to the process, re-arming itself
 * with the interval; one per process, kept across exec, not inherited by
 * fork (Linux's rules). ITIMER_VIRTUAL and ITIMER_PROF (CPU-time timers)
 * are refused with EINVAL: Ringtail has no per-process CPU-time timers. */
#include <lib/errno.h>
#include <kernel/clock.h>
#include <kernel/proc.h>
#include <kernel/signal.h>
#include <kernel/syscall.h>
#include <kernel/usermem.h>

#define ITIMER_REAL    0

struct kitimerval {
	s64 interval_sec, interval_usec, value_sec, value_usec;
};

/* Timer interrupt: the signal, and the next period if there is one. */
static void expire(struct ktimer *t)
{
	struct process *p = t->data;
	signal_send_process(p, SIGALRM, SI_KERNEL);
	irqflags_t f = spin_lock_irqsave(&p->lock);
	if (p->itimer_interval_ns) {
		p->itimer_expires_ns += p->itimer_interval_ns;
		if (p->itimer_expires_ns <= clock_ns())       /* missed periods are not replayed */
			p->itimer_expires_ns = clock_ns() + p->itimer_interval_ns;
		ktimer_arm(t, p->itimer_expires_ns);
	} else {
		p->itimer_expires_ns = 0;
	}
	spin_unlock_irqrestore(&p->lock, f);
}

void itimer_init(struct process *p)
{
	ktimer_init(&p->itimer, expire, p);
	p->itimer_expires_ns = p->itimer_interval_ns = 0;
}

void itimer_exit(struct process *p)
{
	ktimer_cancel(&p->itimer);
}

/* Replace the real timer (value 0: disarm); the old setting comes back
 * in *old_value / *old_interval (remaining time, ns). */
static void set_real(struct process *p, u64 value, u64 interval, u64 *old_value,
		     u64 *old_interval)
{
	ktimer_cancel(&p->itimer);      /* may wait for a running expiry */
	irqflags_t f = spin_lock_irqsave(&p->lock);
	u64 now = clock_ns();
	if (old_value)
		*old_value = p->itimer_expires_ns > now ? p->itimer_expires_ns - now
			     : p->itimer_expires_ns ? 1 : 0;
	if (old_interval)
		*old_interval = p->itimer_interval_ns;
	p->itimer_interval_ns = value ? interval : 0;
	p->itimer_expires_ns = value ? now + value : 0;
	if (value)
		ktimer_arm(&p->itimer, p->itimer_expires_ns);
	spin_unlock_irqrestore(&p->lock, f);
}

static void to_timeval(u64 ns, s64 *sec, s64 *usec)
{
	*sec = (s64)(ns / NSEC_PER_SEC);
	*usec = (s64)((ns % NSEC_PER_SEC + 999) / 1000);   /* never 0 while armed */
	if (*usec == 1000000) {
		(*sec)++;
		*usec = 0;
	}
}

SYSCALL_DEFINE(alarm)
{
	u64 old = 0;
	set_real(current_proc(), (u64)(u32)a0 * NSEC_PER_SEC, 0, &old, NULL);
	/* Linux rounds the remaining time to the nearest second, never 0
	 * for a pending alarm. */
	u64 left = (old + NSEC_PER_SEC / 2) / NSEC_PER_SEC;
	return old && !left ? 1 : (long)left;
}

SYSCALL_DEFINE(getitimer)
{
	struct kitimerval v = { 0 };
	if ((int)a0 != ITIMER_REAL)
		return -EINVAL;
	struct process *p = current_proc();
	irqflags_t f = spin_lock_irqsave(&p->lock);
	u64 now = clock_ns(), e = p->itimer_expires_ns;
	u64 left = e > now ? e - now : e ? 1 : 0, iv = p->itimer_interval_ns;
	spin_unlock_irqrestore(&p->lock, f);
	to_timeval(left, &v.value_sec, &v.value_usec);
	to_timeval(iv, &v.interval_sec, &v.interval_usec);
	return copy_to_user(a1, &v, sizeof(v)) ? -EFAULT : 0;
}

SYSCALL_DEFINE(setitimer)
{
	struct kitimerval v, old = { 0 };
	if ((int)a0 != ITIMER_REAL)
		return -EINVAL;
	if (a1 && copy_from_user(&v, a1, sizeof(v)))
		return -EFAULT;
	if (!a1)
		v = (struct kitimerval){ 0 };   /* Linux: NULL disarms */
	if (v.value_sec < 0 || v.value_usec < 0 || v.value_usec >= 1000000 ||
	    v.interval_sec < 0 || v.interval_usec < 0 || v.interval_usec >= 1000000)
		return -EINVAL;
	u64 value = (u64)v.value_sec * NSEC_PER_SEC + (u64)v.value_usec * 1000;
	u64 interval = (u64)v.interval_sec * NSEC_PER_SEC + (u64)v.interval_usec * 1000;
	u64 ov, oi;
	set_real(current_proc(), value, interval, &ov, &oi);
	to_timeval(ov, &old.value_sec, &old.value_usec);
	to_timeval(oi, &old.interval_sec, &old.interval_usec);
	if (a2 && copy_to_user(a2, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}
