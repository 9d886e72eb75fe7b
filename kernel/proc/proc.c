/* Process lifecycle: creation from an ELF image, threads (clone), exit of
 * a thread, exit of the whole group, and teardown, which returns every
 * frame the process owned. */
#include <lib/errno.h>
#include <lib/string.h>
#include <arch/trap.h>
#include <kernel/console.h>
#include <kernel/elf.h>
#include <kernel/file.h>
#include <kernel/futex.h>
#include <kernel/heap.h>
#include <kernel/panic.h>
#include <kernel/perf.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/syscall.h>
#include <kernel/usermem.h>
#include <kernel/arch/irq.h>
#include <kernel/arch/thread.h>

static spinlock_t procs_lock = SPINLOCK_INIT("procs");
static struct list_node all_procs = LIST_INIT(all_procs);
static int nr_procs;


int proc_count(void)
{
	return READ_ONCE(nr_procs);
}

struct process *proc_find(int pid)
{
	struct process *found = NULL;
	irqflags_t f = spin_lock_irqsave(&procs_lock);
	struct list_node *pos;
	list_for_each(pos, &all_procs) {
		struct process *p = list_entry(pos, struct process, all_node);
		if (p->pid == pid && p->state == PROC_ALIVE) {
			found = p;
			__atomic_fetch_add(&p->refs, 1, __ATOMIC_RELAXED);
			break;
		}
	}
	spin_unlock_irqrestore(&procs_lock, f);
	return found;
}

void proc_put(struct process *p)
{
	if (__atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL))
		return;
	irqflags_t f = spin_lock_irqsave(&procs_lock);
	list_del(&p->all_node);
	nr_procs--;
	spin_unlock_irqrestore(&procs_lock, f);
	kfree(p);
}

long proc_create_from_elf(const char *name, const void *image, size_t size,
			  const char *const *argv, const char *const *envp, struct process **out)
{
	struct process *p = kzalloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	spin_lock_init(&p->lock, "process");
	list_init(&p->threads);
	waitq_init(&p->exit_wait, "proc-exit");
	strlcpy(p->comm, name, sizeof(p->comm));
	p->refs = 2;    /* the creator's, and the one its threads hold */
	p->out_line_start = true;
	memcpy(p->rlim, rlimit_defaults, sizeof(p->rlim));
	p->mm = mm_create();
	long rc = p->mm ? 0 : -ENOMEM;
	struct elf_info info;
	u64 sp = 0;
	if (!rc)
		rc = elf_load(p->mm, image, size, &info);
	if (!rc)
		rc = elf_setup_stack(p->mm, argv, envp, &info, &sp);
	struct file *con = rc ? NULL : console_open();
	if (!rc && !con)
		rc = -ENOMEM;
	struct trap_frame frame;
	struct thread *t = NULL;
	if (!rc) {
		p->mm->brk_start = p->mm->brk = info.brk;
		arch_user_frame_init(&frame, info.entry, sp);
		t = thread_create_user(p, &frame);
		if (!t)
			rc = -ENOMEM;
	}
	if (rc) {
		if (con)
			file_put(con);
		if (p->mm)
			mm_destroy(p->mm);
		kfree(p);
		return rc;
	}
	for (int fd = 0; fd < 3; fd++) {
		file_get(con);
		p->files[fd] = con;
	}
	file_put(con);
	p->pid = t->tid;
	p->ppid = current_proc() ? current_proc()->pid : 0;
	p->nr_threads = 1;
	list_add_tail(&p->threads, &t->proc_node);
	irqflags_t f = spin_lock_irqsave(&procs_lock);
	list_add_tail(&all_procs, &p->all_node);
	nr_procs++;
	spin_unlock_irqrestore(&procs_lock, f);
	*out = p;
	return 0;
}

void proc_start(struct process *p)
{
	struct thread *t = list_entry(p->threads.next, struct thread, proc_node);
	thread_start(t);
}

int proc_wait(struct process *p)
{
	for (;;) {
		struct waiter w;
		waitq_add(&p->exit_wait, &w);
		if (READ_ONCE(p->state) == PROC_ZOMBIE) {
			waitq_remove(&p->exit_wait, &w);
			return p->exit_status;
		}
		sched_sleep(0);
		waitq_remove(&p->exit_wait, &w);
	}
}

/* The last thread is gone: release everything but the struct itself. */
static void proc_teardown(struct process *p, struct thread *last)
{
	fd_close_all();
	/* Leave the address space before freeing its page tables; from here
	 * on this thread is a kernel thread (a switch must not reload it). */
	last->proc = NULL;
	aspace_switch(&kernel_aspace);
	mm_destroy(p->mm);
	p->mm = NULL;
	irqflags_t f = spin_lock_irqsave(&p->lock);
	p->state = PROC_ZOMBIE;
	spin_unlock_irqrestore(&p->lock, f);
	waitq_wake_all(&p->exit_wait);
	proc_put(p);            /* the reference the threads held */
}

