/* kmain: the first C code. Brings the machine up in dependency order, then
 * either runs the in-kernel tests (ktest=...) or starts user space. */
#include <arch/irqflags.h>
#include <arch/mmu.h>
#include <kernel/bootinfo.h>
#include <kernel/clock.h>
#include <kernel/cmdline.h>
#include <kernel/heap.h>
#include <kernel/init.h>
#include <kernel/ktimer.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/pmm.h>
#include <kernel/printk.h>
#include <kernel/vm.h>
#include <kernel/arch/cpu.h>
#include <kernel/arch/entry.h>

extern char __kernel_start[], __kernel_end[];


void kmain(u32 boot_magic, paddr_t boot_info)
{
	/* %gs must point at a struct cpu before anything may printk. */
	percpu_init_boot();
	arch_early_init(boot_magic, boot_info, &bootinfo);
	cmdline_init(bootinfo.cmdline);
	printk("\nRingtail (x86_64), booted by %s\n", bootinfo.loader);
	printk("command line: %s\n", bootinfo.cmdline[0] ? bootinfo.cmdline : "(empty)");

	pmm_init(&bootinfo, virt_to_phys(__kernel_start), virt_to_phys(__kernel_end));
	vm_init();
	heap_init();
	printk_init_late();
	timers_init_cpu();
	arch_init();
	arch_irq_enable();
	/* kmain becomes this CPU's idle thread; the init thread takes over. */
	init_start();
}
