/* The perf knobs of /proc/sys/kernel, with Linux's ranges and rules:
 *   perf_event_paranoid        who may open what (perf_allow_* below)
 *   perf_event_max_sample_rate attr.sample_freq ceiling and the per-tick
 *                              sample budget; refused while throttling by
 *                              CPU time is off (percent 0 or 100)
 *   perf_cpu_time_max_percent  0..100; 0 and 100 turn Linux's throttling
 *                              by CPU time off (Ringtail never lowers the
 *                              rate by measured cost: it throttles by the
 *                              per-tick sample budget only)
 *   perf_event_max_stack       callchain depth; busy while callchain
 *                              events exist
 *   perf_event_mlock_kb        per-user ring buffer allowance (mmap.c)
 * Writes parse as Linux's proc_dointvec: one decimal integer. */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/perf.h>
#include <kernel/printk.h>
#include <kernel/percpu.h>
#include <kernel/proc.h>
#include <kernel/spinlock.h>
#include "internal.h"

int sysctl_perf_event_paranoid = 2;
int sysctl_perf_event_sample_rate = PERF_DEFAULT_SAMPLE_RATE;
int sysctl_perf_cpu_time_max_percent = 25;
int sysctl_perf_event_max_stack = PERF_MAX_STACK;
int sysctl_perf_event_mlock = 512 + 4;          /* KiB: 512 + one page */
int perf_max_samples_per_tick = PERF_DEFAULT_SAMPLE_RATE / 1000;
int perf_nr_callchain_events;

/* "  -12\n" -> -12; anything else is EINVAL. */
int sysctl_parse_int(const char *buf, size_t len, int *out)
{
	size_t i = 0;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n'))
		i++;
	bool neg = i < len && buf[i] == '-';
	if (neg || (i < len && buf[i] == '+'))
		i++;
	if (i == len || buf[i] < '0' || buf[i] > '9')
		return -EINVAL;
	long v = 0;
	for (; i < len && buf[i] >= '0' && buf[i] <= '9'; i++) {
		v = v * 10 + (buf[i] - '0');
		if (v > 0x7fffffffl + neg)
			return -EINVAL;
	}
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || !buf[i]))
		i++;
	if (i != len)
		return -EINVAL;
	*out = (int)(neg ? -v : v);
	return 0;
}

static bool perfmon_capable(void)
{
	struct process *p = current_proc();
	return !p || p->cred.euid == 0;
}

int perf_allow_kernel(void)
{
	return READ_ONCE(sysctl_perf_event_paranoid) > 1 && !perfmon_capable() ? -EACCES : 0;
}

int perf_allow_cpu(void)
{
	return READ_ONCE(sysctl_perf_event_paranoid) > 0 && !perfmon_capable() ? -EACCES : 0;
}

int perf_allow_tracepoint(void)
{
	return READ_ONCE(sysctl_perf_event_paranoid) > -1 && !perfmon_capable() ? -EPERM : 0;
}

bool perf_is_paranoid(void)
{
	return READ_ONCE(sysctl_perf_event_paranoid) > -1;
}

static void update_rate(int rate)
{
	WRITE_ONCE(sysctl_perf_event_sample_rate, rate);
	WRITE_ONCE(perf_max_samples_per_tick, (rate + 999) / 1000);
}

long perf_sysctl_write(enum perf_sysctl which, const char *buf, size_t len)
{
	int v, rc = sysctl_parse_int(buf, len, &v);
	if (rc)
		return rc;
	switch (which) {
	case PERF_SYSCTL_PARANOID:
		WRITE_ONCE(sysctl_perf_event_paranoid, v);
		break;
	case PERF_SYSCTL_MAX_SAMPLE_RATE: {
		int pct = READ_ONCE(sysctl_perf_cpu_time_max_percent);
		if (pct == 0 || pct == 100)
			return -EINVAL;         /* Linux: not while throttling is off */
		if (v < 1)
			return -EINVAL;
		update_rate(v);
		break;
	}
	case PERF_SYSCTL_CPU_TIME_MAX_PERCENT:
		if (v < 0 || v > 100)
			return -EINVAL;
		WRITE_ONCE(sysctl_perf_cpu_time_max_percent, v);
		if (v == 0 || v == 100)
			printk("perf: Dynamic interrupt throttling disabled, can hang your system!\n");
		break;
	case PERF_SYSCTL_MAX_STACK:
		/* Linux takes up to 640K entries; Ringtail's callchain buffer
		 * holds PERF_MAX_STACK (as Linux's default), so more is EINVAL
		 * rather than a depth that would not be honoured. */
		if (v < 0 || v > PERF_MAX_STACK)
			return -EINVAL;
		if (READ_ONCE(perf_nr_callchain_events))
			return -EBUSY;
		WRITE_ONCE(sysctl_perf_event_max_stack, v);
		break;
	case PERF_SYSCTL_MLOCK_KB:
		WRITE_ONCE(sysctl_perf_event_mlock, v);
		break;
	default:
		return -EINVAL;
	}
	return (long)len;
}

