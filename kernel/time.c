/* Clocks and the periodic tick. */
#include <kernel/arch.h>
#include <kernel/clock.h>
#include <kernel/console.h>
#include <kernel/percpu.h>
#include <kernel/ktimer.h>
#include <kernel/sched.h>

void timer_interrupt(void);

u64 clock_ns(void)
{
	return arch_clock_ns();
}

u64 clock_realtime_ns(void)
{
	return arch_realtime_offset_ns() + arch_clock_ns();
}

void clock_delay_ns(u64 ns)
{
	u64 t0 = clock_ns();
	while (clock_ns() - t0 < ns)
		__asm__ __volatile__("pause");
}

/* The LAPIC timer's periodic interrupt on each CPU. */
void timer_interrupt(void)
{
	this_cpu()->ticks++;
	if (this_cpu_id() == 0)
		console_poll_input();
	timers_run_expired();
	sched_tick();
}
