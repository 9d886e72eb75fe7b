/* Tracepoint events: raw_syscalls:sys_enter/sys_exit and the per-syscall
 * syscalls:sys_enter_<name>/sys_exit_<name>, fired from the syscall path
 * (trace_sys_enter/trace_sys_exit). One hit builds its raw record and
 * samples once, then visits every active tracepoint event on this CPU; a
 * syscall with no event on either of its ids returns before building
 * anything. BPF programs attached to the ids run first (bpf_attach.c). */
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

static bool tp_used(u64 id)
{
	int *n = tp_users_of(id);
	return n && READ_ONCE(*n);
}
/* Under sources.c's count_lock. */
void perf_tp_count(u64 id, int delta)
{
	int *users = tp_users_of(id);
	if (users)
		WRITE_ONCE(*users, *users + delta);
	nr_tracepoint_events += delta;
	WRITE_ONCE(syscall_trace_enabled, nr_tracepoint_events != 0);
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

/* raw: the record, its first u64 (the common fields) to be filled in here,
 * then the payload; size: all of it. */
static void tracepoint_hit(struct trap_frame *f, u64 id_any, u64 id_one, u64 *raw, u32 size)
{
	struct thread *t = current_thread();
	/* common_type (set per event), common_flags 0, common_preempt_count,
	 * common_pid. */
	raw[0] = (u64)(u32)t->tid << 32 | (u64)(u8)this_cpu()->preempt_count << 24;
	struct tp_hit h;
	h.id_any = id_any;
	h.id_one = id_one;
	h.quiet_any = h.quiet_one = h.kregs_whole = h.one_built = false;
	/* What Linux's perf_fetch_caller_regs gives: this code's place. */
	trap_capture_kernel_pc(&h.kregs);
	/* Field by field: only these are read (period is set per visit). */
	h.s_any.ip = h.kregs.rip;
	h.s_any.user = false;
	h.s_any.addr = 0;
	h.s_any.regs = &h.kregs;
	h.s_any.raw = raw;
	h.s_any.raw_size = size;
	h.f = f;
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

/* Programs attach through a tracepoint event, so no event on either id
 * means nothing to run and nothing to count: checked before anything is
 * built. */
void trace_sys_enter(struct trap_frame *f, long nr)
{
	u64 one = nr >= 0 && nr < NR_SYSCALLS ? RT_TP_SYS_ENTER(nr) : ~0ull;
	if (!tp_used(RT_TP_RAW_SYSCALLS_SYS_ENTER) && !tp_used(one))
		return;
	u64 raw[8] = { 0, (u64)nr, f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9 };
	tracepoint_hit(f, RT_TP_RAW_SYSCALLS_SYS_ENTER, one, raw, sizeof(raw));
}

void trace_sys_exit(struct trap_frame *f, long nr, long ret)
{
	u64 one = nr >= 0 && nr < NR_SYSCALLS ? RT_TP_SYS_EXIT(nr) : ~0ull;
	if (!tp_used(RT_TP_RAW_SYSCALLS_SYS_EXIT) && !tp_used(one))
		return;
	u64 raw[3] = { 0, (u64)nr, (u64)ret };
	tracepoint_hit(f, RT_TP_RAW_SYSCALLS_SYS_EXIT, one, raw, sizeof(raw));
}
