/* NMI handling. The handler runs on its own IST stack with every other
 * interrupt blocked; it must never fault, trap or take a lock, because the
 * interrupted code may hold any lock (traps.c reports a trap taken inside
 * it). An NMI that still gets in while another runs (once the blocking
 * ended early) is made to wait by the entry code and runs the handlers
 * after it (entry.asm, nmi_entry). Handlers are a fixed table filled at
 * init; work an NMI cannot do itself is queued as irq_work (a self-IPI on
 * a normal vector). */
#include <arch/barrier.h>
#include <arch/x86.h>
#include <arch/trap.h>
#include <kernel/nmi.h>
#include <kernel/percpu.h>
#include <kernel/printk.h>
#include <kernel/thread.h>
#include <arch/x86/nmi.h>
#include <kernel/arch/cpu.h>
#include <kernel/arch/irq.h>

#define MAX_NMI_HANDLERS 8
static nmi_handler_t nmi_handlers[MAX_NMI_HANDLERS];


void nmi_init(void)
{
}

int nmi_register(nmi_handler_t h)
{
	for (int i = 0; i < MAX_NMI_HANDLERS; i++) {
		nmi_handler_t expect = NULL;
		if (__atomic_compare_exchange_n(&nmi_handlers[i], &expect, h, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return 0;
	}
	return -1;
}

void nmi_unregister(nmi_handler_t h)
{
	for (int i = 0; i < MAX_NMI_HANDLERS; i++)
		if (__atomic_load_n(&nmi_handlers[i], __ATOMIC_SEQ_CST) == h)
			__atomic_store_n(&nmi_handlers[i], NULL, __ATOMIC_SEQ_CST);
}

volatile s32 cpus_stopped_by = -1;
static volatile u64 backtrace_wanted;   /* CPUs asked to print where they are */

/* Print every CPU's backtrace (the others through an NMI, so even a CPU
 * spinning with interrupts off answers). */
void arch_backtrace_all_cpus(void)
{
	for (unsigned int c = 0; c < MAX_CPUS; c++) {
		if (!cpu_table[c] || !cpu_table[c]->online)
			continue;
		__atomic_fetch_or(&backtrace_wanted, 1ull << c, __ATOMIC_SEQ_CST);
		arch_send_nmi(c);
	}
}

void nmi_dispatch(struct trap_frame *f)
{
	struct cpu *c = this_cpu();
	/* Not the stopper: a perf or storm NMI arriving on the panicking CPU
	 * must not halt it before its report is out. */
	s32 stopper = cpus_stopped_by;
	if (stopper >= 0 && stopper != (s32)c->id)
		arch_halt_forever();
	/* Counted as non-preemptible too, so a preempt_enable() in a handler
	 * (perf output) can never try to schedule from NMI context. */
	c->preempt_count++;
	c->nmi_depth++;
	c->nmi_count++;
	if (backtrace_wanted & (1ull << c->id)) {
		__atomic_fetch_and(&backtrace_wanted, ~(1ull << c->id), __ATOMIC_SEQ_CST);
		printk("CPU %u (%s) was at:\n", c->id, c->current ? c->current->comm : "?");
		arch_print_backtrace_from(f->rip, f->rbp);
	}
	for (int i = 0; i < MAX_NMI_HANDLERS; i++) {
		nmi_handler_t h = smp_load_acquire(&nmi_handlers[i]);
		if (h)
			h(f);
	}
	c->nmi_depth--;
	c->preempt_count--;
}
