/* Processes (thread groups) and the resources their threads share.
 *
 * One task model, as Linux's: a thread (kernel/thread.h) belongs to a
 * process, and every resource is a separate, reference-counted object
 * that clone() shares or copies exactly as its flags say:
 *   mm       the address space         CLONE_VM       (per process)
 *   sighand  the signal actions        CLONE_SIGHAND  (per process)
 *   files    the descriptor table      CLONE_FILES    (per thread)
 *   fs       cwd, root and umask       CLONE_FS       (per thread)
 * CLONE_THREAD puts the new thread in the caller's process; otherwise it
 * starts a new process, a child of the caller's (or of the caller's
 * parent with CLONE_PARENT).
 *
 * The process tree (parent, children, process groups, sessions) and the
 * list of every process change under procs_lock (proc.c), as Linux's
 * tasklist_lock. The pid is the tid of the first thread; pid 1 is init,
 * which inherits orphans. */
#pragma once
#include <lib/list.h>
#include <lib/types.h>
#include <kernel/mm.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/spinlock.h>
#include <kernel/thread.h>
#include <kernel/file.h>
#include <kernel/ktimer.h>
#include <kernel/syscall.h>

#define INIT_PID 1

struct file;
struct inode;
struct files_table;
struct fs_info;

/* Resource limits (getrlimit/setrlimit/prlimit64), Linux's numbering. */
#define RLIMIT_NPROC 6
#define RLIMIT_MEMLOCK 8
#define RLIMIT_NOFILE 7
#define RLIM_NLIMITS 16
#define RLIM_INFINITY (~0ull)
struct rlimit64 {
	u64 cur, max;
};
/* A new process's limits (Linux's usual ones; sys_proc.c). */
extern const struct rlimit64 rlimit_defaults[RLIM_NLIMITS];

/* The signal actions of a process, shared with CLONE_SIGHAND. */
struct sighand {
	int refs;
	spinlock_t lock;
	struct k_sigaction action[NSIG];
};

/* Credentials: real, effective, saved and filesystem ids, supplementary
 * groups. Everything starts as root. */
#define NGROUPS_MAX 32
struct cred {
	u32 uid, euid, suid, fsuid;
	u32 gid, egid, sgid, fsgid;
	int ngroups;
	u32 groups[NGROUPS_MAX];
};

enum proc_state {
	PROC_ALIVE,
	PROC_ZOMBIE,            /* exited, waiting for its parent's wait */
	PROC_REAPED,            /* waited for (or autoreaped): only references left */
};

/* What wait() can report about a child besides its exit (job control). */
#define PROC_STOP_REPORTABLE 1  /* stopped, not yet reported (WUNTRACED) */
#define PROC_CONT_REPORTABLE 2  /* continued, not yet reported (WCONTINUED) */

struct process {
	int pid;
	int pgid, sid;                  /* under procs_lock */
	struct process *parent;         /* under procs_lock; NULL for pid 1 */
	int ppid;                       /* parent->pid, set with it: getppid reads it alone */
	struct list_node children;      /* its child processes (procs_lock) */
	struct list_node sibling;       /* in the parent's children */
	char comm[COMM_LEN];
	spinlock_t lock;                /* threads, state, rlim, job control */
	struct mm *mm;
	struct sighand *sighand;
	struct list_node threads;
	int nr_threads;                 /* not yet exited */
	enum proc_state state;
	bool exiting;                   /* exit_group in progress */
	bool did_exec;                  /* exec'd since fork (setpgid: EACCES) */
	/* Unimplemented syscall numbers already reported (syscall.c); the
	 * last bit stands for every number out of range. */
	u64 enosys_seen[NR_SYSCALLS / 64 + 1];
	int exit_status;                /* wait status: code << 8, or signal */
	int exit_signal;                /* sent to the parent at exit (SIGCHLD) */
	struct waitq exit_wait;         /* the kernel waiting for it (proc_wait) */
	struct waitq child_wait;        /* its own wait4/waitid callers */
	u64 sig_pending;                /* process-directed signals */
	struct kinfo sig_info[NSIG];    /* what each of them says */
	/* Job control: stopped by SIGSTOP/SIGTSTP/..., until SIGCONT. */
	bool stopped;
	int stop_signal;
	unsigned report;                /* PROC_*_REPORTABLE */
	struct waitq stop_wait;         /* its threads, while stopped */
	struct list_node all_node;
	int refs;
	u64 exited_minflt;              /* faults of threads that are gone */
	u64 start_ns;                   /* clock_ns() at creation */
	u64 utime_ns, stime_ns;         /* of threads that are gone */
	u64 child_utime_ns, child_stime_ns;     /* of waited-for children */
	struct rlimit64 rlim[RLIM_NLIMITS];     /* under lock */
	struct cred cred;
	/* The executable (for /proc/PID/exe and perf's MMAP records). */
	struct inode *exe;
	char exe_path[256];
	/* vfork: the parent sleeps on vfork_wq (holding a reference) until
	 * this child execs or exits and clears vfork_pending. */
	bool vfork_pending;
	struct waitq vfork_wq;
	/* ITIMER_REAL (alarm, setitimer; kernel/time/itimer.c), under lock. */
	struct ktimer itimer;
	u64 itimer_expires_ns, itimer_interval_ns;
	/* Console output of this process is indented by this many spaces at
	 * every line start (KTAP nesting when the kernel runs test programs). */
	int out_indent;
	bool out_line_start;
};

