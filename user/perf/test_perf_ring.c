/* test_perf_ring: the ring buffer as user space sees it through the
 * mapping: loss, LOST records, pause, straddling records, overwrite in
 * both directions, SET_OUTPUT, and the user page.
 *
 * The writer is a page-fault event with 40-byte samples (IP, TID, ADDR,
 * ID) on fresh pages, so every head value is exact. Numbers below were
 * observed on Linux 6.18: a 1-page ring holds 102 such records (one byte
 * always stays free), so 500 faults lose 398; the LOST record is written at
 * the next successful reservation, before that sample; paused output moves
 * nothing but counts lost; a mapping with no data pages drops silently
 * (lost stays 0); backward rings count data_head down from 0.
 */
#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#include "ktap.h"
#include "perf_test.h"

#define ST (PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_ADDR | PERF_SAMPLE_ID)
#define RECSZ 40
#define FIT1 102   /* 40-byte records in a 1-page ring */

static long pf_event(int backward, u64 read_format)
{
	struct perf_event_attr a;
	attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS);
	a.sample_period = 1;
	a.sample_type = ST;
	a.read_format = read_format;
	a.write_backward = backward;
	a.disabled = 1;
	return perf_open(&a, 0, -1, -1, 0);
}

static u64 lost_of(long fd)   /* read_format LOST only */
{
	u64 v[2] = { 0, ~0ULL };
	perf_read(fd, v, 2);
	return v[1];
}

struct seen {
	int n, samples, lost_recs, straddled, bad;
	u64 lost, addr[1024], id[1024];
	u32 type[1024];
	struct ring *r;
};
static int see(const struct perf_event_header *h, void *arg)
{
	struct seen *s = arg;
	struct sample smp;
	if (s->n < 1024)
		s->type[s->n] = h->type;
	if ((const u8 *)h == s->r->scratch)
		s->straddled++;
	if (h->type == PERF_RECORD_LOST) {
		const u64 *q = (const u64 *)(h + 1);
		s->lost_recs++;
		s->lost += q[1];
		if (s->n < 1024)
			s->id[s->n] = q[0];
		s->bad += h->size != 24;
	} else if (h->type == PERF_RECORD_SAMPLE) {
		s->bad += parse_sample(h, ST, 0, &smp) != 0;
		if (s->n < 1024) {
			s->addr[s->n] = smp.addr;
			s->id[s->n] = smp.id;
		}
		s->samples++;
	} else {
		s->bad++;
	}
	s->n++;
	return 0;
}
static struct seen pass(struct ring *r)
{
	struct seen s;
	memset(&s, 0, sizeof(s));
	s.r = r;
	if (ring_pass(r, see, &s) < 0)
		s.bad++;
	return s;
}

static u8 *pages;          /* 2048 fresh pages, used front to back */
static size_t next_page;
static u8 *take(size_t n)
{
	u8 *p = pages + next_page * PG;
	next_page += n;
	return p;
}

static void t_full_buffer_drops_then_lost_record(void)
{
	struct ring r;
	long fd = pf_event(0, PERF_FORMAT_LOST);
	u8 *p = take(501);
	if (!EXPECT_EQ(ring_map(&r, fd, 1, 0), 0))
		return;
	touch_pages(fd, p, 500, 0);
	EXPECT_EQ(r.up->data_head, FIT1 * RECSZ);
	EXPECT_EQ(r.up->data_tail, 0);
	EXPECT_EQ(perf_count(fd), 500);
	EXPECT_EQ(lost_of(fd), 500 - FIT1);
	struct seen s = pass(&r);                   /* the oldest 102 survive */
	EXPECT_EQ(s.n, FIT1);
	EXPECT_EQ(s.bad, 0);
	for (int i = 0; i < s.n; i++)
		EXPECT_EQ_HEX(s.addr[i], (u64)(p + i * PG));
	touch_pages(fd, p + 500 * PG, 1, 0);        /* caught up: LOST, then the sample */
	s = pass(&r);
	EXPECT_EQ(s.n, 2);
	EXPECT_EQ(s.type[0], PERF_RECORD_LOST);
	EXPECT_EQ_HEX(s.id[0], perf_id(fd));
	EXPECT_EQ(s.lost, 500 - FIT1);
	EXPECT_EQ(s.straddled, 1);                  /* LOST at 4080: runs off the end */
	EXPECT_EQ(s.type[1], PERF_RECORD_SAMPLE);
	EXPECT_EQ_HEX(s.addr[1], (u64)(p + 500 * PG));
	EXPECT_EQ(r.up->data_head, FIT1 * RECSZ + 24 + RECSZ);
	EXPECT_EQ(lost_of(fd), 500 - FIT1);         /* read() keeps the total */
	ring_unmap(&r);
	perf_close(fd);
}

