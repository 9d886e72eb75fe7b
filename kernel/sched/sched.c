/* The scheduler: one FIFO run queue per CPU, round-robin with a time slice,
 * preemption when returning from an interrupt.
 *
 * Locking: a thread's state, on_rq and on_cpu are changed only under the run
 * queue lock of the CPU it belongs to (thread->cpu). schedule() holds that
 * lock across the context switch; the thread switched to releases it in
 * sched_finish_switch. A waker therefore always sees a consistent picture:
 * a thread that is still switching away is on_cpu, and it is only queued
 * again once it is off the CPU. */
#include <lib/errno.h>
#include <arch/irqflags.h>
#include <kernel/clock.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/sched.h>
#include <kernel/thread.h>
#include <kernel/ktimer.h>
#include <kernel/perf.h>
#include <kernel/signal.h>
#include <kernel/arch/irq.h>
#include <kernel/arch/thread.h>

#define SLICE_TICKS 10

struct runqueue {
	spinlock_t lock;
	struct list_node queue;
	unsigned int nr_queued;
	struct thread *idle;
};

static struct runqueue runqueues[MAX_CPUS];

static struct runqueue *rq_of(unsigned int cpu) { return &runqueues[cpu]; }
static void set_state(struct thread *t, enum thread_state st);

u64 sched_online_mask(void)
{
	u64 m = 0;
	for (unsigned i = 0; i < MAX_CPUS; i++)
		if (cpu_table[i] && cpu_table[i]->online)
			m |= 1ull << i;
	return m;
}

void sched_init_cpu(void)
{
	struct runqueue *rq = rq_of(this_cpu_id());
	spin_lock_init(&rq->lock, "runqueue");
	list_init(&rq->queue);
	rq->idle = current_thread();
	this_cpu()->idle = rq->idle;
	this_cpu()->sched = rq;
}

static void enqueue_locked(struct runqueue *rq, struct thread *t)
{
	list_add_tail(&rq->queue, &t->run_node);
	t->on_rq = true;
	rq->nr_queued++;
}

/* Pick the CPU for a thread that is about to be queued: stay where it was
 * if allowed and not busier than the least loaded allowed CPU. */
static unsigned int select_cpu(struct thread *t)
{
	u64 allowed = t->cpu_mask & sched_online_mask();
	if (!allowed)
		allowed = 1;    /* the boot CPU is always online */
	unsigned int best = t->cpu;
	if (!(allowed & (1ull << best)))
		best = __builtin_ctzll(allowed);
	unsigned int best_load = READ_ONCE(rq_of(best)->nr_queued);
	for (unsigned int c = 0; c < MAX_CPUS; c++) {
		if (!(allowed & (1ull << c)))
			continue;
		unsigned int load = READ_ONCE(rq_of(c)->nr_queued);
		if (load + 1 < best_load) {
			best = c;
			best_load = load;
		}
	}
	return best;
}

/* Queue a runnable thread that is on no run queue and on no CPU. Called
 * with t's current run queue lock held; may move t to another CPU. */
static void activate(struct thread *t, struct runqueue *locked)
{
	unsigned int target = select_cpu(t);
	if (target != t->cpu) {
		/* t is on no queue and no CPU, so nobody else can start it while
		 * we switch its home: lock order is always "old, then new". */
		t->cpu = target;
		spin_unlock_raw(&locked->lock);
		struct runqueue *rq = rq_of(target);
		spin_lock_raw(&rq->lock);
		if (!t->on_rq && !t->on_cpu && t->state == THREAD_RUNNING)
			enqueue_locked(rq, t);
		spin_unlock_raw(&rq->lock);
		spin_lock_raw(&locked->lock);
	} else {
		enqueue_locked(locked, t);
	}
	if (target == this_cpu_id()) {
		if (current_thread() == rq_of(target)->idle)
			this_cpu()->need_resched = true;
	} else if (cpu_table[target] && cpu_table[target]->current == rq_of(target)->idle) {
		arch_send_resched(target);
	}
}

void sched_enqueue_new(struct thread *t)
{
	struct runqueue *rq = rq_of(t->cpu);
	irqflags_t f = spin_lock_irqsave(&rq->lock);
	t->state = THREAD_RUNNING;
	activate(t, rq);
	spin_unlock_irqrestore(&rq->lock, f);
}

