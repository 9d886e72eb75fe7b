/* test_perf_group: groups count together, as on Linux. A member of a
 * disabled (or never enabled) group counts nothing; enabling the leader
 * starts it, disabling stops it; PERF_FORMAT_GROUP reads all; RESET with
 * PERF_IOC_FLAG_GROUP zeroes all, and a running task-clock really starts
 * over; an emulated-cycles member of a software-led group counts;
 * PERF_SAMPLE_READ puts the group's (or the event's) counts in samples.
 * Runs on a Linux host too (the cycles case needs a PMU there). */
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "ktap.h"
#include "perf_test.h"

static long open_in(u32 type, u64 config, int disabled, long group, u64 read_format)
{
	struct perf_event_attr a;
	attr_init(&a, type, config);
	a.disabled = disabled;
	a.read_format = read_format;
	return perf_open(&a, 0, -1, group, 0);
}

static void busy(u64 ns)
{
	u64 end = now_ns(CLOCK_MONOTONIC) + ns;
	while (now_ns(CLOCK_MONOTONIC) < end)
		;
}

static void t_member_waits_for_leader(void)
{
	long leader = open_in(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK, 1, -1, 0);
	long member = open_in(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, 0, leader, 0);
	if (!EXPECT_GE(leader, 0) || !EXPECT_GE(member, 0))
		return;
	u8 *p = fresh_pages(8);
	for (int i = 0; i < 4; i++)
		p[i * PG] = 1;
	EXPECT_EQ(perf_count(member), 0);               /* the group is off */
	EXPECT_EQ(perf_ioctl(leader, PERF_EVENT_IOC_ENABLE, 0), 0);
	for (int i = 4; i < 8; i++)
		p[i * PG] = 1;
	EXPECT_EQ(perf_ioctl(leader, PERF_EVENT_IOC_DISABLE, 0), 0);
	EXPECT_EQ(perf_count(member), 4);
	u8 *q = fresh_pages(3);
	for (int i = 0; i < 3; i++)
		q[i * PG] = 1;
	EXPECT_EQ(perf_count(member), 4);               /* stopped with the leader */
	free_pages_(p, 8);
	free_pages_(q, 3);
	perf_close(member);
	perf_close(leader);
}

static void t_group_read_and_reset(void)
{
	u64 fmt = PERF_FORMAT_GROUP | PERF_FORMAT_ID;
	long leader = open_in(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK, 1, -1, fmt);
	long member = open_in(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, 0, leader, fmt);
	if (!EXPECT_GE(leader, 0) || !EXPECT_GE(member, 0))
		return;
	EXPECT_EQ(perf_ioctl(leader, PERF_EVENT_IOC_ENABLE, 0), 0);
	u8 *p = fresh_pages(5);
	for (int i = 0; i < 5; i++)
		p[i * PG] = 1;
	busy(20 * 1000 * 1000);
	u64 v[5];
	EXPECT_EQ(perf_read(leader, v, 5), 40);
	EXPECT_EQ(v[0], 2);                             /* nr */
	EXPECT_GT(v[1], 0);                             /* task-clock */
	EXPECT_EQ(v[2], perf_id(leader));
	EXPECT_EQ(v[3], 5);                             /* faults */
	EXPECT_EQ(v[4], perf_id(member));
	/* RESET of the whole group while it runs: both start over, the clock
	 * included (its time since the last update must go too). */
	u64 t0 = now_ns(CLOCK_MONOTONIC);
	EXPECT_EQ(perf_ioctl(member, PERF_EVENT_IOC_RESET, PERF_IOC_FLAG_GROUP), 0);
	EXPECT_EQ(perf_read(leader, v, 5), 40);
	u64 t1 = now_ns(CLOCK_MONOTONIC);
	EXPECT_LE(v[1], t1 - t0);
	EXPECT_EQ(v[3], 0);
	EXPECT_EQ(perf_ioctl(leader, PERF_EVENT_IOC_DISABLE, 0), 0);
	free_pages_(p, 5);
	perf_close(member);
	perf_close(leader);
}