static void t_pause_resume(void)
{
	struct ring r;
	long fd = pf_event(0, PERF_FORMAT_LOST);
	u8 *p = take(13);
	if (!EXPECT_EQ(ring_map(&r, fd, 2, 0), 0))
		return;
	touch_pages(fd, p, 2, 0);
	EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_PAUSE_OUTPUT, 1), 0);
	touch_pages(fd, p + 2 * PG, 10, 0);
	EXPECT_EQ(r.up->data_head, 2 * RECSZ);
	EXPECT_EQ(lost_of(fd), 10);
	EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_PAUSE_OUTPUT, 0), 0);
	touch_pages(fd, p + 12 * PG, 1, 0);
	struct seen s = pass(&r);
	EXPECT_EQ(s.bad, 0);
	if (EXPECT_EQ(s.n, 4)) {
		EXPECT_EQ(s.type[2], PERF_RECORD_LOST);
		EXPECT_EQ(s.lost, 10);
		EXPECT_EQ_HEX(s.addr[3], (u64)(p + 12 * PG));
	}
	ring_unmap(&r);
	perf_close(fd);
}

/* Consume in uneven batches so records land across the end. */
static void t_records_straddle_end(void)
{
	struct ring r;
	long fd = pf_event(0, 0);
	u8 *p = take(300);
	int got = 0, straddled = 0, bad = 0;
	if (!EXPECT_EQ(ring_map(&r, fd, 1, 0), 0))
		return;
	for (int done = 0; done < 300; done += 7) {
		int n = 300 - done < 7 ? 300 - done : 7;
		touch_pages(fd, p + done * PG, n, 0);
		struct seen s = pass(&r);
		for (int i = 0; i < s.n; i++)
			bad += s.addr[i] != (u64)(p + (got + i) * PG);
		got += s.n;
		straddled += s.straddled;
		bad += s.bad;
	}
	EXPECT_EQ(got, 300);
	EXPECT_EQ(bad, 0);
	EXPECT_GE(straddled, 1);
	EXPECT_EQ(r.up->data_tail, 300 * RECSZ);
	ring_unmap(&r);
	perf_close(fd);
}

/* Read-only mapping: data_tail is ignored, the newest records survive. */
static void t_forward_overwrite_keeps_newest(void)
{
	struct ring r;
	long fd = pf_event(0, PERF_FORMAT_LOST);
	u8 *p = take(300);
	if (!EXPECT_EQ(ring_map(&r, fd, 1, RING_OVERWRITE), 0))
		return;
	touch_pages(fd, p, 300, 0);
	EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_PAUSE_OUTPUT, 1), 0);
	u64 head = r.up->data_head;
	EXPECT_EQ(head, 300 * RECSZ);
	EXPECT_EQ(r.up->data_tail, 0);
	EXPECT_EQ(lost_of(fd), 0);
	/* Fixed-size records: the newest k end at head, k*40 apart. */
	for (int k = 1; k <= FIT1; k++) {
		const struct perf_event_header *h = (const void *)(r.data + ((head - k * RECSZ) & (r.data_size - 1)));
		struct sample s;
		if (!EXPECT_EQ(h->type, PERF_RECORD_SAMPLE) || !EXPECT_EQ(parse_sample(h, ST, 0, &s), 0))
			break;
		EXPECT_EQ_HEX(s.addr, (u64)(p + (300 - k) * PG));
	}
	ring_unmap(&r);
	perf_close(fd);
}

static void t_backward_overwrite_keeps_newest(void)
{
	struct ring r;
	long fd = pf_event(1, PERF_FORMAT_LOST);
	u8 *p = take(300);
	if (!EXPECT_EQ(ring_map(&r, fd, 1, RING_BACKWARD | RING_OVERWRITE), 0))
		return;
	touch_pages(fd, p, 300, 0);
	EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_PAUSE_OUTPUT, 1), 0);
	EXPECT_EQ((s64)r.up->data_head, -300 * RECSZ);
	EXPECT_EQ(lost_of(fd), 0);
	struct seen s = pass(&r);                   /* newest first */
	EXPECT_EQ(s.bad, 0);
	EXPECT_EQ(s.n, FIT1);
	for (int i = 0; i < s.n; i++)
		EXPECT_EQ_HEX(s.addr[i], (u64)(p + (299 - i) * PG));
	ring_unmap(&r);
	perf_close(fd);
}

