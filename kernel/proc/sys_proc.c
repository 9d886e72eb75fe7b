/* Process, thread and scheduling system calls. */
#include <lib/errno.h>
#include <lib/string.h>
#include <arch/trap.h>
#include <kernel/clock.h>
#include <kernel/pmm.h>
#include <kernel/proc.h>
#include <kernel/vfs.h>
#include <kernel/sched.h>
#include <kernel/syscall.h>
#include <kernel/usermem.h>
#include <kernel/arch/cpu.h>
#include <kernel/arch/thread.h>

SYSCALL_DEFINE(getpid) { return current_proc()->pid; }
SYSCALL_DEFINE(gettid) { return current_thread()->tid; }
SYSCALL_DEFINE(getppid)
{
	/* Only a process that is alive asks, and its parent changes only to
	 * init (reparenting), which stores ppid with it. */
	return READ_ONCE(current_proc()->ppid);
}

SYSCALL_DEFINE(exit)
{
	proc_thread_exit((int)a0 & 0xff);
}

SYSCALL_DEFINE(exit_group)
{
	proc_exit_group(W_EXITCODE((int)a0));
}

SYSCALL_DEFINE(set_tid_address)
{
	current_thread()->clear_child_tid = a0;
	return current_thread()->tid;
}

SYSCALL_DEFINE(set_robust_list)
{
	if (a1 != 24)           /* sizeof(struct robust_list_head) */
		return -EINVAL;
	current_thread()->robust_list = a0;
	return 0;
}

SYSCALL_DEFINE(get_robust_list)
{
	if (a0 && (int)a0 != current_thread()->tid)
		return -ESRCH;
	u64 head = current_thread()->robust_list, len = 24;
	if (copy_to_user(a1, &head, 8) || copy_to_user(a2, &len, 8))
		return -EFAULT;
	return 0;
}

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004


SYSCALL_DEFINE(arch_prctl)
{
	struct thread *t = current_thread();
	switch (a0) {
	case ARCH_SET_FS:
	case ARCH_SET_GS:
		if (a1 >= TASK_SIZE)
			return -EPERM;
		if (a0 == ARCH_SET_FS) {
			t->fs_base = a1;
			arch_set_user_fs(a1);
		} else {
			t->gs_base = a1;
			arch_set_user_gs(a1);
		}
		return 0;
	case ARCH_GET_FS:
		return copy_to_user(a1, &t->fs_base, 8) ? -EFAULT : 0;
	case ARCH_GET_GS:
		return copy_to_user(a1, &t->gs_base, 8) ? -EFAULT : 0;
	default:
		return -EINVAL;
	}
}

#define PR_SET_NAME 15
#define PR_GET_NAME 16

SYSCALL_DEFINE(prctl)
{
	struct thread *t = current_thread();
	char name[COMM_LEN];
	switch (a0) {
	case PR_SET_NAME: {
		long n = strncpy_from_user(name, a1, COMM_LEN);
		if (n == -EFAULT)
			return -EFAULT;
		name[COMM_LEN - 1] = 0;        /* longer names are truncated */
		strlcpy(t->comm, name, COMM_LEN);
		if (t->tid == t->proc->pid)
			strlcpy(t->proc->comm, name, COMM_LEN);
		return 0;
	}
	case PR_GET_NAME:
		return copy_to_user(a1, t->comm, COMM_LEN) ? -EFAULT : 0;
	default:
		return -EINVAL;
	}
}

SYSCALL_DEFINE(sched_yield)
{
	sched_yield();
	return 0;
}

static long affinity_target(int pid, struct thread **out);

SYSCALL_DEFINE(sched_getaffinity)
{
	struct thread *t;
	long rc = affinity_target((int)a0, &t);
	if (rc)
		return rc;
	/* Linux: the buffer must hold the kernel's mask (one long here) and
	 * be a multiple of the long size. */
	if (a1 < sizeof(u64) || (a1 & (sizeof(u64) - 1)))
		return -EINVAL;
	u64 mask = t->cpu_mask & sched_online_mask();
	if (copy_to_user(a2, &mask, sizeof(mask)))
		return -EFAULT;
	return sizeof(mask);
}

SYSCALL_DEFINE(sched_setaffinity)
{
	struct thread *t;
	long rc = affinity_target((int)a0, &t);
	if (rc)
		return rc;
	u64 mask = 0;
	/* Shorter buffers are zero-extended, longer ones read in full (bits
	 * beyond the CPUs that exist are ignored). */
	size_t n = MIN(a1, sizeof(mask));
	if (copy_from_user(&mask, a2, n))
		return -EFAULT;
	if (a1 > sizeof(mask)) {
		u8 extra[64];
		for (u64 off = sizeof(mask); off < a1; off += sizeof(extra))
			if (copy_from_user(extra, a2 + off, MIN(sizeof(extra), a1 - off)))
				return -EFAULT;
	}
	mask &= sched_online_mask();
	if (!mask)
		return -EINVAL;
	t->cpu_mask = mask;
	if (t == current_thread())
		sched_migrate_if_needed();
	return 0;
}

