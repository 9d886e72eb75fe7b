/* Hooks from the rest of the kernel into perf events (kernel/events/).
 * Each is cheap when no event exists (perf_hooks_enabled is false). */
#pragma once
#include <lib/types.h>

struct file;
struct perf_event;
struct thread;
struct trap_frame;

extern bool perf_hooks_enabled;

void perf_tick(void);                                   /* timer tick, per CPU */
void perf_page_fault(u64 addr, const struct trap_frame *regs);
void perf_sched_out(struct thread *prev, struct thread *next, bool preempt);
void perf_sched_in(struct thread *next, struct thread *prev);
void perf_thread_exit(struct thread *t);
/* clone: copy parent's inheritable events into child before it runs;
 * 0 or -ENOMEM. */
int perf_thread_fork(struct thread *parent, struct thread *child);
/* The event behind an open perf fd's file, or NULL if it is not one. */
struct perf_event *perf_event_from_file(struct file *f);