/* Backward with a writable mapping still honours data_tail. */
static void t_backward_normal_mode_respects_tail(void)
{
	struct ring r;
	long fd = pf_event(1, PERF_FORMAT_LOST);
	u8 *p = take(301);
	if (!EXPECT_EQ(ring_map(&r, fd, 1, RING_BACKWARD), 0))
		return;
	touch_pages(fd, p, 300, 0);
	EXPECT_EQ((s64)r.up->data_head, -FIT1 * RECSZ);
	EXPECT_EQ(lost_of(fd), 300 - FIT1);
	struct seen s = pass(&r);
	EXPECT_EQ(s.n, FIT1);
	EXPECT_EQ_HEX(s.addr[0], (u64)(p + (FIT1 - 1) * PG));
	EXPECT_EQ((s64)r.up->data_tail, -FIT1 * RECSZ);
	touch_pages(fd, p + 300 * PG, 1, 0);
	s = pass(&r);                               /* LOST sits below the sample */
	if (EXPECT_EQ(s.n, 2)) {
		EXPECT_EQ(s.type[0], PERF_RECORD_LOST);
		EXPECT_EQ(s.lost, 300 - FIT1);
		EXPECT_EQ_HEX(s.addr[1], (u64)(p + 300 * PG));
	}
	ring_unmap(&r);
	perf_close(fd);
}

static void t_user_page_only_drops_silently(void)
{
	struct ring r;
	long fd = pf_event(0, PERF_FORMAT_LOST);
	u8 *p = take(10);
	if (!EXPECT_EQ(ring_map(&r, fd, 0, 0), 0))
		return;
	EXPECT_EQ(r.up->data_size, 0);
	touch_pages(fd, p, 10, 0);
	EXPECT_EQ(r.up->data_head, 0);
	EXPECT_EQ(perf_count(fd), 10);
	EXPECT_EQ(lost_of(fd), 0);
	ring_unmap(&r);
	perf_close(fd);
}

static void t_set_output_redirects(void)
{
	struct ring r;
	long a = pf_event(0, 0), b = pf_event(0, 0);
	u8 *p = take(6);
	if (!EXPECT_EQ(ring_map(&r, a, 4, 0), 0))
		return;
	EXPECT_EQ(perf_ioctl(b, PERF_EVENT_IOC_SET_OUTPUT, a), 0);
	touch_pages(a, p, 2, 0);
	touch_pages(b, p + 2 * PG, 3, 0);
	touch_pages(a, p + 5 * PG, 1, 0);
	struct seen s = pass(&r);
	u64 ida = perf_id(a), idb = perf_id(b);
	if (EXPECT_EQ(s.n, 6))
		for (int i = 0; i < 6; i++) {
			EXPECT_EQ_HEX(s.addr[i], (u64)(p + i * PG));
			EXPECT_EQ_HEX(s.id[i], i >= 2 && i < 5 ? idb : ida);
		}
	EXPECT_EQ(perf_count(b), 3);
	/* b cannot be mapped itself while redirected: EBUSY same size, else EINVAL */
	long map_b_same_size = RSYS(SYS_mmap, 0, 5 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, b, 0);
	long map_b_other_size = RSYS(SYS_mmap, 0, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, b, 0);
	EXPECT_ERRNO(map_b_same_size, EBUSY);
	EXPECT_ERRNO(map_b_other_size, EINVAL);
	/* The buffer outlives a's fd: b keeps writing into it. */
	perf_close(a);
	u8 *q = take(2);
	touch_pages(b, q, 2, 0);
	s = pass(&r);
	if (EXPECT_EQ(s.n, 2))
		EXPECT_EQ_HEX(s.addr[1], (u64)(q + PG));
	long detach = perf_ioctl(b, PERF_EVENT_IOC_SET_OUTPUT, -1);
	EXPECT_EQ(detach, 0);
	touch_pages(b, take(1), 1, 0);
	EXPECT_EQ(pass(&r).n, 0);                   /* detached: nothing arrives */
	ring_unmap(&r);
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
	return NULL;
}

