/* Process lifecycle: the process table and tree, creation of the first
 * processes by the kernel, exit of a thread and of a whole group, zombies,
 * reparenting to init, and the kernel's own wait.
 *
 * References on a process: its threads hold one together (dropped with
 * the last), its parent's child list holds one (dropped when it is
 * reaped), the kernel holds one while it waits for a program it started,
 * and proc_find takes one. The struct goes with the last of them.
 *
 * pid 1 (init) exists from boot: a kernel-side reaper that silently reaps
 * the orphans it inherits, until the image's /sbin/init becomes pid 1 and
 * reaps them itself (proc_spawn_init). */
#include <lib/errno.h>
#include <lib/string.h>
#include <arch/trap.h>
#include <kernel/clock.h>
#include <kernel/tty.h>
#include <kernel/arch/irq.h>
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
#include <kernel/vfs.h>
#include <kernel/arch/cpu.h>
#include <kernel/arch/thread.h>

spinlock_t procs_lock = SPINLOCK_INIT("procs");
static struct list_node all_procs = LIST_INIT(all_procs);
static int nr_procs;
static struct process *init_proc;       /* pid 1 */
static bool init_is_user;               /* /sbin/init took pid 1 over */

int proc_count(void)
{
	return READ_ONCE(nr_procs);
}

int proc_for_each_locked(int (*fn)(struct process *p, void *arg), void *arg)
{
	int rc = 0;
	struct list_node *pos;
	list_for_each(pos, &all_procs) {
		struct process *p = list_entry(pos, struct process, all_node);
		if (p->state != PROC_REAPED && (rc = fn(p, arg)))
			break;
	}
	return rc;
}

int proc_for_each(int (*fn)(struct process *p, void *arg), void *arg)
{
	irqflags_t f = spin_lock_irqsave(&procs_lock);
	int rc = proc_for_each_locked(fn, arg);
	spin_unlock_irqrestore(&procs_lock, f);
	return rc;
}

struct process *proc_find(int pid)
{
	struct process *found = NULL;
	irqflags_t f = spin_lock_irqsave(&procs_lock);
	struct list_node *pos;
	list_for_each(pos, &all_procs) {
		struct process *p = list_entry(pos, struct process, all_node);
		if (p->pid == pid && p->state != PROC_REAPED) {
			found = p;
			proc_get(p);
			break;
		}
	}
	spin_unlock_irqrestore(&procs_lock, f);
	return found;
}

bool proc_id_in_use(int id)
{
	bool used = false;
	irqflags_t f = spin_lock_irqsave(&procs_lock);
	struct list_node *pos;
	list_for_each(pos, &all_procs) {
		struct process *p = list_entry(pos, struct process, all_node);
		if (p->state != PROC_REAPED && (p->pid == id || p->pgid == id || p->sid == id))
			used = true;
	}
	spin_unlock_irqrestore(&procs_lock, f);
	return used;
}

void proc_get(struct process *p)
{
	__atomic_fetch_add(&p->refs, 1, __ATOMIC_RELAXED);
}

void proc_put(struct process *p)
{
	if (__atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL))
		return;
	irqflags_t f = spin_lock_irqsave(&procs_lock);
	list_del(&p->all_node);
	nr_procs--;
	spin_unlock_irqrestore(&procs_lock, f);
	if (p->exe)
		inode_put(p->exe);
	kfree(p);
}

/* A process struct with no threads yet (refs: 1, the threads'). */
struct process *proc_alloc(void)
{
	struct process *p = kzalloc(sizeof(*p));
	if (!p)
		return NULL;
	spin_lock_init(&p->lock, "process");
	list_init(&p->threads);
	list_init(&p->children);
	list_init(&p->sibling);
	waitq_init(&p->exit_wait, "proc-exit");
	waitq_init(&p->child_wait, "proc-child");
	waitq_init(&p->stop_wait, "proc-stop");
	waitq_init(&p->vfork_wq, "vfork");
	p->refs = 1;
	p->out_line_start = true;
	p->exit_signal = SIGCHLD;
	p->start_ns = clock_ns();
	memcpy(p->rlim, rlimit_defaults, sizeof(p->rlim));
	itimer_init(p);
	return p;
}

