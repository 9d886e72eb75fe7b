/* /sys, the parts tools read to learn about CPUs and perf:
 *   devices/system/cpu/{possible,present,online}       "0-1"
 *   kernel/notes: the kernel's ELF notes (its build id), as Linux
 *   bus/event_source/devices/<pmu>/{type,format/,events/} for the PMUs
 *   Ringtail has (software, tracepoint), so tools find the type numbers
 *   and event encodings as on Linux; devices/ has the same PMUs. */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/percpu.h>
#include <kernel/pseudofs.h>
#include <kernel/vfs.h>
#include <linux/perf_event.h>

#define SYSFS_MAGIC 0x62656572

/* Every CPU that booted is possible, present and online (no hotplug). */
static int show_cpus(struct seqbuf *s, long arg)
{
	if (nr_cpus_online <= 1)
		seq_printf(s, "0\n");
	else
		seq_printf(s, "0-%u\n", nr_cpus_online - 1);
	return 0;
}

static int show_kernel_max(struct seqbuf *s, long arg)
{
	seq_printf(s, "%d\n", MAX_CPUS - 1);
	return 0;
}

static const struct pseudo_entry cpu_entries[] = {
	PSEUDO_FILE("kernel_max", 0444, show_kernel_max),
	PSEUDO_FILE("online", 0444, show_cpus),
	PSEUDO_FILE("possible", 0444, show_cpus),
	PSEUDO_FILE("present", 0444, show_cpus),
};
static const struct pseudo_dir cpu_dir = PSEUDO_TABLE(cpu_entries);
static const struct pseudo_entry system_entries[] = {
	PSEUDO_DIR("cpu", 0555, &cpu_dir),
};
static const struct pseudo_dir system_dir = PSEUDO_TABLE(system_entries);

/* --- PMUs --------------------------------------------------------------------- */

static int show_long(struct seqbuf *s, long v)
{
	seq_printf(s, "%ld\n", v);
	return 0;
}

static int show_config_format(struct seqbuf *s, long arg)
{
	seq_printf(s, "config:0-63\n");
	return 0;
}

static int show_sw_event(struct seqbuf *s, long config)
{
	seq_printf(s, "config=0x%lx\n", config);
	return 0;
}

static const struct pseudo_entry format_entries[] = {
	PSEUDO_FILE("config", 0444, show_config_format),
};
static const struct pseudo_dir format_dir = PSEUDO_TABLE(format_entries);

#define SW_EVENT(name, cfg) PSEUDO_FILE_ARG(name, 0444, show_sw_event, cfg)
/* The software events Ringtail counts (not cgroup-switches). */
static const struct pseudo_entry sw_events[] = {
	SW_EVENT("alignment-faults", PERF_COUNT_SW_ALIGNMENT_FAULTS),
	SW_EVENT("bpf-output", PERF_COUNT_SW_BPF_OUTPUT),
	SW_EVENT("context-switches", PERF_COUNT_SW_CONTEXT_SWITCHES),
	SW_EVENT("cpu-clock", PERF_COUNT_SW_CPU_CLOCK),
	SW_EVENT("cpu-migrations", PERF_COUNT_SW_CPU_MIGRATIONS),
	SW_EVENT("dummy", PERF_COUNT_SW_DUMMY),
	SW_EVENT("emulation-faults", PERF_COUNT_SW_EMULATION_FAULTS),
	SW_EVENT("major-faults", PERF_COUNT_SW_PAGE_FAULTS_MAJ),
	SW_EVENT("minor-faults", PERF_COUNT_SW_PAGE_FAULTS_MIN),
	SW_EVENT("page-faults", PERF_COUNT_SW_PAGE_FAULTS),
	SW_EVENT("task-clock", PERF_COUNT_SW_TASK_CLOCK),
};
static const struct pseudo_dir sw_events_dir = PSEUDO_TABLE(sw_events);

static const struct pseudo_entry software_entries[] = {
	PSEUDO_DIR("events", 0555, &sw_events_dir),
	PSEUDO_DIR("format", 0555, &format_dir),
	PSEUDO_FILE_ARG("type", 0444, show_long, PERF_TYPE_SOFTWARE),
};
static const struct pseudo_dir software_dir = PSEUDO_TABLE(software_entries);

/* Tracepoint ids are in tracefs (events/<system>/<event>/id). */
static const struct pseudo_entry tracepoint_entries[] = {
	PSEUDO_DIR("format", 0555, &format_dir),
	PSEUDO_FILE_ARG("type", 0444, show_long, PERF_TYPE_TRACEPOINT),
};
static const struct pseudo_dir tracepoint_dir = PSEUDO_TABLE(tracepoint_entries);

static const struct pseudo_entry pmu_entries[] = {
	PSEUDO_DIR("software", 0555, &software_dir),
	PSEUDO_DIR("tracepoint", 0555, &tracepoint_dir),
};
static const struct pseudo_dir pmus_dir = PSEUDO_TABLE(pmu_entries);
static const struct pseudo_entry event_source_entries[] = {
	PSEUDO_DIR("devices", 0555, &pmus_dir),
};
static const struct pseudo_dir event_source_dir = PSEUDO_TABLE(event_source_entries);
static const struct pseudo_entry bus_entries[] = {
	PSEUDO_DIR("event_source", 0555, &event_source_dir),
};
static const struct pseudo_dir bus_dir = PSEUDO_TABLE(bus_entries);

static const struct pseudo_entry devices_entries[] = {
	PSEUDO_DIR("software", 0555, &software_dir),
	PSEUDO_DIR("system", 0555, &system_dir),
	PSEUDO_DIR("tracepoint", 0555, &tracepoint_dir),
};
static const struct pseudo_dir devices_dir = PSEUDO_TABLE(devices_entries);

static const struct pseudo_dir empty_dir = { .entries = NULL, .count = 0 };

/* The raw notes section (kernel.ld): perf reads the build id from it. */
extern const char __start_notes[], __stop_notes[];
static int show_notes(struct seqbuf *s, long arg)
{
	seq_write(s, __start_notes, (size_t)(__stop_notes - __start_notes));
	return 0;
}

static const struct pseudo_entry kernel_entries[] = {
	PSEUDO_FILE("notes", 0444, show_notes),
	PSEUDO_DIR("tracing", 0555, &empty_dir),     /* tracefs goes here */
};
static const struct pseudo_dir kernel_dir = PSEUDO_TABLE(kernel_entries);

static const struct pseudo_entry root_entries[] = {
	PSEUDO_DIR("bus", 0555, &bus_dir),
	PSEUDO_DIR("devices", 0555, &devices_dir),
	PSEUDO_DIR("kernel", 0555, &kernel_dir),
};
static const struct pseudo_dir root_dir = PSEUDO_TABLE(root_entries);

struct super_block *sysfs_make(void)
{
	return pseudofs_make("sysfs", SYSFS_MAGIC, &root_dir);
}
