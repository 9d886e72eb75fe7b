/* The BPF ring buffer core (kernel/bpf/ringbuf.c), kernel rings, one
 * thread: Linux's ringbuf selftests replayed against the core, plus the
 * hostile consumer_pos cases, map creation checks, mmap permissions and
 * poll. Each case builds a fresh ring (bpf_test_util.h). */
#include <stdio.h>
#include "bpf_test_util.h"
#include "ktest_host.h"

struct sample {          /* Linux's test_ringbuf sample: 32 bytes */
	int pid;
	int seq;
	long value;
	char comm[16];
};
#define REC_SZ (sizeof(struct sample) + BPF_RINGBUF_HDR_SZ)

static struct test_bpf_rb T;

static u64 q(u64 flag) { return bpf_ringbuf_query(T.rb, flag); }

/* A new ring in T; the previous one is freed here, so that a case that
 * stopped at a failed assertion leaks nothing. */
#define fresh(t, size, type, flags)                                            \
	do {                                                                   \
		if (T.rb)                                                      \
			tbr_free(&T);                                          \
		KT_ASSERT_EQ(t, tbr_init(&T, size, type, flags), 0);           \
	} while (0)

static void collect(void *data, u32 len, void *ctx)
{
	struct sample *out = ctx;
	int *n = (int *)(out + 8);

	if (len == sizeof(struct sample) && *n < 8)
		memcpy(&out[(*n)++], data, len);
}

/* test_ringbuf: a record submitted, then one reserved, copied out with
 * bpf_ringbuf_output and discarded: 2 visible + 1 discarded. */
static void test_positions_two_submits_one_discard(struct ktest *t)
{
	struct sample *s, got[9] = { 0 };
	int *n = (int *)&got[8];

	fresh(t, 4096, BPF_MAP_TYPE_RINGBUF, 0);
	s = bpf_ringbuf_reserve(T.rb, sizeof(*s), 0);
	KT_ASSERT(t, s != NULL);
	*s = (struct sample){ .pid = 7, .seq = 0, .value = 333 };
	bpf_ringbuf_submit(s, 0);
	s = bpf_ringbuf_reserve(T.rb, sizeof(*s), 0);
	KT_ASSERT(t, s != NULL);
	*s = (struct sample){ .pid = 7, .seq = 1, .value = 777 };
	KT_EXPECT_EQ(t, bpf_ringbuf_output(T.rb, s, sizeof(*s), 0), 0);
	bpf_ringbuf_discard(s, 0);

	KT_EXPECT_EQ(t, q(BPF_RB_AVAIL_DATA), 3 * REC_SZ);
	KT_EXPECT_EQ(t, q(BPF_RB_PROD_POS), 3 * REC_SZ);
	KT_EXPECT_EQ(t, q(BPF_RB_CONS_POS), 0);
	KT_EXPECT_EQ(t, q(BPF_RB_RING_SIZE), 4096);
	KT_EXPECT_EQ(t, q(RT_BPF_RB_DROPPED), 0);
	KT_EXPECT_EQ(t, q(12345), 0);                  /* unknown: 0, as Linux */
	KT_EXPECT_EQ(t, T.user.prod->producer_pos, 3 * REC_SZ);
	/* Headers as user space sees them: len, flags and Linux's pg_off. */
	KT_EXPECT_EQ(t, tbr_hdr(&T, 0)[0], sizeof(*s));
	KT_EXPECT_EQ(t, tbr_hdr(&T, REC_SZ)[0], sizeof(*s) | BPF_RINGBUF_DISCARD_BIT);
	KT_EXPECT_EQ(t, tbr_hdr(&T, 2 * REC_SZ)[1], 3);

	KT_EXPECT_EQ(t, tbr_consume(&T, collect, got), 2);
	KT_EXPECT_EQ(t, *n, 2);
	KT_EXPECT_EQ(t, got[0].value, 333);
	KT_EXPECT_EQ(t, got[1].seq, 1);
	KT_EXPECT_EQ(t, got[1].value, 777);
	KT_EXPECT_EQ(t, q(BPF_RB_AVAIL_DATA), 0);
	KT_EXPECT_EQ(t, q(BPF_RB_CONS_POS), 3 * REC_SZ);
}

