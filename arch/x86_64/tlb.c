/* TLB shootdowns. A changed or removed mapping must leave every CPU's TLB
 * before the frame is reused: this CPU invalidates at once, and the others
 * that may cache it (every CPU for kernel addresses; the CPUs with the
 * address space loaded for user ones) are asked by one IPI per range and
 * waited for. The wait needs interrupts on (kernel/smp.c), which is why
 * page-table changes are never made with interrupts off when other CPUs
 * could be involved. */
#include <arch/irqflags.h>
#include <arch/x86.h>
#include <kernel/percpu.h>
#include <kernel/sched.h>
#include <kernel/smp.h>
#include <kernel/vm.h>
#include <arch/x86/cpu.h>

#define FULL_FLUSH_PAGES 32     /* past this, flushing everything is cheaper */

struct flush_req {
	vaddr_t start;
	size_t pages;
	bool kernel;
};

static void flush_here(void *arg)
{
	struct flush_req *r = arg;
	if (r->pages <= FULL_FLUSH_PAGES) {
		for (size_t i = 0; i < r->pages; i++)
			invlpg(r->start + i * PAGE_SIZE);
	} else if (r->kernel) {
		/* Kernel mappings are global: only toggling PGE drops them. */
		u64 cr4 = read_cr4();
		write_cr4(cr4 & ~(u64)CR4_PGE);
		write_cr4(cr4);
	} else {
		tlb_flush_all();
	}
}

void tlb_shootdown_range(struct aspace *as, vaddr_t start, size_t pages)
{
	if (!pages)
		return;
	struct flush_req r = { start, pages, start >= USER_TOP || as == &kernel_aspace };
	preempt_disable();
	unsigned int self = this_cpu_id();
	u64 targets = r.kernel ? sched_online_mask()
			       : __atomic_load_n(&as->active_cpus, __ATOMIC_SEQ_CST);
	if (r.kernel || (targets & (1ull << self)))
		flush_here(&r);
	targets &= ~(1ull << self);
	preempt_enable();
	if (targets)
		smp_call_mask(targets, flush_here, &r);
}

void tlb_shootdown(struct aspace *as, vaddr_t va, bool all)
{
	tlb_shootdown_range(as, va, all ? FULL_FLUSH_PAGES + 1 : 1);
}
