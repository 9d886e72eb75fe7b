/* In-order publication of the lock-free reservation, step by step. Built
 * with -DBPF_RB_TEST_HOOKS: the core calls hook() at each step of a
 * reservation (enum bpf_rb_step), where a case either runs a nested
 * producer, as an NMI would on that CPU, or parks the thread while
 * another thread runs, so that every branch of rb_publish() is taken on
 * purpose: publish itself, hand over with the ready bit, be helped, help a
 * chain of three, and the two ways the bit race can end. Each case checks
 * producer_pos at the interesting points, that no ready bit is left set,
 * and that the consumer gets every record once, in reservation order. */
#include <pthread.h>
#include <stdio.h>
#include <arch/barrier.h>
#include <kernel/test_hooks.h>
#include "bpf_test_util.h"
#include "ktest_host.h"

static struct test_bpf_rb T;
static int nest_steps[4], nest_depth, nest_levels;
static unsigned long prod_seen[4];
static u64 *nested_rec[4];

static unsigned long prod(void) { return T.user.prod->producer_pos; }

static bool bits_clear(void)
{
	for (unsigned long i = 0; i < bpf_ringbuf_bitmap_size(T.size) / 8; i++)
		if (T.bitmap[i])
			return false;
	return true;
}

/* Nested producers: at nest_step of the level below, reserve one record
 * (tagged with its level) and submit it, nest_levels deep. */
static void nest_hook(struct bpf_ringbuf *rb, int step)
{
	if (nest_depth >= nest_levels || step != nest_steps[nest_depth])
		return;
	int level = ++nest_depth;
	u64 *r = bpf_ringbuf_reserve(rb, 16, 0);

	nested_rec[level] = r;
	if (r) {
		r[0] = level;
		bpf_ringbuf_submit(r, 0);
	}
	prod_seen[level] = prod();   /* after the nested one returned */
	nest_depth--;
}

static void order_cb(void *data, u32 len, void *ctx)
{
	u64 *v = ctx;
	v[++v[0]] = *(u64 *)data;
}

static void run_nested(struct ktest *t, int first_step, int then, int levels,
		       unsigned long expect_prod_inner)
{
	u64 seen[8] = { 0 };
	u64 *outer;

	KT_ASSERT_EQ(t, tbr_init(&T, 4096, BPF_MAP_TYPE_RINGBUF, 0), 0);
	nest_steps[0] = first_step;       /* where level 1 lands in level 0 */
	for (int l = 1; l < 4; l++)
		nest_steps[l] = then;     /* and level l + 1 in level l */
	nest_levels = levels;
	bpf_rb_test_hook_fn = nest_hook;
	outer = bpf_ringbuf_reserve(T.rb, 16, 0);   /* level 0, at position 0 */
	bpf_rb_test_hook_fn = NULL;
	KT_ASSERT(t, outer != NULL);
	KT_EXPECT_EQ(t, (u8 *)outer - bpf_ringbuf_data(T.rb), 8);   /* reserved first */
	for (int l = 1; l <= levels; l++)
		KT_EXPECT(t, nested_rec[l] != NULL);
	KT_EXPECT_EQ(t, prod_seen[1], expect_prod_inner);
	/* Once the outer reserve returns, everything is published. */
	KT_EXPECT_EQ(t, prod(), 24 * (levels + 1));
	KT_EXPECT(t, bits_clear());
	outer[0] = 0;
	KT_EXPECT_EQ(t, tbr_consume(&T, order_cb, seen), 0);   /* outer still BUSY */
	bpf_ringbuf_submit(outer, 0);
	KT_EXPECT_EQ(t, tbr_consume(&T, order_cb, seen), levels + 1);
	for (int l = 0; l <= levels; l++)
		KT_EXPECT_EQ(t, seen[1 + l], l);
	KT_EXPECT_EQ(t, tbr_dropped(&T), 0);
	tbr_free(&T);
}

