/* The ring buffer core on one thread: positions, capacity, LOST records,
 * pause, wakeups and hostile data_tail values, each checked against the
 * numbers Linux produces (../shared/reference/perf-ring-buffer.md). */
#include <stdio.h>
#include "rb_test_util.h"
#include "../ring_buffer_inline.h"
#include "ktest_host.h"

static const struct perf_output_ctx ctx = { .id = 0x1d };
static u8 scratch[65536];

/* A 1-page ring of 40-byte records holds 102 of them (one byte is kept
 * free); the other 398 of 500 are counted lost. */
static void test_forward_capacity(struct ktest *t)
{
	struct test_rb b;
	int ok = 0, fail = 0;

	KT_ASSERT_EQ(t, trb_init(&b, 1, false, false, 0), 0);
	for (int i = 0; i < 500; i++) {
		if (trb_put(&b, &ctx, 40, i) == 0)
			ok++;
		else
			fail++;
	}
	KT_EXPECT_EQ(t, ok, 102);
	KT_EXPECT_EQ(t, fail, 398);
	KT_EXPECT_EQ(t, b.up->data_head, 102 * 40);
	KT_EXPECT_EQ(t, perf_buffer_head(&b.rb), 102 * 40);
	KT_EXPECT_EQ(t, perf_buffer_lost_total(&b.rb), 398);
	KT_EXPECT_EQ(t, perf_buffer_lost_pending(&b.rb), 398);

	struct perf_reader r;
	const struct perf_event_header *h;
	int n = 0;
	perf_reader_init(&r, b.up, b.data, trb_size(&b), 0, scratch, sizeof(scratch));
	KT_EXPECT_EQ(t, perf_reader_begin(&r), 4080);
	while ((h = perf_reader_next(&r))) {
		KT_EXPECT(t, trb_check(h, PERF_RECORD_SAMPLE, 40, n));
		n++;
	}
	KT_EXPECT_EQ(t, r.error, PERF_READER_OK);
	KT_EXPECT_EQ(t, n, 102);
	trb_free(&b);
}

/* Backward: head after N records is -(N*40); the reader gets the newest
 * records first and at most one buffer's worth. */
static void test_backward_positions(struct ktest *t)
{
	static const int counts[] = { 1, 102, 111, 300 };

	for (unsigned int c = 0; c < ARRAY_SIZE(counts); c++) {
		int n = counts[c];
		struct test_rb b;
		KT_ASSERT_EQ(t, trb_init(&b, 1, true, true, 0), 0);
		for (int i = 0; i < n; i++)
			KT_ASSERT_EQ(t, trb_put(&b, &ctx, 40, i), 0);
		KT_EXPECT_EQ(t, b.up->data_head, (u64)-(s64)(n * 40));
		KT_EXPECT_EQ(t, perf_buffer_lost_total(&b.rb), 0);

		struct perf_reader r;
		const struct perf_event_header *h;
		int got = 0;
		perf_reader_init(&r, b.up, b.data, trb_size(&b),
				 PERF_READER_BACKWARD | PERF_READER_OVERWRITE, scratch, sizeof(scratch));
		perf_reader_begin(&r);
		KT_EXPECT_EQ(t, r.overrun, n * 40 > 4096);
		while ((h = perf_reader_next(&r))) {
			KT_EXPECT(t, trb_check(h, PERF_RECORD_SAMPLE, 40, n - 1 - got));
			got++;
		}
		KT_EXPECT_EQ(t, r.error, PERF_READER_OK);
		KT_EXPECT_EQ(t, got, n < 102 ? n : 102);
		trb_free(&b);
	}

	/* Backward normal mode keeps one byte free too. */
	struct test_rb b;
	int ok = 0;
	KT_ASSERT_EQ(t, trb_init(&b, 1, false, true, 0), 0);
	for (int i = 0; i < 200; i++)
		ok += trb_put(&b, &ctx, 40, i) == 0;
	KT_EXPECT_EQ(t, ok, 102);
	KT_EXPECT_EQ(t, b.up->data_head, (u64)-4080);
	trb_free(&b);
}

