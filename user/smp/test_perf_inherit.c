/* attr.inherit: events that follow new threads and forked processes,
 * checked against what Linux does (runs unchanged on a Linux host with
 * tracefs mounted).
 *
 * The workload is exact: every getppid() is one hit of
 * syscalls:sys_enter_getppid, so counts can be asserted to the unit. */
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include "ktap.h"
#include "perf_test.h"

#define CALLS 50

static long tp;                 /* syscalls:sys_enter_getppid */

static void getppid_n(int n)
{
	for (int i = 0; i < n; i++)
		syscall(SYS_getppid);
}

static void *worker(void *arg)
{
	getppid_n((int)(long)arg);
	return NULL;
}

static void run_threads(int nthreads, int calls)
{
	pthread_t t[8];
	for (int i = 0; i < nthreads; i++)
		pthread_create(&t[i], NULL, worker, (void *)(long)calls);
	for (int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
}

static long open_tp_on(int inherit, u64 sample_period, u64 sample_type, u64 read_format, int cpu)
{
	struct perf_event_attr a;
	attr_init(&a, PERF_TYPE_TRACEPOINT, (u64)tp);
	a.inherit = inherit;
	a.sample_period = sample_period;
	a.sample_type = sample_type;
	a.read_format = read_format;
	a.disabled = 1;
	return perf_open(&a, 0, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static long open_tp(int inherit, u64 sample_period, u64 sample_type, u64 read_format)
{
	return open_tp_on(inherit, sample_period, sample_type, read_format, -1);
}

static int pin_cpu0(cpu_set_t *old)
{
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(0, &s);
	return sched_getaffinity(0, sizeof(*old), old) || sched_setaffinity(0, sizeof(s), &s);
}

/* Counts of threads created after the open add up in the parent's read,
 * once they have exited. */
static void t_inherit_counts_exited_threads(void)
{
	long fd = open_tp(1, 0, 0, PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING);
	if (!EXPECT_GE(fd, 0))
		return;
	EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_ENABLE, 0), 0);
	getppid_n(CALLS);
	run_threads(3, CALLS);
	EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_DISABLE, 0), 0);
	u64 v[3];
	EXPECT_EQ(perf_read(fd, v, 3), 24);
	EXPECT_EQ(v[0], 4 * CALLS);
	EXPECT_GE(v[1], v[2]);          /* enabled >= running, children included */
	EXPECT_GT(v[2], 0);
	perf_close(fd);
}

/* Without inherit, other threads' calls are not seen. */
static void t_no_inherit_counts_only_self(void)
{
	long fd = open_tp(0, 0, 0, 0);
	if (!EXPECT_GE(fd, 0))
		return;
	EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_ENABLE, 0), 0);
	getppid_n(CALLS);
	run_threads(2, CALLS);
	EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_DISABLE, 0), 0);
	EXPECT_EQ(perf_count(fd), CALLS);
	perf_close(fd);
}

static atomic_int phase;

static void wait_phase(int p)
{
	while (atomic_load(&phase) < p)
		sched_yield();
}

static void *stepper(void *arg)
{
	wait_phase(1);
	getppid_n(CALLS);               /* counted: enabled */
	atomic_store(&phase, 2);
	wait_phase(3);
	getppid_n(CALLS);               /* not counted: the parent disabled all */
	atomic_store(&phase, 4);
	wait_phase(5);
	getppid_n(CALLS);               /* counted again */
	atomic_store(&phase, 6);
	wait_phase(7);
	return NULL;
}

/* A live child is read through the parent, and ENABLE/DISABLE on the
 * parent reach it. */
static void t_inherit_live_child_follows_ioctls(void)
{
	long fd = open_tp(1, 0, 0, 0);
	if (!EXPECT_GE(fd, 0))
		return;
	EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_ENABLE, 0), 0);
	atomic_store(&phase, 0);
	pthread_t t;
	pthread_create(&t, NULL, stepper, NULL);
	atomic_store(&phase, 1);
	wait_phase(2);
	EXPECT_EQ(perf_count(fd), CALLS);       /* the live child's count */
	EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_DISABLE, 0), 0);
	atomic_store(&phase, 3);
	wait_phase(4);
	EXPECT_EQ(perf_count(fd), CALLS);
	EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_ENABLE, 0), 0);
	atomic_store(&phase, 5);
	wait_phase(6);
	EXPECT_EQ(perf_count(fd), 2 * CALLS);
	EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_RESET, 0), 0);
	EXPECT_EQ(perf_count(fd), 0);           /* RESET reaches the child too */
	atomic_store(&phase, 7);
	pthread_join(t, NULL);
	perf_close(fd);
}

