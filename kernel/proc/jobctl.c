/* Job control: process groups and sessions (setpgid, getpgid, setsid,
 * getsid), and stopping and continuing whole processes (SIGSTOP, SIGTSTP,
 * SIGTTIN, SIGTTOU, SIGCONT) with the reports wait() gives for them.
 *
 * A stop is taken by each thread at its next return to user mode, where
 * it sleeps until SIGCONT or SIGKILL; the parent is told (SIGCHLD with
 * CLD_STOPPED, unless it asked SA_NOCLDSTOP) and a wait with WUNTRACED
 * reports it once. */
#include <lib/errno.h>
#include <kernel/proc.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/syscall.h>
#include <kernel/tty.h>
#include <kernel/arch/irq.h>

void proc_job_stop(struct process *p, int sig)
{
	irqflags_t f = spin_lock_irqsave(&p->lock);
	bool was = p->stopped;
	if (!was && !p->exiting) {
		p->stopped = true;
		p->stop_signal = sig;
		p->report = PROC_STOP_REPORTABLE;
		/* Threads running user code elsewhere come in to stop. */
		struct list_node *pos;
		list_for_each(pos, &p->threads) {
			struct thread *t = list_entry(pos, struct thread, proc_node);
			if (t != current_thread() && t->on_cpu && t->cpu != this_cpu_id())
				arch_send_resched(t->cpu);
		}
	}
	spin_unlock_irqrestore(&p->lock, f);
	if (!was) {
		irqflags_t g = spin_lock_irqsave(&procs_lock);
		proc_notify_parent(p, SIGCHLD, CLD_STOPPED);
		spin_unlock_irqrestore(&procs_lock, g);
	}
}

void proc_job_continue(struct process *p)
{
	irqflags_t f = spin_lock_irqsave(&p->lock);
	bool was = p->stopped;
	if (was) {
		p->stopped = false;
		p->report = PROC_CONT_REPORTABLE;
	}
	spin_unlock_irqrestore(&p->lock, f);
	if (!was)
		return;
	waitq_wake_all(&p->stop_wait);
	irqflags_t g = spin_lock_irqsave(&procs_lock);
	proc_notify_parent(p, SIGCHLD, CLD_CONTINUED);
	spin_unlock_irqrestore(&procs_lock, g);
}

void proc_stop_point(void)
{
	struct thread *t = current_thread();
	struct process *p = t->proc;
	for (;;) {
		struct waiter w;
		waitq_add(&p->stop_wait, &w);
		if (!READ_ONCE(p->stopped) || t->kill_pending) {
			waitq_remove(&p->stop_wait, &w);
			return;
		}
		sched_sleep(0);
		waitq_remove(&p->stop_wait, &w);
	}
}

/* --- groups and sessions ----------------------------------------------------- */

SYSCALL_DEFINE(getpgrp)
{
	return READ_ONCE(current_proc()->pgid);
}

static long pgid_or_sid(int pid, bool sid)
{
	if (pid < 0)
		return -ESRCH;
	struct process *p = pid ? proc_find(pid) : current_proc();
	if (!p)
		return -ESRCH;
	long rc = sid ? READ_ONCE(p->sid) : READ_ONCE(p->pgid);
	if (pid)
		proc_put(p);
	return rc;
}

SYSCALL_DEFINE(getpgid) { return pgid_or_sid((int)a0, false); }
SYSCALL_DEFINE(getsid) { return pgid_or_sid((int)a0, true); }

struct group_probe {
	int pgid, sid;
	bool exists;            /* a process has pgid pgid */
	bool in_session;        /* ... and it is in session sid */
	bool pid_used;          /* any process uses pgid as pgid or sid */
};

static int probe(struct process *p, void *arg)
{
	struct group_probe *g = arg;
	if (p->pgid == g->pgid) {
		g->exists = true;
		if (p->sid == g->sid)
			g->in_session = true;
	}
	if (p->pgid == g->pgid || p->sid == g->pgid)
		g->pid_used = true;
	return 0;
}

/* Linux's setpgid: pid is the caller or a child of it that has not
 * exec'd (EACCES once it has), in the caller's session, not a session
 * leader; pgid is its own pid or an existing group of the same session.
 * The checks in Linux's order, under the tree lock so nothing changes
 * between check and act. */
SYSCALL_DEFINE(setpgid)
{
	int pid = (int)a0, pgid = (int)a1;
	struct process *self = current_proc();
	if (pid == 0)
		pid = self->pid;
	if (pgid == 0)
		pgid = pid;
	if (pgid < 0)
		return -EINVAL;
	irqflags_t f = spin_lock_irqsave(&procs_lock);
	long rc = 0;
	struct process *p = NULL;
	if (pid == self->pid) {
		p = self;
	} else {
		struct list_node *pos;
		list_for_each(pos, &self->children) {
			struct process *c = list_entry(pos, struct process, sibling);
			if (c->pid == pid)
				p = c;
		}
	}
	if (!p) {
		rc = -ESRCH;
	} else if (p != self && p->sid != self->sid) {
		rc = -EPERM;
	} else if (p != self && READ_ONCE(p->did_exec)) {
		rc = -EACCES;
	} else if (p->sid == p->pid) {
		rc = -EPERM;            /* a session leader */
	} else if (pgid != p->pid) {
		struct group_probe g = { .pgid = pgid, .sid = self->sid };
		proc_for_each_locked(probe, &g);
		if (!g.in_session)
			rc = -EPERM;
	}
	if (!rc)
		p->pgid = pgid;
	spin_unlock_irqrestore(&procs_lock, f);
	return rc;
}

SYSCALL_DEFINE(setsid)
{
	struct process *self = current_proc();
	struct group_probe g = { .pgid = self->pid };
	irqflags_t f = spin_lock_irqsave(&procs_lock);
	proc_for_each_locked(probe, &g);
	long rc;
	if (self->pgid == self->pid || g.pid_used) {
		rc = -EPERM;            /* already a group leader: Linux refuses */
	} else {
		self->sid = self->pgid = self->pid;
		rc = self->pid;
	}
	spin_unlock_irqrestore(&procs_lock, f);
	return rc;     /* the new session has no terminal: tty_of() no longer matches */
}
