/* report.c - `rtperf report`: the lines perf report --stdio prints (per
 * event: overhead by period, samples, command, binary, symbol, most first),
 * the call chains under each line when the file has them, the header's
 * features on request. Kernel symbols come from /proc/kallsyms and user
 * ones from the binaries named in the file, so it is read on the machine
 * that recorded it (on another, use Linux's perf report). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rtperf.h"

static int by_period(const void *a, const void *b)
{
	const struct hist *x = a, *y = b;
	if (x->ev != y->ev)
		return x->ev - y->ev;
	if (x->period != y->period)
		return x->period < y->period ? 1 : -1;
	if (x->samples != y->samples)
		return x->samples < y->samples ? 1 : -1;
	int c = strcmp(x->comm, y->comm);
	if (c)
		return c;
	const char *xs = x->sym ? x->sym->name : "", *ys = y->sym ? y->sym->name : "";
	c = strcmp(xs, ys);
	return c ? c : (x->addr > y->addr) - (x->addr < y->addr);
}

static int by_count(const void *a, const void *b)
{
	const struct chain *x = a, *y = b;
	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

static void print_chains(FILE *out, const struct hist *h, u64 total)
{
	qsort(h->chains, h->nchains, sizeof(*h->chains), by_count);
	for (int c = 0; c < h->nchains && c < 5; c++) {
		const struct chain *ch = &h->chains[c];
		fprintf(out, "            |--%.2f%%--", total ? 100.0 * ch->count / total : 0.0);
		if (!ch->n)
			fprintf(out, "(no callers)\n");
		for (int i = 0; i < ch->n; i++)
			fprintf(out, "%s%s\n", i ? "            |          " : "", ch->names[i]);
		fprintf(out, "            |\n");
	}
	if (h->nchains > 5)
		fprintf(out, "            ... %d more call chains\n", h->nchains - 5);
	fprintf(out, "\n");
}

void report_print(FILE *out, struct session *s, const struct report_opts *o)
{
	qsort(s->hists, s->nhists, sizeof(*s->hists), by_period);
	for (int ev = 0; ev < s->nattr; ev++) {
		if (!s->samples[ev])
			continue;
		fprintf(out, "# Samples: %llu of event '%s'\n# Event count (approx.): %llu\n#\n",
			(unsigned long long)s->samples[ev], s->ev_names[ev],
			(unsigned long long)s->periods[ev]);
		fprintf(out, "# Overhead  %sCommand          Shared Object      Symbol\n",
			o->samples ? "     Samples  " : "");
		fprintf(out, "# ........  %s...............  .................  ......................\n#\n",
			o->samples ? "............  " : "");
		int shown = 0;
		for (int i = 0; i < s->nhists; i++) {
			struct hist *h = &s->hists[i];
			if (h->ev != ev || (o->top && shown >= o->top))
				continue;
			shown++;
			char addr[32];
			snprintf(addr, sizeof(addr), "%#018llx", (unsigned long long)h->addr);
			fprintf(out, "  %6.2f%%  ", s->periods[ev] ? 100.0 * h->period / s->periods[ev] : 0.0);
			if (o->samples)
				fprintf(out, "%12llu  ", (unsigned long long)h->samples);
			fprintf(out, "%-15s  %-17s  [%c] %s\n", h->comm, h->dso ? h->dso->short_name : "[unknown]",
				h->cpumode, h->sym ? h->sym->name : addr);
			if (o->callchains && h->nchains)
				print_chains(out, h, h->samples);
		}
		fprintf(out, "\n");
	}
	if (s->lost || s->lost_samples)
		fprintf(out, "# Lost: %llu records (LOST), %llu samples (LOST_SAMPLES)\n",
			(unsigned long long)s->lost, (unsigned long long)s->lost_samples);
}

static void print_string_feature(FILE *out, const struct pd_reader *r, int f, const char *label)
{
	u64 size;
	const u8 *p = pd_reader_feature(r, f, &size);
	u32 len;
	if (!p || size < 4)
		return;
	memcpy(&len, p, 4);
	if (len <= size - 4)
		fprintf(out, "# %s : %.*s\n", label, (int)len, (const char *)p + 4);
}

void report_header(FILE *out, const struct pd_reader *r)
{
	u64 size;
	const u8 *p;
	fprintf(out, "# ========\n");
	print_string_feature(out, r, PD_FEAT_HOSTNAME, "hostname");
	print_string_feature(out, r, PD_FEAT_OSRELEASE, "os release");
	print_string_feature(out, r, PD_FEAT_VERSION, "perf version");
	print_string_feature(out, r, PD_FEAT_ARCH, "arch");
	if ((p = pd_reader_feature(r, PD_FEAT_NRCPUS, &size)) && size >= 8) {
		u32 v[2];
		memcpy(v, p, 8);
		fprintf(out, "# nrcpus online : %u\n# nrcpus avail : %u\n", v[1], v[0]);
	}
	print_string_feature(out, r, PD_FEAT_CPUDESC, "cpudesc");
	print_string_feature(out, r, PD_FEAT_CPUID, "cpuid");
	if ((p = pd_reader_feature(r, PD_FEAT_TOTAL_MEM, &size)) && size >= 8) {
		u64 kb;
		memcpy(&kb, p, 8);
		fprintf(out, "# total memory : %llu kB\n", (unsigned long long)kb);
	}
	for (int i = 0; i < r->nattr; i++)
		fprintf(out, "# event : name = %s, type = %u, config = %#llx, ids = %u\n",
			r->attr[i].name ? r->attr[i].name : "?", r->attr[i].attr.type,
			(unsigned long long)r->attr[i].attr.config, r->attr[i].nr_ids);
	if ((p = pd_reader_feature(r, PD_FEAT_BUILD_ID, &size)))
		for (u64 off = 0; off + 36 < size; ) {
			struct perf_event_header h;
			memcpy(&h, p + off, sizeof(h));
			if (h.size <= 36 || off + h.size > size)
				break;
			fprintf(out, "# build id : ");
			for (u32 i = 0; i < p[off + 32] && i < 20; i++)
				fprintf(out, "%02x", p[off + 12 + i]);
			fprintf(out, " %.*s\n", (int)(h.size - 36), (const char *)p + off + 36);
			off += h.size;
		}
	fprintf(out, "# ========\n#\n");
}

static char *read_input(const char *path, size_t *len)
{
	if (strcmp(path, "-"))
		return slurp(path, len);
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	ssize_t k;
	while (buf && (k = read(0, buf + n, cap - n)) > 0)
		if ((n += (size_t)k) == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
		}
	*len = n;
	return buf;
}

int cmd_report(int argc, char **argv)
{
	const char *input = "perf.data";
	struct report_opts o = { .top = 0, .samples = false, .callchains = false, .header = false };
	bool no_chains = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-i") && i + 1 < argc)
			input = argv[++i];
		else if (!strcmp(argv[i], "-n"))
			o.samples = true;
		else if (!strcmp(argv[i], "-g"))
			o.callchains = true;
		else if (!strcmp(argv[i], "--no-call-graph"))
			no_chains = true;
		else if (!strcmp(argv[i], "--stdio"))
			continue;
		else if (!strcmp(argv[i], "--header"))
			o.header = true;
		else if (!strcmp(argv[i], "--top") && i + 1 < argc) {
			char *end;
			long v = strtol(argv[++i], &end, 10);
			if (*end || end == argv[i] || v < 1 || v > 1000000) {
				fprintf(stderr, "rtperf report: --top needs a count of rows, not '%s'\n",
					argv[i]);
				return 2;
			}
			o.top = (int)v;
		}
		else {
			fprintf(stderr, "rtperf report: unknown option '%s'\n", argv[i]);
			return 2;
		}
	}
	size_t len;
	char *buf = read_input(input, &len);
	if (!buf) {
		fprintf(stderr, "rtperf report: cannot read %s: %m\n", input);
		return 1;
	}
	struct pd_reader r;
	char err[128];
	if (pd_reader_open(&r, buf, len, err, sizeof(err))) {
		fprintf(stderr, "rtperf report: %s: %s\n", input, err);
		free(buf);
		return 1;
	}
	const char *names[PD_MAX_ATTRS];
	for (int i = 0; i < r.nattr; i++)
		names[i] = r.attr[i].name ? r.attr[i].name : "?";
	struct session s;
	session_init(&s, r.attr, r.nattr, names);
	session_replay(&s, &r);
	o.callchains = (o.callchains || s.callchains) && !no_chains;   /* as perf: shown when recorded */
	if (o.header)
		report_header(stdout, &r);
	report_print(stdout, &s, &o);
	session_free(&s);
	pd_reader_close(&r);
	free(buf);
	return 0;
}
