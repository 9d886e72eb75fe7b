/* MPSC stress of the BPF ring buffer core with exact accounting.
 *
 * NPROD producer threads stand for CPUs. On each, two signal handlers are
 * more writers: SIGUSR1 an IRQ, SIGUSR2 an NMI that may also interrupt the
 * IRQ, fired at random by a kicker thread, so they land anywhere inside a
 * reservation, including between its cmpxchg and its publish. A consumer
 * thread reads the ring as libbpf does (acquire producer_pos and each
 * header, release consumer_pos). Every record carries writer, sequence,
 * size-dependent payload and a checksum; some are discarded on purpose.
 *
 * Checked: no torn or corrupt record, no duplicate, each writer's records
 * in its own order, producer_pos never moving back, no ready bit left,
 * and per writer: delivered + discarded + dropped == produced, with the
 * drops counted by the writers equal to the ring's drop counter. The
 * overwrite case runs writers only, then checks the window the ring kept.
 * Bounded by record counts, not time. */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <arch/barrier.h>
#include "bpf_test_util.h"
#include "ktest_host.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define RECORDS 30000
#else
#define RECORDS 60000
#endif
#define NPROD 3
#define NW (NPROD * 3)            /* thread, IRQ and NMI writer per producer */
#define MIN_SIGNALED 100          /* per signal writer */

static struct test_bpf_rb R;
static bool overwrite_mode;
static pthread_t prod_tid[NPROD];
static __thread int my_prod = -1;

/* Writer side: each counter is touched by its own writer only. */
static u64 attempts[NW], drops[NW], discards[NW];
static u8 *fate[NW];              /* 1 submitted, 2 discarded, 3 dropped */
static int prod_done[NPROD], kick_stop, writers_done;

/* Consumer side. */
static u8 *delivered[NW];
static u64 last_seq[NW], corrupt, order_bad, dups, prod_back, busy_waits;
static bool have_last[NW];

static u64 mix(u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

/* Payload of 16..256 bytes: words[0] = writer << 32 | size, words[1] =
 * seq, then seeded words, the last a checksum. */
static u32 rec_size(int w, u64 seq) { return 16 + 8 * (u32)(mix(seq * 31 + w) % 31); }

static bool rec_ok(const u64 *words, u32 size, int *w, u64 *seq)
{
	u32 n = size / 8;
	u64 c = 0x77;

	if (size < 16 || size % 8)
		return false;
	*w = (int)(words[0] >> 32);
	*seq = words[1];
	if (*w >= NW || *seq >= RECORDS || (u32)words[0] != size || size != rec_size(*w, *seq))
		return false;
	for (u32 i = 0; i + 1 < n; i++)
		c = mix(c ^ words[i]);
	return n == 2 || words[n - 1] == c;
}

static void emit(int w)
{
	u64 seq = attempts[w];
	u32 size = rec_size(w, seq), n = size / 8;
	u64 *r, c = 0x77;

	if (seq >= RECORDS)
		return;
	attempts[w] = seq + 1;
	r = bpf_ringbuf_reserve(R.rb, size, 0);
	if (!r) {
		drops[w]++;
		__atomic_store_n(&fate[w][seq], 3, __ATOMIC_RELAXED);
		return;
	}
	r[0] = (u64)w << 32 | size;
	r[1] = seq;
	for (u32 i = 2; i + 1 < n; i++)
		r[i] = mix(seq << 8 ^ i ^ (u64)w << 40);
	for (u32 i = 0; n > 2 && i + 1 < n; i++)
		c = mix(c ^ r[i]);
	if (n > 2)
		r[n - 1] = c;
	/* Linger inside the record sometimes, so signals land there. */
	for (unsigned int i = (w % 3 == 0) ? seq % 64 : 0; i; i--)
		cpu_relax();
	if (mix(seq ^ w) % 7 == 3) {
		discards[w]++;
		__atomic_store_n(&fate[w][seq], 2, __ATOMIC_RELAXED);
		bpf_ringbuf_discard(r, 0);
	} else {
		__atomic_store_n(&fate[w][seq], 1, __ATOMIC_RELAXED);
		bpf_ringbuf_submit(r, seq % 5 ? BPF_RB_NO_WAKEUP : 0);
	}
}

static void on_signal(int sig)
{
	int saved = errno;

	if (my_prod >= 0)
		emit(my_prod * 3 + (sig == SIGUSR1 ? 1 : 2));
	errno = saved;
}

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

static void *producer(void *arg)
{
	int p = (int)(long)arg, w = p * 3;
	sigset_t set;
	u64 streak = 0;

	my_prod = p;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	while (attempts[w] < RECORDS) {
		u64 before = drops[w];

		emit(w);
		/* A loaded machine may not run the consumer: let it. */
		if (drops[w] != before && ++streak % 16 == 0)
			sched_yield();
		else if (drops[w] == before)
			streak = 0;
	}
	/* Enough interrupts must have come. */
	while (attempts[w + 1] < MIN_SIGNALED || attempts[w + 2] < MIN_SIGNALED)
		wait_for_signals();
	__atomic_store_n(&prod_done[p], 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&kick_stop, __ATOMIC_ACQUIRE))
		nanosleep(&(struct timespec){ .tv_nsec = 1000 }, NULL);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	return NULL;
}

