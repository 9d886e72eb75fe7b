/* Stress: real asynchrony against the ring buffer core.
 *
 * Writer 0 is a producer thread writing records in a loop. Writers 1 and 2
 * are signal handlers running on that same thread (SIGUSR1 stands for an
 * IRQ, SIGUSR2 for an NMI that may interrupt it), fired continuously by a
 * kicker thread; they write records too, nesting inside whatever the
 * producer (or the IRQ) was doing. A consumer thread reads with
 * lib/perf_reader.c (barriers C and D). Every record carries writer id,
 * sequence number, seeded payload and a checksum.
 *
 * Checked: no torn or corrupt record; each writer's records in sequence
 * order; data_head as seen by the consumer never moving back; every
 * attempted record delivered exactly once, refused (counted lost, and the
 * LOST records plus the pending count add up to exactly the refusals), or
 * -- only in overwrite mode, and only across a pass where the consumer fell
 * a buffer behind -- overwritten. Bounded by record counts, not time.
 *
 * Overwrite mode also has checkpoints: the producer stops, the consumer
 * catches up, the producer writes a few records with signals blocked and
 * the consumer reads them. However the host schedules the threads, those
 * passes are clean (no overrun) and deliver records, so the clean-pass
 * path is always exercised.
 *
 * The fast cases write as the sample path does (rb_begin_fast,
 * output_fast.h): the record laid out in place where rb_record_at allows,
 * else staged and copied with rb_write_at; half the producer's records and
 * all the NMI's, nesting with the general path's. One buffer has the
 * sample path's double mapping (every record in place), the other not
 * (records crossing a page end take rb_write_at). */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <signal.h>
#include <stdio.h>
#include "rb_test_util.h"
#include "../ring_buffer_inline.h"
#include "ktest_host.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define RECORDS 40000
#else
#define RECORDS 150000
#endif
#define NW 3
#define MIN_NESTED 200     /* per signal writer, so nesting surely happened */
#define FORCED_NESTED 20   /* producer records held open until a signal came */
#define BUSY_CLAIMED (1 << 20)
#define CHECKPOINTS 8
#define CKPT_RECORDS 16    /* far less than a buffer: the pass after is clean */

enum { ST_NONE, ST_FAILED };

static struct test_rb B;
static bool overwrite_mode, backward_mode, fast_mode;
static pthread_t producer_tid;

/* Writer side: touched only on the producer thread (handlers included). */
static u64 attempts[NW], failures[NW], interrupted[NW], forced, fail_streak;
static u8 *status[NW];              /* ST_FAILED, stored before later records */
static int busy;                    /* writers inside begin..end; see quiesce() */
static int kicker_started, producer_done, kicker_stop, writers_done;

/* Checkpoint handshake (overwrite mode): the producer moves IDLE -> STOPPED
 * and waits; the consumer passes and moves to CAUGHT_UP; the producer
 * writes CKPT_RECORDS and moves to WRITTEN; the consumer passes, checks it
 * and moves back to IDLE. */
enum { CK_IDLE, CK_STOPPED, CK_CAUGHT_UP, CK_WRITTEN };
static int ckpt;
static bool in_ckpt;                /* producer: signals blocked, none to wait for */
static u64 ckpt_done, ckpt_bad;

/* Consumer side. */
static u8 *delivered[NW], *overwritten[NW], *missing[NW];
static u64 last_seq[NW];
static bool have_last[NW], gap_open[NW];
static u64 lost_seen, corrupt, order_bad, head_back, passes, overrun_passes, clean_passes;
static u64 pass_lost, lost_hidden, lost_bad, prev_total, prev_pending;

static const struct perf_output_ctx wctx[NW] = { { .id = 100 }, { .id = 101 }, { .id = 102 } };

