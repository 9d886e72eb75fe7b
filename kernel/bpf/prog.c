/* BPF programs: Ringtail's built-in handlers, the program fd, and the glue
 * that turns a tracepoint hit into a run (bytecode: helpers.c).
 *
 * A built-in program is a handler from the table below plus the maps it
 * was loaded with (BPF_PROG_LOAD's fd_array, checked against its map
 * types). Handlers run in the task that hit the tracepoint, with
 * preemption off (kernel/events/bpf_attach.c), and use only the ring
 * buffer core and perf output, which never sleep. The record layouts are
 * user ABI: <ringtail/bpf_handlers.h>. */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/percpu.h>
#include <kernel/proc.h>
#include <kernel/syscall.h>
#include <kernel/thread.h>
#include <kernel/usermem.h>
#include <ringtail/bpf_handlers.h>
#include <ringtail/tracepoints.h>
#include "bpf.h"
#include "handlers.h"

static const struct file_ops prog_fops;

/* --- handlers ---------------------------------------------------------------- */

/* The path argument of the unlink family, or 0. */
static u64 unlink_path(const struct bpf_tp_ctx *c)
{
	if (!c->args)
		return 0;
	switch (c->nr) {
	case SYS_unlinkat:
		return c->args[1];
	case SYS_unlink:
	case SYS_rmdir:
		return c->args[0];
	default:
		return 0;
	}
}

/* Like bpf_probe_read_user_str: what can be read, "" on a fault. */
static size_t read_user_str(char *dst, size_t max, u64 usrc)
{
	long n = usrc ? strncpy_from_user(dst, usrc, max) : -EFAULT;
	if (n == -ENAMETOOLONG)
		n = (long)max - 1;      /* truncated, still terminated */
	if (n < 0)
		n = 0;
	dst[n] = 0;
	return (size_t)n;
}

static int run_unlink_log(struct bpf_prog *p, const struct bpf_tp_ctx *c)
{
	char path[sizeof(((struct rt_unlink_event *)0)->filename)];
	size_t len = read_user_str(path, sizeof(path), unlink_path(c));
	rt_unlink_log_run(p->maps[0]->rb, current_proc()->pid, current_thread()->comm, path, len);
	return 0;
}

static int run_unlink_perf(struct bpf_prog *p, const struct bpf_tp_ctx *c)
{
	struct rt_unlink_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.pid = current_proc()->pid;
	memcpy(ev.comm, current_thread()->comm, sizeof(ev.comm));
	read_user_str(ev.filename, sizeof(ev.filename), unlink_path(c));
	struct file *f = bpf_map_perf_event(p->maps[0], this_cpu_id());
	if (f) {
		perf_bpf_output(perf_event_from_file(f), c->regs, &ev, sizeof(ev));
		file_put(f);
	}
	return 0;
}

static int run_kill_drain(struct bpf_prog *p, const struct bpf_tp_ctx *c)
{
	rt_kill_drain_run(p->maps[0]->rb, p->maps[1]->rb, current_proc()->pid,
			  current_thread()->comm);
	return 0;
}

/* Benchmarks (Linux's bench_ringbufs producer): per hit, args[0] records
 * (1..RT_BENCH_MAX_BATCH); args[1] nonzero selects sampled wakeups, a
 * forced wakeup once that many bytes wait and none before. */
static u64 bench_batch(const struct bpf_tp_ctx *c)
{
	u64 n = c->args ? c->args[0] : 1;
	return n < 1 ? 1 : n > RT_BENCH_MAX_BATCH ? RT_BENCH_MAX_BATCH : n;
}

