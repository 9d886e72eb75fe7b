/* wait4 and waitid: a parent collects the exit status of its children
 * (reaping zombies), and with WUNTRACED/WSTOPPED and WCONTINUED the stops
 * and continues of job control, as Linux reports them. The scan and the
 * reaping happen under procs_lock; a waiter queues itself on its
 * process's child_wait first, so a child that changes state between the
 * scan and the sleep wakes it. */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/clock.h>
#include <kernel/proc.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/syscall.h>
#include <kernel/usermem.h>

#define WNOHANG     0x00000001
#define WUNTRACED   0x00000002
#define WSTOPPED    WUNTRACED
#define WEXITED     0x00000004
#define WCONTINUED  0x00000008
#define WNOWAIT     0x01000000
#define __WNOTHREAD 0x20000000
#define __WALL      0x40000000
#define __WCLONE    0x80000000

#define P_ALL  0
#define P_PID  1
#define P_PGID 2

struct wait_req {
	int which;              /* P_ALL, P_PID, P_PGID */
	int id;
	unsigned options;
	/* the result */
	int pid, status, code;  /* code: CLD_* */
	u32 uid;
	u64 utime_ns, stime_ns;
};

static bool matches(const struct wait_req *r, const struct process *c)
{
	if (r->which == P_PID && c->pid != r->id)
		return false;
	if (r->which == P_PGID && c->pgid != r->id)
		return false;
	/* __WCLONE: only children whose exit signal is not SIGCHLD;
	 * otherwise only those whose is (__WALL: both). */
	if (!(r->options & __WALL) && ((r->options & __WCLONE) != 0) != (c->exit_signal != SIGCHLD))
		return false;
	return true;
}

/* One scan of self's children: 1 and r filled if one has something to
 * report, 0 if some match but none has, -ECHILD if none match. *reap
 * gets a zombie to release (unlinked) once the lock is dropped. */
static int scan_locked(struct process *self, struct wait_req *r, struct process **reap)
{
	bool any = false;
	struct list_node *pos;
	list_for_each(pos, &self->children) {
		struct process *c = list_entry(pos, struct process, sibling);
		if (!matches(r, c))
			continue;
		any = true;
		r->pid = c->pid;
		r->uid = c->cred.uid;
		if (c->state == PROC_ZOMBIE && (r->options & WEXITED)) {
			r->status = c->exit_status;
			r->code = (c->exit_status & 0x7f) ? CLD_KILLED : CLD_EXITED;
			r->utime_ns = c->utime_ns + c->child_utime_ns;
			r->stime_ns = c->stime_ns + c->child_stime_ns;
			if (!(r->options & WNOWAIT)) {
				self->child_utime_ns += r->utime_ns;
				self->child_stime_ns += r->stime_ns;
				c->state = PROC_REAPED;
				list_del(&c->sibling);
				c->parent = NULL;
				*reap = c;
			}
			return 1;
		}
		if (c->state != PROC_ALIVE)
			continue;
		irqflags_t f = spin_lock_irqsave(&c->lock);
		int found = 0;
		if ((c->report & PROC_STOP_REPORTABLE) && c->stopped && (r->options & WSTOPPED)) {
			r->status = W_STOPPED(c->stop_signal);
			r->code = CLD_STOPPED;
			found = 1;
		} else if ((c->report & PROC_CONT_REPORTABLE) && (r->options & WCONTINUED)) {
			r->status = W_CONTINUED;
			r->code = CLD_CONTINUED;
			found = 1;
		}
		if (found && !(r->options & WNOWAIT))
			c->report = 0;
		spin_unlock_irqrestore(&c->lock, f);
		if (found)
			return 1;
	}
	return any ? 0 : -ECHILD;
}

static long do_wait(struct wait_req *r)
{
	struct process *self = current_proc();
	for (;;) {
		struct waiter w;
		waitq_add(&self->child_wait, &w);
		struct process *reap = NULL;
		irqflags_t f = spin_lock_irqsave(&procs_lock);
		int rc = scan_locked(self, r, &reap);
		spin_unlock_irqrestore(&procs_lock, f);
		if (rc != 0 || (r->options & WNOHANG)) {
			waitq_remove(&self->child_wait, &w);
			if (reap)
				proc_put(reap);         /* the tree's reference */
			return rc;
		}
		if (thread_interrupted()) {
			waitq_remove(&self->child_wait, &w);
			return -EINTR;
		}
		sched_sleep(0);
		waitq_remove(&self->child_wait, &w);
	}
}

