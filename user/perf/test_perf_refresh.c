/* test_perf_refresh: PERF_EVENT_IOC_REFRESH and signal-driven perf,
 * attr.sigtrap.
 * REFRESH(n) enables an event for exactly n overflows: n samples, then it
 * disables itself; with O_ASYNC, F_SETOWN and F_SETSIG each overflow
 * sends the signal with si_code POLL_IN and the last POLL_HUP, si_fd the
 * event's descriptor; F_SETOWN_EX aims them at one thread. REFRESH is
 * EINVAL for inherited and for counting events. Runs on a Linux host too
 * (software events only). */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "ktap.h"
#include "perf_test.h"

#define MAX_SIGS 64

static volatile int nsig, codes[MAX_SIGS], fds[MAX_SIGS], tids[MAX_SIGS];

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (nsig < MAX_SIGS) {
		codes[nsig] = si->si_code;
		fds[nsig] = si->si_fd;
		tids[nsig] = (int)syscall(SYS_gettid);
	}
	nsig++;
}

static int count_samples(const struct perf_event_header *h, void *arg)
{
	if (h->type == PERF_RECORD_SAMPLE)
		(*(int *)arg)++;
	return 0;
}

static long open_faults(int inherit, u64 period)
{
	struct perf_event_attr a;
	attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS);
	a.sample_period = period;
	a.sample_type = PERF_SAMPLE_IP;
	a.wakeup_events = 1;
	a.disabled = 1;
	a.inherit = inherit;
	return perf_open(&a, 0, -1, -1, 0);
}

static void t_refresh_three(void)
{
	int rtsig = SIGRTMIN + 1;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sig;
	sa.sa_flags = SA_SIGINFO;
	sigaction(rtsig, &sa, NULL);
	long fd = open_faults(0, 1);
	struct ring r;
	if (!EXPECT_GE(fd, 0) || !EXPECT_EQ(ring_map(&r, fd, 8, 0), 0))
		return;
	EXPECT_EQ(fcntl((int)fd, F_SETFL, O_ASYNC), 0);
	EXPECT_EQ(fcntl((int)fd, F_SETOWN, getpid()), 0);
	EXPECT_EQ(fcntl((int)fd, F_SETSIG, rtsig), 0);
	u8 *p = fresh_pages(10);
	nsig = 0;
	EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_REFRESH, 3), 0);
	for (int i = 0; i < 10; i++)
		p[i * PG] = 1;
	/* The signals come from deferred work: let it run. */
	for (int spin = 0; spin < 1000 && (nsig == 0 || codes[(nsig - 1) % MAX_SIGS] != POLL_HUP);
	     spin++)
		usleep(1000);
	int samples = 0;
	ring_pass(&r, count_samples, &samples);
	EXPECT_EQ(samples, 3);
	EXPECT_GE(nsig, 1);
	EXPECT_LE(nsig, 3);
	if (nsig >= 1) {
		EXPECT_EQ(codes[nsig - 1], POLL_HUP);
		for (int i = 0; i < nsig && i < MAX_SIGS; i++) {
			EXPECT_EQ(fds[i], (int)fd);
			if (i < nsig - 1)
				EXPECT_EQ(codes[i], POLL_IN);
		}
	}
	/* Disabled now: more faults, no more samples. */
	u8 *q = fresh_pages(4);
	for (int i = 0; i < 4; i++)
		q[i * PG] = 1;
	samples = 0;
	ring_pass(&r, count_samples, &samples);
	EXPECT_EQ(samples, 0);
	/* REFRESH again: two more. */
	EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_REFRESH, 2), 0);
	u8 *z = fresh_pages(5);
	for (int i = 0; i < 5; i++)
		z[i * PG] = 1;
	samples = 0;
	ring_pass(&r, count_samples, &samples);
	EXPECT_EQ(samples, 2);
	free_pages_(p, 10);
	free_pages_(q, 4);
	free_pages_(z, 5);
	ring_unmap(&r);
	perf_close(fd);
	signal(rtsig, SIG_DFL);
}

