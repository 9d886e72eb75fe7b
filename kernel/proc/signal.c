/* Signals: actions and masks (rt_sigaction, rt_sigprocmask), sending (kill,
 * tgkill, faults) and delivery on the way back to user mode. Default
 * actions: ignore for SIGCHLD, SIGURG, SIGWINCH, SIGCONT and the stop
 * signals (there is no job control), terminate for everything else. */
#include <lib/errno.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/signal.h>
#include <kernel/syscall.h>
#include <kernel/usermem.h>
#include <kernel/arch/thread.h>

#define UNBLOCKABLE (SIGMASK(SIGKILL) | SIGMASK(SIGSTOP))

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

static bool default_ignored(int sig)
{
	return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT ||
	       sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

static bool ignored(struct process *p, int sig)
{
	u64 h = p->sigactions[sig - 1].handler;
	return sig != SIGKILL && (h == SIG_IGN || (h == SIG_DFL && default_ignored(sig)));
}

bool signal_pending_unblocked(struct thread *t)
{
	u64 pend = READ_ONCE(t->sig_pending) | (t->proc ? READ_ONCE(t->proc->sig_pending) : 0);
	return pend & ~(t->sig_blocked & ~UNBLOCKABLE);
}

int signal_send_thread(struct thread *t, int sig, int code, u64 addr)
{
	struct process *p = t->proc;
	if (!p || ignored(p, sig))
		return 0;
	__atomic_fetch_or(&t->sig_pending, SIGMASK(sig), __ATOMIC_SEQ_CST);
	if (code || addr) {
		t->fault.signo = sig;
		t->fault.code = code;
		t->fault.addr = addr;
	}
	if (!(t->sig_blocked & SIGMASK(sig)) || sig == SIGKILL)
		thread_wake(t, WAKE_NORMAL);
	return 0;
}

int signal_send_process(struct process *p, int sig, int code)
{
	if (ignored(p, sig))
		return 0;
	__atomic_fetch_or(&p->sig_pending, SIGMASK(sig), __ATOMIC_SEQ_CST);
	/* Wake one thread that can take it (any thread will do for SIGKILL). */
	irqflags_t f = spin_lock_irqsave(&p->lock);
	struct list_node *pos;
	list_for_each(pos, &p->threads) {
		struct thread *t = list_entry(pos, struct thread, proc_node);
		if (!(t->sig_blocked & SIGMASK(sig)) || sig == SIGKILL) {
			thread_wake(t, WAKE_NORMAL);
			break;
		}
	}
	spin_unlock_irqrestore(&p->lock, f);
	return 0;
}

/* Print why the process dies, then end it. */
static void die_by_signal(int sig)
{
	struct thread *t = current_thread();
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
	int code = SI_USER;
	u64 addr = 0;
	if (mine) {
		sig = __builtin_ctzll(mine) + 1;
		__atomic_fetch_and(&t->sig_pending, ~SIGMASK(sig), __ATOMIC_SEQ_CST);
		if (t->fault.signo == sig) {
			code = t->fault.code;
			addr = t->fault.addr;
			t->fault.signo = 0;
		} else {
			code = SI_TKILL;
		}
	} else if (shared) {
		sig = __builtin_ctzll(shared) + 1;
		u64 old = __atomic_fetch_and(&p->sig_pending, ~SIGMASK(sig), __ATOMIC_SEQ_CST);
		if (!(old & SIGMASK(sig)))
			return;         /* another thread took it */
	} else {
		return;
	}
	struct k_sigaction ka = p->sigactions[sig - 1];
	if (sig == SIGKILL || ka.handler == SIG_DFL) {
		if (sig != SIGKILL && default_ignored(sig))
			return;
		die_by_signal(sig);
	}
	if (ka.handler == SIG_IGN)
		return;
	u64 old_mask = t->sig_blocked;
	if (t->restore_sigmask) {
		/* The handler runs with ppoll's mask; sigreturn restores the
		 * mask from before the ppoll. */
		old_mask = t->saved_sigmask;
		t->restore_sigmask = false;
	}
	if (arch_signal_setup_frame(f, sig, &ka, code, addr, p->pid, old_mask)) {
		/* No room for the frame on the user stack: Linux forces SIGSEGV. */
		printk("ringtail: process %d (%s): cannot deliver %s (bad stack)\n", p->pid,
		       p->comm, signal_name(sig));
		die_by_signal(SIGSEGV);
	}
	t->sig_blocked |= ka.mask & ~UNBLOCKABLE;
	if (!(ka.flags & SA_NODEFER))
		t->sig_blocked |= SIGMASK(sig);
	if (ka.flags & SA_RESETHAND)
		p->sigactions[sig - 1].handler = SIG_DFL;
}

SYSCALL_DEFINE(rt_sigaction)
{
	int sig = (int)a0;
	if (a3 != 8 || sig < 1 || sig > NSIG)
		return -EINVAL;
	struct process *p = current_proc();
	struct k_sigaction act, old = p->sigactions[sig - 1];
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
		p->sigactions[sig - 1] = act;
		/* Ignoring a signal discards what is pending (POSIX). */
		if (ignored(p, sig)) {
			__atomic_fetch_and(&p->sig_pending, ~SIGMASK(sig), __ATOMIC_SEQ_CST);
			__atomic_fetch_and(&current_thread()->sig_pending, ~SIGMASK(sig),
					   __ATOMIC_SEQ_CST);
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
	/* No process groups beyond "each process is its own": 0 and -1 mean
	 * this process (-1 would be every process we may signal). */
	struct process *p;
	if (pid == 0 || pid == -1 || pid == self->pid || pid == -self->pid) {
		p = self;
		__atomic_fetch_add(&p->refs, 1, __ATOMIC_RELAXED);
	} else {
		p = proc_find(pid < 0 ? -pid : pid);
		if (!p)
			return -ESRCH;
	}
	if (sig)
		signal_send_process(p, sig, SI_USER);
	proc_put(p);
	return 0;
}

SYSCALL_DEFINE(tgkill)
{
	int tgid = (int)a0, tid = (int)a1, sig = (int)a2;
	if (tgid <= 0 || tid <= 0 || sig < 0 || sig > NSIG)
		return -EINVAL;
	struct process *p = current_proc();
	if (tgid != p->pid)
		return -ESRCH;  /* other processes' threads are not reachable */
	struct thread *target = NULL;
	irqflags_t f = spin_lock_irqsave(&p->lock);
	struct list_node *pos;
	list_for_each(pos, &p->threads) {
		struct thread *t = list_entry(pos, struct thread, proc_node);
		if (t->tid == tid)
			target = t;
	}
	if (target && sig)
		signal_send_thread(target, sig, 0, 0);
	spin_unlock_irqrestore(&p->lock, f);
	return target ? 0 : -ESRCH;
}