struct seen {
	u64 id;
	int parent_tid, from_parent, from_children, bad_id;
};

static int on_sample(const struct perf_event_header *h, void *arg)
{
	struct seen *s = arg;
	struct sample smp;
	if (h->type != PERF_RECORD_SAMPLE)
		return 0;
	if (parse_sample(h, PERF_SAMPLE_TID | PERF_SAMPLE_ID | PERF_SAMPLE_STREAM_ID |
			 PERF_SAMPLE_IDENTIFIER, 0, &smp)) {
		s->bad_id++;
		return 0;
	}
	if (smp.id != s->id || smp.identifier != s->id)
		s->bad_id++;
	if ((int)smp.tid == s->parent_tid) {
		s->from_parent++;
	} else {
		s->from_children++;
	}
	return 0;
}

/* Samples of inherited copies land in the parent's buffer with the
 * parent's id (ID, IDENTIFIER) and their thread's tid. (STREAM_ID is not
 * checked: Linux swaps equivalent contexts between a parent and its
 * clones at context switches, so which copy counted varies.) As on
 * Linux, only a per-CPU inherited event can be mapped: the whole process
 * runs on CPU 0 for this. */
static void t_inherit_samples_go_to_parent_buffer(void)
{
	u64 st = PERF_SAMPLE_TID | PERF_SAMPLE_ID | PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_IDENTIFIER;
	long any = open_tp(1, 1, st, 0);
	if (!EXPECT_GE(any, 0))
		return;
	struct ring r;
	EXPECT_ERRNO(ring_map(&r, any, 16, 0), EINVAL);         /* cpu -1 + inherit */
	perf_close(any);
	cpu_set_t old;
	if (!EXPECT_EQ(pin_cpu0(&old), 0))
		return;
	long fd = open_tp_on(1, 1, st, 0, 0);
	if (!EXPECT_GE(fd, 0))
		goto out;
	if (!EXPECT_EQ(ring_map(&r, fd, 16, 0), 0)) {
		perf_close(fd);
		goto out;
	}
	struct seen s = { .id = perf_id(fd), .parent_tid = (int)syscall(SYS_gettid) };
	EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_ENABLE, 0), 0);
	getppid_n(10);
	run_threads(2, 10);
	EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_DISABLE, 0), 0);
	EXPECT_GE(ring_pass(&r, on_sample, &s), 30);
	EXPECT_EQ(s.from_parent, 10);
	EXPECT_EQ(s.from_children, 20);
	EXPECT_EQ(s.bad_id, 0);
	ring_unmap(&r);
	perf_close(fd);
out:
	sched_setaffinity(0, sizeof(old), &old);
}

/* n forked children each make `calls` getppid calls and exit; 0 if every
 * one exited 0. */
static int run_children(int n, int calls, int *pids)
{
	int bad = 0;
	for (int i = 0; i < n; i++) {
		pid_t p = fork();
		if (p == 0) {
			getppid_n(calls);
			_exit(0);
		}
		pids[i] = (int)p;
		bad |= p < 0;
	}
	for (int i = 0; i < n; i++) {
		int st;
		bad |= pids[i] <= 0 || waitpid(pids[i], &st, 0) != pids[i] || st != 0;
	}
	return bad;
}

/* Forked children are followed as threads are: their counts add up in
 * the parent's read once they have exited; without inherit they do not. */
static void t_inherit_counts_forked_children(void)
{
	int pids[3];
	for (int inherit = 0; inherit <= 1; inherit++) {
		long fd = open_tp(inherit, 0, 0, 0);
		if (!EXPECT_GE(fd, 0))
			return;
		EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_ENABLE, 0), 0);
		getppid_n(CALLS);
		EXPECT_EQ(run_children(3, CALLS, pids), 0);
		EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_DISABLE, 0), 0);
		EXPECT_EQ(perf_count(fd), inherit ? 4 * CALLS : CALLS);
		perf_close(fd);
	}
}

