/* test_perf_count: counting (non-sampling) events and the ioctls that
 * drive them, with exact counts where Linux gives exact counts.
 *
 * Page faults are the workload: first writes to fresh anonymous pages
 * (MADV_NOHUGEPAGE, so one fault per page), bracketed by ENABLE/DISABLE
 * after a warm-up run, so the counts are exact on Linux and must be on
 * Ringtail. Faults the kernel takes on a user address (read() into a fresh
 * page) are kernel-mode faults: exclude_user counts them, exclude_kernel
 * does not. Clocks are checked against CLOCK_MONOTONIC with wide bounds.
 */
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include "ktap.h"
#include "perf_test.h"

#define MS 1000000ULL

static long pf_event(int disabled, u64 read_format)
{
	struct perf_event_attr a;
	attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS);
	a.disabled = disabled;
	a.read_format = read_format;
	return perf_open(&a, 0, -1, -1, 0);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * (long)MS };
	nanosleep(&ts, NULL);
}

static void spin_ms(long ms)
{
	u64 t0 = now_ns(CLOCK_MONOTONIC);
	while (now_ns(CLOCK_MONOTONIC) - t0 < (u64)ms * MS)
		for (volatile int i = 0; i < 1000; i++)
			;
}

static void t_page_faults_exact(void)
{
	long fd = pf_event(1, 0);
	u8 *p = fresh_pages(37);
	if (!EXPECT_GE(fd, 0) || !EXPECT_TRUE(p))
		return;
	touch_pages(-1, p, 0, 0);
	touch_pages(fd, p, 37, 100);
	EXPECT_EQ(perf_count(fd), 37);
	perf_close(fd);
	free_pages_(p, 37);
}

static void t_disabled_counts_nothing(void)
{
	u64 v[3] = { 1, 1, 1 };
	long fd = pf_event(1, PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING);
	u8 *p = fresh_pages(5);
	for (int i = 0; i < 5; i++)
		p[i * PG] = 1;
	EXPECT_EQ(perf_read(fd, v, 3), 24);
	EXPECT_EQ(v[0], 0);
	EXPECT_EQ(v[1], 0);
	EXPECT_EQ(v[2], 0);
	perf_close(fd);
	free_pages_(p, 5);
}

static void t_enable_disable_reset(void)
{
	long fd = pf_event(1, 0);
	u8 *p = fresh_pages(16);
	touch_pages(-1, p, 0, 0);
	touch_pages(fd, p, 4, 0);
	for (int i = 4; i < 7; i++)    /* disabled: not counted */
		p[i * PG] = 1;
	EXPECT_EQ(perf_count(fd), 4);
	EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_RESET, 0), 0);
	EXPECT_EQ(perf_count(fd), 0);
	touch_pages(fd, p + 7 * PG, 2, 0);
	EXPECT_EQ(perf_count(fd), 2);
	perf_close(fd);
	free_pages_(p, 16);
}

static void t_read_format_order(void)
{
	u64 v[5] = { 0 };
	long fd = pf_event(1, PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING |
				      PERF_FORMAT_ID | PERF_FORMAT_LOST);
	u8 *p = fresh_pages(3);
	touch_pages(-1, p, 0, 0);
	touch_pages(fd, p, 3, 0);
	EXPECT_EQ(perf_read(fd, v, 5), 40);
	EXPECT_EQ(v[0], 3);                  /* value */
	EXPECT_GT(v[1], 0);                  /* time_enabled */
	EXPECT_GT(v[2], 0);                  /* time_running */
	EXPECT_LE(v[2], v[1]);
	EXPECT_EQ_HEX(v[3], perf_id(fd));    /* id */
	EXPECT_EQ(v[4], 0);                  /* lost */
	perf_close(fd);
	free_pages_(p, 3);
}

static void t_times_frozen_while_disabled(void)
{
	u64 a[3], b[3];
	long fd = pf_event(0, PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING);
	spin_ms(2);
	perf_ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	perf_read(fd, a, 3);
	sleep_ms(5);
	perf_read(fd, b, 3);
	EXPECT_GT(a[1], 0);
	EXPECT_EQ(a[1], b[1]);
	EXPECT_EQ(a[2], b[2]);
	perf_ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	spin_ms(2);
	perf_read(fd, b, 3);
	EXPECT_GT(b[1], a[1]);
	perf_close(fd);
}

static void t_ids_unique(void)
{
	long fd[3];
	u64 id[3];
	for (int i = 0; i < 3; i++) {
		fd[i] = pf_event(1, 0);
		id[i] = perf_id(fd[i]);
		EXPECT_NE_HEX(id[i], ~0ULL);
	}
	EXPECT_NE_HEX(id[0], id[1]);
	EXPECT_NE_HEX(id[1], id[2]);
	EXPECT_NE_HEX(id[0], id[2]);
	for (int i = 0; i < 3; i++)
		perf_close(fd[i]);
}

