/* perf events inside the kernel: the event object, the mmap-able buffer
 * wrapped around the ring buffer core, per-CPU and per-task contexts.
 *
 *   core.c     perf_event_open, attribute checks, lifecycle, read, ioctl
 *   mmap.c     the mapped buffer around the ring core: allocation, mmap,
 *              SET_OUTPUT, poll and wakeups
 *   output.c   building and writing records (samples, LOST, THROTTLE...)
 *   sources.c  what produces events and when they sample: clocks, page faults,
 *              tracepoints, NMI-driven cycles; Linux's overflow and throttle rules
 *   context.c  per-CPU and per-task contexts, context switches, thread exit
 *   inherit.c  attr.inherit: copies of events in new threads
 *   sideband.c COMM, FORK, EXIT, MMAP/MMAP2 records
 *   sysctl.c   the /proc/sys/kernel knobs and the mlock allowance
 *   filter.c   SET_FILTER on tracepoints
 *   bpf_attach.c  built-in BPF handlers on tracepoints
 *
 * Locking: an event's state changes under its context's lock with
 * interrupts off, on the CPU the context runs on; its buffer pointer under
 * mmap.c's pm_lock. Producers (interrupts, NMIs, the task itself) only
 * read them. The NMI path reads just the per-CPU nmi_events slots and the
 * event it finds there; a slot is cleared on its own CPU before the event
 * can go away, so an NMI never sees a freed event. */
#pragma once
#include <lib/list.h>
#include <lib/types.h>
#include <arch/local.h>
#include <kernel/file.h>
#include <kernel/irq_work.h>
#include <kernel/ktimer.h>
#include <kernel/percpu.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>
#include <linux/perf_event.h>
#include "ring_buffer.h"

struct thread;
struct process;
struct trap_frame;
struct file;
struct mm;
struct poll_table;

#define PERF_DEFAULT_SAMPLE_RATE 100000  /* samples/s per CPU (Linux default) */
#define PERF_MAX_STACK 127                /* callchain entries the buffer holds */
#define PERF_MIN_CLOCK_PERIOD 10000       /* ns: clock events, as Linux */
#define PERF_NMI_SLOTS 8

/* A buffer: user page + data pages, shared by the events writing to it.
 * It is made by the first mmap of an event (its owner, the only event
 * that may map it) and lives until the last mapping goes: then every
 * event writing to it is detached and it is freed (Linux's
 * perf_mmap_close). The mappings hold the owner's file, so the owner
 * outlives them. events and mmaps change under mmap.c's pm_lock. */
/* What a buffer charged against perf_event_mlock_kb and RLIMIT_MEMLOCK. */
struct perf_mlock {
	u32 uid;
	u64 user_pages, pinned_pages;
};
struct process;
long perf_mlock_charge(struct process *p, u64 pages, struct perf_mlock *out);
void perf_mlock_uncharge(struct mm *mm, const struct perf_mlock *c);

struct perf_mmap {
	struct perf_buffer core;
	struct perf_mlock mlock;        /* charged when it was made */
	struct list_node events;        /* a perf_mmap_link per event with e->out here */
	int mmaps;                      /* live user mappings */
	struct perf_event *owner;       /* compared only, never followed */
	unsigned int nr_pages;          /* data pages */
	bool writable;                  /* mapped with PROT_WRITE (normal mode) */
	paddr_t *frames;                /* [0] user page, then data pages */
	void **data_ptrs;               /* data pages through the direct map */
	unsigned int poll;              /* POLL* bits owed to pollers */
	struct irq_work wake_work;      /* wakes pollers outside NMI context */
	struct list_node all_node;      /* in mmap.c's perf_mmap_all (debuggers) */
};

enum perf_state {
	PERF_OFF,                       /* disabled */
	PERF_ON,                        /* enabled */
	PERF_DEAD,                      /* its task exited: POLLHUP */
};

struct perf_event {
	struct perf_event_attr attr;
	u64 id;
	int refs;
	enum perf_state state;
	bool active;                    /* counting now (task running, enabled) */
	bool throttled;
	unsigned int active_cpu;        /* where it counts, while active */
	int cpu;                        /* -1: follows its task */
	struct thread *task;            /* NULL: every task on cpu */
	struct perf_event *leader;      /* group leader (itself if alone) */
	struct list_node siblings;      /* leader: its members */
	struct list_node sibling_node;
	struct list_node ctx_node;      /* in a task or cpu context */
	struct list_node active_node;   /* in its CPU's active list */
	int task_tid;                   /* the task's tid (the task may be gone) */
	struct perf_mmap *out;          /* where records go (own or redirected; mmap.c) */
	struct waitq wait;              /* pollers of this event */