/* Forward overwrite never stops: head runs past the buffer size and the
 * newest record ends at head. */
static void test_forward_overwrite(struct ktest *t)
{
	struct test_rb b;

	KT_ASSERT_EQ(t, trb_init(&b, 1, true, false, 0), 0);
	b.up->data_tail = 40;   /* ignored in overwrite mode */
	for (int i = 0; i < 300; i++)
		KT_ASSERT_EQ(t, trb_put(&b, &ctx, 40, i), 0);
	KT_EXPECT_EQ(t, b.up->data_head, 12000);
	KT_EXPECT_EQ(t, perf_buffer_lost_total(&b.rb), 0);
	const struct perf_event_header *h = (void *)(b.data + ((12000 - 40) & 4095));
	KT_EXPECT(t, trb_check(h, PERF_RECORD_SAMPLE, 40, 299));

	/* A reader that fell a buffer behind is told so and resynchronised. */
	struct perf_reader r;
	perf_reader_init(&r, b.up, b.data, 4096, PERF_READER_OVERWRITE, scratch, sizeof(scratch));
	r.prev = 0;
	perf_reader_begin(&r);
	KT_EXPECT(t, r.overrun);
	KT_EXPECT(t, perf_reader_next(&r) == NULL);
	KT_ASSERT_EQ(t, trb_put(&b, &ctx, 40, 300), 0);
	perf_reader_begin(&r);
	KT_EXPECT(t, !r.overrun);
	h = perf_reader_next(&r);
	KT_EXPECT(t, h && trb_check(h, PERF_RECORD_SAMPLE, 40, 300));
	trb_free(&b);
}

/* Linux's case: 500 records into a 1-page ring nobody reads; after the
 * reader consumes, the next record is preceded by LOST{id, 398}, which
 * starts at 4080 and so straddles the end of the buffer. */
static void test_lost_record(struct ktest *t)
{
	struct test_rb b;
	struct perf_reader r;
	const struct perf_event_header *h;
	u64 raw[3];

	KT_ASSERT_EQ(t, trb_init(&b, 1, false, false, 0), 0);
	for (int i = 0; i < 500; i++)
		trb_put(&b, &ctx, 40, i);
	perf_reader_init(&r, b.up, b.data, 4096, 0, scratch, sizeof(scratch));
	perf_reader_begin(&r);
	while (perf_reader_next(&r))
		;
	perf_reader_consume(&r);
	KT_EXPECT_EQ(t, b.up->data_tail, 4080);

	KT_ASSERT_EQ(t, trb_put(&b, &ctx, 40, 1000), 0);
	KT_EXPECT_EQ(t, b.up->data_head, 4080 + 24 + 40);
	KT_EXPECT_EQ(t, perf_buffer_lost_pending(&b.rb), 0);
	KT_EXPECT_EQ(t, perf_buffer_lost_total(&b.rb), 398);

	/* Raw bytes: 16 at the end of the page, 8 at its start. */
	memcpy(raw, b.data + 4080, 16);
	memcpy(&raw[2], b.data, 8);
	const struct perf_event_header *lh = (void *)raw;
	KT_EXPECT_EQ(t, lh->type, PERF_RECORD_LOST);
	KT_EXPECT_EQ(t, lh->misc, 0);
	KT_EXPECT_EQ(t, lh->size, 24);
	KT_EXPECT_EQ(t, raw[1], 0x1d);
	KT_EXPECT_EQ(t, raw[2], 398);

	/* The reader hands the straddling record over whole. */
	perf_reader_begin(&r);
	h = perf_reader_next(&r);
	KT_ASSERT(t, h != NULL);
	KT_EXPECT(t, (const u8 *)h == scratch);
	KT_EXPECT_EQ(t, memcmp(h, raw, 24), 0);
	h = perf_reader_next(&r);
	KT_EXPECT(t, h && trb_check(h, PERF_RECORD_SAMPLE, 40, 1000));
	KT_EXPECT(t, perf_reader_next(&r) == NULL);
	trb_free(&b);
}

/* With sample_id_all the LOST record carries the caller's trailer, and a
 * per-event counter sees every loss. */
