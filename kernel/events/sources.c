/* Where perf events come from, and when they count and sample.
 *
 *   software clocks  CPU_CLOCK, TASK_CLOCK: a timer every sample period
 *                    (at least 10 us, as Linux); counts nanoseconds
 *   page faults      PAGE_FAULTS, PAGE_FAULTS_MIN: from the #PF handler
 *   switches         CONTEXT_SWITCHES (context.c calls perf_sw_hit)
 *   tracepoints      raw_syscalls and syscalls: tracepoint.c
 *   cycles           PERF_TYPE_HARDWARE CPU_CYCLES: the TSC, sampled from a
 *                    periodic NMI, so its records are written in NMI context
 *                    and nest inside every other writer
 *
 * The rules are Linux's: software events in an excluded mode do not count;
 * a count that crosses n periods is n samples of one period (but with
 * PERF_SAMPLE_PERIOD and a fixed period, every software event is a sample);
 * clock samples report the period asked for; raw_syscalls are kernel
 * events, syscalls:* carry the task's user registers. An event may take
 * kernel.perf_event_max_sample_rate / HZ timer or NMI samples per tick; past that it is
 * throttled (THROTTLE, then UNTHROTTLE at the next tick). */
#include <arch/barrier.h>
#include <lib/errno.h>
#include <arch/irqflags.h>
#include <arch/trap.h>
#include <kernel/clock.h>
#include <kernel/heap.h>
#include <kernel/nmi.h>
#include <kernel/perf.h>
#include <kernel/smp.h>
#include <kernel/thread.h>
#include "internal.h"
#include "output_fast.h"
#include <kernel/arch/clock.h>
#include <kernel/arch/perf.h>

bool perf_hooks_enabled;                        /* any event exists */
static int nr_events;

#define NMI_MAX_HZ 20000
#define NMI_MIN_HZ 100


/* --- sampling --------------------------------------------------------- */

/* Would a sample taken in this mode be excluded (exclude_user/kernel)? */
static bool mode_excluded(const struct perf_event *e, bool user)
{
	return user ? e->attr.exclude_user : e->attr.exclude_kernel;
}

/* One overflow: a sample, unless the event is over its budget for this
 * tick (Linux's max_samples_per_tick). As in Linux every overflow counts
 * against the budget, but only "throttle" ones (timer and NMI overflows,
 * and the second and later of one software count) can trip it; then the
 * event says THROTTLE and stays quiet until the next tick. */
static bool overflow(struct perf_event *e, const struct perf_sample *s, bool throttle)
{
	/* An NMI may land between perf_tick()'s UNTHROTTLE and its clearing
	 * of the flag: pairs with the release store there, so the THROTTLE
	 * this may write can only follow that UNTHROTTLE. */
	if (READ_ONCE(e->throttled) || READ_ONCE(e->pending_disable))
		return false;           /* throttled, or its REFRESH limit ran out */
	/* This CPU's tick, told apart from other CPUs' (an event that moved
	 * starts a fresh budget). */
	u64 tick = this_cpu()->ticks << 8 | this_cpu_id();
	if (e->tick_id != tick) {
		e->tick_id = tick;
		e->tick_samples = 0;
	}
	if (++e->tick_samples > READ_ONCE(perf_max_samples_per_tick) && throttle) {
		WRITE_ONCE(e->throttled, true);        /* read by perf_tick(), this CPU */
		e->throttle_hits++;
		perf_output_throttle(e, true);
		return false;
	}
	/* PERF_EVENT_IOC_REFRESH: the last allowed overflow still samples,
	 * then the event stops (Linux's __perf_event_overflow). */
	int limit = READ_ONCE(e->event_limit);
	bool last = limit && __atomic_sub_fetch(&e->event_limit, 1, __ATOMIC_RELAXED) == 0;
	perf_output_sample_record(e, s);
	perf_overflow_notify(e, last, s->addr);
	return !last;
}

/* n overflows in a row (a count that crossed several periods), each a
 * sample of one period; bounded by the throttle. */
static void overflow_n(struct perf_event *e, const struct perf_sample *s, u64 n, bool throttle)
{
	for (u64 i = 0; i < n; i++)
		if (!overflow(e, s, throttle || i > 0))
			break;
}

/* Consume n counts of the period: how many periods ended. */
static u64 periods_crossed(struct perf_event *e, u64 n)
{
	e->period_left -= (s64)n;
	if (e->period_left > 0)
		return 0;
	u64 crossed = (u64)(-e->period_left) / e->period + 1;
	e->period_left += (s64)(crossed * e->period);
	return crossed;
}