void proc_thread_exit(int code)
{
	struct thread *t = current_thread();
	struct process *p = t->proc;
	perf_thread_exit(t);
	/* CLONE_CHILD_CLEARTID: tell a joiner (pthread_join) we are gone. */
	if (t->clear_child_tid && !p->exiting) {
		u32 zero = 0;
		if (!copy_to_user(t->clear_child_tid, &zero, 4))
			futex_wake_addr(p->mm, t->clear_child_tid, 1);
	}
	irqflags_t f = spin_lock_irqsave(&p->lock);
	list_del(&t->proc_node);
	p->exited_minflt += t->minflt;
	bool last = --p->nr_threads == 0;
	if (last && !p->exiting)
		p->exit_status = W_EXITCODE(code);
	spin_unlock_irqrestore(&p->lock, f);
	if (last)
		proc_teardown(p, t);
	thread_exit();
}

void proc_exit_group(int status)
{
	struct thread *self = current_thread();
	struct process *p = self->proc;
	irqflags_t f = spin_lock_irqsave(&p->lock);
	if (!p->exiting) {
		p->exiting = true;
		p->exit_status = status;
	}
	struct list_node *pos;
	list_for_each(pos, &p->threads) {
		struct thread *t = list_entry(pos, struct thread, proc_node);
		if (t != self) {
			t->kill_pending = true;
			/* Out of any sleep; a thread running user code elsewhere is
			 * pulled into the kernel by the reschedule IPI. */
			thread_wake(t, WAKE_NORMAL);
			if (t->on_cpu && t->cpu != this_cpu_id())
				arch_send_resched(t->cpu);
		}
	}
	spin_unlock_irqrestore(&p->lock, f);
	proc_thread_exit(0);
}

/* --- clone --------------------------------------------------------------- */

#define CLONE_VM             0x00000100
#define CLONE_FS             0x00000200
#define CLONE_FILES          0x00000400
#define CLONE_SIGHAND        0x00000800
#define CLONE_PIDFD          0x00001000
#define CLONE_VFORK          0x00004000
#define CLONE_PARENT         0x00008000
#define CLONE_THREAD         0x00010000
#define CLONE_SYSVSEM        0x00040000
#define CLONE_SETTLS         0x00080000
#define CLONE_PARENT_SETTID  0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_DETACHED       0x00400000
#define CLONE_CHILD_SETTID   0x01000000
#define CSIGNAL              0x000000ff

SYSCALL_DEFINE(clone)
{
	u64 flags = a0, newsp = a1, ptid = a2, ctid = a3, tls = a4;
	/* The same consistency rules as Linux. */
	if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
		return -EINVAL;
	if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
		return -EINVAL;
	if ((flags & (CLONE_PIDFD | CLONE_PARENT_SETTID)) == (CLONE_PIDFD | CLONE_PARENT_SETTID))
		return -EINVAL;
	/* Only threads: there is no fork (a new address space) here. */
	if ((flags & (CLONE_VM | CLONE_THREAD | CLONE_FILES)) !=
	    (CLONE_VM | CLONE_THREAD | CLONE_FILES) || (flags & (CLONE_VFORK | CLONE_PIDFD)))
		return -ENOSYS;
	if ((flags & CLONE_SETTLS) && tls >= TASK_SIZE)
		return -EPERM;
	struct thread *self = current_thread();
	struct process *p = self->proc;
	struct trap_frame frame = *self->uframe;
	frame.rax = 0;                  /* the child sees clone() return 0 */
	if (newsp)
		frame.rsp = newsp;
	struct thread *t = thread_create_user(p, &frame);
	if (!t)
		return -ENOMEM;
	/* The registers hold the caller's live user FPU/SSE state. */
	arch_fpu_save_live(t);
	t->fs_base = (flags & CLONE_SETTLS) ? tls : self->fs_base;
	t->gs_base = self->gs_base;
	t->sig_blocked = self->sig_blocked;
	t->cpu_mask = self->cpu_mask;
	strlcpy(t->comm, self->comm, sizeof(t->comm));
	if (flags & CLONE_CHILD_CLEARTID)
		t->clear_child_tid = ctid;
	int tid = t->tid;
	if ((flags & CLONE_PARENT_SETTID) && copy_to_user(ptid, &tid, 4)) {
		thread_free(t);
		return -EFAULT;
	}
	if ((flags & CLONE_CHILD_SETTID) && copy_to_user(ctid, &tid, 4)) {
		thread_free(t);
		return -EFAULT;
	}
	if (perf_thread_fork(self, t)) {        /* attr.inherit events */
		thread_free(t);
		return -ENOMEM;
	}
	irqflags_t f = spin_lock_irqsave(&p->lock);
	bool dying = p->exiting;
	if (!dying) {
		list_add_tail(&p->threads, &t->proc_node);
		p->nr_threads++;
	}
	spin_unlock_irqrestore(&p->lock, f);
	if (dying) {
		thread_free(t);
		return -EAGAIN;
	}
	thread_start(t);
	return tid;
}
