/* user/libbpf against the host's real Linux kernel, and the core against
 * Linux: hand-assembled socket filters (bpf_linux_progs.h), run with
 * BPF_PROG_TEST_RUN, produce into real BPF ring buffers and perf event
 * arrays and drain real user rings, while the library's ring_buffer,
 * user_ring_buffer and perf_buffer read and write them through bpf(2),
 * mmap and epoll. Where Linux's answer is the specification (map
 * creation errnos, mmap permissions, the largest record, every hostile
 * user ring header), the same case runs on kernel/bpf/ringbuf.c and the
 * answers must be equal. Skipped when the host refuses bpf(2). */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <time.h>
#include <sys/mman.h>
#include "libbpf_internal.h"
#include "bpf_linux_progs.h"
#include "../../../kernel/bpf/tests/bpf_test_util.h"
#include "ktest_host.h"

#define PAGE 4096

static int rb_map(u32 type, u32 size, u32 flags)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = flags);
	return bpf_map_create(type, "rt_test", 0, 0, size, &o);
}

static int init(void)
{
	int fd = rb_map(BPF_MAP_TYPE_RINGBUF, PAGE, 0), prog;

	if (fd < 0) {
		printf("# host refuses BPF ring buffers: %s\n", strerror(-fd));
		return -1;
	}
	prog = lp_output(fd, 0);
	close(fd);
	if (prog < 0) {
		printf("# host refuses BPF programs: %s\n", strerror(-prog));
		return -1;
	}
	close(prog);
	return 0;
}

/* Map creation: Linux's errno for each attr equals the core's check. */
static void test_linux_map_create_matches_core(struct ktest *t)
{
	static const struct { u32 type, key, value, max, flags, numa; u64 extra; } c[] = {
		{ BPF_MAP_TYPE_RINGBUF, 0, 0, PAGE, 0, 0, 0 },
		{ BPF_MAP_TYPE_USER_RINGBUF, 0, 0, 1 << 16, 0, 0, 0 },
		{ BPF_MAP_TYPE_RINGBUF, 4, 0, PAGE, 0, 0, 0 },
		{ BPF_MAP_TYPE_RINGBUF, 0, 4, PAGE, 0, 0, 0 },
		{ BPF_MAP_TYPE_RINGBUF, 0, 0, 0, 0, 0, 0 },
		{ BPF_MAP_TYPE_RINGBUF, 0, 0, 2048, 0, 0, 0 },
		{ BPF_MAP_TYPE_RINGBUF, 0, 0, 3 * PAGE, 0, 0, 0 },
		{ BPF_MAP_TYPE_USER_RINGBUF, 0, 0, PAGE + 1, 0, 0, 0 },
		{ BPF_MAP_TYPE_RINGBUF, 0, 0, PAGE, BPF_F_MMAPABLE, 0, 0 },
		{ BPF_MAP_TYPE_RINGBUF, 0, 0, PAGE, BPF_F_RDONLY, 0, 0 },
		{ BPF_MAP_TYPE_RINGBUF, 0, 0, PAGE, BPF_F_NO_PREALLOC, 0, 0 },
		{ BPF_MAP_TYPE_RINGBUF, 0, 0, PAGE, BPF_F_NUMA_NODE, 0, 0 },
		{ BPF_MAP_TYPE_RINGBUF, 0, 0, PAGE, BPF_F_NUMA_NODE, 1, 0 },
		{ BPF_MAP_TYPE_RINGBUF, 0, 0, PAGE, 0, 0, 1 },
		{ BPF_MAP_TYPE_USER_RINGBUF, 0, 0, PAGE, BPF_F_RB_OVERWRITE, 0, 0 },
	};
	int bad = 0, fd;

	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = c[i].flags, .numa_node = c[i].numa,
			    .map_extra = c[i].extra);
		union bpf_attr a = { 0 };
		int lin, ours;

		fd = bpf_map_create(c[i].type, "x", c[i].key, c[i].value, c[i].max, &o);
		lin = fd < 0 ? fd : 0;
		if (fd >= 0)
			close(fd);
		a.map_type = c[i].type;
		a.key_size = c[i].key;
		a.value_size = c[i].value;
		a.max_entries = c[i].max;
		a.map_flags = c[i].flags;
		a.numa_node = c[i].numa;
		a.map_extra = c[i].extra;
		ours = bpf_ringbuf_check_attr(&a);
		if (lin != ours) {
			ktest_diag(t, "case %zu: Linux %d, core %d", i, lin, ours);
			bad++;
		}
	}
	KT_EXPECT_EQ(t, bad, 0);
	/* BPF_F_RB_OVERWRITE is Linux 6.19: say whether this host has it. */
	fd = rb_map(BPF_MAP_TYPE_RINGBUF, PAGE, BPF_F_RB_OVERWRITE);
	ktest_diag(t, "host kernel BPF_F_RB_OVERWRITE: %s", fd >= 0 ? "supported" : strerror(-fd));
	if (fd >= 0)
		close(fd);
}