struct by_pid {
	u64 id;
	int self, child, from_self, from_child, other, bad;
};

static int on_fork_sample(const struct perf_event_header *h, void *arg)
{
	struct by_pid *s = arg;
	struct sample smp;
	if (h->type != PERF_RECORD_SAMPLE)
		return 0;
	if (parse_sample(h, PERF_SAMPLE_TID | PERF_SAMPLE_IDENTIFIER, 0, &smp) ||
	    smp.identifier != s->id) {
		s->bad++;
		return 0;
	}
	if ((int)smp.pid == s->self && (int)smp.tid == s->self)
		s->from_self++;
	else if ((int)smp.pid == s->child && (int)smp.tid == s->child)
		s->from_child++;
	else
		s->other++;
	return 0;
}

/* A forked child's samples land in the parent's buffer, with the child's
 * pid and tid (the child has no mapping of its own). */
static void t_inherit_samples_from_forked_child(void)
{
	cpu_set_t old;
	if (!EXPECT_EQ(pin_cpu0(&old), 0))
		return;
	long fd = open_tp_on(1, 1, PERF_SAMPLE_TID | PERF_SAMPLE_IDENTIFIER, 0, 0);
	struct ring r;
	if (!EXPECT_GE(fd, 0) || !EXPECT_EQ(ring_map(&r, fd, 16, 0), 0))
		goto out;
	struct by_pid s = { .id = perf_id(fd), .self = getpid() };
	EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_ENABLE, 0), 0);
	getppid_n(10);
	EXPECT_EQ(run_children(1, 20, &s.child), 0);
	EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_DISABLE, 0), 0);
	EXPECT_EQ(ring_pass(&r, on_fork_sample, &s), 30);
	EXPECT_EQ(s.from_self, 10);
	EXPECT_EQ(s.from_child, 20);
	EXPECT_EQ(s.other + s.bad, 0);
	ring_unmap(&r);
	perf_close(fd);
out:
	sched_setaffinity(0, sizeof(old), &old);
}

static void *slow_worker(void *arg)
{
	wait_phase(1);
	getppid_n(CALLS);
	atomic_store(&phase, 2);
	return NULL;
}

/* Closing the parent while a child thread lives removes the child's copy;
 * the thread goes on unharmed. */
static void t_inherit_close_parent_with_live_child(void)
{
	long fd = open_tp(1, 0, 0, 0);
	if (!EXPECT_GE(fd, 0))
		return;
	EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_ENABLE, 0), 0);
	atomic_store(&phase, 0);
	pthread_t t;
	pthread_create(&t, NULL, slow_worker, NULL);
	EXPECT_EQ(perf_close(fd), 0);
	atomic_store(&phase, 1);
	wait_phase(2);
	pthread_join(t, NULL);
}

/* Linux's attribute rules around inherit. */
static void t_inherit_attr_rules(void)
{
	struct perf_event_attr a;
	attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_DUMMY);
	a.inherit_thread = 1;
	EXPECT_ERRNO(perf_open(&a, 0, -1, -1, 0), EINVAL);      /* needs inherit */
	attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_DUMMY);
	a.inherit = 1;
	a.sample_period = 1;
	a.sample_type = PERF_SAMPLE_READ;
	EXPECT_ERRNO(perf_open(&a, 0, -1, -1, 0), EINVAL);      /* READ needs TID */
	a.sample_type = PERF_SAMPLE_READ | PERF_SAMPLE_TID;
	long fd = perf_open(&a, 0, -1, -1, 0);
	EXPECT_GE(fd, 0);
	if (fd >= 0)
		perf_close(fd);
	attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_DUMMY);
	a.remove_on_exec = 1;
	a.enable_on_exec = 1;
	EXPECT_ERRNO(perf_open(&a, 0, -1, -1, 0), EINVAL);
}

struct reads_seen {
	u64 id;
	int n, bad;
	u32 pid[4], tid[4];
	u64 value[4], trailer_tid[4];
};

