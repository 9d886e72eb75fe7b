/* The BPF ring buffer flows end to end, through libbpf and the real
 * syscalls, with exact accounting:
 *   (a) rt_unlink_log: unlinkat -> kernel ring -> ring_buffer__poll
 *   (b) rt_kill_drain: user ring -> (kill) -> kernel ring, plus hostile
 *       user ring headers written by hand through the mapping
 *   (c) rt_unlink_perf: unlinkat -> per-CPU perf buffers -> perf_buffer__poll
 *   (d) many producers on all CPUs into one ring
 * Every case needs Ringtail's built-in handlers: on Linux they all SKIP. */
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include "bpf_test.h"

#define REC_UNLINK ((sizeof(struct rt_unlink_event) + 8 + 7) & ~7ul)   /* 288 */
#define REC_KILL ((sizeof(struct rt_kill_event) + 8 + 7) & ~7ul)       /* 40 */
#define MAXREC 2048

static char my_comm[16];

static int unlinkat_(const char *path)
{
	return (int)RSYS(SYS_unlinkat, AT_FDCWD, path, 0);
}

/* --- collecting records ------------------------------------------------------ */

struct log {
	int n, bad_size, stop_at, calls;
	int ret;                        /* what the callback returns at stop_at */
	struct rt_unlink_event ev[MAXREC];
};

static int log_cb(void *ctx, void *data, size_t size)
{
	struct log *l = ctx;
	l->calls++;
	if (size != sizeof(struct rt_unlink_event)) {
		l->bad_size++;
		return 0;
	}
	if (l->n < MAXREC)
		memcpy(&l->ev[l->n], data, sizeof(l->ev[0]));
	l->n++;
	if (l->stop_at && l->calls == l->stop_at)
		return l->ret;
	return 0;
}

static struct log lg;

static void log_reset(void)
{
	memset(&lg, 0, sizeof(lg));
}

/* A fresh rt_unlink_log ring of size bytes attached to unlinkat. */
struct unlink_flow {
	int map, pfd;
	struct ring_buffer *rb;
	struct ring *r;
};

static int unlink_flow_open(struct unlink_flow *f, int size)
{
	memset(f, 0, sizeof(*f));
	f->pfd = -1;
	log_reset();
	f->map = ringbuf_new(size);
	if (!EXPECT_GE(f->map, 0))
		return -1;
	f->pfd = attach_handler(RT_HANDLER_UNLINK_LOG, &f->map, 1, RT_TP_SYS_ENTER_UNLINKAT);
	if (!EXPECT_GE(f->pfd, 0))
		return -1;
	f->rb = ring_buffer__new(f->map, log_cb, &lg, NULL);
	if (!EXPECT_TRUE(f->rb != NULL))
		return -1;
	f->r = ring_buffer__ring(f->rb, 0);
	return 0;
}

static void unlink_flow_close(struct unlink_flow *f)
{
	if (f->pfd >= 0)
		close(f->pfd);
	ring_buffer__free(f->rb);
	close(f->map);
}

/* --- (a) rt_unlink_log --------------------------------------------------------- */

/* N calls, exactly N records, each the caller's, in order. */
static void t_unlink_exact(void)
{
	RINGTAIL_ONLY();
	struct unlink_flow f;
	if (unlink_flow_open(&f, 64 * 1024))
		return;
	enum { N = 100 };
	char path[300];
	for (int i = 0; i < N; i++) {
		snprintf(path, sizeof(path), "/tmp/rt-flow-%03d", i);
		EXPECT_ERRNO(unlinkat_(path), ENOENT);
	}
	/* Other syscalls of the family hit other tracepoints. */
	RSYS(SYS_unlink, "/tmp/rt-flow-unlink");
	RSYS(SYS_rmdir, "/tmp/rt-flow-rmdir");
	RSYS(SYS_getpid);
	/* A path longer than the record: cut, still terminated. */
	memset(path, 'x', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = 0;
	unlinkat_(path);
	/* An unreadable path: the record comes with an empty name. */
	RSYS(SYS_unlinkat, AT_FDCWD, NULL, 0);
	RSYS(SYS_unlinkat, AT_FDCWD, BAD_KERNEL, 0);
	EXPECT_EQ(ring__avail_data_size(f.r), (N + 3) * REC_UNLINK);
	EXPECT_EQ(ring_buffer__consume(f.rb), N + 3);
	EXPECT_EQ(lg.n, N + 3);
	EXPECT_EQ(lg.bad_size, 0);
	for (int i = 0; i < N && i < lg.n; i++) {
		char want[64];
		snprintf(want, sizeof(want), "/tmp/rt-flow-%03d", i);
		const struct rt_unlink_event *e = &lg.ev[i];
		if (!EXPECT_EQ(e->pid, getpid()) || !EXPECT_STREQ(e->filename, want) ||
		    !EXPECT_EQ(strncmp(e->comm, my_comm, 16), 0))
			break;
	}
	if (lg.n == N + 3) {
		const struct rt_unlink_event *e = &lg.ev[N];
		EXPECT_EQ(strlen(e->filename), sizeof(e->filename) - 1);
		EXPECT_EQ(memcmp(e->filename, path, sizeof(e->filename) - 1), 0);
		EXPECT_STREQ(lg.ev[N + 1].filename, "");
		EXPECT_STREQ(lg.ev[N + 2].filename, "");
		EXPECT_EQ(lg.ev[N + 2].pid, getpid());
	}
	EXPECT_EQ(ring__rt_dropped(f.r), 0);
	EXPECT_EQ(ring__consumer_pos(f.r), (N + 3) * REC_UNLINK);
	EXPECT_EQ(ring__producer_pos(f.r), (N + 3) * REC_UNLINK);
	EXPECT_EQ(ring__size(f.r), 64 * 1024);
	unlink_flow_close(&f);
}

/* Paths the handler cannot read whole: one record each, the name empty
 * (bpf_probe_read_user_str zeroes its buffer on a fault); the kernel and
 * the syscall itself are unharmed. */
static void t_unlink_bad_paths(void)
{
	RINGTAIL_ONLY();
	struct unlink_flow f;
	if (unlink_flow_open(&f, 64 * 1024))
		return;
	char *m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!EXPECT_TRUE(m != MAP_FAILED))
		return;
	munmap(m + PG, PG);
	memcpy(m + PG - 3, "/ab", 3);                  /* runs into a hole, no NUL */
	EXPECT_ERRNO(unlinkat_(m + PG - 3), EFAULT);
	memcpy(m + PG - 8, "/tmp/ok", 8);              /* ends just before it */
	EXPECT_ERRNO(unlinkat_(m + PG - 8), ENOENT);
	EXPECT_EQ(mprotect(m, PG, PROT_NONE), 0);
	EXPECT_ERRNO(unlinkat_(m + 16), EFAULT);       /* unreadable page */
	EXPECT_ERRNO(RSYS(SYS_unlinkat, AT_FDCWD, BAD_NONCANON, 0), EFAULT);
	EXPECT_ERRNO(RSYS(SYS_unlinkat, AT_FDCWD, BAD_TOP, 0), EFAULT);
	EXPECT_EQ(ring_buffer__consume(f.rb), 5);
	if (lg.n == 5) {
		EXPECT_STREQ(lg.ev[0].filename, "");
		EXPECT_STREQ(lg.ev[1].filename, "/tmp/ok");
		EXPECT_STREQ(lg.ev[2].filename, "");
		EXPECT_STREQ(lg.ev[3].filename, "");
		EXPECT_STREQ(lg.ev[4].filename, "");
		for (int i = 0; i < 5; i++)
			EXPECT_EQ(lg.ev[i].pid, getpid());
	}
	munmap(m, PG);
	unlink_flow_close(&f);
}

