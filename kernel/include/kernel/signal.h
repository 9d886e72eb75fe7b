/* Signals: Linux numbers and semantics (actions, masks, delivery to
 * handlers on return to user mode, default actions including job control,
 * synchronous faults, SIGCHLD). Standard signals are not queued: a signal
 * pending twice is delivered once, with the information of the last. */
#pragma once
#include <lib/types.h>

#define NSIG 64
#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGWINCH 28
#define SIGIO 29
#define SIGSYS 31

#define SIG_DFL 0ull
#define SIG_IGN 1ull

#define SA_NOCLDSTOP 0x00000001u
#define SA_NOCLDWAIT 0x00000002u
#define SA_SIGINFO   0x00000004u
#define SA_ONSTACK   0x08000000u
#define SA_RESTORER  0x04000000u
#define SA_RESTART   0x10000000u
#define SA_NODEFER   0x40000000u
#define SA_RESETHAND 0x80000000u

#define SIG_BLOCK   0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define ILL_ILLOPN  2
#define FPE_INTDIV  1
#define BUS_ADRERR  2
#define TRAP_BRKPT  1
#define TRAP_PERF   6               /* attr.sigtrap */
#define SI_USER     0
#define SI_KERNEL   0x80
#define SI_TKILL    (-6)
#define CLD_EXITED    1
#define CLD_KILLED    2
#define CLD_DUMPED    3
#define CLD_TRAPPED   4
#define CLD_STOPPED   5
#define CLD_CONTINUED 6
#define POLL_IN  1
#define POLL_OUT 2
#define POLL_MSG 3
#define POLL_ERR 4
#define POLL_PRI 5
#define POLL_HUP 6

#define SIGMASK(sig) (1ull << ((sig) - 1))

/* The kernel's struct sigaction on x86_64 (rt_sigaction). */
struct k_sigaction {
	u64 handler;
	u64 flags;
	u64 restorer;
	u64 mask;
};

/* What a handler's siginfo says besides the number. */
struct kinfo {
	int code;
	int pid;                /* sender (kill), the child (SIGCHLD) */
	u32 uid;
	int status;             /* SIGCHLD: exit code or signal */
	u64 addr;               /* faults */
	long band;              /* SIGIO: POLL* bits */
	int fd;                 /* SIGIO: the descriptor */
	u64 perf_data;          /* TRAP_PERF: attr.sig_data */
	u32 perf_type;          /* TRAP_PERF: attr.type */
};
/* A thread-directed signal with full information (SIGTRAP of perf). */
int signal_send_thread_info(struct thread *t, int sig, const struct kinfo *ki);

struct thread;
struct process;
struct trap_frame;

const char *signal_name(int sig);
bool signal_pending_unblocked(struct thread *t);
/* Send to a process (kill: from the current process) or a thread
 * (tgkill, a fault: code and addr). */
int signal_send_process(struct process *p, int sig, int code);
int signal_send_thread(struct thread *t, int sig, int code, u64 addr);
/* The same with full information (SIGCHLD, SIGIO). */
int signal_send_process_info(struct process *p, int sig, const struct kinfo *ki);
/* SIGCHLD (or the child's exit signal) about child, with CLD_* code. */
void signal_send_chld(struct process *parent, int sig, int code, struct process *child);
/* To every process of group pgid: the count reached, or -ESRCH. */
int signal_send_pgrp(int pgid, int sig);
/* On the way back to user mode: deliver one pending signal (may not
 * return if the default action ends the process). */
void signal_deliver(struct trap_frame *f);
/* exec: handled signals go back to their default action. */
void signal_reset_on_exec(struct process *p);

