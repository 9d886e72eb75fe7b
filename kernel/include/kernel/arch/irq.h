/* Architecture contract: interrupts between CPUs (see README.md here).
 * Interrupt enabling, saving and restoring are inline (inline.h). */
#pragma once
#include <lib/types.h>

void arch_send_nmi(u32 cpu);            /* NMI to a CPU, including itself */
void arch_raise_irq_work(u32 cpu);      /* deferred-work IPI */
void arch_send_resched(u32 cpu);        /* make it look at its run queue */