static void *kicker(void *arg)
{
	u64 r = 1;

	for (;;) {
		int done = 0;

		for (int p = 0; p < NPROD; p++)
			done += __atomic_load_n(&prod_done[p], __ATOMIC_ACQUIRE);
		if (done == NPROD)
			break;
		r = mix(r);
		pthread_kill(prod_tid[r % NPROD], (r >> 8) & 1 ? SIGUSR1 : SIGUSR2);
		for (unsigned int i = (r >> 16) % 64; i; i--)
			cpu_relax();
	}
	__atomic_store_n(&kick_stop, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void take(const u64 *words, u32 size)
{
	int w;
	u64 seq;

	if (!rec_ok(words, size, &w, &seq)) {
		corrupt++;
		return;
	}
	if (delivered[w][seq]++)
		dups++;
	if (have_last[w] && seq <= last_seq[w])
		order_bad++;
	last_seq[w] = seq;
	have_last[w] = true;
}

/* TSan tracks virtual addresses, so under TSan the consumer reads
 * through the kernel's view of the pages (the same addresses the
 * producers use), otherwise through the user mapping, as user space. */
#ifdef __SANITIZE_THREAD__
#define CONS_VIEW(r) ((struct tbr_view){ .cons = bpf_ringbuf_consumer((r).rb), \
	.prod = bpf_ringbuf_producer((r).rb), .data = bpf_ringbuf_data((r).rb) })
#else
#define CONS_VIEW(r) ((r).user)
#endif
#ifdef __SANITIZE_THREAD__
/* rb_advance_pending and rb_advance_overwrite read headers optimistically,
 * like a seqlock reader: a scan that raced with a producer reusing the
 * space reads garbage and then fails its cmpxchg, so its result is never
 * used (ringbuf.c, "Space"). TSan cannot know that. */
const char *__tsan_default_suppressions(void)
{
	return "race:rb_advance_pending\nrace:rb_advance_overwrite\n";
}
/* Enough history to find those frames again (else "failed to restore
 * the stack" and the suppression cannot match). */
const char *__tsan_default_options(void) { return "history_size=7"; }
#endif

static void *consumer(void *arg)
{
	struct tbr_view v = CONS_VIEW(R);
	unsigned long cons = *v.cons, last_prod = 0, mask = R.size - 1;

	for (;;) {
		bool last = __atomic_load_n(&writers_done, __ATOMIC_ACQUIRE);
		/* (RC) of ringbuf.c */
		unsigned long prod = __atomic_load_n(&v.prod->producer_pos, __ATOMIC_ACQUIRE);
		bool got = false;

		if (prod < last_prod)
			prod_back++;
		last_prod = prod;
		while (cons < prod) {
			u32 *hdr = (u32 *)(v.data + (cons & mask));
			u32 len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);   /* (RF) */

			if (len & BPF_RINGBUF_BUSY_BIT) {
				busy_waits++;
				break;
			}
			if (!(len & BPF_RINGBUF_DISCARD_BIT))
				take((const u64 *)(hdr + 2), len);
			cons += ALIGN_UP((len & ~BPF_RINGBUF_DISCARD_BIT) + 8, 8);
			__atomic_store_n(v.cons, cons, __ATOMIC_RELEASE);   /* (RD) */
			got = true;
		}
		if (last && !got && cons == prod)
			break;
		if (!got)
			sched_yield();
	}
	return NULL;
}

