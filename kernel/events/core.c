/* perf_event_open(2) and the event file: attribute checks with Linux's
 * errno, event creation and teardown, read(), ioctl(). */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/clock.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/perf.h>
#include <kernel/proc.h>
#include <kernel/signal.h>
#include <kernel/syscall.h>
#include <kernel/thread.h>
#include <kernel/usermem.h>
#include <kernel/arch/perf.h>
#include "internal.h"

#define PERF_ATTR_SIZE_OURS PERF_ATTR_SIZE_VER7   /* up to sig_data */
#define PERF_FLAG_ALL (PERF_FLAG_FD_NO_GROUP | PERF_FLAG_FD_OUTPUT | PERF_FLAG_PID_CGROUP | \
		       PERF_FLAG_FD_CLOEXEC)
#define PERF_IOC_FLAG_GROUP 1u
/* Sample fields Ringtail can fill in; asking for others is EINVAL. */
#define SUPPORTED_SAMPLE (PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | \
			  PERF_SAMPLE_ADDR | PERF_SAMPLE_READ | PERF_SAMPLE_CALLCHAIN | \
			  PERF_SAMPLE_ID | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD | \
			  PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_RAW | PERF_SAMPLE_IDENTIFIER | \
			  PERF_SAMPLE_WEIGHT | PERF_SAMPLE_DATA_SRC | PERF_SAMPLE_TRANSACTION | \
			  PERF_SAMPLE_PHYS_ADDR | PERF_SAMPLE_CGROUP | \
			  PERF_SAMPLE_DATA_PAGE_SIZE | PERF_SAMPLE_CODE_PAGE_SIZE | \
			  PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER | PERF_SAMPLE_REGS_INTR)

STATIC_ASSERT(sizeof(struct perf_event_attr) == PERF_ATTR_SIZE_OURS, "attr size");

static u64 next_event_id = 1;
static const struct file_ops perf_fops;

void perf_event_get(struct perf_event *e)
{
	__atomic_fetch_add(&e->refs, 1, __ATOMIC_RELAXED);
}

void perf_event_put(struct perf_event *e)
{
	if (__atomic_sub_fetch(&e->refs, 1, __ATOMIC_ACQ_REL))
		return;
	perf_event_detach_mmap(e);
	if (e->leader != e)
		perf_event_put(e->leader);
	if (e->parent)
		perf_event_put(e->parent);
	if (e->attr.sample_type & PERF_SAMPLE_CALLCHAIN)
		__atomic_fetch_sub(&perf_nr_callchain_events, 1, __ATOMIC_RELAXED);
	irq_work_sync(&e->pending_work);
	perf_filter_free(e);
	kfree(e);
}

struct perf_event *perf_event_from_file(struct file *f)
{
	return f && f->ops == &perf_fops ? f->priv : NULL;
}

/* Linux's attribute copy: the size field first, then the known part;
 * unknown trailing bytes must be zero. A bad size is E2BIG, and the size
 * the kernel understands is written back for the caller to see if it can
 * be (Linux ignores a failed write-back: E2BIG either way). */
static long copy_attr(u64 uattr, struct perf_event_attr *attr)
{
	u32 size;
	memset(attr, 0, sizeof(*attr));
	if (copy_from_user(&size, uattr + 4, sizeof(size)))
		return -EFAULT;
	if (size == 0)
		size = PERF_ATTR_SIZE_VER0;
	if (size < PERF_ATTR_SIZE_VER0 || size > PAGE_SIZE)
		goto too_big;
	if (size > sizeof(*attr)) {
		u8 rest[64];
		for (u32 off = sizeof(*attr); off < size; off += sizeof(rest)) {
			u32 n = MIN((u32)sizeof(rest), size - off);
			if (copy_from_user(rest, uattr + off, n))
				return -EFAULT;
			for (u32 i = 0; i < n; i++)
				if (rest[i])
					goto too_big;
		}
	}
	if (copy_from_user(attr, uattr, MIN(size, (u32)sizeof(*attr))))
		return -EFAULT;
	attr->size = size;
	return 0;
too_big: {
		u32 ksize = sizeof(*attr);
		(void)copy_to_user(uattr + 4, &ksize, sizeof(ksize));
		return -E2BIG;
	}
}

