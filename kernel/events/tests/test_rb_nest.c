/* Deterministic nesting. Built with -DRB_TEST_HOOKS, the core calls hook()
 * at every step of begin, copy and end (enum perf_rb_step). For every
 * k-th step of an outer record a nested writer (the interrupt) writes its
 * own record right there; and for every step of that nested record a
 * third writer (the NMI inside the interrupt) does the same. After each
 * run, and at every step in between:
 *   - data_head never moved back (against the writing direction);
 *   - after the outermost end, data_head == head and nest == 0;
 *   - every record is there exactly once and intact, and LOST records add
 *     up to what was pending;
 *   - a wakeup owed by any writer was delivered (the last callback saw
 *     the final wakeup position), always by a writer at nest level 0.
 * Modes: forward/backward x normal/overwrite x LOST pending or not x
 * starting at 0 or 16 bytes before the end of the buffer (so records and
 * the LOST record straddle it). */
#include <stdio.h>
#include "rb_test_util.h"
#include "ktest_host.h"

#define DEPTHS 3
static const u16 rec_size[DEPTHS] = { 56, 40, 32 };

static struct test_rb B;
static bool backward;
static int depth;                /* writer running now: 0 outer, 1, 2 */
static int inject_at[DEPTHS];    /* inject depth+1 at this hook call of depth */
static int calls[DEPTHS];        /* hook calls seen per depth */
static bool written[DEPTHS];
static u64 last_head;
static long head_backwards;      /* data_head moved back */
static long wakeup_bad;          /* callback while nested */
static unsigned long wakeup_seen;/* rb->wakeup at the last callback */
static long wakeups;

static u64 word(int id, int i) { return ((u64)(id + 1) << 48) | ((u64)i << 8) | 0x5a; }

static void observe_head(void)
{
	u64 h = B.up->data_head;
	s64 moved = backward ? (s64)(last_head - h) : (s64)(h - last_head);

	if (moved < 0)
		head_backwards++;
	last_head = h;
}

static void write_record(int id)
{
	u64 buf[16];
	struct perf_event_header *hdr = (void *)buf;
	static const struct perf_output_ctx cx[DEPTHS] = {
		{ .id = 1, .wakeup_events = 1 }, { .id = 2 }, { .id = 3, .wakeup_events = 1 },
	};
	unsigned int n = (rec_size[id] - 8) / 8;

	hdr->type = PERF_RECORD_SAMPLE;
	hdr->misc = (u16)id;
	hdr->size = rec_size[id];
	for (unsigned int i = 0; i < n; i++)
		buf[1 + i] = word(id, i);
	if (id == 0) {
		/* The outer record in pieces, so there are steps between them. */
		struct perf_output_handle h;
		if (perf_output_begin(&h, &B.rb, &cx[0], rec_size[0]))
			return;
		perf_output_copy(&h, buf, 8);
		perf_output_copy(&h, buf + 1, 16);
		perf_output_copy(&h, buf + 3, rec_size[0] - 24);
		perf_output_end(&h);
	} else if (perf_output(&B.rb, &cx[id], buf, rec_size[id])) {
		return;
	}
	written[id] = true;
}

static void hook(struct perf_buffer *rb, int step)
{
	int d = depth;

	observe_head();
	if (calls[d]++ == inject_at[d] && d + 1 < DEPTHS) {
		depth = d + 1;
		write_record(d + 1);
		depth = d;
		observe_head();
	}
}

static void nest_wakeup(struct perf_buffer *rb, void *arg)
{
	if (rb->nest != 0)
		wakeup_bad++;
	wakeup_seen = local_read(&rb->wakeup);
	wakeups++;
}

struct mode {
	bool backward, overwrite, lost;
	bool at_end;
};