static void t_cycles_member_of_software_group(void)
{
	long leader = open_in(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK, 1, -1, 0);
	if (!EXPECT_GE(leader, 0))
		return;
	long member = open_in(PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, 0, leader, 0);
	if (member < 0) {
		perf_close(leader);
		KTAP_SKIP("no cycles event here (no PMU)");
		return;
	}
	EXPECT_EQ(perf_ioctl(leader, PERF_EVENT_IOC_ENABLE, 0), 0);
	busy(10 * 1000 * 1000);
	EXPECT_EQ(perf_ioctl(leader, PERF_EVENT_IOC_DISABLE, 0), 0);
	EXPECT_GT(perf_count(member), 0);
	perf_close(member);
	perf_close(leader);
}

#define MAX_READS 4

struct reads {
	int n;
	u64 w[MAX_READS][8];    /* each sample's read words */
	u16 size[MAX_READS];
};

/* sample_type is PERF_SAMPLE_READ alone: the body is the read words. */
static int keep_reads(const struct perf_event_header *h, void *arg)
{
	struct reads *r = arg;
	if (h->type != PERF_RECORD_SAMPLE || r->n == MAX_READS)
		return 0;
	size_t len = h->size - sizeof(*h);
	r->size[r->n] = (u16)len;
	memcpy(r->w[r->n], h + 1, len < sizeof(r->w[0]) ? len : sizeof(r->w[0]));
	r->n++;
	return 0;
}

static long open_tp_sampler(long tp, long group, u64 read_format)
{
	struct perf_event_attr a;
	attr_init(&a, PERF_TYPE_TRACEPOINT, (u64)tp);
	a.sample_period = 1;
	a.sample_type = PERF_SAMPLE_READ;
	a.read_format = read_format;
	a.wakeup_events = 1;
	a.disabled = group < 0;
	return perf_open(&a, 0, -1, group, 0);
}

/* A sample of a group leader with PERF_SAMPLE_READ and FORMAT_GROUP
 * carries every member's count at that moment; without FORMAT_GROUP the
 * event's own count (with the times and id asked for). */
static void t_sample_read(void)
{
	long tp = tp_sys_enter("getppid");
	if (tp <= 0) {
		KTAP_SKIP("no syscall tracepoints here");
		return;
	}
	u64 fmt = PERF_FORMAT_GROUP | PERF_FORMAT_ID;
	long leader = open_tp_sampler(tp, -1, fmt);
	long member = open_in(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, 0, leader, fmt);
	struct ring r;
	if (!EXPECT_GE(leader, 0) || !EXPECT_GE(member, 0) ||
	    !EXPECT_EQ(ring_map(&r, leader, 8, 0), 0))
		return;
	u8 *p = fresh_pages(5);
	EXPECT_EQ(perf_ioctl(leader, PERF_EVENT_IOC_ENABLE, 0), 0);
	p[0] = p[PG] = 1;
	getppid();
	p[2 * PG] = p[3 * PG] = p[4 * PG] = 1;
	getppid();
	EXPECT_EQ(perf_ioctl(leader, PERF_EVENT_IOC_DISABLE, 0), 0);
	struct reads got = { 0 };
	ring_pass(&r, keep_reads, &got);
	if (EXPECT_EQ(got.n, 2)) {
		for (int i = 0; i < 2; i++) {
			EXPECT_EQ(got.size[i], 5 * 8);
			EXPECT_EQ(got.w[i][0], 2);                      /* nr */
			EXPECT_EQ(got.w[i][1], (u64)i + 1);             /* the leader */
			EXPECT_EQ(got.w[i][2], perf_id(leader));
			EXPECT_EQ(got.w[i][4], perf_id(member));
		}
		EXPECT_EQ(got.w[0][3], 2);                      /* faults so far */
		EXPECT_EQ(got.w[1][3], 5);
	}
	ring_unmap(&r);
	perf_close(member);
	perf_close(leader);

	long solo = open_tp_sampler(tp, -1, PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_ID);
	if (!EXPECT_GE(solo, 0) || !EXPECT_EQ(ring_map(&r, solo, 8, 0), 0))
		return;
	EXPECT_EQ(perf_ioctl(solo, PERF_EVENT_IOC_ENABLE, 0), 0);
	getppid();
	getppid();
	getppid();
	EXPECT_EQ(perf_ioctl(solo, PERF_EVENT_IOC_DISABLE, 0), 0);
	memset(&got, 0, sizeof(got));
	ring_pass(&r, keep_reads, &got);
	if (EXPECT_EQ(got.n, 3)) {
		for (int i = 0; i < 3; i++) {
			EXPECT_EQ(got.size[i], 3 * 8);
			EXPECT_EQ(got.w[i][0], (u64)i + 1);
			EXPECT_GT(got.w[i][1], 0);              /* time enabled */
			EXPECT_EQ(got.w[i][2], perf_id(solo));
		}
		EXPECT_GT(got.w[2][1], got.w[0][1]);
	}
	free_pages_(p, 5);
	ring_unmap(&r);
	perf_close(solo);
}

