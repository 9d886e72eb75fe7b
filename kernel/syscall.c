/* The system call table (Linux x86_64 numbers) and the path back to user
 * mode. Numbers without an entry return -ENOSYS, as on Linux. */
#include <lib/errno.h>
#include <arch/irqflags.h>
#include <arch/trap.h>
#include <kernel/percpu.h>
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
		ret = -ENOSYS;
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
		if (signal_pending_unblocked(t)) {
			arch_irq_enable();
			signal_deliver(f);
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