static long check_attr(const struct perf_event_attr *a)
{
	if (a->__reserved_1 || a->__reserved_2 || a->__reserved_3)
		return -EINVAL;
	if (a->sample_type & ~(u64)(PERF_SAMPLE_MAX - 1))
		return -EINVAL;
	if (a->read_format & ~(u64)(PERF_FORMAT_MAX - 1))
		return -EINVAL;
	if (a->sample_type & PERF_SAMPLE_BRANCH_STACK)
		return -EOPNOTSUPP;     /* no branch records on any Ringtail event */
	if (a->sample_type & ~(u64)SUPPORTED_SAMPLE)
		return -EINVAL;
	/* Linux's perf_copy_attr: registers by the arch's rules, the user
	 * stack size below 64 KiB and a multiple of 8. */
	if ((a->sample_type & PERF_SAMPLE_REGS_USER) && arch_perf_reg_validate(a->sample_regs_user))
		return -EINVAL;
	if ((a->sample_type & PERF_SAMPLE_STACK_USER) &&
	    (a->sample_stack_user >= 0xffff || (a->sample_stack_user & 7)))
		return -EINVAL;
	if ((a->sample_type & PERF_SAMPLE_REGS_INTR) && arch_perf_reg_validate(a->sample_regs_intr))
		return -EINVAL;
	if (a->freq) {
		if (a->sample_freq > (u64)READ_ONCE(sysctl_perf_event_sample_rate))
			return -EINVAL;
	} else if (a->sample_period & (1ull << 63)) {
		return -EINVAL;
	}
	if (a->sigtrap && !a->remove_on_exec)
		return -EINVAL;
	if (a->inherit_thread && !a->inherit)
		return -EINVAL;
	if (a->remove_on_exec && a->enable_on_exec)
		return -EINVAL;
	/* Linux 6.12: sampled counts of inherited events are per thread, so
	 * the sample must say which thread. */
	if (a->inherit && (a->sample_type & PERF_SAMPLE_READ) && !(a->sample_type & PERF_SAMPLE_TID))
		return -EINVAL;
	if (a->aux_output || a->aux_sample_size || a->use_clockid)
		return -EINVAL;
	if (a->precise_ip > 0)
		return -EOPNOTSUPP;     /* software emulation has no skid to remove */
	if (a->sample_max_stack > READ_ONCE(sysctl_perf_event_max_stack))
		return -EOVERFLOW;
	return 0;
}

/* Does (type, config) name an event Ringtail has? */
static long check_type(const struct perf_event_attr *a)
{
	switch (a->type) {
	case PERF_TYPE_SOFTWARE:
		if (a->config >= PERF_COUNT_SW_MAX)
			return -ENOENT;
		if (a->config == PERF_COUNT_SW_CGROUP_SWITCHES)
			return -EOPNOTSUPP;
		return 0;
	case PERF_TYPE_TRACEPOINT:
		return perf_tracepoint_id_valid(a->config) ? 0 : -EINVAL;
	case PERF_TYPE_HARDWARE:
		/* Cycles (and reference cycles) are emulated with the TSC and a
		 * periodic NMI; nothing else has a counter. */
		if (a->config == PERF_COUNT_HW_CPU_CYCLES || a->config == PERF_COUNT_HW_REF_CPU_CYCLES)
			return 0;
		return a->config >= PERF_COUNT_HW_MAX ? -EINVAL : -ENOENT;
	default:
		return -ENOENT;
	}
}

void perf_sigtrap_deliver(void)
{
	struct thread *t = current_thread();
	WRITE_ONCE(t->perf_trap.pending, false);
	struct kinfo ki = { .code = TRAP_PERF, .addr = t->perf_trap.addr,
			    .perf_data = t->perf_trap.data, .perf_type = t->perf_trap.type };
	signal_send_thread_info(t, SIGTRAP, &ki);
}

/* What an overflow owed, outside NMI context on its CPU: the disable of a
 * REFRESH limit, then the wakeup and the O_ASYNC signal (POLL_IN, or
 * POLL_HUP at the limit), sent for the original of an inherited copy as
 * Linux's perf_event_fasync does. */
static void perf_pending_work(struct irq_work *w)
{
	struct perf_event *e = container_of(w, struct perf_event, pending_work);
	if (READ_ONCE(e->pending_disable))
		perf_disable_local(e);
	int kill = __atomic_exchange_n(&e->pending_kill, 0, __ATOMIC_ACQ_REL);
	struct perf_event *o = e->parent ? e->parent : e;
	if (kill) {
		waitq_wake_all(&o->wait);
		async_files_notify(&o->async, kill, true);
	}
}

