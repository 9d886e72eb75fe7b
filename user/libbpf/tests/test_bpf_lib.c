/* user/libbpf against the host-built core: the library's consumer and
 * producer code (ringbuf.c) runs over the user mapping of rings laid out
 * by kernel/bpf/ringbuf.c, as it will on Ringtail, without bpf(2) (the
 * syscall glue is tested against Linux in test_bpf_linux.c). Mirrors
 * Linux's ringbuf and user_ringbuf selftests where they test the library:
 * callback errors, consume_n, ring-size - 8, overfill, discards, 8192
 * samples in batches, reserve_blocking timing out and then succeeding. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <ringtail/bpf_handlers.h>
#include "libbpf_internal.h"
#include "../../../kernel/bpf/handlers.h"
#include "../../../kernel/bpf/tests/bpf_test_util.h"
#include "ktest_host.h"

static struct test_bpf_rb K, U;
static struct ring R;

static void fresh_k(u32 size, u32 flags)
{
	if (K.rb)
		tbr_free(&K);
	if (tbr_init(&K, size, BPF_MAP_TYPE_RINGBUF, flags))
		abort();
}

struct got {
	int n, fail_at, err;
	u64 v[64];
};

static int cb(void *ctx, void *data, size_t size)
{
	struct got *g = ctx;

	if (g->n < 64)
		g->v[g->n] = size >= 8 ? *(u64 *)data : size;
	if (++g->n == g->fail_at)
		return g->err;
	return 0;
}

static void put(struct test_bpf_rb *t, u64 v, bool discard)
{
	u64 *r = bpf_ringbuf_reserve(t->rb, 8, 0);

	if (!r)
		abort();
	*r = v;
	if (discard)
		bpf_ringbuf_discard(r, 0);
	else
		bpf_ringbuf_submit(r, 0);
}

static void test_positions_and_accessors(struct ktest *t)
{
	struct got g = { 0 };

	fresh_k(4096, 0);
	ring__init_mem(&R, K.user.cons, K.user.prod, 4096, false, cb, &g);
	put(&K, 1, false);
	put(&K, 2, true);
	put(&K, 3, false);
	KT_EXPECT_EQ(t, ring__producer_pos(&R), 48);
	KT_EXPECT_EQ(t, ring__consumer_pos(&R), 0);
	KT_EXPECT_EQ(t, ring__avail_data_size(&R), 48);
	KT_EXPECT_EQ(t, ring__size(&R), 4096);
	KT_EXPECT_EQ(t, ring__consume(&R), 2);
	KT_EXPECT_EQ(t, g.v[0], 1);
	KT_EXPECT_EQ(t, g.v[1], 3);
	KT_EXPECT_EQ(t, ring__consumer_pos(&R), 48);
	KT_EXPECT_EQ(t, ring__avail_data_size(&R), 0);
	KT_EXPECT_EQ(t, ring__consume(&R), 0);
	/* The drop counter, through the read-only producer page. */
	KT_EXPECT(t, bpf_ringbuf_reserve(K.rb, 5000, 0) == NULL);
	KT_EXPECT_EQ(t, ring__rt_dropped(&R), 1);
}

/* A callback error stops consuming and is returned; that record counts
 * as consumed, the next call goes on after it. */
static void test_callback_error_stops(struct ktest *t)
{
	struct got g = { .fail_at = 2, .err = -7777 };

	fresh_k(4096, 0);
	ring__init_mem(&R, K.user.cons, K.user.prod, 4096, false, cb, &g);
	for (int i = 0; i < 3; i++)
		put(&K, 10 + i, false);
	KT_EXPECT_EQ(t, ring__consume(&R), -7777);
	KT_EXPECT_EQ(t, g.n, 2);
	KT_EXPECT_EQ(t, ring__consumer_pos(&R), 32);
	KT_EXPECT_EQ(t, ring__consume(&R), 1);
	KT_EXPECT_EQ(t, g.v[2], 12);
}

/* consume_n returns exactly n while more is there, per ring and across
 * the rings of a ring_buffer. */
