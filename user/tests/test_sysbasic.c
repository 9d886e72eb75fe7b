/* test_sysbasic: the success paths of the simple syscalls - identities,
 * uname, clocks and sleeps, poll, prctl names, the console (fstat, ioctl,
 * write/writev return values), getrandom, CPU affinity, getrusage,
 * resource limits.
 * Error paths are in test_syscalls. Raw syscalls throughout (RSYS), so
 * musl's wrappers (and its vDSO use) do not hide what the kernel does.
 * Time bounds are generous: they catch "never sleeps" and "sleeps forever"
 * but not a slow emulator.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "ktap.h"
#include "rt_user.h"

#define MS 1000000ull
#define SLOW_LIMIT (5000 * MS)   /* a sleep must end within 5 s */

static const int clocks[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME };

static int console_checks(void)
{
	/* Ringtail's console is a terminal; so is compare_host.py's pty. */
	struct winsize ws;
	return on_ringtail() || RSYS(SYS_ioctl, 1, TIOCGWINSZ, &ws) == 0;
}

static void t_ids(void)
{
	long pid = RSYS(SYS_getpid), tid = RSYS(SYS_gettid), ppid = RSYS(SYS_getppid);
	EXPECT_GT(pid, 0);
	EXPECT_EQ(tid, pid);                       /* the main thread */
	EXPECT_GE(ppid, 0);
	EXPECT_NE(ppid, pid);
	EXPECT_EQ(RSYS(SYS_getpid), pid);          /* stable */
	EXPECT_EQ(RSYS(SYS_getuid), RSYS(SYS_geteuid));
	EXPECT_EQ(RSYS(SYS_getgid), RSYS(SYS_getegid));
	EXPECT_EQ(RSYS(SYS_getpgid, 0), RSYS(SYS_getpgid, pid));
	EXPECT_GT(RSYS(SYS_getpgid, 0), 0);
	if (on_ringtail()) {
		EXPECT_EQ(RSYS(SYS_getuid), 0);
		EXPECT_EQ(RSYS(SYS_getgid), 0);
		EXPECT_EQ(RSYS(SYS_getpgid, 0), pid);
	}
}

static void t_set_tid_address(void)
{
	static int word;
	/* Single-threaded, so nothing ever uses the address; musl's own is
	 * only needed when threads exit. */
	EXPECT_EQ(RSYS(SYS_set_tid_address, &word), RSYS(SYS_gettid));
	EXPECT_EQ(word, 0);                        /* not written now */
}

static void t_set_robust_list(void)
{
	static long head[3];
	head[0] = (long)head;                      /* an empty list */
	EXPECT_EQ(RSYS(SYS_set_robust_list, head, sizeof(head)), 0);
}

static void t_uname(void)
{
	struct utsname u;
	memset(&u, 0x55, sizeof(u));
	if (!EXPECT_EQ(RSYS(SYS_uname, &u), 0))
		return;
	EXPECT_TRUE(memchr(u.sysname, 0, sizeof(u.sysname)) != NULL);
	EXPECT_TRUE(memchr(u.release, 0, sizeof(u.release)) != NULL);
	EXPECT_TRUE(memchr(u.version, 0, sizeof(u.version)) != NULL);
	EXPECT_TRUE(memchr(u.nodename, 0, sizeof(u.nodename)) != NULL);
	EXPECT_STREQ(u.sysname, "Linux");       /* Ringtail too: programs choose by it */
	EXPECT_STREQ(u.machine, "x86_64");
	EXPECT_GT(strlen(u.release), 0);
}

static void t_clock_gettime(void)
{
	for (unsigned i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		struct timespec ts = { -1, -1 };
		if (!EXPECT_EQ(RSYS(SYS_clock_gettime, clocks[i], &ts), 0))
			continue;
		EXPECT_GE(ts.tv_sec, 0);
		EXPECT_GE(ts.tv_nsec, 0);
		EXPECT_LT(ts.tv_nsec, 1000000000);
	}
}

