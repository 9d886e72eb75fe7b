/* Where events live: per-CPU and per-task contexts, changing an event's
 * state on the CPU where it counts, and following tasks as they switch,
 * clone (inherit.c) and exit. */
#include <lib/errno.h>
#include <arch/barrier.h>
#include <arch/irqflags.h>
#include <arch/trap.h>
#include <kernel/clock.h>
#include <kernel/heap.h>
#include <kernel/perf.h>
#include <kernel/proc.h>
#include <kernel/smp.h>
#include <kernel/thread.h>
#include "internal.h"

struct perf_cpu perf_pcpu[MAX_CPUS];
int perf_pcpu_state;            /* 0 untouched, 1 being set up, 2 ready */

/* Every CPU's state is set up at the first use, by one caller, with
 * interrupts off: an interrupt handler on the setting-up CPU (the tick,
 * a cross-CPU call) would otherwise wait for it forever. The others wait
 * here; NMI handlers never do (they use perf_cpu_peek). */
struct perf_cpu *perf_cpu_state(unsigned int cpu)
{
	if (smp_load_acquire(&perf_pcpu_state) != 2) {
		irqflags_t f = arch_irq_save();
		int expect = 0;
		if (__atomic_compare_exchange_n(&perf_pcpu_state, &expect, 1, false, __ATOMIC_ACQUIRE,
						__ATOMIC_ACQUIRE)) {
			for (unsigned int c = 0; c < MAX_CPUS; c++) {
				spin_lock_init(&perf_pcpu[c].lock, "perf-cpu");
				list_init(&perf_pcpu[c].events);
				list_init(&perf_pcpu[c].active);
			}
			smp_store_release(&perf_pcpu_state, 2);
		}
		arch_irq_restore(f);
		while (smp_load_acquire(&perf_pcpu_state) != 2)
			cpu_relax();
	}
	return &perf_pcpu[cpu];
}

struct perf_task_ctx *perf_task_ctx(struct thread *t, bool create)
{
	if (!t->perf && create) {
		struct perf_task_ctx *c = kzalloc(sizeof(*c));
		if (!c)
			return NULL;
		spin_lock_init(&c->lock, "perf-task");
		list_init(&c->events);
		irqflags_t f = arch_irq_save();
		if (!t->perf)
			t->perf = c;
		else
			kfree(c);
		arch_irq_restore(f);
	}
	return t->perf;
}

/* Changing an event's state where its context lives.
 *
 * A per-CPU event lives on its CPU; a per-task event wherever its task
 * runs. Each change runs, with interrupts off and the context's lock held,
 * on the CPU where the event is (or may become) active, so starting and
 * stopping always happen on the CPU whose timers, NMI slots and active list
 * they touch. sched_in/out take the same lock, so a task switching in or
 * out concurrently sees either the old or the new state, never half. */
struct ctx_op {
	struct perf_event *e;
	void (*fn)(struct perf_event *e, bool live);
	bool retry;
};

static spinlock_t *ctx_lock(struct perf_event *e)
{
	if (e->task)
		return e->task->perf ? &e->task->perf->lock : NULL;
	return &perf_cpu_state((unsigned int)e->cpu)->lock;
}

static void ctx_op_here(void *arg)
{
	struct ctx_op *op = arg;
	struct perf_event *e = op->e;
	spinlock_t *lock = ctx_lock(e);
	if (lock)
		spin_lock_raw(lock);
	if (e->active && e->active_cpu != this_cpu_id()) {
		op->retry = true;       /* its task moved on meanwhile */
	} else if (e->task && e->task != current_thread() && READ_ONCE(e->task->on_cpu)) {
		/* Its task runs, or is switching, on another CPU (it moved
		 * since ctx_apply looked): the change belongs there. Made
		 * here, not live, an event added or enabled now would wait
		 * for the task's next switch in, which a task that never
		 * blocks or yields to another never makes (Linux's
		 * perf_install_in_context retries the same way). */
		op->retry = true;
	} else {
		bool live = e->task ? e->task == current_thread()
				    : e->cpu == (int)this_cpu_id();
		op->fn(e, live);
	}
	if (lock)
		spin_unlock_raw(lock);
}

