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

/* PERF_SAMPLE_REGS_USER / REGS_INTR: is sample_regs mask valid (0 or
 * -EINVAL), a register's value in a frame by perf's index, and the stack
 * pointer PERF_SAMPLE_STACK_USER copies from. */
struct trap_frame;
int arch_perf_reg_validate(u64 mask);
u64 arch_perf_reg_value(const struct trap_frame *f, int idx);
u64 arch_perf_user_sp(const struct trap_frame *f);