/* Positions after submits and partial consumption. */
static void t_unlink_positions(void)
{
	RINGTAIL_ONLY();
	struct unlink_flow f;
	if (unlink_flow_open(&f, 16 * 1024))
		return;
	EXPECT_EQ(ring__producer_pos(f.r), 0);
	EXPECT_EQ(ring__consumer_pos(f.r), 0);
	EXPECT_EQ(ring__avail_data_size(f.r), 0);
	for (int i = 0; i < 5; i++)
		unlinkat_("/tmp/rt-pos");
	EXPECT_EQ(ring__producer_pos(f.r), 5 * REC_UNLINK);
	EXPECT_EQ(ring__consumer_pos(f.r), 0);
	EXPECT_EQ(ring__avail_data_size(f.r), 5 * REC_UNLINK);
	EXPECT_EQ(ring__consume_n(f.r, 2), 2);
	EXPECT_EQ(ring__consumer_pos(f.r), 2 * REC_UNLINK);
	EXPECT_EQ(ring__avail_data_size(f.r), 3 * REC_UNLINK);
	EXPECT_EQ(ring__consume(f.r), 3);
	EXPECT_EQ(ring__avail_data_size(f.r), 0);
	EXPECT_EQ(ring__consumer_pos(f.r), 5 * REC_UNLINK);
	EXPECT_EQ(ring__consume(f.r), 0);
	/* Round and round a 16 KiB ring: positions only grow. */
	for (int round = 0; round < 6; round++) {
		for (int i = 0; i < 20; i++)
			unlinkat_("/tmp/rt-pos");
		EXPECT_EQ(ring__consume(f.r), 20);
	}
	EXPECT_EQ(ring__producer_pos(f.r), 125 * REC_UNLINK);
	EXPECT_EQ(ring__consumer_pos(f.r), 125 * REC_UNLINK);
	EXPECT_EQ(lg.n, 125);
	EXPECT_EQ(ring__rt_dropped(f.r), 0);
	unlink_flow_close(&f);
}

/* A small ring overfilled: received + dropped == calls, exactly. */
static void t_unlink_overfill(void)
{
	RINGTAIL_ONLY();
	struct unlink_flow f;
	if (unlink_flow_open(&f, 4096))
		return;
	const int fits = (int)(4096 / REC_UNLINK);       /* 14 */
	static const int bursts[] = { 100, 5, 14, 15, 40, 1 };
	int calls = 0, got = 0;
	for (unsigned b = 0; b < sizeof(bursts) / sizeof(bursts[0]); b++) {
		for (int i = 0; i < bursts[b]; i++) {
			char path[64];
			snprintf(path, sizeof(path), "/tmp/rt-over-%d", calls++);
			unlinkat_(path);
		}
		int n = ring_buffer__consume(f.rb);
		EXPECT_EQ(n, bursts[b] < fits ? bursts[b] : fits);
		got += n;
		if (!EXPECT_EQ((unsigned long)got + ring__rt_dropped(f.r), (unsigned long)calls))
			break;
	}
	EXPECT_EQ(lg.n, got);
	EXPECT_EQ(ring__rt_dropped(f.r), (unsigned long)(calls - got));
	/* The ones that made it are the first of each burst, in order. */
	int prev = -1, ordered = 1;
	for (int i = 0; i < lg.n && i < MAXREC; i++) {
		int k = atoi(lg.ev[i].filename + strlen("/tmp/rt-over-"));
		ordered &= k > prev;
		prev = k;
	}
	EXPECT_TRUE(ordered);
	unlink_flow_close(&f);
}

/* A blocked ring_buffer__poll wakes up for a record made elsewhere. */
struct poller {
	struct ring_buffer *rb;
	int timeout_ms, ret;
	uint64_t end;
	volatile int started;
};

static void *poll_thread(void *arg)
{
	struct poller *p = arg;
	p->started = 1;
	p->ret = ring_buffer__poll(p->rb, p->timeout_ms);
	p->end = now_ns(CLOCK_MONOTONIC);
	return NULL;
}

static void t_unlink_poll_wakes(void)
{
	RINGTAIL_ONLY();
	struct unlink_flow f;
	if (unlink_flow_open(&f, 64 * 1024))
		return;
	/* Nothing there: the timeout runs out. */
	uint64_t t0 = now_ns(CLOCK_MONOTONIC);
	EXPECT_EQ(ring_buffer__poll(f.rb, 100), 0);
	EXPECT_GE(ms_since(t0), 90);
	for (int round = 0; round < 3; round++) {
		struct poller p = { .rb = f.rb, .timeout_ms = 10000 };
		pthread_t th;
		if (!EXPECT_EQ(pthread_create(&th, NULL, poll_thread, &p), 0))
			break;
		while (!p.started)
			sched_yield();
		usleep(150 * 1000);                 /* usually it blocks meanwhile */
		uint64_t sent = now_ns(CLOCK_MONOTONIC);
		unlinkat_("/tmp/rt-wake");
		pthread_join(th, NULL);
		/* The record came back (not the 10 s timeout), and not before
		 * it was written. */
		EXPECT_EQ(p.ret, 1);
		EXPECT_GE(p.end, sent);
	}
	EXPECT_EQ(lg.n, 3);
	unlink_flow_close(&f);
}

