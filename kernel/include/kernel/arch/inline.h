/* Architecture contract, inline part (see README.md here). Each arch (and
 * arch/host for host builds of the shared cores) provides these headers
 * and names; generic code includes them directly or through this file.
 *
 * <arch/barrier.h>
 *   smp_mb(), smp_rmb(), smp_wmb()      full, read and write barriers
 *   smp_load_acquire(p), smp_store_release(p, v)
 *   READ_ONCE(x), WRITE_ONCE(x, v)      single, untorn accesses
 *   barrier()                           compiler barrier
 *   cpu_relax()                         in spin loops
 * <arch/local.h>
 *   local_t and local_read/set/add/inc/cmpxchg/xchg: atomic only against
 *   this CPU (interrupts and NMIs included), never across CPUs
 * <arch/preempt.h>
 *   preempt_disable(), preempt_enable(), preempt_enable_no_resched(),
 *   in_nmi(), this_cpu_id()
 * <arch/irqflags.h>
 *   irqflags_t, arch_irq_save(), arch_irq_restore(f), arch_irq_enable(),
 *   arch_irq_disable(), arch_irqs_enabled()
 * <arch/string.h>
 *   arch_memcpy/arch_memmove/arch_memset: the fast paths lib/string.c uses
 */
#pragma once
#include <arch/barrier.h>
#include <arch/irqflags.h>
#include <arch/local.h>
#include <arch/preempt.h>
