/* One clock for every CPU: two threads on two CPUs take turns (a
 * happens-before chain through shared memory), each turn marked by a
 * getppid sample in its CPU's own buffer. Merged by TIME, the samples must
 * come out in exactly the order of the chain. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include "ktap.h"
#include "perf_test.h"

#define ROUNDS 300

static volatile int turn;

static void *player(void *arg)
{
	int me = (int)(long)arg;
	pin_to(me);
	for (int r = 0; r < ROUNDS; r++) {
		while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != 2 * r + me)
			;
		syscall(SYS_getppid);
		__atomic_store_n(&turn, 2 * r + me + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

struct mark {
	unsigned long long time;
	int cpu;
};

static int by_time(const void *a, const void *b)
{
	const struct mark *x = a, *y = b;
	return x->time < y->time ? -1 : x->time > y->time;
}

static void t_samples_merge_in_happens_before_order(void)
{
	if (ncpus() < 2) {
		KTAP_SKIP("needs 2 CPUs");
		return;
	}
	static struct ring g[2];
	int fd[2];
	for (int c = 0; c < 2; c++) {
		struct perf_event_attr a;
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.type = PERF_TYPE_TRACEPOINT;
		a.config = (u64)tp_sys_enter("getppid");   /* tracefs: Linux ids differ */
		a.sample_period = 1;
		a.sample_type = PERF_SAMPLE_TIME | PERF_SAMPLE_CPU;
		fd[c] = perf_open(&a, -1, c, -1, 0);
		if (!EXPECT_GE(fd[c], 0) || !EXPECT_EQ(ring_map(&g[c], fd[c], 64, 0), 0))
			return;
	}
	pthread_t th[2];
	for (int c = 0; c < 2; c++)
		pthread_create(&th[c], NULL, player, (void *)(long)c);
	for (int c = 0; c < 2; c++)
		pthread_join(th[c], NULL);
	static struct mark m[2 * ROUNDS + 8];
	int n = 0;
	for (int c = 0; c < 2; c++) {
		perf_reader_begin(&g[c].rd);
		const struct perf_event_header *h;
		while ((h = perf_reader_next(&g[c].rd)) && n < 2 * ROUNDS + 8) {
			if (h->type != PERF_RECORD_SAMPLE)
				continue;
			const unsigned long long *w = (const void *)(h + 1);
			m[n].time = w[0];
			m[n].cpu = (int)(unsigned)w[1];
			n++;
		}
		perf_reader_consume(&g[c].rd);
		close(fd[c]);
		ring_unmap(&g[c]);
	}
	if (!EXPECT_EQ(n, 2 * ROUNDS))
		return;
	qsort(m, n, sizeof(m[0]), by_time);
	int out_of_order = 0;
	for (int i = 0; i < n; i++)
		if (m[i].cpu != (i & 1))
			out_of_order++;
	EXPECT_EQ(out_of_order, 0);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_samples_merge_in_happens_before_order),
};

int main(void)
{
	return ktap_run(cases, KTAP_COUNT(cases));
}