void perf_overflow_notify(struct perf_event *e, bool last, u64 addr)
{
	struct perf_event *o = e->parent ? e->parent : e;
	bool fasync = READ_ONCE(o->fasync);      /* not the file: NMI context */
	struct thread *t = current_thread();
	if (e->attr.sigtrap && t && t->proc) {
		/* SIGTRAP (TRAP_PERF) for the thread that overflowed, sent on
		 * its way back to user mode (perf_sigtrap_deliver), as Linux's
		 * task work: no lock here, this may be an NMI. */
		t->perf_trap.addr = addr;
		t->perf_trap.data = e->attr.sig_data;
		t->perf_trap.type = e->attr.type;
		WRITE_ONCE(t->perf_trap.pending, true);
	}
	if (!last && !fasync)
		return;
	if (last)
		WRITE_ONCE(e->pending_disable, true);
	if (fasync)
		WRITE_ONCE(e->pending_kill, last ? POLL_HUP : POLL_IN);
	irq_work_queue(&e->pending_work);
}

struct perf_event *perf_event_alloc(const struct perf_event_attr *attr, int cpu,
				    struct thread *task)
{
	struct perf_event *e = kzalloc(sizeof(*e));
	if (!e)
		return NULL;
	e->attr = *attr;
	e->id = __atomic_fetch_add(&next_event_id, 1, __ATOMIC_RELAXED);
	e->refs = 1;
	e->cpu = cpu;
	e->task = task;
	e->leader = e;
	e->state = attr->disabled ? PERF_OFF : PERF_ON;
	list_init(&e->siblings);
	list_init(&e->sibling_node);
	list_init(&e->ctx_node);
	list_init(&e->children);
	list_init(&e->child_node);
	waitq_init(&e->wait, "perf-event");
	if (attr->freq)
		e->period = attr->sample_freq ? 1 : 0;  /* adjusted at each tick */
	else
		e->period = attr->sample_period;
	e->period_left = (s64)e->period;
	perf_compute_sizes(e);
	if (attr->sample_type & PERF_SAMPLE_CALLCHAIN)
		__atomic_fetch_add(&perf_nr_callchain_events, 1, __ATOMIC_RELAXED);
	irq_work_init(&e->pending_work, perf_pending_work);
	async_files_init(&e->async, "perf-async");
	return e;
}

SYSCALL_DEFINE(perf_event_open)
{
	u64 uattr = a0, flags = a4;
	int pid = (int)a1, cpu = (int)a2, group_fd = (int)a3;
	struct perf_event_attr attr;
	if (flags & ~(u64)PERF_FLAG_ALL)
		return -EINVAL;
	long rc = copy_attr(uattr, &attr);
	if (!rc && (!attr.exclude_kernel || (attr.sample_type & PERF_SAMPLE_REGS_INTR)))
		rc = perf_allow_kernel();
	if (!rc && (attr.sample_type & PERF_SAMPLE_CALLCHAIN) && !attr.sample_max_stack)
		attr.sample_max_stack = (u16)READ_ONCE(sysctl_perf_event_max_stack);
	if (!rc)
		rc = check_attr(&attr);
	if (rc)
		return rc;
	/* The rest in Linux's order: the group fd, the task, then what
	 * perf_event_alloc and find_get_context check (CPU, type, access). */
	struct file *group_file = NULL;
	struct perf_event *leader = NULL;
	if (group_fd != -1) {
		group_file = fd_get(group_fd);
		leader = perf_event_from_file(group_file);
		if (!leader) {
			if (group_file)
				file_put(group_file);
			return -EBADF;
		}
	}
	struct thread *task = NULL, *found = NULL;
	if (flags & PERF_FLAG_PID_CGROUP) {
		rc = -EBADF;            /* no cgroups: the "pid" cannot be one */
		goto out;
	}
	if (pid != -1) {
		task = pid == 0 ? current_thread() : pid > 0 ? (found = thread_find(pid)) : NULL;
		if (!task) {
			rc = -ESRCH;
			goto out;
		}
	}
	/* Linux: past nr_cpu_ids is EINVAL, a possible but offline CPU ENODEV
	 * (every CPU that booted here is online). */
	if (cpu < -1 || cpu >= (int)nr_cpus_online || (pid == -1 && cpu == -1)) {
		rc = -EINVAL;
		goto out;
	}
	rc = check_type(&attr);
	if (rc)
		goto out;
	if (cpu >= 0 && (!cpu_table[cpu] || !cpu_table[cpu]->online)) {
		rc = -ENODEV;
		goto out;
	}
	if (task) {
		/* Linux's ptrace_may_access (real ids): a task whose ids
		 * are not all the caller's needs root. */
		const struct cred *me = &current_proc()->cred, *them = &task->proc->cred;
		bool same = me->uid == them->uid && me->uid == them->euid && me->uid == them->suid &&
			    me->gid == them->gid && me->gid == them->egid && me->gid == them->sgid;
		if (me->euid != 0 && !same) {
			rc = -EACCES;
			goto out;
		}
	} else {
		rc = perf_allow_cpu();
		if (!rc && attr.type == PERF_TYPE_TRACEPOINT && (attr.sample_type & PERF_SAMPLE_RAW))
			rc = perf_allow_tracepoint();
		if (rc)
			goto out;
	}
	if (leader) {
		/* Members count together: same task, same CPU; the leader must
		 * lead (not be a member itself). */
		if (leader->leader != leader || leader->cpu != cpu || leader->task != task ||
		    leader->attr.inherit != attr.inherit) {
			rc = -EINVAL;
			goto out;
		}
	}
	struct perf_event *e = perf_event_alloc(&attr, cpu, task);
	if (!e) {
		rc = -ENOMEM;
		goto out;
	}
	rc = perf_source_init(e);
	if (rc) {
		kfree(e);
		goto out;
	}
	if (leader && !(flags & PERF_FLAG_FD_NO_GROUP)) {
		if (!perf_group_fits(leader, e)) {
			rc = -E2BIG;
			goto fail;
		}
		/* It joins the group's list when it joins the context. */
		perf_event_get(leader);
		e->leader = leader;
		/* A member is on only while its leader is. */
		if (leader->state == PERF_OFF)
			e->state = e->state == PERF_ON && !attr.disabled ? PERF_ON : e->state;
	}
	if (leader && (flags & PERF_FLAG_FD_OUTPUT)) {
		rc = perf_set_output(e, leader);
		if (rc)
			goto fail;
	}
	struct file *f = file_alloc(&perf_fops, e, O_RDWR);
	if (!f) {
		rc = -ENOMEM;
		goto fail;
	}
	f->mode = 0600;
	e->file = f;
	async_files_add(&e->async, f);
	rc = fd_install(f, flags & PERF_FLAG_FD_CLOEXEC);
	if (rc < 0) {
		file_put(f);    /* releases the event too */
		goto out;
	}
	perf_ctx_add(e);
	goto out;
fail:
	perf_source_destroy(e);
	perf_event_put(e);
out:
	if (found)
		thread_put(found);
	if (group_file)
		file_put(group_file);
	return rc;
}

