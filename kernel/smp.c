/* Cross-CPU function calls on top of irq_work (see smp.h). */
#include <arch/barrier.h>
#include <arch/irqflags.h>
#include <kernel/irq_work.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/smp.h>

struct call {
	struct irq_work work;
	void (*fn)(void *);
	void *arg;
	int done;
};

static void call_run(struct irq_work *w)
{
	struct call *c = container_of(w, struct call, work);
	c->fn(c->arg);
	smp_store_release(&c->done, 1);
}

static void check_can_wait(void)
{
	/* Waiting with interrupts off could deadlock against a CPU that is
	 * itself waiting for us; every caller must allow interrupts. */
	if (!arch_irqs_enabled() && nr_cpus_online > 1)
		panic("smp_call with interrupts disabled");
}

void smp_call_mask(u64 mask, void (*fn)(void *), void *arg)
{
	struct call calls[MAX_CPUS];
	unsigned int self = this_cpu_id();
	mask &= ~(1ull << self);
	if (!mask)
		return;
	check_can_wait();
	for (unsigned int c = 0; c < MAX_CPUS; c++) {
		if (!(mask & (1ull << c)))
			continue;
		irq_work_init(&calls[c].work, call_run);
		calls[c].work.transient = true;
		calls[c].fn = fn;
		calls[c].arg = arg;
		calls[c].done = 0;
		if (!irq_work_queue_on(&calls[c].work, c))
			calls[c].done = 1;      /* offline CPU: nothing to do there */
	}
	for (unsigned int c = 0; c < MAX_CPUS; c++)
		if (mask & (1ull << c))
			while (!smp_load_acquire(&calls[c].done))
				cpu_relax();
}

void smp_call(unsigned int cpu, void (*fn)(void *), void *arg)
{
	if (cpu == this_cpu_id()) {
		irqflags_t f = arch_irq_save();
		fn(arg);
		arch_irq_restore(f);
		return;
	}
	smp_call_mask(1ull << cpu, fn, arg);
}
