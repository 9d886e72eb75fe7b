/* bench_syscall: the cost of a system call, and of the same call when a
 * tracepoint samples every one of them into a ring buffer (not a test).
 *
 *     bench syscall_ns <v> ns             getppid, nothing enabled
 *     bench syscall_sampled_ns <v> ns     getppid with raw_syscalls:sys_enter,
 *                                         period 1 (IP, TID, TIME, ID, RAW:
 *                                         112-byte records), drained by the
 *                                         same thread every 512 calls
 *     bench syscall_sample_cost_ns <v> ns  the difference: what one sample
 *                                         adds to a call (its record, the
 *                                         drain's share of reading it)
 *     bench syscall_sampled_lost <n> records
 *     bench syscall_samples <n> records    samples read, all rounds
 *
 * Each figure is the best of 5 rounds of 100 000 calls (the fastest round
 * is the least disturbed one); --quick: one round of 1000 (make test checks
 * that the output parses); --only bare|sampled: that half alone (for
 * scripts/insnprof.py, which subtracts a profile of each). Run by make bench on Ringtail and on Linux in
 * the same QEMU (scripts/bench.py), where under -icount shift=0 every ns is
 * one guest instruction. By hand: `make run PROG=build/user/bench_syscall`
 * or `make linux-run PROG=build/user/bench_syscall`.
 */
#include <stdio.h>
#include <time.h>
#include "perf_test.h"

static int calls = 100000, rounds = 5;   /* --quick: 1000 and 1 */
#define DRAIN_EVERY 512

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

__attribute__((noinline)) static u64 round_ns(struct ring *r)
{
	u64 t0 = now_ns(CLOCK_MONOTONIC);
	for (int i = 0; i < calls; i += DRAIN_EVERY) {
		for (int k = 0; k < DRAIN_EVERY && i + k < calls; k++)
			RSYS(SYS_getppid);
		if (r)
			ring_pass(r, count, NULL);
	}
	return now_ns(CLOCK_MONOTONIC) - t0;
}

static double best_ns(struct ring *r)
{
	u64 best = ~0ULL;
	for (int i = 0; i < rounds; i++) {
		u64 t = round_ns(r);
		if (t < best)
			best = t;
	}
	return (double)best / calls;
}

int main(int argc, char **argv)
{
	struct perf_event_attr a;
	struct ring r;
	u64 v[3] = { 0 };

	const char *only = "";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			calls = 1000, rounds = 1;
		else if (!strcmp(argv[i], "--only") && i + 1 < argc)
			only = argv[++i];
	}
	round_ns(NULL);                                   /* warm up */
	double bare = 0;
	if (strcmp(only, "sampled")) {
		bare = best_ns(NULL);
		printf("bench syscall_ns %.1f ns\n", bare);
	}
	if (!strcmp(only, "bare"))
		return 0;
	if (tp_unavailable()) {
		printf("bench_syscall: no sampled figure: %s\n", tp_unavailable());
		return 0;
	}
	attr_init(&a, PERF_TYPE_TRACEPOINT, (u64)tp_raw_enter());
	a.sample_period = 1;
	a.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ID | PERF_SAMPLE_RAW;
	a.read_format = PERF_FORMAT_LOST;
	a.disabled = 1;
	long fd = perf_open(&a, 0, -1, -1, 0);
	if (fd < 0 || ring_map(&r, fd, 64, 0)) {
		printf("bench_syscall: cannot open/map raw_syscalls:sys_enter (%ld)\n", fd);
		return 1;
	}
	perf_ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	double ns = best_ns(&r);
	perf_ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	ring_pass(&r, count, NULL);
	perf_read(fd, v, 2);
	printf("bench syscall_sampled_ns %.1f ns\n", ns);
	if (!*only)
		printf("bench syscall_sample_cost_ns %.1f ns\n", ns - bare);
	printf("bench syscall_samples %llu records\n", (unsigned long long)samples);
	printf("bench syscall_sampled_lost %llu records\n", (unsigned long long)v[1]);
	/* Every call was sampled (plus the drains' and ioctl's own syscalls). */
	if (samples < (u64)calls * rounds || other) {
		printf("bench_syscall: expected >= %d samples and no other records, got %llu and %llu\n",
		       calls * rounds, (unsigned long long)samples, (unsigned long long)other);
		return 1;
	}
	ring_unmap(&r);
	perf_close(fd);
	return 0;
}