static void run(struct ktest *t, u32 size, bool overwrite)
{
	pthread_t kick, cons;
	struct sigaction sa;
	sigset_t set;

	overwrite_mode = overwrite;
	KT_ASSERT_EQ(t, tbr_init(&R, size, BPF_MAP_TYPE_RINGBUF, overwrite ? BPF_F_RB_OVERWRITE : 0), 0);
	for (int w = 0; w < NW; w++) {
		fate[w] = calloc(RECORDS, 1);
		delivered[w] = calloc(RECORDS, 1);
		attempts[w] = drops[w] = discards[w] = last_seq[w] = 0;
		have_last[w] = false;
	}
	memset(prod_done, 0, sizeof(prod_done));
	kick_stop = writers_done = 0;
	corrupt = order_bad = dups = prod_back = busy_waits = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);                /* the NMI may interrupt the IRQ */
	sigaction(SIGUSR2, &sa, NULL);
	sigaddset(&sa.sa_mask, SIGUSR2);         /* but not the other way round */
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);  /* only producers take them */

	if (!overwrite)
		pthread_create(&cons, NULL, consumer, NULL);
	for (long p = 0; p < NPROD; p++)
		pthread_create(&prod_tid[p], NULL, producer, (void *)p);
	pthread_create(&kick, NULL, kicker, NULL);
	pthread_join(kick, NULL);
	for (int p = 0; p < NPROD; p++)
		pthread_join(prod_tid[p], NULL);
	__atomic_store_n(&writers_done, 1, __ATOMIC_RELEASE);
	if (!overwrite)
		pthread_join(cons, NULL);

	if (overwrite) {
		/* Writers stopped: the kept window, overwrite_pos..producer_pos,
		 * holds whole, intact records of each writer in order. */
		unsigned long pos = R.user.prod->overwrite_pos, end = R.user.prod->producer_pos;

		KT_EXPECT_LE(t, end - pos, size);
		while (pos < end) {
			u32 len = *tbr_hdr(&R, pos);

			if (len & BPF_RINGBUF_BUSY_BIT) {
				corrupt++;
				break;
			}
			if (!(len & BPF_RINGBUF_DISCARD_BIT))
				take((const u64 *)(tbr_hdr(&R, pos) + 2), len);
			pos += ALIGN_UP((len & ~BPF_RINGBUF_DISCARD_BIT) + 8, 8);
		}
		KT_EXPECT_EQ(t, pos, end);
	}
	u64 produced = 0, got = 0, disc = 0, drop = 0, lost = 0, bad_fate = 0;
	for (int w = 0; w < NW; w++) {
		for (u64 s = 0; s < attempts[w]; s++) {
			u8 f = fate[w][s];

			got += delivered[w][s] != 0;
			/* delivered only if submitted; in normal mode every
			 * submitted one (overwrite mode may overwrite it) */
			bad_fate += delivered[w][s] && f != 1;
			bad_fate += !overwrite && f == 1 && !delivered[w][s];
		}
		produced += attempts[w];
		disc += discards[w];
		drop += drops[w];
	}
	if (overwrite) {
		lost = produced - disc - drop - got;   /* overwritten */
		KT_EXPECT_GT(t, got, 0);
	}
	ktest_diag(t, "%s, %u bytes: produced %llu (thread %llu, irq %llu, nmi %llu), delivered %llu, "
		   "discarded %llu, dropped %llu, overwritten %llu; consumer waited on BUSY %llu times",
		   overwrite ? "overwrite" : "normal", size, (unsigned long long)produced,
		   (unsigned long long)(attempts[0] + attempts[3] + attempts[6]),
		   (unsigned long long)(attempts[1] + attempts[4] + attempts[7]),
		   (unsigned long long)(attempts[2] + attempts[5] + attempts[8]),
		   (unsigned long long)got, (unsigned long long)disc, (unsigned long long)drop,
		   (unsigned long long)lost, (unsigned long long)busy_waits);
	KT_EXPECT_EQ(t, corrupt, 0);
	KT_EXPECT_EQ(t, dups, 0);
	KT_EXPECT_EQ(t, order_bad, 0);
	KT_EXPECT_EQ(t, prod_back, 0);
	KT_EXPECT_EQ(t, bad_fate, 0);
	KT_EXPECT_EQ(t, got + disc + drop + lost, produced);
	KT_EXPECT_EQ(t, tbr_dropped(&R), drop);
	KT_EXPECT_EQ(t, R.user.prod->producer_pos, R.rb->rsv);
	unsigned long bits = 0;
	for (unsigned long i = 0; i < bpf_ringbuf_bitmap_size(size) / 8; i++)
		bits |= R.bitmap[i];
	KT_EXPECT_EQ(t, bits, 0);
	for (int p = 0; p < NPROD; p++) {
		KT_EXPECT_EQ(t, attempts[p * 3], RECORDS);
		KT_EXPECT_GE(t, attempts[p * 3 + 1], MIN_SIGNALED);
		KT_EXPECT_GE(t, attempts[p * 3 + 2], MIN_SIGNALED);
	}
	if (!overwrite)
		KT_EXPECT_GT(t, got, 0);   /* a starved consumer may get few */
	if (size <= 4096)
		KT_EXPECT_GT(t, drop, 0);   /* ~30 records of room for 9 writers */
	for (int w = 0; w < NW; w++) {
		free(fate[w]);
		free(delivered[w]);
	}
	tbr_free(&R);
}

static void test_stress_mpsc(struct ktest *t) { run(t, 16384, false); }
static void test_stress_mpsc_small(struct ktest *t) { run(t, 4096, false); }
static void test_stress_overwrite(struct ktest *t) { run(t, 8192, true); }

static const struct ktest_case stress_cases[] = {
	KTEST_CASE(test_stress_mpsc),
	KTEST_CASE(test_stress_mpsc_small),
	KTEST_CASE(test_stress_overwrite),
	{ 0 },
};
KTEST_HOST_SUITE(stress_suite, "bpf_rb_stress", stress_cases);
KTEST_HOST_MAIN(&stress_suite);