bool thread_wake(struct thread *t, int reason)
{
	for (;;) {
		unsigned int cpu = READ_ONCE(t->cpu);
		struct runqueue *rq = rq_of(cpu);
		irqflags_t f = spin_lock_irqsave(&rq->lock);
		if (t->cpu != cpu) {    /* moved while we took the lock */
			spin_unlock_irqrestore(&rq->lock, f);
			continue;
		}
		bool was_blocked = t->state == THREAD_BLOCKED;
		if (was_blocked) {
			t->state = THREAD_RUNNING;
			t->wake_reason = reason;
			/* Still on its CPU (between queueing itself and switching
			 * away)? Then schedule() will see RUNNING and keep it. */
			if (!t->on_rq && !t->on_cpu)
				activate(t, rq);
		}
		spin_unlock_irqrestore(&rq->lock, f);
		return was_blocked;
	}
}

static void account(struct thread *prev, u64 now)
{
	u64 ran = now - prev->switched_in_ns;
	if (prev->proc)
		prev->utime_ns += ran;  /* user and system time are not split yet */
	else
		prev->stime_ns += ran;
}

/* Take a queued thread that may run on `self` off rq, or NULL. Only
 * trylock (we hold our own queue's lock), so two CPUs stealing from each
 * other cannot deadlock. */
static struct list_node *steal_from(struct runqueue *rq, unsigned int self)
{
	if (!spin_trylock_raw(&rq->lock))
		return NULL;
	struct list_node *found = NULL, *pos;
	list_for_each(pos, &rq->queue) {
		struct thread *t = list_entry(pos, struct thread, run_node);
		if ((t->cpu_mask & (1ull << self)) && !t->on_cpu) {
			list_del(pos);
			rq->nr_queued--;
			t->on_rq = false;
			t->cpu = self;
			found = pos;
			break;
		}
	}
	spin_unlock_raw(&rq->lock);
	return found;
}

/* This CPU is about to idle: take a queued thread from another CPU,
 * busiest first. Every CPU with queued work is tried, not just the
 * busiest: its queue may hold only threads pinned there (a per-CPU kernel
 * thread) while a movable one waits elsewhere. The stolen thread comes
 * back off its old queue, already accounted to ours. */
static struct list_node *steal(unsigned int self)
{
	u64 tried = 1ull << self;
	for (;;) {
		unsigned int victim = MAX_CPUS, most = 0;
		for (unsigned int c = 0; c < MAX_CPUS; c++) {
			unsigned int q = READ_ONCE(runqueues[c].nr_queued);
			if (!(tried & (1ull << c)) && cpu_table[c] && q > most) {
				most = q;
				victim = c;
			}
		}
		if (victim == MAX_CPUS)
			return NULL;
		tried |= 1ull << victim;
		struct list_node *found = steal_from(rq_of(victim), self);
		if (found)
			return found;
	}
}

/* The core of every switch. `preempt`: the thread was interrupted, not
 * going to sleep, so it stays runnable whatever its state says (it may be
 * between queueing itself on a wait queue and calling schedule). */
static void do_schedule(bool preempt)
{
	irqflags_t f = arch_irq_save();
	struct cpu *c = this_cpu();
	if (c->preempt_count != 0)
		panic("schedule() with preemption disabled (count %d)", c->preempt_count);
	struct runqueue *rq = c->sched;
	preempt_disable();
	spin_lock_raw(&rq->lock);
	struct thread *prev = c->current;
	c->need_resched = false;
	if (prev != rq->idle && prev->state != THREAD_DEAD && !prev->on_rq &&
	    (preempt || prev->state == THREAD_RUNNING)) {
		if (prev->cpu_mask & (1ull << c->id))
			enqueue_locked(rq, prev);
		else
			prev->state = THREAD_RUNNING;   /* migrates below */
	}
	struct list_node *n = list_pop_head(&rq->queue);
	if (!n)
		n = steal(c->id);
	struct thread *next = n ? list_entry(n, struct thread, run_node) : rq->idle;
	if (n && next->cpu == c->id && next->on_rq) {
		next->on_rq = false;
		rq->nr_queued--;
	}
	if (next == prev) {
		spin_unlock_raw(&rq->lock);
		preempt_enable_no_resched();
		arch_irq_restore(f);
		return;
	}
	u64 now = clock_ns();
	account(prev, now);
	next->switched_in_ns = now;
	next->on_cpu = true;
	if (next->rseq)
		next->rseq_pending = true;      /* it may have been preempted or moved */
	next->slice_ticks = SLICE_TICKS;
	if (READ_ONCE(perf_hooks_enabled))
		perf_sched_out(prev, next, preempt && prev->state != THREAD_DEAD);
	c->current = next;
	arch_switch_to(prev, next);
	/* Back on prev's stack: sched_finish_switch ran in arch_switch_to's
	 * return path (see arch/x86_64/switch.asm). */
	arch_irq_restore(f);
}