/* Linux's ringbuf selftest mapping cases, and the same answers from the
 * core's bpf_ringbuf_mmap_check. */
static void test_linux_mmap_permissions(struct ktest *t)
{
	static const struct { bool user; int pgoff, npages, prot; } c[] = {
		{ false, 0, 1, PROT_READ | PROT_WRITE }, { false, 1, 1, PROT_WRITE },
		{ false, 2, 1, PROT_WRITE }, { false, 3, 1, PROT_WRITE }, { false, 2, 2, PROT_WRITE },
		{ false, 0, 2, PROT_READ | PROT_WRITE }, { false, 0, 4, PROT_READ },
		{ false, 1, 1, PROT_READ }, { false, 0, 5, PROT_READ }, { false, 4, 1, PROT_READ },
		{ true, 0, 1, PROT_READ | PROT_WRITE }, { true, 0, 1, PROT_READ },
		{ true, 1, 3, PROT_READ | PROT_WRITE }, { true, 1, 4, PROT_READ | PROT_WRITE },
	};
	struct test_bpf_rb k, u;
	int kfd = rb_map(BPF_MAP_TYPE_RINGBUF, PAGE, 0), ufd = rb_map(BPF_MAP_TYPE_USER_RINGBUF, PAGE, 0);
	int bad = 0;
	void *p, *q;

	KT_ASSERT(t, kfd >= 0 && ufd >= 0);
	KT_ASSERT_EQ(t, tbr_init(&k, PAGE, BPF_MAP_TYPE_RINGBUF, 0), 0);
	KT_ASSERT_EQ(t, tbr_init(&u, PAGE, BPF_MAP_TYPE_USER_RINGBUF, 0), 0);
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		int lin, ours;

		p = mmap(NULL, c[i].npages * PAGE, c[i].prot, MAP_SHARED, c[i].user ? ufd : kfd,
			 c[i].pgoff * PAGE);
		lin = p == MAP_FAILED ? -errno : 0;
		ours = bpf_ringbuf_mmap_check(c[i].user ? u.rb : k.rb, c[i].pgoff, c[i].npages,
					      c[i].prot & PROT_WRITE, true);
		if (p != MAP_FAILED)
			munmap(p, c[i].npages * PAGE);
		if (lin != ours) {
			ktest_diag(t, "case %zu: Linux %d, core %d", i, lin, ours);
			bad++;
		}
	}
	KT_EXPECT_EQ(t, bad, 0);
	p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, kfd, 0);
	KT_EXPECT(t, p == MAP_FAILED && errno == EINVAL);
	KT_EXPECT_EQ(t, bpf_ringbuf_mmap_check(k.rb, 0, 1, false, false), -EINVAL);
	/* What the kernel's mm must refuse beyond mmap itself (Linux). */
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, kfd, 0);
	KT_ASSERT(t, p != MAP_FAILED);
	q = mremap(p, PAGE, 2 * PAGE, MREMAP_MAYMOVE);
	KT_EXPECT(t, q == MAP_FAILED);
	KT_EXPECT_NE(t, mprotect(p, PAGE, PROT_EXEC), 0);
	munmap(p, PAGE);
	p = mmap(NULL, 4 * PAGE, PROT_READ, MAP_SHARED, kfd, 0);
	KT_ASSERT(t, p != MAP_FAILED);
	KT_EXPECT_NE(t, mprotect(p, 4 * PAGE, PROT_WRITE), 0);
	KT_EXPECT_NE(t, mprotect(p, 4 * PAGE, PROT_EXEC), 0);
	KT_EXPECT(t, mremap(p, 0, 4 * PAGE, MREMAP_MAYMOVE) == MAP_FAILED);
	munmap(p, 4 * PAGE);
	tbr_free(&k);
	tbr_free(&u);
	close(kfd);
	close(ufd);
}

