/* test_perf_nmi: interrupt-context writers nesting inside syscall-context
 * writers in ONE buffer, with a consumer thread reading concurrently.
 *
 * Two writer kinds run the same checks:
 *   irq: cpu-clock (hrtimer interrupt), every 10 us (Linux's minimum);
 *        runs on Linux and Ringtail;
 *   nmi: PERF_TYPE_HARDWARE CPU_CYCLES, which Ringtail emulates with
 *        periodic NMIs; Linux hosts here have no PMU, so it is skipped there.
 * The stress: the writer event owns the buffer,  a sys_enter_getpgid event
 * (period 1) is SET_OUTPUT into it, main makes N getpgid calls whose
 * argument is 2^30 + the call number (no such pid), a thread drains with the project's reader.
 * Checked: every record parses exactly for its event (no torn record), the
 * getpgid samples come in call order, data_head never decreases and never
 * runs more than a buffer ahead of data_tail, and after a final flush
 *   delivered + lost == produced   (per event, lost from read() LOST,
 *                                   produced = the tracepoint's count)
 *   sum of LOST records == sum of per-event lost.
 * Also: a poll() woken only by interrupt-context samples, and period 1
 * sampling must not starve the task (Ringtail's NMI event must throttle
 * with THROTTLE/UNTHROTTLE records, as Linux does for hardware events).
 *
 * Nothing here depends on the host's speed: where a test needs an
 * interrupt-driven sample it works until one arrives (an emulator on a
 * busy host may deliver no timer or NMI for tens of milliseconds), and
 * the throttle is checked against its budget per tick, read from the
 * samples' own timestamps, not against how fast the task ran.
 */
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include "ktap.h"
#include "perf_test.h"

#define MS 1000000ULL
#define NCALLS 20000
#define SEQ0 0x40000000L        /* getpgid(SEQ0 + i): ESRCH, i is in the sample */
#define IRQ_PERIOD 10000ULL       /* ns */
#define NMI_PERIOD 100000ULL      /* cycles */
#define W_ST (PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ID | \
	      PERF_SAMPLE_PERIOD | PERF_SAMPLE_CALLCHAIN)
#define T_ST (PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ID | PERF_SAMPLE_RAW)
#define RF (PERF_FORMAT_ID | PERF_FORMAT_LOST)
/* Ringtail's throttle: at most perf_event_max_sample_rate (100000) / HZ
 * (1000) timer or NMI samples per tick. */
#define SAMPLES_PER_TICK 100
#define TICK_NS (1000 * 1000ULL)
#define PATIENCE_NS (30 * 1000 * MS)  /* waiting for an interrupt: a stall, not a speed */

enum kind { IRQ, NMI };

static long writer_open(enum kind k, u64 period, u32 wakeup_events)
{
	struct perf_event_attr a;
	if (k == IRQ)
		attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK);
	else
		attr_init(&a, PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES);
	a.sample_period = period ? period : (k == IRQ ? IRQ_PERIOD : NMI_PERIOD);
	a.sample_type = W_ST;
	a.read_format = RF;
	a.wakeup_events = wakeup_events;
	a.disabled = 1;
	return perf_open(&a, 0, -1, -1, 0);
}

static const char *skip_reason(enum kind k, int need_tp)
{
	if (k == NMI && !hw_cycles_ok())
		return "no PERF_TYPE_HARDWARE cycles here (Ringtail emulates it with NMIs)";
	return need_tp ? tp_unavailable() : NULL;
}

/* --- the consumer ---------------------------------------------------------- */
struct consumer {
	struct ring r;
	u64 w_id, t_id, w_period;
	long t_tp;
	pid_t tid;
	volatile int stop;
	/* results */
	long w_samples, t_samples, lost_recs_sum, throttles, unthrottles, bad, passes;
	long last_seq, seq_errors, head_back, head_ahead, order_errors, period_errors;
	u64 bad_period;
	int last_throttle;              /* -1: unknown (records were lost) */
	/* The throttle budget, checked per millisecond of sample TIME: the
	 * budget restarts with each tick and at each UNTHROTTLE (a late tick
	 * can land anywhere in a millisecond, and ticks the emulator held back
	 * come in a burst), so a millisecond may hold one budget more than the
	 * UNTHROTTLEs in it, plus a sample stamped just after its boundary. */
	u64 tick;
	long in_tick, unthr_in_tick, budget_errors, worst_in_tick;
	u64 last_head;
	char why[160];
};

