/* Ring buffer benchmark (make bench-host); not a test, asserts nothing.
 * Prints `bench <name> <value> <unit>` lines:
 *   rb_write_<N>           ns per record, begin + copy + end of N bytes,
 *                          one thread, normal mode (data_tail read on every
 *                          reservation; the loop gives space back every 32
 *                          records)
 *   rb_write_<N>_overwrite the same in overwrite mode
 *   rb_output_64           ns per record through perf_output()
 *   rb_spsc_64             producer -> consumer throughput across two
 *                          threads with lib/perf_reader.c, Mrec/s delivered
 *   rb_spsc_64_lost        records the producer saw refused (it retries)
 * Each single-thread figure is the best of several runs. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include "rb_test_util.h"

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static const struct perf_output_ctx ctx = { .id = 1 };

static __attribute__((noinline)) void write_loop(struct test_rb *b, const u64 *rec, unsigned int size,
						 long n)
{
	struct perf_output_handle h;

	for (long i = 0; i < n; i++) {
		if (likely(perf_output_begin(&h, &b->rb, &ctx, size) == 0)) {
			perf_output_copy(&h, rec, size);
			perf_output_end(&h);
		}
		if ((i & 31) == 0)
			b->up->data_tail = b->up->data_head;
	}
}

static double bench_write(unsigned int size, bool overwrite, bool via_output)
{
	struct test_rb b;
	u64 rec[64];
	double best = 1e30;
	const long n = 1000000;

	trb_make(rec, PERF_RECORD_SAMPLE, size, 0);
	trb_init(&b, 16, overwrite, false, 0);
	for (int run = 0; run < 25; run++) {
		double t0 = now_ns();
		if (via_output) {
			for (long i = 0; i < n; i++) {
				perf_output(&b.rb, &ctx, rec, size);
				if ((i & 31) == 0)
					b.up->data_tail = b.up->data_head;
			}
		} else {
			write_loop(&b, rec, size, n);
		}
		double per = (now_ns() - t0) / n;
		if (per < best)
			best = per;
	}
	if (perf_buffer_lost_total(&b.rb))
		fprintf(stderr, "warning: %llu lost in single-thread run\n",
			(unsigned long long)perf_buffer_lost_total(&b.rb));
	trb_free(&b);
	return best;
}

#define SPSC_RECORDS 20000000L
static struct test_rb S;
static int spsc_done;
static u64 spsc_refused, spsc_read;

static void *spsc_producer(void *arg)
{
	u64 rec[8];

	trb_make(rec, PERF_RECORD_SAMPLE, 64, 0);
	for (long i = 0; i < SPSC_RECORDS; i++) {
		rec[1] = i;
		while (perf_output(&S.rb, &ctx, rec, 64)) {
			spsc_refused++;
			cpu_relax();
		}
	}
	__atomic_store_n(&spsc_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void *spsc_consumer(void *arg)
{
	static u8 scratch[65536];
	struct perf_reader r;
	const struct perf_event_header *h;
	u64 n = 0, sum = 0;

	perf_reader_init(&r, S.up, S.data, trb_size(&S), 0, scratch, sizeof(scratch));
	for (;;) {
		bool done = __atomic_load_n(&spsc_done, __ATOMIC_ACQUIRE);
		if (!perf_reader_begin(&r)) {
			if (done)
				break;
			cpu_relax();
			continue;
		}
		while ((h = perf_reader_next(&r))) {
			if (h->type == PERF_RECORD_SAMPLE) {
				sum += ((const u64 *)h)[1];
				n++;
			}
		}
		perf_reader_consume(&r);
	}
	spsc_read = n;
	if (sum != (u64)SPSC_RECORDS * (SPSC_RECORDS - 1) / 2)
		fprintf(stderr, "warning: spsc checksum mismatch\n");
	return NULL;
}

int main(void)
{
	static const unsigned int sizes[] = { 16, 64, 256 };

	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++)
		printf("bench rb_write_%u %.2f ns/record\n", sizes[i], bench_write(sizes[i], false, false));
	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++)
		printf("bench rb_write_%u_overwrite %.2f ns/record\n", sizes[i],
		       bench_write(sizes[i], true, false));
	printf("bench rb_output_64 %.2f ns/record\n", bench_write(64, false, true));
	fflush(stdout);

	pthread_t p, c;
	trb_init(&S, 64, false, false, 0);
	double t0 = now_ns();
	pthread_create(&c, NULL, spsc_consumer, NULL);
	pthread_create(&p, NULL, spsc_producer, NULL);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	double secs = (now_ns() - t0) / 1e9;
	printf("bench rb_spsc_64 %.1f Mrec/s\n", spsc_read / secs / 1e6);
	printf("bench rb_spsc_64_ns %.2f ns/record\n", secs * 1e9 / spsc_read);
	printf("bench rb_spsc_64_lost %llu records\n", (unsigned long long)spsc_refused);
	trb_free(&S);
	return spsc_read == SPSC_RECORDS ? 0 : 1;
}