/* A callback error stops consuming and comes back from poll; that record
 * counts as consumed (libbpf). */
static void t_unlink_callback_error(void)
{
	RINGTAIL_ONLY();
	struct unlink_flow f;
	if (unlink_flow_open(&f, 64 * 1024))
		return;
	for (int i = 0; i < 3; i++)
		unlinkat_("/tmp/rt-cb-err");
	lg.stop_at = 2;
	lg.ret = -42;
	EXPECT_EQ(ring_buffer__poll(f.rb, 1000), -42);
	EXPECT_EQ(lg.calls, 2);
	EXPECT_EQ(ring__consumer_pos(f.r), 2 * REC_UNLINK);
	EXPECT_EQ(ring__avail_data_size(f.r), REC_UNLINK);
	lg.stop_at = 0;
	EXPECT_EQ(ring_buffer__poll(f.rb, 1000), 1);
	EXPECT_EQ(lg.calls, 3);
	EXPECT_EQ(ring__avail_data_size(f.r), 0);
	/* The same through consume. */
	for (int i = 0; i < 4; i++)
		unlinkat_("/tmp/rt-cb-err");
	lg.calls = 0;
	lg.stop_at = 1;
	lg.ret = -7;
	EXPECT_EQ(ring_buffer__consume(f.rb), -7);
	EXPECT_EQ(ring__avail_data_size(f.r), 3 * REC_UNLINK);
	lg.stop_at = 0;
	EXPECT_EQ(ring_buffer__consume(f.rb), 3);
	unlink_flow_close(&f);
}

static void t_unlink_consume_n(void)
{
	RINGTAIL_ONLY();
	struct unlink_flow f;
	if (unlink_flow_open(&f, 64 * 1024))
		return;
	for (int i = 0; i < 10; i++)
		unlinkat_("/tmp/rt-consume-n");
	EXPECT_EQ(ring_buffer__consume_n(f.rb, 4), 4);
	EXPECT_EQ(lg.n, 4);
	EXPECT_EQ(ring__consumer_pos(f.r), 4 * REC_UNLINK);
	EXPECT_EQ(ring_buffer__consume_n(f.rb, 4), 4);
	EXPECT_EQ(ring_buffer__consume_n(f.rb, 10), 2);
	EXPECT_EQ(ring_buffer__consume_n(f.rb, 10), 0);
	EXPECT_EQ(ring_buffer__consume_n(f.rb, 0), 0);
	EXPECT_EQ(lg.n, 10);
	unlink_flow_close(&f);
}

/* Closing the event detaches the handler: no more records. */
static void t_unlink_detach(void)
{
	RINGTAIL_ONLY();
	struct unlink_flow f;
	if (unlink_flow_open(&f, 16 * 1024))
		return;
	unlinkat_("/tmp/rt-detach");
	close(f.pfd);
	f.pfd = -1;
	for (int i = 0; i < 5; i++)
		unlinkat_("/tmp/rt-detach");
	EXPECT_EQ(ring__producer_pos(f.r), REC_UNLINK);
	EXPECT_EQ(ring_buffer__consume(f.rb), 1);
	/* Attach again, through a second event on the same ring. */
	f.pfd = attach_handler(RT_HANDLER_UNLINK_LOG, &f.map, 1, RT_TP_SYS_ENTER_UNLINKAT);
	EXPECT_GE(f.pfd, 0);
	unlinkat_("/tmp/rt-detach");
	EXPECT_EQ(ring_buffer__consume(f.rb), 1);
	/* Two programs on the tracepoint: one record each per hit. */
	int pfd2 = attach_handler(RT_HANDLER_UNLINK_LOG, &f.map, 1, RT_TP_SYS_ENTER_UNLINKAT);
	EXPECT_GE(pfd2, 0);
	unlinkat_("/tmp/rt-detach");
	EXPECT_EQ(ring_buffer__consume(f.rb), 2);
	close(pfd2);
	unlinkat_("/tmp/rt-detach");
	EXPECT_EQ(ring_buffer__consume(f.rb), 1);
	unlink_flow_close(&f);
}

/* --- (b) rt_kill_drain ------------------------------------------------------------ */

struct kills {
	int n, bad;
	__u64 cookie[MAXREC];
};
static struct kills kl;

static int kill_cb(void *ctx, void *data, size_t size)
{
	const struct rt_kill_event *e = data;
	if (size != sizeof(*e) || e->pid != getpid() || strncmp(e->comm, my_comm, 16))
		kl.bad++;
	if (kl.n < MAXREC)
		kl.cookie[kl.n] = e->cookie;
	kl.n++;
	return 0;
}

struct kill_flow {
	int in, out, pfd;
	struct user_ring_buffer *ur;
	struct ring_buffer *rb;
	struct ring *r;
	const unsigned long *cons;      /* the user ring's consumer_pos, read-only */
};

static int kill_flow_open(struct kill_flow *f, int in_size, int out_size, int with_lib)
{
	memset(f, 0, sizeof(*f));
	memset(&kl, 0, sizeof(kl));
	f->pfd = -1;
	f->in = user_ringbuf_new(in_size);
	f->out = ringbuf_new(out_size);
	if (!EXPECT_GE(f->in, 0) || !EXPECT_GE(f->out, 0))
		return -1;
	int maps[2] = { f->in, f->out };
	f->pfd = attach_handler(RT_HANDLER_KILL_DRAIN, maps, 2, RT_TP_SYS_EXIT_KILL);
	if (!EXPECT_GE(f->pfd, 0))
		return -1;
	f->rb = ring_buffer__new(f->out, kill_cb, NULL, NULL);
	if (!EXPECT_TRUE(f->rb != NULL))
		return -1;
	f->r = ring_buffer__ring(f->rb, 0);
	f->cons = mmap(NULL, PG, PROT_READ, MAP_SHARED, f->in, 0);
	if (!EXPECT_TRUE(f->cons != MAP_FAILED))
		return -1;
	if (with_lib) {
		f->ur = user_ring_buffer__new(f->in, NULL);
		if (!EXPECT_TRUE(f->ur != NULL))
			return -1;
	}
	return 0;
}