struct got {
	int n, fail_at, err;
	u64 v[600];
	u32 size[600];
};

static int cb(void *ctx, void *data, size_t size)
{
	struct got *g = ctx;

	if (g->n < 600) {
		g->v[g->n] = *(u64 *)data;
		g->size[g->n] = (u32)size;
	}
	return ++g->n == g->fail_at ? g->err : 0;
}

/* Positions after 2 submits + 1 discard, through the library's mapping. */
static void test_linux_positions(struct ktest *t)
{
	int fd = rb_map(BPF_MAP_TYPE_RINGBUF, PAGE, 0), prog = lp_two_submits_one_discard(fd);
	struct got g = { 0 };
	struct ring_buffer *rb = ring_buffer__new(fd, cb, &g, NULL);
	struct ring *r;

	KT_ASSERT(t, prog >= 0 && rb);
	r = ring_buffer__ring(rb, 0);
	KT_EXPECT_EQ(t, lp_run(prog, 0), 0);
	KT_EXPECT_EQ(t, ring__producer_pos(r), 3 * 40);
	KT_EXPECT_EQ(t, ring__avail_data_size(r), 3 * 40);
	KT_EXPECT_EQ(t, ring__consumer_pos(r), 0);
	KT_EXPECT_EQ(t, ring__size(r), PAGE);
	KT_EXPECT_EQ(t, ring__map_fd(r), fd);
	KT_EXPECT_EQ(t, ring_buffer__consume(rb), 2);
	KT_EXPECT_EQ(t, g.v[0], 1);
	KT_EXPECT_EQ(t, g.v[1], 2);
	KT_EXPECT_EQ(t, g.size[1], 32);
	KT_EXPECT_EQ(t, ring__consumer_pos(r), 3 * 40);
	KT_EXPECT_EQ(t, ring__rt_dropped(r), 0);   /* Linux: nothing there */
	ring_buffer__free(rb);
	close(prog);
	close(fd);
}

/* The overlapping-reservation regression and the largest record, on
 * Linux and on the core: the same answers. */
static void test_linux_reserve_limits_match_core(struct ktest *t)
{
	int fd = rb_map(BPF_MAP_TYPE_RINGBUF, 0x4000, 0), prog = lp_two_reserves(fd, 0x3000);
	unsigned long *cons = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	struct test_bpf_rb k;
	void *r1, *r2;

	KT_ASSERT(t, prog >= 0 && cons != MAP_FAILED);
	*cons = 0x3000;
	KT_EXPECT_EQ(t, lp_run(prog, 0), 2);          /* the second one refused */
	KT_ASSERT_EQ(t, tbr_init(&k, 0x4000, BPF_MAP_TYPE_RINGBUF, 0), 0);
	*k.user.cons = 0x3000;
	r1 = bpf_ringbuf_reserve(k.rb, 0x3000, 0);
	r2 = bpf_ringbuf_reserve(k.rb, 0x3000, 0);
	KT_EXPECT(t, r1 && !r2);
	tbr_free(&k);
	munmap(cons, PAGE);
	close(prog);
	close(fd);

	for (int sz = PAGE - 16; sz <= PAGE - 8; sz += 8) {
		long lin;

		fd = rb_map(BPF_MAP_TYPE_RINGBUF, PAGE, 0);
		prog = lp_reserve_one(fd, sz);
		KT_ASSERT(t, prog >= 0);
		KT_ASSERT_EQ(t, tbr_init(&k, PAGE, BPF_MAP_TYPE_RINGBUF, 0), 0);
		lin = lp_run(prog, 0);
		KT_EXPECT_EQ(t, lin, bpf_ringbuf_reserve(k.rb, sz, 0) != NULL);
		ktest_diag(t, "kernel ring sample of size - %d: Linux %s", PAGE - sz,
			   lin ? "fits" : "refused");
		tbr_free(&k);
		close(prog);
		close(fd);
	}
}