static void t_clock_monotonic_never_backwards(void)
{
	static const int mono[] = { CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_BOOTTIME };
	for (unsigned c = 0; c < 3; c++) {
		uint64_t prev = now_ns(mono[c]), t, first = prev;
		int back = 0;
		for (int i = 0; i < 20000; i++) {
			t = now_ns(mono[c]);
			back += t < prev;
			prev = t;
		}
		EXPECT_EQ(back, 0);
		EXPECT_GT(prev, first);                /* and it moves */
	}
	/* BOOTTIME = MONOTONIC + time suspended, never less. */
	uint64_t m = now_ns(CLOCK_MONOTONIC), b = now_ns(CLOCK_BOOTTIME);
	EXPECT_GE(b, m);
}

static void t_clock_getres(void)
{
	for (unsigned i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		struct timespec ts = { -1, -1 };
		if (!EXPECT_EQ(RSYS(SYS_clock_getres, clocks[i], &ts), 0))
			continue;
		EXPECT_EQ(ts.tv_sec, 0);
		EXPECT_GT(ts.tv_nsec, 0);
		EXPECT_LE(ts.tv_nsec, 10 * 1000 * 1000);
	}
}

static void t_nanosleep(void)
{
	struct timespec req = { 0, 20 * MS }, rem = { 7, 7 };
	uint64_t t0 = now_ns(CLOCK_MONOTONIC), dt;
	EXPECT_EQ(RSYS(SYS_nanosleep, &req, &rem), 0);
	dt = now_ns(CLOCK_MONOTONIC) - t0;
	EXPECT_GE(dt, 20 * MS);                    /* never early */
	EXPECT_LT(dt, SLOW_LIMIT);
	req.tv_nsec = 0;
	EXPECT_EQ(RSYS(SYS_nanosleep, &req, NULL), 0);
}

static void t_clock_nanosleep(void)
{
	struct timespec req = { 0, 15 * MS };
	uint64_t t0 = now_ns(CLOCK_MONOTONIC), dt, deadline;
	EXPECT_EQ(RSYS(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &req, NULL), 0);
	dt = now_ns(CLOCK_MONOTONIC) - t0;
	EXPECT_GE(dt, 15 * MS);
	EXPECT_LT(dt, SLOW_LIMIT);
	/* Absolute deadline. */
	deadline = now_ns(CLOCK_MONOTONIC) + 15 * MS;
	req.tv_sec = deadline / 1000000000ull;
	req.tv_nsec = deadline % 1000000000ull;
	EXPECT_EQ(RSYS(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &req, NULL), 0);
	EXPECT_GE(now_ns(CLOCK_MONOTONIC), deadline);
	/* CLOCK_REALTIME, relative, and BOOTTIME absolute in the past. */
	req = (struct timespec){ 0, 5 * MS };
	t0 = now_ns(CLOCK_MONOTONIC);
	EXPECT_EQ(RSYS(SYS_clock_nanosleep, CLOCK_REALTIME, 0, &req, NULL), 0);
	EXPECT_GE(now_ns(CLOCK_MONOTONIC) - t0, 5 * MS);
	req = (struct timespec){ 0, 1 };
	EXPECT_EQ(RSYS(SYS_clock_nanosleep, CLOCK_BOOTTIME, TIMER_ABSTIME, &req, NULL), 0);
}

static void t_realtime_follows_monotonic(void)
{
	struct timespec req = { 0, 50 * MS };
	uint64_t r0 = now_ns(CLOCK_REALTIME), m0 = now_ns(CLOCK_MONOTONIC);
	RSYS(SYS_nanosleep, &req, NULL);
	int64_t dr = (int64_t)(now_ns(CLOCK_REALTIME) - r0), dm = (int64_t)(now_ns(CLOCK_MONOTONIC) - m0);
	EXPECT_GE(dr, 40 * (int64_t)MS);
	EXPECT_LT(dr - dm, 1000 * (int64_t)MS);
	EXPECT_LT(dm - dr, 1000 * (int64_t)MS);
}

static void t_sched_yield(void)
{
	for (int i = 0; i < 100; i++)
		if (RSYS(SYS_sched_yield) != 0)
			KTAP_FAIL("sched_yield failed");
}

