/* Time system calls. Every clock here derives from the one TSC clock, so
 * they agree with each other (and across CPUs). */
#include <lib/errno.h>
#include <kernel/clock.h>
#include <kernel/proc.h>
#include <kernel/sched.h>
#include <kernel/syscall.h>
#include <kernel/usermem.h>
#include <linux/time.h>

struct kts {
	s64 sec, nsec;
};

static u64 thread_cpu_ns(struct thread *t)
{
	return t->utime_ns + t->stime_ns + (clock_ns() - t->switched_in_ns);
}

static long clock_read(int id, u64 *ns)
{
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		*ns = clock_realtime_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		*ns = clock_ns();
		return 0;
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = thread_cpu_ns(current_thread());
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID: {
		struct process *p = current_proc();
		u64 sum = 0;
		irqflags_t f = spin_lock_irqsave(&p->lock);
		struct list_node *pos;
		list_for_each(pos, &p->threads) {
			struct thread *t = list_entry(pos, struct thread, proc_node);
			sum += t == current_thread() ? thread_cpu_ns(t) : t->utime_ns + t->stime_ns;
		}
		spin_unlock_irqrestore(&p->lock, f);
		*ns = sum;
		return 0;
	}
	default:
		return -EINVAL;
	}
}

static int put_ts(u64 uaddr, u64 ns)
{
	struct kts ts = { (s64)(ns / NSEC_PER_SEC), (s64)(ns % NSEC_PER_SEC) };
	return copy_to_user(uaddr, &ts, sizeof(ts));
}

/* Read and check a timespec: 0, -EFAULT or -EINVAL. */
static long get_ts(u64 uaddr, u64 *ns)
{
	struct kts ts;
	if (copy_from_user(&ts, uaddr, sizeof(ts)))
		return -EFAULT;
	if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= (s64)NSEC_PER_SEC)
		return -EINVAL;
	/* Clamp absurd values instead of overflowing (~ 292 years). */
	*ns = (u64)ts.sec > 9000000000ull ? ~0ull >> 2 : (u64)ts.sec * NSEC_PER_SEC + (u64)ts.nsec;
	return 0;
}

SYSCALL_DEFINE(clock_gettime)
{
	u64 ns;
	long rc = clock_read((int)a0, &ns);
	if (rc)
		return rc;
	return put_ts(a1, ns) ? -EFAULT : 0;
}

SYSCALL_DEFINE(clock_getres)
{
	u64 ns;
	long rc = clock_read((int)a0, &ns);
	if (rc)
		return rc;
	if (a1 && put_ts(a1, 1))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE(gettimeofday)
{
	if (a0) {
		u64 ns = clock_realtime_ns();
		s64 tv[2] = { (s64)(ns / NSEC_PER_SEC), (s64)(ns % NSEC_PER_SEC / 1000) };
		if (copy_to_user(a0, tv, sizeof(tv)))
			return -EFAULT;
	}
	if (a1) {
		s32 tz[2] = { 0, 0 };
		if (copy_to_user(a1, tz, sizeof(tz)))
			return -EFAULT;
	}
	return 0;
}

SYSCALL_DEFINE(time)
{
	s64 t = (s64)(clock_realtime_ns() / NSEC_PER_SEC);
	if (a0 && copy_to_user(a0, &t, sizeof(t)))
		return -EFAULT;
	return t;
}

static long sleep_common(u64 deadline, u64 urem)
{
	u64 left;
	long rc = sleep_until(deadline, &left);
	if (rc == -EINTR && urem && put_ts(urem, left))
		return -EFAULT;
	return rc;
}

SYSCALL_DEFINE(nanosleep)
{
	u64 ns;
	long rc = get_ts(a0, &ns);
	if (rc)
		return rc;
	return sleep_common(clock_ns() + ns, a1);
}

SYSCALL_DEFINE(clock_nanosleep)
{
	int id = (int)a0;
	if (id == CLOCK_THREAD_CPUTIME_ID)
		return -EINVAL;
	if (id != CLOCK_REALTIME && id != CLOCK_MONOTONIC && id != CLOCK_BOOTTIME &&
	    id != CLOCK_PROCESS_CPUTIME_ID)
		return -EINVAL;
	if (id == CLOCK_PROCESS_CPUTIME_ID)
		return -EOPNOTSUPP;
	u64 ns;
	long rc = get_ts(a2, &ns);
	if (rc)
		return rc;
	if (a1 & TIMER_ABSTIME) {
		u64 now = id == CLOCK_REALTIME ? clock_realtime_ns() : clock_ns();
		u64 d = ns > now ? ns - now : 0;
		return sleep_until(clock_ns() + d, NULL);
	}
	return sleep_common(clock_ns() + ns, a3);
}
