/* test_perf_sysctl: the perf knobs of /proc/sys/kernel read, refuse what
 * Linux refuses, and change what perf_event_open and mmap do. Ringtail
 * only (on a Linux host they are the host's to keep); every knob is put
 * back to its default at the end.
 *   perf_event_paranoid        who may open what (as an ordinary user)
 *   perf_event_max_sample_rate the sample_freq ceiling (EINVAL above it)
 *   perf_cpu_time_max_percent  0..100; at 0 the rate may not change
 *   perf_event_max_stack       EOVERFLOW above it; EBUSY with callchains open
 *   perf_event_mlock_kb        an ordinary user's buffers beyond it need
 *                              RLIMIT_MEMLOCK (EPERM) */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ktap.h"
#include "perf_test.h"

#define NOBODY 65534

static long knob_read(const char *name)
{
	char path[128], buf[32];
	snprintf(path, sizeof(path), "/proc/sys/kernel/%s", name);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1000000;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1000001;
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

/* Write text: 0, or -errno of the write. */
static long knob_write(const char *name, const char *text)
{
	char path[128];
	snprintf(path, sizeof(path), "/proc/sys/kernel/%s", name);
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	long rc = RSYS(SYS_write, fd, text, strlen(text));
	close(fd);
	return rc < 0 ? rc : 0;
}

static long open_sw(int freq, u64 rate, int exclude_kernel, int cpu, u64 sample_type,
		    int max_stack)
{
	struct perf_event_attr a;
	attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK);
	a.freq = freq;
	a.sample_freq = rate;
	a.exclude_kernel = exclude_kernel;
	a.sample_type = sample_type;
	a.sample_max_stack = (u16)max_stack;
	return perf_open(&a, cpu >= 0 ? -1 : 0, cpu, -1, 0);
}

static void t_defaults(void)
{
	EXPECT_EQ(knob_read("perf_event_paranoid"), 2);
	EXPECT_EQ(knob_read("perf_event_max_sample_rate"), 100000);
	EXPECT_EQ(knob_read("perf_cpu_time_max_percent"), 25);
	EXPECT_EQ(knob_read("perf_event_max_stack"), 127);
	EXPECT_EQ(knob_read("perf_event_mlock_kb"), 516);
}

static void t_validation(void)
{
	EXPECT_EQ(knob_write("perf_event_paranoid", "banana\n"), -EINVAL);
	EXPECT_EQ(knob_write("perf_event_paranoid", "1x"), -EINVAL);
	EXPECT_EQ(knob_write("perf_event_max_sample_rate", "0\n"), -EINVAL);
	EXPECT_EQ(knob_write("perf_cpu_time_max_percent", "101\n"), -EINVAL);
	EXPECT_EQ(knob_write("perf_cpu_time_max_percent", "-1\n"), -EINVAL);
	EXPECT_EQ(knob_write("perf_event_max_stack", "-1\n"), -EINVAL);
	/* Nothing changed. */
	EXPECT_EQ(knob_read("perf_event_paranoid"), 2);
	EXPECT_EQ(knob_read("perf_event_max_sample_rate"), 100000);
	EXPECT_EQ(knob_read("perf_cpu_time_max_percent"), 25);
	/* Blanks around a number are fine, as proc_dointvec allows. */
	EXPECT_EQ(knob_write("perf_event_paranoid", " 2 \n"), 0);
}

static void t_max_sample_rate(void)
{
	EXPECT_EQ(knob_write("perf_event_max_sample_rate", "1000\n"), 0);
	EXPECT_EQ(knob_read("perf_event_max_sample_rate"), 1000);
	long fd = open_sw(1, 2000, 1, -1, PERF_SAMPLE_IP, 0);
	EXPECT_EQ(fd, -EINVAL);
	fd = open_sw(1, 1000, 1, -1, PERF_SAMPLE_IP, 0);
	EXPECT_GE(fd, 0);
	if (fd >= 0)
		perf_close(fd);
	/* With throttling by CPU time off, the rate may not change. */
	EXPECT_EQ(knob_write("perf_cpu_time_max_percent", "0\n"), 0);
	EXPECT_EQ(knob_write("perf_event_max_sample_rate", "5000\n"), -EINVAL);
	EXPECT_EQ(knob_read("perf_event_max_sample_rate"), 1000);
	EXPECT_EQ(knob_write("perf_cpu_time_max_percent", "25\n"), 0);
	EXPECT_EQ(knob_write("perf_event_max_sample_rate", "100000\n"), 0);
	fd = open_sw(1, 50000, 1, -1, PERF_SAMPLE_IP, 0);
	EXPECT_GE(fd, 0);
	if (fd >= 0)
		perf_close(fd);
}