/* Default wakeup only when the consumer waits at this very record;
 * NO_WAKEUP never; FORCE_WAKEUP always. */
static void test_wakeup_flags(struct ktest *t)
{
	void *a, *b;

	fresh(t, 4096, BPF_MAP_TYPE_RINGBUF, 0);
	a = bpf_ringbuf_reserve(T.rb, 8, 0);
	b = bpf_ringbuf_reserve(T.rb, 8, 0);
	bpf_ringbuf_submit(b, 0);                 /* consumer waits at a, not b */
	KT_EXPECT_EQ(t, tbr_wakeups(&T), 0);
	bpf_ringbuf_submit(a, 0);                 /* at a: wake */
	KT_EXPECT_EQ(t, tbr_wakeups(&T), 1);
	a = bpf_ringbuf_reserve(T.rb, 8, 0);
	bpf_ringbuf_submit(a, BPF_RB_FORCE_WAKEUP);   /* not at a, forced */
	KT_EXPECT_EQ(t, tbr_wakeups(&T), 2);
	tbr_consume(&T, NULL, NULL);
	a = bpf_ringbuf_reserve(T.rb, 8, 0);
	bpf_ringbuf_submit(a, BPF_RB_NO_WAKEUP);      /* at a, suppressed */
	KT_EXPECT_EQ(t, tbr_wakeups(&T), 2);
	tbr_consume(&T, NULL, NULL);
	a = bpf_ringbuf_reserve(T.rb, 8, 0);
	bpf_ringbuf_discard(a, 0);                    /* discards wake too */
	KT_EXPECT_EQ(t, tbr_wakeups(&T), 3);
	KT_EXPECT_EQ(t, bpf_ringbuf_output(T.rb, &a, 8, BPF_RB_NO_WAKEUP), 0);
	KT_EXPECT_EQ(t, bpf_ringbuf_output(T.rb, &a, 8, 4), -EINVAL);
	KT_EXPECT_EQ(t, tbr_wakeups(&T), 3);
	KT_EXPECT_EQ(t, q(RT_BPF_RB_DROPPED), 0);
}

/* Linux's overrunning-reservation regression: consumer_pos forced ahead
 * must not let a second large reservation wrap onto the first, still
 * BUSY one: pending_pos holds it back. */
static void test_overlapping_reserve_regression(struct ktest *t)
{
	void *r1, *r2;

	fresh(t, 0x4000, BPF_MAP_TYPE_RINGBUF, 0);
	*T.user.cons = 0x3000;                    /* written by "user space" */
	r1 = bpf_ringbuf_reserve(T.rb, 0x3000, 0);
	KT_ASSERT(t, r1 != NULL);
	r2 = bpf_ringbuf_reserve(T.rb, 0x3000, 0);
	KT_EXPECT(t, r2 == NULL);
	KT_EXPECT_EQ(t, q(BPF_RB_PROD_POS), 0x3008);
	KT_EXPECT_EQ(t, tbr_dropped(&T), 1);
	bpf_ringbuf_discard(r1, 0);
	/* With r1 gone, the same reservation is legal again (cons allows it). */
	r2 = bpf_ringbuf_reserve(T.rb, 0x3000, 0);
	KT_EXPECT(t, r2 != NULL);
	if (r2)
		bpf_ringbuf_discard(r2, 0);
}

/* The largest records. A kernel ring keeps new_prod - consumer_pos <=
 * size - 1 (Linux's check), so its largest sample is size - 16; a sample
 * of size - 8 (one whole ring) is refused. Records wrap contiguously. */
