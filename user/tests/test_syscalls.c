/* test_syscalls: the error cases of every syscall Ringtail implements, as a
 * table of raw syscalls (no musl wrapper in between) and the exact value the
 * kernel must return (Linux x86_64 semantics: -EFAULT, -EBADF, -EINVAL, ...).
 *
 * A row whose argument is BAD is run once per bad-pointer kind in its mask:
 *   null     NULL
 *   kernel   0xffffffff81000000 (kernel text)
 *   noncanon 0x8000000000000000 (a #GP, not a #PF, if the kernel touches it)
 *   unmapped a page that was mapped and unmapped again
 *   top      0x7ffffffffffc: anything longer than 4 bytes crosses 2^47
 *   cross    4 bytes before the end of a mapped page followed by a hole
 * and must fail the same way for each, never with a kernel fault.
 * Some rows deliberately pin down Linux corner cases (order of checks,
 * NULL that is allowed, zero lengths, ...); see the comments.
 */
#define _GNU_SOURCE
#pragma GCC diagnostic ignored "-Wmissing-field-initializers" /* short table rows */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "ktap.h"
#include "rt_user.h"

#ifndef ARCH_SET_FS
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#endif
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_PRIVATE 128
#define CLONE_SIGHAND_ 0x00000800
#define CLONE_THREAD_ 0x00010000
#define NOPID 0x3fffffff        /* above PID_MAX_LIMIT: never a process */

/* Bad-pointer kinds. */
enum { K_NULL = 1, K_KERN = 2, K_NC = 4, K_UNM = 8, K_TOP = 16, K_CROSS = 32 };
#define ALLK   (K_NULL | K_KERN | K_NC | K_UNM | K_TOP | K_CROSS)
#define NOCROSS (ALLK & ~K_CROSS)   /* objects a kernel may legally write in part */
#define SMALL  (ALLK & ~K_TOP)      /* 8-byte objects: "top" is in range for them */
#define WORD   (K_NULL | K_KERN | K_NC | K_UNM)  /* 4-byte objects */
#define RANGEK (K_KERN | K_NC | K_TOP)  /* fail the up-front range check */
static const char *const kind_name[] = { "null", "kernel", "noncanon", "unmapped", "top", "cross" };

/* Argument placeholders, replaced before each call (non-canonical values, so
 * a forgotten one would fault rather than pass). */
#define S_(n) ((long)(0x5e00000000000000UL | ((n) << 8))) /* + small offset */
#define BAD    S_(1)   /* the bad pointer of the current kind */
#define BUF    S_(2)   /* 8 KiB zeroed read-write buffer */
#define FUT    S_(3)   /* aligned futex word holding 0 */
#define FUT1   S_(4)   /* misaligned futex address */
#define TSZ    S_(5)   /* timespec {0, 0} */
#define TS1MS  S_(6)   /* timespec {0, 1 ms} */
#define TSBADN S_(7)   /* timespec {0, 1000000000} */
#define TSNEGN S_(8)   /* timespec {0, -1} */
#define TSNEGS S_(9)   /* timespec {-1, 0} */
#define IOVBAD S_(10)  /* iovec {BAD, 16} */
#define IOVNEG S_(11)  /* iovec {BUF, (size_t)-1} */
#define IOVOK  S_(12)  /* iovec {BUF, 1} */
#define PID    S_(13)
#define TID    S_(14)
#define POLLO  S_(15)  /* pollfd {1, POLLOUT} */
#define UNMAP  S_(16)  /* the unmapped page */
#define FUT2   S_(17)  /* second futex word holding 0 */
#define CUR_FS S_(18)  /* current FS base */
#define NAME   S_(19)  /* "rt-test" */

struct row {
	const char *name;
	long nr;
	long a[6];
	long want;        /* exact return value: -errno, or 0 */
	unsigned kinds;   /* 0: one test; else one per bad-pointer kind */
	int tty;          /* needs fd 1 to be a terminal (Ringtail's console) */
};