/* A sleep is a sleep only if the task blocks: a host that stalls the
 * virtual CPU past the deadline before the task blocks turns it into none
 * (and the clocks then rightly count the stall as running time). So a
 * check of what a sleep adds is tried up to SLEEP_TRIES times and must
 * hold once; a kernel that counts sleeping time fails every try. */
#define SLEEP_TRIES 10

/* Task/CPU clock of this task: grows with CPU time, not with sleep. */
static void check_clock(u64 config)
{
	struct perf_event_attr a;
	attr_init(&a, PERF_TYPE_SOFTWARE, config);
	long fd = perf_open(&a, 0, -1, -1, 0);
	u64 t0 = now_ns(CLOCK_MONOTONIC), c0 = perf_count(fd);
	spin_ms(30);
	u64 c1 = perf_count(fd), t1 = now_ns(CLOCK_MONOTONIC);
	EXPECT_GE(c1 - c0, 10 * MS);            /* busy: most of the 30 ms */
	EXPECT_LE(c1 - c0, t1 - t0);            /* read between t0 and t1 */
	u64 asleep = ~0ull;
	for (int i = 0; i < SLEEP_TRIES && asleep >= 10 * MS; i++) {
		c1 = perf_count(fd);
		sleep_ms(30);
		asleep = perf_count(fd) - c1;
	}
	EXPECT_LT(asleep, 10 * MS);             /* asleep: little */
	perf_close(fd);
}
static void t_task_clock_is_cpu_time(void) { check_clock(PERF_COUNT_SW_TASK_CLOCK); }
static void t_cpu_clock_is_cpu_time(void) { check_clock(PERF_COUNT_SW_CPU_CLOCK); }

static void t_context_switches_count_sleeps(void)
{
	struct perf_event_attr a;
	attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES);
	long fd = perf_open(&a, 0, -1, -1, 0);
	/* Each sleep that blocks switches once (see SLEEP_TRIES). */
	for (int i = 0; i < 5 * SLEEP_TRIES && perf_count(fd) < 5; i++)
		sleep_ms(10);
	EXPECT_GE(perf_count(fd), 5);
	EXPECT_LT(perf_count(fd), 1000);
	perf_close(fd);
}

/* User-mode faults (stores) vs kernel-mode faults (read() into a fresh
 * page: the kernel's copy faults). */
static void t_exclude_user_kernel(void)
{
	struct perf_event_attr a;
	long fd[3];
	u8 *p = fresh_pages(8);
	for (int i = 0; i < 3; i++) {
		attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS);
		a.disabled = 1;
		a.exclude_kernel = i == 1;
		a.exclude_user = i == 2;
		fd[i] = perf_open(&a, 0, -1, -1, 0);
	}
	touch_pages(-1, p, 0, 0);
	RSYS(SYS_read, fd[0], p + 7 * PG, 8);      /* warm up the read path */
	for (int i = 0; i < 3; i++)
		perf_ioctl(fd[i], PERF_EVENT_IOC_ENABLE, 0);
	for (int i = 0; i < 4; i++)
		*(volatile u8 *)(p + i * PG) = 1;
	for (int i = 4; i < 7; i++)
		RSYS(SYS_read, fd[0], p + i * PG + 8, 8);
	for (int i = 0; i < 3; i++)
		perf_ioctl(fd[i], PERF_EVENT_IOC_DISABLE, 0);
	EXPECT_EQ(perf_count(fd[0]), 7);
	EXPECT_EQ(perf_count(fd[1]), 4);   /* exclude_kernel: the stores */
	EXPECT_EQ(perf_count(fd[2]), 3);   /* exclude_user: the kernel's copies */
	for (int i = 0; i < 3; i++)
		perf_close(fd[i]);
	free_pages_(p, 8);
}

static volatile int go, done;
static volatile long worker_tid;
static void *worker(void *arg)
{
	(void)arg;
	worker_tid = RSYS(SYS_gettid);
	while (!go)
		sched_yield();
	u8 *p = fresh_pages(5);
	for (int i = 0; i < 5; i++)
		p[i * PG] = 1;
	free_pages_(p, 5);
	done = 1;
	return NULL;
}

/* pid > 0 is a thread: only its faults, and the count survives its exit. */
static void t_pid_other_thread(void)
{
	pthread_t t;
	long them, me;
	go = done = 0;
	worker_tid = 0;
	if (!EXPECT_EQ(pthread_create(&t, NULL, worker, NULL), 0))
		return;
	while (!worker_tid)
		sched_yield();
	struct perf_event_attr a;
	attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS);
	them = perf_open(&a, worker_tid, -1, -1, 0);
	me = perf_open(&a, 0, -1, -1, 0);
	go = 1;
	while (!done)
		sched_yield();
	pthread_join(t, NULL);
	EXPECT_EQ(perf_count(them), 5);
	EXPECT_EQ(perf_count(me), 0);
	perf_close(them);
	perf_close(me);
}

