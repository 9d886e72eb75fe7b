/* x86_64 bring-up in the order the rest of the kernel needs it, and the
 * machine-level services behind kernel/include/kernel/arch.h. */
#include <lib/string.h>
#include <arch/x86.h>
#include <arch/trap.h>
#include <kernel/bootinfo.h>
#include <kernel/irq_work.h>
#include <kernel/percpu.h>
#include <kernel/printk.h>
#include <arch/x86/acpi.h>
#include <arch/x86/apic.h>
#include <arch/x86/cpu.h>
#include <arch/x86/gdt.h>
#include <arch/x86/nmi.h>
#include <arch/x86/tsc.h>
#include <kernel/arch/cpu.h>
#include <kernel/arch/entry.h>

struct cpuid_features cpu_features;


void arch_set_percpu(struct cpu *c)
{
	wrmsr(MSR_GS_BASE, (u64)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}

void cpu_features_init(void)
{
	u32 a, b, c, d;
	struct cpuid_features *f = &cpu_features;
	cpuid(0, 0, &a, &b, &c, &d);
	f->max_leaf = a;
	cpuid(1, 0, &a, &b, &c, &d);
	f->pge = d & (1u << 13);
	f->x2apic = c & (1u << 21);
	f->tsc_deadline = c & (1u << 24);
	f->xsave = c & (1u << 26);
	f->hypervisor = c & (1u << 31);
	if (f->max_leaf >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		f->fsgsbase = b & (1u << 0);
		f->smep = b & (1u << 7);
		f->smap = b & (1u << 20);
	}
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	f->max_ext_leaf = a;
	if (a >= 0x80000001) {
		cpuid(0x80000001, 0, &a, &b, &c, &d);
		f->nx = d & (1u << 20);
		f->pdpe1gb = d & (1u << 26);
		f->rdtscp = d & (1u << 27);
	}
	if (f->max_ext_leaf >= 0x80000007) {
		cpuid(0x80000007, 0, &a, &b, &c, &d);
		f->invariant_tsc = d & (1u << 8);
	}
}

/* Control registers every CPU needs: SSE for user programs (the kernel
 * itself is built without SSE), global pages, and no kernel execution of
 * user pages. */
void arch_cpu_setup_cr(void)
{
	u64 cr0 = read_cr0();
	cr0 &= ~(u64)(CR0_EM | CR0_TS);
	cr0 |= CR0_MP | CR0_NE | CR0_WP;
	write_cr0(cr0);
	u64 cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (cpu_features.pge)
		cr4 |= CR4_PGE;
	if (cpu_features.smep)
		cr4 |= CR4_SMEP;
	write_cr4(cr4);
	__asm__ __volatile__("fninit");
}

void arch_early_init(u32 magic, paddr_t info, struct bootinfo *bi)
{
	serial_init();
	cpu_features_init();
	gdt_init_cpu(&boot_cpu);
	idt_init();
	arch_cpu_setup_cr();
	multiboot_parse(magic, info, bi);
}


static void irq_work_vector(struct trap_frame *f) { irq_work_run(); }
static void timer_vector(struct trap_frame *f) { timer_interrupt(); }


void arch_init(void)
{
	arch_syscall_init_cpu();
	arch_fpu_setup();
	acpi_init();
	pic_disable();
	lapic_init();
	ioapic_init();
	boot_cpu.apic_id = arch_cpu_apic_id();
	tsc_init();
	arch_set_irq_handler(VEC_IRQ_WORK, irq_work_vector);
	arch_set_irq_handler(VEC_TIMER, timer_vector);
	nmi_init();
	lapic_timer_init();
}

void arch_halt_forever(void)
{
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

void arch_poweroff(bool success)
{
	/* QEMU's isa-debug-exit (port 0xf4): exit status (v << 1) | 1. */
	outl(0xf4, success ? 0x10 : 0x11);
	/* Not under our QEMU setup: ACPI S5 through the PM1a control port of
	 * QEMU's q35/pc and old Bochs layouts, then give up and halt. */
	outw(0x604, 0x2000);
	outw(0xb004, 0x2000);
	arch_halt_forever();
}

void arch_idle(void)
{
	safe_halt();
}