static void bad(struct consumer *c, const char *what, u64 v)
{
	if (!c->bad++)
		snprintf(c->why, sizeof(c->why), "%s (%#llx)", what, (unsigned long long)v);
}

/* A record stamped `time`: close the millisecond before it, if it is over. */
static void tick_at(struct consumer *c, u64 time)
{
	if (time / TICK_NS == c->tick)
		return;
	if (c->in_tick > SAMPLES_PER_TICK * (1 + c->unthr_in_tick) + 1) {
		c->budget_errors++;
		if (c->in_tick > c->worst_in_tick)
			c->worst_in_tick = c->in_tick;
	}
	c->tick = time / TICK_NS;
	c->in_tick = c->unthr_in_tick = 0;
}

static int check_record(const struct perf_event_header *h, void *arg)
{
	struct consumer *c = arg;
	struct sample s;
	const u64 *q = (const u64 *)(h + 1);

	switch (h->type) {
	case PERF_RECORD_SAMPLE:
		if (h->size < 8 + 32) {
			bad(c, "short sample", h->size);
			break;
		}
		/* ID is the 4th u64 for both sample types */
		if (q[3] == c->t_id) {
			const struct tp_sys_enter *e;
			if (parse_sample(h, T_ST, 0, &s) || s.raw_size < 20) {
				bad(c, "torn tracepoint sample", h->size);
				break;
			}
			e = (const void *)s.raw;
			if (e->c.common_type != (u16)c->t_tp || e->nr != NR_getpgid || s.tid != (u32)c->tid)
				bad(c, "wrong tracepoint payload", e->nr);
			if ((long)e->args[0] - SEQ0 <= c->last_seq)
				c->seq_errors++;
			c->last_seq = (long)e->args[0] - SEQ0;
			c->t_samples++;
		} else if (q[3] == c->w_id) {
			if (parse_sample(h, W_ST, 0, &s) || s.tid != (u32)c->tid || s.nr == 0 ||
			    s.ips[0] < PERF_CONTEXT_MAX)
				bad(c, "torn writer sample", h->size);
			else if (s.period != c->w_period && !c->period_errors++)
				c->bad_period = s.period;   /* Linux: always the fixed period */
			tick_at(c, s.time);
			c->in_tick++;
			__atomic_store_n(&c->w_samples, c->w_samples + 1, __ATOMIC_RELAXED);
		} else {
			bad(c, "sample with unknown id", q[3]);
		}
		break;
	case PERF_RECORD_LOST:
		if (h->size != 24 || (q[0] != c->w_id && q[0] != c->t_id))
			bad(c, "bad LOST record", q[0]);
		c->lost_recs_sum += (long)q[1];
		/* A full ring drops (UN)THROTTLE records like any other: what
		 * comes next may follow either. */
		c->last_throttle = -1;
		break;
	case PERF_RECORD_THROTTLE:
	case PERF_RECORD_UNTHROTTLE:
		/* {time, id, stream_id}; strictly THROTTLE, UNTHROTTLE, ... */
		if (h->size != 32 || q[1] != c->w_id)
			bad(c, "bad (UN)THROTTLE record", h->size);
		if (c->last_throttle >= 0 && (h->type == PERF_RECORD_THROTTLE) == c->last_throttle)
			c->order_errors++;
		c->last_throttle = h->type == PERF_RECORD_THROTTLE;
		if (h->type == PERF_RECORD_THROTTLE) {
			c->throttles++;
		} else {
			c->unthrottles++;
			tick_at(c, q[0]);
			c->unthr_in_tick++;
		}
		break;
	default:
		bad(c, "unexpected record type", h->type);
	}
	return 0;
}