static void t_refresh_einval(void)
{
	long fd = open_faults(1, 1);            /* inherited */
	if (EXPECT_GE(fd, 0)) {
		EXPECT_ERRNO(perf_ioctl(fd, PERF_EVENT_IOC_REFRESH, 1), EINVAL);
		perf_close(fd);
	}
	fd = open_faults(0, 0);                 /* counting, not sampling */
	if (EXPECT_GE(fd, 0)) {
		EXPECT_ERRNO(perf_ioctl(fd, PERF_EVENT_IOC_REFRESH, 1), EINVAL);
		perf_close(fd);
	}
}

/* F_SETOWN to a pid that does not exist: ESRCH, nothing set. */
static void t_setown_dead_pid(void)
{
	long fd = open_faults(0, 1);
	if (!EXPECT_GE(fd, 0))
		return;
	EXPECT_EQ(fcntl((int)fd, F_SETOWN, 0x3fffffff), -1);
	EXPECT_EQ(errno, ESRCH);
	EXPECT_EQ(fcntl((int)fd, F_GETOWN), 0);
	perf_close(fd);
}

/* REFRESH adds to the limit as Linux does (an int, so a negative count
 * is accepted): a limit that is not positive never reaches zero, and
 * the event samples on without hanging up. */
static void t_refresh_negative(void)
{
	long fd = open_faults(0, 1);
	struct ring r;
	if (!EXPECT_GE(fd, 0) || !EXPECT_EQ(ring_map(&r, fd, 8, 0), 0))
		return;
	EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_REFRESH, -1), 0);
	u8 *p = fresh_pages(6);
	for (int i = 0; i < 6; i++)
		p[i * PG] = 1;
	perf_ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	int samples = 0;
	ring_pass(&r, count_samples, &samples);
	EXPECT_GE(samples, 6);
	free_pages_(p, 6);
	ring_unmap(&r);
	perf_close(fd);
}

static volatile int worker_tid, worker_stop;

static void *worker(void *arg)
{
	(void)arg;
	worker_tid = (int)syscall(SYS_gettid);
	while (!worker_stop)
		usleep(1000);
	return NULL;
}

/* F_SETOWN_EX: Linux's owner types and errnos, and F_OWNER_TID sends the
 * overflow signals to that thread, not to the one that overflowed. */
