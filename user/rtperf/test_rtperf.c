/* test_rtperf: rtperf in the guest. Runs /bin/rtperf like a user would and
 * checks what it prints against the records in the file it wrote, read
 * here with the perf.data reader and counted independently:
 *   - record -> report agrees with the raw records: total, kernel and user
 *     samples, and the top user and kernel functions counted by address
 *     (ELF symbol table, /proc/kallsyms) from the raw samples;
 *   - call chains, pipe mode, -a (synthesized tasks), tracepoints, stat;
 *   - bad input: unknown events and modifiers, bad periods, a command that
 *     does not exist (an error and no file), a full file system mid-record
 *     (an error and a valid file cut at a record boundary).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "ktap.h"
#include "perf_data.h"

#define WORK "perf_demo", "--work"
#define OUT "/tmp/rtperf-test.data"

static char out_buf[1 << 20], err_buf[1 << 20];

/* The whole file (also /proc files, whose size says 0), or NULL. */
static char *slurp_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	size_t cap = 1 << 16, n = 0;
	char *buf = fd < 0 ? NULL : malloc(cap);
	ssize_t k;
	while (buf && (k = read(fd, buf + n, cap - n - 1)) > 0)
		if ((n += (size_t)k) == cap - 1) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
		}
	if (fd >= 0)
		close(fd);
	if (buf) {
		buf[n] = 0;
		*len = n;
	}
	return buf;
}

/* Run argv with stdout and stderr into out_buf and err_buf; exit status
 * (128 + signal if killed). stdout_file: stdout to that file instead. */