struct krusage {
	s64 ru_utime[2], ru_stime[2];
	s64 rest[14];
};

static long put_rusage(u64 uru, const struct wait_req *r)
{
	struct krusage ru;
	memset(&ru, 0, sizeof(ru));
	ru.ru_utime[0] = (s64)(r->utime_ns / NSEC_PER_SEC);
	ru.ru_utime[1] = (s64)(r->utime_ns % NSEC_PER_SEC / 1000);
	ru.ru_stime[0] = (s64)(r->stime_ns / NSEC_PER_SEC);
	ru.ru_stime[1] = (s64)(r->stime_ns % NSEC_PER_SEC / 1000);
	return copy_to_user(uru, &ru, sizeof(ru)) ? -EFAULT : 0;
}

SYSCALL_DEFINE(wait4)
{
	int pid = (int)a0;
	u64 ustatus = a1, uru = a3;
	unsigned options = (unsigned)a2;
	if (options & ~(unsigned)(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL))
		return -EINVAL;
	if (pid == (int)0x80000000)
		return -ESRCH;          /* Linux: -INT_MIN has no group */
	struct wait_req r = { .options = options | WEXITED };
	if (pid > 0) {
		r.which = P_PID;
		r.id = pid;
	} else if (pid == 0) {
		r.which = P_PGID;
		r.id = READ_ONCE(current_proc()->pgid);
	} else if (pid < -1) {
		r.which = P_PGID;
		r.id = -pid;
	} else {
		r.which = P_ALL;
	}
	long rc = do_wait(&r);
	if (rc <= 0)
		return rc;
	if (ustatus && copy_to_user(ustatus, &r.status, sizeof(int)))
		return -EFAULT;
	if (uru && put_rusage(uru, &r))
		return -EFAULT;
	return r.pid;
}

/* siginfo_t as waitid fills it (128 bytes). */
struct ksiginfo_chld {
	s32 signo, errnum, code, pad;
	s32 pid;
	u32 uid;
	s32 status;
	s32 pad2;
	s64 utime, stime;
	u8 rest[128 - 48];
};

SYSCALL_DEFINE(waitid)
{
	int which = (int)a0, id = (int)a1;
	u64 uinfo = a2, uru = a4;
	unsigned options = (unsigned)a3;
	if (options & ~(unsigned)(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED |
				  __WNOTHREAD | __WCLONE | __WALL))
		return -EINVAL;
	if (!(options & (WEXITED | WSTOPPED | WCONTINUED)))
		return -EINVAL;
	struct wait_req r = { .options = options };
	switch (which) {
	case P_ALL:
		r.which = P_ALL;
		break;
	case P_PID:
		if (id <= 0)
			return -EINVAL;
		r.which = P_PID;
		r.id = id;
		break;
	case P_PGID:
		if (id < 0)
			return -EINVAL;
		r.which = P_PGID;
		r.id = id ? id : READ_ONCE(current_proc()->pgid);
		break;
	default:
		return -EINVAL;
	}
	long rc = do_wait(&r);
	if (rc < 0)
		return rc;
	struct ksiginfo_chld si;
	memset(&si, 0, sizeof(si));
	if (rc > 0) {
		si.signo = SIGCHLD;
		si.code = r.code;
		si.pid = r.pid;
		si.uid = r.uid;
		si.status = r.code == CLD_EXITED ? (r.status >> 8) & 0xff
			    : r.code == CLD_STOPPED ? (r.status >> 8) & 0xff
			    : r.code == CLD_CONTINUED ? SIGCONT : r.status & 0x7f;
		si.utime = (s64)(r.utime_ns / (NSEC_PER_SEC / 100));
		si.stime = (s64)(r.stime_ns / (NSEC_PER_SEC / 100));
	}
	/* WNOHANG with nothing to report: a zeroed siginfo (si_pid 0). */
	if (uinfo && copy_to_user(uinfo, &si, sizeof(si)))
		return -EFAULT;
	if (uru && rc > 0 && put_rusage(uru, &r))
		return -EFAULT;
	return 0;
}