static u64 mix(u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

static u16 rec_size(int w, u64 seq) { return 24 + 8 * (mix(seq * 3 + w) % 30); }
static u64 rec_word(int w, u64 seq, unsigned int i) { return mix((seq << 8) ^ ((u64)w << 4) ^ i); }

static u64 checksum(const u64 *words, unsigned int n)
{
	u64 c = 0x1234;
	for (unsigned int i = 0; i < n; i++)
		c = mix(c ^ words[i]);
	return c;
}

/* False while the consumer holds the buffer still (overwrite mode): the
 * writer then stays out, so the consumer's counters are a snapshot. */
static bool busy_enter(void)
{
	if (__atomic_fetch_add(&busy, 1, __ATOMIC_SEQ_CST) < BUSY_CLAIMED)
		return true;
	__atomic_fetch_sub(&busy, 1, __ATOMIC_RELEASE);
	return false;
}

static void busy_exit(void) { __atomic_fetch_sub(&busy, 1, __ATOMIC_RELEASE); }

/* Sleep a moment for the kicker's signals. TSan (libsanitizer of GCC 12,
 * before LLVM PR 138599) can leave every signal blocked on a thread after
 * it delivers one it had deferred (seen in /proc: SigBlk all ones, SIGUSR1
 * and SIGUSR2 pending, the producer waiting here for good), so the wait
 * puts this thread's own mask back each time; without TSan that is a
 * no-op. Sleeping, because TSan delivers signals only in calls it
 * intercepts. */
static void wait_for_signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	nanosleep(&(struct timespec){ .tv_nsec = 1000 }, NULL);
}

/* Inside a record: the producer lingers so that signals land there often;
 * its first few records wait for one, so some surely do (sleeping: TSan
 * delivers signals only in calls it intercepts). */
static void linger(int w, u64 seq)
{
	for (unsigned int i = w ? 0 : seq % 32; i; i--)
		cpu_relax();
	if (!w && forced < FORCED_NESTED && !in_ckpt) {
		u64 seen = READ_ONCE(attempts[1]) + READ_ONCE(attempts[2]);
		while (READ_ONCE(attempts[1]) + READ_ONCE(attempts[2]) == seen)
			wait_for_signals();
		forced++;
	}
}

/* The sample path's writer: 1 if it does not take this buffer now (the
 * caller uses perf_output_begin), else as perf_output_begin. */
static int emit_fast(int w, u64 seq, const u64 *buf, u16 size)
{
	struct perf_output_handle oh;
	unsigned long off;
	int rc = rb_begin_fast(&oh, &B.rb, NULL, 0, size, &off);
	if (rc)
		return rc;
	u8 *p = rb_record_at(&B.rb, off, size);
	if (p) {
		memcpy(p, buf, 16);
		linger(w, seq);
		memcpy(p + 16, buf + 2, size - 16u);
	} else {
		linger(w, seq);
		rb_write_at(&B.rb, off, buf, size);
	}
	rb_end_fast(&oh);
	return 0;
}

static void emit(int w)
{
	u64 buf[32], seq = attempts[w];
	u16 size = rec_size(w, seq);
	unsigned int n = size / 8;
	struct perf_event_header *h = (void *)buf;
	struct perf_output_handle oh;

	if (seq >= RECORDS || !busy_enter())
		return;
	attempts[w] = seq + 1;
	h->type = PERF_RECORD_SAMPLE;
	h->misc = (u16)w;
	h->size = size;
	buf[1] = seq;
	for (unsigned int i = 2; i < n - 1; i++)
		buf[i] = rec_word(w, seq, i);
	buf[n - 1] = checksum(buf, n - 1);

	if (w && READ_ONCE(B.rb.nest))
		interrupted[w]++;
	int rc = fast_mode && (w == 2 || seq % 2) ? emit_fast(w, seq, buf, size) : 1;
	if (rc > 0) {
		rc = perf_output_begin(&oh, &B.rb, &wctx[w], size);
		if (!rc) {
			perf_output_copy(&oh, buf, 16);
			linger(w, seq);
			perf_output_copy(&oh, buf + 2, size - 24);
			perf_output_copy(&oh, buf + n - 1, 8);
			perf_output_end(&oh);
		}
	}
	if (rc) {
		__atomic_store_n(&status[w][seq], ST_FAILED, __ATOMIC_RELAXED);
		failures[w]++;
	}
	busy_exit();
	/* On a loaded machine the consumer may not run for a while; let it,
	 * or nearly every record would just be refused. */
	if (!w && status[w][seq] == ST_FAILED && ++fail_streak % 16 == 0)
		sched_yield();
	else if (!w && status[w][seq] != ST_FAILED)
		fail_streak = 0;
}