/* A callback error stops consuming and is returned; consume_n is exact. */
static void test_linux_callback_error_and_consume_n(struct ktest *t)
{
	int fd = rb_map(BPF_MAP_TYPE_RINGBUF, PAGE, 0), prog = lp_output(fd, 0);
	struct got g = { 0 };
	struct ring_buffer *rb = ring_buffer__new(fd, cb, &g, NULL);

	KT_ASSERT(t, prog >= 0 && rb);
	for (unsigned int i = 0; i < 10; i++)
		KT_ASSERT_EQ(t, lp_run(prog, i), 0);
	KT_EXPECT_EQ(t, ring_buffer__consume_n(rb, 4), 4);
	KT_EXPECT_EQ(t, g.v[3], 3);
	g.fail_at = 6;
	g.err = -7777;
	KT_EXPECT_EQ(t, ring_buffer__consume(rb), -7777);
	KT_EXPECT_EQ(t, g.n, 6);
	KT_EXPECT_EQ(t, ring_buffer__consume(rb), 4);
	KT_EXPECT_EQ(t, g.v[9], 9);
	ring_buffer__free(rb);
	close(prog);
	close(fd);
}

struct poller {
	struct ring_buffer *rb;
	int res, done;
};

static void *poll_thread(void *arg)
{
	struct poller *p = arg;

	p->res = ring_buffer__poll(p->rb, 5000);
	__atomic_store_n(&p->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* NO_WAKEUP keeps a blocked poll asleep; FORCE_WAKEUP wakes it. */
static void test_linux_wakeup_flags(struct ktest *t)
{
	int fd = rb_map(BPF_MAP_TYPE_RINGBUF, PAGE, 0);
	int quiet = lp_output(fd, BPF_RB_NO_WAKEUP), loud = lp_output(fd, BPF_RB_FORCE_WAKEUP);
	struct got g = { 0 };
	struct poller p = { ring_buffer__new(fd, cb, &g, NULL), 0, 0 };
	struct timespec d = { 0, 100 * 1000 * 1000 };
	pthread_t th;

	KT_ASSERT(t, quiet >= 0 && loud >= 0 && p.rb);
	pthread_create(&th, NULL, poll_thread, &p);
	nanosleep(&d, NULL);
	KT_EXPECT_EQ(t, lp_run(quiet, 1), 0);
	nanosleep(&d, NULL);
	KT_EXPECT_EQ(t, __atomic_load_n(&p.done, __ATOMIC_ACQUIRE), 0);
	KT_EXPECT_EQ(t, lp_run(loud, 2), 0);
	pthread_join(th, NULL);
	KT_EXPECT_EQ(t, p.res, 2);
	ring_buffer__free(p.rb);
	close(quiet);
	close(loud);
	close(fd);
}

/* Every hostile user ring state: Linux's drain and the core's drain give
 * the same result and leave the same consumer_pos, for two drains. */
static const struct {
	const char *name;
	struct { unsigned long off; u32 len; } w[3];   /* header writes */
	unsigned long prod[2];                         /* producer_pos per drain */
} scen[] = {
	{ "good", { { 0, 16 } }, { 24, 24 } },
	{ "size 39, prod not aligned", { { 0, 39 } }, { 47, 47 } },
	{ "prod below header's claim", { { 0, 32 } }, { 8, 32 } },
	{ "size of the ring", { { 0, PAGE } }, { PAGE + 8, PAGE + 8 } },
	{ "ring size, discarded", { { 0, PAGE | BPF_RINGBUF_DISCARD_BIT } }, { PAGE + 8, 0 } },
	{ "busy forever", { { 0, 16 | BPF_RINGBUF_BUSY_BIT } }, { 24, 24 } },
	{ "discarded then good", { { 0, 16 | BPF_RINGBUF_DISCARD_BIT }, { 24, 8 } }, { 40, 40 } },
	{ "good then bad", { { 0, 16 }, { 24, 100 } }, { 40, 40 } },
	{ "prod moved backwards", { { 0, 16 }, { 24, 8 } }, { 24, 8 } },
	{ "zero-size samples", { { 0, 0 }, { 8, 0 } }, { 16, 16 } },
	{ "prod far ahead", { { 0, 16 } }, { 1UL << 40, 1UL << 41 } },
	{ "huge length", { { 0, 0x3ffffff8 } }, { 1UL << 40, 0 } },
};

static int count_cb(const void *data, u32 size, void *ctx) { return 0; }

static void test_linux_user_ring_headers_match_core(struct ktest *t)
{
	int bad = 0;

	for (size_t i = 0; i < ARRAY_SIZE(scen); i++) {
		int fd = rb_map(BPF_MAP_TYPE_USER_RINGBUF, PAGE, 0), prog = lp_drain(fd, 0);
		unsigned long *lcons = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
		unsigned long *lprod = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PAGE);
		struct test_bpf_rb u;
		long lr[2] = { 0 }, cr;

		KT_ASSERT(t, prog >= 0 && lcons != MAP_FAILED && lprod != MAP_FAILED);
		KT_ASSERT_EQ(t, tbr_init(&u, PAGE, BPF_MAP_TYPE_USER_RINGBUF, 0), 0);
		for (int j = 0; j < 3 && (j == 0 || scen[i].w[j].off); j++) {
			*(u32 *)((u8 *)lprod + PAGE + scen[i].w[j].off) = scen[i].w[j].len;
			*tbr_hdr(&u, scen[i].w[j].off) = scen[i].w[j].len;
		}
		for (int k = 0; k < 2; k++) {
			*lprod = scen[i].prod[k];
			u.user.prod->producer_pos = scen[i].prod[k];
			lr[k] = lp_run(prog, 0);
			cr = bpf_user_ringbuf_drain(u.rb, count_cb, NULL, 0);
			if (lr[k] != cr || *lcons != *u.user.cons) {
				ktest_diag(t, "%s, drain %d: Linux %ld cons %lu, core %ld cons %lu",
					   scen[i].name, k + 1, lr[k], *lcons, cr, *u.user.cons);
				bad++;
			}
		}
		ktest_diag(t, "%-26s Linux and core: %ld then %ld", scen[i].name, lr[0], lr[1]);
		tbr_free(&u);
		munmap(lcons, PAGE);
		munmap(lprod, 3 * PAGE);
		close(prog);
		close(fd);
	}
	KT_EXPECT_EQ(t, bad, 0);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct late {
	int prog;
	long res;
	volatile double at;     /* when the drain started (now_ms) */
};

static void *late_drain(void *arg)
{
	struct late *l = arg;
	struct timespec d = { 0, 100 * 1000 * 1000 };

	nanosleep(&d, NULL);
	l->at = now_ms();
	l->res = lp_run(l->prog, 0);
	return NULL;
}

/* user_ringbuf selftests through the library on Linux's user rings. */
static void test_linux_user_ring_library(struct ktest *t)
{
	int fd = rb_map(BPF_MAP_TYPE_USER_RINGBUF, PAGE, 0), prog = lp_drain(fd, 0);
	struct user_ring_buffer *ur = user_ring_buffer__new(fd, NULL);
	struct late l = { .prog = prog };
	int fit = 0, sent = 0, got = 0;
	pthread_t th;
	double t0;
	void *s;

	KT_ASSERT(t, prog >= 0 && ur);
	KT_EXPECT(t, user_ring_buffer__reserve(ur, PAGE - 7) == NULL && errno == E2BIG);
	s = user_ring_buffer__reserve(ur, PAGE - 8);          /* ring size - 8 */
	KT_ASSERT(t, s != NULL);
	user_ring_buffer__submit(ur, s);
	KT_EXPECT_EQ(t, lp_run(prog, 0), 1);
	for (int i = 0; i < 5 * (PAGE / 40); i++) {           /* overfill 5x */
		s = user_ring_buffer__reserve(ur, 32);
		if (!s)
			continue;
		fit++;
		if (fit % 2)
			user_ring_buffer__submit(ur, s);
		else
			user_ring_buffer__discard(ur, s);
	}
	KT_EXPECT_EQ(t, fit, PAGE / 40);
	KT_EXPECT_EQ(t, lp_run(prog, 0), (PAGE / 40 + 1) / 2);   /* discards skipped */
	while (sent < 8192) {                                 /* 8192 in batches */
		while (sent < 8192 && (s = user_ring_buffer__reserve(ur, 24))) {
			*(int *)s = sent++;
			user_ring_buffer__submit(ur, s);
		}
		long n = lp_run(prog, 0);
		KT_ASSERT(t, n > 0);
		got += (int)n;
	}
	KT_EXPECT_EQ(t, got, 8192);
	while ((s = user_ring_buffer__reserve(ur, 56)))         /* full */
		user_ring_buffer__submit(ur, s);
	t0 = now_ms();
	KT_EXPECT(t, user_ring_buffer__reserve_blocking(ur, 56, 200) == NULL);
	KT_EXPECT_EQ(t, errno, ENOSPC);
	KT_EXPECT_GE(t, now_ms() - t0, 195);
	pthread_create(&th, NULL, late_drain, &l);
	KT_EXPECT(t, user_ring_buffer__reserve_blocking(ur, 56, 5000) != NULL);
	double got_at = now_ms();
	pthread_join(th, NULL);
	KT_EXPECT_GE(t, got_at, l.at);          /* room only once the drain ran */
	KT_EXPECT_EQ(t, l.res, PAGE / 64);
	user_ring_buffer__free(ur);
	close(prog);
	close(fd);
}

struct pb_got {
	long samples, lost, bad;
	u64 next;
};

static void pb_sample(void *ctx, int cpu, void *data, __u32 size)
{
	struct pb_got *g = ctx;
	u64 seq = *(u64 *)data;

	/* 16 bytes written; perf reports the raw size padded (4 + 20 = 24). */
	g->bad += cpu != 0 || size != 20 || seq < g->next || ((u64 *)data)[1] != 0x77;
	g->next = seq + 1;
	g->samples++;
}

static void pb_lost(void *ctx, int cpu, __u64 cnt) { ((struct pb_got *)ctx)->lost += cnt; }

/* perf_buffer over per-CPU BPF_OUTPUT events: samples arrive with their
 * CPU, and an overfilled buffer reports exactly what it lost. */
static void test_linux_perf_buffer(struct ktest *t)
{
	int ncpu = libbpf_num_possible_cpus();
	int fd = bpf_map_create(BPF_MAP_TYPE_PERF_EVENT_ARRAY, "rt_pb", 4, 4, ncpu, NULL);
	int prog = lp_perf_output(fd);
	struct pb_got g = { 0 };
	struct perf_buffer *pb = perf_buffer__new(fd, 1, pb_sample, pb_lost, &g, NULL);
	cpu_set_t set, old;

	KT_ASSERT(t, fd >= 0 && prog >= 0 && pb);
	KT_EXPECT_EQ(t, perf_buffer__buffer_cnt(pb), ncpu);
	KT_EXPECT(t, perf_buffer__epoll_fd(pb) >= 0);
	sched_getaffinity(0, sizeof(old), &old);
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);              /* write to CPU 0's buffer */
	for (unsigned int i = 0; i < 10; i++)
		KT_EXPECT_EQ(t, lp_run(prog, i), 0);
	KT_EXPECT_EQ(t, perf_buffer__poll(pb, 1000), 1);
	KT_EXPECT_EQ(t, g.samples, 10);
	for (unsigned int i = 0; i < 500; i++)                /* 32-byte records, 4 KiB */
		lp_run(prog, 10 + i);
	KT_EXPECT_EQ(t, perf_buffer__consume(pb), 0);
	lp_run(prog, 510);                                    /* the LOST record comes first */
	KT_EXPECT_EQ(t, perf_buffer__consume(pb), 0);
	sched_setaffinity(0, sizeof(old), &old);
	KT_EXPECT_GT(t, g.lost, 0);
	KT_EXPECT_EQ(t, g.samples + g.lost, 511);
	KT_EXPECT_EQ(t, g.bad, 0);
	ktest_diag(t, "%d CPUs; samples %ld, lost %ld", ncpu, g.samples, g.lost);
	perf_buffer__free(pb);
	KT_EXPECT(t, perf_buffer__new(fd, 3, pb_sample, pb_lost, &g, NULL) == NULL && errno == EINVAL);
	close(prog);
	close(fd);
}

static const struct ktest_case linux_cases[] = {
	KTEST_CASE(test_linux_map_create_matches_core),
	KTEST_CASE(test_linux_mmap_permissions),
	KTEST_CASE(test_linux_positions),
	KTEST_CASE(test_linux_reserve_limits_match_core),
	KTEST_CASE(test_linux_callback_error_and_consume_n),
	KTEST_CASE(test_linux_wakeup_flags),
	KTEST_CASE(test_linux_user_ring_headers_match_core),
	KTEST_CASE(test_linux_user_ring_library),
	KTEST_CASE(test_linux_perf_buffer),
	{ 0 },
};
static const struct ktest_suite linux_suite = { .name = "bpf_rb_linux", .cases = linux_cases,
						.init = init };
KTEST_HOST_MAIN(&linux_suite);
