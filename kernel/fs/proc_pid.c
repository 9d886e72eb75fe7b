/* /proc/<pid> and /proc/<pid>/task/<tid>: one directory per process and
 * per thread, in Linux's formats (stat's 52 fields, status, maps ...).
 * Directory arguments are ids: a process directory's is its pid, a task
 * directory's its tid with TASK_BIT set, an fd link's (pid << 16) | fd. */
#include <lib/errno.h>
#include <lib/fmt.h>
#include <lib/string.h>
#include <kernel/clock.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/mm.h>
#include <kernel/proc.h>
#include <kernel/pseudofs.h>
#include <kernel/sched.h>
#include <kernel/tty.h>
#include <kernel/vfs.h>
#include <kernel/vm.h>

#define TASK_BIT (1l << 40)
#define USER_HZ 100
#define NS_PER_TICK (1000000000ull / USER_HZ)

/* What one file shows, gathered under the locks that guard it. */
struct pinfo {
	int pid, tid, ppid, pgid, sid, tty_nr, tpgid, nthreads, exit_signal;
	char comm[COMM_LEN];
	char state;
	u64 minflt, utime, stime, cutime, cstime, start, vsize, rss;
	u64 sig_pending, sig_blocked, sig_ignored, sig_caught;
	u64 arg_start, arg_end, env_start, env_end, start_brk, brk;
	struct cred cred;
	unsigned cpu;
	u32 umask;
};

static char thread_state(const struct thread *t)
{
	if (t->state == THREAD_DEAD)
		return 'X';
	return t->state == THREAD_RUNNING ? 'R' : 'S';
}

/* The process of id (a process or, with TASK_BIT, a thread's), and that
 * thread (NULL: the whole process), both with references. */
static struct process *lookup(long arg, struct thread **tp)
{
	*tp = NULL;
	if (arg & TASK_BIT) {
		struct thread *t = thread_find((int)(arg & ~TASK_BIT));
		if (!t)
			return NULL;
		proc_get(t->proc);
		*tp = t;
		return t->proc;
	}
	return proc_find((int)arg);
}

static void put_target(struct process *p, struct thread *t)
{
	if (t)
		thread_put(t);
	proc_put(p);
}

static void gather(struct process *p, struct thread *only, struct pinfo *pi)
{
	memset(pi, 0, sizeof(*pi));
	irqflags_t f = spin_lock_irqsave(&procs_lock);
	pi->pid = p->pid;
	pi->ppid = p->parent ? p->parent->pid : 0;
	pi->pgid = p->pgid;
	pi->sid = p->sid;
	spin_unlock_irqrestore(&procs_lock, f);
	tty_info(p, &pi->tty_nr, &pi->tpgid);

	f = spin_lock_irqsave(&p->lock);
	strlcpy(pi->comm, only ? only->comm : p->comm, sizeof(pi->comm));
	pi->tid = only ? only->tid : p->pid;
	pi->nthreads = p->nr_threads;
	pi->exit_signal = p->exit_signal;
	pi->cred = p->cred;
	pi->minflt = only ? 0 : p->exited_minflt;
	pi->utime = only ? 0 : p->utime_ns;
	pi->stime = only ? 0 : p->stime_ns;
	pi->cutime = p->child_utime_ns;
	pi->cstime = p->child_stime_ns;
	pi->start = p->start_ns;
	pi->sig_pending = p->sig_pending;
	pi->state = 'S';
	bool running = false;
	struct list_node *pos;
	list_for_each(pos, &p->threads) {
		struct thread *t = list_entry(pos, struct thread, proc_node);
		if (only && t != only)
			continue;
		pi->minflt += t->minflt;
		pi->utime += t->utime_ns;
		pi->stime += t->stime_ns;
		running |= thread_state(t) == 'R';
		if (!only || t == only) {
			pi->sig_blocked = t->sig_blocked;
			pi->cpu = t->cpu;
			if (t->fs)
				pi->umask = t->fs->umask;
		}
	}
	if (running)
		pi->state = 'R';
	if (p->stopped)
		pi->state = 'T';
	if (p->state != PROC_ALIVE)
		pi->state = 'Z';
	struct mm *mm = p->mm;
	if (mm)
		mm_get(mm);
	struct sighand *sh = p->sighand;
	if (sh)
		__atomic_fetch_add(&sh->refs, 1, __ATOMIC_RELAXED);
	spin_unlock_irqrestore(&p->lock, f);

	if (sh) {
		f = spin_lock_irqsave(&sh->lock);
		for (int s = 1; s < NSIG; s++) {
			u64 h = sh->action[s - 1].handler;
			if (h == SIG_IGN)
				pi->sig_ignored |= 1ull << (s - 1);
			else if (h != SIG_DFL)
				pi->sig_caught |= 1ull << (s - 1);
		}
		spin_unlock_irqrestore(&sh->lock, f);
		sighand_put(sh);
	}
	if (mm) {
		mutex_lock(&mm->mmap_lock);
		for (struct vma *v = mm->vmas; v; v = v->next)
			pi->vsize += v->end - v->start;
		pi->rss = mm->pages;
		pi->arg_start = mm->arg_start;
		pi->arg_end = mm->arg_end;
		pi->env_start = mm->env_start;
		pi->env_end = mm->env_end;
		pi->start_brk = mm->brk_start;
		pi->brk = mm->brk;
		mutex_unlock(&mm->mmap_lock);
		mm_put(mm);
	}
}