static void on_signal(int sig)
{
	int saved = errno;
	emit(sig == SIGUSR1 ? 1 : 2);
	errno = saved;
}

static void ckpt_wait(int state)
{
	while (__atomic_load_n(&ckpt, __ATOMIC_ACQUIRE) != state)
		sched_yield();
}

/* The producer's side of a checkpoint. Signals (writers 1 and 2) stay
 * blocked for the whole handshake, waits included: a handler may run on
 * every sched_yield() of a wait, and while the consumer is descheduled
 * those records alone could wrap the buffer between its two passes. So
 * exactly this pass's few records land between them. */
static void checkpoint(const sigset_t *sigs)
{
	pthread_sigmask(SIG_BLOCK, sigs, NULL);
	in_ckpt = true;
	__atomic_store_n(&ckpt, CK_STOPPED, __ATOMIC_RELEASE);
	ckpt_wait(CK_CAUGHT_UP);
	for (u64 end = attempts[0] + CKPT_RECORDS; attempts[0] < end && attempts[0] < RECORDS;)
		emit(0);
	__atomic_store_n(&ckpt, CK_WRITTEN, __ATOMIC_RELEASE);
	ckpt_wait(CK_IDLE);
	in_ckpt = false;
	pthread_sigmask(SIG_UNBLOCK, sigs, NULL);
}

static void *producer(void *arg)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	while (!__atomic_load_n(&kicker_started, __ATOMIC_ACQUIRE))
		cpu_relax();
	u64 next_ckpt = RECORDS / (CHECKPOINTS + 1);
	while (attempts[0] < RECORDS) {
		if (overwrite_mode && attempts[0] >= next_ckpt &&
		    next_ckpt <= CHECKPOINTS * (RECORDS / (CHECKPOINTS + 1))) {
			checkpoint(&set);
			next_ckpt += RECORDS / (CHECKPOINTS + 1);
		}
		emit(0);
	}
	/* A bound by count, not time: enough interrupts must have come.
	 * Sleep, because TSan delivers signals only in calls it intercepts. */
	while (attempts[1] < MIN_NESTED || attempts[2] < MIN_NESTED)
		wait_for_signals();
	__atomic_store_n(&producer_done, 1, __ATOMIC_RELEASE);
	/* Stay alive while the kicker may still signal this thread. */
	while (!__atomic_load_n(&kicker_stop, __ATOMIC_ACQUIRE))
		cpu_relax();
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	return NULL;
}

