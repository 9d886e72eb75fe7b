/* test_perf_sample: what PERF_RECORD_SAMPLE and the non-sample records
 * carry, for the software events.
 *
 * Page faults give exact expectations: the faulting store is at a known
 * label, so IP, ADDR, the order of samples and the user callchain are
 * checked exactly. A read() into a fresh page makes the kernel fault: that
 * sample has kernel regs, and its callchain is KERNEL..., USER, then the
 * address after our own `syscall` instruction. Timer events (cpu-clock,
 * task-clock) are checked for period, rate and mode bounds only.
 * Linux quirks mirrored here (observed on 6.18):
 *  - with PERF_SAMPLE_PERIOD and a fixed period, a software event samples
 *    EVERY event and reports period 1 (perf_swevent_event);
 *  - PERF_EVENT_IOC_PERIOD restarts the count: the next sample comes after
 *    `new period` events;
 *  - cpu-clock/task-clock in freq mode use the fixed period 1e9/freq; a
 *    period below 10 us is reported as given but the timer runs at 10 us.
 */
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include "ktap.h"
#include "perf_test.h"

#define MS 1000000ULL
#define KERNEL_MIN 0xffff800000000000ULL
#define USER_MAX 0x0000800000000000ULL

extern const char pf_store_ip[], sys_ret_ip[];
static void *volatile ra_store, *volatile ra_caller;

__attribute__((noinline, noclone)) static void store_at(u8 *p)
{
	ra_store = __builtin_return_address(0);
	__asm__ volatile(".globl pf_store_ip\npf_store_ip: movb $1, (%0)" : : "r"(p) : "memory");
}

__attribute__((noinline, noclone)) static void store_pages(long fd, u8 *p, int n, int stride)
{
	ra_caller = __builtin_return_address(0);
	perf_ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	for (int i = 0; i < n; i++)
		store_at(p + (size_t)i * stride * PG + 8 * i);
	perf_ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
}

/* read(fd, buf, n) with a known return address after `syscall`. */
__attribute__((noinline, noclone)) static long read_at(long fd, void *buf, long n)
{
	long ret;
	__asm__ volatile("syscall\n.globl sys_ret_ip\nsys_ret_ip:"
			 : "=a"(ret) : "a"(0L), "D"(fd), "S"(buf), "d"(n) : "rcx", "r11", "memory");
	return ret;
}

/* Collect every record of one pass. */
#define MAXREC 8192
static struct rec { struct perf_event_header h; struct sample s; struct sample_id sid; int bad; u64 chain[16]; } recs[MAXREC];
static int nrec;
static u64 cur_st;
static int collect(const struct perf_event_header *h, void *arg)
{
	(void)arg;
	if (nrec == MAXREC)
		return 1;
	struct rec *r = &recs[nrec++];
	r->h = *h;
	if (h->type == PERF_RECORD_SAMPLE) {
		r->bad = parse_sample(h, cur_st, 0, &r->s);
		for (u64 i = 0; i < r->s.nr && i < 16; i++)
			r->chain[i] = r->s.ips[i];
		r->s.ips = NULL;
		r->s.raw = NULL;
	} else {
		size_t body = h->type == PERF_RECORD_LOST ? 16 :
			      h->type == PERF_RECORD_THROTTLE || h->type == PERF_RECORD_UNTHROTTLE ? 24 : 0;
		r->bad = parse_sample_id(h, body, cur_st, &r->sid);
	}
	return 0;
}
static long drain(struct ring *r)
{
	nrec = 0;
	return ring_pass(r, collect, NULL);
}

static long open_mapped(struct ring *r, u32 type, u64 config, u64 period, u64 st, int disabled,
			struct perf_event_attr *extra)
{
	struct perf_event_attr a;
	if (extra)
		a = *extra;
	else
		attr_init(&a, type, config);
	a.type = type;
	a.config = config;
	if (!a.freq)
		a.sample_period = period;
	a.sample_type = st;
	a.disabled = disabled;
	cur_st = st;
	long fd = perf_open(&a, 0, -1, -1, 0);
	if (fd < 0 || ring_map(r, fd, 64, 0)) {
		KTAP_FAIL("cannot open/map the event: %ld", fd);
		return -1;
	}
	return fd;
}
static void close_mapped(struct ring *r, long fd)
{
	ring_unmap(r);
	perf_close(fd);
}