static void kill_flow_close(struct kill_flow *f)
{
	if (f->pfd >= 0)
		close(f->pfd);
	user_ring_buffer__free(f->ur);
	ring_buffer__free(f->rb);
	if (f->cons && f->cons != MAP_FAILED)
		munmap((void *)f->cons, PG);
	close(f->in);
	close(f->out);
}

static int send_sample(struct user_ring_buffer *ur, __u32 size, __u64 cookie, int discard)
{
	unsigned char *s = user_ring_buffer__reserve(ur, size);
	if (!s)
		return -errno;
	memset(s, 0xee, size);
	memcpy(s, &cookie, size < 8 ? size : 8);
	if (discard)
		user_ring_buffer__discard(ur, s);
	else
		user_ring_buffer__submit(ur, s);
	return 0;
}

static __u64 rec_bytes(__u32 size)
{
	return (size + 8 + 7) & ~7ul;
}

/* Samples come back one for one, in order, with their cookies. */
static void t_kill_one_for_one(void)
{
	RINGTAIL_ONLY();
	struct kill_flow f;
	if (kill_flow_open(&f, 16 * 1024, 64 * 1024, 1))
		return;
	__u64 cookie = 1, used = 0;
	int sent = 0;
	for (int batch = 0; batch < 4; batch++) {
		for (int i = 0; i < 25; i++) {
			__u32 size = 8 + (__u32)((i * 13) % 57);
			if (!EXPECT_EQ(send_sample(f.ur, size, cookie++, 0), 0))
				return;
			used += rec_bytes(size);
			sent++;
		}
		EXPECT_EQ(kill(getpid(), 0), 0);        /* drained at its exit */
		EXPECT_EQ(*f.cons, used);
		EXPECT_EQ(ring_buffer__consume(f.rb), 25);
	}
	/* A sample shorter than the cookie reads as cookie 0. */
	EXPECT_EQ(send_sample(f.ur, 4, 0xffffffffffull, 0), 0);
	/* A kill that fails still exits through the tracepoint. */
	EXPECT_ERRNO(RSYS(SYS_kill, 0x3fffffff, 0), ESRCH);
	EXPECT_EQ(ring_buffer__consume(f.rb), 1);
	EXPECT_EQ(kl.n, sent + 1);
	EXPECT_EQ(kl.bad, 0);
	for (int i = 0; i < sent && i < kl.n; i++)
		if (!EXPECT_EQ(kl.cookie[i], (__u64)i + 1))
			break;
	if (kl.n == sent + 1)
		EXPECT_EQ(kl.cookie[sent], 0);
	/* Nothing waiting: a kill makes no record. */
	EXPECT_EQ(kill(getpid(), 0), 0);
	EXPECT_EQ(ring_buffer__consume(f.rb), 0);
	EXPECT_EQ(ring__rt_dropped(f.r), 0);
	kill_flow_close(&f);
}

/* Discarded samples are skipped, and their space comes back. */
static void t_kill_discard(void)
{
	RINGTAIL_ONLY();
	struct kill_flow f;
	if (kill_flow_open(&f, 4096, 16 * 1024, 1))
		return;
	for (int i = 1; i <= 5; i++)
		EXPECT_EQ(send_sample(f.ur, 16, (__u64)i, !(i & 1)), 0);
	EXPECT_EQ(kill(getpid(), 0), 0);
	EXPECT_EQ(ring_buffer__consume(f.rb), 3);
	EXPECT_EQ(*f.cons, 5 * rec_bytes(16));
	/* Only discards: nothing out, all consumed. */
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(send_sample(f.ur, 100, 99, 1), 0);
	EXPECT_EQ(kill(getpid(), 0), 0);
	EXPECT_EQ(ring_buffer__consume(f.rb), 0);
	EXPECT_EQ(*f.cons, 5 * rec_bytes(16) + 4 * rec_bytes(100));
	/* Submitted out of order: drained in ring order once both are done. */
	__u64 *a = user_ring_buffer__reserve(f.ur, 8);
	__u64 *b = user_ring_buffer__reserve(f.ur, 8);
	if (EXPECT_TRUE(a && b)) {
		*a = 10;
		*b = 11;
		user_ring_buffer__submit(f.ur, b);
		EXPECT_EQ(kill(getpid(), 0), 0);        /* a is still BUSY: stop */
		EXPECT_EQ(ring_buffer__consume(f.rb), 0);
		user_ring_buffer__submit(f.ur, a);
		EXPECT_EQ(kill(getpid(), 0), 0);
		EXPECT_EQ(ring_buffer__consume(f.rb), 2);
	}
	EXPECT_EQ(kl.n, 5);
	static const __u64 want[] = { 1, 3, 5, 10, 11 };
	for (int i = 0; i < 5 && i < kl.n; i++)
		EXPECT_EQ(kl.cookie[i], want[i]);
	kill_flow_close(&f);
}