static void test_largest_records(struct ktest *t)
{
	u8 *r;
	int bad = 0;

	fresh(t, 4096, BPF_MAP_TYPE_RINGBUF, 0);
	KT_EXPECT(t, bpf_ringbuf_reserve(T.rb, 4096 - 8, 0) == NULL);
	KT_EXPECT(t, bpf_ringbuf_reserve(T.rb, 1ULL << 32, 0) == NULL);
	KT_EXPECT(t, bpf_ringbuf_reserve(T.rb, 8, 1) == NULL);   /* flags: not a drop */
	KT_EXPECT_EQ(t, tbr_dropped(&T), 2);
	r = bpf_ringbuf_reserve(T.rb, 4096 - 16, 0);
	KT_ASSERT(t, r != NULL);
	memset(r, 0xab, 4096 - 16);
	KT_EXPECT(t, bpf_ringbuf_reserve(T.rb, 0, 0) == NULL);   /* 8 more: full */
	bpf_ringbuf_submit(r, 0);
	KT_EXPECT_EQ(t, tbr_consume(&T, NULL, NULL), 1);
	/* Now at data offset 4088: the next big record runs off the end and
	 * on at offset 0, contiguous through the second mapping. */
	r = bpf_ringbuf_reserve(T.rb, 4096 - 16, 0);
	KT_ASSERT(t, r != NULL);
	KT_EXPECT_EQ(t, (u8 *)r - bpf_ringbuf_data(T.rb), 4088 + 8 - 4096 + 4096);
	for (int i = 0; i < 4096 - 16; i++)
		r[i] = (u8)i;
	bpf_ringbuf_submit(r, 0);
	for (int i = 0; i < 4096 - 16; i++)   /* wrapped, as user space sees it */
		bad += T.user.data[(4096 + i) & 4095] != (u8)i;
	KT_EXPECT_EQ(t, bad, 0);
	KT_EXPECT_EQ(t, tbr_hdr(&T, 4088)[1], 3);                 /* pg_off: last page */
	KT_EXPECT_EQ(t, tbr_dropped(&T), 3);
}

/* Overfill with fixed records: exactly size / rec fit, every further
 * attempt is one drop, and space returns after consuming. */
static void test_overfill_and_discards(struct ktest *t)
{
	int fit = 0, refused = 0;
	void *r;

	fresh(t, 4096, BPF_MAP_TYPE_RINGBUF, 0);
	for (int i = 0; i < 5 * 4096 / (int)REC_SZ; i++) {
		r = bpf_ringbuf_reserve(T.rb, sizeof(struct sample), 0);
		if (!r) {
			refused++;
			continue;
		}
		fit++;
		if (i % 3 == 0)
			bpf_ringbuf_discard(r, 0);
		else
			bpf_ringbuf_submit(r, 0);
	}
	KT_EXPECT_EQ(t, fit, 4096 / REC_SZ);
	KT_EXPECT_EQ(t, tbr_dropped(&T), refused);
	KT_EXPECT_EQ(t, tbr_consume(&T, NULL, NULL), fit - (fit + 2) / 3);
	KT_EXPECT(t, bpf_ringbuf_reserve(T.rb, sizeof(struct sample), 0) != NULL);
}

/* A record that never completes: the consumer stops there, and however
 * consumer_pos is moved no reservation may reach it (pending_pos). */
static void test_busy_never_completes(struct ktest *t)
{
	u64 *stuck, *r;
	int n = 0;

	fresh(t, 4096, BPF_MAP_TYPE_RINGBUF, 0);
	stuck = bpf_ringbuf_reserve(T.rb, 24, 0);
	*stuck = 0x57c4;
	while ((r = bpf_ringbuf_reserve(T.rb, 24, 0))) {
		bpf_ringbuf_submit(r, 0);
		n++;
	}
	KT_EXPECT_EQ(t, n, 4096 / 32 - 2);   /* at most size - 1 bytes in use */
	KT_EXPECT_EQ(t, tbr_consume(&T, NULL, NULL), 0);
	/* User space claims it consumed everything, then far more. */
	for (unsigned long c = 32; c < 3 * 4096; c += 1000) {
		*T.user.cons = q(BPF_RB_PROD_POS) + c;
		KT_EXPECT(t, bpf_ringbuf_reserve(T.rb, 24, 0) == NULL);
	}
	*T.user.cons = q(BPF_RB_PROD_POS);
	KT_EXPECT(t, bpf_ringbuf_reserve(T.rb, 24, 0) == NULL);   /* pending */
	KT_EXPECT_EQ(t, *stuck, 0x57c4);
	KT_EXPECT_EQ(t, tbr_hdr(&T, 0)[0], 24 | BPF_RINGBUF_BUSY_BIT);
	bpf_ringbuf_submit(stuck, 0);
	KT_EXPECT(t, (r = bpf_ringbuf_reserve(T.rb, 24, 0)) != NULL);
}

/* consumer_pos moved backwards, or to anything at all: the core only
 * refuses (counting drops); it never writes outside the ring (the guard
 * pages would fault) nor over a BUSY record. */
