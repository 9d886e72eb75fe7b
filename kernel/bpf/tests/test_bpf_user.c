/* The user ring buffer's kernel side (bpf_user_ringbuf_drain) against
 * what user space may write: Linux's user_ringbuf selftests (bad headers,
 * ring size - 8, discards, overfill), the drain limits and flags, every
 * position and header hostile, and the "kill" flow (drain a user ring into
 * a kernel ring). User space writes through the user mapping, whose
 * consumer page is read-only (bpf_test_util.h). */
#include <stdio.h>
#include "bpf_test_util.h"
#include "ktest_host.h"

static struct test_bpf_rb U;

#define fresh(t, size)                                                                 \
	do {                                                                           \
		if (U.rb)                                                              \
			tbr_free(&U);                                                  \
		KT_ASSERT_EQ(t, tbr_init(&U, size, BPF_MAP_TYPE_USER_RINGBUF, 0), 0);  \
	} while (0)

/* What libbpf's user_ring_buffer__reserve + submit/discard write. */
static int put(struct test_bpf_rb *u, u32 size, u32 fill, int how /* 0 submit, 1 discard, 2 keep busy */)
{
	unsigned long cons = __atomic_load_n(u->user.cons, __ATOMIC_ACQUIRE);
	unsigned long prod = u->user.prod->producer_pos;
	u32 total = ALIGN_UP(size + 8, 8);
	u32 *hdr = tbr_hdr(u, prod);

	if (total > u->size)
		return -E2BIG;
	if (u->size - (prod - cons) < total)
		return -ENOSPC;
	hdr[0] = size | BPF_RINGBUF_BUSY_BIT;
	hdr[1] = 0;
	__atomic_store_n(&u->user.prod->producer_pos, prod + total, __ATOMIC_RELEASE);
	memset(u->user.data + ((prod + 8) & (u->size - 1)), (int)fill, size);
	if (how < 2)
		__atomic_exchange_n(hdr, size | (how ? BPF_RINGBUF_DISCARD_BIT : 0), __ATOMIC_ACQ_REL);
	return 0;
}

struct seen {
	int n, stop_at;
	u32 size[16];
	u8 first[16];
	int bad_ptr;
};

static int cb(const void *data, u32 size, void *ctx)
{
	struct seen *s = ctx;
	const u8 *d = data, *lo = bpf_ringbuf_data(U.rb);

	if (d < lo || d + size > lo + 2 * (size_t)U.size)
		s->bad_ptr++;
	if (s->n < 16) {
		s->size[s->n] = size;
		s->first[s->n] = size ? d[0] : 0;
	}
	return ++s->n == s->stop_at;
}

static unsigned long cons(void) { return *U.user.cons; }

static void test_drain_basic_and_stop(struct ktest *t)
{
	struct seen s = { 0 };

	fresh(t, 4096);
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(U.rb, cb, &s, 0), 0);
	KT_EXPECT_EQ(t, tbr_wakeups(&U), 0);
	for (u32 i = 0; i < 5; i++)
		KT_ASSERT_EQ(t, put(&U, 8 + i, 0x10 + i, 0), 0);
	s.stop_at = 3;
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(U.rb, cb, &s, 0), 3);   /* cb said stop */
	KT_EXPECT_EQ(t, cons(), 16 + 24 + 24);   /* 8, 9, 10 bytes */
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(U.rb, cb, &s, 0), 2);
	KT_EXPECT_EQ(t, s.n, 5);
	for (int i = 0; i < 5; i++) {
		KT_EXPECT_EQ(t, s.size[i], 8 + i);
		KT_EXPECT_EQ(t, s.first[i], 0x10 + i);
	}
	KT_EXPECT_EQ(t, cons(), U.user.prod->producer_pos);
	KT_EXPECT_EQ(t, tbr_wakeups(&U), 2);
	KT_EXPECT_EQ(t, s.bad_ptr, 0);
}

