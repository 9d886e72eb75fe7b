/* BPF ring buffer benchmark (make bench-host-bpf); not a test. Linux's
 * bench_ringbufs shape on host threads: N producer threads back to back
 * (reserve a 16-byte sample, fill, submit), one consumer thread polling
 * with the library's consumer (user/libbpf ringbuf_process_ring) through
 * the user mapping; throughput is what the consumer receives. Refused
 * reservations are counted, not retried. Prints `bench host_<name> <v>
 * <unit>` (host_: the core on host threads; the unprefixed rb_Np/pb_1p
 * figures are Ringtail's own, from user/bpf/bench_ringbuf.c):
 *   rb_<N>p_mrec_s        this core (lock-free reservation), N producers
 *   rb_<N>p_drop_mrec_s   reservations it refused meanwhile
 *   rb_lock_<N>p_mrec_s   the same with Linux's algorithm: reservation
 *                         under a spinlock, commit by xchg (this file)
 *   rb_solo_<N>p_mrec_s, rb_lock_solo_<N>p_mrec_s: producers alone, the
 *                         reservation path by itself: no consumer thread,
 *                         each producer hands the space back every 32
 *                         records by writing consumer_pos = producer_pos
 *                         (as a consumer that skips would)
 *   pb_1p_mrec_s          one producer into a perf buffer (the perf ring core,
 *                         kernel/events/ring_buffer.c), read by
 *                         lib/perf_reader.c: Linux's "pb" comparison
 * A run lasts RUN_MS; the best of three is printed. On a host with fewer
 * CPUs than producers + 1 the threads share CPUs, which caps every N. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include "libbpf_internal.h"
#include "bpf_test_util.h"
#include "../../events/tests/rb_test_util.h"

#define RUN_MS 300
#define MAXP 4
#define SAMPLE 16

static struct test_bpf_rb R;
static struct ring ring;
static int stop, started;
static bool use_lock, solo;
static u64 produced[MAXP], dropped[MAXP], consumed;

/* --- Linux's reservation: a spinlock around the whole of it ------------ */
static int lock_word;
static unsigned long lock_pending;

static void *lock_reserve(struct bpf_ringbuf *rb, u32 size)
{
	struct bpf_ringbuf_prod *pp = bpf_ringbuf_producer(rb);
	unsigned long cons = __atomic_load_n(bpf_ringbuf_consumer(rb), __ATOMIC_ACQUIRE);
	unsigned long len = ALIGN_UP(size + 8, 8), prod, end, pend;
	u32 *hdr;

	while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&lock_word, __ATOMIC_RELAXED))
			cpu_relax();
	prod = pp->producer_pos;
	end = prod + len;
	pend = lock_pending;
	while (pend < prod) {    /* past committed records, as Linux */
		u32 l = __atomic_load_n((u32 *)(bpf_ringbuf_data(rb) + (pend & rb->mask)), __ATOMIC_ACQUIRE);

		if (l & BPF_RINGBUF_BUSY_BIT)
			break;
		pend += ALIGN_UP((l & ~BPF_RINGBUF_DISCARD_BIT) + 8, 8);
	}
	lock_pending = pend;
	if (end - cons > rb->mask || end - pend > rb->mask) {
		__atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE);
		return NULL;
	}
	hdr = (u32 *)(bpf_ringbuf_data(rb) + (prod & rb->mask));
	hdr[1] = 3 + ((prod & rb->mask) >> 12);
	hdr[0] = size | BPF_RINGBUF_BUSY_BIT;
	__atomic_store_n(&pp->producer_pos, end, __ATOMIC_RELEASE);
	__atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE);
	return hdr + 2;
}

static void *producer(void *arg)
{
	long id = (long)arg;
	u64 n = 0, d = 0;

	__atomic_fetch_add(&started, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		u64 *s = use_lock ? lock_reserve(R.rb, SAMPLE) : bpf_ringbuf_reserve(R.rb, SAMPLE, 0);

		n++;
		if (solo && !(n & 31))
			__atomic_store_n(R.user.cons, __atomic_load_n(&R.user.prod->producer_pos,
						__ATOMIC_ACQUIRE), __ATOMIC_RELEASE);
		if (!s) {
			d++;
			continue;
		}
		s[0] = n;
		s[1] = id;
		if (use_lock)   /* Linux commits with an xchg whatever the flags */
			__atomic_exchange_n((u32 *)s - 2, SAMPLE, __ATOMIC_SEQ_CST);
		else
			bpf_ringbuf_submit(s, BPF_RB_NO_WAKEUP);
	}
	produced[id] = n;
	dropped[id] = d;
	return NULL;
}

static int count_cb(void *ctx, void *data, size_t size) { return 0; }

static void *consumer(void *arg)
{
	u64 n = 0;

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		int got = ring__consume(&ring);

		n += got > 0 ? got : 0;
		if (got <= 0)
			cpu_relax();
	}
	consumed = n;
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec d = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&d, NULL);
}

