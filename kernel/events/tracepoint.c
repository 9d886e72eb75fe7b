/* Tracepoint events: raw_syscalls:sys_enter/sys_exit and the per-syscall
 * syscalls:sys_enter_<name>/sys_exit_<name>, fired from the syscall path
 * (trace_sys_enter/trace_sys_exit in syscall.h, which check
 * syscall_tp_users first: a syscall nobody traces costs one load).
 *
 * The usual hit (raw_syscalls events only, no BPF program) is one
 * function: a walk of this CPU's active events where each plain one
 * counts, and samples with its record written straight into the ring
 * (output_fast.h, tp_fill_*). Anything else (syscalls:* events, BPF
 * programs, which run first, filters, other sample types) takes the
 * general hit, which builds the raw record and samples once and visits
 * every event as tp_visit says. */
#include <arch/barrier.h>
#include <arch/irqflags.h>
#include <arch/trap.h>
#include <kernel/perf.h>
#include <kernel/proc.h>
#include <kernel/smp.h>
#include <kernel/syscall.h>
#include <kernel/thread.h>
#include <ringtail/tracepoints.h>
#include "../bpf/bpf.h"
#include "internal.h"
#include "output_fast.h"

static int nr_tracepoint_events;
/* Events per tracepoint id (raw_syscalls enter/exit, then syscalls:*
 * enter and exit per syscall number): a syscall with no event on its
 * tracepoints returns before building anything. */
static int tp_users[2 + 2 * NR_SYSCALLS];

static int *tp_users_of(u64 id)
{
	if (id == RT_TP_RAW_SYSCALLS_SYS_ENTER || id == RT_TP_RAW_SYSCALLS_SYS_EXIT)
		return &tp_users[id - RT_TP_RAW_SYSCALLS_SYS_ENTER];
	if (id >= RT_TP_SYS_ENTER_BASE && id < RT_TP_SYS_ENTER_BASE + NR_SYSCALLS)
		return &tp_users[2 + id - RT_TP_SYS_ENTER_BASE];
	if (id >= RT_TP_SYS_EXIT_BASE && id < RT_TP_SYS_EXIT_BASE + NR_SYSCALLS)
		return &tp_users[2 + NR_SYSCALLS + id - RT_TP_SYS_EXIT_BASE];
	return NULL;    /* an id no syscall fires: open() checked it exists */
}

u64 syscall_tp_users[2][NR_SYSCALLS];

static bool tp_used(u64 id)
{
	int *n = tp_users_of(id);
	return n && READ_ONCE(*n);
}

/* syscall_tp_users: raw_syscalls events count in the low half, the
 * syscall's own in the high half. */
static void tp_hot_add(int dir, long nr, bool own, int delta)
{
	u64 v = syscall_tp_users[dir][nr];
	v = own ? v + ((u64)(s64)delta << 32) : v + (u64)(s64)delta;
	__atomic_store_n(&syscall_tp_users[dir][nr], v, __ATOMIC_RELAXED);
}

/* Under sources.c's count_lock. */
void perf_tp_count(u64 id, int delta)
{
	/* Every CPU's perf state exists before any syscall can see a
	 * tracepoint in use (tracepoint_hit's fast path relies on it). */
	perf_cpu_state(0);
	int *users = tp_users_of(id);
	if (users)
		WRITE_ONCE(*users, *users + delta);
	for (long nr = 0; nr < NR_SYSCALLS; nr++) {
		if (id == RT_TP_RAW_SYSCALLS_SYS_ENTER || id == RT_TP_SYS_ENTER(nr))
			tp_hot_add(0, nr, id != RT_TP_RAW_SYSCALLS_SYS_ENTER, delta);
		if (id == RT_TP_RAW_SYSCALLS_SYS_EXIT || id == RT_TP_SYS_EXIT(nr))
			tp_hot_add(1, nr, id != RT_TP_RAW_SYSCALLS_SYS_EXIT, delta);
	}
	nr_tracepoint_events += delta;
	WRITE_ONCE(syscall_trace_enabled, nr_tracepoint_events != 0);
}

/* A raw_syscalls event that tracepoint_hit samples inline: plain (no
 * signal, no frequency, fast_sample) and counting kernel events (with
 * exclude_kernel a raw_syscalls event counts nothing, as in Linux). Its
 * filter and what perf_plain_hit checks can change, so are checked per
 * hit. */
u64 perf_tp_fast_id(const struct perf_event *e)
{
	u64 id = e->attr.config;
	if (e->attr.type != PERF_TYPE_TRACEPOINT || !e->plain || e->attr.exclude_kernel ||
	    (id != RT_TP_RAW_SYSCALLS_SYS_ENTER && id != RT_TP_RAW_SYSCALLS_SYS_EXIT))
		return ~0ull;
	return id;
}

