/* Side-band records: what a consumer needs besides samples to say which
 * task and which binary an address belongs to, in Linux's layouts:
 *   COMM   { pid, tid, comm[] }           attr.comm (MISC_COMM_EXEC at exec)
 *   FORK   { pid, ppid, tid, ptid, time } attr.task, when a thread is made
 *   EXIT   { pid, ppid, tid, ptid, time } attr.task, when a thread ends
 *   MMAP   { pid, tid, addr, len, pgoff, filename[] }      attr.mmap(_data)
 *   MMAP2  { ..., maj, min, ino, ino_gen | build id, prot, flags, filename[] }
 * each with the sample_id_all trailer. As Linux's perf_iterate_sb, a
 * record goes to every enabled event of the current task and of this CPU;
 * it is written through the same output path as samples (nesting, LOST
 * accounting, pause and overwrite all apply). Task context only. */
#include <lib/string.h>
#include <kernel/clock.h>
#include <kernel/perf.h>
#include <kernel/proc.h>
#include <kernel/thread.h>
#include <kernel/vm.h>
#include <linux/mman.h>
#include "internal.h"

/* The parts of a record before its string, its string (NUL-padded to
 * eight bytes), and the misc bits. */
struct sb_record {
	u32 type;
	u16 misc;
	const u64 *words;
	int nwords;
	const char *str;        /* NULL: none */
	bool want_data;         /* MMAP: a data mapping (attr.mmap_data) */
	const u64 *words2;      /* MMAP2's layout: device and inode ... */
	const u64 *words2_bid;  /* ... or the build id (attr.build_id), if known */
	int nwords2;
};

static void emit(struct perf_event *e, const struct sb_record *r)
{
	struct perf_mmap *pm = perf_event_out(e);
	if (!pm)
		return;
	const u64 *w = r->words;
	int n = r->nwords;
	u32 type = r->type;
	u16 misc = r->misc;
	if (type == PERF_RECORD_MMAP && e->attr.mmap2) {
		type = PERF_RECORD_MMAP2;
		n = r->nwords2;
		if (e->attr.build_id && r->words2_bid) {
			w = r->words2_bid;
			misc |= PERF_RECORD_MISC_MMAP_BUILD_ID;
		} else {
			w = r->words2;
		}
	}
	size_t slen = r->str ? strlen(r->str) + 1 : 0;
	size_t spad = ALIGN_UP(slen, 8);
	u64 idbuf[8];
	int nid = perf_sample_id(e, idbuf);
	u32 size = 8 + (u32)n * 8 + (u32)spad + (u32)nid * 8;
	if (size > 0xffff)
		return;
	struct perf_event_header hdr = { .type = type, .misc = misc, .size = (u16)size };
	struct perf_output_ctx ctx;
	u64 lostid[8];
	perf_side_output_ctx(e, &ctx, lostid);
	struct perf_output_handle h;
	if (perf_output_begin(&h, &pm->core, &ctx, size))
		return;
	perf_output_copy(&h, &hdr, sizeof(hdr));
	perf_output_copy(&h, w, (u32)n * 8);
	if (slen) {
		static const u64 zero;
		perf_output_copy(&h, r->str, (u32)slen);
		perf_output_copy(&h, &zero, (u32)(spad - slen));
	}
	perf_output_copy(&h, idbuf, (u32)nid * 8);
	perf_output_end(&h);
}

static bool wants(const struct perf_event *e, const struct sb_record *r)
{
	if (e->state != PERF_ON)
		return false;
	switch (r->type) {
	case PERF_RECORD_COMM:
		return e->attr.comm;
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT:
		return e->attr.task;
	case PERF_RECORD_MMAP:
		/* Linux's perf_event_mmap_match: exec mappings for mmap/mmap2,
		 * the others for mmap_data. */
		return r->want_data ? e->attr.mmap_data : (e->attr.mmap || e->attr.mmap2);
	}
	return false;
}

static void visit(struct perf_event *e, void *arg)
{
	const struct sb_record *r = arg;
	if (wants(e, r))
		emit(e, r);
}