#define E(x) (-(long)(x))
static const struct row rows[] = {
	/* read: only pointers that fail the range check up front, so a kernel
	 * that blocks for input before checking hangs instead of passing;
	 * a count so large that buf+count overflows is also -EFAULT. */
	{ "read_buf", SYS_read, { 0, BAD, 16 }, E(EFAULT), RANGEK },
	{ "read_count_overflow", SYS_read, { 0, BUF, -1L }, E(EFAULT) },
	{ "read_badfd", SYS_read, { -1, BUF, 1 }, E(EBADF) },
	{ "read_badfd_1000", SYS_read, { 1000, BUF, 1 }, E(EBADF) },
	{ "read_badfd_before_efault", SYS_read, { -1, BAD_KERNEL, 1 }, E(EBADF) },
	/* write: "cross" would legally print the 4 readable bytes. */
	{ "write_buf", SYS_write, { 1, BAD, 16 }, E(EFAULT), NOCROSS },
	{ "write_badfd", SYS_write, { -1, BUF, 1 }, E(EBADF) },
	{ "write_badfd_before_efault", SYS_write, { 1000, 0, 1 }, E(EBADF) },
	{ "write_zero_len", SYS_write, { 1, BUF, 0 }, 0 },
	{ "writev_iov_array", SYS_writev, { 1, BAD, 1 }, E(EFAULT), ALLK },
	{ "writev_iov_base", SYS_writev, { 1, IOVBAD, 1 }, E(EFAULT), NOCROSS },
	{ "writev_negative_len", SYS_writev, { 1, IOVNEG, 1 }, E(EINVAL) },
	{ "writev_negative_cnt", SYS_writev, { 1, IOVOK, -1 }, E(EINVAL) },
	{ "writev_cnt_over_1024", SYS_writev, { 1, IOVOK, 1025 }, E(EINVAL) },
	{ "writev_zero_cnt_null", SYS_writev, { 1, 0, 0 }, 0 },
	{ "writev_badfd", SYS_writev, { -1, IOVOK, 1 }, E(EBADF) },
	/* readv copies and checks the iovecs before it would block. */
	{ "readv_iov_array", SYS_readv, { 0, BAD, 1 }, E(EFAULT), ALLK },
	{ "readv_iov_base", SYS_readv, { 0, IOVBAD, 1 }, E(EFAULT), RANGEK },
	{ "readv_negative_cnt", SYS_readv, { 0, IOVOK, -1 }, E(EINVAL) },
	{ "readv_cnt_over_1024", SYS_readv, { 0, IOVOK, 1025 }, E(EINVAL) },
	{ "readv_zero_cnt_returns_0", SYS_readv, { 0, IOVOK, 0 }, 0 },
	{ "readv_badfd_before_efault", SYS_readv, { -1, 0, 1 }, E(EBADF) },
	{ "close_badfd", SYS_close, { -1 }, E(EBADF) },
	{ "close_badfd_1000", SYS_close, { 1000 }, E(EBADF) },
	{ "close_badfd_intmax", SYS_close, { 0x7fffffff }, E(EBADF) },
	{ "fstat_buf", SYS_fstat, { 1, BAD }, E(EFAULT), ALLK },
	{ "fstat_badfd", SYS_fstat, { -1, BUF }, E(EBADF) },
	{ "fstat_badfd_before_efault", SYS_fstat, { 1000, 0 }, E(EBADF) },
	{ "lseek_console_espipe", SYS_lseek, { 1, 0, SEEK_SET }, E(ESPIPE) },
	{ "lseek_badfd", SYS_lseek, { -1, 0, SEEK_SET }, E(EBADF) },
	{ "mmap_len_0", SYS_mmap, { 0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0 }, E(EINVAL) },
	{ "mmap_no_share_type", SYS_mmap, { 0, 4096, PROT_READ, MAP_ANONYMOUS, -1, 0 }, E(EINVAL) },
	{ "mmap_fixed_unaligned", SYS_mmap, { 0x10000001, 4096, PROT_READ,
	  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0 }, E(EINVAL) },
	{ "mmap_offset_unaligned", SYS_mmap, { 0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 123 }, E(EINVAL) },
	{ "mmap_file_badfd", SYS_mmap, { 0, 4096, PROT_READ, MAP_PRIVATE, -1, 0 }, E(EBADF) },
	{ "mmap_len_huge", SYS_mmap, { 0, -4096L, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0 }, E(ENOMEM) },
	{ "mmap_fixed_kernel", SYS_mmap, { BAD_KERNEL, 4096, PROT_READ,
	  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0 }, E(ENOMEM) },
	{ "mmap_fixed_noncanon", SYS_mmap, { BAD_NONCANON, 4096, PROT_READ,
	  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0 }, E(ENOMEM) },
	{ "munmap_unaligned", SYS_munmap, { BUF + 1, 4096 }, E(EINVAL) },
	{ "munmap_len_0", SYS_munmap, { BUF, 0 }, E(EINVAL) },
	{ "munmap_kernel", SYS_munmap, { BAD_KERNEL, 4096 }, E(EINVAL) },
	{ "munmap_noncanon", SYS_munmap, { BAD_NONCANON, 4096 }, E(EINVAL) },
	{ "munmap_unmapped_ok", SYS_munmap, { UNMAP, 4096 }, 0 },
	{ "mprotect_unaligned", SYS_mprotect, { BUF + 1, 4096, PROT_READ }, E(EINVAL) },
	{ "mprotect_bad_prot", SYS_mprotect, { BUF, 4096, 0x100 }, E(EINVAL) },
	{ "mprotect_unmapped", SYS_mprotect, { UNMAP, 4096, PROT_READ }, E(ENOMEM) },
	{ "mprotect_kernel", SYS_mprotect, { BAD_KERNEL, 4096, PROT_READ }, E(ENOMEM) },
	{ "mprotect_len_0", SYS_mprotect, { BUF, 0, PROT_READ }, 0 },
	{ "madvise_unaligned", SYS_madvise, { BUF + 1, 4096, MADV_DONTNEED }, E(EINVAL) },
	{ "madvise_bad_advice", SYS_madvise, { BUF, 4096, 12345 }, E(EINVAL) },
	{ "madvise_unmapped", SYS_madvise, { UNMAP, 4096, MADV_DONTNEED }, E(ENOMEM) },
	{ "madvise_len_0", SYS_madvise, { BUF, 0, MADV_DONTNEED }, 0 },
	{ "ioctl_winsz_buf", SYS_ioctl, { 1, TIOCGWINSZ, BAD }, E(EFAULT), SMALL, 1 },
	{ "ioctl_badfd", SYS_ioctl, { -1, TIOCGWINSZ, BUF }, E(EBADF) },
	{ "ioctl_unknown_enotty", SYS_ioctl, { 1, 0x7a7a, BUF }, E(ENOTTY) },
	{ "arch_prctl_get_fs_buf", SYS_arch_prctl, { ARCH_GET_FS, BAD }, E(EFAULT), SMALL },
	{ "arch_prctl_bad_code", SYS_arch_prctl, { 0x9999, BUF }, E(EINVAL) },
	/* A base the CPU cannot load is refused with EPERM, not EINVAL. */
	{ "arch_prctl_set_fs_kernel", SYS_arch_prctl, { ARCH_SET_FS, BAD_KERNEL }, E(EPERM) },
	{ "arch_prctl_set_fs_noncanon", SYS_arch_prctl, { ARCH_SET_FS, BAD_NONCANON }, E(EPERM) },
	{ "arch_prctl_set_fs_same_ok", SYS_arch_prctl, { ARCH_SET_FS, CUR_FS }, 0 },
	{ "set_robust_list_bad_len", SYS_set_robust_list, { BUF, 23 }, E(EINVAL) },
	{ "set_robust_list_len_0", SYS_set_robust_list, { BUF, 0 }, E(EINVAL) },
	{ "clock_gettime_buf", SYS_clock_gettime, { CLOCK_MONOTONIC, BAD }, E(EFAULT), ALLK },
	{ "clock_gettime_realtime_buf", SYS_clock_gettime, { CLOCK_REALTIME, BAD }, E(EFAULT), ALLK },
	{ "clock_gettime_bad_clock_16", SYS_clock_gettime, { 16, BUF }, E(EINVAL) },
	{ "clock_gettime_bad_clock_1000", SYS_clock_gettime, { 1000, BUF }, E(EINVAL) },
	/* clock_getres accepts a NULL result pointer. */
	{ "clock_getres_buf", SYS_clock_getres, { CLOCK_MONOTONIC, BAD }, E(EFAULT), ALLK & ~K_NULL },
	{ "clock_getres_null_ok", SYS_clock_getres, { CLOCK_MONOTONIC, 0 }, 0 },
	{ "clock_getres_bad_clock", SYS_clock_getres, { 1000, BUF }, E(EINVAL) },
	{ "nanosleep_req", SYS_nanosleep, { BAD, 0 }, E(EFAULT), ALLK },
	{ "nanosleep_nsec_1e9", SYS_nanosleep, { TSBADN, 0 }, E(EINVAL) },
	{ "nanosleep_nsec_negative", SYS_nanosleep, { TSNEGN, 0 }, E(EINVAL) },
	{ "nanosleep_sec_negative", SYS_nanosleep, { TSNEGS, 0 }, E(EINVAL) },
	/* rem is only written when interrupted: a bad one does not matter. */
	{ "nanosleep_bad_rem_unused", SYS_nanosleep, { TS1MS, BAD_KERNEL }, 0 },
	{ "clock_nanosleep_req", SYS_clock_nanosleep, { CLOCK_MONOTONIC, 0, BAD, 0 }, E(EFAULT), ALLK },
	{ "clock_nanosleep_bad_clock", SYS_clock_nanosleep, { 1000, 0, TS1MS, 0 }, E(EINVAL) },
	{ "clock_nanosleep_nsec_1e9", SYS_clock_nanosleep, { CLOCK_MONOTONIC, 0, TSBADN, 0 }, E(EINVAL) },
	{ "clock_nanosleep_abs_past", SYS_clock_nanosleep, { CLOCK_MONOTONIC, TIMER_ABSTIME, TS1MS, 0 }, 0 },
	{ "poll_fds", SYS_poll, { BAD, 1, 0 }, E(EFAULT), SMALL },
	{ "poll_nfds_huge", SYS_poll, { BUF, 1 << 30, 0 }, E(EINVAL) },
	{ "poll_null_0_fds", SYS_poll, { 0, 0, 0 }, 0 },
	{ "ppoll_fds", SYS_ppoll, { BAD, 1, TSZ, 0, 8 }, E(EFAULT), SMALL },
	{ "ppoll_timeout", SYS_ppoll, { POLLO, 1, BAD, 0, 8 }, E(EFAULT), ALLK & ~K_NULL },
	{ "ppoll_timeout_nsec_1e9", SYS_ppoll, { POLLO, 1, TSBADN, 0, 8 }, E(EINVAL) },
	{ "ppoll_sigmask", SYS_ppoll, { POLLO, 1, TSZ, BAD, 8 }, E(EFAULT), SMALL & ~K_NULL },
	{ "ppoll_sigsetsize_4", SYS_ppoll, { POLLO, 1, TSZ, BUF, 4 }, E(EINVAL) },
	{ "prctl_set_name", SYS_prctl, { PR_SET_NAME, BAD }, E(EFAULT), ALLK },
	{ "prctl_get_name", SYS_prctl, { PR_GET_NAME, BAD }, E(EFAULT), ALLK },
	{ "prctl_unknown_option", SYS_prctl, { 0x7fff1234, 0 }, E(EINVAL) },
	{ "uname_buf", SYS_uname, { BAD }, E(EFAULT), ALLK },
	{ "rt_sigaction_act", SYS_rt_sigaction, { SIGUSR1, BAD, 0, 8 }, E(EFAULT), ALLK & ~K_NULL },
	{ "rt_sigaction_oldact", SYS_rt_sigaction, { SIGUSR1, 0, BAD, 8 }, E(EFAULT), ALLK & ~K_NULL },
	{ "rt_sigaction_sigsetsize_7", SYS_rt_sigaction, { SIGUSR1, BUF, 0, 7 }, E(EINVAL) },
	{ "rt_sigaction_sig_0", SYS_rt_sigaction, { 0, BUF, 0, 8 }, E(EINVAL) },
	{ "rt_sigaction_sig_65", SYS_rt_sigaction, { 65, BUF, 0, 8 }, E(EINVAL) },
	{ "rt_sigaction_sigkill", SYS_rt_sigaction, { SIGKILL, BUF, 0, 8 }, E(EINVAL) },
	{ "rt_sigaction_sigstop", SYS_rt_sigaction, { SIGSTOP, BUF, 0, 8 }, E(EINVAL) },
	{ "rt_sigaction_query_sigkill_ok", SYS_rt_sigaction, { SIGKILL, 0, BUF, 8 }, 0 },
	{ "rt_sigprocmask_set", SYS_rt_sigprocmask, { SIG_BLOCK, BAD, 0, 8 }, E(EFAULT), SMALL & ~K_NULL },
	{ "rt_sigprocmask_oldset", SYS_rt_sigprocmask, { SIG_BLOCK, 0, BAD, 8 }, E(EFAULT), SMALL & ~K_NULL },
	{ "rt_sigprocmask_bad_how", SYS_rt_sigprocmask, { 3, BUF, 0, 8 }, E(EINVAL) },
	{ "rt_sigprocmask_sigsetsize_4", SYS_rt_sigprocmask, { SIG_BLOCK, BUF, 0, 4 }, E(EINVAL) },
	/* "how" is only looked at when there is a new set. */
	{ "rt_sigprocmask_bad_how_no_set_ok", SYS_rt_sigprocmask, { 99, 0, BUF, 8 }, 0 },
	{ "getcpu_cpu", SYS_getcpu, { BAD, 0, 0 }, E(EFAULT), WORD & ~K_NULL },
	{ "getcpu_node", SYS_getcpu, { 0, BAD, 0 }, E(EFAULT), WORD & ~K_NULL },
	{ "getcpu_all_null_ok", SYS_getcpu, { 0, 0, 0 }, 0 },
	{ "sched_getaffinity_mask", SYS_sched_getaffinity, { 0, 8, BAD }, E(EFAULT), SMALL },
	{ "sched_getaffinity_len_7", SYS_sched_getaffinity, { 0, 7, BUF }, E(EINVAL) },
	{ "sched_getaffinity_len_0", SYS_sched_getaffinity, { 0, 0, BUF }, E(EINVAL) },
	{ "sched_getaffinity_no_such_pid", SYS_sched_getaffinity, { NOPID, 8, BUF }, E(ESRCH) },
	{ "sched_setaffinity_mask", SYS_sched_setaffinity, { 0, 8, BAD }, E(EFAULT), SMALL },
	{ "sched_setaffinity_empty", SYS_sched_setaffinity, { 0, 8, BUF }, E(EINVAL) },
	{ "sched_setaffinity_no_such_pid", SYS_sched_setaffinity, { NOPID, 8, BUF }, E(ESRCH) },
	{ "getrusage_buf", SYS_getrusage, { RUSAGE_SELF, BAD }, E(EFAULT), ALLK },
	{ "getrusage_thread_buf", SYS_getrusage, { RUSAGE_THREAD, BAD }, E(EFAULT), ALLK },
	{ "getrusage_bad_who", SYS_getrusage, { 5, BUF }, E(EINVAL) },
	/* Inconsistent clone flags are refused before anything is created. */
	{ "clone_thread_without_sighand", SYS_clone, { CLONE_THREAD_, 0, 0, 0, 0 }, E(EINVAL) },
	{ "clone_sighand_without_vm", SYS_clone, { CLONE_SIGHAND_, 0, 0, 0, 0 }, E(EINVAL) },
	{ "futex_wait_uaddr", SYS_futex, { BAD, FUTEX_WAIT | FUTEX_PRIVATE, 0, 0 }, E(EFAULT), WORD },
	{ "futex_wait_misaligned", SYS_futex, { FUT1, FUTEX_WAIT | FUTEX_PRIVATE, 0, 0 }, E(EINVAL) },
	{ "futex_wait_value_changed", SYS_futex, { FUT, FUTEX_WAIT | FUTEX_PRIVATE, 1, 0 }, E(EAGAIN) },
	{ "futex_wait_timeout", SYS_futex, { FUT, FUTEX_WAIT | FUTEX_PRIVATE, 0, BAD }, E(EFAULT), ALLK & ~K_NULL },
	{ "futex_wait_timeout_nsec_1e9", SYS_futex, { FUT, FUTEX_WAIT | FUTEX_PRIVATE, 0, TSBADN }, E(EINVAL) },
	{ "futex_wait_times_out", SYS_futex, { FUT, FUTEX_WAIT | FUTEX_PRIVATE, 0, TS1MS }, E(ETIMEDOUT) },
	{ "futex_wait_bitset_0", SYS_futex, { FUT, FUTEX_WAIT_BITSET | FUTEX_PRIVATE, 0, TSZ, 0, 0 }, E(EINVAL) },
	{ "futex_unknown_op", SYS_futex, { FUT, 99, 0, 0 }, E(ENOSYS) },
	{ "futex_wake_nobody", SYS_futex, { FUT, FUTEX_WAKE | FUTEX_PRIVATE, 1 }, 0 },
	{ "futex_wake_kernel", SYS_futex, { BAD_KERNEL, FUTEX_WAKE | FUTEX_PRIVATE, 1 }, E(EFAULT) },
	/* A private wake never reads the word: an unmapped one wakes nobody. */
	{ "futex_wake_private_unmapped_ok", SYS_futex, { UNMAP, FUTEX_WAKE | FUTEX_PRIVATE, 1 }, 0 },
	{ "futex_cmp_requeue_mismatch", SYS_futex, { FUT, FUTEX_CMP_REQUEUE | FUTEX_PRIVATE, 1, 1, FUT2, 1 }, E(EAGAIN) },
	{ "futex_requeue_kernel_uaddr2", SYS_futex, { FUT, FUTEX_REQUEUE | FUTEX_PRIVATE, 1, 1, BAD_KERNEL, 0 }, E(EFAULT) },
	{ "getrandom_buf", SYS_getrandom, { BAD, 16, 0 }, E(EFAULT), NOCROSS },
	{ "getrandom_bad_flags", SYS_getrandom, { BUF, 16, 0x100 }, E(EINVAL) },
	{ "getrandom_len_0", SYS_getrandom, { BUF, 0, 0 }, 0 },
	{ "kill_sig_65", SYS_kill, { PID, 65 }, E(EINVAL) },
	{ "kill_sig_negative", SYS_kill, { PID, -1 }, E(EINVAL) },
	{ "kill_no_such_pid", SYS_kill, { NOPID, 0 }, E(ESRCH) },
	{ "kill_self_sig_0_ok", SYS_kill, { PID, 0 }, 0 },
	{ "tgkill_tgid_0", SYS_tgkill, { 0, TID, 0 }, E(EINVAL) },
	{ "tgkill_tid_0", SYS_tgkill, { PID, 0, 0 }, E(EINVAL) },
	{ "tgkill_tid_negative", SYS_tgkill, { PID, -1, 0 }, E(EINVAL) },
	{ "tgkill_sig_65", SYS_tgkill, { PID, TID, 65 }, E(EINVAL) },
	{ "tgkill_no_such_tid", SYS_tgkill, { PID, NOPID, 0 }, E(ESRCH) },
	{ "tgkill_wrong_tgid", SYS_tgkill, { NOPID, TID, 0 }, E(ESRCH) },
	{ "tgkill_self_sig_0_ok", SYS_tgkill, { PID, TID, 0 }, 0 },
	{ "getpgid_no_such_pid", SYS_getpgid, { NOPID }, E(ESRCH) },
	{ "getpgid_negative", SYS_getpgid, { -1 }, E(ESRCH) },
	/* Numbers nothing implements. */
	{ "enosys_400", 400, { 0 }, E(ENOSYS) },
	{ "enosys_423", 423, { 0 }, E(ENOSYS) },
	{ "enosys_512", 512, { 0 }, E(ENOSYS) },
	{ "enosys_1000", 1000, { 0 }, E(ENOSYS) },
	{ "enosys_0x3fffffff", 0x3fffffff, { 0 }, E(ENOSYS) },
	{ "enosys_minus_1", -1, { 0 }, E(ENOSYS) },
};