static int run(const char *stdout_file, const char *const *argv)
{
	const char *o = stdout_file ? stdout_file : "/tmp/rtperf-test.out", *e = "/tmp/rtperf-test.err";
	pid_t pid = fork();
	if (pid == 0) {
		int fo = open(o, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int fe = open(e, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fo, 1);
		dup2(fe, 2);
		execv(argv[0], (char **)argv);
		_exit(126);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	size_t n;
	char *t;
	out_buf[0] = err_buf[0] = 0;
	if (!stdout_file && (t = slurp_file(o, &n))) {
		snprintf(out_buf, sizeof(out_buf), "%s", t);
		free(t);
	}
	if ((t = slurp_file(e, &n))) {
		snprintf(err_buf, sizeof(err_buf), "%s", t);
		free(t);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

#define RUN(...) run(NULL, (const char *const[]){ "/bin/rtperf", __VA_ARGS__, NULL })
#define RUN_TO(file, ...) run(file, (const char *const[]){ "/bin/rtperf", __VA_ARGS__, NULL })

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* --- the file, counted here -------------------------------------------------------- */

struct raw {
	char *buf;
	size_t len;
	struct pd_reader r;
	u64 samples, kernel, user, by_attr[PD_MAX_ATTRS], records[128];
	bool bad;
};

static bool raw_open(struct raw *w, const char *path)
{
	char err[128];
	memset(w, 0, sizeof(*w));
	w->buf = slurp_file(path, &w->len);
	if (!w->buf || pd_reader_open(&w->r, w->buf, w->len, err, sizeof(err))) {
		ktap_diag("%s: %s", path, w->buf ? err : "cannot read");
		return false;
	}
	u64 pos = 0;
	const struct perf_event_header *h;
	while ((h = pd_reader_next(&w->r, &pos, &w->bad))) {
		w->records[h->type < 128 ? h->type : 127]++;
		if (h->type != PERF_RECORD_SAMPLE)
			continue;
		const struct pd_attr *a = pd_reader_attr_of(&w->r, h);
		w->samples++;
		if (a)
			w->by_attr[a - w->r.attr]++;
		if ((h->misc & PERF_RECORD_MISC_CPUMODE_MASK) == PERF_RECORD_MISC_KERNEL)
			w->kernel++;
		else
			w->user++;
	}
	return true;
}

static void raw_close(struct raw *w)
{
	pd_reader_close(&w->r);
	free(w->buf);
}

/* Samples whose ip is in [lo, hi) in the given mode. */
static u64 raw_count_in(struct raw *w, u64 lo, u64 hi, bool kernel)
{
	u64 pos = 0, n = 0;
	bool bad = false;
	const struct perf_event_header *h;
	while ((h = pd_reader_next(&w->r, &pos, &bad))) {
		struct pd_sample s;
		const struct pd_attr *a = pd_reader_attr_of(&w->r, h);
		if (h->type != PERF_RECORD_SAMPLE || !a || pd_parse_sample(h, &a->attr, &s))
			continue;
		bool k = (h->misc & PERF_RECORD_MISC_CPUMODE_MASK) == PERF_RECORD_MISC_KERNEL;
		n += k == kernel && s.ip >= lo && s.ip < hi;
	}
	return n;
}

/* [start, start + size) of a function in an ELF file's .symtab. */
static bool elf_function(const char *path, const char *name, u64 *lo, u64 *hi)
{
	size_t len;
	char *f = slurp_file(path, &len);
	bool found = false;
	const Elf64_Ehdr *e = (const void *)f;
	if (!f || len < sizeof(*e) || memcmp(e->e_ident, ELFMAG, SELFMAG))
		goto out;
	const Elf64_Shdr *sh = (const void *)(f + e->e_shoff);
	for (int i = 0; i < e->e_shnum && !found; i++) {
		if (sh[i].sh_type != SHT_SYMTAB)
			continue;
		const Elf64_Sym *sym = (const void *)(f + sh[i].sh_offset);
		const char *str = f + sh[sh[i].sh_link].sh_offset;
		for (size_t k = 0; k < sh[i].sh_size / sizeof(*sym); k++)
			if (ELF64_ST_TYPE(sym[k].st_info) == STT_FUNC && !strcmp(str + sym[k].st_name, name)) {
				*lo = sym[k].st_value;
				*hi = sym[k].st_value + sym[k].st_size;
				found = sym[k].st_size != 0;
				break;
			}
	}
out:
	free(f);
	return found;
}

/* A kernel function's address and the next symbol's, from /proc/kallsyms. */
static bool kallsyms_range(const char *name, u64 *lo, u64 *hi)
{
	size_t len;
	char *t = slurp_file("/proc/kallsyms", &len);
	*lo = 0;
	*hi = ~0ULL;
	for (char *l = t; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char n[128];
		unsigned long long a;
		char type;
		if (sscanf(l, "%llx %c %127s", &a, &type, n) != 3)
			continue;
		if (!strcmp(n, name) && !*lo)
			*lo = a;
	}
	for (char *l = t; *lo && l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		unsigned long long a;
		if (sscanf(l, "%llx", &a) == 1 && a > *lo && a < *hi)
			*hi = a;
	}
	free(t);
	return *lo != 0;
}

/* --- rtperf's printed tables ---------------------------------------------------------- */

struct row {
	char comm[32], dso[64], sym[128];
	char mode;
	u64 samples;
};

/* Rows of `rtperf report -n` (or of record's closing table) after `from`. */
static int parse_rows(const char *text, const char *from, struct row *rows, int max)
{
	int n = 0;
	const char *p = from ? strstr(text, from) : text;
	for (; p && *p && n < max; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		struct row r;
		double pct;
		unsigned long long s;
		if (sscanf(p, " %lf%% %llu %31s %63s [%c] %127s", &pct, &s, r.comm, r.dso, &r.mode, r.sym) == 6) {
			r.samples = s;
			rows[n++] = r;
		}
	}
	return n;
}

static u64 printed_samples(void)
{
	const char *p = strstr(err_buf, "MB ");
	const char *q = p ? strstr(p, "(") : NULL;
	return q ? strtoull(q + 1, NULL, 10) : ~0ULL;
}

/* --- cases ------------------------------------------------------------------------------ */

static void t_record_report_agree(void)
{
	struct raw w;
	struct row rep[512], rec[16];
	unlink(OUT);
	EXPECT_EQ(RUN("record", "-o", OUT, "--", WORK, "400"), 0);
	char summary[sizeof(err_buf)];
	memcpy(summary, err_buf, sizeof(summary));
	u64 printed = printed_samples();
	int nrec = parse_rows(summary, "top symbols", rec, 16);
	EXPECT_EQ(RUN("report", "-i", OUT, "-n"), 0);
	int nrep = parse_rows(out_buf, NULL, rep, 512);
	if (!raw_open(&w, OUT)) {
		KTAP_FAIL("no readable file");
		return;
	}
	EXPECT_FALSE(w.bad);
	EXPECT_GT(w.samples, 50);
	EXPECT_EQ(printed, w.samples);
	u64 sum = 0, ksum = 0, usum = 0;
	for (int i = 0; i < nrep; i++) {
		sum += rep[i].samples;
		*(rep[i].mode == 'k' ? &ksum : &usum) += rep[i].samples;
	}
	EXPECT_EQ(sum, w.samples);
	EXPECT_EQ(ksum, w.kernel);
	EXPECT_EQ(usum, w.user);
	/* record's closing table is report's first lines. */
	EXPECT_GT(nrec, 3);
	for (int i = 0; i < nrec && i < nrep; i++) {
		EXPECT_STREQ(rec[i].sym, rep[i].sym);
		EXPECT_EQ(rec[i].samples, rep[i].samples);
	}
	/* The hottest user and kernel functions, counted by address here. */
	const struct row *u = NULL, *k = NULL;
	for (int i = 0; i < nrep; i++) {
		if (!u && rep[i].mode == '.' && !strcmp(rep[i].dso, "perf_demo"))
			u = &rep[i];
		if (!k && rep[i].mode == 'k')
			k = &rep[i];
	}
	u64 lo, hi;
	if (EXPECT_TRUE(u && elf_function("/bin/perf_demo", u->sym, &lo, &hi))) {
		ktap_diag("hottest user function %s: %llu samples", u->sym, (unsigned long long)u->samples);
		EXPECT_EQ(raw_count_in(&w, lo, hi, false), u->samples);
	}
	if (EXPECT_TRUE(k && kallsyms_range(k->sym, &lo, &hi))) {
		u64 all = 0;            /* the function's rows of every command */
		for (int i = 0; i < nrep; i++)
			all += rep[i].mode == 'k' && !strcmp(rep[i].sym, k->sym) ? rep[i].samples : 0;
		ktap_diag("hottest kernel function %s: %llu samples", k->sym, (unsigned long long)all);
		EXPECT_EQ(raw_count_in(&w, lo, hi, true), all);
	}
	raw_close(&w);
}

static void t_callchains(void)
{
	struct raw w;
	EXPECT_EQ(RUN("record", "-g", "-o", OUT, "--", WORK, "200"), 0);
	EXPECT_EQ(RUN("report", "-i", OUT, "-n"), 0);
	EXPECT_TRUE(strstr(out_buf, "|--") != NULL);
	EXPECT_TRUE(strstr(out_buf, "workload") != NULL);
	if (!raw_open(&w, OUT))
		return;
	u64 pos = 0, with_user = 0;
	bool bad = false;
	const struct perf_event_header *h;
	while ((h = pd_reader_next(&w.r, &pos, &bad))) {
		struct pd_sample s;
		if (h->type != PERF_RECORD_SAMPLE || pd_parse_sample(h, &w.r.attr[0].attr, &s))
			continue;
		for (u64 i = 0; i < s.nr; i++)
			if (s.ips[i] == (u64)PERF_CONTEXT_USER) {
				with_user++;
				break;
			}
	}
	EXPECT_GT(with_user, 0);
	raw_close(&w);
}

static void t_pipe_mode(void)
{
	struct raw w;
	unlink(OUT);
	EXPECT_EQ(RUN_TO(OUT, "record", "-o", "-", "--", WORK, "200"), 0);
	u64 printed = printed_samples();
	EXPECT_TRUE(strstr(err_buf, "to standard output") != NULL);
	if (!raw_open(&w, OUT))
		return;
	EXPECT_TRUE(w.r.pipe);
	EXPECT_EQ(w.samples, printed);
	EXPECT_GT(w.records[PD_RECORD_HEADER_FEATURE], 5);
	EXPECT_EQ(RUN("report", "-i", OUT, "-n"), 0);
	struct row rep[512];
	int n = parse_rows(out_buf, NULL, rep, 512);
	u64 sum = 0;
	for (int i = 0; i < n; i++)
		sum += rep[i].samples;
	EXPECT_EQ(sum, w.samples);
	raw_close(&w);
}

static void t_all_cpus(void)
{
	struct raw w;
	EXPECT_EQ(RUN("record", "-a", "-e", "cpu-clock", "-o", OUT, "--", WORK, "200"), 0);
	if (!raw_open(&w, OUT))
		return;
	/* perf's synthesized records come first: the kernel map, then pid 1. */
	u64 pos = 0;
	bool bad = false, init = false;
	const struct perf_event_header *h = pd_reader_next(&w.r, &pos, &bad);
	EXPECT_TRUE(h && h->type == PERF_RECORD_MMAP &&
		    !strcmp((const char *)(h + 1) + 32, "[kernel.kallsyms]_text"));
	while ((h = pd_reader_next(&w.r, &pos, &bad)))
		init |= h->type == PERF_RECORD_COMM && ((const u32 *)(h + 1))[0] == 1;
	EXPECT_TRUE(init);
	EXPECT_EQ(w.r.attr[0].nr_ids, (u32)sysconf(_SC_NPROCESSORS_ONLN));
	raw_close(&w);
}

static void t_tracepoints(void)
{
	struct raw w;
	EXPECT_EQ(RUN("record", "-e", "raw_syscalls:sys_enter,syscalls:sys_enter_getppid", "-o", OUT,
		      "--", WORK, "200"), 0);
	if (!raw_open(&w, OUT))
		return;
	EXPECT_EQ(w.r.nattr, 2);
	EXPECT_GE(w.by_attr[1], 200);           /* 200 getppid a round */
	EXPECT_GE(w.by_attr[0], w.by_attr[1]);
	u64 size;
	const u8 *td = pd_reader_feature(&w.r, PD_FEAT_TRACING_DATA, &size);
	EXPECT_TRUE(td && size > 10 && !memcmp(td, "\027\010Dtracing", 10));
	EXPECT_STREQ(w.r.attr[1].name ? w.r.attr[1].name : "", "syscalls:sys_enter_getppid");
	raw_close(&w);
}

static void t_bad_events(void)
{
	static const char *const bad[][2] = {
		{ "bogus", "unknown event 'bogus'" },
		{ "cycles,nosuch-event", "unknown event 'nosuch-event'" },
		{ "syscalls:sys_enter_nosuch", "unknown event 'syscalls:sys_enter_nosuch'" },
		{ "cycles:x", "unknown modifier 'x'" },
		{ "", "needs an event" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unlink(OUT);
		EXPECT_EQ(RUN("record", "-e", bad[i][0], "-o", OUT, "--", "true"), 2);
		if (!EXPECT_TRUE(strstr(err_buf, bad[i][1]) != NULL))
			ktap_diag("-e '%s': %s", bad[i][0], err_buf);
		EXPECT_FALSE(exists(OUT));
		EXPECT_EQ(RUN("stat", "-e", bad[i][0], "--", "true"), 2);
	}
}

static void t_bad_periods(void)
{
	static const char *const bad[][2] = {
		{ "-c", "0" }, { "-c", "-5" }, { "-c", "abc" }, { "-c", "99999999999999999999" },
		{ "-c", "9223372036854775808" }, { "-F", "0" }, { "-F", "100000000" }, { "-F", "4k" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unlink(OUT);
		EXPECT_EQ(RUN("record", bad[i][0], bad[i][1], "-o", OUT, "--", "true"), 2);
		if (!EXPECT_TRUE(strstr(err_buf, bad[i][0]) != NULL))
			ktap_diag("%s %s: %s", bad[i][0], bad[i][1], err_buf);
		EXPECT_FALSE(exists(OUT));
	}
	EXPECT_EQ(RUN("record", "-c", "1000", "-F", "100", "-o", OUT, "--", "true"), 2);
	EXPECT_FALSE(exists(OUT));
}

static void t_missing_command(void)
{
	unlink(OUT);
	EXPECT_EQ(RUN("record", "-o", OUT, "--", "/bin/no-such-program"), 127);
	EXPECT_TRUE(strstr(err_buf, "cannot run '/bin/no-such-program': No such file or directory") != NULL);
	EXPECT_FALSE(exists(OUT));
	EXPECT_EQ(RUN("record", "-o", OUT), 2);
	EXPECT_TRUE(strstr(err_buf, "no command") != NULL);
	EXPECT_EQ(RUN("stat", "--", "no-such-program"), 127);
	EXPECT_FALSE(exists(OUT));
}

/* A file system that fills up while rtperf writes: an error, and a file
 * that ends at a record boundary and still reads. */
static void t_full_file_system(void)
{
	static char chunk[1 << 16];
	const char *dir = "/mnt/full", *fill = "/mnt/full/fill", *out = "/mnt/full/perf.data";
	mkdir(dir, 0755);
	if (!EXPECT_EQ(mount("tmpfs", dir, "tmpfs", 0, NULL), 0))
		return;
	int fd = open(fill, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	off_t size = 0;
	ssize_t n;
	memset(chunk, 0xa5, sizeof(chunk));
	while ((n = write(fd, chunk, sizeof(chunk))) > 0)
		size += n;
	EXPECT_EQ(errno, ENOSPC);
	EXPECT_EQ(ftruncate(fd, size - 16384), 0);  /* 16 KiB left */
	close(fd);
	EXPECT_EQ(RUN("record", "-e", "raw_syscalls:sys_enter", "-o", out, "--", WORK, "200"), 1);
	if (!EXPECT_TRUE(strstr(err_buf, "No space left on device") != NULL))
		ktap_diag("rtperf said: %.300s", err_buf);
	u64 printed = printed_samples();
	struct raw w;
	if (EXPECT_TRUE(raw_open(&w, out))) {
		EXPECT_FALSE(w.bad);                    /* whole records only */
		EXPECT_EQ(w.r.data_end, w.r.h.data.offset + w.r.h.data.size);
		EXPECT_EQ(w.samples, printed);
		EXPECT_GT(w.records[PERF_RECORD_MMAP], 0);
		raw_close(&w);
	}
	EXPECT_EQ(RUN("report", "-i", out), 0);
	unlink(out);
	unlink(fill);
	EXPECT_EQ(umount(dir), 0);
	rmdir(dir);
}

static void t_stat(void)
{
	EXPECT_EQ(RUN("stat", "-v", "-e", "task-clock,page-faults,context-switches", "--", WORK, "200"), 0);
	EXPECT_TRUE(strstr(err_buf, "Performance counter stats for 'perf_demo --work 200'") != NULL);
	EXPECT_TRUE(strstr(err_buf, "seconds time elapsed") != NULL);
	unsigned long long v, en, run_;
	const char *p = strstr(err_buf, "task-clock: ");
	EXPECT_TRUE(p && sscanf(p, "task-clock: %llu %llu %llu", &v, &en, &run_) == 3 && v > 0 &&
		    en >= run_ && run_ > 0);
	p = strstr(err_buf, "page-faults: ");
	EXPECT_TRUE(p && sscanf(p, "page-faults: %llu", &v) == 1 && v >= 64);
}

static void t_report_bad_file(void)
{
	int fd = open("/tmp/not-perf.data", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	EXPECT_EQ(write(fd, "hello, world, this is no perf.data file at all\n", 47), 47);
	close(fd);
	EXPECT_EQ(RUN("report", "-i", "/tmp/not-perf.data"), 1);
	EXPECT_TRUE(strstr(err_buf, "not a perf.data file") != NULL);
	EXPECT_EQ(RUN("report", "--top", "ten", "-i", "/tmp/not-perf.data"), 2);
	EXPECT_TRUE(strstr(err_buf, "--top needs a count") != NULL);
	EXPECT_EQ(RUN("report", "--bogus"), 2);
	EXPECT_TRUE(strstr(err_buf, "unknown option '--bogus'") != NULL);
	/* A copy cut in the middle of its data. */
	EXPECT_EQ(RUN("record", "-o", OUT, "--", WORK, "100"), 0);
	size_t len;
	char *f = slurp_file(OUT, &len);
	if (EXPECT_TRUE(f && len > 4096)) {
		fd = open("/tmp/cut.data", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		EXPECT_EQ(write(fd, f, len / 2), (ssize_t)(len / 2));
		close(fd);
		EXPECT_EQ(RUN("report", "-i", "/tmp/cut.data"), 1);
		EXPECT_TRUE(strstr(err_buf, "truncated") != NULL);
	}
	free(f);
	unlink("/tmp/cut.data");
	unlink("/tmp/not-perf.data");
	unlink(OUT);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_record_report_agree), KTAP_CASE(t_callchains), KTAP_CASE(t_pipe_mode),
	KTAP_CASE(t_all_cpus), KTAP_CASE(t_tracepoints), KTAP_CASE(t_bad_events),
	KTAP_CASE(t_bad_periods), KTAP_CASE(t_missing_command), KTAP_CASE(t_full_file_system),
	KTAP_CASE(t_stat), KTAP_CASE(t_report_bad_file),
};

int main(void)
{
	int rc = ktap_run(cases, KTAP_COUNT(cases));
	unlink("/tmp/rtperf-test.out");         /* leave the file system as found */
	unlink("/tmp/rtperf-test.err");
	unlink(OUT);
	return rc;
}