static void t_page_fault_samples_exact(void)
{
	const u64 st = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
		       PERF_SAMPLE_ADDR | PERF_SAMPLE_ID | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD;
	struct ring r;
	long fd = open_mapped(&r, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, 1, st, 1, NULL);
	u8 *p = fresh_pages(32);
	if (fd < 0)
		return;
	store_pages(-1, p, 0, 1);
	store_pages(fd, p, 32, 1);
	EXPECT_EQ(drain(&r), 32);
	u64 id = perf_id(fd), last_time = 0;
	cpu_set_t allowed;
	sched_getaffinity(0, sizeof(allowed), &allowed);
	for (int i = 0; i < nrec; i++) {
		struct rec *x = &recs[i];
		if (!EXPECT_EQ(x->h.type, PERF_RECORD_SAMPLE) || !EXPECT_EQ(x->bad, 0))
			break;
		EXPECT_EQ(x->h.size, 8 + 8 * 8);
		EXPECT_EQ(x->h.misc & PERF_RECORD_MISC_CPUMODE_MASK, PERF_RECORD_MISC_USER);
		EXPECT_EQ_HEX(x->s.addr, (u64)(p + (size_t)i * PG + 8 * i));
		EXPECT_EQ_HEX(x->s.ip, (u64)pf_store_ip);
		EXPECT_EQ_HEX(x->s.identifier, id);
		EXPECT_EQ_HEX(x->s.id, id);
		EXPECT_EQ(x->s.pid, getpid());
		EXPECT_EQ(x->s.tid, RSYS(SYS_gettid));
		EXPECT_GE(x->s.time, last_time);
		EXPECT_LT(x->s.cpu, CPU_SETSIZE);
		if (x->s.cpu < CPU_SETSIZE)
			EXPECT_TRUE(CPU_ISSET(x->s.cpu, &allowed));   /* a CPU we may run on */
		EXPECT_EQ(x->s.cpu_res, 0);
		EXPECT_EQ(x->s.period, 1);
		last_time = x->s.time;
	}
	close_mapped(&r, fd);
	free_pages_(p, 32);
}

/* Samples every 3rd fault: faults 3, 6, ... (indices 2, 5, ...). */
static void t_period_3_every_third(void)
{
	struct ring r;
	long fd = open_mapped(&r, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, 3, PERF_SAMPLE_ADDR, 1, NULL);
	u8 *p = fresh_pages(20);
	if (fd < 0)
		return;
	store_pages(-1, p, 0, 1);
	store_pages(fd, p, 20, 1);
	EXPECT_EQ(perf_count(fd), 20);
	if (EXPECT_EQ(drain(&r), 6))
		for (int i = 0; i < 6; i++)
			EXPECT_EQ_HEX(recs[i].s.addr, (u64)(p + (3 * i + 2) * (PG + 8)));
	close_mapped(&r, fd);
	free_pages_(p, 20);
}

/* Linux: PERF_SAMPLE_PERIOD + fixed period = one sample per event, period 1. */
static void t_period_bit_samples_every_event(void)
{
	struct ring r;
	long fd = open_mapped(&r, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, 3,
			      PERF_SAMPLE_ADDR | PERF_SAMPLE_PERIOD, 1, NULL);
	u8 *p = fresh_pages(20);
	if (fd < 0)
		return;
	store_pages(-1, p, 0, 1);
	store_pages(fd, p, 20, 1);
	if (EXPECT_EQ(drain(&r), 20))
		for (int i = 0; i < 20; i++) {
			EXPECT_EQ_HEX(recs[i].s.addr, (u64)(p + i * (PG + 8)));
			EXPECT_EQ(recs[i].s.period, 1);
		}
	close_mapped(&r, fd);
	free_pages_(p, 20);
}