static void consume_once(struct consumer *c)
{
	u64 head = READ_ONCE(c->r.up->data_head), tail = READ_ONCE(c->r.up->data_tail);
	if (head < c->last_head)
		c->head_back++;
	if (head - tail > c->r.data_size)
		c->head_ahead++;
	c->last_head = head;
	if (ring_pass(&c->r, check_record, c) < 0)
		bad(c, "reader error", (u64)c->r.rd.error);
	c->passes++;
}

static volatile u64 work_sink;
__attribute__((noinline)) static void work(long n)
{
	u64 x = 1;
	for (long i = 0; i < n; i++)
		x = x * 6364136223846793005ULL + (u64)i;
	work_sink = x;
}

/* Work in user mode until the writer w has produced a sample (delivered
 * to c, which a consumer thread may be draining, or lost). drain: this
 * thread drains c itself. */
static void work_until_writer_sample(struct consumer *c, long w, int drain)
{
	u64 t0 = now_ns(CLOCK_MONOTONIC), v[3] = { 0 };
	while (now_ns(CLOCK_MONOTONIC) - t0 < PATIENCE_NS) {
		perf_read(w, v, 3);
		if (__atomic_load_n(&c->w_samples, __ATOMIC_RELAXED) || v[2])
			return;
		work(200000);
		if (drain)
			consume_once(c);
	}
}

static void *consumer_main(void *arg)
{
	struct consumer *c = arg;
	struct pollfd p = { (int)c->r.fd, POLLIN, 0 };
	while (!c->stop) {
		poll(&p, 1, 2);
		consume_once(c);
	}
	return NULL;
}

static void read_lost(long fd, u64 *count, u64 *lost)
{
	u64 v[3] = { 0 };
	perf_read(fd, v, 3);
	*count = v[0];
	*lost = v[2];
}

__attribute__((noinline)) static void getpgid_calls(long from, long n)
{
	for (long i = from; i < from + n; i++)
		RSYS(NR_getpgid, SEQ0 + i);
}

static void stress(enum kind k)
{
	static struct consumer c;
	struct perf_event_attr a;
	pthread_t t;
	u64 wc, wl, tc, tl;
	long w = writer_open(k, 0, 64), tp;

	memset(&c, 0, sizeof(c));
	c.last_seq = -1;
	c.tid = (pid_t)RSYS(SYS_gettid);
	c.t_tp = tp = tp_sys_enter("getpgid");
	attr_init(&a, PERF_TYPE_TRACEPOINT, (u64)tp);
	a.sample_period = 1;
	a.sample_type = T_ST;
	a.read_format = RF;
	a.wakeup_events = 64;
	a.disabled = 1;
	long te = perf_open(&a, 0, -1, -1, 0);
	if (!EXPECT_GE(w, 0) || !EXPECT_GE(te, 0) || !EXPECT_EQ(ring_map(&c.r, w, 8, 0), 0))
		return;
	EXPECT_EQ(perf_ioctl(te, PERF_EVENT_IOC_SET_OUTPUT, w), 0);
	c.w_id = perf_id(w);
	c.t_id = perf_id(te);
	c.w_period = k == IRQ ? IRQ_PERIOD : NMI_PERIOD;
	if (!EXPECT_EQ(pthread_create(&t, NULL, consumer_main, &c), 0))
		return;
	perf_ioctl(te, PERF_EVENT_IOC_ENABLE, 0);
	perf_ioctl(w, PERF_EVENT_IOC_ENABLE, 0);
	getpgid_calls(0, NCALLS);
	work_until_writer_sample(&c, w, 0);
	perf_ioctl(w, PERF_EVENT_IOC_DISABLE, 0);
	c.stop = 1;
	pthread_join(t, NULL);
	consume_once(&c);               /* empty now: the flush below fits */
	getpgid_calls(NCALLS, 1);       /* reports any pending loss first */
	perf_ioctl(te, PERF_EVENT_IOC_DISABLE, 0);
	consume_once(&c);

	read_lost(w, &wc, &wl);
	read_lost(te, &tc, &tl);
#ifdef PERF_VERBOSE   /* counts differ run to run: never in the normal output */
	ktap_diag("writer %ld+%llu lost, tracepoint %ld+%llu lost, LOST records %ld, passes %ld",
		  c.w_samples, wl, c.t_samples, tl, c.lost_recs_sum, c.passes);
#endif
	if (c.bad)
		ktap_diag("first bad record: %s", c.why);
	EXPECT_EQ(c.bad, 0);
	if (!EXPECT_EQ(c.period_errors, 0))
		ktap_diag("a writer sample says period %llu", (unsigned long long)c.bad_period);
	EXPECT_EQ(c.head_back, 0);
	EXPECT_EQ(c.head_ahead, 0);
	EXPECT_EQ(c.seq_errors, 0);
	EXPECT_EQ(tc, NCALLS + 1);                           /* produced */
	EXPECT_EQ(c.t_samples + (long)tl, (long)tc);         /* delivered + lost */
	EXPECT_GT(c.w_samples + (long)wl, 0);
	EXPECT_EQ(c.lost_recs_sum, (long)(wl + tl));
	EXPECT_EQ(c.last_seq, NCALLS);                       /* the flush arrived */
	EXPECT_EQ(c.order_errors, 0);
	ring_unmap(&c.r);
	perf_close(te);
	perf_close(w);
}