static bool is_sampling(const struct perf_event *e)
{
	return e->period != 0;
}

/* Software events (page faults, context switches) and tracepoints, with
 * Linux's rules (perf_swevent_event): a sample with PERF_SAMPLE_PERIOD and
 * a fixed period is taken at every event, carrying the count as its
 * period; otherwise each period crossed is a sample of one period. */
/* s is the caller's scratch copy: its period is set here. */
void perf_sw_event(struct perf_event *e, u64 nr, struct perf_sample *s)
{
	if (nr == 1 && perf_plain_hit(e, s))
		return;
	local_add(nr, &e->count);
	if (!is_sampling(e))
		return;
	e->freq_count += nr;
	if ((e->attr.sample_type & PERF_SAMPLE_PERIOD) && !e->attr.freq) {
		s->period = nr;
		overflow(e, s, false);
		return;
	}
	if (nr == 1 && e->period_left > 1) {
		e->period_left--;       /* the common case: no period ended */
		return;
	}
	s->period = e->period;
	overflow_n(e, s, periods_crossed(e, nr), false);
}

/* A software event happened in the mode s says: an excluded mode does not
 * even count it (Linux's perf_exclude_event). */
void perf_sw_hit(struct perf_event *e, u64 nr, struct perf_sample *s)
{
	if (!mode_excluded(e, s->user))
		perf_sw_event(e, nr, s);
}

/* --- clocks ------------------------------------------------------------- */

/* Linux turns a clock's frequency into a fixed period at creation and
 * never runs its timer faster than every 10 us; samples still report the
 * period asked for. */
static u64 clock_period(const struct perf_event *e)
{
	return e->period < PERF_MIN_CLOCK_PERIOD ? PERF_MIN_CLOCK_PERIOD : e->period;
}

/* Nanoseconds not yet added to an active clock's count. */
static u64 clock_pending(const struct perf_event *e)
{
	u64 last = READ_ONCE(e->clock_last);
	u64 now = clock_ns();
	return e->active && now > last ? now - last : 0;
}

static void clock_fire(struct ktimer *t)
{
	struct perf_event *e = t->data;
	if (!e->active)
		return;
	u64 now = clock_ns();
	local_add(now - e->clock_last, &e->count);
	WRITE_ONCE(e->clock_last, now);
	const struct trap_frame *r = this_cpu()->irq_regs;
	struct perf_sample s = {
		.ip = r ? r->rip : 0, .user = r && trap_from_user(r), .regs = r,
		.period = e->period,
	};
	bool idle = current_thread() == this_cpu()->idle;
	if (r && !mode_excluded(e, s.user) && !(e->attr.exclude_idle && idle))
		overflow(e, &s, true);
	if (e->active && !e->throttled)
		ktimer_arm(&e->hrtimer, now + clock_period(e));
}

/* The count as read(): an active clock includes the time since its last
 * update (Linux updates it on read). */
u64 perf_source_read(struct perf_event *e)
{
	u64 v = local_read(&e->count);
	return is_clock(e) ? v + clock_pending(e) : v;
}

/* --- cycles (NMI) ------------------------------------------------------- */

