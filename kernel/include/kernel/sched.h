/* Scheduler: per-CPU run queues, preemption at the timer tick, and sleep
 * and wakeup through wait queues. */
#pragma once
#include <lib/list.h>
#include <lib/types.h>
#include <kernel/spinlock.h>

struct thread;

void sched_init_cpu(void);
void sched_preempt_from_irq(void);   /* switch away if asked, from IRQ exit */
void sched_tick(void);               /* timer interrupt */
void schedule(void);                 /* give up the CPU (state decides if we come back) */
void sched_yield(void);
void sched_finish_switch(struct thread *prev);  /* first thing after a switch */
void sched_enqueue_new(struct thread *t);
/* Make a blocked thread runnable; returns true if it was blocked. */
bool thread_wake(struct thread *t, int reason);
/* Move the current thread to a CPU in its mask, if it is not on one. */
void sched_migrate_if_needed(void);
u64 sched_online_mask(void);
/* Threads running or waiting to run, and Linux's 1/5/15-minute load
 * averages times 100 (/proc/loadavg, sysinfo). */
u32 sched_nr_running(void);
void sched_loadavg(u64 avg_x100[3]);

/* Wait queues. */
struct waitq {
	spinlock_t lock;
	struct list_node waiters;
};

struct waiter {
	struct list_node node;
	struct thread *thread;
	void *key;              /* user data (futex key, poll entry ...) */
};

#define WAITQ_INIT(wq, n) { SPINLOCK_INIT(n), LIST_INIT((wq).waiters) }
void waitq_init(struct waitq *wq, const char *name);
void waitq_add(struct waitq *wq, struct waiter *w);      /* sets BLOCKED */
void waitq_remove(struct waitq *wq, struct waiter *w);   /* sets RUNNING */
int waitq_wake_all(struct waitq *wq);
int waitq_wake_n(struct waitq *wq, int n);

/* Sleep until woken or until the absolute clock_ns() deadline (0 = none).
 * Returns WAKE_NORMAL or WAKE_TIMEOUT. The caller has queued itself
 * (state BLOCKED) and re-checks its condition afterwards. */
int sched_sleep(u64 deadline_ns);

/* Sleep for a while (nanosleep). Returns 0, or -EINTR if a signal or kill
 * arrived; *left gets the remaining time. */
int sleep_until(u64 deadline_ns, u64 *left);

/* Mark the current thread blocked before checking a wait condition (a
 * wakeup then makes it running again), or undo that. */
void thread_prepare_sleep(void);
void thread_cancel_sleep(void);

/* True if the current thread should stop waiting (kill or signal). */
bool thread_interrupted(void);