/* Overfilling by five times: exactly what the ring holds fits. */
static void t_kill_overfill(void)
{
	RINGTAIL_ONLY();
	struct kill_flow f;
	if (kill_flow_open(&f, 4096, 16 * 1024, 1))
		return;
	const int cap = 4096 / 16;
	int ok = 0, enospc = 0;
	for (int i = 0; i < 5 * cap; i++) {
		int rc = send_sample(f.ur, 8, (__u64)ok + 1, 0);
		if (!rc)
			ok++;
		else if (rc == -ENOSPC)
			enospc++;
	}
	EXPECT_EQ(ok, cap);
	EXPECT_EQ(enospc, 4 * cap);
	EXPECT_EQ(kill(getpid(), 0), 0);
	EXPECT_EQ(ring_buffer__consume(f.rb), cap);
	EXPECT_EQ(*f.cons, 4096);
	/* Room again, for exactly as many. */
	ok = 0;
	for (int i = 0; i < 2 * cap; i++)
		ok += send_sample(f.ur, 8, (__u64)cap + ok + 1, 0) == 0;
	EXPECT_EQ(ok, cap);
	EXPECT_EQ(kill(getpid(), 0), 0);
	EXPECT_EQ(ring_buffer__consume(f.rb), cap);
	EXPECT_EQ(kl.n, 2 * cap);
	for (int i = 0; i < kl.n && i < MAXREC; i++)
		if (!EXPECT_EQ(kl.cookie[i], (__u64)i + 1))
			break;
	/* Never fits / the largest that does. */
	EXPECT_TRUE(user_ring_buffer__reserve(f.ur, 4096) == NULL);
	EXPECT_EQ(errno, E2BIG);
	EXPECT_TRUE(user_ring_buffer__reserve(f.ur, 4096 - 7) == NULL);
	EXPECT_EQ(errno, E2BIG);
	EXPECT_EQ(send_sample(f.ur, 4096 - 8, 0x77, 0), 0);
	EXPECT_EQ(kill(getpid(), 0), 0);
	EXPECT_EQ(ring_buffer__consume(f.rb), 1);
	EXPECT_EQ(kl.cookie[kl.n - 1], 0x77);
	EXPECT_EQ(kl.bad, 0);
	EXPECT_EQ(ring__rt_dropped(f.r), 0);
	kill_flow_close(&f);
}

/* The kernel ring too small for one drain: the rest is dropped, counted. */
static void t_kill_out_full(void)
{
	RINGTAIL_ONLY();
	struct kill_flow f;
	if (kill_flow_open(&f, 16 * 1024, 4096, 1))
		return;
	const int fits = (int)(4096 / REC_KILL);      /* 102 */
	for (int i = 0; i < 300; i++)
		EXPECT_EQ(send_sample(f.ur, 8, (__u64)i + 1, 0), 0);
	EXPECT_EQ(kill(getpid(), 0), 0);
	EXPECT_EQ(*f.cons, 300 * 16);                  /* the drain took all */
	EXPECT_EQ(ring_buffer__consume(f.rb), fits);
	EXPECT_EQ(ring__rt_dropped(f.r), 300 - fits);
	for (int i = 0; i < kl.n; i++)
		if (!EXPECT_EQ(kl.cookie[i], (__u64)i + 1))
			break;
	kill_flow_close(&f);
}

/* reserve_blocking: times out on a full ring, then wakes for a drain. */
static volatile uint64_t killed_at;
static void *killer(void *arg)
{
	usleep(200 * 1000);
	killed_at = now_ns(CLOCK_MONOTONIC);
	kill(getpid(), 0);
	return NULL;
}

static void t_kill_reserve_blocking(void)
{
	RINGTAIL_ONLY();
	struct kill_flow f;
	if (kill_flow_open(&f, 4096, 16 * 1024, 1))
		return;
	const int cap = 4096 / 16;
	for (int i = 0; i < cap; i++)
		EXPECT_EQ(send_sample(f.ur, 8, (__u64)i + 1, 0), 0);
	uint64_t t0 = now_ns(CLOCK_MONOTONIC);
	EXPECT_TRUE(user_ring_buffer__reserve_blocking(f.ur, 8, 300) == NULL);
	EXPECT_EQ(errno, ENOSPC);
	double ms = ms_since(t0);
	EXPECT_GE(ms, 280);
	EXPECT_LT(ms, 5000);
	EXPECT_TRUE(user_ring_buffer__reserve_blocking(f.ur, 8, 0) == NULL);
	EXPECT_EQ(errno, ENOSPC);
	EXPECT_TRUE(user_ring_buffer__reserve_blocking(f.ur, 8, -2) == NULL);
	EXPECT_EQ(errno, EINVAL);
	pthread_t th;
	killed_at = 0;
	if (!EXPECT_EQ(pthread_create(&th, NULL, killer, NULL), 0))
		return;
	__u64 *s = user_ring_buffer__reserve_blocking(f.ur, 8, 10000);
	uint64_t got_at = now_ns(CLOCK_MONOTONIC);
	pthread_join(th, NULL);
	if (EXPECT_TRUE(s != NULL)) {
		*s = (__u64)cap + 1;
		user_ring_buffer__submit(f.ur, s);
	}
	EXPECT_GE(got_at, killed_at);       /* room only after the drain */
	/* Forever (-1) with room: at once. */
	s = user_ring_buffer__reserve_blocking(f.ur, 8, -1);
	if (EXPECT_TRUE(s != NULL)) {
		*s = (__u64)cap + 2;
		user_ring_buffer__submit(f.ur, s);
	}
	EXPECT_EQ(kill(getpid(), 0), 0);
	EXPECT_EQ(ring_buffer__consume(f.rb), cap + 2);
	for (int i = 0; i < kl.n; i++)
		if (!EXPECT_EQ(kl.cookie[i], (__u64)i + 1))
			break;
	kill_flow_close(&f);
}

/* Hostile user rings, written by hand through the mapping. Each bad header
 * must leave the kernel healthy (kill still works, later good samples get
 * through) and produce nothing in the kernel ring. */
struct raw_user {
	struct kill_flow f;
	unsigned long *prod;            /* producer page, writable */
	unsigned char *data;            /* data, twice */
	size_t len;
};

static int raw_open(struct raw_user *u, int size)
{
	if (kill_flow_open(&u->f, size, 16 * 1024, 0))
		return -1;
	u->len = PG + 2 * (size_t)size;
	u->prod = mmap(NULL, u->len, PROT_READ | PROT_WRITE, MAP_SHARED, u->f.in, (off_t)PG);
	if (!EXPECT_TRUE(u->prod != MAP_FAILED))
		return -1;
	u->data = (unsigned char *)u->prod + PG;
	return 0;
}

static void raw_close(struct raw_user *u)
{
	munmap(u->prod, u->len);
	kill_flow_close(&u->f);
}

static void raw_hdr(struct raw_user *u, unsigned long pos, __u32 len, __u64 cookie)
{
	__u32 *h = (__u32 *)(u->data + pos);
	memcpy(h + 2, &cookie, 8);
	__atomic_store_n(&h[1], 0, __ATOMIC_RELAXED);
	__atomic_store_n(&h[0], len, __ATOMIC_RELEASE);
}

static void raw_publish(struct raw_user *u, unsigned long prod)
{
	__atomic_store_n(u->prod, prod, __ATOMIC_RELEASE);
}