static void *kicker(void *arg)
{
	u64 r = 1;

	__atomic_store_n(&kicker_started, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&producer_done, __ATOMIC_ACQUIRE)) {
		r = mix(r);
		pthread_kill(producer_tid, (r & 1) ? SIGUSR1 : SIGUSR2);
		for (unsigned int i = r % 16; i; i--)
			cpu_relax();
	}
	__atomic_store_n(&kicker_stop, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* One record in the order it was written. */
static void take(const struct perf_event_header *h)
{
	const u64 *words = (const u64 *)h;

	if (h->type == PERF_RECORD_LOST) {
		if (h->size != 24 || words[1] < 100 || words[1] >= 100 + NW)
			corrupt++;
		lost_seen += words[2];
		pass_lost += words[2];
		return;
	}
	int w = h->misc;
	u64 seq = words[1];
	if (h->type != PERF_RECORD_SAMPLE || w >= NW || seq >= RECORDS || h->size != rec_size(w, seq) ||
	    words[h->size / 8 - 1] != checksum(words, h->size / 8 - 1)) {
		corrupt++;
		return;
	}
	for (unsigned int i = 2; i < h->size / 8u - 1; i++)
		if (words[i] != rec_word(w, seq, i)) {
			corrupt++;
			return;
		}
	if (have_last[w] && seq <= last_seq[w]) {
		order_bad++;
		return;
	}
	for (u64 s = have_last[w] ? last_seq[w] + 1 : 0; s < seq; s++) {
		if (gap_open[w])
			overwritten[w][s] = 1;
		else
			missing[w][s] = 1;   /* must turn out to be a refusal */
	}
	delivered[w][seq]++;
	last_seq[w] = seq;
	have_last[w] = true;
	gap_open[w] = false;
}

/* One read pass. Backward buffers give newest first: keep them and replay
 * oldest first so per-writer order can be checked. */
static u64 pass(struct perf_reader *r, u64 *prev_head)
{
	static u8 recs[1 << 17];
	static u32 offs[4096];
	static u8 scratch[65536];
	unsigned int nrec = 0, used = 0;
	const struct perf_event_header *h;

	r->scratch = scratch;
	r->scratch_size = sizeof(scratch);
	u64 bytes = perf_reader_begin(r);
	s64 moved = backward_mode ? (s64)(*prev_head - r->head) : (s64)(r->head - *prev_head);
	if (moved < 0)
		head_back++;
	*prev_head = r->head;
	passes++;
	if (r->overrun) {
		overrun_passes++;
		for (int w = 0; w < NW; w++)
			gap_open[w] = true;
	} else if (bytes) {
		clean_passes++;
	}
	while ((h = perf_reader_next(r))) {
		if (!backward_mode) {
			take(h);
			continue;
		}
		if (nrec == ARRAY_SIZE(offs) || used + h->size > sizeof(recs)) {
			corrupt++;
			break;
		}
		memcpy(recs + used, h, h->size);
		offs[nrec++] = used;
		used += h->size;
	}
	if (r->error)
		corrupt++;
	while (nrec)
		take((const void *)(recs + offs[--nrec]));
	perf_reader_consume(r);
	return bytes;
}

/* Overwrite mode, writers stopped: only paused outputs fail, so the LOST
 * records written since the last pass must add up to the pending count
 * then, plus the failures since, minus the pending count now. A clean pass
 * sees all of them; an overrun pass may have lost some, never gained. */
static u64 pass_overwrite(struct perf_reader *r, u64 *prev_head)
{
	u64 total = perf_buffer_lost_total(&B.rb), pending = perf_buffer_lost_pending(&B.rb);
	u64 expect = prev_pending + (total - prev_total) - pending;
	u64 before = overrun_passes;

	pass_lost = 0;
	u64 got = pass(r, prev_head);
	if (overrun_passes == before)
		lost_bad += pass_lost != expect;
	else if (pass_lost > expect)
		lost_bad++;
	else
		lost_hidden += expect - pass_lost;
	prev_total = total;
	prev_pending = pending;
	return got;
}

/* Overwrite mode: stop the writers (PAUSE_OUTPUT, then wait until none is
 * inside begin..end) so the pass reads a still buffer. */
static void quiesce(void)
{
	perf_buffer_set_paused(&B.rb, true);
	for (;;) {
		int zero = 0;
		if (__atomic_compare_exchange_n(&busy, &zero, BUSY_CLAIMED, false, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			return;
		cpu_relax();
	}
}

static void resume(void)
{
	__atomic_fetch_sub(&busy, BUSY_CLAIMED, __ATOMIC_RELEASE);
	perf_buffer_set_paused(&B.rb, false);
}

static void *consumer(void *arg)
{
	struct perf_reader r;
	unsigned int flags = (backward_mode ? PERF_READER_BACKWARD : 0) |
			     (overwrite_mode ? PERF_READER_OVERWRITE : 0);
	u64 prev_head = B.up->data_head, rnd = 7;

	perf_reader_init(&r, B.up, B.data, trb_size(&B), flags, NULL, 0);
	for (;;) {
		bool last = __atomic_load_n(&writers_done, __ATOMIC_ACQUIRE);
		u64 got;

		if (overwrite_mode) {
			int ck = __atomic_load_n(&ckpt, __ATOMIC_ACQUIRE);
			u64 overruns = overrun_passes;

			if (ck == CK_CAUGHT_UP) {
				sched_yield();
				continue;
			}
			rnd = mix(rnd);
			for (unsigned int i = ck == CK_IDLE ? rnd % 4096 : 0; i; i--)
				cpu_relax();
			quiesce();
			got = pass_overwrite(&r, &prev_head);
			resume();
			if (ck == CK_WRITTEN) {
				ckpt_done++;
				ckpt_bad += overrun_passes != overruns || !got;
			}
			if (ck != CK_IDLE)
				__atomic_store_n(&ckpt, ck == CK_STOPPED ? CK_CAUGHT_UP : CK_IDLE,
						 __ATOMIC_RELEASE);
		} else {
			got = pass(&r, &prev_head);
			if (!got)
				cpu_relax();
		}
		if (last && !got)
			break;
	}
	return NULL;
}

static void run_any(struct ktest *t, unsigned int pages, bool overwrite, bool backward,
		    bool fast, bool twice)
{
	pthread_t prod, kick, cons;
	struct sigaction sa;
	sigset_t set;

	overwrite_mode = overwrite;
	backward_mode = backward;
	fast_mode = fast;
	KT_ASSERT_EQ(t, trb_init_any(&B, pages, overwrite, backward, 0, twice), 0);
	for (int w = 0; w < NW; w++) {
		status[w] = calloc(RECORDS, 1);
		delivered[w] = calloc(RECORDS, 1);
		overwritten[w] = calloc(RECORDS, 1);
		missing[w] = calloc(RECORDS, 1);
		attempts[w] = failures[w] = interrupted[w] = last_seq[w] = 0;
		forced = 0;
		have_last[w] = gap_open[w] = false;
	}
	lost_seen = corrupt = order_bad = head_back = passes = overrun_passes = clean_passes = 0;
	ckpt = CK_IDLE;
	ckpt_done = ckpt_bad = 0;
	pass_lost = lost_hidden = lost_bad = prev_total = prev_pending = 0;
	kicker_started = producer_done = kicker_stop = writers_done = 0;
	busy = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);                 /* the NMI may interrupt the IRQ */
	sigaction(SIGUSR1, &sa, NULL);
	sigaddset(&sa.sa_mask, SIGUSR1);          /* but not the other way round */
	sigaction(SIGUSR2, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);   /* only the producer takes them */

	pthread_create(&cons, NULL, consumer, NULL);
	pthread_create(&prod, NULL, producer, NULL);
	producer_tid = prod;
	pthread_create(&kick, NULL, kicker, NULL);
	pthread_join(kick, NULL);
	pthread_join(prod, NULL);
	__atomic_store_n(&writers_done, 1, __ATOMIC_RELEASE);
	pthread_join(cons, NULL);

	u64 produced = 0, got = 0, refused = 0, over = 0, unexplained = 0, dup = 0, refused_before = 0;
	for (int w = 0; w < NW; w++) {
		for (u64 s = 0; s < attempts[w]; s++) {
			bool f = status[w][s] == ST_FAILED;
			bool o = !f && (overwritten[w][s] ||
					(gap_open[w] && (!have_last[w] || s > last_seq[w])));
			int outcomes = (delivered[w][s] != 0) + f + o;

			dup += delivered[w][s] > 1;
			unexplained += outcomes != 1 || (missing[w][s] && !f);
			got += delivered[w][s] != 0;
			refused += f;
			over += o;
		}
		produced += attempts[w];
		KT_EXPECT_EQ(t, refused, refused_before + failures[w]);
		refused_before = refused;
	}
	u64 lost_total = perf_buffer_lost_total(&B.rb);
	ktest_diag(t, "%s %s, %u pages: produced %llu (irq %llu, nmi %llu; %llu+%llu mid-record), "
		   "delivered %llu, lost %llu, overwritten %llu; %llu passes, %llu overrun; forced %llu%s",
		   backward ? "backward" : "forward", overwrite ? "overwrite" : "normal", pages,
		   (unsigned long long)produced, (unsigned long long)attempts[1],
		   (unsigned long long)attempts[2], (unsigned long long)interrupted[1],
		   (unsigned long long)interrupted[2], (unsigned long long)got,
		   (unsigned long long)refused, (unsigned long long)over,
		   (unsigned long long)passes, (unsigned long long)overrun_passes, (unsigned long long)forced,
		   fast ? (twice ? "; fast path, mapped twice" : "; fast path") : "");

	KT_EXPECT_EQ(t, corrupt, 0);
	KT_EXPECT_EQ(t, order_bad, 0);
	KT_EXPECT_EQ(t, head_back, 0);
	KT_EXPECT_EQ(t, dup, 0);
	KT_EXPECT_EQ(t, unexplained, 0);
	KT_EXPECT_EQ(t, got + refused + over, produced);
	KT_EXPECT_EQ(t, refused, failures[0] + failures[1] + failures[2]);
	KT_EXPECT_EQ(t, lost_total, refused);
	KT_EXPECT_EQ(t, lost_bad, 0);
	KT_EXPECT_EQ(t, lost_seen + lost_hidden + perf_buffer_lost_pending(&B.rb), lost_total);
	KT_EXPECT_EQ(t, attempts[0], RECORDS);
	KT_EXPECT_GE(t, attempts[1], MIN_NESTED);
	KT_EXPECT_GE(t, attempts[2], MIN_NESTED);
	KT_EXPECT_GE(t, interrupted[1] + interrupted[2], FORCED_NESTED);
	KT_EXPECT_GT(t, got, 0);
	if (!overwrite) {
		KT_EXPECT_EQ(t, over, 0);
		KT_EXPECT_EQ(t, lost_hidden, 0);
		KT_EXPECT_EQ(t, overrun_passes, 0);
	} else {
		KT_EXPECT_EQ(t, ckpt_done, CHECKPOINTS);
		KT_EXPECT_EQ(t, ckpt_bad, 0);
		KT_EXPECT_GE(t, clean_passes, CHECKPOINTS);
	}
	KT_EXPECT_EQ(t, B.up->data_head, perf_buffer_head(&B.rb));

	for (int w = 0; w < NW; w++) {
		free(status[w]);
		free(delivered[w]);
		free(overwritten[w]);
		free(missing[w]);
	}
	trb_free(&B);
}

static void run(struct ktest *t, unsigned int pages, bool overwrite, bool backward)
{
	run_any(t, pages, overwrite, backward, false, false);
}

static void test_stress_forward_normal(struct ktest *t) { run(t, 2, false, false); }
static void test_stress_backward_normal(struct ktest *t) { run(t, 2, false, true); }
static void test_stress_forward_overwrite(struct ktest *t) { run(t, 16, true, false); }
static void test_stress_backward_overwrite(struct ktest *t) { run(t, 16, true, true); }
static void test_stress_fast_normal(struct ktest *t) { run_any(t, 2, false, false, true, false); }
static void test_stress_fast_twice_normal(struct ktest *t) { run_any(t, 2, false, false, true, true); }
static void test_stress_fast_twice_overwrite(struct ktest *t)
{
	run_any(t, 16, true, false, true, true);
}

static const struct ktest_case stress_cases[] = {
	KTEST_CASE(test_stress_forward_normal),
	KTEST_CASE(test_stress_backward_normal),
	KTEST_CASE(test_stress_forward_overwrite),
	KTEST_CASE(test_stress_backward_overwrite),
	KTEST_CASE(test_stress_fast_normal),
	KTEST_CASE(test_stress_fast_twice_normal),
	KTEST_CASE(test_stress_fast_twice_overwrite),
	{ 0 },
};
KTEST_HOST_SUITE(stress_suite, "rb_stress", stress_cases);
KTEST_HOST_MAIN(&stress_suite);
