/* record.c - `rtperf record`, as perf record does it: every event opened
 * on every CPU (one ring per CPU, the other events' output redirected
 * into it), either for the forked CMD and its children (inherit, enabled
 * at its exec) or for whole CPUs (-a, -C); the kernel map and existing
 * tasks synthesized; the rings drained with poll() into a perf.data; at
 * the end the samples and lost counts, and the top symbols. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <lib/perf_reader.h>
#include "rtperf.h"

#define DEFAULT_FREQ 4000
#define DEFAULT_PAGES 256               /* 1 MiB per CPU */

struct ring {
	int cpu, fd;
	void *base;
	size_t len;
	struct perf_reader rd;
	u8 *scratch;
};

struct rec {
	struct rt_event ev[RT_MAX_EVENTS];
	int nev, ncpu, cpus[RT_MAX_CPUS];
	int fd[RT_MAX_EVENTS][RT_MAX_CPUS];
	u64 ids[RT_MAX_EVENTS][RT_MAX_CPUS];
	struct pd_event pev[RT_MAX_EVENTS];
	struct ring ring[RT_MAX_CPUS];
	struct pd_writer w;
	struct pd_buf mem;              /* what was written, as a pipe stream */
	size_t mem_data;                /* where its data records start */
	u64 samples, lost_records;
	int write_err;
};

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void setup_attrs(struct rec *r, bool callchain, bool cpu_wide, bool have_cmd,
			u64 period, u64 freq)
{
	for (int i = 0; i < r->nev; i++) {
		struct perf_event_attr *a = &r->ev[i].attr;
		a->size = sizeof(*a);
		a->sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
				 PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD;
		if (callchain)
			a->sample_type |= PERF_SAMPLE_CALLCHAIN;
		if (r->ev[i].tracepoint)
			a->sample_type |= PERF_SAMPLE_RAW;
		a->read_format = PERF_FORMAT_ID | PERF_FORMAT_LOST;
		if (period) {
			a->sample_period = period;
		} else if (freq) {
			a->freq = 1;
			a->sample_freq = freq;
		} else if (r->ev[i].tracepoint) {
			a->sample_period = 1;           /* perf's default for tracepoints */
		} else {
			a->freq = 1;
			a->sample_freq = DEFAULT_FREQ;
		}
		a->disabled = 1;
		a->inherit = !cpu_wide;
		a->enable_on_exec = have_cmd && !cpu_wide;
		a->sample_id_all = 1;
		a->watermark = 1;
		if (i == 0) {           /* the tracking event, as perf's first */
			a->mmap = a->mmap2 = a->comm = a->comm_exec = a->task = 1;
			a->build_id = 1;
		}
	}
}

static void rec_add(struct rec *r, const struct perf_event_header *h)
{
	if (r->write_err)
		return;
	int rc = pd_writer_add(&r->w, h);
	if (rc < 0) {
		r->write_err = -rc;
		return;
	}
	pd_put(&r->mem, h, h->size);
	if (h->type == PERF_RECORD_SAMPLE)
		r->samples++;
	else if (h->type == PERF_RECORD_LOST)
		r->lost_records += ((const u64 *)(h + 1))[1];
}

/* One pass over every ring; FINISHED_ROUND after a round that wrote. */
static void drain(struct rec *r)
{
	bool any = false;
	for (int c = 0; c < r->ncpu; c++) {
		struct ring *g = &r->ring[c];
		const struct perf_event_header *h;
		perf_reader_begin(&g->rd);
		while ((h = perf_reader_next(&g->rd))) {
			rec_add(r, h);
			any = true;
		}
		if (g->rd.error)
			fprintf(stderr, "rtperf: CPU %d: a broken record in the ring (reader error %d)\n",
				g->cpu, g->rd.error);
		perf_reader_consume(&g->rd);
	}
	if (any) {
		struct perf_event_header fr = { PD_RECORD_FINISHED_ROUND, 0, 8 };
		rec_add(r, &fr);
	}
}