static void test_lost_record_sample_id(struct ktest *t)
{
	static const u64 sid[2] = { 0x1111222233334444ull, 0x5555666677778888ull };
	local_t lost_samples = LOCAL_INIT(0);
	struct perf_output_ctx c = { .id = 77, .sample_id = sid, .sample_id_size = 16,
				     .lost_samples = &lost_samples };
	struct test_rb b;

	KT_ASSERT_EQ(t, trb_init(&b, 1, false, false, 0), 0);
	perf_buffer_set_paused(&b.rb, true);
	for (int i = 0; i < 3; i++)
		KT_EXPECT_EQ(t, trb_put(&b, &c, 40, i), -ENOSPC);
	KT_EXPECT_EQ(t, local_read(&lost_samples), 3);
	perf_buffer_set_paused(&b.rb, false);
	KT_ASSERT_EQ(t, trb_put(&b, &c, 40, 9), 0);
	KT_EXPECT_EQ(t, b.up->data_head, 40 + 40);
	const u64 *w = (const u64 *)b.data;
	const struct perf_event_header *lh = (const void *)w;
	KT_EXPECT_EQ(t, lh->type, PERF_RECORD_LOST);
	KT_EXPECT_EQ(t, lh->size, 40);
	KT_EXPECT_EQ(t, w[1], 77);
	KT_EXPECT_EQ(t, w[2], 3);
	KT_EXPECT_EQ(t, w[3], sid[0]);
	KT_EXPECT_EQ(t, w[4], sid[1]);
	KT_EXPECT(t, trb_check((const void *)(b.data + 40), PERF_RECORD_SAMPLE, 40, 9));
	trb_free(&b);
}

/* PAUSE_OUTPUT: head stays, every output is lost, and the first record
 * after resuming is LOST(count). Without data pages nothing is counted
 * and resuming changes nothing (Linux keeps such a buffer paused). */
static void test_pause_resume(struct ktest *t)
{
	struct test_rb b;

	KT_ASSERT_EQ(t, trb_init(&b, 2, false, false, 0), 0);
	KT_ASSERT_EQ(t, trb_put(&b, &ctx, 40, 0), 0);
	perf_buffer_set_paused(&b.rb, true);
	for (int i = 0; i < 5; i++)
		KT_EXPECT_EQ(t, trb_put(&b, &ctx, 40, i), -ENOSPC);
	KT_EXPECT_EQ(t, b.up->data_head, 40);
	KT_EXPECT_EQ(t, perf_buffer_head(&b.rb), 40);
	KT_EXPECT_EQ(t, perf_buffer_lost_total(&b.rb), 5);
	perf_buffer_set_paused(&b.rb, false);
	KT_ASSERT_EQ(t, trb_put(&b, &ctx, 40, 6), 0);
	const u64 *w = (const u64 *)(b.data + 40);
	KT_EXPECT_EQ(t, ((const struct perf_event_header *)w)->type, PERF_RECORD_LOST);
	KT_EXPECT_EQ(t, w[2], 5);
	KT_EXPECT(t, trb_check((const void *)(b.data + 64), PERF_RECORD_SAMPLE, 40, 6));
	KT_EXPECT_EQ(t, b.up->data_head, 40 + 24 + 40);
	trb_free(&b);

	KT_ASSERT_EQ(t, trb_init(&b, 0, false, false, 0), 0);
	KT_EXPECT_EQ(t, b.up->data_size, 0);
	KT_EXPECT_EQ(t, trb_put(&b, &ctx, 40, 0), -ENOSPC);
	perf_buffer_set_paused(&b.rb, false);
	KT_EXPECT_EQ(t, trb_put(&b, &ctx, 40, 0), -ENOSPC);
	KT_EXPECT_EQ(t, perf_buffer_lost_total(&b.rb), 0);
	KT_EXPECT_EQ(t, perf_buffer_lost_pending(&b.rb), 0);
	KT_EXPECT_EQ(t, b.up->data_head, 0);
	trb_free(&b);
}

/* Watermark: a wakeup is owed when head passes the last wakeup point by
 * more than the watermark, which then moves by one watermark. */