static void t_poll(void)
{
	struct pollfd p[3] = { { .fd = 1, .events = POLLOUT }, { .fd = 1000, .events = POLLIN },
			       { .fd = -1, .events = POLLIN } };
	uint64_t t0;

	p[0].revents = p[1].revents = p[2].revents = 0x7777;
	EXPECT_EQ(RSYS(SYS_poll, p, 3, 0), 2);
	EXPECT_EQ(p[0].revents, POLLOUT);          /* the console takes output */
	EXPECT_EQ(p[1].revents, POLLNVAL);         /* a closed fd is reported, not an error */
	EXPECT_EQ(p[2].revents, 0);                /* a negative fd is ignored */
	/* No fds: a plain sleep. */
	t0 = now_ns(CLOCK_MONOTONIC);
	EXPECT_EQ(RSYS(SYS_poll, NULL, 0, 20), 0);
	EXPECT_GE(now_ns(CLOCK_MONOTONIC) - t0, 20 * MS);
	EXPECT_LT(now_ns(CLOCK_MONOTONIC) - t0, SLOW_LIMIT);
}

static void t_ppoll(void)
{
	struct pollfd p = { .fd = -1, .events = POLLIN };
	struct timespec ts = { 0, 20 * MS };
	uint64_t t0 = now_ns(CLOCK_MONOTONIC);
	sigset_t mask;
	sigemptyset(&mask);
	EXPECT_EQ(RSYS(SYS_ppoll, &p, 1, &ts, &mask, 8), 0);
	EXPECT_GE(now_ns(CLOCK_MONOTONIC) - t0, 20 * MS);
	p = (struct pollfd){ .fd = 2, .events = POLLOUT };
	ts = (struct timespec){ 5, 0 };
	EXPECT_EQ(RSYS(SYS_ppoll, &p, 1, &ts, NULL, 8), 1);
	EXPECT_EQ(p.revents, POLLOUT);
}

static void t_prctl_name(void)
{
	char name[32];
	memset(name, 'x', sizeof(name));
	EXPECT_EQ(RSYS(SYS_prctl, PR_SET_NAME, "rt-name-that-is-too-long"), 0);
	EXPECT_EQ(RSYS(SYS_prctl, PR_GET_NAME, name), 0);
	EXPECT_STREQ(name, "rt-name-that-is");         /* 15 characters kept */
	EXPECT_EQ(name[16], 'x');                      /* exactly 16 bytes written */
	EXPECT_EQ(RSYS(SYS_prctl, PR_SET_NAME, "short"), 0);
	EXPECT_EQ(RSYS(SYS_prctl, PR_GET_NAME, name), 0);
	EXPECT_STREQ(name, "short");
}

static void t_console_fstat(void)
{
	struct stat st;
	if (!console_checks()) {
		KTAP_SKIP("stdout is not a terminal on this Linux host");
		return;
	}
	for (int fd = 0; fd < 3; fd++) {
		memset(&st, 0, sizeof(st));
		if (EXPECT_EQ(RSYS(SYS_fstat, fd, &st), 0))
			EXPECT_TRUE(S_ISCHR(st.st_mode));
	}
}

static void t_console_winsize(void)
{
	struct winsize ws = { 0 };
	if (!console_checks()) {
		KTAP_SKIP("stdout is not a terminal on this Linux host");
		return;
	}
	if (!EXPECT_EQ(RSYS(SYS_ioctl, 1, TIOCGWINSZ, &ws), 0))
		return;
	EXPECT_GT(ws.ws_row, 0);
	EXPECT_GT(ws.ws_col, 0);
	if (on_ringtail()) {
		EXPECT_EQ(ws.ws_row, 24);
		EXPECT_EQ(ws.ws_col, 80);
	}
}