/* kill() (must succeed) and what the kernel ring got. */
static int raw_kick(struct raw_user *u)
{
	EXPECT_EQ(kill(getpid(), 0), 0);
	return ring_buffer__consume(u->f.rb);
}

static void t_hostile_misaligned(void)
{
	RINGTAIL_ONLY();
	struct raw_user u;
	if (raw_open(&u, 4096))
		return;
	raw_hdr(&u, 0, 39, 0x1111);             /* record of 48, published as 47 */
	raw_publish(&u, 47);
	EXPECT_EQ(raw_kick(&u), 0);
	EXPECT_EQ(*u.f.cons, 0);
	EXPECT_EQ(ring__producer_pos(u.f.r), 0);
	raw_publish(&u, 48);                    /* fixed: it goes through */
	EXPECT_EQ(raw_kick(&u), 1);
	EXPECT_EQ(*u.f.cons, 48);
	EXPECT_EQ(kl.cookie[0], 0x1111);
	raw_close(&u);
}

static void t_hostile_len_past_prod(void)
{
	RINGTAIL_ONLY();
	struct raw_user u;
	if (raw_open(&u, 4096))
		return;
	raw_hdr(&u, 0, 100, 0x2222);            /* a 112-byte record ... */
	raw_publish(&u, 16);                    /* ... of which 16 are published */
	EXPECT_EQ(raw_kick(&u), 0);
	raw_publish(&u, 104);
	EXPECT_EQ(raw_kick(&u), 0);
	EXPECT_EQ(*u.f.cons, 0);
	EXPECT_EQ(ring__producer_pos(u.f.r), 0);
	raw_publish(&u, 112);
	EXPECT_EQ(raw_kick(&u), 1);
	EXPECT_EQ(*u.f.cons, 112);
	EXPECT_EQ(kl.cookie[0], 0x2222);
	raw_close(&u);
}

static void t_hostile_too_big(void)
{
	RINGTAIL_ONLY();
	struct raw_user u;
	if (raw_open(&u, 4096))
		return;
	raw_hdr(&u, 0, 4096, 0x3333);           /* 4104 bytes in a 4096 ring */
	raw_publish(&u, 4104);
	EXPECT_EQ(raw_kick(&u), 0);
	raw_hdr(&u, 0, 0x3fffffff, 0x3333);     /* the largest length there is */
	EXPECT_EQ(raw_kick(&u), 0);
	raw_publish(&u, 0x7ffffff8ul);          /* prod far ahead of cons */
	EXPECT_EQ(raw_kick(&u), 0);
	EXPECT_EQ(*u.f.cons, 0);
	EXPECT_EQ(ring__producer_pos(u.f.r), 0);
	/* Take it back: a sample of ring size - 8 is read as one. */
	raw_hdr(&u, 0, 4096 - 8, 0x4444);
	raw_publish(&u, 4096);
	EXPECT_EQ(raw_kick(&u), 1);
	EXPECT_EQ(*u.f.cons, 4096);
	EXPECT_EQ(kl.cookie[0], 0x4444);
	raw_close(&u);
}

static void t_hostile_busy_forever(void)
{
	RINGTAIL_ONLY();
	struct raw_user u;
	if (raw_open(&u, 4096))
		return;
	raw_hdr(&u, 0, 8 | BPF_RINGBUF_BUSY_BIT, 6);
	raw_hdr(&u, 16, 8, 7);
	raw_publish(&u, 32);
	for (int i = 0; i < 5; i++)
		EXPECT_EQ(raw_kick(&u), 0);     /* stuck behind the busy one */
	EXPECT_EQ(*u.f.cons, 0);
	raw_hdr(&u, 0, 8, 6);                   /* committed at last */
	EXPECT_EQ(raw_kick(&u), 2);
	EXPECT_EQ(*u.f.cons, 32);
	EXPECT_EQ(kl.cookie[0], 6);
	EXPECT_EQ(kl.cookie[1], 7);
	/* Busy and discard together: Linux looks at DISCARD first, so the
	 * sample is skipped (consumed, no record), not waited for. */
	raw_hdr(&u, 32, 8 | BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT, 8);
	raw_hdr(&u, 48, 8 | BPF_RINGBUF_DISCARD_BIT, 9);
	raw_hdr(&u, 64, 8, 10);
	raw_publish(&u, 80);
	EXPECT_EQ(raw_kick(&u), 1);
	EXPECT_EQ(*u.f.cons, 80);
	EXPECT_EQ(kl.n, 3);
	EXPECT_EQ(kl.cookie[2], 10);
	raw_close(&u);
}

/* producer_pos moved back behind the consumer, or wrapping garbage. */
static void t_hostile_prod_backwards(void)
{
	RINGTAIL_ONLY();
	struct raw_user u;
	if (raw_open(&u, 4096))
		return;
	raw_hdr(&u, 0, 8, 1);
	raw_publish(&u, 16);
	EXPECT_EQ(raw_kick(&u), 1);
	raw_publish(&u, 0);                     /* behind consumer_pos */
	EXPECT_EQ(raw_kick(&u), 0);
	raw_publish(&u, 8);
	EXPECT_EQ(raw_kick(&u), 0);
	EXPECT_EQ(*u.f.cons, 16);
	raw_hdr(&u, 16, 8, 2);
	raw_publish(&u, 32);
	EXPECT_EQ(raw_kick(&u), 1);
	EXPECT_EQ(*u.f.cons, 32);
	/* A record written across the end of the data, through the second
	 * copy (as libbpf would). */
	raw_hdr(&u, 32, 4096 - 32 - 8 - 16, 3); /* fill up to 16 before the end */
	raw_publish(&u, 4096 - 16);
	EXPECT_EQ(raw_kick(&u), 1);
	raw_hdr(&u, 4096 - 16, 24, 4);          /* 32 bytes: 16 + 16 wrapped */
	raw_publish(&u, 4096 + 16);
	EXPECT_EQ(raw_kick(&u), 1);
	EXPECT_EQ(*u.f.cons, 4096 + 16);
	EXPECT_EQ(kl.n, 4);
	for (int i = 0; i < 4 && i < kl.n; i++)
		EXPECT_EQ(kl.cookie[i], (__u64)i + 1);
	raw_close(&u);
}

/* consumer_pos is the kernel's: it cannot be mapped writable, made
 * writable or written, so the kernel's view stays what it was. */