static void test_hostile_consumer_pos(struct ktest *t)
{
	static const unsigned long bad[] = { 0, 1, 7, 4095, 4096, 1UL << 63, ~0UL, ~0UL - 4095 };
	unsigned long prod, tries = 0, got = 0;
	u64 seed = 99;

	fresh(t, 8192, BPF_MAP_TYPE_RINGBUF, 0);
	for (int i = 0; i < 20000; i++) {
		void *held = NULL;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		prod = q(BPF_RB_PROD_POS);
		switch (seed >> 61) {
		case 0: *T.user.cons = bad[(seed >> 20) % ARRAY_SIZE(bad)]; break;
		case 1: *T.user.cons = prod - (seed >> 40) % 20000; break;   /* backwards */
		case 2: *T.user.cons = prod + (seed >> 40) % 20000; break;   /* ahead */
		default: *T.user.cons = prod; break;                         /* honest */
		}
		if (seed & 8) {
			held = bpf_ringbuf_reserve(T.rb, 100, 0);
			tries++;
			got += held != NULL;
		}
		for (int k = 0; k < 4; k++) {
			u64 sz = (seed >> (10 + 8 * k)) % 3000;
			u8 *r = bpf_ringbuf_reserve(T.rb, sz, 0);

			tries++;
			if (!r)
				continue;
			got++;
			memset(r, 0xee, sz);
			bpf_ringbuf_submit(r, 0);
		}
		if (held) {
			KT_ASSERT_EQ(t, *((u32 *)held - 2), 100 | BPF_RINGBUF_BUSY_BIT);
			bpf_ringbuf_discard(held, 0);
		}
	}
	KT_EXPECT_EQ(t, got + tbr_dropped(&T), tries);
	KT_EXPECT_GT(t, got, 1000);
	KT_EXPECT_GT(t, tbr_dropped(&T), 1000);
}

/* Linux's overwrite selftest (BPF_F_RB_OVERWRITE, 6.19). */
static void test_overwrite_mode(struct ktest *t)
{
	const u64 size = 4096, len1 = 2048, len2 = 1024, len3 = size - len1 - len2 - 24;
	const u64 len4 = len3 - 8, len5 = len3;
	u8 *r1, *r2, *r4, *r5;

	fresh(t, size, BPF_MAP_TYPE_RINGBUF, BPF_F_RB_OVERWRITE);
	r1 = bpf_ringbuf_reserve(T.rb, len1, 0);
	r2 = bpf_ringbuf_reserve(T.rb, len2, 0);
	KT_ASSERT(t, r1 && r2);
	KT_EXPECT(t, bpf_ringbuf_reserve(T.rb, len3, 0) == NULL);   /* would reach r1 */
	r4 = bpf_ringbuf_reserve(T.rb, len4, 0);
	KT_ASSERT(t, r4 != NULL);
	bpf_ringbuf_submit(r1, 0);
	bpf_ringbuf_submit(r2, 0);
	bpf_ringbuf_submit(r4, 0);
	r5 = bpf_ringbuf_reserve(T.rb, len5, 0);                     /* overwrites r1 */
	KT_ASSERT(t, r5 != NULL);
	memset(r5, 0xdd, len5);
	bpf_ringbuf_submit(r5, 0);
	KT_EXPECT_EQ(t, q(BPF_RB_RING_SIZE), size);
	KT_EXPECT_EQ(t, q(BPF_RB_AVAIL_DATA), len2 + len4 + len5 + 3 * 8);
	KT_EXPECT_EQ(t, q(BPF_RB_CONS_POS), 0);
	KT_EXPECT_EQ(t, q(BPF_RB_PROD_POS), len1 + len2 + len4 + len5 + 4 * 8);
	KT_EXPECT_EQ(t, q(BPF_RB_OVERWRITE_POS), len1 + 8);
	KT_EXPECT_EQ(t, T.user.prod->overwrite_pos, len1 + 8);
	KT_EXPECT_EQ(t, tbr_dropped(&T), 1);
	/* Keep writing far past the consumer: the newest records stay whole
	 * and record-aligned from overwrite_pos to producer_pos. */
	for (int i = 0; i < 1000; i++) {
		u32 sz = 8 + (i * 37) % 500;
		u32 *r = bpf_ringbuf_reserve(T.rb, sz, 0);

		KT_ASSERT(t, r != NULL);
		r[0] = i;
		bpf_ringbuf_submit(r, 0);
	}
	unsigned long pos = q(BPF_RB_OVERWRITE_POS), prod = q(BPF_RB_PROD_POS);
	int last = -1, bad = 0;
	KT_EXPECT_LE(t, prod - pos, size);
	while (pos < prod) {
		u32 len = *tbr_hdr(&T, pos);
		int v = *(int *)(tbr_hdr(&T, pos) + 2);

		bad += (len & BPF_RINGBUF_BUSY_BIT) || len != 8 + (v * 37) % 500 ||
		       (last >= 0 && v != last + 1);
		last = v;
		pos += ALIGN_UP(len + 8, 8);
	}
	KT_EXPECT_EQ(t, pos, prod);
	KT_EXPECT_EQ(t, last, 999);
	KT_EXPECT_EQ(t, bad, 0);
}