/* Linux's bad-header cases: each returns the errno and consumes nothing. */
static void test_bad_headers(struct ktest *t)
{
	struct seen s = { 0 };
	u32 *hdr;

	fresh(t, 4096);
	hdr = tbr_hdr(&U, 0);
	/* size 39: producer_pos 47 is not 8-aligned */
	hdr[0] = 39;
	U.user.prod->producer_pos = 39 + 8;
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(U.rb, cb, &s, 0), -EINVAL);
	/* the header claims more than was produced */
	hdr[0] = 32;
	U.user.prod->producer_pos = 8;
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(U.rb, cb, &s, 0), -EINVAL);
	U.user.prod->producer_pos = 32;
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(U.rb, cb, &s, 0), -EINVAL);
	/* a sample as large as the ring: E2BIG (even if "produced") */
	hdr[0] = 4096;
	U.user.prod->producer_pos = 4096 + 8;
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(U.rb, cb, &s, 0), -E2BIG);
	hdr[0] = 0x3fffffff;
	U.user.prod->producer_pos = 1UL << 40;
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(U.rb, cb, &s, 0), -E2BIG);
	/* flags bits set on a bad length do not hide it */
	hdr[0] = 4096 | BPF_RINGBUF_DISCARD_BIT;
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(U.rb, cb, &s, 0), -E2BIG);
	KT_EXPECT_EQ(t, s.n, 0);
	KT_EXPECT_EQ(t, cons(), 0);
	KT_EXPECT_EQ(t, tbr_wakeups(&U), 0);
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(U.rb, cb, &s, 4), -EINVAL);   /* flags */
	/* a good sample, then a bad one: the good one stays consumed */
	fresh(t, 4096);
	KT_ASSERT_EQ(t, put(&U, 16, 1, 0), 0);
	hdr = tbr_hdr(&U, 24);
	hdr[0] = 100;
	U.user.prod->producer_pos = 24 + 16;
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(U.rb, cb, &s, 0), -EINVAL);
	KT_EXPECT_EQ(t, s.n, 1);
	KT_EXPECT_EQ(t, cons(), 24);
	KT_EXPECT_EQ(t, tbr_wakeups(&U), 1);
}

/* producer_pos moved backwards, busy samples that never complete: the
 * drain just finds nothing, and never spins. */
static void test_backwards_and_busy(struct ktest *t)
{
	struct seen s = { 0 };

	fresh(t, 4096);
	for (int i = 0; i < 4; i++)
		KT_ASSERT_EQ(t, put(&U, 24, i, 0), 0);
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(U.rb, cb, &s, 0), 4);
	U.user.prod->producer_pos = 32;                 /* behind consumer_pos (128) */
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(U.rb, cb, &s, 0), 0);
	U.user.prod->producer_pos = 0;
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(U.rb, cb, &s, 0), 0);
	KT_EXPECT_EQ(t, cons(), 128);
	U.user.prod->producer_pos = 128;
	KT_ASSERT_EQ(t, put(&U, 40, 9, 2), 0);          /* busy forever */
	KT_ASSERT_EQ(t, put(&U, 40, 9, 0), 0);
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(U.rb, cb, &s, 0), 0);
	KT_EXPECT_EQ(t, cons(), 128);
	KT_EXPECT_EQ(t, s.n, 4);
}

/* A sample of ring size - 8 is one whole ring; and read wrapped. */
static void test_ring_size_minus_8(struct ktest *t)
{
	struct seen s = { 0 };

	fresh(t, 4096);
	KT_EXPECT_EQ(t, put(&U, 4096 - 7, 1, 0), -E2BIG);
	KT_ASSERT_EQ(t, put(&U, 4096 - 8, 0x5a, 0), 0);
	KT_EXPECT_EQ(t, put(&U, 0, 1, 0), -ENOSPC);
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(U.rb, cb, &s, 0), 1);
	KT_EXPECT_EQ(t, s.size[0], 4096 - 8);
	KT_EXPECT_EQ(t, s.first[0], 0x5a);
	KT_ASSERT_EQ(t, put(&U, 40, 1, 0), 0);          /* shift by 48 */
	KT_ASSERT_EQ(t, bpf_user_ringbuf_drain(U.rb, cb, &s, 0), 1);
	KT_ASSERT_EQ(t, put(&U, 4096 - 8, 0x77, 0), 0); /* wraps */
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(U.rb, cb, &s, 0), 1);
	KT_EXPECT_EQ(t, s.size[2], 4096 - 8);
	KT_EXPECT_EQ(t, s.first[2], 0x77);
	KT_EXPECT_EQ(t, s.bad_ptr, 0);
}