static void t_max_stack(void)
{
	EXPECT_EQ(knob_write("perf_event_max_stack", "10\n"), 0);
	EXPECT_EQ(open_sw(0, 0, 1, -1, PERF_SAMPLE_CALLCHAIN, 11), -EOVERFLOW);
	long fd = open_sw(0, 0, 1, -1, PERF_SAMPLE_CALLCHAIN, 10);
	EXPECT_GE(fd, 0);
	/* While a callchain event exists the depth cannot change. */
	EXPECT_EQ(knob_write("perf_event_max_stack", "20\n"), -EBUSY);
	if (fd >= 0)
		perf_close(fd);
	EXPECT_EQ(knob_write("perf_event_max_stack", "127\n"), 0);
	EXPECT_EQ(knob_read("perf_event_max_stack"), 127);
}

/* In a child that became nobody: what perf_event_open says for a task
 * event with the kernel included, without it, and a CPU-wide one. Packed
 * as three 2-bit codes: 0 ok, 1 EACCES, 2 other. */
static int probe_as_nobody(void)
{
	pid_t p = fork();
	if (p == 0) {
		if (setuid(NOBODY))
			_exit(255);
		long r[3] = { open_sw(0, 0, 0, -1, 0, 0), open_sw(0, 0, 1, -1, 0, 0),
			      open_sw(0, 0, 1, 0, 0, 0) };
		int code = 0;
		for (int i = 0; i < 3; i++)
			code |= (r[i] >= 0 ? 0 : r[i] == -EACCES ? 1 : 2) << (2 * i);
		_exit(code);
	}
	int st;
	if (waitpid(p, &st, 0) != p || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void t_paranoid(void)
{
	/* 2: no kernel profiling, no CPU-wide events. */
	EXPECT_EQ(probe_as_nobody(), 1 | 0 << 2 | 1 << 4);
	EXPECT_EQ(knob_write("perf_event_paranoid", "1\n"), 0);
	EXPECT_EQ(probe_as_nobody(), 0 | 0 << 2 | 1 << 4);
	EXPECT_EQ(knob_write("perf_event_paranoid", "0\n"), 0);
	EXPECT_EQ(probe_as_nobody(), 0);
	EXPECT_EQ(knob_write("perf_event_paranoid", "2\n"), 0);
	/* root is never refused. */
	long fd = open_sw(0, 0, 0, 0, 0, 0);
	EXPECT_GE(fd, 0);
	if (fd >= 0)
		perf_close(fd);
}

/* As nobody with no RLIMIT_MEMLOCK: buffers fit within the allowance
 * (perf_event_mlock_kb per CPU), beyond it mmap says EPERM. */
static int map_as_nobody(unsigned data_pages)
{
	pid_t p = fork();
	if (p == 0) {
		struct rlimit r = { 0, 0 };
		if (setrlimit(RLIMIT_MEMLOCK, &r) || setuid(NOBODY))
			_exit(255);
		long fd = open_sw(0, 0, 1, -1, 0, 0);
		if (fd < 0)
			_exit(254);
		struct ring ring;
		long rc = ring_map(&ring, fd, data_pages, 0);
		_exit(rc == 0 ? 0 : rc == -EPERM ? 1 : 2);
	}
	int st;
	if (waitpid(p, &st, 0) != p || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void t_mlock_kb(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	/* 8 KiB per CPU: two pages each. */
	EXPECT_EQ(knob_write("perf_event_mlock_kb", "8\n"), 0);
	EXPECT_EQ(map_as_nobody(1), cpus * 2 >= 2 ? 0 : 1);      /* 2 pages */
	EXPECT_EQ(map_as_nobody(64), 1);                          /* 65 pages */
	EXPECT_EQ(knob_write("perf_event_mlock_kb", "516\n"), 0);
	EXPECT_EQ(map_as_nobody(64), 0);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_defaults),
	KTAP_CASE(t_validation),
	KTAP_CASE(t_max_sample_rate),
	KTAP_CASE(t_max_stack),
	KTAP_CASE(t_paranoid),
	KTAP_CASE(t_mlock_kb),
};

int main(void)
{
	if (!on_ringtail()) {
		ktap_plan(0);
		printf("# SKIP changes the host's perf settings\n");
		return 0;
	}
	return ktap_run(cases, KTAP_COUNT(cases));
}