static void test_map_create_checks(struct ktest *t)
{
	union bpf_attr a;

#define ATTR(...) (memset(&a, 0, sizeof(a)), a.map_type = BPF_MAP_TYPE_RINGBUF, \
		   a.max_entries = 4096, __VA_ARGS__, bpf_ringbuf_check_attr(&a))
	KT_EXPECT_EQ(t, ATTR((void)0), 0);
	KT_EXPECT_EQ(t, ATTR(a.map_type = BPF_MAP_TYPE_USER_RINGBUF), 0);
	KT_EXPECT_EQ(t, ATTR(a.map_flags = BPF_F_RB_OVERWRITE), 0);
	KT_EXPECT_EQ(t, ATTR(a.map_flags = BPF_F_NUMA_NODE), 0);
	KT_EXPECT_EQ(t, ATTR(a.max_entries = 1 << 20), 0);
	KT_EXPECT_EQ(t, ATTR(a.map_type = BPF_MAP_TYPE_USER_RINGBUF, a.map_flags = BPF_F_RB_OVERWRITE),
		     -EINVAL);
	KT_EXPECT_EQ(t, ATTR(a.map_type = 26), -EINVAL);
	KT_EXPECT_EQ(t, ATTR(a.key_size = 4), -EINVAL);
	KT_EXPECT_EQ(t, ATTR(a.value_size = 4), -EINVAL);
	KT_EXPECT_EQ(t, ATTR(a.max_entries = 0), -EINVAL);
	KT_EXPECT_EQ(t, ATTR(a.max_entries = 2048), -EINVAL);      /* not page aligned */
	KT_EXPECT_EQ(t, ATTR(a.max_entries = 3 * 4096), -EINVAL);  /* not a power of 2 */
	KT_EXPECT_EQ(t, ATTR(a.map_flags = BPF_F_MMAPABLE), -EINVAL);
	KT_EXPECT_EQ(t, ATTR(a.map_flags = BPF_F_RDONLY), -EINVAL);
	KT_EXPECT_EQ(t, ATTR(a.map_flags = BPF_F_NUMA_NODE, a.numa_node = 1), -EINVAL);
	KT_EXPECT_EQ(t, ATTR(a.map_extra = 1), -EINVAL);
#undef ATTR
	KT_EXPECT_EQ(t, bpf_ringbuf_area_size(4096), 5 * 4096);
	KT_EXPECT_EQ(t, bpf_ringbuf_bitmap_size(4096), 64);
	KT_EXPECT_EQ(t, offsetof(struct bpf_ringbuf_prod, dropped), RT_BPF_RB_DROPPED_OFF);
	KT_EXPECT_LE(t, sizeof(struct bpf_ringbuf), 4096);
}