/* Each show function finds its target; gone is ESRCH, as on Linux. */
#define WITH_TARGET(arg, p, t)                  \
	struct thread *t;                       \
	struct process *p = lookup(arg, &t);    \
	if (!p)                                 \
		return -ESRCH

static int show_stat(struct seqbuf *s, long arg)
{
	WITH_TARGET(arg, p, t);
	struct pinfo pi;
	gather(p, t, &pi);
	put_target(p, t);
	seq_printf(s, "%d (%s) %c %d %d %d %d %d 4194304 %llu 0 0 0 %llu %llu %llu %llu 20 0 %d 0 "
		   "%llu %llu %llu 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 %d %u 0 0 0 0 0 "
		   "0 0 %llu %llu %llu %llu %llu %llu 0\n",
		   pi.tid, pi.comm, pi.state, pi.ppid, pi.pgid, pi.sid, pi.tty_nr, pi.tpgid,
		   (unsigned long long)pi.minflt, (unsigned long long)(pi.utime / NS_PER_TICK),
		   (unsigned long long)(pi.stime / NS_PER_TICK),
		   (unsigned long long)(pi.cutime / NS_PER_TICK),
		   (unsigned long long)(pi.cstime / NS_PER_TICK), pi.nthreads,
		   (unsigned long long)(pi.start / NS_PER_TICK), (unsigned long long)pi.vsize,
		   (unsigned long long)pi.rss, pi.exit_signal, pi.cpu,
		   (unsigned long long)pi.start_brk, (unsigned long long)pi.brk,
		   (unsigned long long)pi.arg_start, (unsigned long long)pi.arg_end,
		   (unsigned long long)pi.env_start, (unsigned long long)pi.env_end);
	return 0;
}

static const char *state_name(char c)
{
	switch (c) {
	case 'R': return "R (running)";
	case 'T': return "T (stopped)";
	case 'Z': return "Z (zombie)";
	case 'X': return "X (dead)";
	default: return "S (sleeping)";
	}
}

static int show_status(struct seqbuf *s, long arg)
{
	WITH_TARGET(arg, p, t);
	struct pinfo pi;
	gather(p, t, &pi);
	put_target(p, t);
	const struct cred *c = &pi.cred;
	seq_printf(s, "Name:\t%s\nUmask:\t%04o\nState:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\n"
		   "PPid:\t%d\nTracerPid:\t0\nUid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n"
		   "FDSize:\t%d\nGroups:\t", pi.comm, pi.umask, state_name(pi.state), pi.pid, pi.tid,
		   pi.ppid, c->uid, c->euid, c->suid, c->fsuid, c->gid, c->egid, c->sgid, c->fsgid,
		   MAX_FDS);
	for (int g = 0; g < c->ngroups; g++)
		seq_printf(s, "%u ", c->groups[g]);
	seq_printf(s, "\nVmSize:\t%8llu kB\nVmRSS:\t%8llu kB\nThreads:\t%d\n"
		   "SigPnd:\t%016llx\nShdPnd:\t%016llx\nSigBlk:\t%016llx\nSigIgn:\t%016llx\n"
		   "SigCgt:\t%016llx\nCpus_allowed_list:\t0-%u\n",
		   (unsigned long long)(pi.vsize / 1024),
		   (unsigned long long)(pi.rss * (PAGE_SIZE / 1024)), pi.nthreads, 0ull,
		   (unsigned long long)pi.sig_pending, (unsigned long long)pi.sig_blocked,
		   (unsigned long long)pi.sig_ignored, (unsigned long long)pi.sig_caught,
		   nr_cpus_online - 1);
	return 0;
}

