/* /proc: the system-wide files, in Linux's formats, made from live kernel
 * state when opened (per-process directories are in proc_pid.c).
 *   kallsyms meminfo cpuinfo uptime loadavg stat mounts version
 *   filesystems cmdline self
 *   sys/kernel/{perf_event_*, perf_cpu_time_max_percent}: writable, with
 *     Linux's validation (kernel/events/sysctl.c)
 *   sys/kernel/{ostype,osrelease,version,hostname,pid_max,threads-max} */
#include <lib/errno.h>
#include <lib/fmt.h>
#include <lib/string.h>
#include <kernel/clock.h>
#include <kernel/cmdline.h>
#include <kernel/heap.h>
#include <kernel/ksyms.h>
#include <kernel/percpu.h>
#include <kernel/perf.h>
#include <kernel/pmm.h>
#include <kernel/proc.h>
#include <kernel/pseudofs.h>
#include <kernel/sched.h>
#include <kernel/utsname.h>
#include <kernel/vfs.h>
#include <kernel/arch/clock.h>
#include <kernel/arch/cpu.h>

#define PROC_SUPER_MAGIC 0x9fa0
#define USER_HZ 100

static int show_kallsyms(struct seqbuf *s, long arg)
{
	for (u64 k = 0; k < ksyms_count; k++)
		seq_printf(s, "%016llx T %s\n", (unsigned long long)ksyms_table[k].addr,
			   ksyms_table[k].name);
	return 0;
}

static void kb_line(struct seqbuf *s, const char *name, u64 pages)
{
	seq_printf(s, "%-16s%8llu kB\n", name, (unsigned long long)(pages * (PAGE_SIZE / 1024)));
}

static int show_meminfo(struct seqbuf *s, long arg)
{
	struct heap_stats hs;
	heap_get_stats(&hs);
	u64 total = frame_total_count(), free = frame_free_count(), shmem = ramfs_pages();
	kb_line(s, "MemTotal:", total);
	kb_line(s, "MemFree:", free);
	kb_line(s, "MemAvailable:", free);
	kb_line(s, "Buffers:", 0);
	kb_line(s, "Cached:", shmem);
	kb_line(s, "SwapCached:", 0);
	kb_line(s, "SwapTotal:", 0);
	kb_line(s, "SwapFree:", 0);
	kb_line(s, "Shmem:", shmem);
	kb_line(s, "Slab:", hs.bytes_in_use / PAGE_SIZE);
	kb_line(s, "SReclaimable:", 0);
	kb_line(s, "SUnreclaim:", hs.bytes_in_use / PAGE_SIZE);
	return 0;
}

static int show_cpuinfo(struct seqbuf *s, long arg)
{
	for (unsigned int c = 0; c < nr_cpus_online; c++) {
		seq_printf(s, "processor\t: %u\n", c);
		arch_cpuinfo(s, c);
		seq_printf(s, "\n");
	}
	return 0;
}

/* "12.34": ns as seconds with two decimals. */
static void secs(struct seqbuf *s, u64 ns)
{
	seq_printf(s, "%llu.%02llu", (unsigned long long)(ns / 1000000000ull),
		   (unsigned long long)(ns / 10000000ull % 100));
}

static u64 idle_ns(void)
{
	u64 ns = 0;
	for (unsigned int c = 0; c < MAX_CPUS; c++)
		if (cpu_table[c] && cpu_table[c]->idle)
			ns += cpu_table[c]->idle->stime_ns + cpu_table[c]->idle->utime_ns;
	return ns;
}

static int show_uptime(struct seqbuf *s, long arg)
{
	secs(s, clock_ns());
	seq_printf(s, " ");
	secs(s, idle_ns());
	seq_printf(s, "\n");
	return 0;
}

