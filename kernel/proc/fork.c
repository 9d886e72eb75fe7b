/* clone, fork and vfork: a new thread in the caller's process
 * (CLONE_THREAD) or a new process, with each resource shared or copied as
 * the flags say (kernel/proc.h). Linux's checks, in its order, and its
 * limits: RLIMIT_NPROC for processes of a non-root user, and a system-wide
 * number of threads that keeps kernel stacks within memory (EAGAIN), so a
 * fork bomb fails instead of exhausting the machine. */
#include <lib/errno.h>
#include <lib/string.h>
#include <arch/trap.h>
#include <kernel/clock.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/perf.h>
#include <kernel/pmm.h>
#include <kernel/proc.h>
#include <kernel/syscall.h>
#include <kernel/usermem.h>
#include <kernel/vfs.h>
#include <kernel/arch/thread.h>

#define CSIGNAL              0x000000ff
#define CLONE_VM             0x00000100
#define CLONE_FS             0x00000200
#define CLONE_FILES          0x00000400
#define CLONE_SIGHAND        0x00000800
#define CLONE_PIDFD          0x00001000
#define CLONE_PTRACE         0x00002000
#define CLONE_VFORK          0x00004000
#define CLONE_PARENT         0x00008000
#define CLONE_THREAD         0x00010000
#define CLONE_NEWNS          0x00020000
#define CLONE_SYSVSEM        0x00040000
#define CLONE_SETTLS         0x00080000
#define CLONE_PARENT_SETTID  0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_DETACHED       0x00400000
#define CLONE_UNTRACED       0x00800000
#define CLONE_CHILD_SETTID   0x01000000
#define CLONE_NEWCGROUP      0x02000000
#define CLONE_NEWUTS         0x04000000
#define CLONE_NEWIPC         0x08000000
#define CLONE_NEWUSER        0x10000000
#define CLONE_NEWPID         0x20000000
#define CLONE_NEWNET         0x40000000
#define CLONE_IO             0x80000000ull
#define CLONE_NAMESPACES (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | \
			  CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)

int nr_threads_total;
int max_threads_total;

/* Processes of each user (for RLIMIT_NPROC). */
struct user_count {
	u32 uid;
	int n;
};

/* As Linux: a process counts until it is reaped (zombies too). */
static int count_user(struct process *p, void *arg)
{
	struct user_count *u = arg;
	if (p->cred.uid == u->uid && p->state != PROC_REAPED)
		u->n++;
	return 0;
}

/* Linux's max_threads: a thread's kernel stack may take at most an
 * eighth of memory. */
static int thread_limit(void)
{
	if (!max_threads_total) {
		size_t per = 8 * (KSTACK_PAGES + 2);
		max_threads_total = (int)MAX(frame_total_count() / per, (size_t)20);
	}
	return max_threads_total;
}

/* A new process for thread t (not yet started), per flags. */
static long new_process(struct thread *self, struct thread *t, u64 flags, int exit_signal,
			struct process **out)
{
	struct process *parent = self->proc;
	struct process *p = proc_alloc();
	if (!p)
		return -ENOMEM;
	p->out_indent = parent->out_indent;
	p->exit_signal = exit_signal;
	irqflags_t f = spin_lock_irqsave(&parent->lock);
	memcpy(p->rlim, parent->rlim, sizeof(p->rlim));
	p->cred = parent->cred;
	spin_unlock_irqrestore(&parent->lock, f);
	strlcpy(p->comm, parent->comm, sizeof(p->comm));
	strlcpy(p->exe_path, parent->exe_path, sizeof(p->exe_path));
	long rc = 0;
	if (flags & CLONE_VM) {
		mm_get(parent->mm);
		p->mm = parent->mm;
	} else {
		rc = mm_dup(parent->mm, &p->mm);
	}
	if (!rc) {
		if (flags & CLONE_SIGHAND) {
			__atomic_fetch_add(&parent->sighand->refs, 1, __ATOMIC_RELAXED);
			p->sighand = parent->sighand;
		} else {
			irqflags_t g = spin_lock_irqsave(&parent->sighand->lock);
			p->sighand = sighand_copy(parent->sighand);
			spin_unlock_irqrestore(&parent->sighand->lock, g);
			if (!p->sighand)
				rc = -ENOMEM;
		}
	}
	if (rc) {
		if (p->mm)
			mm_put(p->mm);
		kfree(p);
		return rc;
	}
	if (parent->exe) {
		inode_get(parent->exe);
		p->exe = parent->exe;
	}
	p->pid = t->tid;
	t->proc = p;
	p->nr_threads = 1;
	list_add_tail(&p->threads, &t->proc_node);
	*out = p;
	return 0;
}

/* Undo new_process for a process that never became visible. */
static void drop_new_process(struct process *p)
{
	mm_put(p->mm);
	sighand_put(p->sighand);
	if (p->exe)
		inode_put(p->exe);
	kfree(p);
}