static void t_hostile_consumer_pos(void)
{
	RINGTAIL_ONLY();
	struct raw_user u;
	if (raw_open(&u, 4096))
		return;
	void *w = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, u.f.in, 0);
	EXPECT_TRUE(w == MAP_FAILED);
	EXPECT_EQ(errno, EPERM);
	EXPECT_EQ(mprotect((void *)u.f.cons, PG, PROT_READ | PROT_WRITE), -1);
	EXPECT_EQ(errno, EACCES);
	EXPECT_EQ(FAULT_TRY(poke8((void *)u.f.cons, 0xff)), SIGSEGV);
	raw_hdr(&u, 0, 8, 5);
	raw_publish(&u, 16);
	EXPECT_EQ(raw_kick(&u), 1);
	EXPECT_EQ(*u.f.cons, 16);
	raw_close(&u);
}

/* --- (c) rt_unlink_perf and perf_buffer ---------------------------------------------- */

struct pstats {
	long samples[8], lost[8], bad, wrong_cpu;
	int last_seq;
	int ordered;
};
static struct pstats ps;

static void perf_sample_cb(void *ctx, int cpu, void *data, __u32 size)
{
	const struct rt_unlink_event *e = data;
	if (size < sizeof(*e) || e->pid != getpid()) {
		ps.bad++;
		return;
	}
	if (cpu >= 0 && cpu < 8)
		ps.samples[cpu]++;
	int c = -1, seq = -1;
	if (sscanf(e->filename, "/tmp/rt-perf-%d-%d", &c, &seq) == 2) {
		if (c != cpu)
			ps.wrong_cpu++;
		if (c == 0) {
			if (seq <= ps.last_seq)
				ps.ordered = 0;
			ps.last_seq = seq;
		}
	} else {
		ps.bad++;
	}
}

static void perf_lost_cb(void *ctx, int cpu, __u64 cnt)
{
	if (cpu >= 0 && cpu < 8)
		ps.lost[cpu] += (long)cnt;
}

static void perf_call(int cpu, int seq)
{
	char path[64];
	snprintf(path, sizeof(path), "/tmp/rt-perf-%d-%d", cpu, seq);
	unlinkat_(path);
}

/* A one-page buffer overrun: samples + lost == calls, exactly. */
static void t_perf_exact_tiny(void)
{
	RINGTAIL_ONLY();
	memset(&ps, 0, sizeof(ps));
	ps.last_seq = -1;
	ps.ordered = 1;
	int arr = perf_array_map(ncpus());
	if (!EXPECT_EQ(pin_to(0), 0))
		return;
	struct perf_buffer *pb = perf_buffer__new(arr, 1, perf_sample_cb, perf_lost_cb, NULL, NULL);
	int pfd = attach_handler(RT_HANDLER_UNLINK_PERF, &arr, 1, RT_TP_SYS_ENTER_UNLINKAT);
	if (!EXPECT_GE(arr, 0) || !EXPECT_TRUE(pb != NULL) || !EXPECT_GE(pfd, 0))
		goto out;
	int calls = 0;
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 200; i++)
			perf_call(0, calls++);
		EXPECT_GE(perf_buffer__consume(pb), 0);
		/* A lost record is written when there is room again: with the
		 * next sample. */
		perf_call(0, calls++);
		EXPECT_GE(perf_buffer__consume(pb), 0);
		if (!EXPECT_EQ(ps.samples[0] + ps.lost[0], calls))
			ktap_diag("round %d: %ld samples, %ld lost", round, ps.samples[0], ps.lost[0]);
	}
	EXPECT_GT(ps.lost[0], 0);
	EXPECT_GT(ps.samples[0], 3 * 10);
	EXPECT_EQ(ps.bad, 0);
	EXPECT_EQ(ps.wrong_cpu, 0);
	EXPECT_TRUE(ps.ordered);
	/* A big enough buffer loses nothing. */
	for (int i = 1; i < 8; i++)
		EXPECT_EQ(ps.samples[i] + ps.lost[i], 0);
out:
	if (pfd >= 0)
		close(pfd);
	perf_buffer__free(pb);
	close(arr);
	unpin();
}

struct perf_worker {
	int cpu, n;
	volatile int *go;
};

static void *perf_worker_fn(void *arg)
{
	struct perf_worker *w = arg;
	pin_to(w->cpu);
	while (!*w->go)
		sched_yield();
	for (int i = 0; i < w->n; i++)
		perf_call(w->cpu, i);
	return NULL;
}

/* Producers pinned to each CPU: every sample in its CPU's buffer. */
static void t_perf_cpus(void)
{
	RINGTAIL_ONLY();
	int n = ncpus();
	if (n < 2) {
		KTAP_SKIP("needs 2 CPUs");
		return;
	}
	if (n > 8)
		n = 8;
	memset(&ps, 0, sizeof(ps));
	ps.last_seq = -1;
	ps.ordered = 1;
	int arr = perf_array_map(n);
	struct perf_buffer *pb = perf_buffer__new(arr, 64, perf_sample_cb, perf_lost_cb, NULL, NULL);
	int pfd = attach_handler(RT_HANDLER_UNLINK_PERF, &arr, 1, RT_TP_SYS_ENTER_UNLINKAT);
	if (!EXPECT_GE(arr, 0) || !EXPECT_TRUE(pb != NULL) || !EXPECT_GE(pfd, 0))
		return;
	EXPECT_EQ(perf_buffer__buffer_cnt(pb), n);
	volatile int go = 0;
	struct perf_worker w[8];
	pthread_t th[8];
	long want = 0;
	for (int c = 0; c < n; c++) {
		w[c] = (struct perf_worker){ .cpu = c, .n = 300 - 130 * (c & 1) + 7 * c, .go = &go };
		want += w[c].n;
		pthread_create(&th[c], NULL, perf_worker_fn, &w[c]);
	}
	go = 1;
	/* Consume while they produce. */
	uint64_t t0 = now_ns(CLOCK_MONOTONIC);
	long got = 0;
	while (got < want && ms_since(t0) < 15000) {
		EXPECT_GE(perf_buffer__poll(pb, 100), 0);
		got = 0;
		for (int c = 0; c < n; c++)
			got += ps.samples[c] + ps.lost[c];
	}
	for (int c = 0; c < n; c++)
		pthread_join(th[c], NULL);
	EXPECT_GE(perf_buffer__consume(pb), 0);
	for (int c = 0; c < n; c++) {
		EXPECT_EQ(ps.samples[c], w[c].n);
		EXPECT_EQ(ps.lost[c], 0);
	}
	EXPECT_EQ(ps.wrong_cpu, 0);
	EXPECT_EQ(ps.bad, 0);
	EXPECT_TRUE(ps.ordered);
	close(pfd);
	perf_buffer__free(pb);
	close(arr);
}