static void test_consume_n_exact(struct ktest *t)
{
	static struct test_bpf_rb K2;
	struct got g = { 0 };
	struct ring r2, *rings[2] = { &R, &r2 };
	struct ring_buffer rb = { .rings = rings, .ring_cnt = 2, .epoll_fd = -1 };

	fresh_k(4096, 0);
	KT_ASSERT_EQ(t, tbr_init(&K2, 4096, BPF_MAP_TYPE_RINGBUF, 0), 0);
	ring__init_mem(&R, K.user.cons, K.user.prod, 4096, false, cb, &g);
	ring__init_mem(&r2, K2.user.cons, K2.user.prod, 4096, false, cb, &g);
	for (int i = 0; i < 10; i++)
		put(&K, i, i == 5);          /* 9 visible */
	KT_EXPECT_EQ(t, ring__consume_n(&R, 4), 4);
	KT_EXPECT_EQ(t, ring__consume_n(&R, 4), 4);
	KT_EXPECT_EQ(t, ring__consume_n(&R, 4), 1);
	KT_EXPECT_EQ(t, g.v[4], 4);
	KT_EXPECT_EQ(t, g.v[5], 6);          /* the discarded 5 skipped */
	for (int i = 0; i < 3; i++)
		put(&K, 100 + i, false);
	for (int i = 0; i < 4; i++)
		put(&K2, 200 + i, false);
	KT_EXPECT_EQ(t, ring_buffer__consume_n(&rb, 5), 5);
	KT_EXPECT_EQ(t, ring_buffer__consume_n(&rb, 5), 2);
	KT_EXPECT_EQ(t, ring_buffer__consume(&rb), 0);
	KT_EXPECT_EQ(t, g.n, 16);
	KT_EXPECT(t, ring_buffer__ring(&rb, 1) == &r2);
	KT_EXPECT(t, ring_buffer__ring(&rb, 2) == NULL);
	KT_EXPECT_EQ(t, errno, ERANGE);
	tbr_free(&K2);
}

/* An overwrite ring is read from its oldest kept record. */
static void test_overwrite_ring(struct ktest *t)
{
	struct got g = { 0 };

	fresh_k(4096, BPF_F_RB_OVERWRITE);
	ring__init_mem(&R, K.user.cons, K.user.prod, 4096, true, cb, &g);
	for (int i = 0; i < 1000; i++)
		put(&K, i, false);
	KT_EXPECT_EQ(t, ring__consume(&R), 4095 / 16);
	KT_EXPECT_EQ(t, g.v[0], 1000 - 4095 / 16);
	KT_EXPECT_EQ(t, ring__consumer_pos(&R), 16000);
}

/* --- user ring buffer ---------------------------------------------------- */

static struct user_ring_buffer UR;
static int epfd, efd;

static void fresh_u(u32 size)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if (U.rb)
		tbr_free(&U);
	if (epfd > 0)
		close(epfd);
	if (efd > 0)
		close(efd);
	if (tbr_init(&U, size, BPF_MAP_TYPE_USER_RINGBUF, 0))
		abort();
	/* The kernel's POLLOUT wakeup, as an eventfd the core's wakeup hook
	 * writes (bpf_test_util.h). */
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	epoll_ctl(epfd, EPOLL_CTL_ADD, efd, &ev);
	U.efd = efd;
	user_ring_buffer__init_mem(&UR, U.user.cons, U.user.prod, size, epfd);
}

struct ucount {
	long n, bytes;
	u64 last;
	int bad;
};

static int ucb(const void *data, u32 size, void *ctx)
{
	struct ucount *c = ctx;
	u64 v = 0;

	if (size >= 8) {
		memcpy(&v, data, 8);
		if (c->n && v != c->last + 1)
			c->bad++;
		c->last = v;
	}
	c->n++;
	c->bytes += size;
	return 0;
}

static long drain(struct ucount *c) { return bpf_user_ringbuf_drain(U.rb, ucb, c, 0); }