/* False if the event has no context left (its task exited). */
static bool ctx_apply(struct perf_event *e, void (*fn)(struct perf_event *e, bool live))
{
	if (!e->task && e->cpu < 0)
		return false;           /* its task has exited: no context left */
	struct ctx_op op = { e, fn, true };
	while (op.retry) {
		op.retry = false;
		unsigned int target;
		if (!e->task)
			target = (unsigned int)e->cpu;
		else if (e->active)
			target = e->active_cpu;
		else if (READ_ONCE(e->task->on_cpu))
			target = READ_ONCE(e->task->cpu);
		else
			target = this_cpu_id();
		smp_call(target, ctx_op_here, &op);
	}
	return true;
}

/* When an event's enabled time runs (Linux: its context's time): a CPU
 * event's always, a task event's only while its task runs. */
static u64 enabled_stamp(const struct perf_event *e, bool live)
{
	return !e->task || live ? clock_ns() : 0;
}

static void op_add(struct perf_event *e, bool live)
{
	if (e->state == PERF_ON)
		e->tstamp_enabled = enabled_stamp(e, live);
	list_add_tail(e->task ? &e->task->perf->events : &perf_cpu_state((unsigned int)e->cpu)->events,
		      &e->ctx_node);
	perf_group_link(e);
	if (live)
		perf_event_start(e);
}

static void op_remove(struct perf_event *e, bool live)
{
	perf_event_stop(e);
	if (list_linked(&e->ctx_node))
		list_del(&e->ctx_node);
	perf_group_unlink(e, live);
}

/* A group counts together: members run only while their leader is on
 * (perf_event_start checks), so turning a leader on or off starts or
 * stops its members too, as Linux schedules groups as one. */
static void members_start(struct perf_event *leader, bool live)
{
	struct list_node *pos;
	list_for_each(pos, &leader->siblings) {
		struct perf_event *m = list_entry(pos, struct perf_event, sibling_node);
		if (live)
			perf_event_start(m);
	}
}

static void members_stop(struct perf_event *leader)
{
	struct list_node *pos;
	list_for_each(pos, &leader->siblings)
		perf_event_stop(list_entry(pos, struct perf_event, sibling_node));
}

static void op_enable(struct perf_event *e, bool live)
{
	if (e->state != PERF_OFF)
		return;
	e->state = PERF_ON;
	e->tstamp_enabled = enabled_stamp(e, live);
	if (live)
		perf_event_start(e);
	if (e->leader == e)
		members_start(e, live);
}

static void op_disable(struct perf_event *e, bool live)
{
	if (e->state != PERF_ON)
		return;
	if (e->leader == e)
		members_stop(e);
	perf_event_stop(e);
	perf_event_update_times(e, clock_ns());
	e->tstamp_enabled = 0;
	e->state = PERF_OFF;
}

/* IOC_RESET on the event's CPU: the count and the period start over, and
 * a running clock or cycles event's pending delta goes too. */
static void op_reset(struct perf_event *e, bool live)
{
	if (e->active)
		perf_event_restart_count(e);
	local_set(&e->count, 0);
	e->period_left = (s64)e->period;
}

/* Only where the event's context cannot go away under us: a CPU-wide
 * event, or a task event of the task we interrupted. Otherwise the task
 * has been switched out since the overflow, and perf_sched_in disables it
 * when it runs again (overflow() drops samples until then). */
void perf_disable_local(struct perf_event *e)
{
	if (e->task && e->task != current_thread())
		return;
	spinlock_t *lock = ctx_lock(e);
	if (!lock)
		return;
	irqflags_t f = spin_lock_irqsave(lock);
	op_disable(e, e->active);
	WRITE_ONCE(e->pending_disable, false);
	spin_unlock_irqrestore(lock, f);
}

void perf_ctx_add(struct perf_event *e)
{
	ctx_apply(e, op_add);
}