static int open_events(struct rec *r, int pid, int pages)
{
	for (int i = 0; i < r->nev; i++)
		for (int c = 0; c < r->ncpu; c++) {
			long fd = sys_perf_event_open(&r->ev[i].attr, pid, r->cpus[c], -1, PERF_FLAG_FD_CLOEXEC);
			if (fd < 0) {
				int e = errno;
				fprintf(stderr, "rtperf: cannot open event '%s' on CPU %d: %s%s\n", r->ev[i].name,
					r->cpus[c], strerror(e), e == ENOENT || e == EOPNOTSUPP ?
					" (this machine does not have it)" : "");
				return -1;
			}
			r->fd[i][c] = (int)fd;
			if (ioctl((int)fd, PERF_EVENT_IOC_ID, &r->ids[i][c])) {
				fprintf(stderr, "rtperf: PERF_EVENT_IOC_ID: %m\n");
				return -1;
			}
		}
	for (int c = 0; c < r->ncpu; c++) {
		struct ring *g = &r->ring[c];
		g->cpu = r->cpus[c];
		g->fd = r->fd[0][c];
		g->len = (size_t)(1 + pages) * 4096;
		g->base = mmap(NULL, g->len, PROT_READ | PROT_WRITE, MAP_SHARED, g->fd, 0);
		g->scratch = malloc(65536);
		if (g->base == MAP_FAILED || !g->scratch) {
			fprintf(stderr, "rtperf: cannot map a ring of %d pages on CPU %d: %m\n", pages, g->cpu);
			g->base = NULL;
			return -1;
		}
		struct perf_event_mmap_page *up = g->base;
		perf_reader_init(&g->rd, up, (u8 *)g->base + up->data_offset, up->data_size, 0,
				 g->scratch, 65536);
		for (int i = 1; i < r->nev; i++)
			if (ioctl(r->fd[i][c], PERF_EVENT_IOC_SET_OUTPUT, g->fd)) {
				fprintf(stderr, "rtperf: PERF_EVENT_IOC_SET_OUTPUT: %m\n");
				return -1;
			}
	}
	return 0;
}

static void close_events(struct rec *r)
{
	for (int c = 0; c < r->ncpu; c++) {
		if (r->ring[c].base)
			munmap(r->ring[c].base, r->ring[c].len);
		free(r->ring[c].scratch);
	}
	for (int i = 0; i < r->nev; i++)
		for (int c = 0; c < r->ncpu; c++)
			if (r->fd[i][c] > 0)
				close(r->fd[i][c]);
}

static void ioctl_all(struct rec *r, unsigned long req)
{
	for (int i = 0; i < r->nev; i++)
		for (int c = 0; c < r->ncpu; c++)
			ioctl(r->fd[i][c], req, 0);
}

/* read() with PERF_FORMAT_ID | LOST: value, id, lost. */
static u64 lost_by_read(struct rec *r)
{
	u64 lost = 0;
	for (int i = 0; i < r->nev; i++)
		for (int c = 0; c < r->ncpu; c++) {
			u64 v[3];
			if (read(r->fd[i][c], v, sizeof(v)) == sizeof(v))
				lost += v[2];
		}
	return lost;
}

/* The in-memory copy starts as a pipe-mode stream: header, HEADER_ATTRs. */
static void mem_start(struct rec *r)
{
	u64 ph[2] = { PD_MAGIC, PD_PIPE_HEADER_SIZE };
	pd_put(&r->mem, ph, sizeof(ph));
	for (int i = 0; i < r->nev; i++) {
		struct perf_event_header h = { PD_RECORD_HEADER_ATTR, 0,
					       (u16)(8 + PD_ATTR_SIZE + 8 * r->pev[i].nr_ids) };
		struct perf_event_attr a = r->pev[i].attr;
		a.size = PD_ATTR_SIZE;
		pd_put(&r->mem, &h, sizeof(h));
		pd_put(&r->mem, &a, PD_ATTR_SIZE);
		pd_put(&r->mem, r->pev[i].ids, 8ULL * r->pev[i].nr_ids);
	}
	r->mem_data = r->mem.len;
}

/* After a write error the file has only the first w.records records:
 * so must the copy. */
static void mem_trim(struct rec *r)
{
	size_t off = r->mem_data;
	r->samples = 0;
	for (u64 n = 0; n < r->w.records && off + 8 <= r->mem.len; n++) {
		const struct perf_event_header *h = (const void *)(r->mem.p + off);
		r->samples += h->type == PERF_RECORD_SAMPLE;
		off += h->size;
	}
	r->mem.len = off;
}

/* The written records (a pipe-mode stream in memory) replayed: the hit
 * binaries for BUILD_ID, the sample times, the closing table. */
