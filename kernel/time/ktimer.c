/* Per-CPU timer lists, sorted by expiry, checked at every tick. */
#include <arch/barrier.h>
#include <kernel/clock.h>
#include <kernel/ktimer.h>
#include <kernel/percpu.h>
#include <kernel/spinlock.h>
#include <kernel/timer_internal.h>

struct timer_base {
	spinlock_t lock;
	struct list_node list;
};
static struct timer_base bases[MAX_CPUS];

void timers_init_cpu(void)
{
	struct timer_base *b = &bases[this_cpu_id()];
	spin_lock_init(&b->lock, "timers");
	list_init(&b->list);
}

void ktimer_init(struct ktimer *t, void (*fn)(struct ktimer *), void *data)
{
	list_init(&t->node);
	t->fn = fn;
	t->data = data;
	t->cpu = -1;
	t->running = false;
	t->expires_ns = 0;
}

static bool detach(struct ktimer *t)
{
	for (;;) {
		int cpu = READ_ONCE(t->cpu);
		if (cpu < 0)
			return false;
		struct timer_base *b = &bases[cpu];
		irqflags_t f = spin_lock_irqsave(&b->lock);
		if (t->cpu != cpu) {
			spin_unlock_irqrestore(&b->lock, f);
			continue;
		}
		list_del(&t->node);
		t->cpu = -1;
		spin_unlock_irqrestore(&b->lock, f);
		return true;
	}
}

void ktimer_arm(struct ktimer *t, u64 expires_ns)
{
	detach(t);
	struct timer_base *b = &bases[this_cpu_id()];
	irqflags_t f = spin_lock_irqsave(&b->lock);
	t->expires_ns = expires_ns;
	struct list_node *pos;
	list_for_each(pos, &b->list) {
		if (list_entry(pos, struct ktimer, node)->expires_ns > expires_ns)
			break;
	}
	list_insert_between(&t->node, pos->prev, pos);
	t->cpu = this_cpu_id();
	bool first = b->list.next == &t->node;
	spin_unlock_irqrestore(&b->lock, f);
	if (first) {
		irqflags_t g = arch_irq_save();
		timer_program(expires_ns);
		arch_irq_restore(g);
	}
}

bool ktimer_cancel(struct ktimer *t)
{
	bool was = detach(t);
	while (smp_load_acquire(&t->running))
		cpu_relax();
	return was;
}

u64 timers_run_expired(void)
{
	struct timer_base *b = &bases[this_cpu_id()];
	u64 now = clock_ns();
	for (;;) {
		irqflags_t f = spin_lock_irqsave(&b->lock);
		if (list_empty(&b->list)) {
			spin_unlock_irqrestore(&b->lock, f);
			return 0;
		}
		struct ktimer *t = list_entry(b->list.next, struct ktimer, node);
		if (t->expires_ns > now) {
			u64 next = t->expires_ns;
			spin_unlock_irqrestore(&b->lock, f);
			return next;
		}
		list_del(&t->node);
		t->cpu = -1;
		/* Run without the lock so the callback may re-arm or wake. */
		WRITE_ONCE(t->running, true);
		spin_unlock_irqrestore(&b->lock, f);
		t->fn(t);
		smp_store_release(&t->running, false);
	}
}
