/* Ring buffer throughput inside Ringtail, after Linux's bench_ringbufs
 * (tools/testing/selftests/bpf/benchs/bench_ringbufs.c): producer threads,
 * pinned one per CPU (wrapping round when there are more producers than
 * CPUs), call getpgid(batch, wakeup) in a loop; the built-in handler on
 * sys_enter_getpgid (rt_bench_rb / rt_bench_pb) writes batch records per
 * call; one consumer thread, pinned to the last CPU (Linux's --affinity
 * gives the consumer a CPU of its own; with 2 CPUs it shares the last one
 * with a producer from 2 producers up), reads them with ring_buffer__poll
 * or perf_buffer__poll. Each figure is the records consumed per second over
 * one fixed window (no warm-up); drops are the records the kernel refused
 * in that window (ring: its drop counter; perf buffer: PERF_RECORD_LOST),
 * as a share of the records the producers tried to write (<name>_tried:
 * records per second offered). A refused record is not lost silently:
 * bpf_ringbuf_output returns -EAGAIN to the handler and the ring counts it.
 * Producers that do nothing but write outrun one consumer as soon as it
 * has to share its CPU (2 and 4 producers on 2 CPUs): the ring is then full
 * most of the time and most attempts are refused; make bench explains it.
 * Prints `bench <name> <value> <unit>` lines for scripts/bench.py (make
 * bench runs it with benchprog=bench_ringbuf); --quick: 50 ms windows (make
 * test checks the output parses). Never fails: a benchmark. */
#include <pthread.h>
#include <cpuid.h>
#include "bpf_test.h"

#define BATCH 500                       /* Linux's default batch_cnt */
#define RB_SIZE (512 * 1024)            /* Linux's default ringbuf_sz */
#define PB_PAGES 128                    /* Linux's default perfbuf_sz */
#define REC_BENCH ((sizeof(struct rt_bench_event) + 8 + 7) & ~7ul)
#define SAMPLE_RATE 500                 /* sampled wakeups: every 500 records */
static int window_ms = 1000;             /* --quick: 50 */
#define SETTLE_MS 50                    /* threads started, before the window */
#define MAX_PROD 8

static volatile int stop_producers, stop_consumer;
static volatile long consumed, lost;

struct producer_arg {
	int cpu;
	long wakeup;
};

static void *producer(void *arg)
{
	struct producer_arg *p = arg;
	pin_to(p->cpu);
	while (!stop_producers)
		syscall(SYS_getpgid, (long)BATCH, p->wakeup);
	return NULL;
}

static int rb_cb(void *ctx, void *data, size_t size)
{
	consumed++;
	return 0;
}

static void pb_sample(void *ctx, int cpu, void *data, __u32 size)
{
	consumed++;
}

static void pb_lost(void *ctx, int cpu, __u64 cnt)
{
	lost += (long)cnt;
}

struct consumer_arg {
	struct ring_buffer *rb;
	struct perf_buffer *pb;
};

static void *consumer(void *arg)
{
	struct consumer_arg *c = arg;
	pin_to(ncpus() - 1);
	while (!stop_consumer) {
		if (c->rb)
			ring_buffer__poll(c->rb, 100);
		else
			perf_buffer__poll(c->pb, 100);
	}
	return NULL;
}

struct result {
	double mrec_s, drop_pct, made_mrec_s;
	int ok;
};

/* One figure: nprod producers, a ring (or perf buffer if perf). */
static struct result run(int nprod, int perf, long wakeup)
{
	struct result res;
	memset(&res, 0, sizeof(res));
	int ncpu = ncpus(), map, pfd;
	struct consumer_arg ca = { NULL, NULL };
	struct ring *r = NULL;

	if (perf) {
		map = perf_array_map(ncpu);
		ca.pb = perf_buffer__new(map, PB_PAGES, pb_sample, pb_lost, NULL, NULL);
		pfd = attach_handler(RT_HANDLER_BENCH_PB, &map, 1, RT_TP_SYS_ENTER_GETPGID);
		if (!ca.pb)
			goto out;
	} else {
		map = ringbuf_new(RB_SIZE);
		ca.rb = ring_buffer__new(map, rb_cb, NULL, NULL);
		pfd = attach_handler(RT_HANDLER_BENCH_RB, &map, 1, RT_TP_SYS_ENTER_GETPGID);
		if (!ca.rb)
			goto out;
		r = ring_buffer__ring(ca.rb, 0);
	}
	if (map < 0 || pfd < 0)
		goto out;