static u64 cycles_take(struct perf_event *e)
{
	/* The NMI handler and a reader may both take a delta: the cmpxchg makes
	 * sure each cycle is counted once. */
	for (;;) {
		u64 old = READ_ONCE(e->cycles_last);
		u64 now = arch_clock_cycles();
		if (now < old)
			return 0;
		if (__atomic_compare_exchange_n(&e->cycles_last, &old, now, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return now - old;
	}
}

/* Cycles in NMI context: the emulated counter "overflows" once per period
 * crossed since the last NMI, each overflow a sample of one period (as a
 * PMU interrupting at every period would give), until the throttle. */
static void perf_nmi(struct trap_frame *regs)
{
	struct perf_cpu *pc = perf_cpu_peek(this_cpu_id());
	if (!pc)
		return;
	for (int i = 0; i < PERF_NMI_SLOTS; i++) {
		/* Pairs with the release store in nmi_slot_set(). */
		struct perf_event *e = smp_load_acquire(&pc->nmi_slots[i]);
		if (!e || !e->active)
			continue;
		u64 d = cycles_take(e);
		local_add(d, &e->count);
		if (e->attr.freq && e->attr.sample_freq) {
			/* The TSC counts at a constant rate, so sample_freq
			 * samples per second of running is a period of
			 * tsc_hz / sample_freq cycles: where Linux's adjusting
			 * settles. (Left at 1, every NMI gave a burst of
			 * identical samples up to the throttle.) */
			u64 p = arch_cycles_khz() * 1000 / e->attr.sample_freq;
			WRITE_ONCE(e->period, p ? p : 1);
		}
		if (!is_sampling(e))
			continue;
		e->freq_count += d;
		struct perf_sample s = {
			.ip = regs->rip, .user = trap_from_user(regs), .regs = regs,
			.period = e->period,
		};
		u64 n = periods_crossed(e, d);
		if (n && !mode_excluded(e, s.user))
			overflow_n(e, &s, n, true);
	}
}

/* The NMI rate the active cycles events need (0: none). */
static u32 wanted_nmi_hz(void)
{
	u32 hz = 0;
	u64 tsc_hz = arch_cycles_khz() * 1000;
	for (unsigned int c = 0; c < MAX_CPUS; c++) {
		struct perf_cpu *pc = perf_cpu_peek(c);
		if (!pc)
			continue;
		for (int i = 0; i < PERF_NMI_SLOTS; i++) {
			struct perf_event *e = pc->nmi_slots[i];
			if (!e)
				continue;
			u64 want = e->attr.freq ? e->attr.sample_freq
			       : e->period ? tsc_hz / e->period : 0;
			if (want > hz)
				hz = want > NMI_MAX_HZ ? NMI_MAX_HZ : (u32)want;
		}
	}
	return hz && hz < NMI_MIN_HZ ? NMI_MIN_HZ : hz;
}

/* Slots and the NMI rate change under this lock: two CPUs starting or
 * stopping cycles events at once would otherwise program the PIT with
 * each other's half-written divisor, or leave it at a stale rate. Taken
 * with interrupts off (the scheduler starts events), never in NMI context. */
static spinlock_t nmi_source_lock = SPINLOCK_INIT("perf-nmi-source");

static void nmi_slot_set(struct perf_event *e, bool on)
{
	struct perf_cpu *pc = perf_cpu_state(this_cpu_id());
	irqflags_t f = spin_lock_irqsave(&nmi_source_lock);
	for (int i = 0; i < PERF_NMI_SLOTS; i++) {
		struct perf_event *cur = pc->nmi_slots[i];
		if (on && !cur) {
			/* The event is complete before an NMI can find it: pairs
			 * with the acquire load in perf_nmi(). */
			smp_store_release(&pc->nmi_slots[i], e);
			break;
		}
		if (!on && cur == e) {
			/* Cleared on this CPU: no NMI here can be using it now. */
			WRITE_ONCE(pc->nmi_slots[i], NULL);
			break;
		}
	}
	arch_perf_nmi_source(wanted_nmi_hz());
	spin_unlock_irqrestore(&nmi_source_lock, f);
}

/* --- starting and stopping ------------------------------------------------ */

/* Interrupts off, on the CPU where the event will count. */
void perf_event_start(struct perf_event *e)
{
	if (e->active || e->state != PERF_ON)
		return;
	if (e->leader != e && e->leader->state != PERF_ON)
		return;                 /* a member counts only with its leader */
	if (e->task && e->cpu >= 0 && e->cpu != (int)this_cpu_id())
		return;                 /* a task event bound to a CPU counts only there */
	u64 now = clock_ns();
	e->tstamp_running = now;
	if (e->throttled) {
		/* Throttled when it stopped: it starts unthrottled, and says
		 * so (Linux's event_sched_in), or its next THROTTLE would
		 * follow the last one. Not active yet: no NMI writes here. */
		perf_output_throttle(e, false);
		e->throttled = false;
	}
	e->active_cpu = this_cpu_id();
	list_add_tail(&perf_cpu_state(this_cpu_id())->active, &e->active_node);
	if (is_clock(e)) {
		e->clock_last = now;
		if (e->period || e->attr.freq)
			ktimer_arm(&e->hrtimer, now + clock_period(e));
	}
	if (is_cycles(e)) {
		WRITE_ONCE(e->cycles_last, arch_clock_cycles());
		e->active = true;
		nmi_slot_set(e, true);
	}
	e->active = true;
}

void perf_event_restart_count(struct perf_event *e)
{
	if (is_clock(e))
		e->clock_last = clock_ns();
	if (is_cycles(e))
		WRITE_ONCE(e->cycles_last, arch_clock_cycles());
}

void perf_event_stop(struct perf_event *e)
{
	if (!e->active)
		return;
	u64 now = clock_ns();
	if (is_cycles(e)) {
		nmi_slot_set(e, false);
		local_add(cycles_take(e), &e->count);
	}
	perf_event_update_times(e, now);       /* while still active: running time */
	e->active = false;
	if (is_clock(e)) {
		ktimer_cancel(&e->hrtimer);
		local_add(now - e->clock_last, &e->count);
		e->clock_last = now;
	}
	e->tstamp_running = 0;
	list_del(&e->active_node);
}

/* --- contexts ------------------------------------------------------------- */

/* The counts behind the hooks' on/off flags change under a lock: with
 * atomics alone, an open and a close racing on two CPUs could store their
 * flags in the wrong order and leave the hooks off with an event open. */
static spinlock_t count_lock = SPINLOCK_INIT("perf-count");

static void count_event(const struct perf_event *e, int delta)
{
	irqflags_t f = spin_lock_irqsave(&count_lock);
	if (e->attr.type == PERF_TYPE_TRACEPOINT)
		perf_tp_count(e->attr.config, delta);
	nr_events += delta;
	WRITE_ONCE(perf_hooks_enabled, nr_events != 0);
	spin_unlock_irqrestore(&count_lock, f);
}

int perf_source_init(struct perf_event *e)
{
	/* The NMI handler stays registered once installed: it finds nothing
	 * to do while no cycles event is active. */
	static bool nmi_installed;
	if (!__atomic_exchange_n(&nmi_installed, true, __ATOMIC_RELAXED) && nmi_register(perf_nmi)) {
		WRITE_ONCE(nmi_installed, false);
		return -ENOMEM;         /* the NMI handler table is full */
	}
	if (is_clock(e)) {
		ktimer_init(&e->hrtimer, clock_fire, e);
		if (e->attr.freq) {
			/* Linux: a clock's frequency is a fixed period from now on. */
			u64 f = e->attr.sample_freq;
			e->period = f ? MAX(NSEC_PER_SEC / f, (u64)1) : 0;
			e->period_left = (s64)e->period;
			e->attr.freq = 0;
			e->attr.sample_period = e->period;
		}
	}
	if (e->task) {
		e->task_tid = e->task->tid;
		if (!perf_task_ctx(e->task, true))
			return -ENOMEM;
	}
	count_event(e, 1);
	return 0;
}

void perf_source_destroy(struct perf_event *e)
{
	count_event(e, -1);
}

/* --- hooks from the rest of the kernel ----------------------------------- */

struct sw_hit {
	u64 config, config2;            /* either counts this hit */
	struct perf_sample *s;
};

static void sw_visit(struct perf_event *e, void *arg)
{
	struct sw_hit *h = arg;
	if (e->attr.type == PERF_TYPE_SOFTWARE &&
	    (e->attr.config == h->config || e->attr.config == h->config2))
		perf_sw_hit(e, 1, h->s);
}

void perf_page_fault(u64 addr, const struct trap_frame *regs)
{
	if (!READ_ONCE(perf_hooks_enabled))
		return;
	struct perf_sample s = {
		.ip = regs->rip, .user = trap_from_user(regs), .addr = addr, .regs = regs,
	};
	/* Every fault here is minor. */
	struct sw_hit h = { PERF_COUNT_SW_PAGE_FAULTS, PERF_COUNT_SW_PAGE_FAULTS_MIN, &s };
	perf_for_each_active(sw_visit, &h);
}

/* Every tick: lift throttling, retune frequency-mode periods. */
void perf_tick(void)
{
	if (!READ_ONCE(perf_hooks_enabled))
		return;
	struct perf_cpu *pc = perf_cpu_state(this_cpu_id());
	struct list_node *pos;
	list_for_each(pos, &pc->active) {
		struct perf_event *e = list_entry(pos, struct perf_event, active_node);
		if (e->throttled) {
			/* UNTHROTTLE goes out while the NMI still sees the
			 * event throttled, so a THROTTLE from an NMI landing
			 * here can only follow it. */
			perf_output_throttle(e, false);
			e->tick_samples = 0;
			/* After the UNTHROTTLE record: pairs with the READ_ONCE
			 * in overflow(), which an NMI here may run. */
			smp_store_release(&e->throttled, false);
			if (is_clock(e))
				ktimer_arm(&e->hrtimer, clock_ns() + clock_period(e));
		}
		if (e->attr.freq && e->attr.sample_freq && !is_clock(e) && !is_cycles(e)) {
			u64 rate = e->freq_count * arch_timer_hz();
			u64 p = rate / e->attr.sample_freq;
			e->period = p ? p : 1;
			e->freq_count = 0;
		}
	}
}
