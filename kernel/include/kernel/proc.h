/* Processes: an address space, open files, signal actions and threads.
 * The pid is the tid of the first thread, as in Linux. */
#pragma once
#include <lib/list.h>
#include <lib/types.h>
#include <kernel/mm.h>
#include <kernel/sched.h>
#include <kernel/signal.h>
#include <kernel/spinlock.h>
#include <kernel/thread.h>

#define MAX_FDS 256             /* the fd table; also RLIMIT_NOFILE's ceiling */

struct file;

/* Resource limits (getrlimit/setrlimit/prlimit64), Linux's numbering. */
#define RLIMIT_NOFILE 7
#define RLIM_NLIMITS 16
struct rlimit64 {
	u64 cur, max;
};
/* A new process's limits (Linux's usual ones; sys_proc.c). */
extern const struct rlimit64 rlimit_defaults[RLIM_NLIMITS];

enum proc_state { PROC_ALIVE, PROC_ZOMBIE };

struct process {
	int pid;
	int ppid;
	char comm[COMM_LEN];
	spinlock_t lock;                /* threads, state, fds */
	struct mm *mm;
	struct file *files[MAX_FDS];
	u8 fd_cloexec[MAX_FDS];
	struct list_node threads;
	int nr_threads;                 /* not yet exited */
	enum proc_state state;
	bool exiting;                   /* exit_group in progress */
	int exit_status;                /* wait status: code << 8, or signal */
	struct waitq exit_wait;         /* woken when it becomes a zombie */
	struct k_sigaction sigactions[NSIG];
	u64 sig_pending;                /* process-directed signals */
	struct list_node all_node;
	int refs;
	u64 exited_minflt;              /* faults of threads that are gone */
	struct rlimit64 rlim[RLIM_NLIMITS];     /* under lock */
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
/* Create a process from an ELF image in memory; not started yet. */
long proc_create_from_elf(const char *name, const void *image, size_t size,
			  const char *const *argv, const char *const *envp,
			  struct process **out);
void proc_start(struct process *p);
/* Wait (kernel side) until p exits; returns its wait status. */
int proc_wait(struct process *p);
void proc_put(struct process *p);
struct process *proc_find(int pid);     /* with a reference */
/* End the whole process (exit_group): status is a wait status. */
void proc_exit_group(int status) __attribute__((noreturn));
/* The current thread leaves; the process ends with its last thread. */
void proc_thread_exit(int code) __attribute__((noreturn));
int proc_count(void);
/* Descriptors p may use: 0 .. this - 1 (RLIMIT_NOFILE). Read without the
 * lock it may be stale, which only matters to a racing setrlimit. */
static inline int proc_fd_limit(const struct process *p)
{
	return p->rlim[RLIMIT_NOFILE].cur < MAX_FDS ? (int)p->rlim[RLIMIT_NOFILE].cur : MAX_FDS;
}

/* Wait-status helpers (as in <sys/wait.h>). */
#define W_EXITCODE(code) (((code) & 0xff) << 8)
#define W_SIGNALED(sig)  ((sig) & 0x7f)
