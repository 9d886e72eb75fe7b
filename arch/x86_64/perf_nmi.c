/* The periodic NMI behind the emulated cycles event (kernel/arch/perf.h).
 * PIT channel 0 (ISA IRQ 0) runs as a rate generator and the I/O APIC
 * delivers its line as an NMI to every CPU, so the NMIs arrive at
 * arbitrary points of whatever each CPU is running, including inside
 * other perf writers, as a hardware counter's overflow interrupt would.
 * Callers serialize (kernel/events/sources.c holds its lock). */
#include <arch/irqflags.h>
#include <arch/x86.h>
#include <arch/x86/nmi.h>
#include <kernel/arch/perf.h>

#define PIT_HZ 1193182u

static u32 current_hz;

void arch_perf_nmi_source(u32 hz)
{
	if (hz == current_hz)
		return;
	irqflags_t f = arch_irq_save();
	if (hz) {
		u32 div = PIT_HZ / hz;
		if (div < 2)
			div = 2;
		if (div > 0xffff)
			div = 0xffff;
		outb(0x43, 0x34);               /* channel 0, lo/hi, mode 2 */
		outb(0x40, div & 0xff);
		outb(0x40, div >> 8);
	}
	ioapic_route_nmi(0, hz != 0);
	current_hz = hz;
	arch_irq_restore(f);
}