/* Overfill 5x: exactly size / total fit; discarded samples read as
 * nothing, yet their space comes back after a drain. */
static void test_overfill_and_discards(struct ktest *t)
{
	struct seen s = { 0 };
	int fit = 0, err = 0;

	fresh(t, 4096);
	for (int i = 0; i < 5 * 4096 / 40; i++) {
		int r = put(&U, 32, i, i & 1);

		fit += r == 0;
		err += r == -ENOSPC;
	}
	KT_EXPECT_EQ(t, fit, 4096 / 40);
	KT_EXPECT_EQ(t, err, 5 * 4096 / 40 - 4096 / 40);
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(U.rb, cb, &s, 0), (fit + 1) / 2);
	KT_EXPECT_EQ(t, cons(), fit * 40);
	KT_EXPECT_EQ(t, put(&U, 32, 0, 1), 0);          /* only discards: */
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(U.rb, cb, &s, 0), 0);
	KT_EXPECT_EQ(t, cons(), fit * 40 + 40);
	KT_EXPECT_EQ(t, tbr_wakeups(&U), 2);            /* space was freed */
}

/* At most 128 Ki samples per drain; nested drains get EBUSY. */
static int nested_cb(const void *data, u32 size, void *ctx)
{
	*(long *)ctx = bpf_user_ringbuf_drain(U.rb, cb, NULL, 0);
	return 1;
}

static void test_limits_and_ebusy(struct ktest *t)
{
	long nested = 0;
	int n = 0;

	fresh(t, 1 << 21);
	while (put(&U, 0, 0, 0) == 0)
		n++;
	KT_EXPECT_EQ(t, n, (1 << 21) / 8);
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(U.rb, cb, &(struct seen){ 0 }, 0), BPF_RINGBUF_MAX_DRAIN);
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(U.rb, cb, &(struct seen){ 0 }, 0), n - BPF_RINGBUF_MAX_DRAIN);
	KT_ASSERT_EQ(t, put(&U, 8, 0, 0), 0);
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(U.rb, nested_cb, &nested, 0), 1);
	KT_EXPECT_EQ(t, nested, -EBUSY);
	KT_EXPECT_EQ(t, U.rb->busy, 0);
}

static void test_wakeup_flags(struct ktest *t)
{
	struct seen s = { 0 };

	fresh(t, 4096);
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(U.rb, cb, &s, BPF_RB_FORCE_WAKEUP), 0);
	KT_EXPECT_EQ(t, tbr_wakeups(&U), 1);                /* forced, nothing drained */
	put(&U, 8, 0, 0);
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(U.rb, cb, &s, BPF_RB_NO_WAKEUP), 1);
	KT_EXPECT_EQ(t, tbr_wakeups(&U), 1);
	put(&U, 8, 0, 0);
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(U.rb, cb, &s, 0), 1);
	KT_EXPECT_EQ(t, tbr_wakeups(&U), 2);
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(U.rb, cb, &s, 0), 0);
	KT_EXPECT_EQ(t, tbr_wakeups(&U), 2);
}

/* Anything at all in producer_pos and the data: the drain returns a
 * count or EINVAL/E2BIG, passes only pointers inside the double mapping,
 * keeps consumer_pos 8-aligned and moving forward, and never faults. */