void proc_link_locked(struct process *p)
{
	list_add_tail(&all_procs, &p->all_node);
	nr_procs++;
}

/* Enter p in the table and in parent's children (which holds a reference). */
static void proc_link(struct process *p, struct process *parent)
{
	irqflags_t f = spin_lock_irqsave(&procs_lock);
	proc_link_locked(p);
	if (parent) {
		p->parent = parent;
		WRITE_ONCE(p->ppid, parent->pid);
		proc_get(p);
		list_add_tail(&parent->children, &p->sibling);
	}
	spin_unlock_irqrestore(&procs_lock, f);
}

void proc_init(void)
{
	struct process *p = proc_alloc();
	if (!p)
		panic("no memory for pid 1");
	p->pid = p->pgid = p->sid = INIT_PID;
	strlcpy(p->comm, "init", sizeof(p->comm));
	p->sighand = sighand_alloc();
	if (!p->sighand)
		panic("no memory for pid 1");
	init_proc = p;
	proc_link(p, NULL);
}

/* --- creation by the kernel -------------------------------------------------- */

static const char *const no_env[] = { NULL };

/* Load path into a fresh mm and build the first thread's registers. */
static long load_image(struct process *p, const char *path, const char *const *argv,
		       const char *const *envp, struct trap_frame *frame)
{
	struct inode *i;
	mutex_lock(&vfs_lock);
	long rc = vfs_walk(AT_FDCWD, path, LOOKUP_FOLLOW, &i);
	mutex_unlock(&vfs_lock);
	if (rc)
		return rc;
	struct elf_info info;
	struct mm *mm = mm_create();
	u64 sp = 0;
	rc = mm ? exec_load_inode(mm, i, &info) : -ENOMEM;
	if (!rc)
		rc = elf_setup_stack(mm, argv, envp ? envp : no_env, &info, p->cred.uid, &sp);
	if (rc) {
		if (mm)
			mm_put(mm);
		inode_put(i);
		return rc;
	}
	mm->brk_start = mm->brk = info.brk;
	p->mm = mm;
	p->exe = i;
	mutex_lock(&vfs_lock);
	if (vfs_inode_path(i, p->exe_path, sizeof(p->exe_path)) < 0)
		strlcpy(p->exe_path, path, sizeof(p->exe_path));
	mutex_unlock(&vfs_lock);
	arch_user_frame_init(frame, info.entry, sp);
	return 0;
}

static long spawn(struct process *p, const char *path, const char *const *argv,
		  const char *const *envp)
{
	struct trap_frame frame;
	long rc = load_image(p, path, argv, envp, &frame);
	if (rc)
		return rc;
	struct thread *t = thread_create_user(p, &frame);
	struct file *con = console_open();
	t = t && con ? t : NULL;
	if (t) {
		t->files = files_alloc();
		t->fs = fs_info_alloc();
	}
	if (!t || !t->files || !t->fs) {
		if (con)
			file_put(con);
		if (t)
			thread_free(t);
		return -ENOMEM;
	}
	for (int fd = 0; fd < 3; fd++) {
		file_get(con);
		t->files->fd[fd] = con;
	}
	file_put(con);
	const char *base = strrchr(path, '/');
	strlcpy(p->comm, base ? base + 1 : path, sizeof(p->comm));
	strlcpy(t->comm, p->comm, sizeof(t->comm));
	p->nr_threads = 1;
	list_add_tail(&p->threads, &t->proc_node);
	__atomic_fetch_add(&nr_threads_total, 1, __ATOMIC_RELAXED);
	return 0;
}

long proc_spawn(const char *path, const char *const *argv, const char *const *envp,
		struct process **out)
{
	struct process *p = proc_alloc();
	if (!p)
		return -ENOMEM;
	p->sighand = sighand_alloc();
	long rc = p->sighand ? spawn(p, path, argv, envp) : -ENOMEM;
	if (rc) {
		if (p->sighand)
			sighand_put(p->sighand);
		if (p->mm)
			mm_put(p->mm);
		if (p->exe)
			inode_put(p->exe);
		kfree(p);
		return rc;
	}
	struct thread *t = list_entry(p->threads.next, struct thread, proc_node);
	p->pid = p->pgid = p->sid = t->tid;
	proc_get(p);                    /* the caller's */
	proc_link(p, init_proc);
	*out = p;
	return 0;
}

