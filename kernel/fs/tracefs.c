/* tracefs (mounted on /sys/kernel/tracing): Linux's layout for the
 * tracepoints Ringtail has, so tools look ids and record layouts up as
 * they do on Linux:
 *   events/raw_syscalls/{sys_enter,sys_exit}/{id,format}
 *   events/syscalls/sys_{enter,exit}_<name>/{id,format}  (implemented ones)
 *   events/header_page, events/header_event, available_events
 * Ids are those of ringtail/tracepoints.h. Syscall arguments are named
 * arg0..argN (Ringtail keeps no per-syscall signatures). */
#include <lib/errno.h>
#include <lib/fmt.h>
#include <lib/string.h>
#include <kernel/pseudofs.h>
#include <kernel/syscall.h>
#include <kernel/vfs.h>
#include <ringtail/tracepoints.h>

#define TRACEFS_MAGIC 0x74726163


/* The tracepoint id of an event directory is its arg. */
static bool is_enter(long id) { return id >= RT_TP_SYS_ENTER_BASE && id < RT_TP_SYS_EXIT_BASE; }
static int nr_of(long id) { return (int)(id - (is_enter(id) ? RT_TP_SYS_ENTER_BASE : RT_TP_SYS_EXIT_BASE)); }

static int show_id(struct seqbuf *s, long id)
{
	seq_printf(s, "%ld\n", id);
	return 0;
}

static void common_fields(struct seqbuf *s)
{
	seq_printf(s, "format:\n"
		   "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
		   "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
		   "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
		   "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n");
}

static int show_format(struct seqbuf *s, long id)
{
	if (id == RT_TP_RAW_SYSCALLS_SYS_ENTER) {
		seq_printf(s, "name: sys_enter\nID: %ld\n", id);
		common_fields(s);
		seq_printf(s, "\tfield:long id;\toffset:8;\tsize:8;\tsigned:1;\n"
			   "\tfield:unsigned long args[6];\toffset:16;\tsize:48;\tsigned:0;\n\n"
			   "print fmt: \"NR %%ld (%%lx, %%lx, %%lx, %%lx, %%lx, %%lx)\", REC->id, "
			   "REC->args[0], REC->args[1], REC->args[2], REC->args[3], REC->args[4], "
			   "REC->args[5]\n");
		return 0;
	}
	if (id == RT_TP_RAW_SYSCALLS_SYS_EXIT) {
		seq_printf(s, "name: sys_exit\nID: %ld\n", id);
		common_fields(s);
		seq_printf(s, "\tfield:long id;\toffset:8;\tsize:8;\tsigned:1;\n"
			   "\tfield:long ret;\toffset:16;\tsize:8;\tsigned:1;\n\n"
			   "print fmt: \"NR %%ld = %%ld\", REC->id, REC->ret\n");
		return 0;
	}
	int nr = nr_of(id);
	seq_printf(s, "name: sys_%s_%s\nID: %ld\n", is_enter(id) ? "enter" : "exit", syscall_name(nr), id);
	common_fields(s);
	seq_printf(s, "\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n");
	if (!is_enter(id)) {
		seq_printf(s, "\tfield:long ret;\toffset:16;\tsize:8;\tsigned:1;\n\n"
			   "print fmt: \"0x%%lx\", REC->ret\n");
		return 0;
	}
	int n = syscall_nargs(nr);
	for (int k = 0; k < n; k++)
		seq_printf(s, "\tfield:unsigned long arg%d;\toffset:%d;\tsize:8;\tsigned:0;\n", k,
			   16 + 8 * k);
	seq_printf(s, "\nprint fmt: \"");
	for (int k = 0; k < n; k++)
		seq_printf(s, "%sarg%d: 0x%%08lx", k ? ", " : "", k);
	seq_printf(s, "\"");
	for (int k = 0; k < n; k++)
		seq_printf(s, ", ((unsigned long)(REC->arg%d))", k);
	seq_printf(s, "\n");
	return 0;
}

static const struct pseudo_entry event_entries[] = {
	PSEUDO_FILE("format", 0444, show_format),
	PSEUDO_FILE("id", 0444, show_id),
};
static const struct pseudo_dir event_dir = PSEUDO_TABLE(event_entries);

