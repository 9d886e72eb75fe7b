/* x86_64 private: the NMI entry (nmi.c) and the I/O APIC behind the
 * periodic perf NMI (ioapic.c, perf_nmi.c). */
#pragma once
#include <lib/types.h>

struct trap_frame;

void nmi_init(void);
void nmi_dispatch(struct trap_frame *f);        /* from entry.asm */
/* Panic: the CPU that stops the others (-1: none); every other CPU halts
 * at its next NMI, the stopper itself keeps running to print its report. */
extern volatile s32 cpus_stopped_by;
void ioapic_init(void);
/* Point ISA IRQ `isa` at every CPU as an NMI (0 mask: stop it). */
void ioapic_route_nmi(u32 isa, bool on);
