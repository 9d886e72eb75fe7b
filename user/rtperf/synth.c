/* synth.c - what perf record writes besides the kernel's records: the
 * kernel's map ("[kernel.kallsyms]_text" at _text, pid -1), COMM, FORK
 * and MMAP2 records for tasks that existed before recording (from /proc,
 * as perf synthesizes them; sample_id trailers zeroed: time 0, id 0), and
 * the header features perf report needs to read the file without
 * warnings. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include "rtperf.h"

#define VERSION_STRING "rtperf-1.0"

static void put_record(struct synth *s, u32 type, u16 misc, const void *body, size_t n)
{
	size_t size = (sizeof(struct perf_event_header) + n + 7) / 8 * 8 + s->id_size;
	struct perf_event_header h = { type, misc, (u16)size };
	pd_put(&s->buf, &h, sizeof(h));
	pd_put(&s->buf, body, n);
	pd_put(&s->buf, NULL, size - sizeof(h) - n);
}

void synth_kernel_mmap(struct synth *s)
{
	struct {
		u32 pid, tid;
		u64 start, len, pgoff;
		char name[24];
	} m = { (u32)-1, 0, 0, 0, 0, "[kernel.kallsyms]_text" };
	m.start = m.pgoff = kallsyms_address("_text");
	if (!m.start)
		return;         /* no kallsyms: perf too goes without the map */
	m.len = ~0ULL - m.start;
	put_record(s, PERF_RECORD_MMAP, PERF_RECORD_MISC_KERNEL, &m, sizeof(m));
}

static void synth_comm(struct synth *s, int pid, int tid, const char *comm)
{
	struct { u32 pid, tid; char comm[16]; } c = { (u32)pid, (u32)tid, { 0 } };
	snprintf(c.comm, sizeof(c.comm), "%s", comm);
	put_record(s, PERF_RECORD_COMM, 0, &c, 8 + strlen(c.comm) + 1);
}

/* MMAP2 for each executable file mapping in /proc/PID/maps, with the
 * file's build id when it has one (as the kernel writes with attr.build_id). */
static void synth_maps(struct synth *s, int pid)
{
	char path[64];
	size_t len;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	char *text = slurp(path, &len);
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		unsigned long long start, end, pgoff, ino;
		unsigned maj, min;
		char perm[5];
		int name_at = 0;
		if (sscanf(line, "%llx-%llx %4s %llx %x:%x %llu %n", &start, &end, perm, &pgoff, &maj,
			   &min, &ino, &name_at) < 7 || perm[2] != 'x' || !name_at || line[name_at] != '/')
			continue;
		const char *name = line + name_at;
		struct {
			u32 pid, tid;
			u64 start, len, pgoff;
			u8 id_size, res[3], id[20];
			u32 prot, flags;
			char name[4096];
		} m;
		memset(&m, 0, sizeof(m));
		m.pid = m.tid = (u32)pid;
		m.start = start;
		m.len = end - start;
		m.pgoff = pgoff;
		u16 misc = PERF_RECORD_MISC_USER;
		u8 id[20];
		u32 n = file_build_id(name, id);
		if (n) {
			m.id_size = (u8)n;
			memcpy(m.id, id, n);
			misc |= PERF_RECORD_MISC_MMAP_BUILD_ID;
		} else {
			u32 mm[2] = { maj, min };
			u64 inode[2] = { ino, 0 };
			memcpy(&m.id_size, mm, 8);
			memcpy(m.id + 4, inode, 16);
		}
		m.prot = (perm[0] == 'r' ? PROT_READ : 0) | (perm[1] == 'w' ? PROT_WRITE : 0) | PROT_EXEC;
		m.flags = perm[3] == 's' ? MAP_SHARED : MAP_PRIVATE;
		snprintf(m.name, sizeof(m.name), "%s", name);
		put_record(s, PERF_RECORD_MMAP2, misc, &m, offsetof(typeof(m), name) + strlen(m.name) + 1);
	}
	free(text);
}

void synth_task(struct synth *s, int pid, bool threads)
{
	char path[64], comm[32] = "";
	size_t len;
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	char *c = slurp(path, &len);
	if (!c)
		return;         /* gone meanwhile */
	snprintf(comm, sizeof(comm), "%.*s", (int)strcspn(c, "\n"), c);
	free(c);
	synth_comm(s, pid, pid, comm);
	if (threads) {
		snprintf(path, sizeof(path), "/proc/%d/task", pid);
		DIR *d = opendir(path);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			int tid = atoi(e->d_name);
			if (tid <= 0 || tid == pid)
				continue;
			struct { u32 pid, ppid, tid, ptid; u64 time; } f = {
				(u32)pid, (u32)pid, (u32)tid, (u32)pid, 0 };
			put_record(s, PERF_RECORD_FORK, 0, &f, sizeof(f));
			synth_comm(s, pid, tid, comm);
		}
		if (d)
			closedir(d);
	}
	synth_maps(s, pid);
}

void synth_all_tasks(struct synth *s)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		int pid = atoi(e->d_name);
		if (pid > 0)
			synth_task(s, pid, true);
	}
	if (d)
		closedir(d);
}

/* --- features ---------------------------------------------------------------------- */