static void t_ioctl_period_restarts_count(void)
{
	struct ring r;
	long fd = open_mapped(&r, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, 4, PERF_SAMPLE_ADDR, 1, NULL);
	u8 *p = fresh_pages(20);
	u64 two = 2;
	if (fd < 0)
		return;
	store_pages(-1, p, 0, 1);
	store_pages(fd, p, 10, 1);                     /* samples at faults 4, 8 */
	EXPECT_EQ(drain(&r), 2);
	EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_PERIOD, (long)&two), 0);
	store_pages(fd, p + 10 * PG, 10, 1);           /* 2, 4, 6, 8, 10 of the new run */
	if (EXPECT_EQ(drain(&r), 5))
		for (int i = 0; i < 5; i++)
			EXPECT_EQ_HEX(recs[i].s.addr, (u64)(p + 10 * PG + (2 * i + 1) * (PG + 8)));
	close_mapped(&r, fd);
	free_pages_(p, 20);
}

static void t_user_callchain_exact(void)
{
	struct ring r;
	long fd = open_mapped(&r, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, 1,
			      PERF_SAMPLE_IP | PERF_SAMPLE_CALLCHAIN, 1, NULL);
	u8 *p = fresh_pages(4);
	if (fd < 0)
		return;
	store_pages(-1, p, 0, 1);
	store_pages(fd, p, 4, 1);
	EXPECT_EQ(drain(&r), 4);
	for (int i = 0; i < nrec; i++) {
		struct rec *x = &recs[i];
		if (!EXPECT_EQ(x->bad, 0) || !EXPECT_GE(x->s.nr, 4))
			break;
		EXPECT_EQ_HEX(x->chain[0], PERF_CONTEXT_USER);   /* user regs: no kernel part */
		EXPECT_EQ_HEX(x->chain[1], (u64)pf_store_ip);
		EXPECT_EQ_HEX(x->chain[2], (u64)ra_store);
		EXPECT_EQ_HEX(x->chain[3], (u64)ra_caller);
	}
	close_mapped(&r, fd);
	free_pages_(p, 4);
}

/* A fault the kernel takes while copying to user memory. */
static void t_kernel_fault_sample(void)
{
	struct ring r;
	long fd = open_mapped(&r, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, 1,
			      PERF_SAMPLE_IP | PERF_SAMPLE_ADDR | PERF_SAMPLE_CALLCHAIN, 1, NULL);
	u8 *p = fresh_pages(3);
	u64 tmp;
	if (fd < 0)
		return;
	read_at(fd, &tmp, 8);                          /* warm up */
	perf_ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	EXPECT_EQ(read_at(fd, p + PG + 24, 8), 8);
	perf_ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	if (EXPECT_EQ(drain(&r), 1) && EXPECT_EQ(recs[0].bad, 0)) {
		struct rec *x = &recs[0];
		u64 n = x->s.nr < 16 ? x->s.nr : 16, k;
		EXPECT_EQ(x->h.misc & PERF_RECORD_MISC_CPUMODE_MASK, PERF_RECORD_MISC_KERNEL);
		EXPECT_EQ_HEX(x->s.addr, (u64)(p + PG + 24));
		EXPECT_GE(x->s.ip, KERNEL_MIN);
		EXPECT_EQ_HEX(x->chain[0], PERF_CONTEXT_KERNEL);
		EXPECT_EQ_HEX(x->chain[1], x->s.ip);
		for (k = 1; k < n && x->chain[k] != PERF_CONTEXT_USER; k++)
			EXPECT_GE(x->chain[k], KERNEL_MIN);
		if (EXPECT_LT(k + 1, n))
			EXPECT_EQ_HEX(x->chain[k + 1], (u64)sys_ret_ip);
	}
	close_mapped(&r, fd);
	free_pages_(p, 3);
}

static void spin_ms(long ms)
{
	u64 t0 = now_ns(CLOCK_MONOTONIC);
	while (now_ns(CLOCK_MONOTONIC) - t0 < (u64)ms * MS)
		for (volatile int i = 0; i < 1000; i++)
			;
}