static void test_wakeup_watermark(struct ktest *t)
{
	static const int expect[] = { 3, 6, 8, 11, 13, 16, 18 };
	struct test_rb b;
	unsigned int next = 0;

	KT_ASSERT_EQ(t, trb_init(&b, 1, false, false, 100), 0);
	for (int i = 1; i <= 19; i++) {
		KT_ASSERT_EQ(t, trb_put(&b, &ctx, 40, i), 0);
		if (next < ARRAY_SIZE(expect) && expect[next] == i)
			next++;
		if (!KT_EXPECT_EQ(t, b.wakeups, next))
			ktest_diag(t, "after record %d", i);
	}
	trb_free(&b);

	/* Default: half the buffer, so the 52nd record (2080 > 2048). */
	KT_ASSERT_EQ(t, trb_init(&b, 1, false, false, 0), 0);
	for (int i = 1; i <= 51; i++)
		trb_put(&b, &ctx, 40, i);
	KT_EXPECT_EQ(t, b.wakeups, 0);
	trb_put(&b, &ctx, 40, 52);
	KT_EXPECT_EQ(t, b.wakeups, 1);
	trb_free(&b);

	/* Backward buffers count bytes the same way. */
	KT_ASSERT_EQ(t, trb_init(&b, 1, true, true, 100), 0);
	for (int i = 1; i <= 8; i++)
		trb_put(&b, &ctx, 40, i);
	KT_EXPECT_EQ(t, b.wakeups, 3);
	trb_free(&b);
}

/* wakeup_events: every n-th sample owes a wakeup; other records don't count. */
static void test_wakeup_events(struct ktest *t)
{
	struct perf_output_ctx sample = { .id = 1, .wakeup_events = 3 };
	struct test_rb b;

	KT_ASSERT_EQ(t, trb_init(&b, 1, false, false, 4096), 0);
	for (int i = 1; i <= 10; i++) {
		KT_ASSERT_EQ(t, trb_put(&b, &sample, 40, i), 0);
		KT_EXPECT_EQ(t, b.wakeups, i / 3);
		KT_ASSERT_EQ(t, trb_put(&b, &ctx, 16, i), 0);  /* not a sample */
		KT_EXPECT_EQ(t, b.wakeups, i / 3);
	}
	trb_free(&b);

	sample.wakeup_events = 1;
	KT_ASSERT_EQ(t, trb_init(&b, 1, false, false, 4096), 0);
	for (int i = 1; i <= 5; i++)
		trb_put(&b, &sample, 40, i);
	KT_EXPECT_EQ(t, b.wakeups, 5);
	trb_free(&b);
}

static void test_init_config(struct ktest *t)
{
	struct perf_event_mmap_page up;
	void *pages[4] = { &up, &up, &up, NULL };
	struct perf_buffer rb;
	struct perf_buffer_config cfg = { .user_page = &up, .data_pages = pages, .nr_pages = 3 };

	memset(&up, 0, sizeof(up));
	KT_EXPECT_EQ(t, perf_buffer_init(&rb, &cfg), -EINVAL);
	cfg.nr_pages = 4;
	KT_EXPECT_EQ(t, perf_buffer_init(&rb, &cfg), -EINVAL);  /* NULL page */
	cfg.nr_pages = 2;
	cfg.user_page = NULL;
	KT_EXPECT_EQ(t, perf_buffer_init(&rb, &cfg), -EINVAL);
	cfg.user_page = &up;
	cfg.data_pages = NULL;
	KT_EXPECT_EQ(t, perf_buffer_init(&rb, &cfg), -EINVAL);
	cfg.data_pages = pages;
	cfg.watermark = 1 << 20;
	KT_EXPECT_EQ(t, perf_buffer_init(&rb, &cfg), 0);
	KT_EXPECT_EQ(t, rb.watermark, 8192);   /* clamped to the data size */
	KT_EXPECT_EQ(t, up.data_offset, 4096);
	KT_EXPECT_EQ(t, up.data_size, 8192);
	KT_EXPECT_EQ(t, up.size, 96);
	KT_EXPECT_EQ(t, up.cap_bit0_is_deprecated, 1);
	KT_EXPECT_EQ(t, up.cap_bit0, 0);
}

