/* Architecture contract: clocks and the timer (see README.md here). */
#pragma once
#include <lib/types.h>

u64 arch_clock_ns(void);        /* monotonic nanoseconds since boot */
u64 arch_clock_cycles(void);    /* raw cycle counter (TSC) */
u64 arch_cycles_khz(void);      /* its rate */
u64 arch_realtime_offset_ns(void); /* boot time as UNIX ns (from the RTC) */
const char *arch_clock_source(void);
void arch_clock_delay_ns(u64 ns);       /* busy-wait */
u32 arch_timer_hz(void);
/* Interrupt this CPU (timer vector) after delta_ns; replaces any pending. */
void arch_timer_set_oneshot(u64 delta_ns);