/* The NMI lands after the outer cmpxchg: its record cannot be published
 * (the outer header is not written), so it sets its bit and leaves; the
 * outer publishes both. */
static void test_nmi_after_cmpxchg(struct ktest *t) { run_nested(t, BPF_RB_STEP_RESERVED, 0, 1, 0); }
/* ... after the outer header: the same hand-over. */
static void test_nmi_after_header(struct ktest *t) { run_nested(t, BPF_RB_STEP_HEADER, 0, 1, 0); }
/* ... after the outer stored producer_pos: the NMI publishes itself. */
static void test_nmi_after_publish(struct ktest *t) { run_nested(t, BPF_RB_STEP_PUBLISHED, 0, 1, 48); }
/* Three deep: level 1 lands after the outer cmpxchg, each further one
 * while the one below has set its bit; the outermost publishes all four. */
static void test_chain_of_three(struct ktest *t)
{
	run_nested(t, BPF_RB_STEP_RESERVED, BPF_RB_STEP_BIT_SET, 3, 0);
}

/* A nested producer that finds no room is a counted drop and does not
 * disturb the outer one. */
static void test_nested_drop(struct ktest *t)
{
	u64 *fill, *outer;

	KT_ASSERT_EQ(t, tbr_init(&T, 4096, BPF_MAP_TYPE_RINGBUF, 0), 0);
	fill = bpf_ringbuf_reserve(T.rb, 4096 - 48, 0);     /* 4088 used after outer */
	KT_ASSERT(t, fill != NULL);
	nest_steps[0] = BPF_RB_STEP_RESERVED;
	nest_levels = 1;
	nested_rec[1] = (void *)1;
	bpf_rb_test_hook_fn = nest_hook;
	outer = bpf_ringbuf_reserve(T.rb, 16, 0);
	bpf_rb_test_hook_fn = NULL;
	KT_ASSERT(t, outer != NULL);
	KT_EXPECT(t, nested_rec[1] == NULL);
	KT_EXPECT_EQ(t, tbr_dropped(&T), 1);
	KT_EXPECT_EQ(t, prod(), 4096 - 40 + 24);
	KT_EXPECT(t, bits_clear());
	bpf_ringbuf_submit(fill, 0);
	bpf_ringbuf_submit(outer, 0);
	KT_EXPECT_EQ(t, tbr_consume(&T, NULL, NULL), 2);
	tbr_free(&T);
}

/* Two threads, each parked at the steps in its mask until released. */
static __thread unsigned int my_mask;
static __thread int my_id;
static int parked[2], released[2];

static void park_hook(struct bpf_ringbuf *rb, int step)
{
	if (!(my_mask & (1u << step)))
		return;
	int n = __atomic_add_fetch(&parked[my_id], 1, __ATOMIC_ACQ_REL);

	while (__atomic_load_n(&released[my_id], __ATOMIC_ACQUIRE) < n)
		cpu_relax();
}

struct racer {
	int id;
	unsigned int mask;
	u64 *rec;
	pthread_t tid;
};

static void *racer_fn(void *arg)
{
	struct racer *r = arg;

	my_id = r->id;
	my_mask = r->mask;
	r->rec = bpf_ringbuf_reserve(T.rb, 16, 0);
	return NULL;
}

static void wait_parked(int id, int n)
{
	while (__atomic_load_n(&parked[id], __ATOMIC_ACQUIRE) < n)
		cpu_relax();
}

static void release(int id) { __atomic_add_fetch(&released[id], 1, __ATOMIC_ACQ_REL); }

/* A reserves [0, 24) and parks with its header written; B reserves
 * [24, 48), finds A unpublished, sets its bit and parks. */
