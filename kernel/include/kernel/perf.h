/* Hooks from the rest of the kernel into perf events (kernel/events/).
 * Each is cheap when no event exists (perf_hooks_enabled is false). */
#pragma once
#include <lib/types.h>

struct file;
struct perf_event;
struct thread;
struct trap_frame;

extern bool perf_hooks_enabled;

void perf_tick(void);                                   /* timer tick, per CPU */
void perf_page_fault(u64 addr, const struct trap_frame *regs);
void perf_sched_out(struct thread *prev, struct thread *next, bool preempt);
void perf_sched_in(struct thread *next, struct thread *prev);
void perf_thread_exit(struct thread *t);
/* clone: copy parent's inheritable events into child before it runs;
 * 0 or -ENOMEM. */
int perf_thread_fork(struct thread *parent, struct thread *child);
/* Side-band records (kernel/events/sideband.c), from the task itself:
 * its new name (exec: a COMM with MISC_COMM_EXEC for comm_exec events),
 * a new thread or process it made, its end, a new mapping. */
void perf_event_comm(struct thread *t, bool exec);
void perf_event_fork(struct thread *parent, struct thread *child);
void perf_event_exit_record(struct thread *t, int parent_pid);
struct perf_mmap_info {
	u64 addr, len, pgoff;           /* pgoff in bytes */
	unsigned prot;                  /* VM_READ | VM_WRITE | VM_EXEC */
	bool shared;
	const char *name;               /* a path, "[heap]", "//anon" ... */
	u64 dev, ino;
	u8 build_id_size;               /* 0: none known */
	u8 build_id[20];
};
void perf_event_mmap(const struct perf_mmap_info *m);
/* exec: enable_on_exec events start, remove_on_exec ones leave. */
void perf_event_exec(struct thread *t);

/* attr.sigtrap: the owed SIGTRAP, sent from the thread's return to user
 * mode when t->perf_trap.pending. */
void perf_sigtrap_deliver(void);

/* The event behind an open perf fd's file, or NULL if it is not one. */
struct perf_event *perf_event_from_file(struct file *f);

/* The perf knobs of /proc/sys/kernel (kernel/events/sysctl.c). */
enum perf_sysctl {
	PERF_SYSCTL_PARANOID = 1,     /* never 0: a pseudo entry's arg 0 means "inherit" */
	PERF_SYSCTL_MAX_SAMPLE_RATE,
	PERF_SYSCTL_CPU_TIME_MAX_PERCENT,
	PERF_SYSCTL_MAX_STACK,
	PERF_SYSCTL_MLOCK_KB,
};
int perf_sysctl_read(enum perf_sysctl which);
/* A write of buf: len, or -EINVAL (not an integer, out of range), -EBUSY. */
long perf_sysctl_write(enum perf_sysctl which, const char *buf, size_t len);
/* One decimal integer with optional sign and surrounding blanks (Linux's
 * proc_dointvec): 0 and *out, or -EINVAL. */
int sysctl_parse_int(const char *buf, size_t len, int *out);