bool perf_tracepoint_id_valid(u64 id)
{
	return id == RT_TP_RAW_SYSCALLS_SYS_ENTER || id == RT_TP_RAW_SYSCALLS_SYS_EXIT ||
	       (id >= RT_TP_SYS_ENTER_BASE && id < RT_TP_SYS_ENTER_BASE + NR_SYSCALLS) ||
	       (id >= RT_TP_SYS_EXIT_BASE && id < RT_TP_SYS_EXIT_BASE + NR_SYSCALLS);
}

/* One tracepoint hit, built once for all the events it visits: the raw
 * record in both layouts, and the sample as each kind of event reports
 * it. Each visit sets common_type and the period in these copies. */
struct tp_hit {
	u64 id_any, id_one;             /* the raw_syscalls id, the per-syscall id */
	bool quiet_any, quiet_one;      /* a BPF program suppressed its samples */
	bool kregs_whole;               /* kregs has every field (else rip/rbp/rsp) */
	bool one_built;                 /* raw_one and s_one are set up */
	struct perf_sample s_any;       /* raw_syscalls: the kernel's registers */
	struct perf_sample s_one;       /* syscalls:*: the task's user registers */
	struct trap_frame *f;           /* the task's user registers */
	struct trap_frame kregs;        /* the kernel's, where it traced */
	u64 raw_one[9];                 /* syscalls:* layout of the record */
};

/* A raw_syscalls sample reports the kernel's registers where it traced.
 * Only REGS_INTR reads more of them than rip, rbp and rsp, so only then
 * is the rest of the frame cleared (once per hit). */
static void tp_kregs_whole(struct tp_hit *h)
{
	struct trap_frame *k = &h->kregs;
	u64 rip = k->rip, rbp = k->rbp, rsp = k->rsp, cs = k->cs, ss = k->ss;
	__builtin_memset(k, 0, sizeof(*k));
	k->rip = rip;
	k->rbp = rbp;
	k->rsp = rsp;
	k->cs = cs;
	k->ss = ss;
	h->kregs_whole = true;
}

/* syscalls:* layout: s32 __syscall_nr, u32 pad, then the syscall's own
 * arguments (enter) or the return value (exit). */
static void tp_build_one(struct tp_hit *h)
{
	const u64 *raw = h->s_any.raw;
	u32 size = h->s_any.raw_size;
	__builtin_memcpy(h->raw_one, raw, size);
	s64 nr = (s64)raw[1];
	h->raw_one[1] = (u32)(s32)nr;
	h->s_one.ip = h->f->rip;
	h->s_one.user = true;
	h->s_one.addr = 0;
	h->s_one.regs = h->f;
	h->s_one.raw = h->raw_one;
	h->s_one.raw_size = size;
	h->s_one.pid_tid = 0;
	int nargs = syscall_nargs(nr);
	if (h->id_one < RT_TP_SYS_EXIT_BASE && nargs >= 0)
		h->s_one.raw_size = 16 + 8 * (u32)nargs;
	h->one_built = true;
}

static __always_inline void tp_visit(struct perf_event *e, struct tp_hit *h)
{
	struct perf_sample *s;
	/* As Linux: syscalls:* report the task's user registers and ignore the
	 * exclude bits; raw_syscalls report the kernel's and, being kernel
	 * events, are not counted at all with exclude_kernel. */
	if (e->attr.config == h->id_any && !h->quiet_any) {
		if (e->attr.exclude_kernel)
			return;
		if ((e->attr.sample_type & PERF_SAMPLE_REGS_INTR) && !h->kregs_whole)
			tp_kregs_whole(h);
		s = &h->s_any;
	} else if (e->attr.config == h->id_one && !h->quiet_one) {
		if (!h->one_built)
			tp_build_one(h);
		s = &h->s_one;
	} else {
		return;
	}
	/* The record carries the event's own id in common_type. */
	*(u16 *)s->raw = (u16)e->attr.config;
	/* SET_FILTER (filter.c): the original's, for an inherited copy. */
	const struct perf_filter *flt = READ_ONCE((e->parent ? e->parent : e)->filter);
	if (flt && !perf_filter_match(flt, s->raw))
		return;
	if (!perf_plain_hit(e, s))
		perf_sw_event(e, 1, s);
}

/* A hit of the general path: raw the record with its common fields set.
 * The kernel's registers are what Linux's perf_fetch_caller_regs gives,
 * the tracing code's place, with ip the hit's (the same for every event of
 * one hit). */