/* --- running the table ----------------------------------------------------- */
static char *buf;                 /* BUF: two zeroed pages */
static char *hole;                /* unmapped page between two mapped ones */
static int32_t *futw;             /* futex words */
static struct timespec ts[5];
static struct iovec iov_bad, iov_neg, iov_ok;
static struct pollfd pollo;
static long saved_fs;
static const char test_name[] = "rt-test";

static long bad_ptr(unsigned kind)
{
	switch (kind) {
	case K_NULL: return 0;
	case K_KERN: return (long)BAD_KERNEL;
	case K_NC: return (long)BAD_NONCANON;
	case K_UNM: return (long)hole;
	case K_TOP: return (long)BAD_TOP;
	default: return (long)(hole - 4);     /* K_CROSS */
	}
}

static long subst(long v, long bad)
{
	long off = v & 0xff;

	if (((unsigned long)v >> 56) != 0x5e)
		return v;
	switch (v >> 8 & 0xff) {
	case 1: return bad;
	case 2: return (long)buf + off;    /* BUF + 1: misaligned */
	case 3: return (long)&futw[0];
	case 4: return (long)&futw[0] + 1;
	case 5: return (long)&ts[0];
	case 6: return (long)&ts[1];
	case 7: return (long)&ts[2];
	case 8: return (long)&ts[3];
	case 9: return (long)&ts[4];
	case 10: iov_bad.iov_base = (void *)bad; return (long)&iov_bad;
	case 11: return (long)&iov_neg;
	case 12: return (long)&iov_ok;
	case 13: return RSYS(SYS_getpid);
	case 14: return RSYS(SYS_gettid);
	case 15: return (long)&pollo;
	case 16: return (long)hole;
	case 17: return (long)&futw[1];
	case 18: return saved_fs;
	case 19: return (long)test_name;
	}
	return v;
}

