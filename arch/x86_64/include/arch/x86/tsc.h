/* x86_64 private: the TSC clock and its PIT calibration (tsc.c). */
#pragma once
#include <lib/types.h>

void tsc_init(void);
/* Tests: clock_ns() nanoseconds during `ms` ms of PIT time (0: no
 * trustworthy measurement). */
u64 pit_measure_ns_for_tests(u32 ms);
