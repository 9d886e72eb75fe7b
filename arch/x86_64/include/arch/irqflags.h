/* Interrupt-flag control, used by spinlocks and the scheduler. */
#pragma once
#include <lib/types.h>

typedef unsigned long irqflags_t;

static inline irqflags_t arch_irq_save(void)
{
	irqflags_t f;
	__asm__ __volatile__("pushfq; popq %0; cli" : "=r"(f) :: "memory");
	return f;
}

static inline void arch_irq_restore(irqflags_t f)
{
	if (f & (1ul << 9))
		__asm__ __volatile__("sti" ::: "memory");
}

static inline bool arch_irqs_enabled(void)
{
	irqflags_t f;
	__asm__ __volatile__("pushfq; popq %0" : "=r"(f) :: "memory");
	return f & (1ul << 9);
}

static inline void arch_irq_enable(void) { __asm__ __volatile__("sti" ::: "memory"); }
static inline void arch_irq_disable(void) { __asm__ __volatile__("cli" ::: "memory"); }