static void t_irq_writer_stress(void)
{
	if (skip_reason(IRQ, 1)) { KTAP_SKIP(skip_reason(IRQ, 1)); return; }
	stress(IRQ);
}
static void t_nmi_writer_stress(void)
{
	if (skip_reason(NMI, 1)) { KTAP_SKIP(skip_reason(NMI, 1)); return; }
	stress(NMI);
}

/* A poller woken by interrupt-context samples only (no syscalls meanwhile:
 * from NMI the wakeup must go through the deferred path). */
static struct { long fd; int ret, revents; } waiter;
static void *waiter_main(void *x)
{
	(void)x;
	struct pollfd p = { (int)waiter.fd, POLLIN, 0 };
	waiter.ret = poll(&p, 1, 5000);
	waiter.revents = p.revents;
	return NULL;
}
static volatile int waiter_done;
static void *waiter_thread(void *x)
{
	waiter_main(x);
	waiter_done = 1;
	return NULL;
}

static void interrupt_wakes_poll(enum kind k)
{
	struct ring r;
	pthread_t t;
	long w = writer_open(k, 0, 1);
	if (!EXPECT_GE(w, 0) || !EXPECT_EQ(ring_map(&r, w, 4, 0), 0))
		return;
	waiter.fd = w;
	waiter_done = 0;
	if (!EXPECT_EQ(pthread_create(&t, NULL, waiter_thread, NULL), 0))
		return;
	struct timespec ts = { 0, 20 * (long)MS };
	nanosleep(&ts, NULL);                 /* let it block in poll() */
	perf_ioctl(w, PERF_EVENT_IOC_ENABLE, 0);
	u64 t0 = now_ns(CLOCK_MONOTONIC);
	while (!waiter_done && now_ns(CLOCK_MONOTONIC) - t0 < 4000 * MS)
		for (volatile int i = 0; i < 10000; i++)
			;                         /* user-mode spin, no syscalls */
	perf_ioctl(w, PERF_EVENT_IOC_DISABLE, 0);
	pthread_join(t, NULL);
	EXPECT_EQ(waiter.ret, 1);
	EXPECT_EQ(waiter.revents, POLLIN);
	ring_unmap(&r);
	perf_close(w);
}
static void t_irq_sample_wakes_poll(void) { interrupt_wakes_poll(IRQ); }
static void t_nmi_sample_wakes_poll(void)
{
	if (skip_reason(NMI, 0)) { KTAP_SKIP(skip_reason(NMI, 0)); return; }
	interrupt_wakes_poll(NMI);
}

/* Period 1. cpu-clock: Linux only clamps the timer to 10 us, which in a
 * slow VM (or TCG) can leave the task a sliver of the CPU: it must still
 * progress. NMI cycles: must throttle (THROTTLE, then UNTHROTTLE at the
 * next tick, as Linux does for hardware events), and keep to the budget
 * (see struct consumer). */
