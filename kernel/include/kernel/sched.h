/* Scheduler interface used by interrupt code and the rest of the kernel. */
#pragma once
#include <lib/types.h>

void sched_preempt_from_irq(void);   /* switch away if asked, from IRQ exit */
void sched_tick(void);               /* timer interrupt */
void schedule(void);                 /* give up the CPU */
void sched_yield(void);