/* Copies stop at the reservation's end; skip leaves bytes untouched. */
static void test_copy_bounds(struct ktest *t)
{
	struct test_rb b;
	struct perf_output_handle h;
	u8 big[64];

	memset(big, 0xab, sizeof(big));
	KT_ASSERT_EQ(t, trb_init(&b, 1, false, false, 0), 0);
	memset(b.data, 0xcc, 64);
	KT_ASSERT_EQ(t, perf_output_begin(&h, &b.rb, &ctx, 24), 0);
	KT_EXPECT_EQ(t, perf_output_copy(&h, big, 8), 0);
	KT_EXPECT_EQ(t, perf_output_skip(&h, 8), 0);
	KT_EXPECT_EQ(t, perf_output_copy(&h, big, 40), 32);
	perf_output_end(&h);
	KT_EXPECT_EQ(t, b.data[0], 0xab);
	KT_EXPECT_EQ(t, b.data[8], 0xcc);     /* skipped */
	KT_EXPECT_EQ(t, b.data[16], 0xab);
	KT_EXPECT_EQ(t, b.data[24], 0xcc);    /* past the reservation */
	KT_EXPECT_EQ(t, b.up->data_head, 24);
	trb_free(&b);
}

/* The sample path's writer (rb_begin_fast): a record that crosses a page
 * end has no place in place without the double mapping (rb_record_at
 * NULL; rb_write_at copies it, wrapping at the buffer's end), has one with
 * it; either way the bytes land where the ring's positions say. Buffers it
 * does not take (paused, backward, a LOST record owed) return 1, changing
 * nothing. */
static void test_fast_writer(struct ktest *t)
{
	for (int twice = 0; twice < 2; twice++) {
		struct test_rb b;
		struct perf_output_handle h = { 0 };
		unsigned long off = 0;
		u8 rec[48];
		KT_ASSERT_EQ(t, trb_init_any(&b, 2, false, false, 0, twice), 0);
		for (unsigned i = 0; i < sizeof(rec); i++)
			rec[i] = (u8)(i + 1);
		/* Fill to 16 bytes below the first page's end, then one record
		 * across it; then to 16 below the buffer's end, one across. */
		const unsigned long starts[] = { 4096 - 16, 8192 - 16 };
		for (int k = 0; k < 2; k++) {
			unsigned long pos = perf_buffer_head(&b.rb);
			WRITE_ONCE(b.up->data_tail, pos);      /* all read */
			KT_ASSERT_EQ(t, rb_begin_fast(&h, &b.rb, NULL, 0, starts[k] - pos, &off), 0);
			KT_EXPECT_EQ(t, off, pos);
			rb_end_fast(&h);
			KT_ASSERT_EQ(t, rb_begin_fast(&h, &b.rb, NULL, 0, sizeof(rec), &off), 0);
			KT_EXPECT_EQ(t, off, starts[k]);
			u8 *p = rb_record_at(&b.rb, off, sizeof(rec));
			KT_EXPECT_EQ(t, p != NULL, twice);
			if (p)
				memcpy(p, rec, sizeof(rec));
			else
				rb_write_at(&b.rb, off, rec, sizeof(rec));
			rb_end_fast(&h);
			KT_EXPECT_EQ(t, b.up->data_head, starts[k] + sizeof(rec));
			for (unsigned i = 0; i < sizeof(rec); i++)
				KT_EXPECT_EQ(t, b.data[(starts[k] + i) & 8191], rec[i]);
		}
		/* A record that fits in its page is in place either way. */
		WRITE_ONCE(b.up->data_tail, perf_buffer_head(&b.rb));
		KT_ASSERT_EQ(t, rb_begin_fast(&h, &b.rb, NULL, 0, 16, &off), 0);
		KT_EXPECT_EQ(t, rb_record_at(&b.rb, off, 16) != NULL, 1);
		rb_end_fast(&h);
		/* Full: refused and counted, no handle left open. */
		KT_ASSERT_EQ(t, rb_begin_fast(&h, &b.rb, NULL, 0, 8192, &off), -ENOSPC);
		KT_EXPECT_EQ(t, b.rb.nest, 0);
		KT_EXPECT_EQ(t, perf_buffer_lost_pending(&b.rb), 1);
		/* A LOST record owed: the general path's job. */
		unsigned long head = perf_buffer_head(&b.rb);
		KT_EXPECT_EQ(t, rb_begin_fast(&h, &b.rb, NULL, 0, 16, &off), 1);
		KT_EXPECT_EQ(t, perf_buffer_head(&b.rb), head);
		perf_buffer_set_paused(&b.rb, true);
		KT_EXPECT_EQ(t, rb_begin_fast(&h, &b.rb, NULL, 0, 16, &off), 1);
		trb_free(&b);
	}
	struct test_rb b;
	struct perf_output_handle h = { 0 };
	unsigned long off = 0;
	KT_ASSERT_EQ(t, trb_init_any(&b, 2, false, true, 0, true), 0);
	KT_EXPECT_EQ(t, rb_begin_fast(&h, &b.rb, NULL, 0, 16, &off), 1);   /* backward */
	KT_EXPECT_EQ(t, perf_buffer_head(&b.rb), 0);
	trb_free(&b);
}