void perf_ctx_remove(struct perf_event *e)
{
	if ((!e->task && !list_linked(&e->ctx_node)) || !ctx_apply(e, op_remove)) {
		/* Never added, or its task is gone: nothing runs the group. */
		irqflags_t f = arch_irq_save();
		perf_group_unlink(e, false);
		arch_irq_restore(f);
	}
}

void perf_enable(struct perf_event *e)
{
	ctx_apply(e, op_enable);
}

void perf_reset(struct perf_event *e)
{
	if (!e->task && e->cpu < 0) {
		irqflags_t f = arch_irq_save();         /* its task is gone: nothing runs */
		local_set(&e->count, 0);
		e->period_left = (s64)e->period;
		arch_irq_restore(f);
		return;
	}
	ctx_apply(e, op_reset);
}

void perf_disable(struct perf_event *e)
{
	ctx_apply(e, op_disable);
}

/* --- following tasks ------------------------------------------------------- */

/* Call fn for every event that may count here and now: the current
 * thread's and this CPU's. Interrupts must be off (or we are the task). */
void perf_for_each_here(visit_fn fn, void *arg)
{
	struct thread *t = current_thread();
	struct list_node *pos, *tmp;
	if (t && t->perf) {
		irqflags_t f = spin_lock_irqsave(&t->perf->lock);
		list_for_each_safe(pos, tmp, &t->perf->events)
			fn(list_entry(pos, struct perf_event, ctx_node), arg);
		spin_unlock_irqrestore(&t->perf->lock, f);
	}
	struct perf_cpu *pc = perf_cpu_state(this_cpu_id());
	if (!list_empty(&pc->events)) {
		irqflags_t f = spin_lock_irqsave(&pc->lock);
		list_for_each_safe(pos, tmp, &pc->events)
			fn(list_entry(pos, struct perf_event, ctx_node), arg);
		spin_unlock_irqrestore(&pc->lock, f);
	}
}

/* Call fn for every event counting on this CPU now (the current task's
 * and the CPU's): the hot path of software events and tracepoints. The
 * active list changes only on this CPU with interrupts off (start/stop in
 * context operations and sched in/out), so with interrupts off here no
 * lock is needed; NMIs only read it. fn may not start or stop events. */
void perf_for_each_active(visit_fn fn, void *arg)
{
	irqflags_t f = arch_irq_save();
	struct perf_cpu *pc = perf_cpu_peek(this_cpu_id());     /* NULL: none yet */
	struct list_node *pos;
	if (pc)
		list_for_each(pos, &pc->active)
			fn(list_entry(pos, struct perf_event, active_node), arg);
	arch_irq_restore(f);
}

/* Switching away from prev (interrupts off, run queue locked). */
void perf_sched_out(struct thread *prev, struct thread *next, bool preempt)
{
	struct perf_task_ctx *c = prev->perf;
	struct list_node *pos;
	struct perf_cpu *pc = perf_cpu_state(this_cpu_id());
	/* A context switch happens in the kernel: its samples carry the
	 * scheduler's registers, as Linux's do. */
	struct trap_frame kregs;
	trap_capture_kernel(&kregs);
	struct perf_sample s = { .ip = kregs.rip, .user = false, .regs = &kregs };
	list_for_each(pos, &pc->events) {
		struct perf_event *e = list_entry(pos, struct perf_event, ctx_node);
		if (!e->active)
			continue;
		if (is_type(e, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES))
			perf_sw_hit(e, 1, &s);
		if (e->attr.context_switch)
			perf_output_switch(e, true, preempt, next);
	}
	if (!c)
		return;
	spin_lock_raw(&c->lock);
	list_for_each(pos, &c->events) {
		struct perf_event *e = list_entry(pos, struct perf_event, ctx_node);
		if (e->active) {
			if (is_type(e, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES))
				perf_sw_hit(e, 1, &s);
			if (e->attr.context_switch)
				perf_output_switch(e, true, preempt, next);
			perf_event_stop(e);
		}
		/* The task's context stops: enabled time pauses with it, also
		 * for events that were not running (another CPU's, a member of
		 * a disabled group), as Linux's context time does. */
		perf_event_update_times(e, clock_ns());    /* after stop's own update */
		e->tstamp_enabled = 0;
	}
	spin_unlock_raw(&c->lock);
}

