/* epoll: an interest list of (fd, events, data) and a wait for any of them
 * to be ready, with Linux's errno. libbpf's ring_buffer__poll and
 * perf_buffer__poll sit on it.
 *
 * Readiness is asked of each file's poll op, as poll() does, so epoll needs
 * no hook in the files. Level-triggered by default; EPOLLET reports an item
 * only when it becomes ready again after it was reported (or when new
 * events are added to its mask); EPOLLONESHOT disables an item after one
 * report until EPOLL_CTL_MOD. The set holds a reference on each file, so an
 * fd closed without EPOLL_CTL_DEL stays in the set until the set is closed
 * (Linux drops it when the last descriptor of the file closes). */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/clock.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/poll.h>
#include <kernel/proc.h>
#include <kernel/signal.h>
#include <kernel/syscall.h>
#include <kernel/usermem.h>
#include <linux/eventpoll.h>

#define EP_MAX_EVENTS  (0x7fffffff / 12)

struct ep_item {
	struct list_node node;
	int fd;
	struct file *file;
	u32 events;
	u64 data;
	u32 last;               /* what was reported last (EPOLLET) */
	bool disabled;          /* EPOLLONESHOT fired */
};

struct eventpoll {
	spinlock_t lock;
	struct list_node items;
	int count;
};

static const struct file_ops epoll_ops;

static struct eventpoll *ep_of(struct file *f)
{
	return f && f->ops == &epoll_ops ? f->priv : NULL;
}

struct ep_scan {
	struct eventpoll *ep;
	struct epoll_event *out;
	int max;
	bool consume;           /* an epoll_wait (not just a poll of the set) */
};

static unsigned int item_ready(struct ep_item *it, struct poll_table *pt)
{
	unsigned int m = it->file->ops->poll ? it->file->ops->poll(it->file, pt)
					     : DEFAULT_POLLMASK;
	return m & (it->events | POLLERR | POLLHUP);
}

/* Interest-list changes and scans are serialised by ep->lock; the file
 * poll ops only take their own short locks, so they may run under it. */
static long ep_scan_once(void *arg, struct poll_table *pt)
{
	struct ep_scan *s = arg;
	struct eventpoll *ep = s->ep;
	int n = 0;
	irqflags_t f = spin_lock_irqsave(&ep->lock);
	struct list_node *pos;
	list_for_each(pos, &ep->items) {
		struct ep_item *it = list_entry(pos, struct ep_item, node);
		if (it->disabled)
			continue;
		unsigned int m = item_ready(it, pt);
		if (!s->consume) {
			if (m)
				n++;
			continue;
		}
		if (it->events & EPOLLET) {
			unsigned int fresh = m & ~it->last;
			it->last = m;
			m = fresh ? m : 0;
		}
		if (!m || n >= s->max)
			continue;
		s->out[n].events = m;
		s->out[n].data = it->data;
		n++;
		if (it->events & EPOLLONESHOT)
			it->disabled = true;
	}
	spin_unlock_irqrestore(&ep->lock, f);
	return n;
}

static unsigned int ep_poll(struct file *f, struct poll_table *pt)
{
	struct ep_scan s = { .ep = f->priv, .consume = false };
	return ep_scan_once(&s, pt) ? POLLIN | POLLRDNORM : 0;
}

static void ep_release(struct file *f)
{
	struct eventpoll *ep = f->priv;
	struct list_node *pos, *tmp;
	list_for_each_safe(pos, tmp, &ep->items) {
		struct ep_item *it = list_entry(pos, struct ep_item, node);
		file_put(it->file);
		kfree(it);
	}
	kfree(ep);
}

static const struct file_ops epoll_ops = {
	.name = "eventpoll",
	.poll = ep_poll,
	.release = ep_release,
};

