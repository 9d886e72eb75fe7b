/* Signals: actions (rt_sigaction, shared through struct sighand), masks,
 * sending (kill to a process, a group or everyone, tgkill, faults,
 * SIGCHLD) and delivery on the way back to user mode.
 *
 * Default actions as Linux's: ignore SIGCHLD, SIGURG and SIGWINCH;
 * SIGCONT continues a stopped process when it is sent (whatever its
 * action); SIGSTOP, SIGTSTP, SIGTTIN and SIGTTOU stop the process
 * (jobctl.c); everything else terminates it. */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/heap.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/signal.h>
#include <kernel/syscall.h>
#include <kernel/usermem.h>
#include <kernel/arch/thread.h>

#define UNBLOCKABLE (SIGMASK(SIGKILL) | SIGMASK(SIGSTOP))
#define STOP_SIGNALS (SIGMASK(SIGSTOP) | SIGMASK(SIGTSTP) | SIGMASK(SIGTTIN) | SIGMASK(SIGTTOU))

static const char *const names[32] = {
	[SIGHUP] = "SIGHUP", [SIGINT] = "SIGINT", [SIGQUIT] = "SIGQUIT", [SIGILL] = "SIGILL",
	[SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT", [SIGBUS] = "SIGBUS", [SIGFPE] = "SIGFPE",
	[SIGKILL] = "SIGKILL", [SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV",
	[SIGUSR2] = "SIGUSR2", [SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM",
	[SIGTERM] = "SIGTERM", [SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT",
	[SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP", [SIGTTIN] = "SIGTTIN",
	[SIGTTOU] = "SIGTTOU", [SIGURG] = "SIGURG", [SIGWINCH] = "SIGWINCH", [SIGIO] = "SIGIO",
	[SIGSYS] = "SIGSYS",
};

const char *signal_name(int sig)
{
	if (sig > 0 && sig < 32 && names[sig])
		return names[sig];
	return sig >= 34 && sig <= 64 ? "SIGRT" : "signal";
}

/* --- actions ------------------------------------------------------------------- */

struct sighand *sighand_alloc(void)
{
	struct sighand *sh = kzalloc(sizeof(*sh));
	if (sh) {
		sh->refs = 1;
		spin_lock_init(&sh->lock, "sighand");
	}
	return sh;
}

struct sighand *sighand_copy(const struct sighand *from)
{
	struct sighand *sh = sighand_alloc();
	if (sh)
		memcpy(sh->action, from->action, sizeof(sh->action));
	return sh;
}

void sighand_put(struct sighand *sh)
{
	if (sh && !__atomic_sub_fetch(&sh->refs, 1, __ATOMIC_ACQ_REL))
		kfree(sh);
}

void signal_reset_on_exec(struct process *p)
{
	/* Handlers are gone with the old image; ignored signals stay ignored. */
	for (int s = 0; s < NSIG; s++) {
		struct k_sigaction *a = &p->sighand->action[s];
		if (a->handler != SIG_IGN)
			a->handler = SIG_DFL;
		a->flags = 0;
		a->mask = 0;
		a->restorer = 0;
	}
}

static bool default_ignored(int sig)
{
	return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT;
}

/* The exit path clears p->sighand under p->lock before letting it go, so
 * it is read under that lock. */
static bool ignored(struct process *p, int sig)
{
	irqflags_t f = spin_lock_irqsave(&p->lock);
	const struct sighand *sh = p->sighand;
	u64 h = sh ? READ_ONCE(sh->action[sig - 1].handler) : SIG_IGN;
	spin_unlock_irqrestore(&p->lock, f);
	if (!sh)
		return true;            /* exiting: nothing is delivered any more */
	if (sig == SIGKILL || sig == SIGSTOP)
		return false;
	return h == SIG_IGN || (h == SIG_DFL && default_ignored(sig));
}

bool signal_pending_unblocked(struct thread *t)
{
	u64 pend = READ_ONCE(t->sig_pending) | (t->proc ? READ_ONCE(t->proc->sig_pending) : 0);
	return pend & ~(t->sig_blocked & ~UNBLOCKABLE);
}

/* --- sending ------------------------------------------------------------------- */

/* Sending SIGCONT continues the process and cancels pending stops; a stop
 * signal cancels a pending SIGCONT (Linux's prepare_signal). */
static void prepare(struct process *p, int sig)
{
	u64 drop = 0;
	if (sig == SIGCONT || sig == SIGKILL)
		drop = STOP_SIGNALS;
	else if (SIGMASK(sig) & STOP_SIGNALS)
		drop = SIGMASK(SIGCONT);
	if (drop) {
		__atomic_fetch_and(&p->sig_pending, ~drop, __ATOMIC_SEQ_CST);
		irqflags_t f = spin_lock_irqsave(&p->lock);
		struct list_node *pos;
		list_for_each(pos, &p->threads) {
			struct thread *t = list_entry(pos, struct thread, proc_node);
			__atomic_fetch_and(&t->sig_pending, ~drop, __ATOMIC_SEQ_CST);
		}
		spin_unlock_irqrestore(&p->lock, f);
	}
	if (sig == SIGCONT || sig == SIGKILL)
		proc_job_continue(p);
}

static void kinfo_from_current(struct kinfo *ki, int code)
{
	struct process *self = current_proc();
	memset(ki, 0, sizeof(*ki));
	ki->code = code;
	ki->pid = self ? self->pid : 0;
	ki->uid = self ? self->cred.uid : 0;
}

int signal_send_thread(struct thread *t, int sig, int code, u64 addr)
{
	struct process *p = t->proc;
	if (!p)
		return 0;
	prepare(p, sig);
	if (ignored(p, sig))
		return 0;
	if (t->sig_info) {
		if (code || addr) {
			memset(&t->sig_info[sig - 1], 0, sizeof(struct kinfo));
			t->sig_info[sig - 1].code = code;
			t->sig_info[sig - 1].addr = addr;
		} else {
			kinfo_from_current(&t->sig_info[sig - 1], SI_TKILL);
		}
	}
	if (sig == SIGKILL) {
		/* SIGKILL ends the whole process, whichever thread it names. */
		struct kinfo ki;
		kinfo_from_current(&ki, SI_TKILL);
		return signal_send_process_info(p, SIGKILL, &ki);
	}
	__atomic_fetch_or(&t->sig_pending, SIGMASK(sig), __ATOMIC_SEQ_CST);
	if (!(t->sig_blocked & SIGMASK(sig)))
		thread_wake(t, WAKE_NORMAL);
	return 0;
}

int signal_send_thread_info(struct thread *t, int sig, const struct kinfo *ki)
{
	struct process *p = t->proc;
	if (!p || sig == SIGKILL)
		return p ? signal_send_process_info(p, sig, ki) : 0;
	prepare(p, sig);
	if (ignored(p, sig))
		return 0;
	if (t->sig_info)
		t->sig_info[sig - 1] = *ki;
	__atomic_fetch_or(&t->sig_pending, SIGMASK(sig), __ATOMIC_SEQ_CST);
	if (!(t->sig_blocked & SIGMASK(sig)))
		thread_wake(t, WAKE_NORMAL);
	return 0;
}

int signal_send_process_info(struct process *p, int sig, const struct kinfo *ki)
{
	if (p->state != PROC_ALIVE)
		return 0;               /* a zombie takes no signals */
	prepare(p, sig);
	if (ignored(p, sig))
		return 0;
	irqflags_t f = spin_lock_irqsave(&p->lock);
	p->sig_info[sig - 1] = *ki;
	if (sig == SIGKILL && !p->exiting) {
		/* The process dies of it: every thread leaves at its next
		 * return to user mode, and wait() says SIGKILL. */
		p->exiting = true;
		p->exit_status = W_SIGNALED(SIGKILL);
	}
	__atomic_fetch_or(&p->sig_pending, SIGMASK(sig), __ATOMIC_SEQ_CST);
	/* Wake one thread that can take it; SIGKILL ends them all. */
	struct list_node *pos;
	list_for_each(pos, &p->threads) {
		struct thread *t = list_entry(pos, struct thread, proc_node);
		if (sig == SIGKILL) {
			t->kill_pending = true;
			thread_wake(t, WAKE_NORMAL);
		} else if (!(t->sig_blocked & SIGMASK(sig))) {
			thread_wake(t, WAKE_NORMAL);
			break;
		}
	}
	spin_unlock_irqrestore(&p->lock, f);
	if (sig == SIGKILL)
		waitq_wake_all(&p->stop_wait);
	return 0;
}

int signal_send_process(struct process *p, int sig, int code)
{
	struct kinfo ki;
	kinfo_from_current(&ki, code);
	return signal_send_process_info(p, sig, &ki);
}

void signal_send_chld(struct process *parent, int sig, int code, struct process *child)
{
	if (code == CLD_STOPPED || code == CLD_CONTINUED) {
		/* SA_NOCLDSTOP: no signal for stops and continues. */
		if (parent->sighand &&
		    (parent->sighand->action[SIGCHLD - 1].flags & SA_NOCLDSTOP))
			return;
	}
	struct kinfo ki = { .code = code, .pid = child->pid, .uid = child->cred.uid };
	if (code == CLD_EXITED)
		ki.status = (child->exit_status >> 8) & 0xff;
	else if (code == CLD_STOPPED)
		ki.status = child->stop_signal;
	else if (code == CLD_CONTINUED)
		ki.status = SIGCONT;
	else
		ki.status = child->exit_status & 0x7f;
	signal_send_process_info(parent, sig, &ki);
}

/* May the current process signal p? Root may signal anyone; others only
 * processes of their own user (Linux's kill_ok_by_cred). */
static bool may_signal(struct process *p, int sig)
{
	struct process *self = current_proc();
	if (!self || self->cred.euid == 0)
		return true;
	return self->cred.euid == p->cred.uid || self->cred.euid == p->cred.suid ||
	       self->cred.uid == p->cred.uid || self->cred.uid == p->cred.suid;
}

struct group_kill {
	int pgid;                       /* 0: everyone (kill -1) */
	int sig;
	int found, sent;
	struct process *targets[64];
};

static int collect(struct process *p, void *arg)
{
	struct group_kill *g = arg;
	struct process *self = current_proc();
	if (p->state != PROC_ALIVE)
		return 0;
	if (g->pgid ? p->pgid != g->pgid : (p->pid == INIT_PID || p == self || !p->nr_threads))
		return 0;
	g->found++;
	if (g->sent < (int)ARRAY_SIZE(g->targets)) {
		proc_get(p);
		g->targets[g->sent++] = p;
	}
	return 0;
}

/* Signal a group (pgid > 0) or everyone we may (pgid 0): the number of
 * processes signalled, -ESRCH if none exists, -EPERM if none may be. */
static int send_many(int pgid, int sig)
{
	struct group_kill g = { .pgid = pgid, .sig = sig };
	proc_for_each(collect, &g);
	int ok = 0;
	for (int k = 0; k < g.sent; k++) {
		if (may_signal(g.targets[k], sig)) {
			if (sig)
				signal_send_process(g.targets[k], sig, SI_USER);
			ok++;
		}
		proc_put(g.targets[k]);
	}
	if (!g.found)
		return -ESRCH;
	return ok ? ok : -EPERM;
}

int signal_send_pgrp(int pgid, int sig)
{
	return send_many(pgid, sig);
}

/* --- delivery ------------------------------------------------------------------- */

/* Print why the process dies, then end it. */
static void die_by_signal(int sig)
{
	struct thread *t = current_thread();
	if (sig != SIGKILL && sig != SIGINT && sig != SIGTERM && sig != SIGPIPE &&
	    sig != SIGHUP && sig != SIGUSR1 && sig != SIGUSR2 && sig != SIGALRM)
		printk("ringtail: process %d (%s) killed by %s\n", t->proc->pid, t->proc->comm,
		       signal_name(sig));
	proc_exit_group(W_SIGNALED(sig));
}

void signal_deliver(struct trap_frame *f)
{
	struct thread *t = current_thread();
	struct process *p = t->proc;
	u64 allowed = ~(t->sig_blocked & ~UNBLOCKABLE);
	u64 mine = READ_ONCE(t->sig_pending) & allowed;
	u64 shared = READ_ONCE(p->sig_pending) & allowed;
	int sig;
	struct kinfo ki;
	memset(&ki, 0, sizeof(ki));
	if (mine) {
		sig = __builtin_ctzll(mine) + 1;
		__atomic_fetch_and(&t->sig_pending, ~SIGMASK(sig), __ATOMIC_SEQ_CST);
		if (t->sig_info)
			ki = t->sig_info[sig - 1];
	} else if (shared) {
		sig = __builtin_ctzll(shared) + 1;
		irqflags_t fl = spin_lock_irqsave(&p->lock);
		u64 old = __atomic_fetch_and(&p->sig_pending, ~SIGMASK(sig), __ATOMIC_SEQ_CST);
		ki = p->sig_info[sig - 1];
		spin_unlock_irqrestore(&p->lock, fl);
		if (!(old & SIGMASK(sig)))
			return;         /* another thread took it */
	} else {
		return;
	}
	struct k_sigaction ka = p->sighand->action[sig - 1];
	if (sig == SIGKILL || ka.handler == SIG_DFL) {
		if (sig != SIGKILL && default_ignored(sig))
			return;
		if (SIGMASK(sig) & STOP_SIGNALS) {
			proc_job_stop(p, sig);
			return;         /* exit_to_user stops at proc_stop_point */
		}
		die_by_signal(sig);
	}
	if (ka.handler == SIG_IGN)
		return;
	if (t->rseq)
		rseq_handle(f);         /* the frame records where the section resumes */
	u64 old_mask = t->sig_blocked;
	if (t->restore_sigmask) {
		/* The handler runs with ppoll's (or sigsuspend's) mask;
		 * sigreturn restores the mask from before. */
		old_mask = t->saved_sigmask;
		t->restore_sigmask = false;
	}
	if (arch_signal_setup_frame(f, sig, &ka, &ki, old_mask)) {
		/* No room for the frame on the user stack: Linux forces SIGSEGV. */
		printk("ringtail: process %d (%s): cannot deliver %s (bad stack)\n", p->pid,
		       p->comm, signal_name(sig));
		die_by_signal(SIGSEGV);
	}
	t->sig_blocked |= ka.mask & ~UNBLOCKABLE;
	if (!(ka.flags & SA_NODEFER))
		t->sig_blocked |= SIGMASK(sig);
	if (ka.flags & SA_RESETHAND)
		p->sighand->action[sig - 1].handler = SIG_DFL;
}

/* --- system calls ------------------------------------------------------------ */

SYSCALL_DEFINE(rt_sigaction)
{
	int sig = (int)a0;
	if (a3 != 8 || sig < 1 || sig > NSIG)
		return -EINVAL;
	struct process *p = current_proc();
	struct sighand *sh = p->sighand;
	struct k_sigaction act, old = sh->action[sig - 1];
	if (a1) {
		if (sig == SIGKILL || sig == SIGSTOP)
			return -EINVAL;
		if (copy_from_user(&act, a1, sizeof(act)))
			return -EFAULT;
	}
	if (a2 && copy_to_user(a2, &old, sizeof(old)))
		return -EFAULT;
	if (a1) {
		act.mask &= ~UNBLOCKABLE;
		irqflags_t f = spin_lock_irqsave(&sh->lock);
		sh->action[sig - 1] = act;
		spin_unlock_irqrestore(&sh->lock, f);
		/* Ignoring a signal discards what is pending (POSIX). */
		if (ignored(p, sig)) {
			__atomic_fetch_and(&p->sig_pending, ~SIGMASK(sig), __ATOMIC_SEQ_CST);
			irqflags_t fl = spin_lock_irqsave(&p->lock);
			struct list_node *pos;
			list_for_each(pos, &p->threads) {
				struct thread *t = list_entry(pos, struct thread, proc_node);
				__atomic_fetch_and(&t->sig_pending, ~SIGMASK(sig), __ATOMIC_SEQ_CST);
			}
			spin_unlock_irqrestore(&p->lock, fl);
		}
	}
	return 0;
}

SYSCALL_DEFINE(rt_sigprocmask)
{
	int how = (int)a0;
	struct thread *t = current_thread();
	if (a3 != 8)
		return -EINVAL;
	u64 old = t->sig_blocked, set;
	if (a1) {
		if (how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK)
			return -EINVAL;
		if (copy_from_user(&set, a1, 8))
			return -EFAULT;
	}
	if (a2 && copy_to_user(a2, &old, 8))
		return -EFAULT;
	if (a1) {
		if (how == SIG_BLOCK)
			t->sig_blocked |= set;
		else if (how == SIG_UNBLOCK)
			t->sig_blocked &= ~set;
		else
			t->sig_blocked = set;
		t->sig_blocked &= ~UNBLOCKABLE;
	}
	return 0;
}

SYSCALL_DEFINE(rt_sigpending)
{
	if (a1 > 8)
		return -EINVAL;
	struct thread *t = current_thread();
	u64 pend = (READ_ONCE(t->sig_pending) | READ_ONCE(t->proc->sig_pending)) & t->sig_blocked;
	return copy_to_user(a0, &pend, a1) ? -EFAULT : 0;
}

SYSCALL_DEFINE(rt_sigsuspend)
{
	if (a1 != 8)
		return -EINVAL;
	u64 mask;
	if (copy_from_user(&mask, a0, 8))
		return -EFAULT;
	struct thread *t = current_thread();
	t->saved_sigmask = t->sig_blocked;
	t->restore_sigmask = true;
	t->sig_blocked = mask & ~UNBLOCKABLE;
	/* Sleep until a signal is pending (BLOCKED first: one arriving
	 * between the check and the sleep wakes us). */
	for (;;) {
		thread_prepare_sleep();
		if (thread_interrupted()) {
			thread_cancel_sleep();
			break;
		}
		sched_sleep(0);
	}
	return -EINTR;
}

/* pause(2): rt_sigsuspend with the mask as it is. Returns -EINTR once a
 * signal is pending that is not blocked (Ringtail restarts no calls, as
 * with rt_sigsuspend; ignored signals are discarded when sent). */
SYSCALL_DEFINE(pause)
{
	for (;;) {
		thread_prepare_sleep();
		if (thread_interrupted()) {
			thread_cancel_sleep();
			return -EINTR;
		}
		sched_sleep(0);
	}
}

SYSCALL_DEFINE(rt_sigreturn)
{
	return arch_sys_rt_sigreturn(current_thread()->uframe);
}

SYSCALL_DEFINE(kill)
{
	int pid = (int)a0, sig = (int)a1;
	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	struct process *self = current_proc();
	if (pid == -1)
	{
		int rc = send_many(0, sig);
		return rc < 0 ? rc : 0;
	}
	if (pid <= 0) {
		int pgid = pid == 0 ? self->pgid : -pid;
		int rc = send_many(pgid, sig);
		return rc < 0 ? rc : 0;
	}
	struct process *p = proc_find(pid);
	if (!p)
		return -ESRCH;
	long rc = 0;
	if (!may_signal(p, sig))
		rc = -EPERM;
	else if (sig)
		signal_send_process(p, sig, SI_USER);
	proc_put(p);
	return rc;
}

/* A thread by tid, in process tgid (any process; tgid <= 0: any). */
static long signal_tid(int tgid, int tid, int sig)
{
	if (tid <= 0 || sig < 0 || sig > NSIG)
		return -EINVAL;
	struct thread *target = thread_find(tid);
	if (!target)
		return -ESRCH;
	long rc = 0;
	struct process *p = target->proc;
	if (!p || (tgid > 0 && p->pid != tgid))
		rc = -ESRCH;
	else if (!may_signal(p, sig))
		rc = -EPERM;
	else if (sig)
		signal_send_thread(target, sig, 0, 0);
	thread_put(target);
	return rc;
}

SYSCALL_DEFINE(tgkill)
{
	if ((int)a0 <= 0)
		return -EINVAL;
	return signal_tid((int)a0, (int)a1, (int)a2);
}

SYSCALL_DEFINE(tkill)
{
	return signal_tid(0, (int)a0, (int)a1);
}
