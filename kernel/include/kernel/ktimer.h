/* One-shot kernel timers with nanosecond deadlines. A timer runs its
 * function from the timer interrupt of the CPU it was armed on, as soon as
 * possible after its expiry time (the CPU's timer is programmed for the
 * earliest deadline). */
#pragma once
#include <lib/list.h>
#include <lib/types.h>

struct ktimer {
	struct list_node node;
	u64 expires_ns;
	void (*fn)(struct ktimer *t);
	void *data;
	int cpu;                /* CPU whose list holds it, -1 if idle */
	bool running;           /* fn is executing right now */
};

void ktimer_init(struct ktimer *t, void (*fn)(struct ktimer *), void *data);
/* (Re)arm on this CPU to fire at clock_ns() >= expires_ns. */
void ktimer_arm(struct ktimer *t, u64 expires_ns);
/* Disarm; waits for a running callback to finish. True if it was pending. */
bool ktimer_cancel(struct ktimer *t);
/* Run what expired; returns the next deadline on this CPU (0: none). */
u64 timers_run_expired(void);
void timers_init_cpu(void);