long proc_spawn_init(const char *path, const char *const *argv, const char *const *envp)
{
	struct process *p = init_proc;
	long rc = spawn(p, path, argv, envp);
	if (rc)
		return rc;
	struct thread *t = list_entry(p->threads.next, struct thread, proc_node);
	t->tid = INIT_PID;              /* the leader's tid is the pid */
	init_is_user = true;
	thread_start(t);
	return 0;
}

void proc_vfork_release(struct process *p)
{
	if (READ_ONCE(p->vfork_pending)) {
		WRITE_ONCE(p->vfork_pending, false);
		waitq_wake_all(&p->vfork_wq);
	}
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
		if (READ_ONCE(p->state) != PROC_ALIVE) {
			waitq_remove(&p->exit_wait, &w);
			return p->exit_status;
		}
		sched_sleep(0);
		waitq_remove(&p->exit_wait, &w);
	}
}

/* --- the tree ----------------------------------------------------------------- */

static bool parent_ignores_children(struct process *parent)
{
	if (parent == init_proc && !init_is_user)
		return true;            /* the kernel's reaper */
	struct k_sigaction *a = &parent->sighand->action[SIGCHLD - 1];
	return a->handler == SIG_IGN || (a->flags & SA_NOCLDWAIT);
}

/* child is a zombie now: its parent will reap it, or it is reaped now
 * (a parent that ignores SIGCHLD, the kernel's init). Returns true when
 * it was: the caller drops the parent's reference once it has released
 * procs_lock (proc_put takes it). */
static bool zombie_notify_locked(struct process *child)
{
	struct process *parent = child->parent;
	if (parent_ignores_children(parent)) {
		child->state = PROC_REAPED;
		list_del(&child->sibling);
		child->parent = NULL;
		waitq_wake_all(&parent->child_wait);
		return true;
	}
	int code = (child->exit_status & 0x7f) ? CLD_KILLED : CLD_EXITED;
	proc_notify_parent(child, child->exit_signal, code);
	return false;
}

void proc_notify_parent(struct process *child, int sig, int code)
{
	struct process *parent = child->parent;
	if (!parent)
		return;
	if (sig)
		signal_send_chld(parent, sig, code, child);
	waitq_wake_all(&parent->child_wait);
}

/* p's children go to init (procs_lock held); zombies that init reaps at
 * once are collected on *reaped (through their sibling node). */
static void reparent_children_locked(struct process *p, struct list_node *reaped)
{
	while (!list_empty(&p->children)) {
		struct process *c = list_entry(p->children.next, struct process, sibling);
		list_del(&c->sibling);
		c->parent = init_proc;
		WRITE_ONCE(c->ppid, init_proc->pid);
		list_add_tail(&init_proc->children, &c->sibling);
		if (c->state == PROC_ZOMBIE && zombie_notify_locked(c))
			list_add_tail(reaped, &c->sibling);
	}
}

static void put_reaped(struct list_node *reaped)
{
	while (!list_empty(reaped)) {
		struct process *c = list_entry(reaped->next, struct process, sibling);
		list_del(&c->sibling);
		list_init(&c->sibling);
		proc_put(c);
	}
}

/* --- exit ----------------------------------------------------------------------- */

/* The last thread of p is leaving: release the process's resources, make
 * it a zombie and tell its parent. Runs on the last thread, which becomes
 * a kernel thread here (its address space goes). */