/* Pinned to CPU 0, ten fresh pages faulted with two page-fault events
 * open: `touched` (pid tpid, cpu tcpu), which touch_pages enables around
 * the faults, and `other` (opid, ocpu), enabled around them too. Their
 * counts in *tc and *oc; false if the pinning or an open failed. */
static bool faults_pinned_to_cpu0(int tpid, int tcpu, int opid, int ocpu, u64 *tc, u64 *oc)
{
	cpu_set_t old;
	struct perf_event_attr a;
	u8 *p = fresh_pages(10);
	sched_getaffinity(0, sizeof(old), &old);
	if (!EXPECT_TRUE(p) || !EXPECT_EQ(pin_to(0), 0))
		return false;
	sched_yield();
	attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS);
	a.disabled = 1;
	long touched = perf_open(&a, tpid, tcpu, -1, 0), other = perf_open(&a, opid, ocpu, -1, 0);
	bool ok = EXPECT_GE(touched, 0) & EXPECT_GE(other, 0);
	if (ok) {
		touch_pages(-1, p, 0, 0);
		perf_ioctl(other, PERF_EVENT_IOC_ENABLE, 0);
		touch_pages(touched, p, 10, 0);
		perf_ioctl(other, PERF_EVENT_IOC_DISABLE, 0);
		*tc = perf_count(touched);
		*oc = perf_count(other);
	}
	perf_close(touched);
	perf_close(other);
	sched_setaffinity(0, sizeof(old), &old);
	free_pages_(p, 10);
	return ok;
}

/* cpu N with pid 0 counts this task on CPU N; pid -1 counts all of CPU N. */
static void t_cpu0_counts(void)
{
	u64 task_cpu0, all_cpu0;
	if (!faults_pinned_to_cpu0(0, 0, -1, 0, &task_cpu0, &all_cpu0))
		return;
	EXPECT_EQ(task_cpu0, 10);
	EXPECT_GE(all_cpu0, 10);
}

/* A task event's enabled time runs only while its task runs (Linux: its
 * context's time), so a sleep that blocks adds nothing to it: enabled can
 * be at most the time elapsed minus the sleep, whatever the host's speed
 * (tried as SLEEP_TRIES says). */
static void t_task_times_pause_while_asleep(void)
{
	u64 v[3] = { 0 }, elapsed = 0;
	bool paused = false;
	for (int i = 0; i < SLEEP_TRIES && !paused; i++) {
		u64 t0 = now_ns(CLOCK_MONOTONIC);
		long fd = pf_event(0, PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING);
		if (!EXPECT_GE(fd, 0))
			return;
		sleep_ms(200);
		EXPECT_EQ(perf_read(fd, v, 3), 24);
		elapsed = now_ns(CLOCK_MONOTONIC) - t0;
		EXPECT_GE(v[1], v[2]);
		paused = v[1] + 200 * MS <= elapsed + MS;   /* 1 ms for the two clocks */
		perf_close(fd);
	}
	if (!EXPECT_TRUE(paused))
		ktap_diag("enabled %llu ns of %llu elapsed over a 200 ms sleep",
			  (unsigned long long)v[1], (unsigned long long)elapsed);
}

/* pid 0 with cpu 1 while this task is pinned to CPU 0: Linux counts
 * nothing (the event runs only while its task is on that CPU). */
static void t_task_event_other_cpu_counts_nothing(void)
{
	u64 on0, on1;
	if (ncpus() < 2) {
		KTAP_SKIP("needs 2 CPUs");
		return;
	}
	if (!faults_pinned_to_cpu0(0, 0, 0, 1, &on0, &on1))
		return;
	EXPECT_EQ(on0, 10);
	EXPECT_EQ(on1, 0);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_page_faults_exact),
	KTAP_CASE(t_disabled_counts_nothing),
	KTAP_CASE(t_enable_disable_reset),
	KTAP_CASE(t_read_format_order),
	KTAP_CASE(t_times_frozen_while_disabled),
	KTAP_CASE(t_ids_unique),
	KTAP_CASE(t_task_clock_is_cpu_time),
	KTAP_CASE(t_cpu_clock_is_cpu_time),
	KTAP_CASE(t_context_switches_count_sleeps),
	KTAP_CASE(t_exclude_user_kernel),
	KTAP_CASE(t_pid_other_thread),
	KTAP_CASE(t_cpu0_counts),
	KTAP_CASE(t_task_times_pause_while_asleep),
	KTAP_CASE(t_task_event_other_cpu_counts_nothing),
};

int main(void)
{
	return ktap_run(cases, KTAP_COUNT(cases));
}
