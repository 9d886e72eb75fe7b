/* Spinlocks' slow path and their checks: the ticket wait with a lockup
 * detector, and the reports of a broken rule (taken in NMI context, taken
 * twice by one CPU, unlocked by a CPU that does not hold it, a corrupt lock
 * word, a wait that never ends). Each report names the lock, its tickets and
 * what it last recorded about its holder (CPU, thread, call site), then
 * panics, so a hang becomes a report that says which unlock went missing.
 *
 * The lockup budget counts this CPU's own spins, never host time: a loaded
 * host that stops our virtual CPU stops the count too. The count starts again
 * each time the lock serves a ticket, so only a lock that serves nobody for
 * spinlock_lockup_spins iterations trips it. A spin (PAUSE, a load) costs
 * about half a microsecond under TCG and tens of nanoseconds under KVM, so
 * the default, 2^26, is half a minute or more under TCG (inside the test
 * harness's timeouts, so a hang becomes this report) and seconds under KVM.
 * No lock here is held for more than microseconds by a running holder: the
 * margin covers a holder whose virtual CPU the host has not run for long. */
#include <lib/types.h>
#include <kernel/arch/cpu.h>
#include <kernel/clock.h>
#include <kernel/ksyms.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <kernel/thread.h>
#include <arch/x86/cpu.h>

u64 spinlock_lockup_spins = 1ull << 26;

/* What a lock says about its holder, read once. */
struct lock_snap {
	u16 owner, next;
	s32 cpu;
	u64 pc;
	const struct thread *holder;
};

static void snap(spinlock_t *l, struct lock_snap *s)
{
	s->owner = READ_ONCE(l->owner);
	s->next = READ_ONCE(l->next);
	s->cpu = READ_ONCE(l->cpu);
	s->pc = READ_ONCE(l->pc);
	s->holder = READ_ONCE(l->holder);
}

/* The holder may have exited and been freed: only read it if mapped. */
static bool thread_readable(const struct thread *t)
{
	return t && arch_kernel_addr_mapped((u64)t) &&
	       arch_kernel_addr_mapped((u64)t + sizeof(*t) - 1);
}

/* Everything the snapshot says, on the console, before the panic. A holder
 * that is off its CPU with the lock held broke the rules (it slept or was
 * switched away under the lock): where it sleeps names the culprit. */
static void report(spinlock_t *l, const struct lock_snap *s, const char *what)
{
	char sym[96];
	const struct thread *h = s->holder, *me = this_cpu()->current;
	printk_enter_emergency();
	ksym_format(s->pc, sym, sizeof(sym));
	printk("spinlock \"%s\" (%p) %s on CPU %u (tid %d)\n", l->name ? l->name : "?", l,
	       what, this_cpu_id(), me ? me->tid : -1);
	printk("  tickets: serving %u, next %u; lock says holder CPU %d\n", s->owner, s->next,
	       s->cpu);
	printk("  last taken at %s by thread %p\n", s->pc ? sym : "?", h);
	if (!thread_readable(h))
		return;
	printk("  that thread: tid %d \"%.16s\" state %d on_cpu %d cpu %u\n", h->tid, h->comm,
	       (int)h->state, (int)h->on_cpu, h->cpu);
	if (!READ_ONCE(h->on_cpu) && h->state != THREAD_DEAD && h != me) {
		printk("  it is off its CPU; where it sleeps:\n");
		arch_print_thread_backtrace(h);
	}
}

/* A lockup's holder may be running elsewhere: every CPU says where it is
 * (by NMI, straight to the console in emergency mode) before the panic
 * stops them. */
static void report_all_cpus(void)
{
	arch_backtrace_all_cpus();
	clock_delay_ns(100 * NSEC_PER_MSEC);
}

void spinlock_bug(spinlock_t *l, const char *what)
{
	u64 off = 0;
	u64 pc = READ_ONCE(l->pc);
	const char *fn = pc ? ksym_lookup(pc, &off, NULL) : NULL;
	panic("spinlock \"%s\" %s (held by CPU %d, last taken in %s+%#llx)", l->name ? l->name : "?",
	      what, READ_ONCE(l->cpu), fn ? fn : "?", (unsigned long long)off);
}

/* Everything the lock says about its holder, read once, before the panic
 * stops the other CPUs (which may release it meanwhile). */
void spinlock_bug_recursive(spinlock_t *l, s32 seen)
{
	struct lock_snap s;
	snap(l, &s);
	s.cpu = seen;
	report(l, &s, "taken again by the CPU that holds it");
	panic("spinlock \"%s\" recursive acquisition", l->name ? l->name : "?");
}

void spinlock_bug_unlock(spinlock_t *l, s32 seen)
{
	struct lock_snap s;
	snap(l, &s);
	s.cpu = seen;
	report(l, &s, s.owner == s.next ? "unlocked while free" : "unlocked by a CPU that does not hold it");
	panic("spinlock \"%s\" unlocked by CPU %u, which does not hold it", l->name ? l->name : "?",
	      this_cpu_id());
}

/* Each ticket ahead of ours is held or awaited by a different CPU (one CPU
 * never waits twice on a lock), so a distance of MAX_CPUS or more means the
 * lock word was overwritten or unlocked too often. */
static void check_distance(spinlock_t *l, u16 ticket, u16 owner)
{
	if ((u16)(ticket - owner) < MAX_CPUS)
		return;
	struct lock_snap s;
	snap(l, &s);
	report(l, &s, "is corrupt (our ticket is too far ahead)");
	panic("spinlock \"%s\" corrupt: ticket %u while serving %u", l->name ? l->name : "?",
	      ticket, owner);
}

void spin_lock_wait(spinlock_t *l, u16 ticket)
{
	u16 last = READ_ONCE(l->owner);
	u64 spins = 0;
	check_distance(l, ticket, last);
	for (;;) {
		cpu_relax();
		/* Pairs with spin_unlock_raw's smp_store_release of owner. */
		u16 owner = smp_load_acquire(&l->owner);
		if (owner == ticket)
			return;
		if (owner != last) {            /* progress: the budget starts again */
			check_distance(l, ticket, owner);
			last = owner;
			spins = 0;
		} else if (++spins >= READ_ONCE(spinlock_lockup_spins)) {
			struct lock_snap s;
			snap(l, &s);
			report(l, &s, "lockup: no ticket served for the whole budget");
			report_all_cpus();
			panic("spinlock \"%s\" lockup: waited %llu spins for ticket %u (serving %u)",
			      l->name ? l->name : "?", (unsigned long long)spins, ticket, owner);
		}
	}
}
