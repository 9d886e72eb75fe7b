/* The I/O APIC. Devices are polled, so every pin stays masked but one:
 * the PIT line that perf_nmi.c routes to every CPU as an NMI. Logical
 * destination "all CPUs" makes every CPU take each NMI. */
#include <arch/irqflags.h>
#include <arch/x86.h>
#include <arch/x86/acpi.h>
#include <arch/x86/nmi.h>
#include <kernel/vm.h>

#define IOREGSEL 0x00
#define IOWIN    0x10
#define REDTBL(n) (0x10 + 2 * (n))
#define DELIVERY_NMI    (4u << 8)
#define DEST_LOGICAL    (1u << 11)
#define MASKED          (1u << 16)

static volatile u32 *ioapic;

static void ioapic_write(u32 reg, u32 v)
{
	ioapic[IOREGSEL / 4] = reg;
	ioapic[IOWIN / 4] = v;
}

void ioapic_init(void)
{
	ioapic = vmap_mmio(acpi.ioapic_addr, 0x1000);
	for (int pin = 0; pin < 24; pin++) {
		ioapic_write(REDTBL(pin), MASKED);
		ioapic_write(REDTBL(pin) + 1, 0);
	}
}

void ioapic_route_nmi(u32 isa, bool on)
{
	if (!ioapic)
		return;
	u32 pin = acpi.isa_gsi[isa] - acpi.ioapic_gsi_base;
	if (!on) {
		ioapic_write(REDTBL(pin), MASKED);
		return;
	}
	ioapic_write(REDTBL(pin) + 1, 0xffu << 24);     /* every CPU */
	ioapic_write(REDTBL(pin), DELIVERY_NMI | DEST_LOGICAL);
}