/* pid 0 is the caller; otherwise a thread of this process. */
static long affinity_target(int pid, struct thread **out)
{
	struct thread *self = current_thread();
	if (pid == 0 || pid == self->tid) {
		*out = self;
		return 0;
	}
	if (pid < 0)
		return -ESRCH;
	struct process *p = self->proc;
	long rc = -ESRCH;
	irqflags_t f = spin_lock_irqsave(&p->lock);
	struct list_node *pos;
	list_for_each(pos, &p->threads) {
		struct thread *t = list_entry(pos, struct thread, proc_node);
		if (t->tid == pid) {
			*out = t;
			rc = 0;
		}
	}
	spin_unlock_irqrestore(&p->lock, f);
	return rc;
}

SYSCALL_DEFINE(getcpu)
{
	u32 cpu = this_cpu_id(), node = 0;
	if (a0 && copy_to_user(a0, &cpu, 4))
		return -EFAULT;
	if (a1 && copy_to_user(a1, &node, 4))
		return -EFAULT;
	return 0;
}

struct krusage {
	s64 ru_utime[2], ru_stime[2];
	s64 ru_maxrss, ru_ixrss, ru_idrss, ru_isrss, ru_minflt, ru_majflt, ru_nswap;
	s64 ru_inblock, ru_oublock, ru_msgsnd, ru_msgrcv, ru_nsignals, ru_nvcsw, ru_nivcsw;
};

#define RUSAGE_SELF 0
#define RUSAGE_CHILDREN (-1)
#define RUSAGE_THREAD 1

SYSCALL_DEFINE(getrusage)
{
	int who = (int)a0;
	struct krusage ru = { 0 };
	struct thread *self = current_thread();
	u64 ut = 0, st = 0;
	if (who == RUSAGE_THREAD) {
		ru.ru_minflt = (s64)self->minflt;
		ut = self->utime_ns + (clock_ns() - self->switched_in_ns);
		st = self->stime_ns;
	} else if (who == RUSAGE_SELF) {
		struct process *p = self->proc;
		irqflags_t f = spin_lock_irqsave(&p->lock);
		struct list_node *pos;
		list_for_each(pos, &p->threads) {
			struct thread *t = list_entry(pos, struct thread, proc_node);
			ru.ru_minflt += (s64)t->minflt;
			ut += t->utime_ns;
			st += t->stime_ns;
		}
		spin_unlock_irqrestore(&p->lock, f);
		ut += clock_ns() - self->switched_in_ns;
		ru.ru_minflt += (s64)p->exited_minflt;
	} else if (who == RUSAGE_CHILDREN) {
		struct process *p = self->proc;
		irqflags_t f = spin_lock_irqsave(&p->lock);
		ut = p->child_utime_ns;
		st = p->child_stime_ns;
		spin_unlock_irqrestore(&p->lock, f);
	} else {
		return -EINVAL;
	}
	ru.ru_utime[0] = (s64)(ut / NSEC_PER_SEC);
	ru.ru_utime[1] = (s64)(ut % NSEC_PER_SEC / 1000);
	ru.ru_stime[0] = (s64)(st / NSEC_PER_SEC);
	ru.ru_stime[1] = (s64)(st % NSEC_PER_SEC / 1000);
	if (who != RUSAGE_CHILDREN)
		ru.ru_maxrss = (s64)(self->proc->mm->pages * 4);
	return copy_to_user(a1, &ru, sizeof(ru)) ? -EFAULT : 0;
}

#define USER_HZ 100
#define NS_PER_TICK (NSEC_PER_SEC / USER_HZ)

/* times: this process's and its waited-for children's CPU time in clock
 * ticks; the return value is ticks since boot. */
SYSCALL_DEFINE(times)
{
	struct process *p = current_proc();
	u64 tms[4] = { 0 };
	irqflags_t f = spin_lock_irqsave(&p->lock);
	u64 ut = p->utime_ns, st = p->stime_ns;
	struct list_node *pos;
	list_for_each(pos, &p->threads) {
		struct thread *t = list_entry(pos, struct thread, proc_node);
		ut += t->utime_ns;
		st += t->stime_ns;
	}
	tms[2] = p->child_utime_ns / NS_PER_TICK;
	tms[3] = p->child_stime_ns / NS_PER_TICK;
	spin_unlock_irqrestore(&p->lock, f);
	tms[0] = ut / NS_PER_TICK;
	tms[1] = st / NS_PER_TICK;
	if (a0 && copy_to_user(a0, tms, sizeof(tms)))
		return -EFAULT;
	return (long)(clock_ns() / NS_PER_TICK);
}

struct ksysinfo {
	s64 uptime;
	u64 loads[3];
	u64 totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	u16 procs, pad;
	u64 totalhigh, freehigh;
	u32 mem_unit;
	char reserved[4];
};
STATIC_ASSERT(sizeof(struct ksysinfo) == 112, "Linux's struct sysinfo");

