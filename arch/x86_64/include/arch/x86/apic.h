/* x86_64 private: the local APIC (apic.c) and the legacy PIC. */
#pragma once
#include <lib/types.h>

void pic_disable(void);
void lapic_init(void);          /* boot CPU */
void lapic_init_ap(void);       /* each other CPU */
void lapic_timer_init(void);    /* calibrate and start the tick, boot CPU */
void lapic_timer_start(void);   /* start the tick on an AP */
void apic_eoi(void);
void lapic_send_init_sipi(u32 apic_id, u32 trampoline_page);
void arch_send_ipi_vector(u32 cpu, u8 vector);
/* Tests: the ICR low word for sending to dest_apic_id (arch_test.c). */
volatile u32 *lapic_icr_lo_for_tests(u32 dest_apic_id);
