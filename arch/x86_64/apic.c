/* Local APIC (xAPIC, memory-mapped): interrupt acknowledge, the per-CPU
 * timer, and inter-processor interrupts (fixed vectors and NMIs). The legacy
 * 8259 PICs are remapped away from the exception vectors and fully masked. */
#include <arch/barrier.h>
#include <arch/irqflags.h>
#include <arch/x86.h>
#include <arch/trap.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/printk.h>
#include <kernel/vm.h>
#include <arch/x86/apic.h>
#include <kernel/arch/clock.h>
#include <kernel/arch/cpu.h>
#include <kernel/arch/irq.h>

#define LAPIC_ID        0x020
#define LAPIC_VERSION   0x030
#define LAPIC_TPR       0x080
#define LAPIC_EOI       0x0b0
#define LAPIC_LDR       0x0d0
#define LAPIC_DFR       0x0e0
#define LAPIC_SVR       0x0f0
#define LAPIC_ESR       0x280
#define LAPIC_ICR_LO    0x300
#define LAPIC_ICR_HI    0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0

#define SVR_ENABLE       (1u << 8)
#define LVT_MASKED       (1u << 16)
#define LVT_PERIODIC     (1u << 17)
#define ICR_DELIVERY_NMI (4u << 8)
#define ICR_PENDING      (1u << 12)
#define ICR_ASSERT       (1u << 14)
#define ICR_SELF         (1u << 18)

static volatile u32 *lapic;
static u32 timer_hz = 1000;
static u32 timer_count;         /* LAPIC timer ticks per period */

u32 lapic_ticks_per_ms;

static inline u32 lapic_read(u32 reg) { return lapic[reg / 4]; }
static inline void lapic_write(u32 reg, u32 v) { lapic[reg / 4] = v; }

void pic_disable(void)
{
	/* Remap the PICs to 0x20..0x2f so a stray legacy interrupt cannot look
	 * like an exception, then mask every line. */
	outb(0x20, 0x11); outb(0xa0, 0x11);
	outb(0x21, VEC_PIC_BASE); outb(0xa1, VEC_PIC_BASE + 8);
	outb(0x21, 4); outb(0xa1, 2);
	outb(0x21, 1); outb(0xa1, 1);
	outb(0x21, 0xff); outb(0xa1, 0xff);
}

void apic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

u32 arch_cpu_apic_id(void)
{
	return lapic_read(LAPIC_ID) >> 24;
}

static void lapic_setup_local(void)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 11));
	lapic_write(LAPIC_TPR, 0);
	/* Flat logical mode, one bit per CPU: lets an I/O APIC entry target
	 * every CPU at once (the perf NMI source). */
	lapic_write(LAPIC_DFR, 0xffffffff);
	lapic_write(LAPIC_LDR, (1u << (this_cpu_id() & 7)) << 24);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, VEC_SPURIOUS - 1);
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_ESR, 0);
	apic_eoi();
}

static void lapic_error(struct trap_frame *f)
{
	lapic_write(LAPIC_ESR, 0);
	printk("warning: local APIC error, ESR %#x\n", lapic_read(LAPIC_ESR));
}

void lapic_init(void)
{
	paddr_t base = rdmsr(MSR_APIC_BASE) & ~0xfffull;
	lapic = vmap_mmio(base, PAGE_SIZE);
	if (!lapic)
		panic("cannot map the local APIC");
	arch_set_irq_handler(VEC_SPURIOUS - 1, lapic_error);
	lapic_setup_local();
}

void lapic_init_ap(void)
{
	lapic_setup_local();
}

/* Send an IPI. Waiting for the previous one to be accepted first is what
 * the SDM asks; the wait is bounded so a wedged APIC cannot hang us. */
static void icr_wait(void)
{
	for (int i = 0; i < 1000000 && (lapic_read(LAPIC_ICR_LO) & ICR_PENDING); i++)
		cpu_relax();
}

static void send_ipi(u32 apic_id, u32 lo)
{
	irqflags_t f = arch_irq_save();
	icr_wait();
	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, lo);
	icr_wait();
	arch_irq_restore(f);
}