static void summarize(struct rec *r, const char *out_name, bool pipe, u64 lost_read)
{
	struct pd_reader rd;
	char err[128];
	const char *names[RT_MAX_EVENTS];
	struct session s;
	for (int i = 0; i < r->nev; i++)
		names[i] = r->ev[i].name;
	if (pd_writer_flush(&r->w) < 0 || r->write_err) {
		if (!r->write_err)
			r->write_err = r->w.err;
		if (!pipe)
			mem_trim(r);
	}
	if (pd_reader_open(&rd, r->mem.p, r->mem.len, err, sizeof(err))) {
		fprintf(stderr, "rtperf: %s\n", err);
		return;
	}
	session_init(&s, rd.attr, rd.nattr, names);
	session_replay(&s, &rd);
	synth_build_ids(&r->w);
	synth_sample_time(&r->w, s.first_time, s.last_time);
	int rc = pd_writer_finish(&r->w);
	if (rc && !r->write_err)
		r->write_err = -rc;
	struct stat st;
	double mb = !pipe && !stat(out_name, &st) ? st.st_size / 1048576.0 : r->w.data_size / 1048576.0;
	fprintf(stderr, "[ rtperf record: Captured and wrote %.3f MB %s (%llu samples) ]\n", mb,
		pipe ? "to standard output" : out_name, (unsigned long long)r->samples);
	fprintf(stderr, "[ rtperf record: lost %llu samples (LOST records: %llu, read() "
		"PERF_FORMAT_LOST: %llu) ]\n", (unsigned long long)(lost_read > r->lost_records ?
		lost_read : r->lost_records), (unsigned long long)r->lost_records,
		(unsigned long long)lost_read);
	for (int i = 0; i < r->nev; i++)
		fprintf(stderr, "rtperf: %-24s %llu samples\n", r->ev[i].name,
			(unsigned long long)s.samples[i]);
	struct report_opts o = { .top = 10, .samples = true, .callchains = false };
	fprintf(stderr, "rtperf: top symbols (as rtperf report -n prints them):\n");
	report_print(stderr, &s, &o);
	session_free(&s);
	pd_reader_close(&rd);
}

static int usage(void)
{
	fprintf(stderr, "usage: rtperf record [-e EVENT[,EVENT...]] [-c PERIOD | -F FREQ] [-g] "
		"[-a | -C CPU] [-m PAGES] [-o FILE|-] [--] CMD [ARGS]\n");
	return 2;
}