static void tp_hit_init(struct tp_hit *h, struct trap_frame *f, u64 id_any, u64 id_one,
			u64 *raw, u32 size, u64 ip)
{
	h->id_any = id_any;
	h->id_one = id_one;
	h->quiet_any = h->quiet_one = h->kregs_whole = h->one_built = false;
	trap_capture_kernel_pc(&h->kregs);
	h->kregs.rip = ip;
	/* Field by field: only these are read (period is set per visit). */
	h->s_any.ip = ip;
	h->s_any.user = false;
	h->s_any.addr = 0;
	h->s_any.regs = &h->kregs;
	h->s_any.pid_tid = 0;
	h->s_any.raw = raw;
	h->s_any.raw_size = size;
	h->f = f;
}

/* The hit in general: BPF programs first, then every event on either id,
 * each as tp_visit says. raw: the record with its common fields set. */
static __attribute__((noinline)) void tracepoint_hit_full(struct trap_frame *f, u64 id_any,
							  u64 id_one, u64 *raw, u32 size,
							  u64 ip)
{
	struct tp_hit h;
	tp_hit_init(&h, f, id_any, id_one, raw, size, ip);
	/* Programs first: one returning 0 silences its tracepoint's events. */
	if (READ_ONCE(perf_bpf_nr_attached)) {
		const u64 *payload = raw + 1;
		bool enter = id_any == RT_TP_RAW_SYSCALLS_SYS_ENTER;
		struct bpf_tp_ctx c = {
			.nr = (s64)payload[0], .args = enter ? payload + 1 : NULL,
			.ret = enter ? 0 : (s64)payload[1], .regs = f,
			.raw = (const u8 *)raw, .raw_size = size,
		};
		h.quiet_any = perf_bpf_tracepoint(id_any, &c);
		if (id_one != ~0ull)
			h.quiet_one = perf_bpf_tracepoint(id_one, &c);
	}
	if (h.quiet_any && h.quiet_one)
		return;
	/* perf_for_each_active(), with the visit inlined. */
	irqflags_t fl = arch_irq_save();
	struct perf_cpu *pc = perf_cpu_peek(this_cpu_id());
	struct list_node *pos;
	if (pc)
		list_for_each(pos, &pc->active) {
		struct perf_event *e = list_entry(pos, struct perf_event, active_node);
		if (e->attr.type == PERF_TYPE_TRACEPOINT)
			tp_visit(e, &h);
	}
	arch_irq_restore(fl);
}

/* One raw_syscalls event of a fast hit that the fast path does not take:
 * visited as tracepoint_hit_full visits it. */
static __attribute__((noinline)) void tp_visit_one(struct perf_event *e, struct trap_frame *f,
						   u64 id_any, u64 *raw, u32 size, u64 ip)
{
	struct tp_hit h;
	tp_hit_init(&h, f, id_any, ~0ull, raw, size, ip);
	tp_visit(e, &h);
}

/* What a raw_syscalls record is made of: the common word, then the
 * syscall number and its six arguments (enter) or its return value
 * (exit). */
struct tp_src {
	u64 common;
	long nr, ret;
	const struct trap_frame *f;
};

static __always_inline u32 tp_raw_size(bool enter)
{
	return enter ? 8 * 8 : 3 * 8;
}
_Static_assert(8 * 8 <= PERF_RAW_FILL_MAX, "tp_fill_enter writes more than a raw_fill may");

static __always_inline void tp_put(u8 *dst, int i, u64 v)
{
	__builtin_memcpy(dst + 8 * i, &v, 8);   /* dst is 4 past an 8-byte boundary */
}

static __always_inline void tp_raw_build(u8 *dst, const struct tp_src *src, bool enter)
{
	const struct trap_frame *f = src->f;
	tp_put(dst, 0, src->common);
	tp_put(dst, 1, (u64)src->nr);
	if (enter) {
		tp_put(dst, 2, f->rdi);
		tp_put(dst, 3, f->rsi);
		tp_put(dst, 4, f->rdx);
		tp_put(dst, 5, f->r10);
		tp_put(dst, 6, f->r8);
		tp_put(dst, 7, f->r9);
	} else {
		tp_put(dst, 2, (u64)src->ret);
	}
}

/* The fast path's perf_raw_fill_fn: the record straight into the
 * ring, with no copy on the stack first. */
static void tp_fill_enter(void *dst, const void *src)
{
	tp_raw_build(dst, src, true);
}

static void tp_fill_exit(void *dst, const void *src)
{
	tp_raw_build(dst, src, false);
}