/* Runs on the new thread right after the switch, with the run queue lock
 * still held by the CPU. `prev` is the thread we switched away from. */
void sched_finish_switch(struct thread *prev)
{
	struct runqueue *rq = this_cpu()->sched;
	bool dead = prev->state == THREAD_DEAD;
	bool stray = !dead && prev->state == THREAD_RUNNING && !prev->on_rq &&
		     prev != rq->idle;
	prev->on_cpu = false;
	if (READ_ONCE(perf_hooks_enabled))
		perf_sched_in(current_thread(), prev);
	if (stray)      /* not allowed here any more: place it elsewhere */
		activate(prev, rq);
	spin_unlock_raw(&rq->lock);
	preempt_enable_no_resched();
	if (dead)
		thread_reap(prev);
}

void schedule(void)
{
	do_schedule(false);
}

void preempt_schedule(void)
{
	struct cpu *c = this_cpu();
	if (c->irq_depth == 0 && c->nmi_depth == 0 && arch_irqs_enabled())
		do_schedule(true);
}

void sched_preempt_from_irq(void)
{
	if (current_thread())
		do_schedule(true);
}

void sched_yield(void)
{
	do_schedule(true);
}

void sched_migrate_if_needed(void)
{
	if (!(current_thread()->cpu_mask & (1ull << this_cpu_id())))
		do_schedule(true);
}

static bool queued_elsewhere(unsigned int self)
{
	for (unsigned int c = 0; c < MAX_CPUS; c++)
		if (c != self && cpu_table[c] && READ_ONCE(runqueues[c].nr_queued))
			return true;
	return false;
}

/* Linux's load average: every 5 s, each average moves towards the number
 * of runnable threads by a fixed factor (fixed point, 11 bits). */
#define FSHIFT 11
#define FIXED_1 (1 << FSHIFT)
#define LOAD_FREQ_TICKS 5000
static const u64 load_exp[3] = { 1884, 2014, 2037 };   /* 1, 5, 15 minutes */
static u64 load_avg[3];

static void load_update(void)
{
	u64 n = 0;
	for (unsigned int c = 0; c < MAX_CPUS; c++) {
		struct cpu *oc = cpu_table[c];
		if (!oc || !oc->online)
			continue;
		n += READ_ONCE(runqueues[c].nr_queued);
		n += READ_ONCE(oc->current) != runqueues[c].idle;
	}
	n *= FIXED_1;
	for (int k = 0; k < 3; k++) {
		u64 l = load_avg[k] * load_exp[k] + n * (FIXED_1 - load_exp[k]);
		WRITE_ONCE(load_avg[k], (l + FIXED_1 / 2) >> FSHIFT);
	}
}

void sched_loadavg(u64 avg_x100[3])
{
	for (int k = 0; k < 3; k++)
		avg_x100[k] = (READ_ONCE(load_avg[k]) * 100 + FIXED_1 / 2) >> FSHIFT;
}

u32 sched_nr_running(void)
{
	u32 n = 0;
	for (unsigned int c = 0; c < MAX_CPUS; c++)
		if (cpu_table[c] && cpu_table[c]->online)
			n += READ_ONCE(runqueues[c].nr_queued) +
			     (READ_ONCE(cpu_table[c]->current) != runqueues[c].idle);
	return n;
}

void sched_tick(void)
{
	struct cpu *c = this_cpu();
	if (c->id == 0 && c->ticks % LOAD_FREQ_TICKS == 0)
		load_update();
	struct thread *t = c->current;
	struct runqueue *rq = c->sched;
	if (!t || !rq)
		return;
	if (t == rq->idle) {
		/* Idle: run what is queued here, or look for something to
		 * steal. Every tick, not only when nudged: a nudge can miss
		 * (steal only trylocks), and a CPU busy with interrupts or NMIs
		 * may be slow to send the next one. */
		if (READ_ONCE(rq->nr_queued) || queued_elsewhere(c->id))
			c->need_resched = true;
		return;
	}
	if (--t->slice_ticks <= 0 && READ_ONCE(rq->nr_queued))
		c->need_resched = true;
	/* Work waiting here while another CPU idles: nudge it to steal. */
	if (READ_ONCE(rq->nr_queued) && (c->ticks & 3) == 0) {
		for (unsigned int o = 0; o < MAX_CPUS; o++) {
			struct cpu *oc = cpu_table[o];
			if (oc && o != c->id && oc->online && oc->current == oc->idle) {
				arch_send_resched(o);
				break;
			}
		}
	}
}