/* Linux's mapping rules (ringbuf_map_mmap_kern/_user), page offsets. */
static void test_mmap_permissions(struct ktest *t)
{
	struct test_bpf_rb u;

	fresh(t, 4096, BPF_MAP_TYPE_RINGBUF, 0);
	KT_ASSERT_EQ(t, tbr_init(&u, 4096, BPF_MAP_TYPE_USER_RINGBUF, 0), 0);
	/* kernel ring: 4 pages (cons, prod, data, data again) */
	KT_EXPECT_EQ(t, bpf_ringbuf_mmap_check(T.rb, 0, 1, true, true), 0);
	KT_EXPECT_EQ(t, bpf_ringbuf_mmap_check(T.rb, 0, 2, true, true), -EPERM);
	KT_EXPECT_EQ(t, bpf_ringbuf_mmap_check(T.rb, 1, 1, true, true), -EPERM);
	KT_EXPECT_EQ(t, bpf_ringbuf_mmap_check(T.rb, 2, 1, true, true), -EPERM);
	KT_EXPECT_EQ(t, bpf_ringbuf_mmap_check(T.rb, 3, 1, true, true), -EPERM);
	KT_EXPECT_EQ(t, bpf_ringbuf_mmap_check(T.rb, 2, 2, true, true), -EPERM);
	KT_EXPECT_EQ(t, bpf_ringbuf_mmap_check(T.rb, 0, 4, false, true), 0);
	KT_EXPECT_EQ(t, bpf_ringbuf_mmap_check(T.rb, 1, 3, false, true), 0);
	KT_EXPECT_EQ(t, bpf_ringbuf_mmap_check(T.rb, 0, 5, false, true), -EINVAL);
	KT_EXPECT_EQ(t, bpf_ringbuf_mmap_check(T.rb, 4, 1, false, true), -EINVAL);
	KT_EXPECT_EQ(t, bpf_ringbuf_mmap_check(T.rb, 0, 1, false, false), -EINVAL);
	/* user ring: everything but the consumer page may be writable */
	KT_EXPECT_EQ(t, bpf_ringbuf_mmap_check(u.rb, 0, 1, true, true), -EPERM);
	KT_EXPECT_EQ(t, bpf_ringbuf_mmap_check(u.rb, 0, 1, false, true), 0);
	KT_EXPECT_EQ(t, bpf_ringbuf_mmap_check(u.rb, 1, 3, true, true), 0);
	KT_EXPECT_EQ(t, bpf_ringbuf_mmap_check(u.rb, 1, 4, true, true), -EINVAL);
	KT_EXPECT(t, bpf_ringbuf_mmap_page(T.rb, 0) == bpf_ringbuf_consumer(T.rb));
	KT_EXPECT(t, bpf_ringbuf_mmap_page(T.rb, 3) == bpf_ringbuf_data(T.rb) + 4096);
	/* poll: kernel ring readable with data; user ring writable unless full */
	KT_EXPECT_EQ(t, bpf_ringbuf_poll(T.rb), 0);
	void *r = bpf_ringbuf_reserve(T.rb, 8, 0);
	KT_EXPECT_EQ(t, bpf_ringbuf_poll(T.rb), BPF_RINGBUF_POLLIN);   /* busy counts, as Linux */
	bpf_ringbuf_submit(r, 0);
	tbr_consume(&T, NULL, NULL);
	KT_EXPECT_EQ(t, bpf_ringbuf_poll(T.rb), 0);
	KT_EXPECT_EQ(t, bpf_ringbuf_poll(u.rb), BPF_RINGBUF_POLLOUT);
	u.user.prod->producer_pos = 4096;
	KT_EXPECT_EQ(t, bpf_ringbuf_poll(u.rb), 0);
	/* a kernel ring is no user ring and vice versa */
	KT_EXPECT(t, bpf_ringbuf_reserve(u.rb, 8, 0) == NULL);
	KT_EXPECT_EQ(t, bpf_user_ringbuf_drain(T.rb, NULL, NULL, 0), -EINVAL);
	tbr_free(&u);
}

static const struct ktest_case core_cases[] = {
	KTEST_CASE(test_positions_two_submits_one_discard),
	KTEST_CASE(test_wakeup_flags),
	KTEST_CASE(test_overlapping_reserve_regression),
	KTEST_CASE(test_largest_records),
	KTEST_CASE(test_overfill_and_discards),
	KTEST_CASE(test_busy_never_completes),
	KTEST_CASE(test_hostile_consumer_pos),
	KTEST_CASE(test_overwrite_mode),
	KTEST_CASE(test_map_create_checks),
	KTEST_CASE(test_mmap_permissions),
	{ 0 },
};
KTEST_HOST_SUITE(core_suite, "bpf_rb_core", core_cases);
KTEST_HOST_MAIN(&core_suite);