/* tracepoint_hit_full with the record built first. */
static __attribute__((noinline)) void tp_hit_full_src(const struct tp_src *src, bool enter,
						      u64 id_one, u64 ip)
{
	u64 raw[8];
	tp_raw_build((u8 *)raw, src, enter);
	tracepoint_hit_full((struct trap_frame *)src->f,
			    enter ? RT_TP_RAW_SYSCALLS_SYS_ENTER : RT_TP_RAW_SYSCALLS_SYS_EXIT,
			    id_one, raw, tp_raw_size(enter), ip);
}

/* tp_visit_one with the record built first. */
static __attribute__((noinline)) void tp_visit_one_src(struct perf_event *e,
						       const struct tp_src *src, bool enter,
						       u64 ip)
{
	u64 raw[8];
	tp_raw_build((u8 *)raw, src, enter);
	tp_visit_one(e, (struct trap_frame *)src->f,
		     enter ? RT_TP_RAW_SYSCALLS_SYS_ENTER : RT_TP_RAW_SYSCALLS_SYS_EXIT,
		     raw, tp_raw_size(enter), ip);
}

/* A raw_syscalls hit (and the syscall's syscalls:* one, id_one, with
 * events on it if one_used). The usual hit (no BPF program, no
 * syscalls:* event on this syscall) takes the fast path: one walk of this
 * CPU's active events, where an event with tp_fast_id and no filter
 * samples inline (perf_plain_hit), its record written straight into the
 * ring (tp_fill_*), and any other raw_syscalls event goes through
 * tp_visit_one. */
static __always_inline void tracepoint_hit(struct trap_frame *f, long nr, long ret, bool enter,
					   u64 id_one, bool one_used)
{
	u64 id_any = enter ? RT_TP_RAW_SYSCALLS_SYS_ENTER : RT_TP_RAW_SYSCALLS_SYS_EXIT;
	struct cpu *c = this_cpu();
	struct thread *t = c->current;
	/* common_type (set per event), common_flags 0, common_preempt_count,
	 * common_pid. */
	struct tp_src src = {
		.common = (u64)(u32)t->tid << 32 | (u64)(u8)c->preempt_count << 24,
		.nr = nr, .ret = ret, .f = f,
	};
	u64 ip;
	__asm__ __volatile__("lea 0(%%rip), %0" : "=r"(ip));
	if (unlikely(one_used || READ_ONCE(perf_bpf_nr_attached))) {
		tp_hit_full_src(&src, enter, id_one, ip);
		return;
	}
	/* Every event here is on id_any: its id is the record's common_type. */
	src.common |= (u16)id_any;
	struct perf_sample s;
	s.ip = ip;
	s.user = false;
	s.addr = 0;
	s.regs = NULL;          /* read only by samples that are not fast */
	s.raw = NULL;
	s.raw_size = tp_raw_size(enter);
	s.pid_tid = (u64)t->tid << 32 | (u32)t->proc->pid;     /* a task's syscall */
	if (!s.pid_tid)
		__builtin_unreachable();        /* a task has a tid: no lookup */
	irqflags_t fl = arch_irq_save();
	/* Set up: this hit saw a tracepoint in use (perf_tp_count), and x86
	 * does not reorder loads. */
	struct perf_cpu *pc = &perf_pcpu[c->id];
	struct list_node *pos;
	list_for_each(pos, &pc->active) {
		struct perf_event *e = list_entry(pos, struct perf_event, active_node);
		if (likely(e->tp_fast_id == id_any)) {
			/* SET_FILTER (filter.c): the original's. */
			struct perf_event *o = e->parent ? e->parent : e;
			if (likely(!READ_ONCE(o->filter)) &&
			    perf_plain_hit_o(e, o, &s, true,
					     enter ? tp_fill_enter : tp_fill_exit, &src))
				continue;
		} else if (e->attr.type != PERF_TYPE_TRACEPOINT || e->attr.config != id_any) {
			continue;
		}
		tp_visit_one_src(e, &src, enter, ip);
	}
	arch_irq_restore(fl);
}

/* The hooks (syscall.h) call these only when users says an event is
 * there, or for a number outside the table, which only raw_syscalls
 * events see. */
void trace_sys_enter_hit(struct trap_frame *f, long nr, u64 users)
{
	if (!users && !tp_used(RT_TP_RAW_SYSCALLS_SYS_ENTER))
		return;
	u64 one = users ? RT_TP_SYS_ENTER(nr) : ~0ull;
	tracepoint_hit(f, nr, 0, true, one, users >> 32);
}

void trace_sys_exit_hit(struct trap_frame *f, long nr, long ret, u64 users)
{
	if (!users && !tp_used(RT_TP_RAW_SYSCALLS_SYS_EXIT))
		return;
	u64 one = users ? RT_TP_SYS_EXIT(nr) : ~0ull;
	tracepoint_hit(f, nr, ret, false, one, users >> 32);
}