static void period_1(enum kind k)
{
	static struct consumer c;
	long w = writer_open(k, 1, 0), chunks = 0;
	memset(&c, 0, sizeof(c));
	if (!EXPECT_GE(w, 0) || !EXPECT_EQ(ring_map(&c.r, w, 64, 0), 0))
		return;
	c.w_id = perf_id(w);
	c.t_id = ~0ULL;
	c.w_period = 1;
	c.tid = (pid_t)RSYS(SYS_gettid);
	perf_ioctl(w, PERF_EVENT_IOC_ENABLE, 0);
	/* 200 ms, and for NMIs until two throttles were seen. */
	u64 t0 = now_ns(CLOCK_MONOTONIC), dt;
	while ((dt = now_ns(CLOCK_MONOTONIC) - t0) < 200 * MS ||
	       (k == NMI && c.throttles < 2 && dt < PATIENCE_NS)) {
		work(20000);
		if (++chunks % 16 == 0)
			consume_once(&c);
	}
	perf_ioctl(w, PERF_EVENT_IOC_DISABLE, 0);
	consume_once(&c);
	tick_at(&c, ~0ULL);                        /* close the last millisecond */
#ifdef PERF_VERBOSE
	ktap_diag("period 1: %ld samples, %ld/%ld throttles, %ld chunks",
		  c.w_samples, c.throttles, c.unthrottles, chunks);
#endif
	if (c.bad)
		ktap_diag("first bad record: %s", c.why);
	EXPECT_EQ(c.bad, 0);
	if (!EXPECT_EQ(c.period_errors, 0))
		ktap_diag("a writer sample says period %llu", (unsigned long long)c.bad_period);
	EXPECT_GT(c.w_samples, 0);
	EXPECT_GT(chunks, 0);                      /* slow is fine, stuck is not */
	EXPECT_EQ(c.order_errors, 0);
	if (k == NMI) {
		EXPECT_GE(c.throttles, 1);
		if (!EXPECT_EQ(c.budget_errors, 0))
			ktap_diag("a millisecond held %ld samples", c.worst_in_tick);
		if (!c.lost_recs_sum) {         /* else some of them were lost */
			EXPECT_GE(c.unthrottles, c.throttles - 1);
			EXPECT_LE(c.unthrottles, c.throttles);
		}
	}
	ring_unmap(&c.r);
	perf_close(w);
}
static void t_irq_period_1_no_livelock(void) { period_1(IRQ); }
static void t_nmi_period_1_throttles(void)
{
	if (skip_reason(NMI, 0)) { KTAP_SKIP(skip_reason(NMI, 0)); return; }
	period_1(NMI);
}

static void t_nmi_cycles_samples(void)
{
	static struct consumer c;
	if (skip_reason(NMI, 0)) { KTAP_SKIP(skip_reason(NMI, 0)); return; }
	long w = writer_open(NMI, 0, 0);
	memset(&c, 0, sizeof(c));
	if (!EXPECT_GE(w, 0) || !EXPECT_EQ(ring_map(&c.r, w, 16, 0), 0))
		return;
	u64 c0 = perf_count(w);
	c.w_id = perf_id(w);
	c.t_id = ~0ULL;
	c.w_period = NMI_PERIOD;
	c.tid = (pid_t)RSYS(SYS_gettid);
	perf_ioctl(w, PERF_EVENT_IOC_ENABLE, 0);
	work(5 * 1000 * 1000);
	work_until_writer_sample(&c, w, 1);
	perf_ioctl(w, PERF_EVENT_IOC_DISABLE, 0);
	EXPECT_GT(perf_count(w), c0);
	consume_once(&c);
	EXPECT_EQ(c.bad, 0);
	if (!EXPECT_EQ(c.period_errors, 0))
		ktap_diag("a sample says period %llu", (unsigned long long)c.bad_period);
	EXPECT_GT(c.w_samples, 0);
	ring_unmap(&c.r);
	perf_close(w);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_irq_writer_stress),
	KTAP_CASE(t_nmi_cycles_samples),
	KTAP_CASE(t_nmi_writer_stress),
	KTAP_CASE(t_irq_sample_wakes_poll),
	KTAP_CASE(t_nmi_sample_wakes_poll),
	KTAP_CASE(t_irq_period_1_no_livelock),
	KTAP_CASE(t_nmi_period_1_throttles),
};

int main(void)
{
	return ktap_run(cases, KTAP_COUNT(cases));
}