/* Sample a busy loop with a clock event for at least `ms`, and on until
 * min_samples samples were written (a timer the host delayed is not
 * replayed, on Linux either: under host load a run may see few samples in
 * its first milliseconds, so the test waits for them instead of expecting
 * a rate). Checks every sample; returns the task-clock ns the run took. */
#define CLOCK_SAMPLE_SIZE 40            /* header, IP, TID, TIME, PERIOD */
#define PATIENCE_MS 30000               /* a stalled host, not a rate */
static u64 clock_run(u64 config, u64 period, int freq, int excl_user, int excl_kernel, long ms,
		     long min_samples)
{
	struct perf_event_attr a, t;
	struct ring r;
	attr_init(&a, PERF_TYPE_SOFTWARE, config);
	a.freq = freq;
	a.sample_freq = period;
	a.exclude_user = excl_user;
	a.exclude_kernel = excl_kernel;
	long fd = open_mapped(&r, PERF_TYPE_SOFTWARE, config, period,
			      PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_PERIOD, 1, &a);
	attr_init(&t, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK);
	t.disabled = 1;
	long tc = perf_open(&t, 0, -1, -1, 0);
	if (fd < 0)
		return 0;
	perf_ioctl(tc, PERF_EVENT_IOC_ENABLE, 0);
	perf_ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	spin_ms(ms);
	for (long waited = 0; waited < PATIENCE_MS &&
	     READ_ONCE(r.up->data_head) < (u64)min_samples * CLOCK_SAMPLE_SIZE; waited++)
		spin_ms(1);
	perf_ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	perf_ioctl(tc, PERF_EVENT_IOC_DISABLE, 0);
	u64 task_ns = perf_count(tc), last = 0, want_period = freq ? 1000000000ULL / period : period;
	long wrong_period = 0;
	EXPECT_GE(drain(&r), 0);
	for (int i = 0; i < nrec; i++) {
		struct rec *x = &recs[i];
		int mode = x->h.misc & PERF_RECORD_MISC_CPUMODE_MASK;
		if (x->h.type != PERF_RECORD_SAMPLE)
			continue;
		if (!EXPECT_EQ(x->bad, 0))
			break;
		EXPECT_EQ(x->s.tid, RSYS(SYS_gettid));
		EXPECT_GE(x->s.time, last);
		last = x->s.time;
		if (x->s.period != want_period && !wrong_period++)
			KTAP_FAIL("sample %d: period %llu, expected %llu (and every other sample)", i,
				  (unsigned long long)x->s.period, (unsigned long long)want_period);
		if (excl_user && !EXPECT_EQ(mode, PERF_RECORD_MISC_KERNEL))
			break;
		if (excl_kernel && (!EXPECT_EQ(mode, PERF_RECORD_MISC_USER) || !EXPECT_LT(x->s.ip, USER_MAX)))
			break;
	}
	close_mapped(&r, fd);
	perf_close(tc);
	return task_ns;
}

static int count_samples(void)
{
	int n = 0;
	for (int i = 0; i < nrec; i++)
		n += recs[i].h.type == PERF_RECORD_SAMPLE;
	return n;
}

/* Clock samples come from a timer: the samples arrive (the run waits
 * for ten), and never faster than the period allows for the task-clock
 * time the run took. A delayed tick only ever lowers the rate, so the
 * upper bound holds on any host. */
static void t_cpu_clock_rate(void)
{
	u64 ns = clock_run(PERF_COUNT_SW_CPU_CLOCK, MS, 0, 0, 0, 40, 10);
	long want = (long)(ns / MS), got = count_samples();
	EXPECT_GE(got, 10);
	EXPECT_LE(got, want * 3 / 2 + 2);
}

static void t_task_clock_freq_is_fixed_period(void)
{
	u64 ns = clock_run(PERF_COUNT_SW_TASK_CLOCK, 1000, 1, 0, 0, 40, 10);
	long want = (long)(ns / MS), got = count_samples();
	EXPECT_GE(got, 10);
	EXPECT_LE(got, want * 3 / 2 + 2);
}

