/* Threads: the unit the scheduler runs. A user thread belongs to a process
 * (kernel/proc.h); kernel threads have proc == NULL. */
#pragma once
#include <lib/list.h>
#include <lib/types.h>
#include <kernel/percpu.h>

struct process;
struct trap_frame;
struct perf_task_ctx;
struct files_table;
struct fs_info;

enum thread_state {
	THREAD_RUNNING,         /* may run: on a run queue or on a CPU */
	THREAD_BLOCKED,         /* waiting; a wakeup makes it RUNNING */
	THREAD_DEAD,            /* exited; freed after its last switch-out */
};

/* Why a sleep ended (thread->wake_reason). */
#define WAKE_NORMAL  0
#define WAKE_TIMEOUT 1

#define KSTACK_PAGES 4
#define COMM_LEN 16

struct thread {
	u64 ksp;                        /* saved kernel RSP (switch_to) */
	enum thread_state state;
	bool on_rq;                     /* queued on cpu's run queue */
	bool on_cpu;                    /* executing (or switching away) */
	bool kill_pending;              /* exit at the next return to user */
	int tid;
	int refs;                       /* thread_find's; freed at zero */
	unsigned int cpu;               /* CPU whose run queue owns it */
	u64 cpu_mask;                   /* allowed CPUs */
	int wake_reason;
	struct list_node run_node;      /* run queue link */
	struct list_node proc_node;     /* process's thread list */
	struct list_node all_node;      /* every thread (diagnostics) */
	struct process *proc;           /* NULL for kernel threads */
	struct files_table *files;      /* descriptors (CLONE_FILES shares) */
	struct fs_info *fs;             /* cwd, root, umask (CLONE_FS shares) */
	u8 *kstack;                     /* bottom (vmap, with a guard page) */
	u64 kstack_top;
	struct trap_frame *uframe;      /* user registers, top of kstack */
	u64 fs_base, gs_base;           /* user segment bases */
	u64 clear_child_tid;            /* user address: 0 + futex wake at exit */
	u64 robust_list;
	/* rseq (kernel/proc/rseq.c): the registered area, its length and
	 * signature; pending: update it before returning to user mode. */
	u64 rseq;
	u32 rseq_len, rseq_sig;
	bool rseq_pending;
	u64 sig_pending;                /* thread-directed signals (bit sig-1) */
	u64 sig_blocked;
	u64 saved_sigmask;              /* ppoll: the mask to restore ... */
	bool restore_sigmask;           /* ... once a signal was handled */
	struct kinfo *sig_info;         /* [NSIG]: what each pending signal says */
	u64 minflt;                     /* page faults that mapped a page */
	struct perf_task_ctx *perf;     /* perf events following this thread */
	/* attr.sigtrap: a SIGTRAP owed on the way back to user mode. */
	struct { u64 addr, data; u32 type; bool pending; } perf_trap;
	u64 utime_ns, stime_ns, switched_in_ns;
	int slice_ticks;                /* ticks left before preemption */
	char comm[COMM_LEN];
	void (*kfn)(void *);            /* kernel thread body */
	void *karg;
	u8 fpu[512] __attribute__((aligned(16)));  /* FXSAVE image */
};

static inline struct thread *current_thread(void) { return this_cpu()->current; }

/* A kernel thread running fn(arg); it is made runnable at once. */
struct thread *kthread_create(const char *name, void (*fn)(void *), void *arg);
/* The same, allowed to run only on `cpu`. */
struct thread *kthread_create_on(const char *name, void (*fn)(void *), void *arg,
				 unsigned int cpu);
/* A user thread of proc; starts at frame's registers when woken. */
struct thread *thread_create_user(struct process *proc, const struct trap_frame *frame);
void thread_start(struct thread *t);            /* make runnable */
void thread_exit(void) __attribute__((noreturn));
void thread_free(struct thread *t);             /* after it is dead */
/* A live user thread by tid, with a reference (thread_put); NULL if none. */
struct thread *thread_find(int tid);
void thread_put(struct thread *t);
void thread_init_boot(void);                    /* kmain becomes CPU 0's idle */
void thread_init_idle(struct cpu *c);           /* an AP's start-up context */
/* A dead thread, off its CPU: freed later by the reaper thread (freeing a
 * stack may need TLB shootdowns, which need interrupts on). */
void thread_reap(struct thread *t);
void reaper_start(void);
int thread_count(void);
/* Wait until at most `threads` threads exist (exited ones freed by the
 * reaper); false if that did not happen within a minute. */
bool thread_wait_reaped(int threads);
/* Thread ids (and so pids) stay below PID_MAX (Linux's default pid_max),
 * wrapping to PID_WRAP_MIN. The last one given out (/proc/loadavg). */
#define PID_MAX 32768
#define PID_WRAP_MIN 300
int thread_last_tid(void);
void thread_dump(void);                         /* print every thread */
