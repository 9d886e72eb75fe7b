/* test_perf_group: groups count together, as on Linux. A member of a
 * disabled (or never enabled) group counts nothing; enabling the leader
 * starts it, disabling stops it; PERF_FORMAT_GROUP reads all; RESET with
 * PERF_IOC_FLAG_GROUP zeroes all, and a running task-clock really starts
 * over; an emulated-cycles member of a software-led group counts. Runs on
 * a Linux host too (the cycles case needs a PMU there). */
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

static const struct ktap_case cases[] = {
	KTAP_CASE(t_member_waits_for_leader),
	KTAP_CASE(t_group_read_and_reset),
	KTAP_CASE(t_cycles_member_of_software_group),
};

int main(void)
{
	return ktap_run(cases, KTAP_COUNT(cases));
}