/* A now older than a stamp (read before the stamp was taken) adds
 * nothing: the times never go back. */
void perf_event_update_times(struct perf_event *e, u64 now)
{
	if (e->state == PERF_ON && e->tstamp_enabled && now > e->tstamp_enabled) {
		e->time_enabled += now - e->tstamp_enabled;
		e->tstamp_enabled = now;
	}
	if (e->active && e->tstamp_running && now > e->tstamp_running) {
		e->time_running += now - e->tstamp_running;
		e->tstamp_running = now;
	}
}

u64 perf_event_read_count(struct perf_event *e)
{
	irqflags_t f = arch_irq_save();
	perf_event_update_times(e, clock_ns());
	u64 v = perf_source_read(e);
	arch_irq_restore(f);
	return v;
}

/* read(): value, [enabled], [running], [id], [lost]; with PERF_FORMAT_GROUP
 * nr, [enabled], [running], then {value, [id], [lost]} per member. */
static long perf_read(struct file *f, u64 ubuf, size_t len)
{
	struct perf_event *e = f->priv;
	u64 fmt = e->attr.read_format, en, run;
	struct perf_event **v = &e;
	int m = 1;
	if (fmt & PERF_FORMAT_GROUP) {
		m = perf_group_snapshot(READ_ONCE(e->leader), &v);
		if (m < 0)
			return m;
	}
	u64 *buf = kmalloc((size_t)(3 + 3 * m) * sizeof(u64));
	long rc = buf ? 0 : -ENOMEM;
	size_t n = 0;
	if (buf) {
		/* Alone: the value first; a group: the count of members. */
		u64 first = perf_event_read_total(v[0], &en, &run);
		buf[n++] = fmt & PERF_FORMAT_GROUP ? (u64)m : first;
		if (fmt & PERF_FORMAT_TOTAL_TIME_ENABLED)
			buf[n++] = en;
		if (fmt & PERF_FORMAT_TOTAL_TIME_RUNNING)
			buf[n++] = run;
		for (int i = 0; i < m; i++) {
			if (fmt & PERF_FORMAT_GROUP)
				buf[n++] = i ? perf_event_read_total(v[i], NULL, NULL) : first;
			if (fmt & PERF_FORMAT_ID)
				buf[n++] = v[i]->id;
			if (fmt & PERF_FORMAT_LOST)
				buf[n++] = local_read(&v[i]->lost_samples);
		}
		size_t bytes = n * sizeof(u64);
		rc = len < bytes ? -ENOSPC : copy_to_user(ubuf, buf, bytes) ? -EFAULT : (long)bytes;
	}
	kfree(buf);
	if (fmt & PERF_FORMAT_GROUP)
		perf_group_snapshot_put(v, m);
	return rc;
}

