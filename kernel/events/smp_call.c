/* Running perf work on the CPU an event belongs to. */
#include <arch/irqflags.h>
#include <kernel/panic.h>
#include <kernel/perf.h>
#include <kernel/percpu.h>

void perf_run_on_cpu(int cpu, void (*fn)(void *), void *arg)
{
	irqflags_t f = arch_irq_save();
	if (cpu != (int)this_cpu_id())
		panic("perf: cross-CPU call to CPU %d not possible yet", cpu);
	fn(arg);
	arch_irq_restore(f);
}