static void test_user_ring_size_minus_8(struct ktest *t)
{
	struct ucount c = { 0 };
	u8 *s;

	fresh_u(4096);
	KT_EXPECT(t, user_ring_buffer__reserve(&UR, 4096 - 7) == NULL);
	KT_EXPECT_EQ(t, errno, E2BIG);
	KT_EXPECT(t, user_ring_buffer__reserve(&UR, 1u << 31) == NULL);
	KT_EXPECT_EQ(t, errno, E2BIG);
	s = user_ring_buffer__reserve(&UR, 4096 - 8);
	KT_ASSERT(t, s != NULL);
	memset(s, 0, 4096 - 8);
	KT_EXPECT(t, user_ring_buffer__reserve(&UR, 0) == NULL);
	KT_EXPECT_EQ(t, errno, ENOSPC);
	user_ring_buffer__submit(&UR, s);
	KT_EXPECT_EQ(t, drain(&c), 1);
	KT_EXPECT_EQ(t, c.bytes, 4096 - 8);
	/* Shifted by 16: the next whole-ring sample wraps, and submit finds
	 * its header from a sample pointer in the second mapping. */
	s = user_ring_buffer__reserve(&UR, 8);
	user_ring_buffer__submit(&UR, s);
	KT_EXPECT_EQ(t, drain(&c), 1);
	s = user_ring_buffer__reserve(&UR, 4096 - 8);
	KT_ASSERT(t, s != NULL);
	KT_EXPECT_GE(t, s + 4096 - 8 - U.user.data, 4096 + 1);
	user_ring_buffer__submit(&UR, s);
	KT_EXPECT_EQ(t, drain(&c), 1);
	KT_EXPECT_EQ(t, c.n, 3);
}

/* Overfill: 5x as many as fit are tried, exactly max_entries fit. */
static void test_user_overfill_and_discards(struct ktest *t)
{
	struct ucount c = { 0 };
	int fit = 0, nospc = 0;
	const int max = 4096 / 40;

	fresh_u(4096);
	for (int i = 0; i < 5 * max; i++) {
		u64 *s = user_ring_buffer__reserve(&UR, 32);

		if (!s) {
			nospc += errno == ENOSPC;
			continue;
		}
		*s = fit++;
		if (fit % 2)
			user_ring_buffer__submit(&UR, s);
		else
			user_ring_buffer__discard(&UR, s);
	}
	KT_EXPECT_EQ(t, fit, max);
	KT_EXPECT_EQ(t, nospc, 4 * max);
	KT_EXPECT_EQ(t, drain(&c), (max + 1) / 2);   /* discards read as nothing */
	KT_EXPECT(t, user_ring_buffer__reserve(&UR, 32) != NULL);   /* space is back */
}