static int stdout_is_tty(void)
{
	struct winsize ws;
	return RSYS(SYS_ioctl, 1, TIOCGWINSZ, &ws) == 0;
}

static void reset_state(void)
{
	memset(buf, 0, 2 * PAGE_SIZE_);
	memset(hole - PAGE_SIZE_, 'A', PAGE_SIZE_);  /* no NUL before the hole */
	futw[0] = futw[1] = 0;
	ts[0] = (struct timespec){ 0, 0 };
	ts[1] = (struct timespec){ 0, 1000000 };
	ts[2] = (struct timespec){ 0, 1000000000 };
	ts[3] = (struct timespec){ 0, -1 };
	ts[4] = (struct timespec){ -1, 0 };
	iov_neg = (struct iovec){ buf, (size_t)-1 };
	iov_ok = (struct iovec){ buf, 1 };
	iov_bad.iov_len = 16;
	pollo = (struct pollfd){ .fd = 1, .events = POLLOUT };
}

static void run_row(const struct row *r, unsigned kind, int tty)
{
	char name[96];
	long a[6], bad = kind ? bad_ptr(kind) : 0, ret;
	int k = kind ? __builtin_ctz(kind) : 0;

	if (kind)
		snprintf(name, sizeof(name), "%s_%s", r->name, kind_name[k]);
	else
		snprintf(name, sizeof(name), "%s", r->name);
	if (r->tty && !tty) {
		/* Only on a Linux host whose stdout is no terminal. */
		ktap_skip(name, "stdout is not a terminal");
		return;
	}
	reset_state();
	for (int i = 0; i < 6; i++)
		a[i] = subst(r->a[i], bad);
	ret = rsys6(r->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (r->nr == SYS_arch_prctl && a[0] == ARCH_SET_FS && ret == 0)
		RSYS(SYS_arch_prctl, ARCH_SET_FS, saved_fs);  /* before any TLS use */
	if (r->nr == SYS_clone && ret == 0)
		RSYS(SYS_exit, 99);                           /* we are a child */
	if (ret != r->want)
		ktap_diag("syscall %ld(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx) returned %ld (%s), want %ld (%s)",
			  r->nr, a[0], a[1], a[2], a[3], a[4], a[5], ret,
			  ret < 0 && ret > -4096 ? strerror((int)-ret) : "not an error",
			  r->want, r->want < 0 ? strerror((int)-r->want) : "success");
	ktap_result(ret == r->want, "%s", name);
}

int main(void)
{
	int n = 0, tty;
	char *m;
	const int nrows = (int)(sizeof(rows) / sizeof(rows[0]));

	buf = mmap(NULL, 2 * PAGE_SIZE_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	m = mmap(NULL, 3 * PAGE_SIZE_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	futw = mmap(NULL, PAGE_SIZE_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || m == MAP_FAILED || futw == MAP_FAILED || munmap(m + PAGE_SIZE_, PAGE_SIZE_)) {
		printf("KTAP version 1\n1..0 # SKIP setup failed: mmap/munmap\n");
		return 1;
	}
	hole = m + PAGE_SIZE_;
	RSYS(SYS_arch_prctl, ARCH_GET_FS, &saved_fs);
	/* Ringtail's console is a terminal; a Linux host's stdout may not be. */
	tty = on_ringtail() || stdout_is_tty();

	for (int i = 0; i < nrows; i++)
		n += rows[i].kinds ? __builtin_popcount(rows[i].kinds) : 1;
	ktap_plan(n);
	for (int i = 0; i < nrows; i++) {
		if (!rows[i].kinds) {
			run_row(&rows[i], 0, tty);
			continue;
		}
		for (unsigned k = 1; k <= K_CROSS; k <<= 1)
			if (rows[i].kinds & k)
				run_row(&rows[i], k, tty);
	}
	return ktap_done();
}