/* Records of many sizes over many laps of a 2-page ring, read as they
 * come: every record, wrapped or not, comes back whole and in order, and
 * those that did not fit come back as LOST counts. */
static void test_reader_wrap(struct ktest *t)
{
	struct test_rb b;
	struct perf_reader r;
	const struct perf_event_header *h;
	u64 tried = 0, got = 0, lost = 0, wrapped = 0, last = 0;

	KT_ASSERT_EQ(t, trb_init(&b, 2, false, false, 0), 0);
	perf_reader_init(&r, b.up, b.data, trb_size(&b), 0, scratch, sizeof(scratch));
	for (int round = 0; round < 400; round++) {
		for (int k = 0; k < 5; k++, tried++)
			trb_put(&b, &ctx, 8 + 8 * ((tried * 37) % 300), tried + 1);
		perf_reader_begin(&r);
		while ((h = perf_reader_next(&r))) {
			if ((const u8 *)h == scratch)
				wrapped++;
			if (h->type == PERF_RECORD_LOST) {
				lost += ((const u64 *)h)[2];
				continue;
			}
			u64 seq = h->size > 8 ? ((const u64 *)h)[1] : 0;
			KT_ASSERT(t, h->size == 8 + 8 * (((seq ? seq : last + 1) - 1) * 37 % 300) || h->size == 8);
			if (seq) {
				KT_ASSERT(t, seq > last);
				KT_ASSERT(t, trb_check(h, PERF_RECORD_SAMPLE, h->size, seq));
				last = seq;
			}
			got++;
		}
		KT_ASSERT_EQ(t, r.error, PERF_READER_OK);
		perf_reader_consume(&r);
	}
	KT_EXPECT_EQ(t, got + lost + perf_buffer_lost_pending(&b.rb), tried);
	KT_EXPECT_EQ(t, lost + perf_buffer_lost_pending(&b.rb), perf_buffer_lost_total(&b.rb));
	KT_EXPECT_GT(t, lost, 10);
	KT_EXPECT_GT(t, wrapped, 10);
	KT_EXPECT_GT(t, b.up->data_head, 20 * 8192);
	trb_free(&b);
}

/* A backward reader whose window is longer than the buffer stops at
 * never-written (zero) space. */
static void test_reader_backward_zero_header(struct ktest *t)
{
	struct test_rb b;
	struct perf_reader r;
	int got = 0;

	KT_ASSERT_EQ(t, trb_init(&b, 1, true, true, 0), 0);
	for (int i = 0; i < 5; i++)
		trb_put(&b, &ctx, 40, i);
	perf_reader_init(&r, b.up, b.data, 4096, PERF_READER_BACKWARD | PERF_READER_OVERWRITE,
			 scratch, sizeof(scratch));
	r.prev = b.up->data_head + 3 * 4096;
	perf_reader_begin(&r);
	KT_EXPECT(t, r.overrun);
	while (perf_reader_next(&r))
		got++;
	KT_EXPECT_EQ(t, got, 5);
	KT_EXPECT_EQ(t, r.error, PERF_READER_OK);
	trb_free(&b);
}

