/* Running perf work on the CPU an event belongs to. */
#include <kernel/perf.h>
#include <kernel/smp.h>

void perf_run_on_cpu(int cpu, void (*fn)(void *), void *arg)
{
	smp_call((unsigned int)cpu, fn, arg);
}