/* NMI delivery with the "self" shorthand is invalid, so a self-NMI names
 * this CPU's own APIC ID with no shorthand, level assert. */
void arch_send_nmi(u32 cpu)
{
	struct cpu *c = cpu_table[cpu];
	if (!c || !c->online)
		return;
	send_ipi(c->apic_id, ICR_DELIVERY_NMI | ICR_ASSERT);
}

/* A fixed-vector IPI to ourselves uses the self shorthand: a single ICR
 * write, so it is safe even from an NMI that interrupted another IPI send
 * between its two ICR writes (ICR_HI is left alone). */
static void send_fixed(u32 cpu, u8 vector)
{
	if (cpu == this_cpu_id()) {
		icr_wait();
		lapic_write(LAPIC_ICR_LO, ICR_SELF | ICR_ASSERT | vector);
		return;
	}
	struct cpu *c = cpu_table[cpu];
	if (c && c->online)
		send_ipi(c->apic_id, ICR_ASSERT | vector);
}

void arch_raise_irq_work(u32 cpu) { send_fixed(cpu, VEC_IRQ_WORK); }
void arch_send_resched(u32 cpu) { send_fixed(cpu, VEC_RESCHED); }
void arch_send_ipi_vector(u32 cpu, u8 vector) { send_fixed(cpu, vector); }

/* Tests: aim the ICR at `dest` and return ICR_LO, so a test can fire an
 * IPI with a single store of its own. */
volatile u32 *lapic_icr_lo_for_tests(u32 dest_apic_id)
{
	icr_wait();
	lapic_write(LAPIC_ICR_HI, dest_apic_id << 24);
	return &lapic[LAPIC_ICR_LO / 4];
}

/* INIT and STARTUP IPIs for bringing up application processors. */
void lapic_send_init_sipi(u32 apic_id, u32 trampoline_page)
{
	send_ipi(apic_id, (5u << 8) | ICR_ASSERT | (1u << 15));   /* INIT, level */
	arch_clock_delay_ns(10 * 1000 * 1000);
	send_ipi(apic_id, (5u << 8) | (1u << 15));                /* de-assert */
	for (int i = 0; i < 2; i++) {
		send_ipi(apic_id, (6u << 8) | trampoline_page);   /* STARTUP */
		arch_clock_delay_ns(200 * 1000);
	}
}

/* Calibrate the LAPIC timer against the (already calibrated) TSC. */
void lapic_timer_init(void)
{
	lapic_write(LAPIC_TIMER_DIV, 0x3);              /* divide by 16 */
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	u32 best = 0;
	for (int round = 0; round < 3; round++) {
		lapic_write(LAPIC_TIMER_INIT, 0xffffffff);
		u64 t0 = arch_clock_ns();
		while (arch_clock_ns() - t0 < 5 * 1000 * 1000)
			cpu_relax();
		u32 elapsed = 0xffffffff - lapic_read(LAPIC_TIMER_CUR);
		u64 ns = arch_clock_ns() - t0;
		u32 per_ms = (u32)((u64)elapsed * 1000000 / ns);
		if (per_ms > best)
			best = per_ms;
	}
	lapic_write(LAPIC_TIMER_INIT, 0);
	lapic_ticks_per_ms = best;
	timer_count = (u32)((u64)best * 1000 / timer_hz);
	printk("lapic: timer %u ticks/ms (div 16), tick %u Hz\n", best, timer_hz);
	lapic_timer_start();
}

/* The timer runs one-shot: kernel/time.c programs the next event (the
 * next tick or an earlier timer), which gives timers below a tick. */
void lapic_timer_start(void)
{
	lapic_write(LAPIC_TIMER_DIV, 0x3);
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, timer_count);
}

void arch_timer_set_oneshot(u64 delta_ns)
{
	u64 count = delta_ns * lapic_ticks_per_ms / 1000000;
	if (count == 0)
		count = 1;
	if (count > 0xffffffffull)
		count = 0xffffffffull;
	lapic_write(LAPIC_TIMER_INIT, (u32)count);
}

u32 arch_timer_hz(void)
{
	return timer_hz;
}