	local_t count;
	u64 period;                     /* sample every period counts (0: none) */
	s64 period_left;
	u64 freq_count;                 /* counts since the last freq tick */
	local_t lost_samples;           /* PERF_FORMAT_LOST */
	u64 time_enabled, time_running; /* accumulated ns */
	u64 tstamp_enabled, tstamp_running;

	u16 sample_size;                /* fixed part of a sample record */
	u16 id_size;                    /* sample_id_all trailer size */
	u8 zero_a, zero_b;              /* fields reported as zero (output.c) */
	bool fast_sample;               /* sample_type takes output_fast() */
	/* fast_sample, and no signal or frequency: a software or tracepoint
	 * hit may sample through plain_hit() (sources.c). */
	bool plain;
	/* The raw_syscalls id a tracepoint hit samples this event on inline
	 * (tracepoint.c: plain, counting kernel events), else ~0. */
	u64 tp_fast_id;
	u32 sample_wakeup;              /* wakeup_events of samples (0 with watermark) */

	struct ktimer hrtimer;          /* clock events */
	u64 clock_last;                 /* clock events: last update (ns) */
	u64 cycles_last;                /* cycles event: TSC at the last update */
	/* attr.inherit (inherit.c): a copy points at its original; the
	 * original lists its copies and keeps the totals of exited ones. */
	struct perf_event *parent;
	struct list_node children;
	struct list_node child_node;
	u64 child_count, child_time_enabled, child_time_running;

	/* PERF_EVENT_IOC_REFRESH: overflows left before the event disables
	 * itself (0: no limit). What an overflow owes (signal, disable) is
	 * done by pending_work outside NMI context. */
	int event_limit;
	int pending_kill;               /* POLL_IN or POLL_HUP to send */
	bool pending_disable;
	struct irq_work pending_work;
	struct file *file;              /* its file (O_ASYNC owners); NULL for copies */
	bool fasync;                    /* O_ASYNC is set on it (perf_fasync) */
	struct async_files async;

	struct perf_filter *filter;     /* SET_FILTER on a tracepoint (filter.c) */

	struct trap_frame *regs_hint;
	void *bpf_prog;                 /* a built-in handler attached (SET_BPF) */
	u64 throttle_hits;
	u64 tick_id, tick_samples;      /* overflows in the current tick */
};

/* Per-thread list of events that follow the thread. */
struct perf_task_ctx {
	spinlock_t lock;
	struct list_node events;
	int nr_tracepoint;
	int nr_switch;                  /* events that want switch records/counts */
};

/* What a producer knows about the moment of the sample. */
struct perf_sample {
	u64 ip;
	bool user;                      /* ip is a user address */
	u64 addr;
	u64 period;
	const struct trap_frame *regs;  /* for the callchain (NULL: none) */
	const void *raw;
	u32 raw_size;
	/* PERF_SAMPLE_TID's word (tid << 32 | pid) if the producer has it
	 * at hand, else 0: the writer reads the current thread's. */
	u64 pid_tid;
};

/* Writes a sample's raw_size bytes of raw payload at dst, from what the
 * producer passed as ctx: for a producer that writes its record straight
 * into the ring (tracepoint.c's fast path, raw NULL). Passed down the
 * inline sample path (output_fast.h) as a constant, so it is inlined. */
typedef void (*perf_raw_fill_fn)(void *dst, const void *ctx);

/* A CPU's perf state: its CPU-wide events, the events counting on it now
 * (active), the cycles events its NMI handler serves, and its lock. */
struct perf_cpu {
	spinlock_t lock;                        /* events (cpu-wide ones) */
	struct list_node events;
	struct list_node active;                /* events counting on this CPU */
	struct perf_event *nmi_slots[PERF_NMI_SLOTS];
};


/* Where e's records go now (NULL: nowhere): its own buffer or its
 * SET_OUTPUT target's (e->out either way); an inherited copy's go where
 * its original's go. Producers only, with interrupts off or in NMI
 * context (see rb_free in mmap.c). */
