/* Preemption control for the kernel build: a per-CPU counter reached with
 * one %gs-relative instruction, which cannot be split by a migration. */
#pragma once
#include <arch/barrier.h>
#include <kernel/percpu.h>

void preempt_schedule(void);

static inline void preempt_disable(void)
{
	__asm__ __volatile__("incl %%gs:%c0" :: "i"(__builtin_offsetof(struct cpu, preempt_count)) : "memory");
}

static inline void preempt_enable_no_resched(void)
{
	__asm__ __volatile__("decl %%gs:%c0" :: "i"(__builtin_offsetof(struct cpu, preempt_count)) : "memory");
}

static inline void preempt_enable(void)
{
	preempt_enable_no_resched();
	struct cpu *c = this_cpu();
	if (c->preempt_count == 0 && READ_ONCE(c->need_resched))
		preempt_schedule();
}

static inline int in_nmi(void) { return this_cpu()->nmi_depth; }