/* period 1 ns: reported as 1, but no more than one sample per 10 us, and
 * the loop still finishes (no livelock: a livelocked run never reaches
 * its checks, and the plan's timeout fails it). */
static void t_period_1_clock_is_bounded(void)
{
	u64 ns = clock_run(PERF_COUNT_SW_CPU_CLOCK, 1, 0, 0, 0, 30, 1);
	EXPECT_GT(count_samples(), 0);
	EXPECT_LE(count_samples(), (long)(ns / 10000) + 10);
}

static void t_exclude_kernel_only_user_samples(void)
{
	clock_run(PERF_COUNT_SW_CPU_CLOCK, 200000, 0, 0, 1, 20, 1);
	EXPECT_GT(count_samples(), 0);
}

static void t_exclude_user_only_kernel_samples(void)
{
	clock_run(PERF_COUNT_SW_CPU_CLOCK, 200000, 0, 1, 0, 20, 0);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { 0, ms * (long)MS };
	nanosleep(&ts, NULL);
}

/* DUMMY + context_switch: SWITCH records out/in, with the sample_id trailer. */
static void t_switch_records(void)
{
	const u64 st = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ID | PERF_SAMPLE_CPU |
		       PERF_SAMPLE_IDENTIFIER;
	struct perf_event_attr a;
	struct ring r;
	int outs = 0, ins = 0, expect_out = 1;
	attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_DUMMY);
	a.context_switch = 1;
	a.sample_id_all = 1;
	long fd = open_mapped(&r, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_DUMMY, 0, st, 1, &a);
	if (fd < 0)
		return;
	perf_ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	/* 10 ms each: a sleep whose deadline passed before it could block
	 * (the host did not run this vCPU for a while) does not switch. */
	for (int i = 0; i < 3; i++)
		sleep_ms(10);
	perf_ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	drain(&r);
	u64 id = perf_id(fd);
	for (int i = 0; i < nrec; i++) {
		struct rec *x = &recs[i];
		int out = !!(x->h.misc & PERF_RECORD_MISC_SWITCH_OUT);
		if (!EXPECT_EQ(x->h.type, PERF_RECORD_SWITCH) || !EXPECT_EQ(x->bad, 0))
			break;
		EXPECT_EQ(x->h.size, 8 + sample_id_size(st));
		EXPECT_EQ(x->sid.tid, RSYS(SYS_gettid));
		EXPECT_EQ_HEX(x->sid.id, id);
		EXPECT_EQ_HEX(x->sid.identifier, id);
		EXPECT_EQ(out, expect_out);        /* strictly out, in, out, in ... */
		expect_out = !out;
		outs += out;
		ins += !out;
	}
	EXPECT_GE(outs, 3);
	EXPECT_GE(ins, 3);
	EXPECT_EQ(perf_count(fd), 0);
	close_mapped(&r, fd);
}

static void t_context_switch_samples(void)
{
	struct ring r;
	long fd = open_mapped(&r, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES, 1,
			      PERF_SAMPLE_IP | PERF_SAMPLE_TID, 1, NULL);
	if (fd < 0)
		return;
	perf_ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	for (int i = 0; i < 3; i++)
		sleep_ms(10);    /* long enough to block even on a loaded host */
	perf_ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	drain(&r);
	EXPECT_GE(nrec, 3);
	EXPECT_EQ(nrec, (long)perf_count(fd));
	for (int i = 0; i < nrec; i++) {
		EXPECT_EQ(recs[i].h.misc & PERF_RECORD_MISC_CPUMODE_MASK, PERF_RECORD_MISC_KERNEL);
		EXPECT_GE(recs[i].s.ip, KERNEL_MIN);
		EXPECT_EQ(recs[i].s.tid, RSYS(SYS_gettid));
	}
	close_mapped(&r, fd);
}

