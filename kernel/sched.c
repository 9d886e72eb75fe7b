/* Placeholder scheduler until threads exist. */
#include <kernel/sched.h>
#include <arch/preempt.h>

void sched_preempt_from_irq(void) { this_cpu()->need_resched = false; }
void sched_tick(void) { }
void preempt_schedule(void) { this_cpu()->need_resched = false; }
void schedule(void) { }
void sched_yield(void) { }