static u64 rnd_state = 0x9e3779b97f4a7c15ull;
static u64 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static u64 hostile_tail(u64 head, u64 size)
{
	switch (rnd() % 8) {
	case 0: return rnd();                        /* anything */
	case 1: return head - (rnd() % (4 * size));  /* behind, maybe far */
	case 2: return head + (rnd() % (4 * size));  /* ahead of the writer */
	case 3: return head + 1 + (rnd() % 7);       /* unaligned, just ahead */
	case 4: return head - size + (rnd() % 16);   /* about one lap behind */
	case 5: return ~0ull - (rnd() % 64);         /* huge */
	case 6: return head;
	default: return (rnd() & ~7ull) | (rnd() % 8);
	}
}

/* Whatever user space writes to data_tail, the core only writes inside
 * the data pages (guard pages fault otherwise), never loops, reserves
 * exactly when the free space (computed here the other way round) allows,
 * and counts every refusal. */
static void test_random_tails(struct ktest *t)
{
	static const struct { unsigned int pages; bool overwrite, backward; } modes[] = {
		{ 1, false, false }, { 1, false, true }, { 4, false, false },
		{ 4, false, true }, { 2, true, false }, { 2, true, true },
	};
	for (unsigned int m = 0; m < ARRAY_SIZE(modes); m++) {
		struct test_rb b;
		u64 produced = 0, delivered = 0, bad = 0;

		KT_ASSERT_EQ(t, trb_init(&b, modes[m].pages, modes[m].overwrite, modes[m].backward, 0), 0);
		u64 size = trb_size(&b);
		for (int i = 0; i < 20000; i++) {
			u64 head = perf_buffer_head(&b.rb);
			u64 tail = hostile_tail(head, size);
			u16 sz = (rnd() % 16 == 0) ? (u16)(8 * (1 + rnd() % 8191)) : (u16)(8 * (1 + rnd() % 64));
			u64 pending = perf_buffer_lost_pending(&b.rb);
			u64 need = sz + (pending ? 24 : 0);
			/* Used bytes between reader and writer, modulo the size;
			 * one byte must remain free. */
			u64 used = modes[m].backward ? (tail - head) & (size - 1) : (head - tail) & (size - 1);
			bool fits = modes[m].overwrite || size - 1 - used >= need;

			b.up->data_tail = tail;
			int ret = trb_put(&b, &ctx, sz, i);
			produced++;
			if (ret == 0) {
				delivered++;
				u64 moved = modes[m].backward ? head - perf_buffer_head(&b.rb)
							      : perf_buffer_head(&b.rb) - head;
				bad += moved != need;
			}
			bad += (ret == 0) != fits;
			bad += b.up->data_head != perf_buffer_head(&b.rb);
		}
		KT_EXPECT_EQ(t, bad, 0);
		KT_EXPECT_EQ(t, delivered + perf_buffer_lost_total(&b.rb), produced);
		KT_EXPECT_GT(t, delivered, 100);
		if (!modes[m].overwrite)
			KT_EXPECT_GT(t, perf_buffer_lost_total(&b.rb), 100);
		trb_free(&b);
	}
}

static const struct ktest_case core_cases[] = {
	KTEST_CASE(test_forward_capacity),
	KTEST_CASE(test_backward_positions),
	KTEST_CASE(test_forward_overwrite),
	KTEST_CASE(test_lost_record),
	KTEST_CASE(test_lost_record_sample_id),
	KTEST_CASE(test_pause_resume),
	KTEST_CASE(test_wakeup_watermark),
	KTEST_CASE(test_wakeup_events),
	KTEST_CASE(test_init_config),
	KTEST_CASE(test_copy_bounds),
	KTEST_CASE(test_fast_writer),
	KTEST_CASE(test_reader_wrap),
	KTEST_CASE(test_reader_backward_zero_header),
	KTEST_CASE(test_random_tails),
	{ 0 },
};
KTEST_HOST_SUITE(core_suite, "rb_core", core_cases);
KTEST_HOST_MAIN(&core_suite);
