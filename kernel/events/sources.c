/* Where perf events come from, and when they count.
 *
 *   software clocks  CPU_CLOCK, TASK_CLOCK: a timer every sample period
 *                    (at least 10 us, as Linux); counts nanoseconds
 *   page faults      PAGE_FAULTS, PAGE_FAULTS_MIN: from the #PF handler
 *   switches         CONTEXT_SWITCHES and PERF_RECORD_SWITCH (context_switch)
 *   tracepoints      raw_syscalls and syscalls: from the syscall path
 *   cycles           PERF_TYPE_HARDWARE CPU_CYCLES: the TSC, sampled from a
 *                    periodic NMI, so its records are written in NMI context
 *                    and nest inside every other writer
 *
 * An event counts only while it is active: enabled, and for a per-task
 * event while its task runs (sched_in/out start and stop it). Samples
 * taken from interrupts and NMIs are throttled per CPU at
 * PERF_MAX_SAMPLE_RATE, like Linux, with THROTTLE/UNTHROTTLE records. */
#include <lib/errno.h>
#include <arch/irqflags.h>
#include <arch/trap.h>
#include <kernel/arch.h>
#include <kernel/clock.h>
#include <kernel/heap.h>
#include <kernel/nmi.h>
#include <kernel/perf.h>
#include <kernel/proc.h>
#include <kernel/smp.h>
#include <kernel/syscall.h>
#include <kernel/thread.h>
#include <ringtail/tracepoints.h>
#include "../bpf/bpf.h"
#include "internal.h"

static int nr_tracepoint_events;
static int nr_cycles_active;
bool perf_hooks_enabled;                        /* any event exists */
static int nr_events;

#define MAX_SAMPLES_PER_TICK (PERF_MAX_SAMPLE_RATE / 1000)
#define NMI_MAX_HZ 20000
#define NMI_MIN_HZ 100

void arch_perf_nmi_source(u32 hz);
u64 tsc_khz_value(void);

bool perf_tracepoint_id_valid(u64 id)
{
	return id == RT_TP_RAW_SYSCALLS_SYS_ENTER || id == RT_TP_RAW_SYSCALLS_SYS_EXIT ||
	       (id >= RT_TP_SYS_ENTER_BASE && id < RT_TP_SYS_ENTER_BASE + NR_SYSCALLS) ||
	       (id >= RT_TP_SYS_EXIT_BASE && id < RT_TP_SYS_EXIT_BASE + NR_SYSCALLS);
}

/* --- sampling --------------------------------------------------------- */

static bool excluded(const struct perf_event *e, const struct perf_sample *s)
{
	if (s->user ? e->attr.exclude_user : e->attr.exclude_kernel)
		return true;
	return e->attr.exclude_idle && current_thread() == this_cpu()->idle;
}

static void overflow(struct perf_event *e, const struct perf_sample *s, bool from_irq)
{
	if (from_irq) {
		struct perf_cpu *pc = perf_cpu_state(this_cpu_id());
		if (++pc->irq_samples > MAX_SAMPLES_PER_TICK) {
			/* Too many interrupts: stop sampling until the next tick. */
			if (!e->throttled) {
				e->throttled = true;
				e->throttle_hits++;
				perf_output_throttle(e, true);
			}
			return;
		}
	}
	if (excluded(e, s))
		return;
	perf_output_sample_record(e, s);
}

void perf_event_count(struct perf_event *e, u64 n, const struct perf_sample *s, bool from_irq)
{
	local_add(n, &e->count);
	if (!e->period)
		return;
	e->freq_count += n;
	if (e->throttled)
		return;
	s64 left = e->period_left - (s64)n;
	struct perf_sample one = *s;
	one.period = e->period;
	/* A count that crossed several periods still gives one sample with
	 * the whole count as its period, like Linux's software events. */
	if (left <= 0) {
		u64 crossed = 0;
		while (left <= 0) {
			left += (s64)e->period;
			crossed += e->period;
		}
		one.period = crossed;
		e->period_left = left;
		overflow(e, &one, from_irq);
		return;
	}
	e->period_left = left;
}

/* --- clocks ------------------------------------------------------------- */

static u64 clock_period(const struct perf_event *e)
{
	u64 p = e->attr.freq ? NSEC_PER_SEC / (e->attr.sample_freq ? e->attr.sample_freq : 1)
			     : e->period;
	return p < PERF_MIN_CLOCK_PERIOD ? PERF_MIN_CLOCK_PERIOD : p;
}

static void clock_update(struct perf_event *e, const struct perf_sample *s, bool from_irq)
{
	u64 now = clock_ns();
	u64 delta = now - e->clock_last;
	e->clock_last = now;
	struct perf_sample none = { 0 };
	perf_event_count(e, delta, s ? s : &none, from_irq && s);
}