	consumed = lost = 0;
	stop_producers = stop_consumer = 0;
	pthread_t cons, prod[MAX_PROD];
	struct producer_arg pa[MAX_PROD];
	pthread_create(&cons, NULL, consumer, &ca);
	for (int i = 0; i < nprod; i++) {
		pa[i] = (struct producer_arg){ .cpu = i % ncpu, .wakeup = wakeup };
		pthread_create(&prod[i], NULL, producer, &pa[i]);
	}
	usleep(SETTLE_MS * 1000);

	uint64_t t0 = now_ns(CLOCK_MONOTONIC);
	long c0 = consumed, l0 = lost;
	unsigned long d0 = r ? ring__rt_dropped(r) : 0, p0 = r ? ring__producer_pos(r) : 0;
	usleep(window_ms * 1000);
	uint64_t t1 = now_ns(CLOCK_MONOTONIC);
	long c1 = consumed, l1 = lost;
	unsigned long d1 = r ? ring__rt_dropped(r) : 0, p1 = r ? ring__producer_pos(r) : 0;

	stop_producers = 1;
	for (int i = 0; i < nprod; i++)
		pthread_join(prod[i], NULL);
	stop_consumer = 1;
	pthread_join(cons, NULL);

	double secs = (double)(t1 - t0) / 1e9;
	res.mrec_s = (double)(c1 - c0) / secs / 1e6;
	double made, dropped;
	if (r) {
		dropped = (double)(d1 - d0);
		made = (double)(p1 - p0) / REC_BENCH + dropped;
	} else {
		dropped = (double)(l1 - l0);
		made = (double)(c1 - c0) + dropped;
	}
	res.drop_pct = made > 0 ? 100.0 * dropped / made : 0;
	res.made_mrec_s = made / secs / 1e6;
	res.ok = 1;
out:
	if (pfd >= 0)
		close(pfd);
	ring_buffer__free(ca.rb);
	perf_buffer__free(ca.pb);
	if (map >= 0)
		close(map);
	return res;
}

static void print(const char *name, struct result r)
{
	if (!r.ok) {
		printf("# %s: setup failed\n", name);
		return;
	}
	printf("bench %s_mrec_s %.2f Mrec/s\n", name, r.mrec_s);
	printf("bench %s_tried_mrec_s %.2f Mrec/s\n", name, r.made_mrec_s);
	printf("bench %s_drop_pct %.2f %%\n", name, r.drop_pct);
	fflush(stdout);
}

/* What runs us: the hypervisor's CPUID signature, if it shows one. */
static const char *accel(void)
{
	static char sig[13];
	unsigned a, b, c, d;
	__cpuid(1, a, b, c, d);
	if (!(c & (1u << 31)))
		return "unknown (no hypervisor bit)";
	__cpuid(0x40000000, a, b, c, d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	if (!strncmp(sig, "TCGTCGTCGTCG", 12))
		return "tcg";
	if (!strncmp(sig, "KVMKVMKVM", 9))
		return "kvm";
	return sig[0] ? sig : "unknown";
}

int main(int argc, char **argv)
{
	if (!on_ringtail()) {
		printf("# bench_ringbuf needs Ringtail's built-in handlers; nothing to do\n");
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--quick"))
		window_ms = 50;
	libbpf_num_possible_cpus();     /* before any pinning: it is cached */
	printf("# accel %s, cpus %d; batch %d, ring %d KiB, perf buffer %d pages/CPU, "
	       "window %d ms\n", accel(), ncpus(), BATCH, RB_SIZE / 1024, PB_PAGES, window_ms);
	fflush(stdout);
	print("rb_1p", run(1, 0, 0));
	print("rb_2p", run(2, 0, 0));
	print("rb_4p", run(4, 0, 0));
	print("pb_1p", run(1, 1, 0));
	print("rb_1p_sampled", run(1, 0, (long)(SAMPLE_RATE * REC_BENCH)));
	return 0;
}
