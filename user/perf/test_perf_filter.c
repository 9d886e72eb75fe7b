/* test_perf_filter: PERF_EVENT_IOC_SET_FILTER on syscall tracepoints with
 * Linux's filter syntax. getpgid is called with arguments 1..10 (each
 * call hits syscalls:sys_enter_getpgid); a filter must count exactly the
 * calls it matches. The argument's field name is read from the
 * tracepoint's format file ("pid" on Linux, "arg0" on Ringtail). As on
 * Linux an event takes one filter (another is EEXIST); a bad one is
 * refused with Linux's errno and leaves the event unfiltered. Runs on a
 * Linux host too (tracefs mounted). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "ktap.h"
#include "perf_test.h"

static long tp;
static char field[64];          /* the first argument's name */

/* The name of the field at offset 16 in the format file. */
static int find_field(void)
{
	char buf[4096];
	int fd = open("/sys/kernel/tracing/events/syscalls/sys_enter_getpgid/format", O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		if (!strstr(line, "offset:16;"))
			continue;
		char *semi = strchr(line, ';');
		if (!semi)
			return -1;
		*semi = 0;
		char *sp = strrchr(line, ' ');
		snprintf(field, sizeof(field), "%s", sp ? sp + 1 : line);
		return 0;
	}
	return -1;
}

static long open_tp(void)
{
	struct perf_event_attr a;
	attr_init(&a, PERF_TYPE_TRACEPOINT, (u64)tp);
	a.disabled = 1;
	return perf_open(&a, 0, -1, -1, 0);
}

static long set_filter(long fd, const char *f)
{
	return RSYS(SYS_ioctl, fd, PERF_EVENT_IOC_SET_FILTER, f);
}

/* Count the calls getpgid(1..10) a filter lets through. */
static long count_with(long fd)
{
	perf_ioctl(fd, PERF_EVENT_IOC_RESET, 0);
	perf_ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	for (long i = 1; i <= 10; i++)
		RSYS(SYS_getpgid, i);
	perf_ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	return (long)perf_count(fd);
}

/* A fresh event with the filter fmt (the field name filled in): how many
 * of the calls it counts, -1 if the filter was refused. */
static long filtered(const char *fmt, long v)
{
	char f[256];
	snprintf(f, sizeof(f), fmt, field, field, field, field, v);
	long fd = open_tp();
	if (fd < 0)
		return -2;
	long n = set_filter(fd, f) ? -1 : count_with(fd);
	perf_close(fd);
	return n;
}

static void t_filters_select_exactly(void)
{
	long fd = open_tp();
	if (!EXPECT_GE(fd, 0))
		return;
	EXPECT_EQ(count_with(fd), 10);
	perf_close(fd);
	EXPECT_EQ(filtered("%s > 5", 0), 5);
	EXPECT_EQ(filtered("%s == 3 || %s == 7", 0), 2);
	EXPECT_EQ(filtered("(%s >= 2 && %s <= 4) || %s >= 9", 0), 5);
	EXPECT_EQ(filtered("%s & 1", 0), 5);
	EXPECT_EQ(filtered("%s != 4 && %s < 0x6", 0), 4);
	EXPECT_EQ(filtered("%s == 1 || %s == 2 && %s == 3", 0), 1);   /* && first */
	EXPECT_EQ(filtered("!(%s > 5)", 0), 5);
	EXPECT_EQ(filtered("!%s == 3", 0), 9);          /* ! takes the predicate */
	EXPECT_EQ(filtered("!(%s < 3 || %s > 8) && !(%s & 1)", 0), 3);
	EXPECT_EQ(filtered("%s >= 010", 0), 3);         /* octal, as strtoull */
	char f[64];
	snprintf(f, sizeof(f), "common_pid == %d", (int)getpid());
	EXPECT_EQ(filtered(f, 0), 10);
	snprintf(f, sizeof(f), "common_pid != %d", (int)getpid());
	EXPECT_EQ(filtered(f, 0), 0);
	EXPECT_EQ(filtered("common_pid > -1", 0), 10);  /* a signed field */
}

static void t_bad_filters_change_nothing(void)
{
	long fd = open_tp();
	if (!EXPECT_GE(fd, 0))
		return;
	char good[128];
	snprintf(good, sizeof(good), "%s > 5", field);
	static const struct { const char *fmt; int err; } bad[] = {
		{ "no_such_field > 1", EINVAL }, { "%s >", EINVAL }, { "%s", EINVAL },
		{ "", EINVAL }, { "  ", EINVAL }, { "%s == 1 &&", EINVAL },
		{ "%s == 1 ||", EINVAL }, { "%s == 0x", EINVAL },
		{ "%s == 99999999999999999999999", EINVAL },
		{ "%s == -5", EINVAL },         /* syscall arguments are unsigned */
		{ "(%s == 1", ENOENT }, { "((%s == 1)", ENOENT },
		{ "%s == 1)", EPERM }, { ")(%s == 1", EPERM },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char f[128];
		snprintf(f, sizeof(f), bad[i].fmt, field);
		long rc = set_filter(fd, f);
		if (rc != -bad[i].err)
			ktap_diag("\"%s\": %ld", f, rc);
		EXPECT_ERRNO(rc, bad[i].err);
	}
	/* Longer than a page: refused before it is parsed. */
	static char huge[8192];
	memset(huge, ' ', sizeof(huge) - 1);
	EXPECT_ERRNO(set_filter(fd, huge), EINVAL);
	EXPECT_ERRNO(set_filter(fd, (const char *)0), EFAULT);
	EXPECT_EQ(count_with(fd), 10);                  /* none took: unfiltered */
	EXPECT_EQ(set_filter(fd, good), 0);
	EXPECT_EQ(count_with(fd), 5);
	EXPECT_ERRNO(set_filter(fd, good), EEXIST);     /* one filter per event */
	perf_close(fd);
	/* Only tracepoints take filters. */
	struct perf_event_attr a;
	attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK);
	long sw = perf_open(&a, 0, -1, -1, 0);
	if (EXPECT_GE(sw, 0)) {
		EXPECT_ERRNO(set_filter(sw, good), EINVAL);
		perf_close(sw);
	}
}

/* Deep parentheses cost the parser no kernel stack: a thousand levels
 * around one predicate work as on Linux. */
static void t_deep_nesting(void)
{
	long fd = open_tp();
	if (!EXPECT_GE(fd, 0))
		return;
	static char deep[4000];
	int n = 0;
	for (int i = 0; i < 1000; i++)
		deep[n++] = '(';
	n += snprintf(deep + n, sizeof(deep) - (size_t)n, "%s > 7", field);
	for (int i = 0; i < 1000; i++)
		deep[n++] = ')';
	deep[n] = 0;
	EXPECT_EQ(set_filter(fd, deep), 0);
	EXPECT_EQ(count_with(fd), 3);
	perf_close(fd);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_filters_select_exactly),
	KTAP_CASE(t_bad_filters_change_nothing),
	KTAP_CASE(t_deep_nesting),
};

int main(void)
{
	tp = tp_sys_enter("getpgid");
	if (tp <= 0 || find_field()) {
		ktap_plan(0);
		printf("# SKIP no tracepoints here: %s\n", tp_unavailable());
		return 0;
	}
	return ktap_run(cases, KTAP_COUNT(cases));
}
