/* Bringing up the application processors and the IPIs every CPU answers.
 *
 * The boot CPU starts the others one at a time: it gives each a struct cpu,
 * a stack and a temporary page table (identity map of the low 2 MiB for the
 * trampoline, plus the kernel half), sends INIT-SIPI-SIPI, and waits for
 * the AP to say it is online before starting the next. */
#include <arch/barrier.h>
#include <lib/string.h>
#include <arch/irqflags.h>
#include <arch/trap.h>
#include <arch/x86.h>
#include <kernel/heap.h>
#include <kernel/ktimer.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/smp.h>
#include <kernel/thread.h>
#include <kernel/vm.h>
#include <arch/x86/acpi.h>
#include <arch/x86/apic.h>
#include <arch/x86/cpu.h>
#include <arch/x86/gdt.h>
#include <arch/x86/nmi.h>
#include <kernel/arch/clock.h>
#include <kernel/arch/cpu.h>
#include <kernel/arch/irq.h>
#include <kernel/arch/thread.h>

#define TRAMPOLINE 0x8000

extern char trampoline_start[], trampoline_end[];
extern u64 tr_cr3, tr_stack, tr_entry, tr_cpu;


static void resched_ipi(struct trap_frame *f)
{
	this_cpu()->need_resched = true;
}

/* The first C code of an AP (on the stack the boot CPU gave it). */
void ap_entry(struct cpu *c)
{
	arch_set_percpu(c);
	gdt_init_cpu(c);
	idt_load();
	arch_cpu_setup_cr();
	arch_syscall_init_cpu();
	arch_fpu_reset_live();
	write_cr3(kernel_aspace.root);
	lapic_init_ap();
	c->apic_id = arch_cpu_apic_id();
	timers_init_cpu();
	thread_init_idle(c);
	smp_store_release(&c->online, true);
	__atomic_fetch_add(&nr_cpus_online, 1, __ATOMIC_SEQ_CST);
	arch_irq_enable();
	lapic_timer_start();
	for (;;) {
		while (!READ_ONCE(c->need_resched))
			arch_idle();
		schedule();
	}
}

/* Page tables for the trampoline: low 2 MiB identity-mapped, kernel half
 * shared. Below 4 GiB, since 32-bit code loads it into CR3. */
static paddr_t ap_page_table(void)
{
	paddr_t pml4 = frame_alloc(), pdpt = frame_alloc(), pd = frame_alloc();
	if (!pml4 || !pdpt || !pd || pml4 >= (1ull << 32))
		panic("smp: no memory for the AP page table");
	u64 *p4 = phys_to_virt(pml4);
	memcpy(p4 + 256, (u64 *)phys_to_virt(kernel_aspace.root) + 256, 256 * 8);
	p4[0] = pdpt | 3;
	((u64 *)phys_to_virt(pdpt))[0] = pd | 3;
	((u64 *)phys_to_virt(pd))[0] = 0 | 0x83;        /* 2 MiB, present, writable */
	return pml4;
}

void arch_smp_boot(void)
{
	arch_set_irq_handler(VEC_RESCHED, resched_ipi);
	if (acpi.nr_cpus <= 1)
		return;
	u8 *tr = phys_to_virt(TRAMPOLINE);
	memcpy(tr, trampoline_start, trampoline_end - trampoline_start);
	paddr_t cr3 = ap_page_table();
	u32 self = arch_cpu_apic_id();
	unsigned int next_id = 1;
	for (int i = 0; i < acpi.nr_cpus && next_id < MAX_CPUS; i++) {
		u32 apic = acpi.apic_ids[i];
		if (apic == self)
			continue;
		struct cpu *c = kzalloc(sizeof(*c));
		u8 *stack = vmap_alloc(KSTACK_PAGES, VM_READ | VM_WRITE);
		if (!c || !stack)
			panic("smp: no memory for CPU %u", next_id);
		c->self = c;
		c->id = next_id;
		c->apic_id = apic;
		cpu_table[next_id] = c;
		/* Parameters live in the copied blob; offsets are the same. */
		*(u64 *)(tr + ((u8 *)&tr_cr3 - (u8 *)trampoline_start)) = cr3;
		*(u64 *)(tr + ((u8 *)&tr_stack - (u8 *)trampoline_start)) =
			(u64)stack + KSTACK_PAGES * PAGE_SIZE;
		*(u64 *)(tr + ((u8 *)&tr_entry - (u8 *)trampoline_start)) = (u64)ap_entry;
		*(u64 *)(tr + ((u8 *)&tr_cpu - (u8 *)trampoline_start)) = (u64)c;
		c->idle_stack = stack;          /* becomes the idle thread's stack */
		smp_mb();
		lapic_send_init_sipi(apic, TRAMPOLINE >> 12);
		u64 t0 = arch_clock_ns();
		while (!smp_load_acquire(&c->online) &&
		       arch_clock_ns() - t0 < 2000000000ull)
			cpu_relax();
		if (!c->online) {
			printk("smp: CPU with APIC id %u did not start\n", apic);
			cpu_table[next_id] = NULL;
			continue;
		}
		next_id++;
	}
	printk("smp: %u CPUs online\n", nr_cpus_online);
}

static void stop_cpu(void *arg)
{
	arch_halt_forever();
}

void smp_stop_others(void)
{
	/* NMIs get through even to a CPU spinning with interrupts off. */
	cpus_stopped_by = (s32)this_cpu_id();
	for (unsigned int c = 0; c < MAX_CPUS; c++)
		if (c != this_cpu_id() && cpu_table[c] && cpu_table[c]->online)
			arch_send_nmi(c);
	(void)stop_cpu;
}
