/* The monotonic clock inline, for the sample path (output_fast.h), which
 * reads it once per record: rdtsc and one multiply, with no call to spill
 * registers around. The same conversion as arch_clock_ns() (tsc.c), from
 * the same values, set once at boot. */
#pragma once
#include <lib/types.h>

struct tsc_conv {
	u64 base;               /* TSC value at clock zero */
	u64 mult;               /* ns = (cycles * mult) >> TSC_SHIFT */
};
#define TSC_SHIFT 24
extern struct tsc_conv tsc_conv;

static inline u64 arch_clock_ns_inline(void)
{
	u32 lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	u64 d = ((u64)hi << 32 | lo) - tsc_conv.base;
	return (u64)(((unsigned __int128)d * tsc_conv.mult) >> TSC_SHIFT);
}
