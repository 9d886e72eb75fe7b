/* stat.c - `rtperf stat`: count events over a command's life as perf stat
 * does (for the command and its children: inherit, enabled at its exec;
 * or whole CPUs with -a / -C), then print the counts in perf stat's
 * layout with the time each event was enabled and running: a count that
 * ran for part of the time is scaled, and the share is shown. -v also
 * prints the raw value, enabled and running times. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "rtperf.h"

#define DEFAULT_EVENTS "task-clock,context-switches,cpu-migrations,page-faults,cycles"

struct count {
	u64 value, enabled, running;
	bool supported;
};

static bool is_clock(const struct rt_event *e)
{
	return e->attr.type == PERF_TYPE_SOFTWARE &&
	       (e->attr.config == PERF_COUNT_SW_CPU_CLOCK || e->attr.config == PERF_COUNT_SW_TASK_CLOCK);
}

static u64 now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

static void print_counts(const struct rt_event *ev, const struct count *c, int n, char **cmd,
			 u64 elapsed, const struct rusage *ru, bool verbose)
{
	double task_ms = 0;
	for (int i = 0; i < n; i++)
		if (c[i].supported && ev[i].attr.type == PERF_TYPE_SOFTWARE &&
		    ev[i].attr.config == PERF_COUNT_SW_TASK_CLOCK)
			task_ms = c[i].value / 1e6;
	if (verbose)
		for (int i = 0; i < n; i++)
			if (c[i].supported)
				fprintf(stderr, "%s: %llu %llu %llu\n", ev[i].name, (unsigned long long)c[i].value,
					(unsigned long long)c[i].enabled, (unsigned long long)c[i].running);
	fprintf(stderr, "\n Performance counter stats for '");
	for (char **a = cmd; *a; a++)
		fprintf(stderr, "%s%s", a == cmd ? "" : " ", *a);
	fprintf(stderr, "':\n\n");
	for (int i = 0; i < n; i++) {
		if (!c[i].supported) {
			fprintf(stderr, "   <not supported>      %s\n", ev[i].name);
			continue;
		}
		if (!c[i].running) {
			fprintf(stderr, "     <not counted>      %s\n", ev[i].name);
			continue;
		}
		/* Scaled as perf does when the event did not run all the time. */
		double v = (double)c[i].value;
		if (c[i].running < c[i].enabled)
			v = v * (double)c[i].enabled / (double)c[i].running;
		char note[64] = "";
		if (is_clock(&ev[i]))
			snprintf(note, sizeof(note), "#  %8.3f CPUs utilized", elapsed ? v / (double)elapsed : 0);
		else if (task_ms > 0)
			snprintf(note, sizeof(note), "#  %8.3f /sec", v / (task_ms / 1e3));
		if (is_clock(&ev[i]))
			fprintf(stderr, "%18.2f msec %-25s %s", v / 1e6, ev[i].name, note);
		else
			fprintf(stderr, "%18.0f      %-25s %s", v, ev[i].name, note);
		if (c[i].running < c[i].enabled)
			fprintf(stderr, "  (%.2f%%)", 100.0 * (double)c[i].running / (double)c[i].enabled);
		fprintf(stderr, "\n");
	}
	fprintf(stderr, "\n%18.9f seconds time elapsed\n\n", elapsed / 1e9);
	fprintf(stderr, "%18.9f seconds user\n", ru->ru_utime.tv_sec + ru->ru_utime.tv_usec / 1e6);
	fprintf(stderr, "%18.9f seconds sys\n\n", ru->ru_stime.tv_sec + ru->ru_stime.tv_usec / 1e6);
}

int cmd_stat(int argc, char **argv)
{
	static struct rt_event ev[RT_MAX_EVENTS];
	static int fd[RT_MAX_EVENTS][RT_MAX_CPUS];
	const char *events = DEFAULT_EVENTS;
	bool all = false, verbose = false, user_events = false;
	int cpu = -1, i;
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *o = argv[i], *arg = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(o, "--")) {
			i++;
			break;
		} else if (!strcmp(o, "-a")) {
			all = true;
		} else if (!strcmp(o, "-v")) {
			verbose = true;
		} else if (!strcmp(o, "-e") && arg) {
			events = arg, user_events = true, i++;
		} else if (!strcmp(o, "-C") && arg) {
			char *end;
			long v = strtol(arg, &end, 10);
			if (*end || end == arg || v < 0 || v >= online_cpus()) {
				fprintf(stderr, "rtperf: -C %s: this machine has CPUs 0-%d\n", arg, online_cpus() - 1);
				return 2;
			}
			cpu = (int)v, i++;
		} else {
			fprintf(stderr, "rtperf stat: unknown option or missing value: '%s'\n", o);
			return 2;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "rtperf stat: no command to run\n");
		return 2;
	}
	char **cmd = argv + i;
	int nev = events_parse(events, ev, RT_MAX_EVENTS);
	if (nev < 0)
		return 2;
	bool cpu_wide = all || cpu >= 0;
	int cpus[RT_MAX_CPUS], ncpu = 0;
	if (!cpu_wide)
		cpus[ncpu++] = -1;
	else
		for (int c = 0; c < online_cpus(); c++)
			if (cpu < 0 || c == cpu)
				cpus[ncpu++] = c;
	struct workload wl;
	if ((errno = -workload_prepare(&wl, cmd, false)) != 0) {
		fprintf(stderr, "rtperf: cannot start the command: %m\n");
		return 1;
	}
	struct count cnt[RT_MAX_EVENTS];
	memset(cnt, 0, sizeof(cnt));
	for (int e = 0; e < nev; e++) {
		struct perf_event_attr *a = &ev[e].attr;
		a->read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
		a->disabled = 1;
		a->inherit = !cpu_wide;
		a->enable_on_exec = !cpu_wide;
		cnt[e].supported = true;
		for (int c = 0; c < ncpu; c++) {
			long f = sys_perf_event_open(a, cpu_wide ? -1 : wl.pid, cpus[c], -1, PERF_FLAG_FD_CLOEXEC);
			if (f < 0 && (errno == ENOENT || errno == EOPNOTSUPP) && !user_events) {
				cnt[e].supported = false;   /* a default event this machine lacks */
				break;
			}
			if (f < 0) {
				fprintf(stderr, "rtperf: cannot open event '%s': %m\n", ev[e].name);
				kill(wl.pid, SIGKILL);
				waitpid(wl.pid, NULL, 0);
				return 1;
			}
			fd[e][c] = (int)f;
			if (cpu_wide)
				(void)!ioctl((int)f, PERF_EVENT_IOC_ENABLE, 0);
		}
	}
	u64 t0 = now_ns();
	if ((errno = -workload_go(&wl)) != 0) {
		fprintf(stderr, "rtperf: cannot run '%s': %m\n", cmd[0]);
		return 127;
	}
	int status;
	struct rusage ru;
	signal(SIGINT, SIG_IGN);        /* ^C stops the command, then we print */
	while (wait4(wl.pid, &status, 0, &ru) < 0 && errno == EINTR)
		;
	u64 elapsed = now_ns() - t0;
	for (int e = 0; e < nev; e++) {
		if (!cnt[e].supported)
			continue;
		for (int c = 0; c < ncpu; c++) {
			u64 v[3];
			if (read(fd[e][c], v, sizeof(v)) == sizeof(v)) {
				cnt[e].value += v[0];
				cnt[e].enabled += v[1];
				cnt[e].running += v[2];
			}
			close(fd[e][c]);
		}
	}
	print_counts(ev, cnt, nev, cmd, elapsed, &ru, verbose);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