#define EVENT(name, id) PSEUDO_DIR_ARG(name, 0555, &event_dir, id)
static const struct pseudo_entry event_entry = PSEUDO_DIR("event", 0555, &event_dir);

static const struct pseudo_entry raw_entries[] = {
	EVENT("sys_enter", RT_TP_RAW_SYSCALLS_SYS_ENTER),
	EVENT("sys_exit", RT_TP_RAW_SYSCALLS_SYS_EXIT),
};
static const struct pseudo_dir raw_dir = PSEUDO_TABLE(raw_entries);

/* syscalls/: two events per implemented system call. */
static int sys_lookup(const char *name, long parent_arg, const struct pseudo_entry **e, long *arg)
{
	bool enter = !strncmp(name, "sys_enter_", 10);
	if (!enter && strncmp(name, "sys_exit_", 9))
		return -ENOENT;
	const char *call = name + (enter ? 10 : 9);
	for (int nr = 0; nr < NR_SYSCALLS; nr++) {
		if (syscall_name(nr) && syscall_nargs(nr) >= 0 && !strcmp(syscall_name(nr), call)) {
			*e = &event_entry;
			*arg = enter ? RT_TP_SYS_ENTER(nr) : RT_TP_SYS_EXIT(nr);
			return 0;
		}
	}
	return -ENOENT;
}

/* The index-th event: a tracepoint id, or 0 past the end. */
static long nth_event(u64 index)
{
	for (int nr = 0; nr < NR_SYSCALLS; nr++) {
		if (!syscall_name(nr) || syscall_nargs(nr) < 0)
			continue;
		if (index < 2)
			return index == 0 ? RT_TP_SYS_ENTER(nr) : RT_TP_SYS_EXIT(nr);
		index -= 2;
	}
	return 0;
}

static int sys_iter(u64 index, long parent_arg, char *name, size_t size,
		    const struct pseudo_entry **e, long *arg)
{
	long id = nth_event(index);
	if (!id)
		return 0;
	fmt_snprintf(name, size, "sys_%s_%s", is_enter(id) ? "enter" : "exit", syscall_name(nr_of(id)));
	*e = &event_entry;
	*arg = id;
	return 1;
}

static const struct pseudo_dir sys_dir = PSEUDO_ONLY_DYNAMIC(sys_lookup, sys_iter);

static int show_header_page(struct seqbuf *s, long arg)
{
	seq_printf(s, "\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
		   "\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
		   "\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
		   "\tfield: char data;\toffset:16;\tsize:4080;\tsigned:1;\n");
	return 0;
}

static int show_header_event(struct seqbuf *s, long arg)
{
	seq_printf(s, "# compressed entry header\n\ttype_len    :    5 bits\n"
		   "\ttime_delta  :   27 bits\n\tarray       :   32 bits\n\n"
		   "\tpadding     : type == 29\n\ttime_extend : type == 30\n"
		   "\ttime_stamp : type == 31\n\tdata max type_len  == 28\n");
	return 0;
}

static int show_available(struct seqbuf *s, long arg)
{
	seq_printf(s, "raw_syscalls:sys_enter\nraw_syscalls:sys_exit\n");
	for (u64 k = 0;; k++) {
		long id = nth_event(k);
		if (!id)
			break;
		seq_printf(s, "syscalls:sys_%s_%s\n", is_enter(id) ? "enter" : "exit", syscall_name(nr_of(id)));
	}
	return 0;
}

static const struct pseudo_entry events_entries[] = {
	PSEUDO_FILE("header_event", 0444, show_header_event),
	PSEUDO_FILE("header_page", 0444, show_header_page),
	PSEUDO_DIR("raw_syscalls", 0555, &raw_dir),
	PSEUDO_DIR("syscalls", 0555, &sys_dir),
};
static const struct pseudo_dir events_dir = PSEUDO_TABLE(events_entries);

static const struct pseudo_entry root_entries[] = {
	PSEUDO_FILE("available_events", 0444, show_available),
	PSEUDO_DIR("events", 0555, &events_dir),
};
static const struct pseudo_dir root_dir = PSEUDO_TABLE(root_entries);

struct super_block *tracefs_make(void)
{
	return pseudofs_make("tracefs", TRACEFS_MAGIC, &root_dir);
}