static inline struct perf_mmap *perf_event_out(struct perf_event *e)
{
	if (e->parent)
		e = e->parent;
	/* Pairs with the release in attach_locked (mmap.c); everything
	 * producers read is reached through this pointer (an address
	 * dependency, which no CPU Ringtail runs on reorders). */
	return READ_ONCE(e->out);
}

static inline bool is_type(const struct perf_event *e, u32 type, u64 config)
{
	return e->attr.type == type && e->attr.config == config;
}

static inline bool is_clock(const struct perf_event *e)
{
	return e->attr.type == PERF_TYPE_SOFTWARE &&
	       (e->attr.config == PERF_COUNT_SW_CPU_CLOCK || e->attr.config == PERF_COUNT_SW_TASK_CLOCK);
}

static inline bool is_cycles(const struct perf_event *e)
{
	return e->attr.type == PERF_TYPE_HARDWARE;
}

/* core.c */
struct perf_event *perf_event_alloc(const struct perf_event_attr *attr, int cpu,
				    struct thread *task);
void perf_event_get(struct perf_event *e);
void perf_event_put(struct perf_event *e);
u64 perf_event_read_count(struct perf_event *e);
void perf_event_update_times(struct perf_event *e, u64 now);

/* mmap.c */
long perf_mmap(struct file *f, struct mm *mm, u64 addr, u64 len, unsigned prot, u64 flags,
	       bool fixed, u64 off);
long perf_set_output(struct perf_event *e, struct perf_event *target);
unsigned int perf_poll(struct file *f, struct poll_table *pt);
/* The event's task exited: wake its pollers (interrupts off). */
void perf_event_wakeup(struct perf_event *e);
/* e is being freed: stop writing to any buffer. */
void perf_event_detach_mmap(struct perf_event *e);

/* output.c */
/* output_fast (output_fast.h) when the buffer needs the general begin
 * (staged), or for a record it reserved at ring position off that cannot
 * be laid out in place (at): the same record, copied piece by piece. */
void perf_output_fast_staged(struct perf_event *e, struct perf_mmap *pm,
			     const struct perf_sample *s, u32 size, u32 raw_size, u64 now,
			     perf_raw_fill_fn raw_fill, const void *raw_ctx);
void perf_output_fast_at(struct perf_mmap *pm, unsigned long off, const struct perf_event *e,
			 const struct perf_sample *s, u32 size, u32 raw_size, u64 now,
			 perf_raw_fill_fn raw_fill, const void *raw_ctx);
/* The most a perf_raw_fill_fn writes (a sys_enter record). */
#define PERF_RAW_FILL_MAX 64
void perf_output_sample_record(struct perf_event *e, const struct perf_sample *s);
void perf_output_throttle(struct perf_event *e, bool throttle);
void perf_output_switch(struct perf_event *e, bool out, bool preempt, struct thread *other);
void perf_compute_sizes(struct perf_event *e);
/* After an overflow's sample (sources.c): owe the O_ASYNC signal, and
 * with `last` (the REFRESH limit reached) the disable and POLL_HUP. */
void perf_overflow_notify(struct perf_event *e, bool last, u64 addr);
/* IOC_RESET (context.c), and its part for a running clock or cycles
 * event (sources.c): what has accrued since the last update goes too. */
void perf_reset(struct perf_event *e);
void perf_event_restart_count(struct perf_event *e);
/* Tracepoint filters (filter.c): set from a user string (0, -EINVAL for
 * a bad filter, which changes nothing), match a raw record, free. */
struct perf_filter;
long perf_set_filter(struct perf_event *e, u64 ustr);
bool perf_filter_match(const struct perf_filter *f, const u8 *raw);
void perf_filter_free(struct perf_event *e);
/* Disable e from its own CPU in interrupt context (context.c). */
void perf_disable_local(struct perf_event *e);
/* For side-band records (sideband.c): the sample_id_all trailer (words
 * written into w, 0 without sample_id_all), and the output context. */
int perf_sample_id(const struct perf_event *e, u64 *w);
void perf_output_read_record(struct perf_event *e, const struct thread *t);
void perf_side_output_ctx(const struct perf_event *e, struct perf_output_ctx *ctx, u64 *idbuf);

/* context.c */
struct perf_cpu *perf_cpu_state(unsigned int cpu);
/* The CPU's state if it has been set up (NMI-safe: never sets it up). */
extern struct perf_cpu perf_pcpu[];
extern int perf_pcpu_state;
static inline struct perf_cpu *perf_cpu_peek(unsigned int cpu)
{
	return smp_load_acquire(&perf_pcpu_state) == 2 ? &perf_pcpu[cpu] : NULL;
}
struct perf_task_ctx *perf_task_ctx(struct thread *t, bool create);
typedef void (*visit_fn)(struct perf_event *e, void *arg);
/* fn for every event that may count here and now (the current thread's and
 * this CPU's). */