static int show_comm(struct seqbuf *s, long arg)
{
	WITH_TARGET(arg, p, t);
	irqflags_t f = spin_lock_irqsave(&p->lock);
	seq_printf(s, "%s\n", t ? t->comm : p->comm);
	spin_unlock_irqrestore(&p->lock, f);
	put_target(p, t);
	return 0;
}

/* The strings exec put on the stack, read from the process's memory as
 * Linux does (a zombie has none). */
static int show_strings(struct seqbuf *s, long arg, bool env)
{
	WITH_TARGET(arg, p, t);
	irqflags_t f = spin_lock_irqsave(&p->lock);
	struct mm *mm = p->state == PROC_ALIVE ? p->mm : NULL;
	if (mm)
		mm_get(mm);
	spin_unlock_irqrestore(&p->lock, f);
	put_target(p, t);
	if (!mm)
		return 0;
	u64 from = env ? mm->env_start : mm->arg_start, to = env ? mm->env_end : mm->arg_end;
	size_t len = to > from && to - from < (1u << 20) ? (size_t)(to - from) : 0;
	char *buf = len ? kmalloc(len) : NULL;
	if (buf) {
		seq_write(s, buf, mm_read(mm, from, buf, len));
		kfree(buf);
	}
	mm_put(mm);
	return len && !buf ? -ENOMEM : 0;
}

static int show_cmdline(struct seqbuf *s, long arg) { return show_strings(s, arg, false); }
static int show_environ(struct seqbuf *s, long arg) { return show_strings(s, arg, true); }

static int show_maps(struct seqbuf *s, long arg)
{
	WITH_TARGET(arg, p, t);
	char exe[256];
	u64 exe_dev = 0, exe_ino = 0;
	irqflags_t f = spin_lock_irqsave(&p->lock);
	struct mm *mm = p->state == PROC_ALIVE ? p->mm : NULL;
	if (mm)
		mm_get(mm);
	strlcpy(exe, p->exe_path, sizeof(exe));
	if (p->exe) {
		exe_dev = p->exe->sb->dev;
		exe_ino = p->exe->ino;
	}
	spin_unlock_irqrestore(&p->lock, f);
	put_target(p, t);
	if (!mm)
		return 0;
	mutex_lock(&mm->mmap_lock);
	for (struct vma *v = mm->vmas; v; v = v->next) {
		const char *name = "";
		u64 ino = 0, dev = 0, pgoff = v->pgoff * PAGE_SIZE;
		/* The executable's segments: exec copied them into anonymous
		 * memory, but they are the file's, as Linux shows them. */
		for (int k = 0; k < mm->nimage && v->kind == VMA_ANON; k++)
			if (v->start >= mm->image[k].start && v->start < mm->image[k].end) {
				name = exe;
				ino = exe_ino;
				dev = exe_dev;
				pgoff = mm->image[k].pgoff + (v->start - mm->image[k].start);
			}
		if (v->kind == VMA_STACK)
			name = "[stack]";
		else if (v->kind == VMA_BRK)
			name = "[heap]";
		else if (v->file && v->file->path)
			name = v->file->path;
		if (v->file && v->file->inode) {
			ino = v->file->inode->ino;
			dev = v->file->inode->sb->dev;
		}
		/* Linux pads the fields to 72 columns before the name. */
		char line[96];
		int n = fmt_snprintf(line, sizeof(line), "%08llx-%08llx %c%c%c%c %08llx %02llx:%02llx %llu ",
				     (unsigned long long)v->start, (unsigned long long)v->end,
				     (v->prot & VM_READ) ? 'r' : '-', (v->prot & VM_WRITE) ? 'w' : '-',
				     (v->prot & VM_EXEC) ? 'x' : '-', v->shared ? 's' : 'p',
				     (unsigned long long)pgoff,
				     (unsigned long long)(dev >> 8), (unsigned long long)(dev & 0xff),
				     (unsigned long long)ino);
		if (name[0])
			seq_printf(s, "%-72s %s\n", line, name);
		else
			seq_printf(s, "%.*s\n", n - 1, line);
	}
	mutex_unlock(&mm->mmap_lock);
	mm_put(mm);
	return 0;
}

