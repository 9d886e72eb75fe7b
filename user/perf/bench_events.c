/* bench_events: what one sample costs when a page fault or the cpu-clock
 * timer triggers it (not a test; bench_syscall does the same for a
 * tracepoint). An ordinary Linux program: make bench runs it on Ringtail
 * and on Linux in the same QEMU (scripts/bench.py), where under -icount
 * shift=0 every ns below is one guest instruction.
 *
 *     bench fault_ns <v> ns              first write to a fresh anonymous
 *                                        page (one page fault), nothing
 *                                        enabled
 *     bench fault_sampled_ns <v> ns      the same with page-faults sampled
 *                                        at period 1 (IP, TID, TIME, ADDR,
 *                                        ID: 48-byte records), drained by
 *                                        the same thread every 256 faults
 *     bench fault_sample_cost_ns <v> ns  the difference: one sample's cost
 *     bench clock_sample_cost_ns <v> ns  a fixed busy loop sampled by
 *                                        cpu-clock every 50 us (IP, TID,
 *                                        TIME, ID), drained by the same
 *                                        thread: the loop's extra time
 *                                        over its unsampled time, divided
 *                                        by the samples taken
 *     bench clock_samples <n> samples    how many that was (best round)
 *
 * Each figure is the best of 5 rounds (2048 pages; 50 M loop iterations);
 * --quick: one small round (64 pages; 2 M iterations), for make test to
 * check that the output parses. */
#include <stdio.h>
#include <time.h>
#include "perf_test.h"

#define DRAIN_EVERY 256
#define CLOCK_PERIOD_NS 50000
#define CLOCK_CHUNK 1000000L            /* loop iterations between drains */

static int rounds = 5;
static size_t pages = 2048;             /* per round */
static long loop_iters = 50000000L;     /* per round */

static u64 samples, other;
static int count(const struct perf_event_header *h, void *arg)
{
	(void)arg;
	if (h->type == PERF_RECORD_SAMPLE)
		samples++;
	else
		other++;
	return 0;
}

static long open_ring(struct ring *r, u32 type, u64 config, u64 period, u64 sample_type)
{
	struct perf_event_attr a;
	attr_init(&a, type, config);
	a.sample_period = period;
	a.sample_type = sample_type;
	a.disabled = 1;
	long fd = perf_open(&a, 0, -1, -1, 0);
	if (fd < 0 || ring_map(r, fd, 64, 0)) {
		printf("bench_events: cannot open/map event %u/%llu (%ld)\n", type,
		       (unsigned long long)config, fd);
		return -1;
	}
	return fd;
}

/* One round of first writes; ns per fault. The mapping is made and
 * removed outside the timed part. */
static double fault_round(struct ring *r)
{
	u8 *p = fresh_pages(pages);
	if (!p)
		return -1;
	u64 t0 = now_ns(CLOCK_MONOTONIC);
	for (size_t i = 0; i < pages; i += DRAIN_EVERY) {
		for (size_t k = i; k < i + DRAIN_EVERY && k < pages; k++)
			*(volatile u8 *)(p + k * PG) = 1;
		if (r)
			ring_pass(r, count, NULL);
	}
	u64 t = now_ns(CLOCK_MONOTONIC) - t0;
	free_pages_(p, pages);
	return (double)t / pages;
}

static double fault_best(struct ring *r)
{
	double best = 1e30;
	for (int i = 0; i < rounds; i++) {
		double t = fault_round(r);
		if (t < 0)
			return -1;
		if (t < best)
			best = t;
	}
	return best;
}

static int bench_faults(void)
{
	struct ring r;
	u8 *warm = fresh_pages(4);
	if (!warm) {
		printf("bench_events: cannot map memory\n");
		return 1;
	}
	touch_pages(-1, warm, 4, 0);           /* the loop's code and stack are in */
	free_pages_(warm, 4);
	fault_best(NULL);                      /* warm up */
	double bare = fault_best(NULL);
	long fd = open_ring(&r, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, 1,
			    PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
			    PERF_SAMPLE_ADDR | PERF_SAMPLE_ID);
	if (fd < 0)
		return 1;
	samples = other = 0;
	perf_ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	double sampled = fault_best(&r);
	perf_ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	ring_pass(&r, count, NULL);
	ring_unmap(&r);
	perf_close(fd);
	if (bare < 0 || sampled < 0) {
		printf("bench_events: cannot map memory\n");
		return 1;
	}
	printf("bench fault_ns %.1f ns\n", bare);
	printf("bench fault_sampled_ns %.1f ns\n", sampled);
	printf("bench fault_sample_cost_ns %.1f ns\n", sampled - bare);
	/* One sample per first write at least (munmap and mmap fault nothing). */
	if (samples < (u64)pages * rounds || other) {
		printf("bench_events: expected >= %zu fault samples and no other records, "
		       "got %llu and %llu\n", pages * rounds, (unsigned long long)samples,
		       (unsigned long long)other);
		return 1;
	}
	return 0;
}

/* The busy loop: a fixed number of iterations of a dependent add. */
__attribute__((noinline)) static u64 busy(long n)
{
	u64 x = 0;
	for (long i = 0; i < n; i++)
		__asm__ volatile("add $1, %0" : "+r"(x));
	return x;
}

/* ns for one round; *got: the samples it took (read as it went). */
static u64 clock_round(struct ring *r, u64 *got)
{
	u64 before = samples;
	u64 t0 = now_ns(CLOCK_MONOTONIC);
	for (long i = 0; i < loop_iters; i += CLOCK_CHUNK) {
		busy(i + CLOCK_CHUNK <= loop_iters ? CLOCK_CHUNK : loop_iters - i);
		if (r)
			ring_pass(r, count, NULL);
	}
	u64 t = now_ns(CLOCK_MONOTONIC) - t0;
	*got = samples - before;
	return t;
}

static int bench_clock(void)
{
	struct ring r;
	u64 got, best_bare = ~0ull;
	clock_round(NULL, &got);               /* warm up */
	for (int i = 0; i < rounds; i++) {
		u64 t = clock_round(NULL, &got);
		if (t < best_bare)
			best_bare = t;
	}
	long fd = open_ring(&r, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, CLOCK_PERIOD_NS,
			    PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ID);
	if (fd < 0)
		return 1;
	samples = other = 0;
	perf_ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	u64 best = ~0ull, best_n = 0;
	/* Until a round has samples, however many that takes: on a loaded
	 * host the emulator may deliver no timer interrupt during a short
	 * round (a kernel whose cpu-clock never fires hangs here, and the
	 * harness's timeout fails it). */
	for (int i = 0; i < rounds || !best_n; i++) {
		u64 t = clock_round(&r, &got);
		if (got && t < best)
			best = t, best_n = got;
	}
	perf_ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	ring_pass(&r, count, NULL);
	ring_unmap(&r);
	perf_close(fd);
	if (!best_n || other) {
		printf("bench_events: cpu-clock: %llu samples, %llu other records\n",
		       (unsigned long long)samples, (unsigned long long)other);
		return 1;
	}
	printf("bench clock_sample_cost_ns %.1f ns\n",
	       ((double)best - (double)best_bare) / (double)best_n);
	printf("bench clock_samples %llu samples\n", (unsigned long long)best_n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--quick"))
		rounds = 1, pages = 64, loop_iters = 2 * CLOCK_CHUNK;
	int rc = bench_faults();
	fflush(stdout);
	return bench_clock() | rc;
}