static bool race_start(struct ktest *t, struct racer *a, struct racer *b, unsigned int a_mask)
{
	if (!KT_EXPECT_EQ(t, tbr_init(&T, 4096, BPF_MAP_TYPE_RINGBUF, 0), 0))
		return false;
	memset(parked, 0, sizeof(parked));
	memset(released, 0, sizeof(released));
	*a = (struct racer){ .id = 0, .mask = a_mask };
	*b = (struct racer){ .id = 1, .mask = 1u << BPF_RB_STEP_BIT_SET };
	bpf_rb_test_hook_fn = park_hook;
	pthread_create(&a->tid, NULL, racer_fn, a);
	wait_parked(0, 1);
	pthread_create(&b->tid, NULL, racer_fn, b);
	wait_parked(1, 1);
	KT_EXPECT(t, !bits_clear());
	KT_EXPECT_EQ(t, prod(), 0);
	return true;
}

static void race_end(struct ktest *t, struct racer *a, struct racer *b)
{
	u64 seen[4] = { 0 };

	pthread_join(a->tid, NULL);
	pthread_join(b->tid, NULL);
	bpf_rb_test_hook_fn = NULL;
	KT_ASSERT(t, a->rec && b->rec);
	KT_EXPECT_EQ(t, prod(), 48);
	KT_EXPECT(t, bits_clear());
	a->rec[0] = 1;
	b->rec[0] = 2;
	bpf_ringbuf_submit(b->rec, 0);
	bpf_ringbuf_submit(a->rec, 0);
	KT_EXPECT_EQ(t, tbr_consume(&T, order_cb, seen), 2);
	KT_EXPECT_EQ(t, seen[1], 1);
	KT_EXPECT_EQ(t, seen[2], 2);
	tbr_free(&T);
}

/* A goes on first, finds B's bit and publishes B too; B's re-check then
 * sees producer_pos past it and leaves. */
static void test_race_helper_wins(struct ktest *t)
{
	struct racer a, b;

	if (!race_start(t, &a, &b, 1u << BPF_RB_STEP_HEADER))
		return;
	release(0);
	pthread_join(a.tid, NULL);
	KT_EXPECT_EQ(t, prod(), 48);
	KT_EXPECT(t, bits_clear());
	release(1);
	race_end(t, &a, &b);
}

/* B goes on first: its re-check still sees A pending, so it leaves its
 * bit; A then publishes both. */
static void test_race_owner_leaves(struct ktest *t)
{
	struct racer a, b;

	if (!race_start(t, &a, &b, 1u << BPF_RB_STEP_HEADER))
		return;
	release(1);
	pthread_join(b.tid, NULL);
	KT_EXPECT_EQ(t, prod(), 0);
	KT_EXPECT(t, !bits_clear());
	release(0);
	race_end(t, &a, &b);
}

/* A stores producer_pos and parks before looking for B; B's re-check
 * sees its turn, claims its own bit and publishes itself; A then finds
 * no bit. */
static void test_race_owner_claims(struct ktest *t)
{
	struct racer a, b;

	if (!race_start(t, &a, &b, (1u << BPF_RB_STEP_HEADER) | (1u << BPF_RB_STEP_PUBLISHED)))
		return;
	release(0);
	wait_parked(0, 2);
	KT_EXPECT_EQ(t, prod(), 24);
	release(1);
	pthread_join(b.tid, NULL);
	KT_EXPECT_EQ(t, prod(), 48);
	KT_EXPECT(t, bits_clear());
	release(0);
	race_end(t, &a, &b);
}

static const struct ktest_case order_cases[] = {
	KTEST_CASE(test_nmi_after_cmpxchg),
	KTEST_CASE(test_nmi_after_header),
	KTEST_CASE(test_nmi_after_publish),
	KTEST_CASE(test_chain_of_three),
	KTEST_CASE(test_nested_drop),
	KTEST_CASE(test_race_helper_wins),
	KTEST_CASE(test_race_owner_leaves),
	KTEST_CASE(test_race_owner_claims),
	{ 0 },
};
KTEST_HOST_SUITE(order_suite, "bpf_rb_order", order_cases);
KTEST_HOST_MAIN(&order_suite);