static long exe_link(char *buf, size_t size, long arg)
{
	WITH_TARGET(arg, p, t);
	irqflags_t f = spin_lock_irqsave(&p->lock);
	long n = p->exe ? (long)strlcpy(buf, p->exe_path, size) : -ENOENT;
	spin_unlock_irqrestore(&p->lock, f);
	put_target(p, t);
	return n < 0 ? n : (long)MIN((size_t)n, size);
}

/* cwd and root: of the process's first live thread. */
static long dir_link(char *buf, size_t size, long arg, bool root)
{
	WITH_TARGET(arg, p, t);
	long n = -ENOENT;
	mutex_lock(&vfs_lock);
	irqflags_t f = spin_lock_irqsave(&p->lock);
	struct thread *src = t;
	if (!src && !list_empty(&p->threads))
		src = list_entry(p->threads.next, struct thread, proc_node);
	struct inode *d = src && src->fs ? (root ? src->fs->root : src->fs->cwd) : NULL;
	if (d)
		inode_get(d);
	spin_unlock_irqrestore(&p->lock, f);
	if (d) {
		n = vfs_dir_path(d, buf, size);
		inode_put(d);
	}
	mutex_unlock(&vfs_lock);
	put_target(p, t);
	return n;
}

static long cwd_link(char *buf, size_t size, long arg) { return dir_link(buf, size, arg, false); }
static long root_link(char *buf, size_t size, long arg) { return dir_link(buf, size, arg, true); }

/* --- fd/ --------------------------------------------------------------------------- */

/* The file behind fd of the process's first thread, with a reference. */
static struct file *proc_fd_file(int pid, int fd)
{
	struct process *p = proc_find(pid);
	if (!p)
		return NULL;
	struct file *file = NULL;
	irqflags_t f = spin_lock_irqsave(&p->lock);
	struct thread *t = list_empty(&p->threads) ? NULL
				: list_entry(p->threads.next, struct thread, proc_node);
	struct files_table *ft = t ? t->files : NULL;
	if (ft) {
		spin_lock(&ft->lock);
		file = fd >= 0 && fd < MAX_FDS ? ft->fd[fd] : NULL;
		if (file)
			file_get(file);
		spin_unlock(&ft->lock);
	}
	spin_unlock_irqrestore(&p->lock, f);
	proc_put(p);
	return file;
}

static long fd_link(char *buf, size_t size, long arg)
{
	struct file *f = proc_fd_file((int)(arg >> 16), (int)(arg & 0xffff));
	if (!f)
		return -ENOENT;
	long n;
	if (f->path)
		n = (long)strlcpy(buf, f->path, size);
	else if (S_ISFIFO(f->mode))
		n = fmt_snprintf(buf, size, "pipe:[%llu]", (unsigned long long)(uintptr_t)f->priv % 1000000);
	else
		n = fmt_snprintf(buf, size, "anon_inode:[%s]", f->ops->name);
	file_put(f);
	return MIN(n, (long)size);
}

static const struct pseudo_entry fd_entry = {
	.name = "fd", .mode = S_IFLNK | 0700, .readlink = fd_link,
};

static int fd_lookup(const char *name, long parent_arg, const struct pseudo_entry **e, long *arg)
{
	int fd = 0;
	for (const char *c = name; *c; c++) {
		if (*c < '0' || *c > '9' || fd > MAX_FDS)
			return -ENOENT;
		fd = fd * 10 + (*c - '0');
	}
	struct file *f = name[0] ? proc_fd_file((int)parent_arg, fd) : NULL;
	if (!f)
		return -ENOENT;
	file_put(f);
	*e = &fd_entry;
	*arg = (parent_arg << 16) | fd;
	return 0;
}

static int fd_iter(u64 index, long parent_arg, char *name, size_t size,
		   const struct pseudo_entry **e, long *arg)
{
	/* index counts open descriptors. */
	u64 seen = 0;
	for (int fd = 0; fd < MAX_FDS; fd++) {
		struct file *f = proc_fd_file((int)parent_arg, fd);
		if (!f)
			continue;
		file_put(f);
		if (seen++ == index) {
			fmt_snprintf(name, size, "%d", fd);
			*e = &fd_entry;
			*arg = (parent_arg << 16) | fd;
			return 1;
		}
	}
	return 0;
}

static const struct pseudo_dir fd_dir = PSEUDO_ONLY_DYNAMIC(fd_lookup, fd_iter);

/* --- the directories ------------------------------------------------------------------ */

