/* BPF programs (bytecode or built-in handlers) attached to tracepoints
 * (PERF_EVENT_IOC_SET_BPF, or a BPF link: kernel/bpf/link.c), and
 * bpf_perf_event_output for them.
 *
 * As on Linux, a program attached through a tracepoint event belongs to
 * the tracepoint: it runs at every hit, in whatever task and on whatever
 * CPU, whether or not its event is enabled, for as long as the event
 * exists. If a program returns 0, that hit produces no perf samples for
 * any event of the tracepoint (Linux's perf_trace_run_bpf_submit).
 *
 * Attachments live in a small global table read without locks. Runners
 * bump their CPU's generation on entry and exit (odd = running); a
 * detacher clears the slot, then waits out every CPU that was running, so
 * the program can be released with no handler still using it:
 *
 *	runner                          detacher
 *	gen[cpu]++  (seq_cst)           slot.prog = NULL (seq_cst)
 *	p = slot.prog                   g = gen[c]; if odd, wait until != g
 *	run p; gen[cpu]++ (release)     put the program
 *
 * Either the runner's first increment comes before the detacher's read of
 * gen (the detacher waits for it), or after it, and then after the NULL
 * store too, so the runner cannot see the old program. */
#include <arch/barrier.h>
#include <lib/errno.h>
#include <kernel/percpu.h>
#include <kernel/spinlock.h>
#include <arch/trap.h>
#include <kernel/file.h>
#include <ringtail/tracepoints.h>
#include "../bpf/bpf.h"
#include "internal.h"

#define ATTACH_SLOTS 128        /* attachments in all */
#define MAX_PER_TRACEPOINT 64   /* Linux's BPF_TRACE_MAX_PROGS */

struct attach_slot {
	u64 tp_id;
	struct bpf_prog *prog;          /* NULL: free */
	struct perf_event *owner;
};

static struct attach_slot slots[ATTACH_SLOTS];
int perf_bpf_nr_attached;        /* programs attached anywhere */
static spinlock_t attach_lock = SPINLOCK_INIT("bpf-attach");   /* writers only */
static struct {
	u64 gen;
} __aligned(64) run_gen[MAX_CPUS];

long perf_attach_bpf(struct perf_event *e, int prog_fd)
{
	if (e->attr.type != PERF_TYPE_TRACEPOINT)
		return -EINVAL;         /* only tracepoint programs here */
	struct bpf_prog *p = bpf_prog_from_fd(prog_fd);
	if (!p) {
		struct file *f = fd_get(prog_fd);
		if (f)
			file_put(f);
		return f ? -EINVAL : -EBADF;
	}
	return perf_attach_bpf_prog(e, p);
}

long perf_attach_bpf_prog(struct perf_event *e, struct bpf_prog *p)
{
	if (e->attr.type != PERF_TYPE_TRACEPOINT || p->type != BPF_PROG_TYPE_TRACEPOINT) {
		bpf_prog_put(p);
		return -EINVAL;
	}
	long rc = -E2BIG;               /* Linux's answer to a full prog array */
	int on_tp = 0;
	irqflags_t fl = spin_lock_irqsave(&attach_lock);
	for (int i = 0; i < ATTACH_SLOTS; i++) {
		if (!slots[i].owner)
			continue;
		/* One program per event; a program once per tracepoint. */
		if (slots[i].owner == e ||
		    (slots[i].tp_id == e->attr.config && slots[i].prog == p)) {
			rc = -EEXIST;
			break;
		}
		if (slots[i].tp_id == e->attr.config)
			on_tp++;
	}
	if (on_tp >= MAX_PER_TRACEPOINT)
		rc = -E2BIG;
	for (int i = 0; i < ATTACH_SLOTS && rc == -E2BIG; i++) {
		if (slots[i].owner)
			continue;
		slots[i].tp_id = e->attr.config;
		slots[i].owner = e;
		smp_store_release(&slots[i].prog, p);
		__atomic_fetch_add(&perf_bpf_nr_attached, 1, __ATOMIC_RELAXED);
		e->bpf_prog = p;
		rc = 0;
	}
	spin_unlock_irqrestore(&attach_lock, fl);
	if (rc)
		bpf_prog_put(p);
	return rc;
}

void perf_event_detach_bpf(struct perf_event *e)
{
	struct bpf_prog *p = NULL;
	irqflags_t fl = spin_lock_irqsave(&attach_lock);
	for (int i = 0; i < ATTACH_SLOTS; i++) {
		if (slots[i].owner != e)
			continue;
		p = slots[i].prog;
		__atomic_store_n(&slots[i].prog, NULL, __ATOMIC_SEQ_CST);
		__atomic_fetch_sub(&perf_bpf_nr_attached, 1, __ATOMIC_RELAXED);
		slots[i].owner = NULL;
	}
	e->bpf_prog = NULL;
	spin_unlock_irqrestore(&attach_lock, fl);
	if (!p)
		return;
	for (unsigned int c = 0; c < MAX_CPUS; c++) {
		u64 g = __atomic_load_n(&run_gen[c].gen, __ATOMIC_SEQ_CST);
		if (g & 1)
			while (smp_load_acquire(&run_gen[c].gen) == g)
				cpu_relax();
	}
	bpf_prog_put(p);
}

/* Run the programs of tracepoint id: true if the hit's perf samples are to
 * be suppressed (a program returned 0). */
bool perf_bpf_tracepoint(u64 id, const struct bpf_tp_ctx *c)
{
	bool suppress = false;
	preempt_disable();
	u64 *gen = &run_gen[this_cpu_id()].gen;
	__atomic_fetch_add(gen, 1, __ATOMIC_SEQ_CST);
	for (int i = 0; i < ATTACH_SLOTS; i++) {
		struct bpf_prog *p = __atomic_load_n(&slots[i].prog, __ATOMIC_SEQ_CST);
		if (p && READ_ONCE(slots[i].tp_id) == id) {
			struct bpf_tp_ctx one = *c;
			one.id = id;
			if (bpf_prog_run(p, &one) == 0)
				suppress = true;
		}
	}
	__atomic_fetch_add(gen, 1, __ATOMIC_RELEASE);
	preempt_enable();
	return suppress;
}

long perf_bpf_output(struct perf_event *e, const struct trap_frame *regs, const void *data,
		     u32 size)
{
	if (e->attr.type != PERF_TYPE_SOFTWARE || e->attr.config != PERF_COUNT_SW_BPF_OUTPUT)
		return -EINVAL;
	irqflags_t fl = arch_irq_save();
	long rc = -EOPNOTSUPP;          /* Linux: the event is not on this CPU */
	if (READ_ONCE(e->active) && READ_ONCE(e->active_cpu) == this_cpu_id()) {
		struct perf_sample s = {
			.ip = regs ? regs->rip : 0, .user = regs != NULL, .regs = regs,
			.period = 1, .raw = data, .raw_size = size,
		};
		perf_output_sample_record(e, &s);
		rc = 0;
	}
	arch_irq_restore(fl);
	return rc;
}

long perf_bpf_array_check(struct perf_event *e)
{
	return e->attr.inherit ? -EOPNOTSUPP : 0;
}
