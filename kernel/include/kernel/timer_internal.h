/* Between the timer interrupt (kernel/time.c) and the timer lists. */
#pragma once
#include <lib/types.h>

/* Interrupts off: have this CPU's timer fire no later than `when`. */
void timer_program(u64 when);
