/* perf_exit_mapped: exit with every kind of perf state still live, so the
 * kernel must release it all on exit (Ringtail's run= checks for leaks
 * after each program).
 *
 * Left behind at exit_group: sampling events with writable, read-only and
 * backward mappings; an event SET_OUTPUT into another's buffer; a mapping
 * whose fd was closed (the mapping holds the event); a second mapping of
 * one buffer; a counting event never mapped; a running cpu-clock timer; a
 * tracepoint event and, on Ringtail, the NMI cycles event (both enabled);
 * an event on a thread that already exited; a thread blocked in poll() on
 * a perf fd; and a buffer with a pending LOST count.
 */
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include "ktap.h"
#include "perf_test.h"

static long open_sw(u64 config, u64 period, int backward)
{
	struct perf_event_attr a;
	attr_init(&a, PERF_TYPE_SOFTWARE, config);
	a.sample_period = period;
	a.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_ADDR | PERF_SAMPLE_CALLCHAIN;
	a.write_backward = backward;
	a.wakeup_events = 1;
	return perf_open(&a, 0, -1, -1, 0);
}

static long map_fd(long fd, unsigned data_pages, int prot)
{
	return RSYS(SYS_mmap, 0, (1 + data_pages) * PG, prot, MAP_SHARED, fd, 0);
}

static void *poller(void *arg)
{
	struct pollfd p = { (int)(long)arg, POLLIN, 0 };
	for (;;)
		poll(&p, 1, -1);
	return NULL;
}

static volatile long worker_tid;
static volatile int go;
static void *short_lived(void *x)
{
	(void)x;
	worker_tid = RSYS(SYS_gettid);
	while (!go)
		sched_yield();
	return NULL;
}

int main(void)
{
	int ok = 1;
	long fd[16], n = 0;
	u8 *p = fresh_pages(64);
	pthread_t t;

	ktap_plan(1);
	/* Writable, read-only and backward mappings. */
	fd[n] = open_sw(PERF_COUNT_SW_PAGE_FAULTS, 1, 0);
	ok &= fd[n] >= 0 && map_fd(fd[n], 4, PROT_READ | PROT_WRITE) > 0;
	ok &= map_fd(fd[n], 4, PROT_READ) > 0;                 /* second mapping */
	long owner = fd[n++];
	fd[n] = open_sw(PERF_COUNT_SW_PAGE_FAULTS, 1, 1);
	ok &= fd[n] >= 0 && map_fd(fd[n++], 2, PROT_READ) > 0;
	/* Redirected into owner's buffer. */
	fd[n] = open_sw(PERF_COUNT_SW_CONTEXT_SWITCHES, 1, 0);
	ok &= perf_ioctl(fd[n++], PERF_EVENT_IOC_SET_OUTPUT, owner) == 0;
	/* A mapping that outlives its fd. */
	long gone = open_sw(PERF_COUNT_SW_PAGE_FAULTS, 1, 0);
	ok &= map_fd(gone, 1, PROT_READ | PROT_WRITE) > 0 && perf_close(gone) == 0;
	/* A 1-page ring left full, with a LOST count pending. */
	fd[n] = open_sw(PERF_COUNT_SW_PAGE_FAULTS, 1, 0);
	ok &= map_fd(fd[n++], 1, PROT_READ | PROT_WRITE) > 0;
	/* Counting only; a running cpu-clock timer. */
	fd[n++] = open_sw(PERF_COUNT_SW_TASK_CLOCK, 0, 0);
	fd[n] = open_sw(PERF_COUNT_SW_CPU_CLOCK, 100000, 0);
	ok &= fd[n] >= 0 && map_fd(fd[n++], 8, PROT_READ | PROT_WRITE) > 0;
	/* A tracepoint and the NMI event where they exist. */
	if (!tp_unavailable()) {
		struct perf_event_attr a;
		attr_init(&a, PERF_TYPE_TRACEPOINT, (u64)tp_raw_enter());
		a.sample_period = 1;
		a.sample_type = PERF_SAMPLE_RAW | PERF_SAMPLE_CALLCHAIN;
		fd[n] = perf_open(&a, 0, -1, -1, 0);
		ok &= fd[n] >= 0 && perf_ioctl(fd[n++], PERF_EVENT_IOC_SET_OUTPUT, owner) == 0;
	}
	if (hw_cycles_ok()) {
		struct perf_event_attr a;
		attr_init(&a, PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES);
		a.sample_period = 100000;
		a.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_CALLCHAIN;
		fd[n] = perf_open(&a, 0, -1, -1, 0);
		ok &= fd[n] >= 0 && map_fd(fd[n++], 2, PROT_READ | PROT_WRITE) > 0;
	}
	/* An event whose target thread is gone. */
	go = 0;
	if (pthread_create(&t, NULL, short_lived, NULL) == 0) {
		while (!worker_tid)
			sched_yield();
		struct perf_event_attr a;
		attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS);
		fd[n] = perf_open(&a, worker_tid, -1, -1, 0);
		ok &= fd[n++] >= 0;
		go = 1;
		pthread_join(t, NULL);
	} else {
		ok = 0;
	}
	/* Fill the rings (and overflow the 1-page one), keep the timer busy. */
	for (int i = 0; i < 64; i++)
		p[i * PG] = 1;
	for (volatile int i = 0; i < 2000000; i++)
		;
	/* A thread blocked in poll() on a perf fd when the process exits. */
	ok &= pthread_create(&t, NULL, poller, (void *)fd[1]) == 0;
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	ktap_result(ok, "left_all_perf_state_at_exit");
	fflush(stdout);
	_exit(ok ? 0 : 1);      /* exit_group with everything open and mapped */
}