/* READ { pid, tid, value, id } + trailer { pid, tid, identifier }. */
static int on_read_record(const struct perf_event_header *h, void *arg)
{
	struct reads_seen *s = arg;
	if (h->type != PERF_RECORD_READ)
		return 0;
	const u64 *w = (const u64 *)(h + 1);
	if (h->size != 8 + 5 * 8 || w[2] != s->id || w[4] != s->id || s->n == 4) {
		ktap_diag("READ record of %u bytes", h->size);
		s->bad++;
		return 0;
	}
	s->pid[s->n] = (u32)w[0];
	s->tid[s->n] = (u32)(w[0] >> 32);
	s->value[s->n] = w[1];
	s->trailer_tid[s->n] = w[3];
	s->n++;
	return 0;
}

/* attr.inherit_stat: as each child task exits, a PERF_RECORD_READ with
 * its own count goes to the parent's buffer (Linux's sync_child_event). */
static void t_inherit_stat_read_records(void)
{
	cpu_set_t old;
	if (!EXPECT_EQ(pin_cpu0(&old), 0))
		return;
	struct perf_event_attr a;
	attr_init(&a, PERF_TYPE_TRACEPOINT, (u64)tp);
	a.inherit = 1;
	a.inherit_stat = 1;
	a.read_format = PERF_FORMAT_ID;
	a.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_IDENTIFIER;
	a.sample_id_all = 1;
	a.disabled = 1;
	/* Inherited events map only per CPU (Linux): all on CPU 0. */
	long fd = perf_open(&a, 0, 0, -1, PERF_FLAG_FD_CLOEXEC);
	struct ring r;
	if (!EXPECT_GE(fd, 0) || !EXPECT_EQ(ring_map(&r, fd, 16, 0), 0))
		goto out;
	struct reads_seen s = { .id = perf_id(fd) };
	int pids[2];
	EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_ENABLE, 0), 0);
	getppid_n(3);
	EXPECT_EQ(run_children(2, 7, pids), 0);
	EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_DISABLE, 0), 0);
	ring_pass(&r, on_read_record, &s);
	EXPECT_EQ(s.bad, 0);
	/* Linux may swap a parent's and a child's identical contexts at a
	 * context switch instead of switching events, and then writes no
	 * READ for that child: only Ringtail promises one per child. */
	if (on_ringtail())
		EXPECT_EQ(s.n, 2);
	else
		EXPECT_LE(s.n, 2);
	{
		for (int i = 0; i < s.n && i < 2; i++) {
			int k = (int)s.pid[i] == pids[0] ? 0 : 1;
			EXPECT_EQ((int)s.pid[i], pids[k]);
			EXPECT_EQ((int)s.tid[i], pids[k]);
			EXPECT_EQ(s.value[i], 7);
			EXPECT_EQ(s.trailer_tid[i], ((u64)pids[k] << 32) | (u32)pids[k]);
		}
	}
	EXPECT_EQ(perf_count(fd), 3 + 2 * 7);
	ring_unmap(&r);
	perf_close(fd);

	/* Without inherit_stat: no READ records. */
	a.inherit_stat = 0;
	fd = perf_open(&a, 0, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (!EXPECT_GE(fd, 0) || !EXPECT_EQ(ring_map(&r, fd, 16, 0), 0))
		goto out;
	memset(&s, 0, sizeof(s));
	s.id = perf_id(fd);
	EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_ENABLE, 0), 0);
	EXPECT_EQ(run_children(1, 2, pids), 0);
	EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_DISABLE, 0), 0);
	ring_pass(&r, on_read_record, &s);
	EXPECT_EQ(s.n + s.bad, 0);
	ring_unmap(&r);
	perf_close(fd);
out:
	sched_setaffinity(0, sizeof(old), &old);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_inherit_counts_exited_threads),
	KTAP_CASE(t_no_inherit_counts_only_self),
	KTAP_CASE(t_inherit_live_child_follows_ioctls),
	KTAP_CASE(t_inherit_samples_go_to_parent_buffer),
	KTAP_CASE(t_inherit_counts_forked_children),
	KTAP_CASE(t_inherit_samples_from_forked_child),
	KTAP_CASE(t_inherit_close_parent_with_live_child),
	KTAP_CASE(t_inherit_attr_rules),
	KTAP_CASE(t_inherit_stat_read_records),
};

int main(void)
{
	tp = tp_sys_enter("getppid");
	if (tp <= 0) {
		ktap_plan(0);
		printf("# SKIP no tracepoints here: %s\n", tp_unavailable());
		return 0;
	}
	return ktap_run(cases, KTAP_COUNT(cases));
}