static int show_loadavg(struct seqbuf *s, long arg)
{
	u64 l[3];
	sched_loadavg(l);
	seq_printf(s, "%llu.%02llu %llu.%02llu %llu.%02llu %u/%d %d\n",
		   (unsigned long long)(l[0] / 100), (unsigned long long)(l[0] % 100),
		   (unsigned long long)(l[1] / 100), (unsigned long long)(l[1] % 100),
		   (unsigned long long)(l[2] / 100), (unsigned long long)(l[2] % 100),
		   sched_nr_running(), thread_count(), thread_last_tid());
	return 0;
}

/* Per-CPU times in USER_HZ ticks: user, nice, system, idle and zeros. */
static int show_stat(struct seqbuf *s, long arg)
{
	u64 idle = idle_ns() / (1000000000ull / USER_HZ);
	u64 busy = clock_ns() * nr_cpus_online / (1000000000ull / USER_HZ);
	u64 sys = busy > idle ? busy - idle : 0;
	seq_printf(s, "cpu  0 0 %llu %llu 0 0 0 0 0 0\n", (unsigned long long)sys,
		   (unsigned long long)idle);
	for (unsigned int c = 0; c < nr_cpus_online; c++) {
		struct thread *it = cpu_table[c] ? cpu_table[c]->idle : NULL;
		u64 ci = it ? (it->stime_ns + it->utime_ns) / (1000000000ull / USER_HZ) : 0;
		u64 cb = clock_ns() / (1000000000ull / USER_HZ);
		seq_printf(s, "cpu%u 0 0 %llu %llu 0 0 0 0 0 0\n", c,
			   (unsigned long long)(cb > ci ? cb - ci : 0), (unsigned long long)ci);
	}
	u64 ctxt = 0, intr = 0;
	for (unsigned int c = 0; c < MAX_CPUS; c++)
		if (cpu_table[c])
			intr += cpu_table[c]->irq_count;
	u64 boot = (arch_realtime_offset_ns()) / 1000000000ull;
	seq_printf(s, "intr %llu\nctxt %llu\nbtime %llu\nprocesses %d\nprocs_running %u\n"
		   "procs_blocked 0\n", (unsigned long long)intr, (unsigned long long)ctxt,
		   (unsigned long long)boot, thread_last_tid(), sched_nr_running());
	return 0;
}

static int mount_line(const struct mount *m, void *arg)
{
	seq_printf(arg, "%s %s %s rw,relatime 0 0\n", m->sb->type, m->path, m->sb->type);
	return 0;
}

static int show_mounts(struct seqbuf *s, long arg)
{
	seq_printf(s, "rootfs / rootfs rw 0 0\n");
	vfs_for_each_mount(mount_line, s);
	return 0;
}

static int show_version(struct seqbuf *s, long arg)
{
	seq_printf(s, "%s version %s (ringtail) %s\n", UTS_SYSNAME, UTS_RELEASE, UTS_VERSION);
	return 0;
}

static int show_filesystems(struct seqbuf *s, long arg)
{
	seq_printf(s, "nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\ttracefs\nnodev\tramfs\n");
	return 0;
}

static int show_cmdline(struct seqbuf *s, long arg)
{
	seq_printf(s, "%s\n", cmdline_raw());
	return 0;
}

static long self_link(char *buf, size_t size, long arg)
{
	return fmt_snprintf(buf, size, "%d", current_proc() ? current_proc()->pid : 0);
}

static long thread_self_link(char *buf, size_t size, long arg)
{
	struct thread *t = current_thread();
	return fmt_snprintf(buf, size, "%d/task/%d", thread_tgid(t), t->tid);
}

/* --- /proc/sys/kernel ------------------------------------------------------ */

static int show_perf(struct seqbuf *s, long which)
{
	seq_printf(s, "%d\n", perf_sysctl_read((enum perf_sysctl)which));
	return 0;
}

static long store_perf(const char *buf, size_t len, long which)
{
	return perf_sysctl_write((enum perf_sysctl)which, buf, len);
}