/* 8192 samples in batches as room allows; all arrive, in order. */
static void test_user_8192_in_batches(struct ktest *t)
{
	struct ucount c = { 0 };
	u64 sent = 0;
	int drains = 0;

	fresh_u(4096);
	while (sent < 8192) {
		u64 *s;

		while (sent < 8192 && (s = user_ring_buffer__reserve(&UR, 24))) {
			*s = sent++;
			user_ring_buffer__submit(&UR, s);
		}
		KT_ASSERT(t, drain(&c) > 0);
		drains++;
	}
	KT_EXPECT_EQ(t, c.n, 8192);
	KT_EXPECT_EQ(t, c.bad, 0);
	KT_EXPECT_EQ(t, c.last, 8191);
	KT_EXPECT_EQ(t, drains, 8192 / (4096 / 32));   /* full batches */
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static volatile double drain_at;        /* when late_drain started draining */

static void *late_drain(void *arg)
{
	struct timespec d = { 0, 100 * 1000 * 1000 };

	nanosleep(&d, NULL);
	drain_at = now_ms();
	*(long *)arg = drain(&(struct ucount){ 0 });
	return NULL;
}

/* reserve_blocking: a full ring times out (NULL, ENOSPC) after the
 * timeout; then succeeds as soon as a drain makes room and wakes it. */
static void test_user_reserve_blocking(struct ktest *t)
{
	pthread_t th;
	long drained = 0;
	double t0;
	void *s;

	fresh_u(4096);
	while ((s = user_ring_buffer__reserve(&UR, 56)))
		user_ring_buffer__submit(&UR, s);
	KT_EXPECT(t, user_ring_buffer__reserve_blocking(&UR, 56, -2) == NULL);
	KT_EXPECT_EQ(t, errno, EINVAL);
	t0 = now_ms();
	KT_EXPECT(t, user_ring_buffer__reserve_blocking(&UR, 56, 200) == NULL);
	KT_EXPECT_EQ(t, errno, ENOSPC);
	KT_EXPECT_GE(t, now_ms() - t0, 195);
	pthread_create(&th, NULL, late_drain, &drained);
	s = user_ring_buffer__reserve_blocking(&UR, 56, 5000);
	KT_EXPECT(t, s != NULL);
	double got_at = now_ms();
	pthread_join(th, NULL);
	KT_EXPECT_GE(t, got_at, drain_at);      /* room only once the drain ran */
	KT_EXPECT_EQ(t, drained, 4096 / 64);
	KT_EXPECT_GE(t, tbr_wakeups(&U), 1);
}

/* The two handlers of <ringtail/bpf_handlers.h>, with the library at the
 * other end. kill(): user samples through user_ring_buffer__reserve/
 * submit, rt_kill_drain_run re-emits each as {pid, comm, cookie} into a
 * kernel ring, the program reads them back. */
static int kill_read(void *ctx, void *data, size_t size)
{
	struct rt_kill_event *e = data;
	long *sum = ctx;

	*sum += size == sizeof(*e) && e->pid == 42 && !strcmp(e->comm, "killer") ? (long)e->cookie
										  : 1000000;
	return 0;
}

static void test_kill_drain_handler(struct ktest *t)
{
	char comm[16] = "killer";
	long sum = 0;

	fresh_k(4096, 0);
	fresh_u(4096);
	ring__init_mem(&R, K.user.cons, K.user.prod, 4096, false, kill_read, &sum);
	for (int i = 1; i <= 20; i++) {
		u64 *s = user_ring_buffer__reserve(&UR, sizeof(u64));

		KT_ASSERT(t, s != NULL);
		*s = i;
		user_ring_buffer__submit(&UR, s);
	}
	KT_EXPECT_EQ(t, rt_kill_drain_run(U.rb, K.rb, 42, comm), 20);
	KT_EXPECT_EQ(t, ring__consume(&R), 20);
	KT_EXPECT_EQ(t, sum, 210);
	KT_EXPECT_EQ(t, rt_kill_drain_run(U.rb, K.rb, 42, comm), 0);   /* nothing new */
}

/* unlink(): one record per call; a full ring is a counted drop. */
static int unlink_read(void *ctx, void *data, size_t size)
{
	struct rt_unlink_event *e = data;
	int *n = ctx;

	if (size == sizeof(*e) && e->pid == 7 && !strcmp(e->comm, "rm") &&
	    !strncmp(e->filename, "/tmp/f", 6) && e->filename[255] == 0)
		(*n)++;
	return 0;
}

static void test_unlink_log_handler(struct ktest *t)
{
	char comm[16] = "rm", longname[400];
	int n = 0, ok = 0;

	memset(longname, 'x', sizeof(longname));
	memcpy(longname, "/tmp/f", 6);
	fresh_k(4096, 0);
	ring__init_mem(&R, K.user.cons, K.user.prod, 4096, false, unlink_read, &n);
	for (int i = 0; i < 20; i++)
		ok += rt_unlink_log_run(K.rb, 7, comm, i & 1 ? longname : "/tmp/f1", sizeof(longname)) == 0;
	KT_EXPECT_EQ(t, ok, 4096 / (sizeof(struct rt_unlink_event) + 8));
	KT_EXPECT_EQ(t, ring__rt_dropped(&R), 20 - ok);
	KT_EXPECT_GE(t, tbr_wakeups(&K), 1);          /* forced past a quarter ring */
	KT_EXPECT_EQ(t, ring__consume(&R), ok);
	KT_EXPECT_EQ(t, n, ok);
}

static const struct ktest_case lib_cases[] = {
	KTEST_CASE(test_positions_and_accessors),
	KTEST_CASE(test_callback_error_stops),
	KTEST_CASE(test_consume_n_exact),
	KTEST_CASE(test_overwrite_ring),
	KTEST_CASE(test_user_ring_size_minus_8),
	KTEST_CASE(test_user_overfill_and_discards),
	KTEST_CASE(test_user_8192_in_batches),
	KTEST_CASE(test_user_reserve_blocking),
	KTEST_CASE(test_kill_drain_handler),
	KTEST_CASE(test_unlink_log_handler),
	{ 0 },
};
KTEST_HOST_SUITE(lib_suite, "bpf_rb_lib", lib_cases);
KTEST_HOST_MAIN(&lib_suite);
