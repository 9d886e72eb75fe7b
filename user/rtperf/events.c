/* events.c - perf's event names to perf_event_attr: the hardware and
 * software events by perf's names and aliases, tracepoints as
 * SYSTEM:NAME (ids from tracefs, as perf reads them), and the :u / :k
 * modifiers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rtperf.h"

static const struct {
	const char *name;
	u32 type;
	u64 config;
} names[] = {
	{ "cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
	{ "cpu-cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
	{ "instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
	{ "cache-references", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES },
	{ "cache-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES },
	{ "branches", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS },
	{ "branch-instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS },
	{ "branch-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES },
	{ "bus-cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BUS_CYCLES },
	{ "ref-cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_REF_CPU_CYCLES },
	{ "cpu-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK },
	{ "task-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK },
	{ "page-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS },
	{ "faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS },
	{ "context-switches", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES },
	{ "cs", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES },
	{ "cpu-migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS },
	{ "migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS },
	{ "minor-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN },
	{ "major-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ },
	{ "alignment-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_ALIGNMENT_FAULTS },
	{ "emulation-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_EMULATION_FAULTS },
	{ "dummy", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_DUMMY },
};

/* The tracepoint's id from tracefs, or -errno. */
static long tracepoint_id(const char *sys, const char *name)
{
	static const char *const roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	if (!*sys || !*name || strchr(sys, '/') || strchr(name, '/') || sys[0] == '.' || name[0] == '.')
		return -EINVAL;
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		char path[256];
		size_t len;
		snprintf(path, sizeof(path), "%s/events/%s/%s/id", roots[i], sys, name);
		char *text = slurp(path, &len);
		if (!text)
			continue;
		long id = strtol(text, NULL, 10);
		free(text);
		return id > 0 ? id : -EINVAL;
	}
	return -ENOENT;
}

static int parse_one(char *spec, struct rt_event *e)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", spec);
	e->attr.size = sizeof(e->attr);
	char *colon = strchr(spec, ':');
	/* SYSTEM:NAME[:MODS] is a tracepoint when tracefs knows it. */
	if (colon && colon != spec) {
		char *mods = strchr(colon + 1, ':');
		if (mods)
			*mods = 0;
		*colon = 0;
		long id = tracepoint_id(spec, colon + 1);
		if (id > 0) {
			e->tracepoint = true;
			e->attr.type = PERF_TYPE_TRACEPOINT;
			e->attr.config = (u64)id;
			snprintf(e->tp_system, sizeof(e->tp_system), "%s", spec);
			snprintf(e->tp_name, sizeof(e->tp_name), "%s", colon + 1);
			colon = mods;
		} else {
			*colon = ':';
			if (mods)
				*mods = ':';
		}
	}
	if (!e->tracepoint) {
		if (colon)
			*colon = 0;
		size_t i;
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(spec, names[i].name))
				break;
		if (i == sizeof(names) / sizeof(names[0])) {
			if (colon && tracepoint_id("raw_syscalls", "sys_enter") != -ENOENT)
				fprintf(stderr, "rtperf: unknown event '%s:%s' (no such tracepoint in "
					"/sys/kernel/tracing/events)\n", spec, colon + 1);
			else
				fprintf(stderr, "rtperf: unknown event '%s' (try cpu-clock, task-clock, "
					"page-faults, context-switches, cycles, or SYSTEM:TRACEPOINT)\n",
					e->name);
			return -1;
		}
		e->attr.type = names[i].type;
		e->attr.config = names[i].config;
	}
	if (colon) {
		bool u = false, k = false;
		for (const char *m = colon + 1; *m; m++) {
			if (*m == 'u')
				u = true;
			else if (*m == 'k')
				k = true;
			else {
				fprintf(stderr, "rtperf: event '%s': unknown modifier '%c' (u and k are "
					"known)\n", e->name, *m);
				return -1;
			}
		}
		if (!u && !k) {
			fprintf(stderr, "rtperf: event '%s': empty modifier\n", e->name);
			return -1;
		}
		e->attr.exclude_kernel = !k;
		e->attr.exclude_user = !u;
	}
	return 0;
}

int events_parse(const char *spec, struct rt_event *ev, int max)
{
	char *copy = strdup(spec), *save = NULL;
	int n = 0;
	if (!copy)
		return -1;
	if (!*spec) {
		fprintf(stderr, "rtperf: -e needs an event name\n");
		free(copy);
		return -1;
	}
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == max) {
			fprintf(stderr, "rtperf: at most %d events\n", max);
			free(copy);
			return -1;
		}
		if (parse_one(tok, &ev[n]) < 0) {
			free(copy);
			return -1;
		}
		n++;
	}
	free(copy);
	if (!n)
		fprintf(stderr, "rtperf: -e needs an event name\n");
	return n ? n : -1;
}

int parse_u64_option(const char *opt, const char *arg, u64 *out)
{
	char *end;
	errno = 0;
	if (!arg || !*arg || *arg == '-' || *arg == '+') {
		fprintf(stderr, "rtperf: %s needs a positive number\n", opt);
		return -1;
	}
	unsigned long long v = strtoull(arg, &end, 0);
	if (errno || *end || v == 0 || v >= (1ULL << 63)) {
		fprintf(stderr, "rtperf: %s '%s': not a positive number below 2^63\n", opt, arg);
		return -1;
	}
	*out = v;
	return 0;
}

u32 max_sample_rate(void)
{
	size_t len;
	char *t = slurp("/proc/sys/kernel/perf_event_max_sample_rate", &len);
	u32 v = t ? (u32)strtoul(t, NULL, 10) : 0;
	free(t);
	return v ? v : 100000;
}