long do_clone(u64 flags, u64 newsp, u64 ptid, u64 ctid, u64 tls, int exit_signal)
{
	struct thread *self = current_thread();
	struct process *cur = self->proc;
	/* Linux's copy_process checks, in its order. */
	if ((flags & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS) ||
	    (flags & (CLONE_NEWUSER | CLONE_FS)) == (CLONE_NEWUSER | CLONE_FS))
		return -EINVAL;
	if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
		return -EINVAL;
	if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
		return -EINVAL;
	if ((flags & (CLONE_PARENT | CLONE_THREAD)) && cur->pid == INIT_PID)
		return -EINVAL;         /* init has no siblings */
	if (flags & CLONE_PIDFD)
		return -EINVAL;         /* no pidfds here */
	if (flags & CLONE_NAMESPACES)
		return -EINVAL;         /* no namespaces here */
	if ((flags & CLONE_SETTLS) && tls >= TASK_SIZE)
		return -EPERM;
	if (__atomic_load_n(&nr_threads_total, __ATOMIC_RELAXED) >= thread_limit())
		return -EAGAIN;
	if (!(flags & CLONE_THREAD) && cur->cred.uid != 0) {
		struct user_count u = { .uid = cur->cred.uid };
		proc_for_each(count_user, &u);
		if ((u64)u.n >= cur->rlim[RLIMIT_NPROC].cur)
			return -EAGAIN;
	}
	struct trap_frame frame = *self->uframe;
	frame.rax = 0;                  /* the child sees clone() return 0 */
	if (newsp)
		frame.rsp = newsp;
	struct thread *t = thread_create_user(cur, &frame);
	if (!t)
		return -ENOMEM;
	arch_fpu_save_live(t);          /* the caller's live FPU/SSE state */
	t->fs_base = (flags & CLONE_SETTLS) ? tls : self->fs_base;
	t->gs_base = self->gs_base;
	t->sig_blocked = self->sig_blocked;
	t->cpu_mask = self->cpu_mask;
	strlcpy(t->comm, self->comm, sizeof(t->comm));
	if (flags & CLONE_CHILD_CLEARTID)
		t->clear_child_tid = ctid;
	if (!(flags & CLONE_VM) && self->rseq) {
		/* A forked child keeps the rseq registration (same address in
		 * its copy of the memory); new threads register their own. */
		t->rseq = self->rseq;
		t->rseq_len = self->rseq_len;
		t->rseq_sig = self->rseq_sig;
		t->rseq_pending = true;
	}
	long rc = 0;
	if (flags & CLONE_FILES) {
		files_get(self->files);
		t->files = self->files;
	} else if (!(t->files = files_copy(self->files))) {
		rc = -ENOMEM;
	}
	if (!rc && (flags & CLONE_FS)) {
		__atomic_fetch_add(&self->fs->refs, 1, __ATOMIC_RELAXED);
		t->fs = self->fs;
	} else if (!rc && !(t->fs = fs_info_copy(self->fs))) {
		rc = -ENOMEM;
	}
	struct process *p = NULL;
	if (!rc && !(flags & CLONE_THREAD))
		rc = new_process(self, t, flags, exit_signal, &p);
	int tid = t->tid;
	struct mm *child_mm = p ? p->mm : cur->mm;
	if (!rc && (flags & CLONE_PARENT_SETTID) && copy_to_user(ptid, &tid, 4))
		rc = -EFAULT;
	if (!rc && (flags & CLONE_CHILD_SETTID) && mm_write(child_mm, ctid, &tid, 4))
		rc = -EFAULT;
	if (!rc && perf_thread_fork(self, t))   /* attr.inherit events */
		rc = -ENOMEM;
	if (rc) {
		if (p)
			drop_new_process(p);
		if (t->files)
			files_put(t->files);
		if (t->fs)
			fs_info_put(t->fs);
		t->proc = NULL;
		thread_free(t);
		return rc;
	}
	if (flags & CLONE_THREAD) {
		irqflags_t f = spin_lock_irqsave(&cur->lock);
		bool dying = cur->exiting;
		if (!dying) {
			list_add_tail(&cur->threads, &t->proc_node);
			cur->nr_threads++;
		}
		spin_unlock_irqrestore(&cur->lock, f);
		if (dying) {
			perf_thread_exit(t);
			files_put(t->files);
			fs_info_put(t->fs);
			t->proc = NULL;
			thread_free(t);
			return -EAGAIN;
		}
	} else {
		/* Visible from here: in the tree, under its parent. */
		irqflags_t f = spin_lock_irqsave(&procs_lock);
		struct process *parent = (flags & CLONE_PARENT) ? cur->parent : cur;
		p->parent = parent;
		WRITE_ONCE(p->ppid, parent ? parent->pid : 0);
		p->pgid = cur->pgid;
		p->sid = cur->sid;
		proc_get(p);            /* the tree's */
		list_add_tail(&parent->children, &p->sibling);
		proc_link_locked(p);
		spin_unlock_irqrestore(&procs_lock, f);
	}
	__atomic_fetch_add(&nr_threads_total, 1, __ATOMIC_RELAXED);
	if (flags & CLONE_VFORK) {
		p->vfork_pending = true;
		proc_get(p);            /* ours while we wait (CLONE_PARENT) */
	}
	perf_event_fork(self, t);       /* before the child can run (and exit) */
	thread_start(t);
	if (flags & CLONE_VFORK) {
		/* Until the child execs or exits (which wake vw.wq and clear
		 * vfork_done); signals do not end the wait, as on Linux. */
		for (;;) {
			struct waiter w;
			waitq_add(&p->vfork_wq, &w);
			if (!READ_ONCE(p->vfork_pending)) {
				waitq_remove(&p->vfork_wq, &w);
				break;
			}
			sched_sleep(0);
			waitq_remove(&p->vfork_wq, &w);
		}
		proc_put(p);
	}
	return tid;
}

SYSCALL_DEFINE(clone)
{
	/* x86_64: clone(flags, newsp, parent_tid, child_tid, tls). */
	return do_clone(a0, a1, a2, a3, a4, (int)(a0 & CSIGNAL));
}

SYSCALL_DEFINE(fork)
{
	return do_clone(0, 0, 0, 0, 0, SIGCHLD);
}

SYSCALL_DEFINE(vfork)
{
	return do_clone(CLONE_VM | CLONE_VFORK, 0, 0, 0, 0, SIGCHLD);
}