/* fn on e and its inherited copies. */
static void for_family(struct perf_event *e, void (*fn)(struct perf_event *))
{
	fn(e);
	perf_inherit_for_each(e, fn);
}

static long for_group(struct perf_event *e, bool group, void (*fn)(struct perf_event *))
{
	if (!group) {
		for_family(e, fn);
		return 0;
	}
	struct perf_event **v;
	int n = perf_group_snapshot(READ_ONCE(e->leader), &v);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		for_family(v[i], fn);
	perf_group_snapshot_put(v, n);
	return 0;
}

static long perf_ioctl(struct file *f, unsigned int cmd, u64 arg)
{
	struct perf_event *e = f->priv;
	switch (cmd) {
	case PERF_EVENT_IOC_ENABLE:
		return for_group(e, arg & PERF_IOC_FLAG_GROUP, perf_enable);
	case PERF_EVENT_IOC_DISABLE:
		return for_group(e, arg & PERF_IOC_FLAG_GROUP, perf_disable);
	case PERF_EVENT_IOC_RESET:
		return for_group(e, arg & PERF_IOC_FLAG_GROUP, perf_reset);
	case PERF_EVENT_IOC_REFRESH:
		/* Linux: sampling events that are not inherited; the count
		 * adds up, and the event starts. */
		if (e->attr.inherit || (!e->period && !e->attr.freq))
			return -EINVAL;
		__atomic_add_fetch(&e->event_limit, (int)arg, __ATOMIC_RELAXED);
		WRITE_ONCE(e->pending_disable, false);
		perf_enable(e);
		return 0;
	case PERF_EVENT_IOC_PERIOD: {
		u64 v;
		if (copy_from_user(&v, arg, sizeof(v)))
			return -EFAULT;
		if (!e->period && !e->attr.freq)
			return -EINVAL;         /* not a sampling event */
		if (!v || (v & (1ull << 63)))
			return -EINVAL;
		if (e->attr.freq) {
			if (v > (u64)READ_ONCE(sysctl_perf_event_sample_rate))
				return -EINVAL;
			e->attr.sample_freq = v;
		} else {
			irqflags_t fl = arch_irq_save();
			e->attr.sample_period = v;
			e->period = v;
			e->period_left = (s64)v;
			arch_irq_restore(fl);
		}
		return 0;
	}
	case PERF_EVENT_IOC_ID:
		return copy_to_user(arg, &e->id, sizeof(e->id)) ? -EFAULT : 0;
	case PERF_EVENT_IOC_SET_OUTPUT: {
		if ((int)arg == -1)
			return perf_set_output(e, NULL);
		struct file *tf = fd_get((int)arg);
		struct perf_event *target = perf_event_from_file(tf);
		long rc = target ? perf_set_output(e, target) : -EBADF;
		if (tf)
			file_put(tf);
		return rc;
	}
	case PERF_EVENT_IOC_PAUSE_OUTPUT: {
		struct perf_mmap *pm = e->out;
		if (!pm)
			return -EINVAL;
		perf_buffer_set_paused(&pm->core, arg != 0);
		return 0;
	}
	case PERF_EVENT_IOC_SET_BPF:
		return perf_attach_bpf(e, (int)arg);
	case PERF_EVENT_IOC_SET_FILTER:
		return perf_set_filter(e, arg);
	default:
		return -ENOTTY;
	}
}

static void perf_release(struct file *f)
{
	struct perf_event *e = f->priv;
	async_files_del(&e->async, f);
	e->file = NULL;
	perf_inherit_release(e);
	perf_ctx_remove(e);
	perf_source_destroy(e);
	perf_event_detach_bpf(e);
	perf_event_put(e);
}

static void perf_fasync(struct file *f, bool on)
{
	struct perf_event *e = f->priv;
	WRITE_ONCE(e->fasync, on);
}

static const struct file_ops perf_fops = {
	.name = "perf_event",
	.fasync = perf_fasync,
	.read = perf_read,
	.ioctl = perf_ioctl,
	.poll = perf_poll,
	.mmap = perf_mmap,
	.release = perf_release,
};
