/* Running code on other CPUs. Calls are irq_work items queued on the
 * target CPU; the caller may wait for them. Waiting happens with
 * interrupts enabled, so two CPUs calling each other cannot deadlock, and
 * no CPU waits while it might hold a lock another CPU spins on with
 * interrupts off. */
#pragma once
#include <lib/types.h>

/* Run fn(arg) on cpu (in interrupt context there, or directly with
 * interrupts off if cpu is this one) and wait for it to finish. */
void smp_call(unsigned int cpu, void (*fn)(void *), void *arg);
/* Run fn(arg) on every CPU in mask except this one, and wait for all. */
void smp_call_mask(u64 mask, void (*fn)(void *), void *arg);
/* Stop every other CPU (panic): they halt with interrupts off. */
void smp_stop_others(void);