/* One run; returns false (with diagnostics) on any violation. */
static bool run_once(struct ktest *t, const struct mode *m, int k0, int k1)
{
	unsigned long size = trb_size(&B);
	unsigned long start = m->at_end ? (m->backward ? 16 : size - 16) : 0;
	struct perf_reader r;
	const struct perf_event_header *h;
	int seen[DEPTHS] = { 0 };
	u64 lost = 0, bytes = 0;
	bool ok = true;

	rb_test_hook_fn = NULL;
	perf_buffer_reset(&B.rb, start);
	memset(B.data, 0, size);
	if (m->lost) {
		perf_buffer_set_paused(&B.rb, true);
		write_record(1);
		perf_buffer_set_paused(&B.rb, false);
	}
	memset(calls, 0, sizeof(calls));
	memset(written, 0, sizeof(written));
	inject_at[0] = k0;
	inject_at[1] = k1;
	inject_at[2] = -1;
	depth = 0;
	last_head = start;
	head_backwards = wakeup_bad = wakeups = 0;
	wakeup_seen = local_read(&B.rb.wakeup);
	rb_test_hook_fn = hook;
	write_record(0);
	rb_test_hook_fn = NULL;
	observe_head();

	ok &= KT_EXPECT_EQ(t, head_backwards, 0);
	ok &= KT_EXPECT_EQ(t, B.up->data_head, perf_buffer_head(&B.rb));
	ok &= KT_EXPECT_EQ(t, B.rb.nest, 0);
	ok &= KT_EXPECT_EQ(t, wakeup_bad, 0);
	ok &= KT_EXPECT_GT(t, wakeups, 0);
	ok &= KT_EXPECT_EQ(t, wakeup_seen, local_read(&B.rb.wakeup));

	perf_reader_init(&r, B.up, B.data, size, m->backward ? PERF_READER_BACKWARD : 0, NULL, 0);
	static u8 scratch[256];
	r.scratch = scratch;
	r.scratch_size = sizeof(scratch);
	perf_reader_begin(&r);
	while ((h = perf_reader_next(&r))) {
		bytes += h->size;
		if (h->type == PERF_RECORD_LOST) {
			lost += ((const u64 *)h)[2];
			continue;
		}
		int id = h->misc;
		const u64 *w = (const u64 *)(h + 1);
		bool intact = h->type == PERF_RECORD_SAMPLE && id < DEPTHS && h->size == rec_size[id];
		for (unsigned int i = 0; intact && i < (h->size - 8u) / 8; i++)
			intact = w[i] == word(id, i);
		ok &= KT_EXPECT(t, intact);
		if (intact)
			seen[id]++;
	}
	ok &= KT_EXPECT_EQ(t, r.error, PERF_READER_OK);
	ok &= KT_EXPECT_EQ(t, bytes, m->backward ? start - B.up->data_head : B.up->data_head - start);
	for (int d = 0; d < DEPTHS; d++)
		ok &= KT_EXPECT_EQ(t, seen[d], written[d] ? 1 : 0);
	ok &= KT_EXPECT(t, written[0]);
	ok &= KT_EXPECT_EQ(t, lost, m->lost ? 1 : 0);
	ok &= KT_EXPECT_EQ(t, perf_buffer_lost_pending(&B.rb), 0);
	if (!ok)
		ktest_diag(t, "mode bwd=%d ovw=%d lost=%d end=%d, inject at %d/%d", m->backward,
			   m->overwrite, m->lost, m->at_end, k0, k1);
	return ok;
}

static void run_mode(struct ktest *t, const struct mode *m)
{
	long runs = 0, nested = 0, twice = 0;

	backward = m->backward;
	KT_ASSERT_EQ(t, trb_init(&B, 2, m->overwrite, m->backward, 8), 0);
	B.rb.wakeup_fn = nest_wakeup;

	/* Dry run: how many steps has the outer record? */
	KT_ASSERT(t, run_once(t, m, -1, -1));
	int n0 = calls[0];
	KT_ASSERT_GE(t, n0, 10);
	for (int k0 = 0; k0 < n0; k0++) {
		KT_ASSERT(t, run_once(t, m, k0, -1));
		runs++;
		nested += written[1];
		int n1 = calls[1];
		for (int k1 = 0; k1 < n1; k1++) {
			KT_ASSERT(t, run_once(t, m, k0, k1));
			runs++;
			twice += written[2];
		}
	}
	/* Every injection actually wrote its record. */
	KT_EXPECT_EQ(t, nested, n0);
	KT_EXPECT_EQ(t, twice, runs - n0);
	ktest_diag(t, "bwd=%d ovw=%d lost=%d end=%d: %d outer steps, %ld runs", m->backward,
		   m->overwrite, m->lost, m->at_end, n0, runs);
	trb_free(&B);
}

static void test_nest_forward(struct ktest *t)
{
	for (int i = 0; i < 8; i++) {
		struct mode m = { false, i & 1, (i >> 1) & 1, (i >> 2) & 1 };
		run_mode(t, &m);
	}
}

static void test_nest_backward(struct ktest *t)
{
	for (int i = 0; i < 8; i++) {
		struct mode m = { true, i & 1, (i >> 1) & 1, (i >> 2) & 1 };
		run_mode(t, &m);
	}
}

/* A writer interrupted between reading head and its cmpxchg must retry
 * from the nested writer's head, not overwrite that record. */
static void test_nest_reserve_retry(struct ktest *t)
{
	struct mode m = { false, false, false, false };

	backward = false;
	KT_ASSERT_EQ(t, trb_init(&B, 2, false, false, 8), 0);
	B.rb.wakeup_fn = nest_wakeup;
	KT_ASSERT(t, run_once(t, &m, -1, -1));
	/* Calls: 0 BEGIN_NESTED, 1 BEGIN_RESERVE. Inject at the latter. */
	KT_ASSERT(t, run_once(t, &m, 1, -1));
	KT_EXPECT(t, written[1]);
	/* The nested record went first; the outer one follows it. */
	const struct perf_event_header *h = (void *)B.data;
	KT_EXPECT_EQ(t, h->misc, 1);
	h = (void *)(B.data + rec_size[1]);
	KT_EXPECT_EQ(t, h->misc, 0);
	KT_EXPECT_EQ(t, B.up->data_head, rec_size[0] + rec_size[1]);
	trb_free(&B);
}

static const struct ktest_case nest_cases[] = {
	KTEST_CASE(test_nest_forward),
	KTEST_CASE(test_nest_backward),
	KTEST_CASE(test_nest_reserve_retry),
	{ 0 },
};
KTEST_HOST_SUITE(nest_suite, "rb_nest", nest_cases);
KTEST_HOST_MAIN(&nest_suite);