SYSCALL_DEFINE(sysinfo)
{
	struct ksysinfo si;
	memset(&si, 0, sizeof(si));
	si.uptime = (s64)(clock_ns() / NSEC_PER_SEC);
	u64 l[3];
	sched_loadavg(l);
	for (int k = 0; k < 3; k++)
		si.loads[k] = l[k] * 65536 / 100;       /* SI_LOAD_SHIFT */
	si.totalram = frame_total_count();
	si.freeram = frame_free_count();
	si.sharedram = ramfs_pages();
	si.procs = (u16)MIN(thread_count(), 0xffff);
	si.mem_unit = PAGE_SIZE;
	return copy_to_user(a0, &si, sizeof(si)) ? -EFAULT : 0;
}

#define GRND_NONBLOCK 1
#define GRND_RANDOM   2
#define GRND_INSECURE 4


SYSCALL_DEFINE(getrandom)
{
	if (a2 & ~(u64)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) ||
	    (a2 & (GRND_RANDOM | GRND_INSECURE)) == (GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	size_t len = MIN(a1, 33554431ul);
	size_t done = 0;
	while (done < len) {
		u64 r = arch_random_u64();
		size_t n = MIN(len - done, sizeof(r));
		if (copy_to_user(a0 + done, &r, n))
			return done ? (long)done : -EFAULT;
		done += n;
	}
	return (long)done;
}

SYSCALL_DEFINE(sigaltstack)
{
	/* Alternate signal stacks are not implemented: report "none" when
	 * asked, refuse to install one. */
	if (a1) {
		struct { u64 sp; s32 flags; s32 pad; u64 size; } ss = { 0, 2 /* SS_DISABLE */, 0, 0 };
		if (copy_to_user(a1, &ss, sizeof(ss)))
			return -EFAULT;
	}
	return a0 ? -ENOSYS : 0;
}

/* Resource limits. Ringtail enforces RLIMIT_NOFILE (the fd table) and
 * keeps the others as Linux reports them, so that programs that raise
 * RLIMIT_MEMLOCK before using BPF, or read RLIMIT_STACK, work unchanged. */
#define RLIM_INFINITY (~0ull)
#define INF { RLIM_INFINITY, RLIM_INFINITY }

/* In Linux's order: CPU, FSIZE, DATA, STACK, CORE, RSS, NPROC, NOFILE,
 * MEMLOCK, AS, LOCKS, SIGPENDING, MSGQUEUE, NICE, RTPRIO, RTTIME. */
const struct rlimit64 rlimit_defaults[RLIM_NLIMITS] = {
	INF, INF, INF, { 8ull << 20, RLIM_INFINITY }, { 0, RLIM_INFINITY }, INF,
	{ 4096, 4096 }, { MAX_FDS, MAX_FDS }, { 8ull << 20, 8ull << 20 }, INF, INF,
	{ 4096, 4096 }, { 819200, 819200 }, { 0, 0 }, { 0, 0 }, INF,
};

/* Linux's do_prlimit, checks in its order; root may raise hard limits,
 * but RLIMIT_NOFILE never past the fd table (Linux: nr_open, EPERM). */
static long do_prlimit(struct process *p, unsigned int res, const struct rlimit64 *new,
		       struct rlimit64 *old)
{
	if (res >= RLIM_NLIMITS)
		return -EINVAL;
	if (new && new->cur > new->max)
		return -EINVAL;
	if (new && res == RLIMIT_NOFILE && new->max > MAX_FDS)
		return -EPERM;
	irqflags_t f = spin_lock_irqsave(&p->lock);
	if (old)
		*old = p->rlim[res];
	if (new)
		p->rlim[res] = *new;
	spin_unlock_irqrestore(&p->lock, f);
	return 0;
}

/* struct rlimit of getrlimit/setrlimit has the same layout on x86_64. */
SYSCALL_DEFINE(getrlimit)
{
	struct rlimit64 old;
	long rc = do_prlimit(current_proc(), (unsigned int)a0, NULL, &old);
	if (!rc && copy_to_user(a1, &old, sizeof(old)))
		rc = -EFAULT;
	return rc;
}

SYSCALL_DEFINE(setrlimit)
{
	struct rlimit64 new;
	if (copy_from_user(&new, a1, sizeof(new)))
		return -EFAULT;
	return do_prlimit(current_proc(), (unsigned int)a0, &new, NULL);
}

SYSCALL_DEFINE(prlimit64)
{
	struct rlimit64 new, old;
	if (a2 && copy_from_user(&new, a2, sizeof(new)))
		return -EFAULT;
	int pid = (int)a0;
	struct process *p = pid ? proc_find(pid) : current_proc();
	if (!p)
		return -ESRCH;
	long rc = do_prlimit(p, (unsigned int)a1, a2 ? &new : NULL, a3 ? &old : NULL);
	if (pid)
		proc_put(p);
	if (!rc && a3 && copy_to_user(a3, &old, sizeof(old)))
		rc = -EFAULT;
	return rc;
}
