/* Ticket spinlocks. Always taken with interrupts off (spin_lock_irqsave) so
 * an interrupt handler on the same CPU cannot deadlock against its own
 * thread. NMI handlers must never take one: spin_lock panics if it sees NMI
 * context, which turns the rule into a checked one. So are three more rules
 * (kernel/spinlock.c): a wait that never ends is a lockup, reported with
 * the holder; a ticket further from the one being served than there are
 * CPUs means the lock word is corrupt; and only the holder's CPU unlocks. */
#pragma once
#include <lib/types.h>
#include <arch/barrier.h>
#include <arch/irqflags.h>
#include <arch/preempt.h>

typedef struct spinlock {
	u16 owner;              /* ticket now served */
	u16 next;               /* next ticket to hand out */
	s32 cpu;                /* holder, -1 if free (for diagnostics) */
	const char *name;
	u64 pc;                 /* where the holder took it (for diagnostics) */
	const void *holder;     /* the thread that took it (for diagnostics) */
} spinlock_t;

#define SPINLOCK_INIT(n) { .owner = 0, .next = 0, .cpu = -1, .name = (n), .pc = 0, .holder = 0 }

/* The address of the code that expands this (an inlined lock's caller). */
#define SPINLOCK_HERE() ({ __label__ here_; here_: (u64)(unsigned long)&&here_; })

void spinlock_bug(spinlock_t *l, const char *what) __attribute__((noreturn));
/* The lock says this CPU holds it: seen is what l->cpu said. */
void spinlock_bug_recursive(spinlock_t *l, s32 seen) __attribute__((noreturn));
/* Unlocked by a CPU that does not hold it (seen: what l->cpu said). */
void spinlock_bug_unlock(spinlock_t *l, s32 seen) __attribute__((noreturn));
/* The slow path of a lock: wait until `ticket` is served (kernel/spinlock.c). */
void spin_lock_wait(spinlock_t *l, u16 ticket);
/* Iterations a ticket wait spins with no ticket served before it is called a
 * lockup (see kernel/spinlock.c for the choice); crashtest=lockup lowers it. */
extern u64 spinlock_lockup_spins;

static inline void spin_lock_init(spinlock_t *l, const char *name)
{
	l->owner = l->next = 0;
	l->cpu = -1;
	l->name = name;
}

static __always_inline void spin_lock_raw(spinlock_t *l)
{
	if (unlikely(in_nmi()))
		spinlock_bug(l, "taken in NMI context");
	s32 seen = READ_ONCE(l->cpu);
	if (unlikely(seen == (s32)this_cpu_id()))
		spinlock_bug_recursive(l, seen);
	u16 ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	if (unlikely(smp_load_acquire(&l->owner) != ticket))
		spin_lock_wait(l, ticket);
	l->cpu = this_cpu_id();
	l->pc = SPINLOCK_HERE();
	l->holder = this_cpu()->current;
}

static __always_inline bool spin_trylock_raw(spinlock_t *l)
{
	u16 owner = READ_ONCE(l->owner);
	u16 expect = owner;
	if (READ_ONCE(l->next) != owner)
		return false;
	if (!__atomic_compare_exchange_n(&l->next, &expect, (u16)(owner + 1), false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return false;
	l->cpu = this_cpu_id();
	l->pc = SPINLOCK_HERE();
	l->holder = this_cpu()->current;
	return true;
}

static inline void spin_unlock_raw(spinlock_t *l)
{
	s32 seen = l->cpu;
	if (unlikely(seen != (s32)this_cpu_id()))
		spinlock_bug_unlock(l, seen);
	l->cpu = -1;
	smp_store_release(&l->owner, (u16)(l->owner + 1));
}

static __always_inline irqflags_t spin_lock_irqsave(spinlock_t *l)
{
	irqflags_t f = arch_irq_save();
	preempt_disable();
	spin_lock_raw(l);
	return f;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, irqflags_t f)
{
	spin_unlock_raw(l);
	preempt_enable_no_resched();
	arch_irq_restore(f);
	if (arch_irqs_enabled() && this_cpu()->preempt_count == 0 &&
	    READ_ONCE(this_cpu()->need_resched))
		preempt_schedule();
}

/* For locks never taken in interrupt context: interrupts stay on while
 * waiting and while holding, so this CPU keeps answering IPIs (a holder
 * may be waiting for a TLB shootdown to finish). */
static __always_inline void spin_lock(spinlock_t *l)
{
	preempt_disable();
	spin_lock_raw(l);
}

static inline void spin_unlock(spinlock_t *l)
{
	spin_unlock_raw(l);
	preempt_enable();
}

static inline bool spin_is_locked(spinlock_t *l)
{
	return READ_ONCE(l->owner) !=
	       READ_ONCE(l->next);
}