static int run_bench_rb(struct bpf_prog *p, const struct bpf_tp_ctx *c)
{
	struct bpf_ringbuf *rb = p->maps[0]->rb;
	u64 n = bench_batch(c), sampled = c->args ? c->args[1] : 0;
	s32 pid = current_proc()->pid;
	for (u64 i = 0; i < n; i++) {
		struct rt_bench_event *e = bpf_ringbuf_reserve(rb, sizeof(*e), 0);
		if (!e)
			continue;       /* counted by the ring's drop counter */
		e->pid = pid;
		e->seq = (s32)i;
		e->value = (s64)i;
		memcpy(e->comm, current_thread()->comm, sizeof(e->comm));
		u64 flags = 0;
		if (sampled)
			flags = bpf_ringbuf_query(rb, BPF_RB_AVAIL_DATA) >= sampled ?
				BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
		bpf_ringbuf_submit(e, flags);
	}
	return 0;
}

static int run_bench_pb(struct bpf_prog *p, const struct bpf_tp_ctx *c)
{
	struct file *f = bpf_map_perf_event(p->maps[0], this_cpu_id());
	if (!f)
		return 0;
	struct perf_event *pe = perf_event_from_file(f);
	struct rt_bench_event e;
	memcpy(e.comm, current_thread()->comm, sizeof(e.comm));
	e.pid = current_proc()->pid;
	for (u64 i = 0, n = bench_batch(c); i < n; i++) {
		e.seq = (s32)i;
		e.value = (s64)i;
		perf_bpf_output(pe, c->regs, &e, sizeof(e));
	}
	file_put(f);
	return 0;
}

static const struct bpf_handler handlers[] = {
	{ RT_HANDLER_UNLINK_LOG, 1, { BPF_MAP_TYPE_RINGBUF }, run_unlink_log },
	{ RT_HANDLER_UNLINK_PERF, 1, { BPF_MAP_TYPE_PERF_EVENT_ARRAY }, run_unlink_perf },
	{ RT_HANDLER_KILL_DRAIN, 2, { BPF_MAP_TYPE_USER_RINGBUF, BPF_MAP_TYPE_RINGBUF },
	  run_kill_drain },
	{ RT_HANDLER_BENCH_RB, 1, { BPF_MAP_TYPE_RINGBUF }, run_bench_rb },
	{ RT_HANDLER_BENCH_PB, 1, { BPF_MAP_TYPE_PERF_EVENT_ARRAY }, run_bench_pb },
};

const struct bpf_handler *bpf_handler_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(handlers); i++)
		if (!strcmp(handlers[i].name, name))
			return &handlers[i];
	return NULL;
}

int bpf_prog_run(struct bpf_prog *p, const struct bpf_tp_ctx *c)
{
	__atomic_fetch_add(&p->run_cnt, 1, __ATOMIC_RELAXED);
	if (!p->h)
		return bpf_prog_run_vm(p, c) != 0;
	return p->h->run(p, c);
}

/* --- program objects and fds --------------------------------------------------- */

void bpf_prog_get(struct bpf_prog *p)
{
	__atomic_fetch_add(&p->refs, 1, __ATOMIC_RELAXED);
}

void bpf_prog_put(struct bpf_prog *p)
{
	if (__atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL))
		return;
	for (unsigned int i = 0; i < BPF_PROG_MAX_MAPS; i++)
		if (p->maps[i])
			bpf_map_put(p->maps[i]);
	bpf_prog_free_vm(p);
	kfree(p);
}

static void prog_release(struct file *f)
{
	bpf_prog_put(f->priv);
}

static const struct file_ops prog_fops = {
	.name = "bpf-prog",
	.release = prog_release,
};

long bpf_prog_install(struct bpf_prog *p)
{
	struct file *f = file_alloc(&prog_fops, p, O_RDWR);
	if (!f) {
		bpf_prog_put(p);
		return -ENOMEM;
	}
	f->mode = 0600;
	int fd = fd_install(f, true);
	if (fd < 0)
		file_put(f);
	return fd;
}

struct bpf_prog *bpf_prog_from_file(struct file *f)
{
	return f && f->ops == &prog_fops ? f->priv : NULL;
}

struct bpf_prog *bpf_prog_from_fd(int fd)
{
	struct file *f = fd_get(fd);
	struct bpf_prog *p = bpf_prog_from_file(f);
	if (p)
		bpf_prog_get(p);
	if (f)
		file_put(f);
	return p;
}