static void string_feature(struct pd_writer *w, int f, const char *v)
{
	struct pd_buf b = { 0 };
	pd_put_string(&b, v);
	pd_writer_feature(w, f, &b);
}

/* The value of "key : value" in /proc/cpuinfo, spaces squashed. */
static bool cpuinfo(const char *text, const char *key, char *out, size_t n)
{
	size_t klen = strlen(key);
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, key, klen) || (l[klen] != ' ' && l[klen] != '\t' && l[klen] != ':'))
			continue;
		const char *v = strchr(l, ':');
		if (!v)
			return false;
		v += v[1] == ' ' ? 2 : 1;
		size_t k = 0;
		for (; *v && *v != '\n' && k + 1 < n; v++)
			if (!(*v == ' ' && k && out[k - 1] == ' '))
				out[k++] = *v == '\t' ? ' ' : *v;
		out[k] = 0;
		return true;
	}
	return false;
}

void synth_features(struct pd_writer *w, const struct pd_event *ev, int nev)
{
	struct utsname u;
	struct pd_buf b = { 0 };
	size_t len;
	if (!uname(&u)) {
		string_feature(w, PD_FEAT_HOSTNAME, u.nodename);
		string_feature(w, PD_FEAT_OSRELEASE, u.release);
		string_feature(w, PD_FEAT_ARCH, u.machine);
	}
	string_feature(w, PD_FEAT_VERSION, VERSION_STRING);
	pd_put_u32(&b, (u32)online_cpus());        /* available, then online */
	pd_put_u32(&b, (u32)online_cpus());
	pd_writer_feature(w, PD_FEAT_NRCPUS, &b);
	char *ci = slurp("/proc/cpuinfo", &len);
	char v[256], fam[16], model[16], step[16];
	if (ci && cpuinfo(ci, "model name", v, sizeof(v)))
		string_feature(w, PD_FEAT_CPUDESC, v);
	if (ci && cpuinfo(ci, "vendor_id", v, sizeof(v)) && cpuinfo(ci, "cpu family", fam, sizeof(fam)) &&
	    cpuinfo(ci, "model", model, sizeof(model)) && cpuinfo(ci, "stepping", step, sizeof(step))) {
		char id[320];
		snprintf(id, sizeof(id), "%s,%s,%s,%s", v, fam, model, step);
		string_feature(w, PD_FEAT_CPUID, id);
	}
	free(ci);
	char *mi = slurp("/proc/meminfo", &len);
	if (mi && !strncmp(mi, "MemTotal:", 9)) {
		pd_put_u64(&b, strtoull(mi + 9, NULL, 10));        /* kB, as perf */
		pd_writer_feature(w, PD_FEAT_TOTAL_MEM, &b);
	}
	free(mi);
	char exe[4096] = "rtperf";
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0)
		exe[n] = 0;
	pd_put_u32(&b, (u32)rtperf_argc);          /* the binary, then the arguments */
	pd_put_string(&b, exe);
	for (int i = 1; i < rtperf_argc; i++)
		pd_put_string(&b, rtperf_argv[i]);
	pd_writer_feature(w, PD_FEAT_CMDLINE, &b);
	pd_put_u32(&b, (u32)nev);
	pd_put_u32(&b, PD_ATTR_SIZE);
	for (int i = 0; i < nev; i++) {
		struct perf_event_attr a = ev[i].attr;
		a.size = PD_ATTR_SIZE;
		pd_put(&b, &a, PD_ATTR_SIZE);
		pd_put_u32(&b, ev[i].nr_ids);
		pd_put_string(&b, ev[i].name);
		pd_put(&b, ev[i].ids, 8ULL * ev[i].nr_ids);
	}
	pd_writer_feature(w, PD_FEAT_EVENT_DESC, &b);
}

/* The kernel (from /sys/kernel/notes, as perf reads it) and every binary
 * a sample hit, with their build ids (pid -1: the host machine). */
void synth_build_ids(struct pd_writer *w)
{
	struct pd_buf b = { 0 };
	size_t len;
	u8 id[20];
	char *notes = slurp("/sys/kernel/notes", &len);
	u32 n = notes ? notes_build_id((const u8 *)notes, len, id) : 0;
	free(notes);
	if (n)
		pd_put_build_id(&b, 0, PD_KERNEL_PID, PERF_RECORD_MISC_KERNEL, id, n, "[kernel.kallsyms]");
	for (struct dso *d = dso_first(); d; d = dso_next(d)) {
		if (d->kernel || !d->hit)
			continue;
		if (!d->build_id_size)
			d->build_id_size = file_build_id(d->name, d->build_id);
		if (d->build_id_size)
			pd_put_build_id(&b, 0, PD_KERNEL_PID, PERF_RECORD_MISC_USER, d->build_id,
					d->build_id_size, d->name);
	}
	if (b.len)
		pd_writer_feature(w, PD_FEAT_BUILD_ID, &b);
	else
		pd_buf_free(&b);
}

void synth_sample_time(struct pd_writer *w, u64 first, u64 last)
{
	struct pd_buf b = { 0 };
	if (first > last)
		return;
	pd_put_u64(&b, first);
	pd_put_u64(&b, last);
	pd_writer_feature(w, PD_FEAT_SAMPLE_TIME, &b);
}
