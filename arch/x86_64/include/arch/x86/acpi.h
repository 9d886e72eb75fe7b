/* What arch code learns from ACPI (arch/x86_64/acpi.c). */
#pragma once
#include <lib/types.h>

#define ACPI_MAX_CPUS 64

struct acpi_info {
	int nr_cpus;                    /* enabled processors */
	u8 apic_ids[ACPI_MAX_CPUS];     /* their local APIC ids, boot CPU first */
	u32 ioapic_addr;
	u32 ioapic_gsi_base;
	u32 isa_gsi[16];                /* ISA IRQ -> GSI (source overrides) */
	u16 isa_flags[16];
};

extern struct acpi_info acpi;
void acpi_init(void);