static const struct pseudo_entry thread_entries[] = {
	PSEUDO_FILE("cmdline", 0444, show_cmdline),
	PSEUDO_FILE("comm", 0644, show_comm),
	PSEUDO_FILE("environ", 0400, show_environ),
	PSEUDO_FILE("stat", 0444, show_stat),
	PSEUDO_FILE("status", 0444, show_status),
};
static const struct pseudo_dir thread_dir = PSEUDO_TABLE(thread_entries);
static const struct pseudo_entry thread_entry = PSEUDO_DIR("tid", 0555, &thread_dir);

static int parse_pid(const char *name, int *out)
{
	long v = 0;
	if (!name[0] || name[0] == '0')
		return -ENOENT;
	for (const char *c = name; *c; c++) {
		if (*c < '0' || *c > '9' || v > PID_MAX)
			return -ENOENT;
		v = v * 10 + (*c - '0');
	}
	*out = (int)v;
	return 0;
}

/* task/: the threads of the process parent_arg. */
static bool is_thread_of(int tid, int pid)
{
	struct thread *t = thread_find(tid);
	bool yes = t && t->proc && t->proc->pid == pid;
	if (t)
		thread_put(t);
	return yes;
}

static int task_lookup(const char *name, long parent_arg, const struct pseudo_entry **e, long *arg)
{
	int tid;
	if (parse_pid(name, &tid) || !is_thread_of(tid, (int)parent_arg))
		return -ENOENT;
	*e = &thread_entry;
	*arg = tid | TASK_BIT;
	return 0;
}

static int task_iter(u64 index, long parent_arg, char *name, size_t size,
		     const struct pseudo_entry **e, long *arg)
{
	struct process *p = proc_find((int)parent_arg);
	if (!p)
		return 0;
	int tid = -1;
	u64 k = 0;
	irqflags_t f = spin_lock_irqsave(&p->lock);
	struct list_node *pos;
	list_for_each(pos, &p->threads) {
		if (k++ == index) {
			tid = list_entry(pos, struct thread, proc_node)->tid;
			break;
		}
	}
	spin_unlock_irqrestore(&p->lock, f);
	proc_put(p);
	if (tid < 0)
		return 0;
	fmt_snprintf(name, size, "%d", tid);
	*e = &thread_entry;
	*arg = tid | TASK_BIT;
	return 1;
}

static const struct pseudo_dir task_dir = PSEUDO_ONLY_DYNAMIC(task_lookup, task_iter);

static const struct pseudo_entry pid_entries[] = {
	PSEUDO_FILE("cmdline", 0444, show_cmdline),
	PSEUDO_FILE("comm", 0644, show_comm),
	PSEUDO_LINK("cwd", cwd_link),
	PSEUDO_FILE("environ", 0400, show_environ),
	PSEUDO_LINK("exe", exe_link),
	PSEUDO_DIR("fd", 0500, &fd_dir),
	PSEUDO_FILE("maps", 0444, show_maps),
	PSEUDO_LINK("root", root_link),
	PSEUDO_FILE("stat", 0444, show_stat),
	PSEUDO_FILE("status", 0444, show_status),
	PSEUDO_DIR("task", 0555, &task_dir),
};
static const struct pseudo_dir pid_dir = PSEUDO_TABLE(pid_entries);
static const struct pseudo_entry pid_entry = PSEUDO_DIR("pid", 0555, &pid_dir);

int proc_pid_lookup(const char *name, long parent_arg, const struct pseudo_entry **e, long *arg)
{
	int pid;
	if (parse_pid(name, &pid))
		return -ENOENT;
	struct process *p = proc_find(pid);
	if (!p)
		return -ENOENT;
	proc_put(p);
	*e = &pid_entry;
	*arg = pid;
	return 0;
}

struct nth_pid {
	u64 index, seen;
	int pid;
};

static int nth(struct process *p, void *arg)
{
	struct nth_pid *n = arg;
	if (p->state == PROC_REAPED || p->pid <= 0)
		return 0;
	if (n->seen++ == n->index) {
		n->pid = p->pid;
		return 1;
	}
	return 0;
}

int proc_pid_iter(u64 index, long parent_arg, char *name, size_t size,
		  const struct pseudo_entry **e, long *arg)
{
	struct nth_pid n = { index, 0, -1 };
	proc_for_each(nth, &n);
	if (n.pid < 0)
		return 0;
	fmt_snprintf(name, size, "%d", n.pid);
	*e = &pid_entry;
	*arg = n.pid;
	return 1;
}