static void t_write_writev(void)
{
	static const char line[] = "# write: one line\n";
	struct iovec iov[3] = { { "# wri", 5 }, { "tev: three ", 11 }, { "pieces\n", 7 } };
	fflush(stdout);
	EXPECT_EQ(RSYS(SYS_write, 1, line, sizeof(line) - 1), sizeof(line) - 1);
	EXPECT_EQ(RSYS(SYS_writev, 1, iov, 3), 23);
	EXPECT_EQ(RSYS(SYS_write, 2, "", 0), 0);
	iov[0].iov_len = 0;
	EXPECT_EQ(RSYS(SYS_writev, 2, iov, 1), 0);
}

static void t_getrandom(void)
{
	unsigned char a[64], b[64];
	int za = 0;
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	EXPECT_EQ(RSYS(SYS_getrandom, a, sizeof(a), 0), 64);
	EXPECT_EQ(RSYS(SYS_getrandom, b, sizeof(b), 1 /* GRND_NONBLOCK */), 64);
	for (int i = 0; i < 64; i++)
		za += a[i] == 0;
	EXPECT_LT(za, 16);
	EXPECT_NE(memcmp(a, b, sizeof(a)), 0);
}

static void t_affinity_getcpu(void)
{
	unsigned long mask[16];
	unsigned cpu = ~0u, node = ~0u;
	long n;
	memset(mask, 0, sizeof(mask));
	n = RSYS(SYS_sched_getaffinity, 0, sizeof(mask), mask);
	if (!EXPECT_GT(n, 0))
		return;
	EXPECT_EQ(n % 8, 0);
	EXPECT_EQ(RSYS(SYS_getcpu, &cpu, &node, NULL), 0);
	if (EXPECT_LT(cpu, 1024))
		EXPECT_TRUE(mask[cpu / 64] >> (cpu % 64) & 1);
	EXPECT_LT(node, 1024);
	EXPECT_EQ(RSYS(SYS_sched_getaffinity, RSYS(SYS_getpid), sizeof(mask), mask), n);
	/* Setting the same mask again is fine, and we stay inside it. */
	EXPECT_EQ(RSYS(SYS_sched_setaffinity, 0, n, mask), 0);
	EXPECT_EQ(RSYS(SYS_getcpu, &cpu, NULL, NULL), 0);
	if (EXPECT_LT(cpu, 1024))
		EXPECT_TRUE(mask[cpu / 64] >> (cpu % 64) & 1);
}

static void t_getrusage(void)
{
	struct rusage a, b;
	memset(&a, 0xff, sizeof(a));
	memset(&b, 0xff, sizeof(b));
	EXPECT_EQ(RSYS(SYS_getrusage, RUSAGE_SELF, &a), 0);
	EXPECT_EQ(RSYS(SYS_getrusage, RUSAGE_THREAD, &b), 0);
	EXPECT_GE(a.ru_minflt, 0);
	EXPECT_GE(b.ru_minflt, 0);
	EXPECT_GE(a.ru_minflt, b.ru_minflt);       /* one thread: the same or less */
	EXPECT_GE(a.ru_utime.tv_usec, 0);
	EXPECT_LT(a.ru_utime.tv_usec, 1000000);
}

static void t_madvise_accepted(void)
{
	static const int adv[] = { MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED };
	char *p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!EXPECT_TRUE(p != MAP_FAILED))
		return;
	p[0] = 1;
	for (unsigned i = 0; i < 4; i++)
		EXPECT_EQ(RSYS(SYS_madvise, p, 4 * 4096, adv[i]), 0);
	EXPECT_EQ(p[0], 1);                        /* none of these drop data */
	munmap(p, 4 * 4096);
}

static void t_kill_sig0(void)
{
	long pid = RSYS(SYS_getpid);
	EXPECT_EQ(RSYS(SYS_kill, pid, 0), 0);
	EXPECT_EQ(RSYS(SYS_tgkill, pid, RSYS(SYS_gettid), 0), 0);
}

/* Resource limits: reading and changing them with Linux's errnos, and
 * RLIMIT_NOFILE bounding the descriptors dup, dup2 and F_DUPFD hand out. */