static void clock_fire(struct ktimer *t)
{
	struct perf_event *e = t->data;
	if (!e->active)
		return;
	const struct trap_frame *r = this_cpu()->irq_regs;
	struct perf_sample s = {
		.ip = r ? r->rip : 0,
		.user = r && trap_from_user(r),
		.regs = r,
	};
	clock_update(e, &s, true);
	if (e->active && !e->throttled)
		ktimer_arm(&e->hrtimer, clock_ns() + clock_period(e));
}

/* --- cycles (NMI) ------------------------------------------------------- */

static u64 cycles_take(struct perf_event *e)
{
	/* The NMI handler and a reader may both take a delta: the cmpxchg makes
	 * sure each cycle is counted once. */
	for (;;) {
		u64 old = __atomic_load_n(&e->cycles_last, __ATOMIC_RELAXED);
		u64 now = arch_clock_cycles();
		if (now < old)
			return 0;
		if (__atomic_compare_exchange_n(&e->cycles_last, &old, now, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return now - old;
	}
}

static void perf_nmi(struct trap_frame *regs)
{
	struct perf_cpu *pc = perf_cpu_peek(this_cpu_id());
	if (!pc)
		return;
	for (int i = 0; i < PERF_NMI_SLOTS; i++) {
		struct perf_event *e = __atomic_load_n(&pc->nmi_slots[i], __ATOMIC_ACQUIRE);
		if (!e || !e->active)
			continue;
		struct perf_sample s = {
			.ip = regs->rip, .user = trap_from_user(regs), .regs = regs,
		};
		perf_event_count(e, cycles_take(e), &s, true);
	}
}

/* The NMI rate the active cycles events need (0: none). */
static u32 wanted_nmi_hz(void)
{
	u32 hz = 0;
	u64 tsc_hz = tsc_khz_value() * 1000;
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

static void nmi_slot_set(struct perf_event *e, bool on)
{
	struct perf_cpu *pc = perf_cpu_state(this_cpu_id());
	for (int i = 0; i < PERF_NMI_SLOTS; i++) {
		struct perf_event *cur = pc->nmi_slots[i];
		if (on && !cur) {
			__atomic_store_n(&pc->nmi_slots[i], e, __ATOMIC_RELEASE);
			nr_cycles_active++;
			break;
		}
		if (!on && cur == e) {
			/* Cleared on this CPU: no NMI here can be using it now. */
			__atomic_store_n(&pc->nmi_slots[i], NULL, __ATOMIC_RELEASE);
			nr_cycles_active--;
			break;
		}
	}
	arch_perf_nmi_source(wanted_nmi_hz());
}

/* --- starting and stopping ------------------------------------------------ */

/* Interrupts off, on the CPU where the event will count. */
void perf_event_start(struct perf_event *e)
{
	if (e->active || e->state != PERF_ON)
		return;
	u64 now = clock_ns();
	e->tstamp_running = now;
	e->throttled = false;
	e->active_cpu = this_cpu_id();
	list_add_tail(&perf_cpu_state(this_cpu_id())->active, &e->active_node);
	if (is_clock(e)) {
		e->clock_last = now;
		if (e->period || e->attr.freq)
			ktimer_arm(&e->hrtimer, now + clock_period(e));
	}
	if (is_cycles(e)) {
		__atomic_store_n(&e->cycles_last, arch_clock_cycles(), __ATOMIC_RELAXED);
		e->active = true;
		nmi_slot_set(e, true);
	}
	e->active = true;
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

int perf_source_init(struct perf_event *e)
{
	/* The NMI handler stays registered once installed: it finds nothing
	 * to do while no cycles event is active. */
	static bool nmi_installed;
	if (!__atomic_exchange_n(&nmi_installed, true, __ATOMIC_RELAXED) && nmi_register(perf_nmi)) {
		__atomic_store_n(&nmi_installed, false, __ATOMIC_RELAXED);
		return -ENOMEM;         /* the NMI handler table is full */
	}
	if (is_clock(e))
		ktimer_init(&e->hrtimer, clock_fire, e);
	if (e->task) {
		e->task_tid = e->task->tid;
		if (!perf_task_ctx(e->task, true))
			return -ENOMEM;
	}
	if (e->attr.type == PERF_TYPE_TRACEPOINT &&
	    __atomic_add_fetch(&nr_tracepoint_events, 1, __ATOMIC_RELAXED) == 1)
		WRITE_ONCE(syscall_trace_enabled, true);
	if (__atomic_add_fetch(&nr_events, 1, __ATOMIC_RELAXED) == 1)
		WRITE_ONCE(perf_hooks_enabled, true);
	return 0;
}

void perf_source_destroy(struct perf_event *e)
{
	if (e->attr.type == PERF_TYPE_TRACEPOINT &&
	    __atomic_sub_fetch(&nr_tracepoint_events, 1, __ATOMIC_RELAXED) == 0)
		WRITE_ONCE(syscall_trace_enabled, false);
	if (__atomic_sub_fetch(&nr_events, 1, __ATOMIC_RELAXED) == 0)
		WRITE_ONCE(perf_hooks_enabled, false);
}

/* --- hooks from the rest of the kernel ----------------------------------- */

struct sw_hit {
	u64 config;
	const struct perf_sample *s;
};

static void sw_visit(struct perf_event *e, void *arg)
{
	struct sw_hit *h = arg;
	if (e->active && is_type(e, PERF_TYPE_SOFTWARE, h->config))
		perf_event_count(e, 1, h->s, false);
}

void perf_page_fault(u64 addr, const struct trap_frame *regs)
{
	if (!READ_ONCE(perf_hooks_enabled))
		return;
	struct perf_sample s = {
		.ip = regs->rip, .user = trap_from_user(regs), .addr = addr, .regs = regs,
	};
	struct sw_hit h = { PERF_COUNT_SW_PAGE_FAULTS, &s };
	perf_for_each_here(sw_visit, &h);
	h.config = PERF_COUNT_SW_PAGE_FAULTS_MIN;   /* every fault here is minor */
	perf_for_each_here(sw_visit, &h);
}

struct tp_hit {
	u64 id_any, id_one;             /* the raw_syscalls id, the per-syscall id */
	bool quiet_any, quiet_one;      /* a BPF program suppressed its samples */
	const struct perf_sample *s;
};

static void tp_visit(struct perf_event *e, void *arg)
{
	struct tp_hit *h = arg;
	if (!e->active || e->attr.type != PERF_TYPE_TRACEPOINT)
		return;
	if ((e->attr.config != h->id_any || h->quiet_any) &&
	    (e->attr.config != h->id_one || h->quiet_one))
		return;
	struct perf_sample s = *h->s;
	/* The payload carries the event's own id in common_type. */
	u8 raw[72];
	__builtin_memcpy(raw, h->s->raw, h->s->raw_size);
	*(u16 *)raw = (u16)e->attr.config;
	if (e->attr.config == h->id_one && h->id_one >= RT_TP_SYS_ENTER_BASE) {
		/* syscalls:* layout: s32 __syscall_nr, u32 pad, then the rest. */
		s64 nr = *(s64 *)(raw + 8);
		*(s32 *)(raw + 8) = (s32)nr;
		*(u32 *)(raw + 12) = 0;
	}
	s.raw = raw;
	perf_event_count(e, 1, &s, false);
}

static void tracepoint_hit(struct trap_frame *f, u64 id_any, u64 id_one, const u64 *payload,
			   u32 size)
{
	struct thread *t = current_thread();
	u8 raw[72];
	*(u16 *)raw = 0;
	raw[2] = 0;                                     /* common_flags */
	raw[3] = (u8)this_cpu()->preempt_count;         /* common_preempt_count */
	*(s32 *)(raw + 4) = t->tid;                     /* common_pid */
	__builtin_memcpy(raw + 8, payload, size);
	struct perf_sample s = {
		.ip = f->rip, .user = true, .regs = f, .raw = raw, .raw_size = size + 8,
	};
	/* Programs first: one returning 0 silences its tracepoint's events. */
	bool enter = id_any == RT_TP_RAW_SYSCALLS_SYS_ENTER;
	struct bpf_tp_ctx c = {
		.nr = (s64)payload[0], .args = enter ? payload + 1 : NULL,
		.ret = enter ? 0 : (s64)payload[1], .regs = f,
	};
	struct tp_hit h = { id_any, id_one, false, false, &s };
	h.quiet_any = perf_bpf_tracepoint(id_any, &c);
	if (id_one != ~0ull)
		h.quiet_one = perf_bpf_tracepoint(id_one, &c);
	if (!h.quiet_any || !h.quiet_one)
		perf_for_each_here(tp_visit, &h);
}

void trace_sys_enter(struct trap_frame *f, long nr)
{
	u64 p[7] = { (u64)nr, f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9 };
	tracepoint_hit(f, RT_TP_RAW_SYSCALLS_SYS_ENTER,
		       nr >= 0 && nr < NR_SYSCALLS ? RT_TP_SYS_ENTER(nr) : ~0ull, p, sizeof(p));
}

void trace_sys_exit(struct trap_frame *f, long nr, long ret)
{
	u64 p[2] = { (u64)nr, (u64)ret };
	tracepoint_hit(f, RT_TP_RAW_SYSCALLS_SYS_EXIT,
		       nr >= 0 && nr < NR_SYSCALLS ? RT_TP_SYS_EXIT(nr) : ~0ull, p, sizeof(p));
}

/* Every tick: lift throttling, retune frequency-mode periods. */
void perf_tick(void)
{
	if (!READ_ONCE(perf_hooks_enabled))
		return;
	struct perf_cpu *pc = perf_cpu_state(this_cpu_id());
	pc->irq_samples = 0;
	struct list_node *pos;
	list_for_each(pos, &pc->active) {
		struct perf_event *e = list_entry(pos, struct perf_event, active_node);
		if (e->throttled) {
			e->throttled = false;
			perf_output_throttle(e, false);
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