static int show_ostype(struct seqbuf *s, long arg)
{
	seq_printf(s, "%s\n", UTS_SYSNAME);
	return 0;
}

static int show_osrelease(struct seqbuf *s, long arg)
{
	seq_printf(s, "%s\n", UTS_RELEASE);
	return 0;
}

static int show_kversion(struct seqbuf *s, long arg)
{
	seq_printf(s, "%s\n", UTS_VERSION);
	return 0;
}

static int show_hostname(struct seqbuf *s, long arg)
{
	char h[65];
	uts_get_hostname(h, sizeof(h));
	seq_printf(s, "%s\n", h);
	return 0;
}

static long store_hostname(const char *buf, size_t len, long arg)
{
	size_t n = len;
	if (n && buf[n - 1] == '\n')
		n--;
	int rc = uts_set_hostname(buf, n);
	return rc ? rc : (long)len;
}

static int show_pid_max(struct seqbuf *s, long arg)
{
	seq_printf(s, "%d\n", PID_MAX);
	return 0;
}

static int show_threads_max(struct seqbuf *s, long arg)
{
	seq_printf(s, "%d\n", max_threads_total);
	return 0;
}

#define PERF_KNOB(n, w) PSEUDO_RW(n, 0644, show_perf, store_perf, w)

static const struct pseudo_entry kernel_entries[] = {
	PSEUDO_RW("hostname", 0644, show_hostname, store_hostname, 0),
	PSEUDO_FILE("osrelease", 0444, show_osrelease),
	PSEUDO_FILE("ostype", 0444, show_ostype),
	PERF_KNOB("perf_cpu_time_max_percent", PERF_SYSCTL_CPU_TIME_MAX_PERCENT),
	PERF_KNOB("perf_event_max_sample_rate", PERF_SYSCTL_MAX_SAMPLE_RATE),
	PERF_KNOB("perf_event_max_stack", PERF_SYSCTL_MAX_STACK),
	PERF_KNOB("perf_event_mlock_kb", PERF_SYSCTL_MLOCK_KB),
	PERF_KNOB("perf_event_paranoid", PERF_SYSCTL_PARANOID),
	PSEUDO_FILE("pid_max", 0444, show_pid_max),
	PSEUDO_FILE("threads-max", 0444, show_threads_max),
	PSEUDO_FILE("version", 0444, show_kversion),
};
static const struct pseudo_dir kernel_dir = PSEUDO_TABLE(kernel_entries);
static const struct pseudo_entry sys_entries[] = {
	PSEUDO_DIR("kernel", 0555, &kernel_dir),
};
static const struct pseudo_dir sys_dir = PSEUDO_TABLE(sys_entries);

static const struct pseudo_entry root_entries[] = {
	PSEUDO_FILE("cmdline", 0444, show_cmdline),
	PSEUDO_FILE("cpuinfo", 0444, show_cpuinfo),
	PSEUDO_FILE("filesystems", 0444, show_filesystems),
	PSEUDO_FILE("kallsyms", 0444, show_kallsyms),
	PSEUDO_FILE("loadavg", 0444, show_loadavg),
	PSEUDO_FILE("meminfo", 0444, show_meminfo),
	PSEUDO_FILE("mounts", 0444, show_mounts),
	PSEUDO_LINK("self", self_link),
	PSEUDO_FILE("stat", 0444, show_stat),
	PSEUDO_DIR("sys", 0555, &sys_dir),
	PSEUDO_LINK("thread-self", thread_self_link),
	PSEUDO_FILE("uptime", 0444, show_uptime),
	PSEUDO_FILE("version", 0444, show_version),
};
static const struct pseudo_dir root_dir = PSEUDO_DYNAMIC(root_entries, proc_pid_lookup, proc_pid_iter);

struct super_block *procfs_make(void)
{
	return pseudofs_make("proc", PROC_SUPER_MAGIC, &root_dir);
}