/* Linux's rules for sharing a buffer (perf_event_set_output). */
static void t_set_output_rules(void)
{
	struct perf_event_attr at;
	struct ring r;
	pthread_t t;
	long out = pf_event(0, 0), ev;
	if (!EXPECT_EQ(ring_map(&r, out, 1, 0), 0))
		return;
	long ret;
	ev = pf_event(1, 0);
	ret = perf_ioctl(ev, PERF_EVENT_IOC_SET_OUTPUT, out);
	if (ret != -EINVAL)
		KTAP_FAIL("backward into forward: %ld, expected -EINVAL", ret);
	perf_close(ev);
	attr_init(&at, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS);
	ev = perf_open(&at, 0, 0, -1, 0);
	ret = perf_ioctl(ev, PERF_EVENT_IOC_SET_OUTPUT, out);
	if (ret != -EINVAL)
		KTAP_FAIL("cpu 0 into any-cpu: %ld, expected -EINVAL", ret);
	perf_close(ev);
	ev = perf_open(&at, -1, 0, -1, 0);
	ret = perf_ioctl(ev, PERF_EVENT_IOC_SET_OUTPUT, out);
	if (ret != -EINVAL)
		KTAP_FAIL("CPU-wide into per-task: %ld, expected -EINVAL", ret);
	perf_close(ev);
	go = 0;
	worker_tid = 0;
	if (EXPECT_EQ(pthread_create(&t, NULL, worker, NULL), 0)) {
		while (!worker_tid)
			sched_yield();
		ev = perf_open(&at, worker_tid, -1, -1, 0);
		ret = perf_ioctl(ev, PERF_EVENT_IOC_SET_OUTPUT, out);
		if (ret != -EINVAL)
			KTAP_FAIL("another task into ours: %ld, expected -EINVAL", ret);
		perf_close(ev);
		go = 1;
		pthread_join(t, NULL);
	}
	at.type = PERF_TYPE_SOFTWARE;
	at.config = PERF_COUNT_SW_CPU_CLOCK;        /* other event type, same task: fine */
	at.sample_period = 100000;
	at.sample_type = PERF_SAMPLE_IP;
	ev = perf_open(&at, 0, -1, -1, 0);
	ret = perf_ioctl(ev, PERF_EVENT_IOC_SET_OUTPUT, out);
	if (ret != 0)
		KTAP_FAIL("cpu-clock into page-faults, same task: %ld, expected 0", ret);
	long out_is_mapped = perf_ioctl(out, PERF_EVENT_IOC_SET_OUTPUT, ev);
	EXPECT_ERRNO(out_is_mapped, EINVAL);
	perf_close(ev);
	ring_unmap(&r);
	perf_close(out);
}

/* What Linux fills in at mmap for a software event. */
static void t_user_page_fields(void)
{
	struct ring r;
	long fd = pf_event(0, 0);
	if (!EXPECT_EQ(ring_map(&r, fd, 4, 0), 0))
		return;
	struct perf_event_mmap_page *up = r.up;
	EXPECT_EQ(up->version, 0);
	EXPECT_EQ(up->compat_version, 0);
	EXPECT_EQ(up->cap_bit0, 0);
	EXPECT_EQ(up->cap_bit0_is_deprecated, 1);
	EXPECT_EQ(up->cap_user_rdpmc, 0);
	EXPECT_EQ(up->index, 0);                    /* no counter to rdpmc */
	EXPECT_EQ(up->pmc_width, 0);
	EXPECT_EQ(up->size, 96);                    /* offsetof(__reserved) */
	EXPECT_EQ(up->lock % 2, 0);
	EXPECT_EQ(up->data_offset, PG);
	EXPECT_EQ(up->data_size, 4 * PG);
	EXPECT_EQ(up->data_head, 0);
	EXPECT_EQ(up->data_tail, 0);
	EXPECT_EQ(up->aux_size, 0);
	ring_unmap(&r);
	perf_close(fd);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_full_buffer_drops_then_lost_record),
	KTAP_CASE(t_pause_resume),
	KTAP_CASE(t_records_straddle_end),
	KTAP_CASE(t_forward_overwrite_keeps_newest),
	KTAP_CASE(t_backward_overwrite_keeps_newest),
	KTAP_CASE(t_backward_normal_mode_respects_tail),
	KTAP_CASE(t_user_page_only_drops_silently),
	KTAP_CASE(t_set_output_redirects),
	KTAP_CASE(t_set_output_rules),
	KTAP_CASE(t_user_page_fields),
};

int main(void)
{
	pages = fresh_pages(2048);
	if (!pages) {
		ktap_plan(0);
		ktap_diag("cannot map the workload pages");
		return 1;
	}
	touch_pages(-1, pages, 0, 0);
	return ktap_run(cases, KTAP_COUNT(cases));
}
