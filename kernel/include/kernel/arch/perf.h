/* Architecture contract: what perf events need from the machine (see
 * README.md here). */
#pragma once
#include <lib/types.h>

/* Start (hz > 0), retune or stop (0) the periodic NMI behind the emulated
 * cycles event; every CPU takes each NMI. */
void arch_perf_nmi_source(u32 hz);
/* Conversion of arch_clock_cycles() to the perf clock for the user page
 * (cap_user_time): ns = ((cyc * time_mult) >> time_shift) + time_offset. */
void arch_clock_user_params(u32 *time_mult, u16 *time_shift, u64 *time_offset);