/* --- (d) many producers, one ring ------------------------------------------------------ */

#define MPSC_T 4
#define MPSC_M 300

struct mpsc_worker {
	int id, cpu;
	volatile int *go;
};

static void *mpsc_worker_fn(void *arg)
{
	struct mpsc_worker *w = arg;
	char path[64];
	pin_to(w->cpu);
	while (!*w->go)
		sched_yield();
	for (int i = 0; i < MPSC_M; i++) {
		snprintf(path, sizeof(path), "/tmp/rt-mpsc-%d-%d", w->id, i);
		unlinkat_(path);
	}
	return NULL;
}

static int mpsc_last[MPSC_T], mpsc_bad, mpsc_n;

static int mpsc_cb(void *ctx, void *data, size_t size)
{
	const struct rt_unlink_event *e = data;
	int id = -1, seq = -1;
	mpsc_n++;
	if (size != sizeof(*e) || e->pid != getpid() ||
	    sscanf(e->filename, "/tmp/rt-mpsc-%d-%d", &id, &seq) != 2 || id < 0 ||
	    id >= MPSC_T || seq <= mpsc_last[id]) {
		mpsc_bad++;
		return 0;
	}
	mpsc_last[id] = seq;
	return 0;
}

static void mpsc_run(int ring_size, int expect_drops)
{
	mpsc_n = mpsc_bad = 0;
	for (int i = 0; i < MPSC_T; i++)
		mpsc_last[i] = -1;
	int map = ringbuf_new(ring_size);
	int pfd = attach_handler(RT_HANDLER_UNLINK_LOG, &map, 1, RT_TP_SYS_ENTER_UNLINKAT);
	struct ring_buffer *rb = ring_buffer__new(map, mpsc_cb, NULL, NULL);
	if (!EXPECT_GE(map, 0) || !EXPECT_GE(pfd, 0) || !EXPECT_TRUE(rb != NULL))
		return;
	struct ring *r = ring_buffer__ring(rb, 0);
	volatile int go = 0;
	struct mpsc_worker w[MPSC_T];
	pthread_t th[MPSC_T];
	int n = ncpus();
	for (int i = 0; i < MPSC_T; i++) {
		w[i] = (struct mpsc_worker){ .id = i, .cpu = i % n, .go = &go };
		pthread_create(&th[i], NULL, mpsc_worker_fn, &w[i]);
	}
	go = 1;
	const unsigned long total = MPSC_T * MPSC_M;
	uint64_t t0 = now_ns(CLOCK_MONOTONIC);
	/* A slow consumer when drops are wanted: it reads every 2 ms, by
	 * which time 14 records' worth of room is long gone. */
	while (mpsc_n + ring__rt_dropped(r) < total && ms_since(t0) < 15000) {
		int rc = expect_drops ? ring_buffer__consume(rb) : ring_buffer__poll(rb, 50);
		if (!EXPECT_GE(rc, 0))
			break;
		if (expect_drops)
			usleep(2000);
	}
	for (int i = 0; i < MPSC_T; i++)
		pthread_join(th[i], NULL);
	EXPECT_GE(ring_buffer__consume(rb), 0);
	EXPECT_EQ(mpsc_n + ring__rt_dropped(r), total);
	EXPECT_EQ(mpsc_bad, 0);
	if (expect_drops)
		EXPECT_GT(ring__rt_dropped(r), 0);
	else
		EXPECT_EQ(ring__rt_dropped(r), 0);
	EXPECT_EQ(ring__producer_pos(r), (unsigned long)mpsc_n * REC_UNLINK);
	EXPECT_EQ(ring__consumer_pos(r), ring__producer_pos(r));
	close(pfd);
	ring_buffer__free(rb);
	close(map);
}

static void t_mpsc_exact(void)
{
	RINGTAIL_ONLY();
	mpsc_run(512 * 1024, 0);    /* holds everything: no drops at all */
}

static void t_mpsc_drops(void)
{
	RINGTAIL_ONLY();
	/* 4096 bytes hold 14 records: a slow consumer cannot keep up with
	 * four producers, and every refused record is counted. */
	mpsc_run(4096, 1);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_unlink_exact),
	KTAP_CASE(t_unlink_bad_paths),
	KTAP_CASE(t_unlink_positions),
	KTAP_CASE(t_unlink_overfill),
	KTAP_CASE(t_unlink_poll_wakes),
	KTAP_CASE(t_unlink_callback_error),
	KTAP_CASE(t_unlink_consume_n),
	KTAP_CASE(t_unlink_detach),
	KTAP_CASE(t_kill_one_for_one),
	KTAP_CASE(t_kill_discard),
	KTAP_CASE(t_kill_overfill),
	KTAP_CASE(t_kill_out_full),
	KTAP_CASE(t_kill_reserve_blocking),
	KTAP_CASE(t_hostile_misaligned),
	KTAP_CASE(t_hostile_len_past_prod),
	KTAP_CASE(t_hostile_too_big),
	KTAP_CASE(t_hostile_busy_forever),
	KTAP_CASE(t_hostile_prod_backwards),
	KTAP_CASE(t_hostile_consumer_pos),
	KTAP_CASE(t_perf_exact_tiny),
	KTAP_CASE(t_perf_cpus),
	KTAP_CASE(t_mpsc_exact),
	KTAP_CASE(t_mpsc_drops),
};

int main(void)
{
	fault_catch_install();
	prctl(PR_GET_NAME, my_comm, 0, 0, 0);
	/* Before any pinning: libbpf caches the CPU count, and without sysfs
	 * (Ringtail) it takes it from the calling thread's affinity. */
	libbpf_num_possible_cpus();
	save_affinity();
	return ktap_run(cases, KTAP_COUNT(cases));
}