static void t_setown_ex(void)
{
	long fd = open_faults(0, 1);
	struct ring r;
	if (!EXPECT_GE(fd, 0) || !EXPECT_EQ(ring_map(&r, fd, 8, 0), 0))
		return;
	int f = (int)fd;
	struct f_owner_ex o = { .type = 99, .pid = 99 };
	EXPECT_EQ(fcntl(f, F_GETOWN_EX, &o), 0);        /* a new file: none */
	EXPECT_EQ(o.type, F_OWNER_TID);
	EXPECT_EQ(o.pid, 0);
	o = (struct f_owner_ex){ .type = 3, .pid = getpid() };
	EXPECT_EQ(fcntl(f, F_SETOWN_EX, &o), -1);
	EXPECT_EQ(errno, EINVAL);
	o = (struct f_owner_ex){ .type = F_OWNER_PID, .pid = 0x3fffffff };
	EXPECT_EQ(fcntl(f, F_SETOWN_EX, &o), -1);
	EXPECT_EQ(errno, ESRCH);
	EXPECT_EQ(fcntl(f, F_SETOWN_EX, (void *)8), -1);
	EXPECT_EQ(errno, EFAULT);
	EXPECT_EQ(fcntl(f, F_SETOWN, (int)0x80000000), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(fcntl(f, F_GETOWN), 0);               /* none of these took */
	EXPECT_EQ(fcntl(f, F_SETOWN, -getpgrp()), 0);
	EXPECT_EQ(fcntl(f, F_GETOWN), -getpgrp());
	EXPECT_EQ(fcntl(f, F_GETOWN_EX, &o), 0);
	EXPECT_EQ(o.type, F_OWNER_PGRP);
	EXPECT_EQ(o.pid, getpgrp());

	pthread_t th;
	worker_stop = 0;
	worker_tid = 0;
	if (!EXPECT_EQ(pthread_create(&th, NULL, worker, NULL), 0))
		return;
	while (!worker_tid)
		usleep(1000);
	int rtsig = SIGRTMIN + 2;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sig;
	sa.sa_flags = SA_SIGINFO;
	sigaction(rtsig, &sa, NULL);
	o = (struct f_owner_ex){ .type = F_OWNER_TID, .pid = worker_tid };
	EXPECT_EQ(fcntl(f, F_SETOWN_EX, &o), 0);
	EXPECT_EQ(fcntl(f, F_GETOWN), worker_tid);
	EXPECT_EQ(fcntl(f, F_SETSIG, rtsig), 0);
	EXPECT_EQ(fcntl(f, F_SETFL, O_ASYNC), 0);
	nsig = 0;
	EXPECT_EQ(perf_ioctl(fd, PERF_EVENT_IOC_REFRESH, 2), 0);
	u8 *p = fresh_pages(4);
	for (int i = 0; i < 4; i++)
		p[i * PG] = 1;
	for (int spin = 0; spin < 1000 && (nsig == 0 || codes[(nsig - 1) % MAX_SIGS] != POLL_HUP);
	     spin++)
		usleep(1000);
	EXPECT_GE(nsig, 1);
	for (int i = 0; i < nsig && i < MAX_SIGS; i++)
		EXPECT_EQ(tids[i], worker_tid);
	if (nsig >= 1)
		EXPECT_EQ(codes[nsig - 1], POLL_HUP);
	worker_stop = 1;
	pthread_join(th, NULL);
	free_pages_(p, 4);
	ring_unmap(&r);
	perf_close(fd);
	signal(rtsig, SIG_DFL);
}

static volatile int trap_code, traps;
static volatile u64 trap_addr, trap_data;
static volatile u32 trap_type;

static void on_trap(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	const unsigned char *raw = (const void *)si;
	traps++;
	trap_code = si->si_code;
	memcpy((void *)&trap_addr, raw + 16, 8);        /* si_addr */
	memcpy((void *)&trap_data, raw + 24, 8);        /* si_perf_data */
	memcpy((void *)&trap_type, raw + 32, 4);        /* si_perf_type */
}

/* attr.sigtrap: each overflow sends SIGTRAP to the thread, TRAP_PERF,
 * with the sample's address (none for a tracepoint), sig_data and the
 * event type. A tracepoint, not page faults: delivering the signal may
 * fault in a stack page itself. */
static void t_sigtrap(void)
{
	long tp = tp_sys_enter("getppid");
	if (tp <= 0) {
		KTAP_SKIP("no syscall tracepoints here");
		return;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_trap;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGTRAP, &sa, NULL);
	struct perf_event_attr a;
	attr_init(&a, PERF_TYPE_TRACEPOINT, (u64)tp);
	a.sample_period = 1;
	a.sample_type = PERF_SAMPLE_ADDR;
	a.sigtrap = 1;
	a.remove_on_exec = 1;
	a.sig_data = 0xfeedface;
	a.disabled = 1;
	long fd = perf_open(&a, 0, -1, -1, 0);
	if (!EXPECT_GE(fd, 0))
		return;
	traps = 0;
	perf_ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	getppid();
	getppid();
	perf_ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	EXPECT_EQ(traps, 2);
	EXPECT_EQ(trap_code, 6);                        /* TRAP_PERF */
	EXPECT_EQ_HEX(trap_addr, 0);
	EXPECT_EQ_HEX(trap_data, 0xfeedface);
	EXPECT_EQ(trap_type, PERF_TYPE_TRACEPOINT);
	perf_close(fd);
	signal(SIGTRAP, SIG_DFL);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_sigtrap),
	KTAP_CASE(t_refresh_three),
	KTAP_CASE(t_refresh_einval),
	KTAP_CASE(t_setown_dead_pid),
	KTAP_CASE(t_refresh_negative),
	KTAP_CASE(t_setown_ex),
};

int main(void)
{
	return ktap_run(cases, KTAP_COUNT(cases));
}
