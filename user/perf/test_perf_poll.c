/* test_perf_poll: when poll() on a perf fd reports POLLIN, exactly.
 *
 * Linux 6.18 behaviour mirrored here (40-byte samples, 1-page ring):
 *  - wakeup_events = N: POLLIN after every N-th sample;
 *  - watermark + wakeup_watermark = W bytes: POLLIN once head has moved
 *    more than W past the last wakeup point (so at the 11th record for
 *    W = 400);
 *  - besides that, a wakeup is always owed every half buffer (the default
 *    watermark), which is also all wakeup_events = 0 gives: no per-sample
 *    wakeups at all;
 *  - POLLIN is reported once per wakeup: a second poll() without a new
 *    wakeup says nothing, even with unread data;
 *  - no buffer, or a target thread that has exited: POLLHUP at once.
 */
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include "ktap.h"
#include "perf_test.h"

#define MS 1000000ULL

static long pf_event(long pid, u32 wakeup_events, u32 watermark)
{
	struct perf_event_attr a;
	attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS);
	a.sample_period = 1;
	a.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_ADDR | PERF_SAMPLE_ID;
	a.disabled = pid == 0;
	if (watermark) {
		a.watermark = 1;
		a.wakeup_watermark = watermark;
	} else {
		a.wakeup_events = wakeup_events;
	}
	return perf_open(&a, pid, -1, -1, 0);
}

static int poll_now(long fd)
{
	struct pollfd p = { (int)fd, POLLIN, 0 };
	return poll(&p, 1, 0) > 0 ? p.revents : 0;
}

static u8 *pages;
static size_t next_page;
static u8 *take(size_t n)
{
	u8 *p = pages + next_page * PG;
	next_page += n;
	return p;
}

/* One fault at a time, polling after each:
 * wake[i] = revents after fault i+1. */
static void faults_and_polls(long fd, int n, int *wake)
{
	u8 *p = take(n);
	for (int i = 0; i < n; i++) {
		touch_pages(fd, p + i * PG, 1, 0);
		wake[i] = poll_now(fd);
	}
}

static void expect_wakeups(long fd, int n, const int *at, int nat)
{
	int wake[128], k = 0;
	faults_and_polls(fd, n, wake);
	for (int i = 0; i < n; i++) {
		int want = k < nat && at[k] == i + 1;
		if (wake[i] != (want ? POLLIN : 0))
			KTAP_FAIL("after sample %d: revents %#x, expected %#x", i + 1, wake[i],
				  want ? POLLIN : 0);
		k += want;
	}
}

static void with_ring(long fd, unsigned pages_, void (*body)(long fd))
{
	struct ring r;
	if (!EXPECT_GE(fd, 0) || !EXPECT_EQ(ring_map(&r, fd, pages_, 0), 0))
		return;
	body(fd);
	ring_unmap(&r);
	perf_close(fd);
}

static void body_timeout(long fd)
{
	struct pollfd p = { (int)fd, POLLIN, 0 };
	struct timespec ts = { 0, 5 * (long)MS };
	u64 t0 = now_ns(CLOCK_MONOTONIC);
	EXPECT_EQ(poll(&p, 1, 10), 0);
	EXPECT_GE(now_ns(CLOCK_MONOTONIC) - t0, 9 * MS);
	EXPECT_EQ(p.revents, 0);
	EXPECT_EQ(ppoll(&p, 1, &ts, NULL), 0);
}
static void t_poll_times_out_without_data(void) { with_ring(pf_event(0, 1, 0), 1, body_timeout); }

static void body_every_5(long fd) { static const int at[] = { 5, 10, 15 }; expect_wakeups(fd, 17, at, 3); }
static void t_wakeup_events_5(void) { with_ring(pf_event(0, 5, 0), 1, body_every_5); }

static void body_once(long fd)
{
	int wake[3];
	faults_and_polls(fd, 3, wake);
	EXPECT_EQ(wake[2], POLLIN);
	EXPECT_EQ(poll_now(fd), 0);            /* consumed by the first poll */
}
static void t_pollin_once_per_wakeup(void) { with_ring(pf_event(0, 3, 0), 1, body_once); }

static void body_wm400(long fd) { static const int at[] = { 11, 21, 31 }; expect_wakeups(fd, 35, at, 3); }
static void t_watermark_400_bytes(void) { with_ring(pf_event(0, 0, 400), 1, body_wm400); }

static void body_half(long fd) { static const int at[] = { 52 }; expect_wakeups(fd, 60, at, 1); }
static void t_wakeup_events_0_only_half_buffer(void) { with_ring(pf_event(0, 0, 0), 1, body_half); }
static void t_large_wakeup_events_half_buffer(void) { with_ring(pf_event(0, 1000, 0), 1, body_half); }

