/* Per-CPU buffers, the way libbpf's perf_buffer uses them: one system-wide
 * event per CPU (pid -1, cpu N) and one buffer per CPU. A worker pinned to
 * each CPU makes a different number of getppid calls. Every sample's CPU
 * field must match its buffer and every count must be exact. */
#include <pthread.h>
#include <stdio.h>
#include "ktap.h"
#include "perf_test.h"

#define MAXC 8

static volatile int go;
static int calls_on[MAXC];

static void *worker(void *arg)
{
	int cpu = (int)(long)arg;
	pin_to(cpu);
	while (!go)
		sched_yield();
	for (int i = 0; i < calls_on[cpu]; i++)
		syscall(SYS_getppid);
	return NULL;
}

static void t_one_buffer_per_cpu(void)
{
	int n = ncpus();
	if (n < 2) {
		KTAP_SKIP("needs 2 CPUs");
		return;
	}
	if (n > MAXC)
		n = MAXC;
	static struct ring g[MAXC];
	int fd[MAXC];
	for (int c = 0; c < n; c++) {
		struct perf_event_attr a;
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.type = PERF_TYPE_TRACEPOINT;
		a.config = (u64)tp_sys_enter("getppid");   /* tracefs: Linux ids differ */
		a.sample_period = 1;
		a.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_CPU | PERF_SAMPLE_ID;
		fd[c] = perf_open(&a, -1, c, -1, 0);
		if (!EXPECT_GE(fd[c], 0) || !EXPECT_EQ(ring_map(&g[c], fd[c], 64, 0), 0))
			return;
		calls_on[c] = 500 + 137 * c;
	}
	pthread_t th[MAXC];
	for (int c = 0; c < n; c++)
		pthread_create(&th[c], NULL, worker, (void *)(long)c);
	go = 1;
	for (int c = 0; c < n; c++)
		pthread_join(th[c], NULL);
	for (int c = 0; c < n; c++) {
		unsigned long long count = 0;
		EXPECT_EQ(read(fd[c], &count, 8), 8);
		EXPECT_EQ(count, calls_on[c]);
		perf_reader_begin(&g[c].rd);
		const struct perf_event_header *h;
		long samples = 0, wrong_cpu = 0;
		while ((h = perf_reader_next(&g[c].rd))) {
			if (h->type != PERF_RECORD_SAMPLE)
				continue;
			const unsigned long long *w = (const void *)(h + 1);
			/* TID, ID, CPU */
			if ((int)(unsigned)w[2] != c)
				wrong_cpu++;
			samples++;
		}
		perf_reader_consume(&g[c].rd);
		EXPECT_EQ(samples, calls_on[c]);
		EXPECT_EQ(wrong_cpu, 0);
		close(fd[c]);
		ring_unmap(&g[c]);
	}
}

static void t_affinity_errors(void)
{
	cpu_set_t s;
	CPU_ZERO(&s);
	EXPECT_EQ(sched_setaffinity(0, sizeof(s), &s), -1);       /* empty */
	EXPECT_EQ(errno, EINVAL);
	CPU_ZERO(&s);
	CPU_SET(MAXC + 20, &s);                                    /* absent CPU */
	EXPECT_EQ(sched_setaffinity(0, sizeof(s), &s), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(syscall(SYS_sched_setaffinity, 0, sizeof(s), (void *)8), -1);
	EXPECT_EQ(errno, EFAULT);
	EXPECT_EQ(syscall(SYS_sched_getaffinity, 0, 4, &s), -1);   /* too small */
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(sysconf(_SC_NPROCESSORS_ONLN), ncpus());
}

static volatile int stop_spin;
static volatile int seen_cpu[MAXC];

static void *spinner(void *arg)
{
	while (!stop_spin) {
		unsigned cpu = 0;
		syscall(SYS_getcpu, &cpu, NULL, NULL);
		if (cpu < MAXC)
			seen_cpu[cpu] = 1;
	}
	return NULL;
}

static void t_threads_use_every_cpu(void)
{
	int n = ncpus();
	if (n < 2) {
		KTAP_SKIP("needs 2 CPUs");
		return;
	}
	pthread_t th[MAXC];
	for (int i = 0; i < n; i++)
		pthread_create(&th[i], NULL, spinner, NULL);
	usleep(300000);
	stop_spin = 1;
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	int used = 0;
	for (int c = 0; c < n && c < MAXC; c++) {
		used += seen_cpu[c];
		if (!seen_cpu[c])
			ktap_diag("no thread ran on CPU %d", c);
	}
	EXPECT_EQ(used, n);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_one_buffer_per_cpu),
	KTAP_CASE(t_affinity_errors),
	KTAP_CASE(t_threads_use_every_cpu),
};

int main(void)
{
	return ktap_run(cases, KTAP_COUNT(cases));
}