static void test_hostile_fuzz(struct ktest *t)
{
	struct seen s = { 0 };
	u64 seed = 42, errs = 0, got = 0;

	fresh(t, 8192);
	for (u32 i = 0; i < 8192 / 4; i++)   /* garbage everywhere to start */
		((u32 *)U.user.data)[i] = i * 2654435761u;
	for (int i = 0; i < 20000; i++) {
		unsigned long before = cons(), c;
		long r;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		u32 *h = tbr_hdr(&U, before + ((seed >> 50) & ~7UL) * (seed & 1));
		switch ((seed >> 8) & 7) {
		case 0: h[0] = (u32)(seed >> 32); break;
		case 1: h[0] = (u32)(seed >> 40) & 0x1fff; break;
		case 2: h[0] = ((u32)(seed >> 40) & 0xfff) | BPF_RINGBUF_BUSY_BIT; break;
		case 3: h[0] = ((u32)(seed >> 40) & 0xfff) | BPF_RINGBUF_DISCARD_BIT; break;
		default: h[0] = (u32)(seed >> 40) & 0x3f8; break;
		}
		switch ((seed >> 12) & 3) {
		case 0: U.user.prod->producer_pos = before + ((seed >> 20) & 0xffff); break;
		case 1: U.user.prod->producer_pos = seed; break;
		case 2: U.user.prod->producer_pos = before - ((seed >> 20) & 0xff); break;
		default: U.user.prod->producer_pos = before + ((seed >> 20) & 0x3ff8); break;
		}
		r = bpf_user_ringbuf_drain(U.rb, cb, &s, 0);
		c = cons();
		if (r < 0) {
			errs++;
			KT_ASSERT(t, r == -EINVAL || r == -E2BIG);
		} else {
			got += r;
		}
		KT_ASSERT(t, c % 8 == 0 && c >= before);
	}
	KT_EXPECT_EQ(t, s.bad_ptr, 0);
	KT_EXPECT_GT(t, errs, 1000);
	KT_EXPECT_GT(t, got, 1000);
	KT_EXPECT_EQ(t, U.rb->busy, 0);
}

/* The kill() flow: samples from the user ring, each re-emitted by the
 * drain callback as a {pid, comm} record into a kernel ring. */
struct kill_rec {
	int pid;
	char comm[16];
};
static struct test_bpf_rb K;

static int kill_cb(const void *data, u32 size, void *ctx)
{
	struct kill_rec *r = bpf_ringbuf_reserve(K.rb, sizeof(*r), 0);
	u8 first = 0;

	if (!r)
		return 0;    /* counted as a drop of K */
	if (size)
		memcpy(&first, data, 1);   /* copy once: user memory */
	r->pid = 1000 + first;
	memcpy(r->comm, "kill_test", 10);
	bpf_ringbuf_submit(r, 0);
	return 0;
}

static void collect_pid(void *data, u32 len, void *ctx)
{
	struct kill_rec *r = data;
	int *sum = ctx;

	*sum += r->pid + (strcmp(r->comm, "kill_test") ? 1000000 : 0);
}

static void test_kill_drain_into_kernel_ring(struct ktest *t)
{
	int sum = 0;

	fresh(t, 4096);
	KT_ASSERT_EQ(t, tbr_init(&K, 4096, BPF_MAP_TYPE_RINGBUF, 0), 0);
	for (int i = 0; i < 10; i++)
		KT_ASSERT_EQ(t, put(&U, 16, i, i == 4), 0);
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(U.rb, kill_cb, NULL, 0), 9);
	KT_EXPECT_EQ(t, tbr_consume(&K, collect_pid, &sum), 9);
	KT_EXPECT_EQ(t, sum, 9 * 1000 + 45 - 4);
	KT_EXPECT_EQ(t, tbr_dropped(&K), 0);
	tbr_free(&K);
}

static const struct ktest_case user_cases[] = {
	KTEST_CASE(test_drain_basic_and_stop),
	KTEST_CASE(test_bad_headers),
	KTEST_CASE(test_backwards_and_busy),
	KTEST_CASE(test_ring_size_minus_8),
	KTEST_CASE(test_overfill_and_discards),
	KTEST_CASE(test_limits_and_ebusy),
	KTEST_CASE(test_wakeup_flags),
	KTEST_CASE(test_hostile_fuzz),
	KTEST_CASE(test_kill_drain_into_kernel_ring),
	{ 0 },
};
KTEST_HOST_SUITE(user_suite, "bpf_rb_user", user_cases);
KTEST_HOST_MAIN(&user_suite);
