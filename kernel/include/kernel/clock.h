/* Time. clock_ns() is monotonic and consistent across CPUs (TSC based). */
#pragma once
#include <lib/types.h>

u64 clock_ns(void);
u64 clock_realtime_ns(void);
void clock_delay_ns(u64 ns);          /* busy-wait */
static inline void clock_delay_us(u64 us) { clock_delay_ns(us * 1000); }

#define NSEC_PER_SEC  1000000000ull
#define NSEC_PER_MSEC 1000000ull
#define NSEC_PER_USEC 1000ull