struct poller { long fd; int ret, revents; u64 end; };
static void *poller(void *arg)
{
	struct poller *p = arg;
	struct pollfd pf = { (int)p->fd, POLLIN, 0 };
	p->ret = poll(&pf, 1, 5000);
	p->revents = pf.revents;
	p->end = now_ns(CLOCK_MONOTONIC);
	return NULL;
}

static void wake_blocked(long wait_fd, long write_fd)
{
	struct poller p = { wait_fd, -1, 0, 0 };
	struct timespec ts = { 0, 30 * (long)MS };
	pthread_t t;
	if (!EXPECT_EQ(pthread_create(&t, NULL, poller, &p), 0))
		return;
	nanosleep(&ts, NULL);                      /* usually it blocks meanwhile */
	u64 written = now_ns(CLOCK_MONOTONIC);
	touch_pages(write_fd, take(1), 1, 0);
	pthread_join(t, NULL);
	/* Readable (not the 5 s timeout), and not before the sample existed:
	 * whether it blocked first or came late, poll told the truth. */
	EXPECT_EQ(p.ret, 1);
	EXPECT_EQ(p.revents, POLLIN);
	EXPECT_GE(p.end, written);
}
static void body_blocked(long fd) { wake_blocked(fd, fd); }
static void t_blocked_poll_is_woken(void) { with_ring(pf_event(0, 1, 0), 1, body_blocked); }

/* A sample of a redirected event wakes pollers of the buffer's owner. */
static void t_set_output_wakes_owner(void)
{
	struct ring r;
	long a = pf_event(0, 1, 0), b = pf_event(0, 1, 0);
	if (!EXPECT_EQ(ring_map(&r, a, 1, 0), 0))
		return;
	EXPECT_EQ(perf_ioctl(b, PERF_EVENT_IOC_SET_OUTPUT, a), 0);
	wake_blocked(a, b);
	touch_pages(b, take(1), 1, 0);
	EXPECT_EQ(poll_now(b), POLLIN);        /* b polls the shared buffer too */
	ring_unmap(&r);
	perf_close(a);
	perf_close(b);
}

static void t_poll_two_fds(void)
{
	struct ring ra, rb;
	long a = pf_event(0, 1, 0), b = pf_event(0, 1, 0);
	if (!EXPECT_EQ(ring_map(&ra, a, 1, 0), 0) || !EXPECT_EQ(ring_map(&rb, b, 1, 0), 0))
		return;
	touch_pages(b, take(1), 1, 0);
	struct pollfd p[2] = { { (int)a, POLLIN, 0 }, { (int)b, POLLIN, 0 } };
	EXPECT_EQ(poll(p, 2, 1000), 1);
	EXPECT_EQ(p[0].revents, 0);
	EXPECT_EQ(p[1].revents, POLLIN);
	ring_unmap(&ra);
	ring_unmap(&rb);
	perf_close(a);
	perf_close(b);
}

static volatile long worker_tid;
static volatile int go;
static void *worker(void *x)
{
	(void)x;
	worker_tid = RSYS(SYS_gettid);
	while (!go)
		sched_yield();
	*(volatile u8 *)take(1) = 1;
	return NULL;
}

static void t_exited_target_pollhup(void)
{
	struct ring r;
	pthread_t t;
	go = 0;
	worker_tid = 0;
	if (!EXPECT_EQ(pthread_create(&t, NULL, worker, NULL), 0))
		return;
	while (!worker_tid)
		sched_yield();
	long fd = pf_event(worker_tid, 1, 0);
	EXPECT_EQ(ring_map(&r, fd, 1, 0), 0);
	go = 1;
	pthread_join(t, NULL);
	struct pollfd p = { (int)fd, POLLIN, 0 };
	EXPECT_EQ(poll(&p, 1, 1000), 1);
	EXPECT_EQ(p.revents, POLLHUP);
	EXPECT_GE(ring_pending(&r), 40);       /* its sample is there to read */
	ring_unmap(&r);
	perf_close(fd);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_poll_times_out_without_data),
	KTAP_CASE(t_wakeup_events_5),
	KTAP_CASE(t_pollin_once_per_wakeup),
	KTAP_CASE(t_watermark_400_bytes),
	KTAP_CASE(t_wakeup_events_0_only_half_buffer),
	KTAP_CASE(t_large_wakeup_events_half_buffer),
	KTAP_CASE(t_blocked_poll_is_woken),
	KTAP_CASE(t_set_output_wakes_owner),
	KTAP_CASE(t_poll_two_fds),
	KTAP_CASE(t_exited_target_pollhup),
};

int main(void)
{
	pages = fresh_pages(512);
	if (!pages)
		return 1;
	touch_pages(-1, pages, 0, 0);
	return ktap_run(cases, KTAP_COUNT(cases));
}