static void proc_exit_last(struct process *p, struct thread *last)
{
	last->proc = NULL;
	aspace_switch(&kernel_aspace);
	itimer_exit(p);
	/* /proc readers take p->mm and p->sighand under p->lock. */
	irqflags_t fl = spin_lock_irqsave(&p->lock);
	struct mm *mm = p->mm;
	p->mm = NULL;
	spin_unlock_irqrestore(&p->lock, fl);
	if (mm)
		mm_put(mm);
	proc_vfork_release(p);
	if (p->sid == p->pid)
		tty_session_exit(p);    /* a session leader lets its terminal go */
	struct sighand *sh = p->sighand;
	bool pid1 = p == init_proc;
	struct list_node reaped;
	list_init(&reaped);
	irqflags_t f = spin_lock_irqsave(&procs_lock);
	reparent_children_locked(p, &reaped);
	p->state = PROC_ZOMBIE;
	bool self_reaped = p->parent && zombie_notify_locked(p);
	spin_unlock_irqrestore(&procs_lock, f);
	put_reaped(&reaped);
	/* Every process but init keeps its signal actions until it is gone
	 * (its parent's wait may look at none of it, but a sharer might). */
	fl = spin_lock_irqsave(&p->lock);
	p->sighand = NULL;
	spin_unlock_irqrestore(&p->lock, fl);
	sighand_put(sh);
	waitq_wake_all(&p->exit_wait);
	if (pid1) {
		/* init is gone: the machine stops, with its exit status. */
		printk("ringtail: init exited (%s %d), powering off\n",
		       (p->exit_status & 0x7f) ? "signal" : "status",
		       (p->exit_status & 0x7f) ? p->exit_status & 0x7f : (p->exit_status >> 8) & 0xff);
		arch_poweroff(p->exit_status == 0);
	}
	if (self_reaped)
		proc_put(p);            /* the parent's reference */
	proc_put(p);                    /* the threads' reference */
}

void proc_thread_exit(int code)
{
	struct thread *t = current_thread();
	struct process *p = t->proc;
	if (READ_ONCE(perf_hooks_enabled)) {
		irqflags_t g = spin_lock_irqsave(&procs_lock);
		int ppid = p->parent ? p->parent->pid : 0;
		spin_unlock_irqrestore(&procs_lock, g);
		perf_event_exit_record(t, ppid);
	}
	perf_thread_exit(t);
	/* CLONE_CHILD_CLEARTID: tell a joiner (pthread_join) we are gone. */
	if (t->clear_child_tid && !p->exiting) {
		u32 zero = 0;
		if (!copy_to_user(t->clear_child_tid, &zero, 4))
			futex_wake_addr(p->mm, t->clear_child_tid, 1);
	}
	/* /proc readers look at t->files and t->fs under p->lock. */
	irqflags_t f = spin_lock_irqsave(&p->lock);
	struct files_table *files = t->files;
	struct fs_info *fs = t->fs;
	t->files = NULL;
	t->fs = NULL;
	spin_unlock_irqrestore(&p->lock, f);
	if (files)
		files_put(files);
	if (fs)
		fs_info_put(fs);
	f = spin_lock_irqsave(&p->lock);
	list_del(&t->proc_node);
	p->exited_minflt += t->minflt;
	p->utime_ns += t->utime_ns;
	p->stime_ns += t->stime_ns;
	bool last = --p->nr_threads == 0;
	if (last && !p->exiting)
		p->exit_status = W_EXITCODE(code);
	if (!last) {
		/* Gone from p: its last thread may free p's address space
		 * (proc_exit_last) at any time from here, on another CPU. If
		 * this thread were preempted before thread_exit and kept p,
		 * switching back to it would load a freed address space.
		 * Within the lock, so the last thread only counts us gone
		 * once we are out of it. */
		t->proc = NULL;
		aspace_switch(&kernel_aspace);
	}
	spin_unlock_irqrestore(&p->lock, f);
	__atomic_fetch_sub(&nr_threads_total, 1, __ATOMIC_RELAXED);
	if (last)
		proc_exit_last(p, t);
	thread_exit();
}

/* Every other thread of p is to exit (exit_group, exec, a fatal signal). */
void proc_kill_other_threads(struct process *p, struct thread *self)
{
	irqflags_t f = spin_lock_irqsave(&p->lock);
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
	/* A stopped process's threads sleep on stop_wait. */
	waitq_wake_all(&p->stop_wait);
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
	spin_unlock_irqrestore(&p->lock, f);
	proc_kill_other_threads(p, self);
	proc_thread_exit(0);
}