int cmd_record(int argc, char **argv)
{
	static struct rec r;
	const char *events = NULL, *out_name = "perf.data";
	u64 period = 0, freq = 0;
	bool callchain = false, all = false;
	int cpu = -1, pages = DEFAULT_PAGES, i;
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *o = argv[i], *arg = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(o, "--")) {
			i++;
			break;
		}
		if (!strcmp(o, "-g")) {
			callchain = true;
		} else if (!strcmp(o, "-a")) {
			all = true;
		} else if (!strcmp(o, "-e") && arg) {
			events = arg, i++;
		} else if (!strcmp(o, "-o") && arg) {
			out_name = arg, i++;
		} else if (!strcmp(o, "-c") && arg) {
			if (parse_u64_option("-c", arg, &period))
				return 2;
			i++;
		} else if (!strcmp(o, "-F") && arg) {
			if (parse_u64_option("-F", arg, &freq))
				return 2;
			if (freq > max_sample_rate()) {
				fprintf(stderr, "rtperf: -F %llu is above perf_event_max_sample_rate (%u Hz)\n",
					(unsigned long long)freq, max_sample_rate());
				return 2;
			}
			i++;
		} else if (!strcmp(o, "-C") && arg) {
			u64 v;
			if (!strcmp(arg, "0"))
				v = 0;
			else if (parse_u64_option("-C", arg, &v))
				return 2;
			if (v >= (u64)online_cpus()) {
				fprintf(stderr, "rtperf: -C %s: this machine has CPUs 0-%d\n", arg, online_cpus() - 1);
				return 2;
			}
			cpu = (int)v, i++;
		} else if (!strcmp(o, "-m") && arg) {
			u64 v;
			if (parse_u64_option("-m", arg, &v))
				return 2;
			if (v & (v - 1) || v > 65536) {
				fprintf(stderr, "rtperf: -m %s: the pages must be a power of two up to 65536\n", arg);
				return 2;
			}
			pages = (int)v, i++;
		} else {
			fprintf(stderr, "rtperf record: unknown option or missing value: '%s'\n", o);
			return usage();
		}
	}
	if (period && freq) {
		fprintf(stderr, "rtperf: -c and -F exclude each other\n");
		return 2;
	}
	if (all && cpu >= 0) {
		fprintf(stderr, "rtperf: -a and -C exclude each other\n");
		return 2;
	}
	if (i >= argc) {
		fprintf(stderr, "rtperf record: no command to run\n");
		return usage();
	}
	char **cmd = argv + i;
	bool cpu_wide = all || cpu >= 0;
	bool default_event = !events;
	r.nev = events_parse(events ? events : "cycles", r.ev, RT_MAX_EVENTS);
	if (r.nev < 0)
		return 2;
	r.ncpu = 0;
	for (int c = 0; c < online_cpus(); c++)
		if (cpu < 0 || c == cpu)
			r.cpus[r.ncpu++] = c;
	setup_attrs(&r, callchain, cpu_wide, true, period, freq);

	struct workload wl;
	bool pipe_mode = !strcmp(out_name, "-");
	if ((errno = -workload_prepare(&wl, cmd, pipe_mode)) != 0) {
		fprintf(stderr, "rtperf: cannot start the command: %m\n");
		return 1;
	}
	int rc = open_events(&r, cpu_wide ? -1 : wl.pid, pages);
	if (rc && default_event) {
		/* No cycles here (perf, too, falls back to cpu-clock). */
		close_events(&r);
		memset(r.fd, 0, sizeof(r.fd));
		r.nev = events_parse("cpu-clock", r.ev, RT_MAX_EVENTS);
		setup_attrs(&r, callchain, cpu_wide, true, period, freq);
		rc = open_events(&r, cpu_wide ? -1 : wl.pid, pages);
	}
	if (rc) {
		kill(wl.pid, SIGKILL);
		waitpid(wl.pid, NULL, 0);
		close_events(&r);
		return 1;
	}
	for (int e = 0; e < r.nev; e++)
		r.pev[e] = (struct pd_event){ r.ev[e].attr, r.ev[e].name, r.ids[e], (u32)r.ncpu };

	/* What perf synthesizes: the kernel map, then the tasks there were. */
	struct synth sy = { .id_size = 8 * 4 };         /* trailer: tid, time, cpu, identifier */
	synth_kernel_mmap(&sy);
	if (cpu_wide)
		synth_all_tasks(&sy);
	else
		synth_task(&sy, wl.pid, false);         /* the child before its exec */
	if (cpu_wide)
		ioctl_all(&r, PERF_EVENT_IOC_ENABLE);
	if ((errno = -workload_go(&wl)) != 0) {
		fprintf(stderr, "rtperf: cannot run '%s': %m\n", cmd[0]);
		close_events(&r);
		pd_buf_free(&sy.buf);
		return 127;
	}
	int out = pipe_mode ? 1 : open(out_name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0) {
		fprintf(stderr, "rtperf: cannot create %s: %m\n", out_name);
		kill(wl.pid, SIGTERM);
		waitpid(wl.pid, NULL, 0);
		close_events(&r);
		return 1;
	}
	struct sigaction sa = { .sa_handler = on_sigint };
	sigaction(SIGINT, &sa, NULL);
	if (pd_writer_start(&r.w, out, pipe_mode, r.pev, r.nev) < 0)
		r.write_err = r.w.err ? r.w.err : EIO;
	synth_features(&r.w, r.pev, r.nev);
	struct pd_buf td = { 0 };
	bool tp = false;
	for (int e = 0; e < r.nev; e++)
		tp |= r.ev[e].tracepoint;
	if (tp && tracing_data(&td, r.ev, r.nev) == 0)
		pd_writer_feature(&r.w, PD_FEAT_TRACING_DATA, &td);
	else
		pd_buf_free(&td);
	mem_start(&r);
	for (size_t off = 0; off < sy.buf.len; off += ((struct perf_event_header *)(sy.buf.p + off))->size)
		rec_add(&r, (struct perf_event_header *)(sy.buf.p + off));
	pd_buf_free(&sy.buf);

	/* Drain until the command is gone (or ^C, or the file is full). */
	struct pollfd pfd[RT_MAX_CPUS];
	for (int c = 0; c < r.ncpu; c++)
		pfd[c] = (struct pollfd){ r.ring[c].fd, POLLIN, 0 };
	int status = 0;
	bool done = false;
	while (!done && !r.write_err && !interrupted) {
		poll(pfd, (nfds_t)r.ncpu, 100);
		drain(&r);
		done = waitpid(wl.pid, &status, WNOHANG) == wl.pid;
	}
	ioctl_all(&r, PERF_EVENT_IOC_DISABLE);
	drain(&r);
	if (!done) {
		kill(wl.pid, SIGTERM);          /* perf, too, stops the command */
		waitpid(wl.pid, &status, 0);
	}
	u64 lost_read = lost_by_read(&r);
	if (r.write_err)
		fprintf(stderr, "rtperf: writing %s: %s; the data ends at the last whole record "
			"written (the file stays readable)\n", out_name, strerror(r.write_err));
	summarize(&r, out_name, pipe_mode, lost_read);
	if (!pipe_mode)
		close(out);
	close_events(&r);
	pd_buf_free(&r.mem);
	if (WIFSIGNALED(status) && WTERMSIG(status) != SIGTERM && WTERMSIG(status) != SIGINT)
		fprintf(stderr, "rtperf: %s was killed by signal %d\n", cmd[0], WTERMSIG(status));
	return r.write_err ? 1 : 0;
}
