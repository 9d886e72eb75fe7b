/* Deferred work for NMI context (Linux's irq_work, in miniature).
 *
 * Queueing claims the item with a cmpxchg on its state (so an item is on at
 * most one list) and pushes it on this CPU's lock-free list; only the push
 * that finds the list empty raises the IPI. The IPI handler takes the whole
 * list with one xchg and runs it in ordinary interrupt context. */
#include <arch/barrier.h>
#include <arch/preempt.h>
#include <kernel/irq_work.h>
#include <kernel/percpu.h>
#include <kernel/arch/irq.h>

static bool claim(struct irq_work *w)
{
	unsigned long old = READ_ONCE(w->state);
	for (;;) {
		if (old & IRQ_WORK_PENDING)
			return false;
		/* A running item may be queued again: it will run once more. */
		if (__atomic_compare_exchange_n(&w->state, &old, old | IRQ_WORK_PENDING, false,
						__ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			return true;
	}
}

static bool push(struct irq_work *w, struct cpu *c)
{
	struct irq_work *head = READ_ONCE(c->irq_work_list);
	do {
		w->next = head;
	} while (!__atomic_compare_exchange_n(&c->irq_work_list, &head, w, true,
					      __ATOMIC_RELEASE, __ATOMIC_RELAXED));
	return head == NULL;
}

bool irq_work_queue(struct irq_work *w)
{
	if (!claim(w))
		return false;
	preempt_disable();
	if (push(w, this_cpu()))
		arch_raise_irq_work(this_cpu_id());
	preempt_enable_no_resched();
	return true;
}

bool irq_work_queue_on(struct irq_work *w, unsigned int cpu)
{
	if (cpu >= MAX_CPUS || !cpu_table[cpu] || !cpu_table[cpu]->online)
		return false;
	if (!claim(w))
		return false;
	if (push(w, cpu_table[cpu]))
		arch_raise_irq_work(cpu);
	return true;
}

void irq_work_run(void)
{
	struct irq_work *list = __atomic_exchange_n(&this_cpu()->irq_work_list, NULL,
						    __ATOMIC_ACQUIRE);
	/* The list is newest-first; run in queueing order. */
	struct irq_work *rev = NULL;
	while (list) {
		struct irq_work *next = list->next;
		list->next = rev;
		rev = list;
		list = next;
	}
	while (rev) {
		struct irq_work *w = rev;
		rev = rev->next;
		if (w->transient) {
			smp_store_release(&w->state, 0);
			w->fn(w);       /* may end w's lifetime: not touched after */
			continue;
		}
		/* PENDING -> BUSY before the call, so the item can be queued
		 * again (even by its own function) while it runs. */
		smp_store_release(&w->state, IRQ_WORK_BUSY);
		w->fn(w);
		unsigned long busy = IRQ_WORK_BUSY;
		__atomic_compare_exchange_n(&w->state, &busy, 0, false, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED);
	}
}

bool irq_work_is_busy(struct irq_work *w)
{
	return smp_load_acquire(&w->state) != 0;
}

void irq_work_sync(struct irq_work *w)
{
	while (irq_work_is_busy(w))
		cpu_relax();
}