/* Running next now (interrupts off). */
void perf_sched_in(struct thread *next, struct thread *prev)
{
	struct perf_task_ctx *c = next->perf;
	struct list_node *pos;
	struct perf_cpu *pc = perf_cpu_state(this_cpu_id());
	list_for_each(pos, &pc->events) {
		struct perf_event *e = list_entry(pos, struct perf_event, ctx_node);
		if (e->active && e->attr.context_switch)
			perf_output_switch(e, false, false, prev);
	}
	if (!c)
		return;
	spin_lock_raw(&c->lock);
	u64 now = clock_ns();
	list_for_each(pos, &c->events) {
		struct perf_event *e = list_entry(pos, struct perf_event, ctx_node);
		if (READ_ONCE(e->pending_disable)) {
			op_disable(e, false);   /* its REFRESH limit ran out (core.c) */
			WRITE_ONCE(e->pending_disable, false);
		}
		if (e->state == PERF_ON)
			e->tstamp_enabled = now;        /* its context runs again */
		perf_event_start(e);
		if (e->active && e->attr.context_switch)
			perf_output_switch(e, false, false, prev);
	}
	spin_unlock_raw(&c->lock);
}

/* exec (Linux's perf_event_exec): events waiting for it start counting
 * (enable_on_exec, once), events that must not outlive the old image go
 * as at thread exit (remove_on_exec). */
void perf_event_exec(struct thread *t)
{
	struct perf_task_ctx *c = t->perf;
	if (!c)
		return;
	struct list_node dead;
	list_init(&dead);
	irqflags_t f = spin_lock_irqsave(&c->lock);
	struct list_node *pos, *tmp;
	list_for_each_safe(pos, tmp, &c->events) {
		struct perf_event *e = list_entry(pos, struct perf_event, ctx_node);
		if (e->attr.enable_on_exec) {
			e->attr.enable_on_exec = 0;
			op_enable(e, true);
		}
		if (!e->attr.remove_on_exec)
			continue;
		perf_event_stop(e);
		perf_event_update_times(e, clock_ns());
		e->state = PERF_DEAD;
		e->task = NULL;
		list_del(&e->ctx_node);
		if (e->parent) {
			if (perf_inherit_exit(e))
				list_add_tail(&dead, &e->ctx_node);
		} else {
			perf_event_wakeup(e);
		}
	}
	spin_unlock_irqrestore(&c->lock, f);
	list_for_each_safe(pos, tmp, &dead) {
		list_del(pos);
		perf_inherit_destroy(list_entry(pos, struct perf_event, ctx_node));
	}
}

/* The thread is exiting: its events stop for good and say so (POLLHUP). */
void perf_thread_exit(struct thread *t)
{
	struct perf_task_ctx *c = t->perf;
	if (!c)
		return;
	struct list_node dead;          /* inherited copies to destroy */
	list_init(&dead);
	irqflags_t f = spin_lock_irqsave(&c->lock);
	struct list_node *pos, *tmp;
	list_for_each_safe(pos, tmp, &c->events) {
		struct perf_event *e = list_entry(pos, struct perf_event, ctx_node);
		perf_event_stop(e);
		perf_event_update_times(e, clock_ns());
		/* A task that ran and ends (not a fork undone) reports what
		 * its copies counted, if asked. */
		if (e->parent && e->attr.inherit_stat && t == current_thread())
			perf_output_read_record(e, t);
		e->state = PERF_DEAD;
		e->task = NULL;
		list_del(&e->ctx_node);
		if (e->parent) {
			/* A copy: its counts go to the original, and it goes. */
			if (perf_inherit_exit(e))
				list_add_tail(&dead, &e->ctx_node);
		} else {
			perf_event_wakeup(e);
		}
	}
	t->perf = NULL;
	spin_unlock_irqrestore(&c->lock, f);
	kfree(c);
	list_for_each_safe(pos, tmp, &dead) {
		list_del(pos);
		perf_inherit_destroy(list_entry(pos, struct perf_event, ctx_node));
	}
}