static void deliver(const struct sb_record *r)
{
	if (!READ_ONCE(perf_hooks_enabled))
		return;
	perf_for_each_here(visit, (void *)r);
}

struct comm_pair {
	const struct sb_record *plain, *exec;
};

static void comm_visit(struct perf_event *e, void *arg)
{
	struct comm_pair *both = arg;
	if (wants(e, both->plain))
		emit(e, e->attr.comm_exec ? both->exec : both->plain);
}

static u64 pid_tid(const struct thread *t)
{
	return ((u64)(u32)t->tid << 32) | (u32)thread_tgid(t);
}

void perf_event_comm(struct thread *t, bool exec)
{
	if (!READ_ONCE(perf_hooks_enabled))
		return;
	u64 w = pid_tid(t);
	struct sb_record r = { .type = PERF_RECORD_COMM, .words = &w, .nwords = 1,
			       .str = t->comm };
	if (!exec) {
		deliver(&r);
		return;
	}
	/* comm_exec events get the exec bit; others the record as before. */
	struct sb_record rx = r;
	rx.misc = PERF_RECORD_MISC_COMM_EXEC;
	struct comm_pair both = { &r, &rx };
	perf_for_each_here(comm_visit, &both);
}

/* FORK (in the creator) and EXIT (in the thread that ends). */
static void task_record(u32 type, int pid, int ppid, int tid, int ptid)
{
	u64 w[3] = { ((u64)(u32)ppid << 32) | (u32)pid, ((u64)(u32)ptid << 32) | (u32)tid,
		     clock_ns() };
	struct sb_record r = { .type = type, .words = w, .nwords = 3 };
	deliver(&r);
}

void perf_event_fork(struct thread *parent, struct thread *child)
{
	if (!READ_ONCE(perf_hooks_enabled))
		return;
	task_record(PERF_RECORD_FORK, thread_tgid(child), thread_tgid(parent), child->tid,
		    parent->tid);
}

void perf_event_exit_record(struct thread *t, int parent_pid)
{
	if (!READ_ONCE(perf_hooks_enabled))
		return;
	/* Linux: EXIT's ppid and ptid are both the parent process's pid. */
	task_record(PERF_RECORD_EXIT, thread_tgid(t), parent_pid, t->tid, parent_pid);
}

void perf_event_mmap(const struct perf_mmap_info *m)
{
	if (!READ_ONCE(perf_hooks_enabled))
		return;
	struct thread *t = current_thread();
	u64 w[4] = { pid_tid(t), m->addr, m->len, m->pgoff };
	u64 w2[8], w2b[8];
	memcpy(w2, w, sizeof(w));
	u16 misc = PERF_RECORD_MISC_USER;
	w2[4] = ((u64)(u32)(m->dev & 0xff) << 32) | (u32)(m->dev >> 8);   /* maj, min */
	w2[5] = m->ino;
	w2[6] = 0;                                      /* ino_generation */
	if (m->build_id_size) {
		/* u8 size, u8, u16 reserved, u8 build_id[20] where the device
		 * and inode are otherwise. */
		memcpy(w2b, w, sizeof(w));
		u8 b[24] = { m->build_id_size };
		memcpy(b + 4, m->build_id, MIN(m->build_id_size, (u8)20));
		memcpy(&w2b[4], b, 24);
	}
	unsigned prot = 0;
	if (m->prot & VM_READ)
		prot |= PROT_READ;
	if (m->prot & VM_WRITE)
		prot |= PROT_WRITE;
	if (m->prot & VM_EXEC)
		prot |= PROT_EXEC;
	w2[7] = ((u64)(m->shared ? MAP_SHARED : MAP_PRIVATE) << 32) | prot;
	w2b[7] = w2[7];
	bool data = !(m->prot & VM_EXEC);
	if (data)
		misc |= PERF_RECORD_MISC_MMAP_DATA;
	struct sb_record r = {
		.type = PERF_RECORD_MMAP, .misc = misc, .words = w, .nwords = 4, .str = m->name,
		.want_data = data, .words2 = w2, .words2_bid = m->build_id_size ? w2b : NULL,
		.nwords2 = 8,
	};
	deliver(&r);
}