/* --- sleeping ----------------------------------------------------------- */

static void sleep_timeout(struct ktimer *tm)
{
	thread_wake(tm->data, WAKE_TIMEOUT);
}

int sched_sleep(u64 deadline_ns)
{
	struct thread *t = current_thread();
	if (deadline_ns && clock_ns() >= deadline_ns) {
		set_state(t, THREAD_RUNNING);
		return WAKE_TIMEOUT;
	}
	struct ktimer tm;
	if (deadline_ns) {
		ktimer_init(&tm, sleep_timeout, t);
		ktimer_arm(&tm, deadline_ns);
	}
	t->wake_reason = WAKE_NORMAL;
	schedule();
	if (deadline_ns)
		ktimer_cancel(&tm);
	if (deadline_ns && clock_ns() >= deadline_ns)
		return WAKE_TIMEOUT;
	return t->wake_reason;
}

static void set_state(struct thread *t, enum thread_state st)
{
	for (;;) {
		unsigned int cpu = READ_ONCE(t->cpu);
		irqflags_t f = spin_lock_irqsave(&rq_of(cpu)->lock);
		if (t->cpu == cpu) {
			t->state = st;
			spin_unlock_irqrestore(&rq_of(cpu)->lock, f);
			return;
		}
		spin_unlock_irqrestore(&rq_of(cpu)->lock, f);
	}
}

void thread_prepare_sleep(void)
{
	set_state(current_thread(), THREAD_BLOCKED);
}

void thread_cancel_sleep(void)
{
	set_state(current_thread(), THREAD_RUNNING);
}

void waitq_init(struct waitq *wq, const char *name)
{
	spin_lock_init(&wq->lock, name);
	list_init(&wq->waiters);
}

void waitq_add(struct waitq *wq, struct waiter *w)
{
	struct thread *t = current_thread();
	w->thread = t;
	irqflags_t f = spin_lock_irqsave(&wq->lock);
	list_add_tail(&wq->waiters, &w->node);
	/* BLOCKED before the caller re-checks its condition: a wakeup between
	 * the check and schedule() turns it back to RUNNING (no lost wakeup). */
	set_state(t, THREAD_BLOCKED);
	spin_unlock_irqrestore(&wq->lock, f);
}

void waitq_remove(struct waitq *wq, struct waiter *w)
{
	struct thread *t = current_thread();
	irqflags_t f = spin_lock_irqsave(&wq->lock);
	if (list_linked(&w->node))
		list_del(&w->node);
	spin_unlock_irqrestore(&wq->lock, f);
	set_state(t, THREAD_RUNNING);
}

int waitq_wake_n(struct waitq *wq, int n)
{
	int woken = 0;
	irqflags_t f = spin_lock_irqsave(&wq->lock);
	struct list_node *pos, *tmp;
	list_for_each_safe(pos, tmp, &wq->waiters) {
		if (woken >= n)
			break;
		struct waiter *w = list_entry(pos, struct waiter, node);
		thread_wake(w->thread, WAKE_NORMAL);
		woken++;
	}
	spin_unlock_irqrestore(&wq->lock, f);
	return woken;
}

int waitq_wake_all(struct waitq *wq)
{
	return waitq_wake_n(wq, 0x7fffffff);
}

bool thread_interrupted(void)
{
	struct thread *t = current_thread();
	return t->kill_pending || (t->proc && signal_pending_unblocked(t));
}

int sleep_until(u64 deadline_ns, u64 *left)
{
	struct thread *t = current_thread();
	for (;;) {
		/* BLOCKED before looking for a signal: one sent after the look
		 * finds us blocked and wakes us (the other order sleeps through
		 * it). */
		set_state(t, THREAD_BLOCKED);
		u64 now = clock_ns();
		if (now >= deadline_ns) {
			set_state(t, THREAD_RUNNING);
			if (left)
				*left = 0;
			return 0;
		}
		if (thread_interrupted()) {
			set_state(t, THREAD_RUNNING);
			if (left)
				*left = deadline_ns - now;
			return -EINTR;
		}
		sched_sleep(deadline_ns);
	}
}