static long ep_create(bool cloexec)
{
	struct eventpoll *ep = kzalloc(sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	spin_lock_init(&ep->lock, "epoll");
	list_init(&ep->items);
	struct file *f = file_alloc(&epoll_ops, ep, O_RDWR);
	if (!f) {
		kfree(ep);
		return -ENOMEM;
	}
	int fd = fd_install(f, cloexec);
	if (fd < 0)
		file_put(f);
	return fd;
}

SYSCALL_DEFINE(epoll_create1)
{
	if (a0 & ~(u64)EPOLL_CLOEXEC)
		return -EINVAL;
	return ep_create(a0 & EPOLL_CLOEXEC);
}

SYSCALL_DEFINE(epoll_create)
{
	if ((int)a0 <= 0)
		return -EINVAL;
	return ep_create(false);
}

SYSCALL_DEFINE(epoll_ctl)
{
	int epfd = (int)a0, op = (int)a1, fd = (int)a2;
	struct epoll_event ev = { 0 };
	if (op != EPOLL_CTL_DEL && copy_from_user(&ev, a3, sizeof(ev)))
		return -EFAULT;
	struct file *epf = fd_get(epfd);
	if (!epf)
		return -EBADF;
	struct file *tf = fd_get(fd);
	long rc = 0;
	struct eventpoll *ep = ep_of(epf);
	if (!tf)
		rc = -EBADF;
	else if (!ep || tf == epf)
		rc = -EINVAL;
	else if (!tf->ops->poll)
		rc = -EPERM;            /* regular files cannot be watched */
	else if (op != EPOLL_CTL_ADD && op != EPOLL_CTL_DEL && op != EPOLL_CTL_MOD)
		rc = -EINVAL;
	else if ((ev.events & EPOLLEXCLUSIVE) && op == EPOLL_CTL_MOD)
		rc = -EINVAL;
	if (rc)
		goto out;
	irqflags_t f = spin_lock_irqsave(&ep->lock);
	struct ep_item *found = NULL;
	struct list_node *pos;
	list_for_each(pos, &ep->items) {
		struct ep_item *it = list_entry(pos, struct ep_item, node);
		if (it->fd == fd && it->file == tf)
			found = it;
	}
	if (op == EPOLL_CTL_ADD) {
		if (found) {
			rc = -EEXIST;
		} else {
			struct ep_item *it = kzalloc(sizeof(*it));
			if (!it) {
				rc = -ENOMEM;
			} else {
				it->fd = fd;
				it->file = tf;
				file_get(tf);
				it->events = ev.events;
				it->data = ev.data;
				list_add_tail(&ep->items, &it->node);
				ep->count++;
			}
		}
	} else if (!found) {
		rc = -ENOENT;
	} else if (op == EPOLL_CTL_MOD) {
		found->events = ev.events;
		found->data = ev.data;
		found->disabled = false;
		found->last = 0;
	} else {
		list_del(&found->node);
		ep->count--;
	}
	spin_unlock_irqrestore(&ep->lock, f);
	if (op == EPOLL_CTL_DEL && found) {
		file_put(found->file);
		kfree(found);
	}
out:
	if (tf)
		file_put(tf);
	file_put(epf);
	return rc;
}

static long ep_wait(int epfd, u64 uevents, int maxevents, u64 deadline)
{
	if (maxevents <= 0 || maxevents > EP_MAX_EVENTS)
		return -EINVAL;
	if (!user_range_ok(uevents, (u64)maxevents * sizeof(struct epoll_event)))
		return -EFAULT;
	struct file *epf = fd_get(epfd);
	if (!epf)
		return -EBADF;
	struct eventpoll *ep = ep_of(epf);
	if (!ep) {
		file_put(epf);
		return -EINVAL;
	}
	int cap = MIN(maxevents, 64);
	struct epoll_event *out = kmalloc(cap * sizeof(*out));
	long rc = -ENOMEM;
	if (out) {
		struct ep_scan s = { .ep = ep, .out = out, .max = cap, .consume = true };
		rc = poll_wait_until(ep_scan_once, &s, deadline);
		if (rc > 0 && copy_to_user(uevents, out, rc * sizeof(*out)))
			rc = -EFAULT;
		kfree(out);
	}
	file_put(epf);
	return rc;
}

static u64 timeout_deadline(int ms)
{
	if (ms < 0)
		return 0;
	return ms == 0 ? POLL_NOWAIT : clock_ns() + (u64)ms * NSEC_PER_MSEC;
}

SYSCALL_DEFINE(epoll_wait)
{
	return ep_wait((int)a0, a1, (int)a2, timeout_deadline((int)a3));
}

/* Like epoll_wait with the signal mask a4 (size a5) in force during the
 * wait, restored after a signal is delivered (as ppoll does). */
SYSCALL_DEFINE(epoll_pwait)
{
	struct thread *t = current_thread();
	if (a4) {
		u64 mask;
		if (a5 != 8)
			return -EINVAL;
		if (copy_from_user(&mask, a4, 8))
			return -EFAULT;
		t->saved_sigmask = t->sig_blocked;
		t->sig_blocked = mask & ~(SIGMASK(SIGKILL) | SIGMASK(SIGSTOP));
	}
	long rc = ep_wait((int)a0, a1, (int)a2, timeout_deadline((int)a3));
	if (a4) {
		if (rc == -EINTR)
			t->restore_sigmask = true;
		else
			t->sig_blocked = t->saved_sigmask;
	}
	return rc;
}