void perf_for_each_here(visit_fn fn, void *arg);
void perf_for_each_active(visit_fn fn, void *arg);

/* sources.c */
int perf_source_init(struct perf_event *e);
void perf_source_destroy(struct perf_event *e);
void perf_event_start(struct perf_event *e);   /* becomes active on this CPU */
void perf_event_stop(struct perf_event *e);
/* A software event (or context switch) counted nr times, in the mode of
 * s (excluded modes do not count). */
void perf_sw_hit(struct perf_event *e, u64 nr, struct perf_sample *s);
/* perf_sw_hit in a mode that counts (s: the caller's scratch copy, its
 * period set here). */
void perf_sw_event(struct perf_event *e, u64 nr, struct perf_sample *s);
/* tracepoint.c: tracepoint events per id, kept by perf_source_init and
 * perf_source_destroy under their lock. */
void perf_tp_count(u64 id, int delta);
u64 perf_tp_fast_id(const struct perf_event *e);
/* The count read() reports. */
u64 perf_source_read(struct perf_event *e);
void perf_ctx_add(struct perf_event *e);
void perf_ctx_remove(struct perf_event *e);

/* Groups (group.c). link/unlink run in a context operation (or where
 * nothing can run the group); unlinking a leader makes its members
 * singletons, started if live and on. */
void perf_group_link(struct perf_event *e);
void perf_group_unlink(struct perf_event *e, bool live);
/* The leader and its members, each with a reference; returns how many
 * (or -ENOMEM) and the array in *out, for perf_group_snapshot_put. */
int perf_group_snapshot(struct perf_event *leader, struct perf_event ***out);
void perf_group_snapshot_put(struct perf_event **v, int n);
/* Whether e may join leader's group (Linux's 16 KiB read bound). */
bool perf_group_fits(const struct perf_event *leader, const struct perf_event *e);
/* The words e's read_format gives now (lock-free; sample time). */
u32 perf_read_words(const struct perf_event *e);
void perf_enable(struct perf_event *e);
void perf_disable(struct perf_event *e);
bool perf_tracepoint_id_valid(u64 id);

/* inherit.c: attr.inherit (perf_thread_fork is in <kernel/perf.h>). */
bool perf_inherit_exit(struct perf_event *c);
void perf_inherit_destroy(struct perf_event *c);
void perf_inherit_release(struct perf_event *o);
void perf_inherit_for_each(struct perf_event *o, void (*fn)(struct perf_event *));
u64 perf_event_read_total(struct perf_event *e, u64 *enabled, u64 *running);
/* The id records of e carry: its original's, for an inherited copy. */
static inline u64 perf_primary_id(const struct perf_event *e)
{
	return e->parent ? e->parent->id : e->id;
}

/* bpf_attach.c: built-in handlers attached to tracepoints (SET_BPF). */
struct bpf_tp_ctx;
long perf_attach_bpf(struct perf_event *e, int prog_fd);
struct bpf_prog;
/* The same with a program the caller holds a reference to (given up). */
long perf_attach_bpf_prog(struct perf_event *e, struct bpf_prog *p);
void perf_event_detach_bpf(struct perf_event *e);
/* Run tracepoint id's programs: true if its samples are suppressed.
 * Callers skip it while perf_bpf_nr_attached is 0 (the usual case). */
bool perf_bpf_tracepoint(u64 id, const struct bpf_tp_ctx *c);
extern int perf_bpf_nr_attached;

/* The knobs (sysctl.c). */
extern int sysctl_perf_event_paranoid, sysctl_perf_event_sample_rate;
extern int sysctl_perf_cpu_time_max_percent, sysctl_perf_event_max_stack;
extern int sysctl_perf_event_mlock;
extern int perf_max_samples_per_tick;
extern int perf_nr_callchain_events;     /* events sampling callchains */
/* Linux's permission checks: 0, -EACCES (kernel, CPU-wide) or -EPERM
 * (raw tracepoint data of CPU-wide events). */
int perf_allow_kernel(void);
int perf_allow_cpu(void);
int perf_allow_tracepoint(void);
bool perf_is_paranoid(void);
