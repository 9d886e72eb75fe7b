/* test_perf_group_churn: a group leader samples the main thread with
 * PERF_SAMPLE_READ of the whole group while another thread keeps adding
 * and closing members. The kernel reads the member list in the sample's
 * interrupt (an NMI for cycles) while it changes elsewhere; every sample
 * must still be whole: its nr matching its size, the leader's id first,
 * every id one of the members ever opened. Runs on Linux too (cpu-clock
 * there, cycles where there is a PMU or Ringtail's emulation). */
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "ktap.h"
#include "perf_test.h"

#define ROUNDS 600
#define MAX_OPEN 8
#define MAX_IDS (ROUNDS + 1)

static long leader;
static int main_tid;
static volatile int worker_done;
static u64 ids[MAX_IDS];
static int nids;                /* published with release: ids[] before it */

static void *churn(void *arg)
{
	long open_fds[MAX_OPEN];
	int n = 0;
	unsigned seed = 12345;
	for (int i = 0; i < ROUNDS; i++) {
		seed = seed * 1103515245 + 12345;
		if (n == MAX_OPEN || (n && (seed >> 16) % 3 == 0)) {
			int k = (int)((seed >> 8) % (unsigned)n);
			perf_close(open_fds[k]);
			open_fds[k] = open_fds[--n];
			continue;
		}
		struct perf_event_attr a;
		attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS);
		a.read_format = PERF_FORMAT_GROUP | PERF_FORMAT_ID;
		long fd = perf_open(&a, main_tid, -1, leader, 0);
		if (fd < 0)
			continue;
		ids[nids] = perf_id(fd);
		__atomic_store_n(&nids, nids + 1, __ATOMIC_RELEASE);
		open_fds[n++] = fd;
	}
	while (n)
		perf_close(open_fds[--n]);
	worker_done = 1;
	return arg;
}

#define MAX_PENDING 256

struct check {
	int samples, bad;
	u64 leader_id;
	/* Ids not yet known when seen: a member shows up in samples as it
	 * joins, before its opener can ask for its id. Checked at the end. */
	u64 pending[MAX_PENDING];
	int npending;
};

static bool known(u64 id)
{
	int n = __atomic_load_n(&nids, __ATOMIC_ACQUIRE);
	for (int i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static int check_sample(const struct perf_event_header *h, void *arg)
{
	struct check *c = arg;
	if (h->type != PERF_RECORD_SAMPLE)
		return 0;
	const u64 *w = (const u64 *)(h + 1);
	size_t words = (h->size - sizeof(*h)) / 8;
	c->samples++;
	if (words < 3 || w[0] < 1 || w[0] > MAX_OPEN + 1 || words != 1 + 2 * w[0] ||
	    w[2] != c->leader_id) {
		if (c->bad++ < 3)
			ktap_diag("bad sample: %zu words, nr %llu", words, (unsigned long long)w[0]);
		return 0;
	}
	for (u64 i = 1; i < w[0]; i++)
		if (!known(w[2 + 2 * i]) && c->npending < MAX_PENDING)
			c->pending[c->npending++] = w[2 + 2 * i];
	return 0;
}

static void t_samples_whole_while_members_change(void)
{
	struct perf_event_attr a;
	attr_init(&a, PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES);
	a.sample_period = 200000;
	a.sample_type = PERF_SAMPLE_READ;
	a.read_format = PERF_FORMAT_GROUP | PERF_FORMAT_ID;
	a.exclude_kernel = 1;
	a.disabled = 1;
	leader = perf_open(&a, 0, -1, -1, 0);
	if (leader < 0) {
		attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK);
		a.sample_period = 100000;
		a.sample_type = PERF_SAMPLE_READ;
		a.read_format = PERF_FORMAT_GROUP | PERF_FORMAT_ID;
		a.disabled = 1;
		leader = perf_open(&a, 0, -1, -1, 0);
	}
	struct ring r;
	if (!EXPECT_GE(leader, 0) || !EXPECT_EQ(ring_map(&r, leader, 64, 0), 0))
		return;
	main_tid = (int)syscall(SYS_gettid);
	struct check c = { .leader_id = perf_id(leader) };
	EXPECT_EQ(perf_ioctl(leader, PERF_EVENT_IOC_ENABLE, 0), 0);
	pthread_t th;
	if (!EXPECT_EQ(pthread_create(&th, NULL, churn, NULL), 0))
		return;
	volatile u64 spin = 0;
	while (!worker_done) {
		for (int i = 0; i < 100000; i++)
			spin += (u64)i;
		ring_pass(&r, check_sample, &c);
	}
	pthread_join(th, NULL);
	EXPECT_EQ(perf_ioctl(leader, PERF_EVENT_IOC_DISABLE, 0), 0);
	ring_pass(&r, check_sample, &c);
	for (int i = 0; i < c.npending; i++)
		if (!known(c.pending[i]) && c.bad++ < 3)
			ktap_diag("unknown member id %llu", (unsigned long long)c.pending[i]);
	ktap_diag("%d samples, %d members opened", c.samples, nids);
	EXPECT_GT(c.samples, 0);
	EXPECT_EQ(c.bad, 0);
	ring_unmap(&r);
	perf_close(leader);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_samples_whole_while_members_change),
};

int main(void)
{
	return ktap_run(cases, KTAP_COUNT(cases));
}
