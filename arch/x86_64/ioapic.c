/* The I/O APIC, used for one thing: the periodic NMI behind the emulated
 * cycles event. PIT channel 0 (ISA IRQ 0, usually GSI 2) is programmed as
 * a rate generator and its I/O APIC entry uses delivery mode NMI, so the
 * NMIs arrive at arbitrary points of whatever the CPU is running —
 * including inside other perf writers — as a hardware counter's would.
 * Logical destination "all CPUs" makes every CPU take each NMI. */
#include <arch/irqflags.h>
#include <arch/x86.h>
#include <kernel/printk.h>
#include <kernel/vm.h>
#include "acpi.h"

#define IOREGSEL 0x00
#define IOWIN    0x10
#define REDTBL(n) (0x10 + 2 * (n))
#define DELIVERY_NMI    (4u << 8)
#define DEST_LOGICAL    (1u << 11)
#define MASKED          (1u << 16)
#define PIT_HZ 1193182u

static volatile u32 *ioapic;
static u32 current_hz;

void arch_perf_nmi_source(u32 hz);
void ioapic_init(void);

static void ioapic_write(u32 reg, u32 v)
{
	ioapic[IOREGSEL / 4] = reg;
	ioapic[IOWIN / 4] = v;
}

void ioapic_init(void)
{
	ioapic = vmap_mmio(acpi.ioapic_addr, 0x1000);
	/* Everything masked: devices are polled, only the NMI source is used. */
	for (int pin = 0; pin < 24; pin++) {
		ioapic_write(REDTBL(pin), MASKED);
		ioapic_write(REDTBL(pin) + 1, 0);
	}
}

/* Start (hz > 0), retune or stop (0) the periodic NMI. */
void arch_perf_nmi_source(u32 hz)
{
	if (hz == current_hz || !ioapic)
		return;
	irqflags_t f = arch_irq_save();
	u32 pin = acpi.isa_gsi[0] - acpi.ioapic_gsi_base;
	if (hz == 0) {
		ioapic_write(REDTBL(pin), MASKED);
	} else {
		u32 div = PIT_HZ / hz;
		if (div < 2)
			div = 2;
		if (div > 0xffff)
			div = 0xffff;
		outb(0x43, 0x34);               /* channel 0, lo/hi, mode 2 */
		outb(0x40, div & 0xff);
		outb(0x40, div >> 8);
		ioapic_write(REDTBL(pin) + 1, 0xffu << 24);     /* every CPU */
		ioapic_write(REDTBL(pin), DELIVERY_NMI | DEST_LOGICAL);
	}
	current_hz = hz;
	arch_irq_restore(f);
}
