/* Architecture contract: threads and user register state (see README.md
 * here). */
#pragma once
#include <lib/types.h>

struct thread;
struct trap_frame;
struct k_sigaction;

/* Prepare a new thread's kernel stack so that switching to it lands in
 * the start trampoline, which finishes the switch (sched_finish_switch)
 * and then runs kfn or returns to user mode through the frame at the top
 * of the stack. */
void arch_thread_init_stack(struct thread *t, bool user);
void arch_switch_to(struct thread *prev, struct thread *next);
/* FPU/SSE state: a fresh one for a new thread, or a copy of the live
 * registers (clone: the child starts with the caller's state). */
void arch_fpu_init(struct thread *t);
void arch_fpu_save_live(struct thread *t);
void arch_fpu_reset_live(void);         /* clean FPU/SSE registers on this CPU */
/* A user frame that starts at entry with stack sp. */
void arch_user_frame_init(struct trap_frame *f, u64 entry, u64 sp);
/* The current thread's user FS/GS base (arch_prctl). */
void arch_set_user_fs(u64 base);
void arch_set_user_gs(u64 base);
/* Signal delivery: build the handler's frame on the user stack (0, or
 * nonzero if it cannot be written), and undo it at rt_sigreturn. */
struct kinfo;
int arch_signal_setup_frame(struct trap_frame *f, int sig, const struct k_sigaction *ka,
			    const struct kinfo *ki, u64 old_mask);
long arch_sys_rt_sigreturn(struct trap_frame *f);