/* One run: Mrec/s consumed (solo: committed), and Mrec/s refused in *drops. */
static double run_rb(int np, bool lock, bool alone, double *drops)
{
	pthread_t p[MAXP], c;
	double t0, secs;
	u64 d = 0, n = 0;

	if (tbr_init(&R, 1 << 20, BPF_MAP_TYPE_RINGBUF, 0))
		abort();
	solo = alone;
	ring__init_mem(&ring, R.user.cons, R.user.prod, 1 << 20, false, count_cb, NULL);
	use_lock = lock;
	lock_word = 0;
	lock_pending = 0;
	stop = started = 0;
	consumed = 0;
	if (!alone)
		pthread_create(&c, NULL, consumer, NULL);
	for (long i = 0; i < np; i++)
		pthread_create(&p[i], NULL, producer, (void *)i);
	while (__atomic_load_n(&started, __ATOMIC_ACQUIRE) < np)
		sched_yield();
	t0 = now_s();
	sleep_ms(RUN_MS);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	secs = now_s() - t0;
	for (int i = 0; i < np; i++)
		pthread_join(p[i], NULL);
	if (!alone)
		pthread_join(c, NULL);
	for (int i = 0; i < np; i++) {
		d += dropped[i];
		n += produced[i] - dropped[i];
	}
	*drops = d / secs / 1e6;
	tbr_free(&R);
	return (alone ? n : consumed) / secs / 1e6;
}

static double best_rb(int np, bool lock, bool alone, double *drops)
{
	double best = 0, d = 0, v;

	*drops = 0;
	for (int i = 0; i < 3; i++)
		if ((v = run_rb(np, lock, alone, &d)) > best) {
			best = v;
			*drops = d;
		}
	return best;
}

/* --- perf buffer: one producer, one reader ----------------------------- */
static struct test_rb P;
static const struct perf_output_ctx pctx = { .id = 1 };

static void *pb_producer(void *arg)
{
	u64 rec[4], n = 0;

	trb_make(rec, PERF_RECORD_SAMPLE, 8 + 4 + 20, 0);   /* raw sample, 16 bytes + pad */
	__atomic_fetch_add(&started, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		rec[1] = n++;
		perf_output(&P.rb, &pctx, rec, 32);
	}
	return NULL;
}

static void *pb_consumer(void *arg)
{
	static u8 scratch[65536];
	struct perf_reader r;
	u64 n = 0;

	perf_reader_init(&r, P.up, P.data, trb_size(&P), 0, scratch, sizeof(scratch));
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		if (!perf_reader_begin(&r)) {
			cpu_relax();
			continue;
		}
		while (perf_reader_next(&r))
			n++;
		perf_reader_consume(&r);
	}
	consumed = n;
	return NULL;
}

static double run_pb(void)
{
	pthread_t p, c;
	double t0, secs;

	trb_init(&P, TRB_MAX_PAGES, false, false, 0);   /* 256 KiB */
	stop = started = 0;
	pthread_create(&c, NULL, pb_consumer, NULL);
	pthread_create(&p, NULL, pb_producer, NULL);
	while (__atomic_load_n(&started, __ATOMIC_ACQUIRE) < 1)
		sched_yield();
	t0 = now_s();
	sleep_ms(RUN_MS);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	secs = now_s() - t0;
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	trb_free(&P);
	return consumed / secs / 1e6;
}

int main(void)
{
	static const int nps[] = { 1, 2, 4 };
	double d, best = 0;

	printf("# %ld CPUs online\n", sysconf(_SC_NPROCESSORS_ONLN));
	for (unsigned int i = 0; i < ARRAY_SIZE(nps); i++) {
		printf("bench host_rb_%dp_mrec_s %.2f Mrec/s\n", nps[i], best_rb(nps[i], false, false, &d));
		printf("bench host_rb_%dp_drop_mrec_s %.2f Mrec/s\n", nps[i], d);
		fflush(stdout);
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(nps); i++) {
		printf("bench host_rb_lock_%dp_mrec_s %.2f Mrec/s\n", nps[i], best_rb(nps[i], true, false, &d));
		fflush(stdout);
	}
	/* Producers alone: the reservation path's own scaling, N producers on
	 * N CPUs (this host permitting). */
	for (unsigned int i = 0; i < 2; i++) {
		printf("bench host_rb_solo_%dp_mrec_s %.2f Mrec/s\n", nps[i], best_rb(nps[i], false, true, &d));
		printf("bench host_rb_lock_solo_%dp_mrec_s %.2f Mrec/s\n", nps[i],
		       best_rb(nps[i], true, true, &d));
		fflush(stdout);
	}
	for (int i = 0; i < 3; i++) {
		double v = run_pb();

		best = v > best ? v : best;
	}
	printf("bench host_pb_1p_mrec_s %.2f Mrec/s\n", best);
	return 0;
}
