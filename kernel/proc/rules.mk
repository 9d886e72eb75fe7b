# kernel/proc: processes (creation, exit, clone), ELF loading, signals,
# futexes and the process syscalls.
KERNEL_C += kernel/proc/proc.c kernel/proc/elf.c kernel/proc/signal.c \
            kernel/proc/futex.c kernel/proc/sys_proc.c kernel/proc/uts.c kernel/proc/cred.c kernel/proc/rseq.c kernel/proc/fork.c \
            kernel/proc/exec.c kernel/proc/wait.c kernel/proc/jobctl.c
KERNEL_C += kernel/proc/tests/proc_test.c