/* LOST with sample_id_all: {id, lost} then the trailer. */
static void t_lost_record_sample_id(void)
{
	const u64 st = PERF_SAMPLE_TID | PERF_SAMPLE_ID | PERF_SAMPLE_ADDR;
	struct perf_event_attr a;
	struct ring r;
	attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS);
	a.sample_id_all = 1;
	a.sample_period = 1;
	a.sample_type = st;
	a.disabled = 1;
	long fd = perf_open(&a, 0, -1, -1, 0);
	u8 *p = fresh_pages(200);
	if (!EXPECT_EQ(ring_map(&r, fd, 1, 0), 0))
		return;
	cur_st = st;
	store_pages(-1, p, 0, 1);
	store_pages(fd, p, 150, 1);                /* 32-byte records: 127 fit */
	drain(&r);
	EXPECT_EQ(nrec, 127);
	store_pages(fd, p + 150 * PG, 1, 1);
	if (EXPECT_EQ(drain(&r), 2) && EXPECT_EQ(recs[0].h.type, PERF_RECORD_LOST)) {
		EXPECT_EQ(recs[0].h.size, 24 + sample_id_size(st));
		EXPECT_EQ(recs[0].bad, 0);
		EXPECT_EQ_HEX(recs[0].sid.id, perf_id(fd));
		EXPECT_EQ(recs[0].sid.tid, RSYS(SYS_gettid));
		EXPECT_EQ(recs[1].h.type, PERF_RECORD_SAMPLE);
	}
	close_mapped(&r, fd);
	free_pages_(p, 200);
}

static volatile int go, done;
static volatile long worker_tid;
static u8 *worker_pages;
static void *worker(void *arg)
{
	(void)arg;
	worker_tid = RSYS(SYS_gettid);
	while (!go)
		sched_yield();
	for (int i = 0; i < 4; i++)
		worker_pages[i * PG] = 1;
	done = 1;
	return NULL;
}

static void t_other_thread_samples(void)
{
	struct perf_event_attr a;
	struct ring r;
	pthread_t t;
	go = done = 0;
	worker_tid = 0;
	worker_pages = fresh_pages(4);
	if (!EXPECT_EQ(pthread_create(&t, NULL, worker, NULL), 0))
		return;
	while (!worker_tid)
		sched_yield();
	attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS);
	a.sample_period = 1;
	a.sample_type = cur_st = PERF_SAMPLE_TID | PERF_SAMPLE_ADDR;
	long fd = perf_open(&a, worker_tid, -1, -1, 0);
	EXPECT_EQ(ring_map(&r, fd, 4, 0), 0);
	go = 1;
	while (!done)
		sched_yield();
	pthread_join(t, NULL);
	if (EXPECT_EQ(drain(&r), 4))
		for (int i = 0; i < 4; i++) {
			EXPECT_EQ(recs[i].s.pid, getpid());
			EXPECT_EQ(recs[i].s.tid, worker_tid);
			EXPECT_EQ_HEX(recs[i].s.addr, (u64)(worker_pages + i * PG));
		}
	close_mapped(&r, fd);
	free_pages_(worker_pages, 4);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_page_fault_samples_exact),
	KTAP_CASE(t_period_3_every_third),
	KTAP_CASE(t_period_bit_samples_every_event),
	KTAP_CASE(t_ioctl_period_restarts_count),
	KTAP_CASE(t_user_callchain_exact),
	KTAP_CASE(t_kernel_fault_sample),
	KTAP_CASE(t_cpu_clock_rate),
	KTAP_CASE(t_task_clock_freq_is_fixed_period),
	KTAP_CASE(t_period_1_clock_is_bounded),
	KTAP_CASE(t_exclude_kernel_only_user_samples),
	KTAP_CASE(t_exclude_user_only_kernel_samples),
	KTAP_CASE(t_switch_records),
	KTAP_CASE(t_context_switch_samples),
	KTAP_CASE(t_lost_record_sample_id),
	KTAP_CASE(t_other_thread_samples),
};

int main(void)
{
	return ktap_run(cases, KTAP_COUNT(cases));
}
