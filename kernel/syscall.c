/* The system call table (Linux x86_64 numbers) and the path back to user
 * mode. Numbers without an entry return -ENOSYS, as on Linux. */
#include <lib/errno.h>
#include <arch/irqflags.h>
#include <arch/trap.h>
#include <kernel/percpu.h>
#include <kernel/printk.h>
#include <kernel/perf.h>
#include <kernel/proc.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/syscall.h>
#include <kernel/arch/entry.h>

#define X(name, nargs) SYSCALL_DECLARE(name);
#include "syscall_names.h"
#undef X

static const syscall_fn syscall_table[NR_SYSCALLS] = {
#define X(name, nargs) [SYS_##name] = sys_##name,
#include "syscall_names.h"
#undef X
};

/* Arguments + 1, so that 0 means "no such system call". */
static const u8 syscall_args[NR_SYSCALLS] = {
#define X(name, nargs) [SYS_##name] = (nargs) + 1,
#include "syscall_names.h"
#undef X
};

int syscall_nargs(long nr)
{
	return nr >= 0 && nr < NR_SYSCALLS ? syscall_args[nr] - 1 : -1;
}

static const char *const syscall_names[NR_SYSCALLS] = {
#define X(nr, name) [nr] = #name,
	SYSCALL_NAMES_X
#undef X
};

const char *syscall_name(long nr)
{
	return nr >= 0 && nr < NR_SYSCALLS ? syscall_names[nr] : NULL;
}

/* A number Ringtail does not implement: ENOSYS, as on Linux, and one
 * console line the first time each process uses it, so that whoever runs
 * a program learns what it needed. */
static long unimplemented(long nr)
{
	struct process *p = current_proc();
	if (p && nr >= 0 && nr < NR_SYSCALLS) {
		u64 bit = 1ull << (nr % 64);
		if (!(__atomic_fetch_or(&p->enosys_seen[nr / 64], bit, __ATOMIC_RELAXED) & bit))
			printk("ringtail: %s[%d] unimplemented syscall %s (%ld)\n", p->comm, p->pid,
			       syscall_names[nr] ? syscall_names[nr] : "?", nr);
	} else if (p) {
		u64 bit = 1ull << 63;   /* every out-of-range number counts as one */
		if (!(__atomic_fetch_or(&p->enosys_seen[NR_SYSCALLS / 64], bit, __ATOMIC_RELAXED) & bit))
			printk("ringtail: %s[%d] unimplemented syscall ? (%ld)\n", p->comm, p->pid, nr);
	}
	return -ENOSYS;
}

bool syscall_trace_enabled;

void syscall_dispatch(struct trap_frame *f)
{
	arch_irq_enable();
	long nr = (long)f->rax;
	long ret;
	if (unlikely(READ_ONCE(syscall_trace_enabled)))
		trace_sys_enter(f, nr);
	if (nr >= 0 && nr < NR_SYSCALLS && syscall_table[nr])
		ret = syscall_table[nr](f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9);
	else
		ret = unimplemented(nr);
	/* rt_sigreturn restored every register, RAX included. */
	if (nr != SYS_rt_sigreturn)
		f->rax = (u64)ret;
	if (unlikely(READ_ONCE(syscall_trace_enabled)))
		trace_sys_exit(f, nr, ret);
	exit_to_user(f);
}

/* Called with the user frame about to be restored. Leaves with interrupts
 * off so nothing can set need_resched or queue a signal unnoticed between
 * the last check and the return. */
void exit_to_user(struct trap_frame *f)
{
	arch_irq_disable();
	for (;;) {
		struct thread *t = current_thread();
		struct cpu *c = this_cpu();
		if (t->kill_pending) {
			arch_irq_enable();
			proc_thread_exit(0);
		}
		if (c->need_resched) {
			arch_irq_enable();
			schedule();
			arch_irq_disable();
			continue;
		}
		if (unlikely(t->perf_trap.pending)) {
			arch_irq_enable();
			perf_sigtrap_deliver();
			arch_irq_disable();
			continue;
		}
		if (signal_pending_unblocked(t)) {
			arch_irq_enable();
			signal_deliver(f);
			arch_irq_disable();
			continue;
		}
		if (t->proc && READ_ONCE(t->proc->stopped)) {
			/* Job control: wait here for SIGCONT (or SIGKILL). */
			arch_irq_enable();
			proc_stop_point();
			arch_irq_disable();
			continue;
		}
		if (t->rseq_pending) {
			arch_irq_enable();
			rseq_handle(f);
			arch_irq_disable();
			continue;
		}
		if (t->restore_sigmask) {       /* ppoll's temporary mask */
			t->restore_sigmask = false;
			t->sig_blocked = t->saved_sigmask;
			continue;
		}
		break;
	}
}
