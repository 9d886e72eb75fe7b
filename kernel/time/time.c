/* Clocks and the periodic tick. */
#include <kernel/clock.h>
#include <kernel/tty.h>
#include <arch/barrier.h>
#include <kernel/percpu.h>
#include <kernel/ktimer.h>
#include <kernel/perf.h>
#include <kernel/timer_internal.h>
#include <kernel/sched.h>
#include <kernel/arch/clock.h>
#include <kernel/arch/entry.h>


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
		cpu_relax();
}

/* Each CPU's timer is one-shot, programmed for the earlier of its next
 * tick (the scheduler's and the console's heartbeat) and its next timer. */
static u64 next_tick_ns[MAX_CPUS];
static u64 programmed_ns[MAX_CPUS];

static u64 tick_ns(void)
{
	return NSEC_PER_SEC / arch_timer_hz();
}

/* With interrupts off: make sure the timer fires by `when`. */
void timer_program(u64 when)
{
	unsigned int cpu = this_cpu_id();
	u64 now = clock_ns();
	if (next_tick_ns[cpu] && when > next_tick_ns[cpu])
		when = next_tick_ns[cpu];
	if (programmed_ns[cpu] > now && programmed_ns[cpu] <= when)
		return;         /* already due earlier */
	programmed_ns[cpu] = when;
	arch_timer_set_oneshot(when > now ? when - now : 1);
}

void timer_interrupt(void)
{
	unsigned int cpu = this_cpu_id();
	u64 now = clock_ns();
	programmed_ns[cpu] = 0;
	if (!next_tick_ns[cpu])
		next_tick_ns[cpu] = now;
	if (now >= next_tick_ns[cpu]) {
		this_cpu()->ticks++;
		next_tick_ns[cpu] += tick_ns();
		if (next_tick_ns[cpu] <= now)   /* missed ticks are not replayed */
			next_tick_ns[cpu] = now + tick_ns();
		if (cpu == 0)
			console_poll_input();
		sched_tick();
		perf_tick();
	}
	u64 next = timers_run_expired();
	timer_program(next ? next : next_tick_ns[cpu]);
}