/* As Linux: when the leader's fd closes, its members carry on alone
 * (and count whenever they are enabled). */
static void t_members_outlive_leader(void)
{
	long leader = open_in(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK, 1, -1, 0);
	long member = open_in(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, 0, leader, 0);
	if (!EXPECT_GE(leader, 0) || !EXPECT_GE(member, 0))
		return;
	EXPECT_EQ(perf_ioctl(leader, PERF_EVENT_IOC_ENABLE, 0), 0);
	u8 *p = fresh_pages(5);
	p[0] = p[PG] = 1;
	EXPECT_EQ(perf_count(member), 2);
	perf_close(leader);
	p[2 * PG] = p[3 * PG] = p[4 * PG] = 1;
	EXPECT_EQ(perf_count(member), 5);
	EXPECT_EQ(perf_ioctl(member, PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP), 0);
	u8 *q = fresh_pages(2);
	q[0] = q[PG] = 1;
	EXPECT_EQ(perf_count(member), 5);
	EXPECT_EQ(perf_ioctl(member, PERF_EVENT_IOC_ENABLE, 0), 0);
	q[0] = 2;                       /* already mapped: no fault */
	u8 *z = fresh_pages(1);
	z[0] = 1;
	EXPECT_EQ(perf_count(member), 6);
	free_pages_(p, 5);
	free_pages_(q, 2);
	free_pages_(z, 1);
	perf_close(member);
}

/* Linux bounds a group by what one read of it takes: with
 * GROUP|ID|LOST (3 words a member, 1 for nr), 8 * (1 + 3n) may not pass
 * 16 KiB: 682 events fit, the 683rd is E2BIG. */
static void t_group_size_limit(void)
{
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < 700 && rl.rlim_max >= 700) {
		rl.rlim_cur = 700;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < 700) {
		KTAP_SKIP("fewer than 700 descriptors allowed");
		return;
	}
	u64 fmt = PERF_FORMAT_GROUP | PERF_FORMAT_ID | PERF_FORMAT_LOST;
	static long fds[700];
	int n = 0;
	fds[n++] = open_in(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_DUMMY, 1, -1, fmt);
	if (!EXPECT_GE(fds[0], 0))
		return;
	long rc = 0;
	while (n < 700) {
		rc = open_in(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_DUMMY, 1, fds[0], fmt);
		if (rc < 0)
			break;
		fds[n++] = rc;
	}
	EXPECT_EQ(n, 682);
	EXPECT_ERRNO(rc, E2BIG);
	/* A read of the whole group: all 682. */
	static u64 v[1 + 3 * 682];
	EXPECT_ERRNO(perf_read(fds[0], v, 3 * 682), ENOSPC);
	EXPECT_EQ(perf_read(fds[0], v, 1 + 3 * 682), 8 * (1 + 3 * 682));
	EXPECT_EQ(v[0], 682);
	EXPECT_EQ(v[2 + 3 * 681], perf_id(fds[681]));
	while (n > 0)
		perf_close(fds[--n]);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_member_waits_for_leader),
	KTAP_CASE(t_group_read_and_reset),
	KTAP_CASE(t_cycles_member_of_software_group),
	KTAP_CASE(t_sample_read),
	KTAP_CASE(t_members_outlive_leader),
	KTAP_CASE(t_group_size_limit),
};

int main(void)
{
	return ktap_run(cases, KTAP_COUNT(cases));
}