static void t_rlimits(void)
{
	struct rlimit r, saved, memlock;
	EXPECT_EQ(RSYS(SYS_getrlimit, RLIMIT_NOFILE, &saved), 0);
	EXPECT_TRUE(saved.rlim_cur >= 64 && saved.rlim_cur <= saved.rlim_max);
	EXPECT_ERRNO(RSYS(SYS_getrlimit, RLIM_NLIMITS, &r), EINVAL);
	EXPECT_ERRNO(RSYS(SYS_getrlimit, RLIMIT_NOFILE, 8), EFAULT);
	EXPECT_ERRNO(RSYS(SYS_setrlimit, RLIMIT_NOFILE, 8), EFAULT);
	r.rlim_cur = saved.rlim_max;
	r.rlim_max = saved.rlim_max - 1;
	EXPECT_ERRNO(RSYS(SYS_setrlimit, RLIMIT_NOFILE, &r), EINVAL);
	EXPECT_ERRNO(RSYS(SYS_prlimit64, 0x7ffffff0, RLIMIT_NOFILE, NULL, &r), ESRCH);
	/* Changing the soft limit below the hard one needs no privilege
	 * (raising the hard one does: a container's root may lack it). */
	EXPECT_EQ(RSYS(SYS_getrlimit, RLIMIT_MEMLOCK, &memlock), 0);
	struct rlimit lower = { memlock.rlim_max / 2, memlock.rlim_max };
	EXPECT_EQ(RSYS(SYS_prlimit64, 0, RLIMIT_MEMLOCK, &lower, &r), 0);
	EXPECT_EQ(r.rlim_cur, memlock.rlim_cur);
	EXPECT_EQ(RSYS(SYS_prlimit64, RSYS(SYS_getpid), RLIMIT_MEMLOCK, NULL, &r), 0);
	EXPECT_EQ(r.rlim_cur, memlock.rlim_max / 2);
	EXPECT_EQ(RSYS(SYS_setrlimit, RLIMIT_MEMLOCK, &memlock), 0);

	r.rlim_cur = 10;
	r.rlim_max = saved.rlim_max;
	if (!EXPECT_EQ(RSYS(SYS_setrlimit, RLIMIT_NOFILE, &r), 0))
		return;
	long fds[10], n = 0, fd;
	while (n < 10 && (fd = RSYS(SYS_dup, 0)) >= 0)
		fds[n++] = fd;
	EXPECT_ERRNO(RSYS(SYS_dup, 0), EMFILE);
	for (long i = 0; i < n; i++)
		EXPECT_TRUE(fds[i] < 10);
	EXPECT_ERRNO(RSYS(SYS_dup2, 0, 10), EBADF);
	EXPECT_ERRNO(RSYS(SYS_fcntl, 0, F_DUPFD, 10), EINVAL);
	for (long i = 0; i < n; i++)
		RSYS(SYS_close, fds[i]);
	EXPECT_EQ(RSYS(SYS_setrlimit, RLIMIT_NOFILE, &saved), 0);
	EXPECT_TRUE(RSYS(SYS_dup2, 0, 10) == 10 && RSYS(SYS_close, 10) == 0);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_ids),
	KTAP_CASE(t_set_tid_address),
	KTAP_CASE(t_set_robust_list),
	KTAP_CASE(t_uname),
	KTAP_CASE(t_clock_gettime),
	KTAP_CASE(t_clock_monotonic_never_backwards),
	KTAP_CASE(t_clock_getres),
	KTAP_CASE(t_nanosleep),
	KTAP_CASE(t_clock_nanosleep),
	KTAP_CASE(t_realtime_follows_monotonic),
	KTAP_CASE(t_sched_yield),
	KTAP_CASE(t_poll),
	KTAP_CASE(t_ppoll),
	KTAP_CASE(t_prctl_name),
	KTAP_CASE(t_console_fstat),
	KTAP_CASE(t_console_winsize),
	KTAP_CASE(t_write_writev),
	KTAP_CASE(t_getrandom),
	KTAP_CASE(t_affinity_getcpu),
	KTAP_CASE(t_getrusage),
	KTAP_CASE(t_madvise_accepted),
	KTAP_CASE(t_kill_sig0),
	KTAP_CASE(t_rlimits),
};

int main(void)
{
	return ktap_run(cases, KTAP_COUNT(cases));
}
