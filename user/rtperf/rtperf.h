/* rtperf.h - what rtperf's files share. rtperf is a small perf(1):
 *
 *   rtperf record [-e EV[,EV...]] [-c N | -F HZ] [-g] [-a | -C CPU] [-m PAGES]
 *                 [-o FILE|-] [--] CMD...
 *   rtperf stat [-e EV[,EV...]] [-a | -C CPU] [-v] [--] CMD...
 *   rtperf report [-i FILE|-] [--stdio] [-n] [-g | --no-call-graph] [--top N] [--header]
 *
 * record writes a Linux perf.data (user/lib/perf_data.c) that Linux's own
 * perf report, perf script and flame-graph tools read. Files:
 *   rtperf.c   the command line, shared helpers
 *   events.c   event names (perf's) -> perf_event_attr
 *   record.c   record: open, fork/exec, drain the rings with poll
 *   synth.c    what perf synthesizes: kernel map, existing tasks, features
 *   tracing.c  the TRACING_DATA feature (tracepoint formats for perf)
 *   symbols.c  kernel (kallsyms) and ELF symbols, build ids
 *   session.c  replaying records: threads, maps, sample tallies
 *   report.c   report: the top symbols table and call chains
 *   stat.c     stat: counting
 */
#pragma once
#include <stdbool.h>
#include <stdio.h>
#include <lib/types.h>
#include <linux/perf_event.h>
#include "perf_data.h"

#define RT_MAX_EVENTS 16
#define RT_MAX_CPUS   64

/* --- events.c ----------------------------------------------------------------- */
struct rt_event {
	char name[96];                  /* as given, e.g. "cycles:u" */
	struct perf_event_attr attr;
	bool tracepoint;
	char tp_system[32], tp_name[64];
};
/* Parse "ev1,ev2,..." into ev[]; returns the count or -1 with a message
 * printed. Unknown names, unknown tracepoints and bad modifiers fail. */
int events_parse(const char *spec, struct rt_event *ev, int max);
/* Period and frequency options: "-c N" / "-F HZ"; -1 with a message. */
int parse_u64_option(const char *opt, const char *arg, u64 *out);
u32 max_sample_rate(void);

/* --- rtperf.c: helpers ----------------------------------------------------------- */
long sys_perf_event_open(struct perf_event_attr *a, int pid, int cpu, int group, unsigned long fl);
/* The whole file at path (NUL-terminated, *len bytes); NULL on error. */
char *slurp(const char *path, size_t *len);
int online_cpus(void);
/* Fork CMD stopped until workload_go(); its exec errors come back there.
 * stdout_to_stderr: its output must not mix with perf.data on stdout. */
struct workload {
	int pid;
	int go_fd, err_fd;
};
int workload_prepare(struct workload *w, char **argv, bool stdout_to_stderr);
/* Let it exec: 0, or -errno if exec failed (the child is then reaped). */
int workload_go(struct workload *w);
extern const char *rtperf_argv0;
extern int rtperf_argc;
extern char **rtperf_argv;

/* --- symbols.c ---------------------------------------------------------------------- */
struct sym {
	u64 start, end;         /* kernel: addresses; ELF: file offsets */
	const char *name;
	u8 bind, type;
	u32 seq;                /* table order, for a stable sort */
};
struct dso {
	char name[256];         /* a path, or "[kernel.kallsyms]" */
	const char *short_name; /* basename, as perf shows it */
	bool kernel;
	bool loaded;            /* symbols read (or tried) */
	struct sym *syms;
	size_t nsyms;
	char *strs;
	u8 build_id[20];
	u32 build_id_size;
	bool hit;               /* sampled: its build id goes into the file */
};
struct dso *dso_find(const char *name, bool kernel);    /* findnew */
void dso_set_build_id(struct dso *d, const u8 *id, u32 size);
const struct sym *dso_lookup(struct dso *d, u64 addr);
struct dso *dso_first(void);
struct dso *dso_next(struct dso *d);
/* The GNU build id in ELF notes (a file's PT_NOTEs or raw notes like
 * /sys/kernel/notes): its size, or 0. */
u32 notes_build_id(const u8 *notes, size_t len, u8 id[20]);
u32 file_build_id(const char *path, u8 id[20]);
/* The address of a /proc/kallsyms symbol, or 0. */
u64 kallsyms_address(const char *name);

/* --- session.c ----------------------------------------------------------------------- */
struct map {
	u64 start, end, pgoff;
	struct dso *dso;
};
struct thread {
	int pid, tid;
	char comm[16];
	struct map *maps;       /* of its process (shared by pid) */
	int nmaps, cap;
};
struct hist {                   /* one line of the report */
	int ev;                 /* index of the attr */
	const char *comm;
	struct dso *dso;
	const struct sym *sym;
	u64 addr;               /* when sym is NULL: the address */
	char cpumode;           /* 'k' or '.' */
	u64 samples, period;
	struct chain *chains;   /* call chains, most frequent first */
	int nchains;
};
struct chain {
	u64 count;
	int n;
	char **names;           /* caller frames, innermost first */
};
struct session {
	const struct pd_attr *attrs;
	int nattr;
	const char **ev_names;
	struct thread *threads;
	int nthreads, cap;
	struct hist *hists;
	int nhists, hcap;
	u64 samples[PD_MAX_ATTRS], periods[PD_MAX_ATTRS];
	u64 records[PD_RECORD_HEADER_FEATURE + 1];
	u64 lost, lost_samples;
	u64 first_time, last_time;
	bool callchains;
};
void session_init(struct session *s, const struct pd_attr *attrs, int nattr, const char **names);
/* Replay records in time order (synthesized records, time 0, first). */
void session_replay(struct session *s, const struct pd_reader *r);
/* Resolve ip for thread (pid, tid) in cpumode; dso/sym out. */
void session_resolve(struct session *s, int pid, int tid, bool kernel, u64 ip,
		     struct dso **dso, const struct sym **sym);
const char *session_comm(struct session *s, int pid, int tid);
void session_free(struct session *s);

/* --- report.c ------------------------------------------------------------------------- */
struct report_opts {
	int top;                /* lines per event (0: all) */
	bool samples;           /* -n: the Samples column */
	bool callchains;        /* -g: call chains under each line */
	bool header;            /* the file's features first */
};
void report_print(FILE *out, struct session *s, const struct report_opts *o);
void report_header(FILE *out, const struct pd_reader *r);
int cmd_report(int argc, char **argv);

/* --- synth.c -------------------------------------------------------------------------- */
/* Append a record with a zeroed sample_id_all trailer of id_size bytes. */
struct synth {
	struct pd_buf buf;      /* the records, in order */
	size_t id_size;
};
void synth_kernel_mmap(struct synth *s);
void synth_task(struct synth *s, int pid, bool threads);
void synth_all_tasks(struct synth *s);
/* The feature payloads (all but BUILD_ID, TRACING_DATA, SAMPLE_TIME). */
void synth_features(struct pd_writer *w, const struct pd_event *ev, int nev);
void synth_build_ids(struct pd_writer *w);
void synth_sample_time(struct pd_writer *w, u64 first, u64 last);

/* --- tracing.c ------------------------------------------------------------------------ */
/* The TRACING_DATA payload for the tracepoint events among ev: 0 or -1. */
int tracing_data(struct pd_buf *b, const struct rt_event *ev, int nev);

/* --- the commands ----------------------------------------------------------------------- */
int cmd_record(int argc, char **argv);
int cmd_stat(int argc, char **argv);