static inline struct process *current_proc(void)
{
	struct thread *t = current_thread();
	return t ? t->proc : NULL;
}

void proc_init(void);
/* A new, empty process (no threads, mm or parent yet; refs 1). */
struct process *proc_alloc(void);
/* Create a process running the executable at path (looked up from the
 * root), a child of pid 1; not started yet. */
long proc_spawn(const char *path, const char *const *argv, const char *const *envp,
		struct process **out);
void proc_start(struct process *p);
/* A vfork child execs or exits: its parent may go on. */
void proc_vfork_release(struct process *p);
/* Wait (kernel side) until p exits; returns its wait status. */
int proc_wait(struct process *p);
void proc_get(struct process *p);
void proc_put(struct process *p);
/* A live or zombie process by pid, with a reference; NULL if none. */
struct process *proc_find(int pid);
/* End the whole process (exit_group): status is a wait status. */
void proc_exit_group(int status) __attribute__((noreturn));
/* The current thread leaves; the process ends with its last thread. */
void proc_thread_exit(int code) __attribute__((noreturn));
int proc_count(void);
/* Is id the pid, process group or session of a process not yet reaped? */
bool proc_id_in_use(int id);
/* Descriptors p may use: 0 .. this - 1 (RLIMIT_NOFILE). Read without the
 * lock it may be stale, which only matters to a racing setrlimit. */
static inline int proc_fd_limit(const struct process *p)
{
	return p->rlim[RLIMIT_NOFILE].cur < MAX_FDS ? (int)p->rlim[RLIMIT_NOFILE].cur : MAX_FDS;
}

/* The process tree (proc.c). */
extern spinlock_t procs_lock;
/* fn(p, arg) for every process (procs_lock held, interrupts off); stops
 * early when fn returns nonzero, which it returns. */
int proc_for_each(int (*fn)(struct process *p, void *arg), void *arg);
int proc_for_each_locked(int (*fn)(struct process *p, void *arg), void *arg);
/* Enter a new process in the table (procs_lock held). */
void proc_link_locked(struct process *p);
/* The parent changed state (child exited, stopped, continued): wake its
 * waiters and send it the child's exit signal if sig. procs_lock held. */
void proc_notify_parent(struct process *child, int sig, int code);
/* Every other thread of p exits at its next return to user mode. */
void proc_kill_other_threads(struct process *p, struct thread *self);
/* The image's /sbin/init becomes pid 1 (instead of the kernel's reaper). */
long proc_spawn_init(const char *path, const char *const *argv, const char *const *envp);
/* Stop every thread of p at its next return to user mode / continue. */
void proc_job_stop(struct process *p, int sig);
void proc_job_continue(struct process *p);
/* A thread of a stopped process waits here before returning to user. */
void proc_stop_point(void);
/* The tgid of a thread, for perf records. */
static inline int thread_tgid(const struct thread *t) { return t->proc ? t->proc->pid : 0; }

/* Interval timers (kernel/time/itimer.c): set up with the process, and
 * stopped when it exits. */
void itimer_init(struct process *p);
void itimer_exit(struct process *p);

/* rseq (rseq.c): on the way back to user mode after a switch or before a
 * signal frame, update the thread's rseq area and leave an interrupted
 * critical section at its abort handler. */
struct trap_frame;
void rseq_handle(struct trap_frame *f);

/* Signal actions (signal.c). */
struct sighand *sighand_alloc(void);
struct sighand *sighand_copy(const struct sighand *from);
void sighand_put(struct sighand *sh);

/* Fork (fork.c): a new thread or process as clone() flags say. */
long do_clone(u64 flags, u64 newsp, u64 ptid, u64 ctid, u64 tls, int exit_signal);
/* Processes and threads alive now, and the most that may be (EAGAIN). */
extern int nr_threads_total;
extern int max_threads_total;

/* Exec (exec.c): replace the current process image. */
long do_execve(int dirfd, u64 upath, u64 uargv, u64 uenvp, int flags);

/* Wait-status helpers (as in <sys/wait.h>). */
#define W_EXITCODE(code) (((code) & 0xff) << 8)
#define W_SIGNALED(sig)  ((sig) & 0x7f)
#define W_STOPPED(sig)   ((((sig) & 0xff) << 8) | 0x7f)
#define W_CONTINUED      0xffff