int perf_sysctl_read(enum perf_sysctl which)
{
	switch (which) {
	case PERF_SYSCTL_PARANOID: return READ_ONCE(sysctl_perf_event_paranoid);
	case PERF_SYSCTL_MAX_SAMPLE_RATE: return READ_ONCE(sysctl_perf_event_sample_rate);
	case PERF_SYSCTL_CPU_TIME_MAX_PERCENT: return READ_ONCE(sysctl_perf_cpu_time_max_percent);
	case PERF_SYSCTL_MAX_STACK: return READ_ONCE(sysctl_perf_event_max_stack);
	case PERF_SYSCTL_MLOCK_KB: return READ_ONCE(sysctl_perf_event_mlock);
	}
	return 0;
}

/* --- the mlock allowance of ring buffers ------------------------------------------ */

/* Linux's user->locked_vm for perf buffers: pages each user has mapped,
 * beyond which a buffer counts against the mapping process's
 * RLIMIT_MEMLOCK (mm->pinned_pages). A small table: users are few. */
#define MLOCK_USERS 64
static struct { u32 uid; u64 pages; bool used; } mlock_users[MLOCK_USERS];
static spinlock_t mlock_lock = SPINLOCK_INIT("perf-mlock");

long perf_mlock_charge(struct process *p, u64 pages, struct perf_mlock *out)
{
	u64 limit = (u64)READ_ONCE(sysctl_perf_event_mlock) / (PAGE_SIZE / 1024) * nr_cpus_online;
	irqflags_t f = spin_lock_irqsave(&mlock_lock);
	int slot = -1, free_slot = -1;
	for (int k = 0; k < MLOCK_USERS; k++) {
		if (mlock_users[k].used && mlock_users[k].uid == p->cred.uid)
			slot = k;
		else if (!mlock_users[k].used && free_slot < 0)
			free_slot = k;
	}
	long rc = 0;
	if (slot < 0 && free_slot < 0) {
		rc = -ENOMEM;
	} else {
		u64 used = slot >= 0 ? mlock_users[slot].pages : 0;
		u64 extra = used + pages > limit ? used + pages - limit : 0;
		if (extra > pages)
			extra = pages;
		u64 rlim = p->rlim[RLIMIT_MEMLOCK].cur / PAGE_SIZE;
		if (p->mm->pinned_pages + extra > rlim && perf_is_paranoid() && p->cred.euid != 0) {
			rc = -EPERM;
		} else {
			if (slot < 0) {
				slot = free_slot;
				mlock_users[slot].used = true;
				mlock_users[slot].uid = p->cred.uid;
				mlock_users[slot].pages = 0;
			}
			mlock_users[slot].pages += pages - extra;
			p->mm->pinned_pages += extra;
			out->uid = p->cred.uid;
			out->user_pages = pages - extra;
			out->pinned_pages = extra;
		}
	}
	spin_unlock_irqrestore(&mlock_lock, f);
	return rc;
}

void perf_mlock_uncharge(struct mm *mm, const struct perf_mlock *c)
{
	irqflags_t f = spin_lock_irqsave(&mlock_lock);
	for (int k = 0; k < MLOCK_USERS; k++) {
		if (mlock_users[k].used && mlock_users[k].uid == c->uid) {
			mlock_users[k].pages -= c->user_pages;
			if (!mlock_users[k].pages)
				mlock_users[k].used = false;
		}
	}
	if (mm)
		mm->pinned_pages -= MIN(mm->pinned_pages, c->pinned_pages);
	spin_unlock_irqrestore(&mlock_lock, f);
}