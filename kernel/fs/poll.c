/* poll and ppoll. Each file's poll op reports ready events and registers
 * the caller on the wait queues that will announce a change; the caller
 * then sleeps until one of them fires or the timeout passes, and asks
 * again. Everything a file announces is re-checked, so spurious wakeups are
 * harmless. */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/clock.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/poll.h>
#include <kernel/proc.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/syscall.h>
#include <kernel/usermem.h>

#define MAX_POLL_FDS 1024       /* RLIMIT_NOFILE's usual soft limit */
#define MAX_ENTRIES 64

struct poll_entry {
	struct waitq *wq;
	struct waiter w;
};

struct poll_table {
	struct poll_entry entries[MAX_ENTRIES];
	int n;
	bool overflow;
};

void poll_wait(struct poll_table *pt, struct waitq *wq)
{
	if (!pt || !wq)
		return;
	if (pt->n >= MAX_ENTRIES) {
		pt->overflow = true;    /* fall back to short sleeps */
		return;
	}
	struct poll_entry *e = &pt->entries[pt->n++];
	e->wq = wq;
	e->w.thread = current_thread();
	irqflags_t f = spin_lock_irqsave(&wq->lock);
	list_add_tail(&wq->waiters, &e->w.node);
	spin_unlock_irqrestore(&wq->lock, f);
}

static void poll_table_release(struct poll_table *pt)
{
	for (int i = 0; i < pt->n; i++) {
		irqflags_t f = spin_lock_irqsave(&pt->entries[i].wq->lock);
		list_del(&pt->entries[i].w.node);
		spin_unlock_irqrestore(&pt->entries[i].wq->lock, f);
	}
	pt->n = 0;
	pt->overflow = false;
}

long poll_wait_until(long (*check)(void *arg, struct poll_table *pt), void *arg, u64 deadline)
{
	bool nowait = deadline == POLL_NOWAIT;
	struct poll_table *pt = nowait ? NULL : kzalloc(sizeof(*pt));
	if (!nowait && !pt)
		return -ENOMEM;
	long rc;
	for (;;) {
		/* Blocked before asking the files: a change announced between
		 * the question and the sleep makes us runnable again. */
		if (!nowait)
			thread_prepare_sleep();
		rc = check(arg, pt);
		if (rc || nowait)
			break;
		if (thread_interrupted()) {
			rc = -EINTR;
			break;
		}
		if (deadline && clock_ns() >= deadline)
			break;
		u64 dl = deadline;
		if (pt->overflow) {     /* too many queues to watch: re-poll soon */
			u64 soon = clock_ns() + 10 * NSEC_PER_MSEC;
			dl = dl && dl < soon ? dl : soon;
		}
		sched_sleep(dl);
		poll_table_release(pt);
	}
	if (!nowait) {
		thread_cancel_sleep();
		poll_table_release(pt);
		kfree(pt);
	}
	return rc;
}

struct kpollfd {
	int fd;
	short events, revents;
};

struct poll_args {
	struct kpollfd *fds;
	size_t nfds;
};

static long poll_once(void *arg, struct poll_table *pt)
{
	struct poll_args *a = arg;
	int ready = 0;
	for (size_t i = 0; i < a->nfds; i++) {
		struct kpollfd *p = &a->fds[i];
		p->revents = 0;
		if (p->fd < 0)
			continue;
		struct file *f = fd_get(p->fd);
		if (!f) {
			p->revents = POLLNVAL;
			ready++;
			continue;
		}
		unsigned int m = f->ops->poll ? f->ops->poll(f, pt) : DEFAULT_POLLMASK;
		file_put(f);
		/* POLLERR, POLLHUP and POLLNVAL are reported even if not asked. */
		m &= (unsigned short)p->events | POLLERR | POLLHUP | POLLNVAL;
		p->revents = (short)m;
		if (m)
			ready++;
	}
	return ready;
}

static long poll_common(u64 ufds, u64 nfds, u64 deadline)
{
	if (nfds > MAX_POLL_FDS)
		return -EINVAL;
	size_t bytes = nfds * sizeof(struct kpollfd);
	struct kpollfd *fds = kmalloc(bytes ? bytes : 1);
	if (!fds)
		return -ENOMEM;
	long rc = copy_from_user(fds, ufds, bytes) ? -EFAULT : 0;
	if (!rc) {
		struct poll_args pa = { fds, nfds };
		rc = poll_wait_until(poll_once, &pa, deadline);
		/* Linux writes revents back even when the result is 0. */
		if (rc >= 0) {
			for (size_t i = 0; i < nfds && rc >= 0; i++)
				if (copy_to_user(ufds + i * sizeof(*fds) + 6, &fds[i].revents, 2))
					rc = -EFAULT;
		}
	}
	kfree(fds);
	return rc;
}

SYSCALL_DEFINE(poll)
{
	int timeout_ms = (int)a2;
	u64 deadline = timeout_ms < 0 ? 0 : timeout_ms == 0 ? POLL_NOWAIT :
		       clock_ns() + (u64)timeout_ms * NSEC_PER_MSEC;
	return poll_common(a0, a1, deadline);
}

struct kts {
	s64 sec, nsec;
};

SYSCALL_DEFINE(ppoll)
{
	u64 deadline = 0;
	if (a2) {
		struct kts ts;
		if (copy_from_user(&ts, a2, sizeof(ts)))
			return -EFAULT;
		if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
			return -EINVAL;
		u64 ns = (u64)ts.sec > 9000000000ull ? ~0ull / 4 :
			 (u64)ts.sec * NSEC_PER_SEC + (u64)ts.nsec;
		deadline = ns == 0 ? POLL_NOWAIT : clock_ns() + ns;
	}
	struct thread *t = current_thread();
	u64 mask = 0;
	if (a3) {
		if (a4 != 8)    /* a signal mask must be the kernel's size */
			return -EINVAL;
		if (copy_from_user(&mask, a3, 8))
			return -EFAULT;
		t->saved_sigmask = t->sig_blocked;
		t->sig_blocked = mask & ~(SIGMASK(SIGKILL) | SIGMASK(SIGSTOP));
	}
	long rc = poll_common(a0, a1, deadline);
	if (a3) {
		/* Interrupted: keep the temporary mask until the signal has been
		 * delivered (exit_to_user restores it), as Linux does. */
		if (rc == -EINTR)
			t->restore_sigmask = true;
		else
			t->sig_blocked = t->saved_sigmask;
	}
	return rc;
}
