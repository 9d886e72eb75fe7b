/* Deferred work for contexts that may not do it themselves (NMI): queue an
 * item from anywhere, including NMI; it runs soon after in ordinary
 * interrupt context on the same CPU, raised by a self-IPI. Queueing is
 * lock-free (one cmpxchg loop) and an item already pending is not queued
 * twice. */
#pragma once
#include <lib/types.h>

struct irq_work {
	struct irq_work *next;
	void (*fn)(struct irq_work *w);
	unsigned long state;    /* IRQ_WORK_PENDING | IRQ_WORK_BUSY */
	/* The item may vanish as soon as fn has run (it lives on a waiter's
	 * stack): nothing touches it after fn, and it is not tracked BUSY. */
	bool transient;
};

#define IRQ_WORK_PENDING 1ul
#define IRQ_WORK_BUSY    2ul

#define IRQ_WORK_INIT(f) { .next = 0, .fn = (f), .state = 0 }
static inline void irq_work_init(struct irq_work *w, void (*fn)(struct irq_work *))
{
	w->next = 0;
	w->fn = fn;
	w->state = 0;
	w->transient = false;
}

/* Returns false if it was already pending (it will run once). */
bool irq_work_queue(struct irq_work *w);
/* Queue on another CPU's list and interrupt it. */
bool irq_work_queue_on(struct irq_work *w, unsigned int cpu);
/* Called from the IPI handler: run everything queued on this CPU. */
void irq_work_run(void);
bool irq_work_is_busy(struct irq_work *w);
/* Wait (spinning) until the item is neither pending nor running. */
void irq_work_sync(struct irq_work *w);
