/* fuzz_syscalls: 100 000 random syscalls from a fixed, printed seed. The
 * kernel must survive them and leave this process intact; every result
 * must be a valid return value (>= 0 or -1..-4095).
 *
 * Numbers are 0..460: half of the draws uniform, half among the numbers
 * that have already returned something other than ENOSYS, so whatever the
 * kernel implements gets most of the attention. Arguments are drawn from
 * small ints, -1, huge values, and NULL / kernel / non-canonical / unmapped /
 * crossing-into-a-guard-page / valid pointers.
 *
 *     fuzz_syscalls [SEED [COUNT [-pv]]]  (Ringtail runs it with no arguments;
 *                                          -p lists the slowest syscalls,
 *                                          -v prints each call to stderr first)
 *
 * What is avoided, and why (everything else is called as drawn):
 *  - Calls that legitimately end or wreck this process: exit, exit_group,
 *    rt_sigreturn, clone/fork/vfork/clone3, execve/execveat, pause,
 *    rt_sigsuspend, vhangup (SIGHUP), ptrace (stops us), seccomp and rseq
 *    (get us killed later), alarm/setitimer/timer_create (SIGALRM kills),
 *    setrlimit (SIGXCPU, no fds), mlockall (then huge mmaps populate),
 *    process_vm_readv/writev (would scribble over our own memory),
 *    uretprobe/uprobe (335/336 since Linux 6.11: SIGILL outside a probe).
 *  - Constrained arguments (fixup() below):
 *    - memory-management ranges (munmap, mprotect, madvise, mremap, msync,
 *      mlock, mbind, pkey_mprotect, ..., MAP_FIXED mmaps) are moved into a
 *      scratch "victim" region unless they start outside user space or
 *      wrap; non-fixed mmaps are unmapped again; MAP_POPULATE/MAP_LOCKED
 *      only for small lengths; brk grows the heap by 1 MiB at most (random
 *      writes into a huge heap only cost time and memory);
 *    - reads on fds 0-2 only with pointers that fail the range check up
 *      front (a real read would block on the console); write/writev on fds
 *      0-2 only with invalid buffers (no garbage on the console); pwrite*
 *      never on fds 0-2 (with stdout redirected to a file, Linux grows the
 *      file even when the copy faults); close, dup2/dup3 targets,
 *      close_range, ftruncate, fallocate, splice, sendfile, tee, vmsplice
 *      never on fds 0-2; ioctl/fcntl/lseek on fds 0-2 only read-only
 *      requests (no TCSETS, FIONBIO, O_NONBLOCK, seeking);
 *    - every timeout (poll, ppoll, select, nanosleep, clock_nanosleep, futex
 *      waits, sigtimedwait, ...) is at most 1 ms or a bad pointer, never
 *      "forever"; clock_nanosleep never on a CPU-time clock (it stands
 *      still while we sleep);
 *    - kill-type calls only to ourselves or to pids that cannot exist, only
 *      with signals whose default action is to ignore them (or invalid
 *      ones); rt_sigaction installs only for signals nothing sends
 *      (SIGUSR1/2, 35-64);
 *    - prctl only harmless options and unknown ones; arch_prctl never
 *      ARCH_SET_FS (musl's TLS), SET_CPUID, the vDSO or shadow-stack codes;
 *      prlimit64 only reads; perf_event_open never with attr.sigtrap.
 *  - On a Linux host only (not on Ringtail), calls that would harm the host
 *    or leave state behind: file-system paths (we run as root in the repo),
 *    SysV/POSIX IPC, reboot, mount, clocks, modules, sync, scheduling of
 *    other processes, keys, bpf, perf, io_uring setup.
 * fds other than 0-2 are closed after every call (close_range).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "ktap.h"
#include "rt_user.h"

#define DEFAULT_SEED 0x52696e677461696cULL   /* "Ringtail" */
#define DEFAULT_CALLS 100000
#define MAX_NR 460
#define BUF_PAGES 8
#define VICTIM_PAGES 16
#define PG 4096UL
#define USER_TOP 0x800000000000UL
#define NOPID 0x3fffffffL

enum { X_SELF = 1, X_HOST = 2 };
static unsigned char xflags[MAX_NR + 1];
static const short x_self[] = { 60, 231, 15, 56, 57, 58, 435, 59, 322, 34, 130, 153, 101, 317, 334,
				37, 38, 222, 160, 151, 310, 311, 335, 336 };
static const short x_host[] = {
	/* paths */ 2, 4, 6, 21, 76, 80, 82, 83, 84, 85, 86, 87, 88, 89, 90, 92, 94, 132, 133, 134, 137,
	155, 161, 188, 189, 191, 192, 194, 195, 197, 198, 235, 254, 257, 258, 259, 260, 261, 262,
	263, 264, 265, 266, 267, 268, 269, 280, 303, 316, 332, 428, 437, 439, 452,
	/* attributes of whatever fds 0-2 are */ 91, 93, 190, 199,
	/* IPC */ 29, 30, 31, 64, 65, 66, 67, 68, 69, 70, 71, 220, 240, 241, 242, 243, 244, 245,
	/* the machine */ 103, 141, 142, 144, 159, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171,
	172, 173, 175, 176, 179, 227, 246, 248, 249, 250, 251, 256, 272, 279, 298, 300, 301, 304,
	305, 306, 308, 313, 314, 320, 321, 425, 429, 430, 431, 432, 433, 442, 443, 453, 460 };

static uint64_t rs;
static uint64_t rnd(void)
{
	rs ^= rs >> 12;
	rs ^= rs << 25;
	rs ^= rs >> 27;
	return rs * 0x2545f4914f6cdd1dULL;
}

static char *bufs, *bufs_end, *victim, *victim_end, *hole;
static struct timespec *small_ts;            /* in its own page */
static long self_pid, self_tid, initial_brk;
static int on_host;

/* Things a wrong kernel could overwrite in us. */
static volatile unsigned long data_canary[64];

static long rand_number(void)
{
	switch (rnd() % 16) {
	case 0: return 0;
	case 1: return 1;
	case 2: return -1;
	case 3: case 4: return (long)(rnd() % 64);
	case 5: return (long)(rnd() % 4096);
	case 6: return (long)((rnd() % 64) * PG);
	case 7: return 1L << (rnd() % 64);
	case 8: return (long)(rnd() & 0xffffffff);
	case 9: return (long)rnd();
	case 10: return 0x7fffffff;
	case 11: return (long)0xffffffff80000000UL;       /* INT_MIN sign-extended */
	case 12: return 0x7fffffffffffffffL;
	case 13: return -(long)(rnd() % 4096);
	case 14: return 0xffffffffL;
	default: return (long)(rnd() % 3);                /* 0, 1, 2: fds */
	}
}

static long bad_pointer(void)
{
	switch (rnd() % 6) {
	case 0: return 0;
	case 1: return (long)BAD_KERNEL;
	case 2: return (long)BAD_NONCANON;
	case 3: return (long)hole;
	case 4: return (long)BAD_TOP;
	default: return -1L;
	}
}

/* Bad pointers that fail the up-front range check (never block a read). */
static long range_bad_pointer(void)
{
	static const long k[] = { (long)BAD_KERNEL, (long)BAD_NONCANON, (long)BAD_TOP, -64L };
	return k[rnd() % 4];
}

static void refill(char *p)
{
	size_t n = (size_t)(bufs_end - p) < 256 ? (size_t)(bufs_end - p) : 256;
	switch (rnd() % 4) {
	case 0: memset(p, 0, n); break;
	case 1: for (size_t i = 0; i < n; i++) p[i] = (char)(rnd() % 4); break;
	default: for (size_t i = 0; i + 8 <= n; i += 8) { uint64_t v = rnd(); memcpy(p + i, &v, 8); }
	}
}

static long rand_pointer(void)
{
	char *p;
	switch (rnd() % 10) {
	case 0: case 1: case 2:
		return bad_pointer();
	case 3:
		p = bufs_end - 1 - rnd() % 64;               /* crosses into the guard */
		break;
	case 4:
		return (long)(victim + rnd() % (VICTIM_PAGES * PG));
	case 5:
		p = bufs + rnd() % (BUF_PAGES * PG);         /* misaligned */
		break;
	default:
		p = bufs + ((rnd() % (BUF_PAGES * PG)) & ~7UL);
	}
	refill(p);
	return (long)p;
}

static long rand_arg(void)
{
	return rnd() % 2 ? rand_number() : rand_pointer();
}

/* [p, p+len) inside the buffers (without pointer overflow). */
static int in_bufs(long p, unsigned long len)
{
	return (unsigned long)p - (unsigned long)bufs <= BUF_PAGES * PG - len;
}

static int is_console(long fd) { return (uint32_t)fd <= 2; }
static long closed_fd(void) { return 100 + (long)(rnd() % 100); }

/* A timeout that ends within a millisecond, or a bad pointer. */
static long short_timeout(void)
{
	if (rnd() % 4 == 0)
		return range_bad_pointer();
	small_ts->tv_sec = 0;
	small_ts->tv_nsec = (long)(rnd() % 1000000);
	return (long)small_ts;
}

static int in_victim(unsigned long a, unsigned long len)
{
	unsigned long off = a - (unsigned long)victim;
	return off <= VICTIM_PAGES * PG && len <= VICTIM_PAGES * PG - off;
}

/* Keep [a, a+len) away from everything but the victim region. */
static void fix_range(long *a, long *len)
{
	unsigned long start = (unsigned long)*a, l = (unsigned long)*len;
	unsigned long rl = (l + PG - 1) & ~(PG - 1);
	if (l == 0 || start >= USER_TOP || rl < l || start + rl < start || in_victim(start, rl))
		return;
	*a = (long)(victim + (rnd() % VICTIM_PAGES) * PG + (rnd() % 8 == 0 ? rnd() % PG : 0));
	*len = (long)(rnd() % (unsigned long)(victim_end - (char *)*a) + 1);
	if ((char *)*a + ((*len + PG - 1) & ~(PG - 1)) > victim_end)
		*len = victim_end - (char *)*a;
}

static long harmless_signal(void)
{
	static const long s[] = { 0, SIGCHLD, SIGURG, SIGWINCH, 65, -1, 1000, 0 };
	return s[rnd() % 8];
}

static long some_pid(int tid)
{
	switch (rnd() % 4) {
	case 0: return tid ? self_tid : self_pid;
	case 1: return NOPID;
	case 2: return (long)0xffffffff80000000UL;        /* INT_MIN */
	default: return -NOPID;                            /* a group that cannot exist */
	}
}

/* Returns 0 to skip this call entirely. */
static int fixup(long nr, long *a)
{
	if (xflags[nr] & X_SELF)
		return 0;
	if (on_host && (xflags[nr] & X_HOST))
		return 0;
	switch (nr) {
	case 0: case 17:                                    /* read, pread64 */
		if (is_console(a[0])) { a[1] = range_bad_pointer(); a[2] = 1 + (long)(rnd() % 65536); }
		break;
	case 19: case 295: case 327:                        /* readv, preadv, preadv2 */
		if (is_console(a[0])) a[1] = range_bad_pointer();
		break;
	case 1: case 20:                                    /* write, writev */
		if (is_console(a[0])) a[1] = bad_pointer();
		break;
	case 18: case 296: case 328:                        /* pwrite64, pwritev, pwritev2: */
		if (is_console(a[0])) a[0] = closed_fd();   /* a failed pwrite past the end */
		break;                                      /* still grows a regular file */
	case 3: case 77: case 285: case 278:                /* close ftruncate fallocate vmsplice */
		if (is_console(a[0])) a[0] = closed_fd();
		break;
	case 33: case 292: case 276:                        /* dup2, dup3, tee */
		if (is_console(a[1])) a[1] = closed_fd();
		if (nr == 276 && is_console(a[0])) a[0] = closed_fd();
		break;
	case 40:                                            /* sendfile */
	case 275: case 326:                                 /* splice, copy_file_range */
		if (is_console(a[0])) a[0] = closed_fd();
		if (is_console(a[nr == 40 ? 1 : 2])) a[nr == 40 ? 1 : 2] = closed_fd();
		break;
	case 436:                                           /* close_range */
		if ((uint32_t)a[0] < 3) a[0] = 3;
		break;
	case 16:                                            /* ioctl */
		if (is_console(a[0])) {
			static const long safe[] = { 0x5401 /* TCGETS */, 0x5413 /* TIOCGWINSZ */,
						     0x541b /* FIONREAD */, 0x540f /* TIOCGPGRP */ };
			a[1] = rnd() % 2 ? safe[rnd() % 4] : (long)(0xdead0000 | (rnd() & 0xffff));
		}
		break;
	case 72:                                            /* fcntl */
		if (is_console(a[0])) {
			static const long safe[] = { 1, 3, 9, 11, 1032, 1034, 4000 };
			a[1] = safe[rnd() % 7];
		}
		break;
	case 8:                                             /* lseek */
		if (is_console(a[0])) { a[1] = 0; a[2] = rnd() % 2 ? 1 /* SEEK_CUR */ : 7; }
		break;
	case 73:                                            /* flock: never wait */
		a[1] |= 4;
		break;
	case 7: case 232: case 281:                         /* poll, epoll_wait, epoll_pwait */
		a[nr == 7 ? 2 : 3] = (long)(rnd() % 2);
		break;
	case 271: case 35: case 230: case 128: case 23: case 270: case 441:
	case 449: case 455: case 208: case 333: case 299: {
		/* ppoll nanosleep clock_nanosleep rt_sigtimedwait select pselect6
		 * epoll_pwait2 futex_waitv futex_wait io_getevents io_pgetevents recvmmsg */
		int idx = nr == 35 ? 0 : nr == 230 || nr == 128 ? 2 :
			  nr == 271 || nr == 441 || nr == 449 ? (nr == 271 ? 2 : 3) : 4;
		a[idx] = short_timeout();
		if (nr == 23)
			small_ts->tv_nsec /= 1000;  /* select takes a timeval (microseconds) */
		if (nr == 230 && ((int)a[0] < 0 || (int)a[0] == 2 || (int)a[0] == 3))
			a[0] = rnd() % 2;   /* CPU-time clocks do not advance while we sleep */
		break;
	}
	case 202: {                                         /* futex */
		int cmd = (int)a[1] & 0x7f;
		if (cmd == 0 || cmd == 6 || cmd == 9 || cmd == 11 || cmd == 13)
			a[3] = short_timeout();
		break;
	}
	case 62: case 200: case 129:                        /* kill, tkill, rt_sigqueueinfo */
		a[0] = some_pid(nr == 200);
		a[1] = harmless_signal();
		break;
	case 234: case 297:                                 /* tgkill, rt_tgsigqueueinfo */
		a[0] = some_pid(0);
		a[1] = some_pid(1);
		a[2] = harmless_signal();
		break;
	case 424:                                           /* pidfd_send_signal */
		a[1] = harmless_signal();
		break;
	case 13:                                            /* rt_sigaction */
		if (a[1]) {
			static const long ok[] = { SIGUSR1, SIGUSR2, 0, 65, SIGKILL, SIGSTOP };
			a[0] = rnd() % 2 ? 35 + (long)(rnd() % 30) : ok[rnd() % 6];
		}
		if (rnd() % 4) a[3] = 8;
		break;
	case 14: case 127:                                  /* rt_sigprocmask, rt_sigpending */
		if (rnd() % 4) a[nr == 14 ? 3 : 1] = 8;
		break;
	case 157: {                                         /* prctl */
		static const long ok[] = { 15, 16, 3, 2, 7, 30, 21, 39, 42, 40, 37, 52, 46,
					   0, 1000, -1, 0x7fff0000 };
		a[0] = ok[rnd() % (sizeof(ok) / sizeof(ok[0]))];
		break;
	}
	case 158: {                                         /* arch_prctl */
		int code = (int)a[0];
		if (code == 0x1002 || code == 0x1012 || (code >= 0x2000 && code < 0x6000))
			a[0] = 0x1003;                      /* ARCH_GET_FS */
		break;
	}
	case 302:                                           /* prlimit64: read only */
		a[0] = rnd() % 2 ? 0 : some_pid(0);
		a[2] = 0;
		break;
	case 203:                                           /* sched_setaffinity */
		a[0] = rnd() % 2 ? 0 : some_pid(0);
		break;
	case 9: {                                           /* mmap */
		int flags = (int)a[3];
		if (flags & (0x10 | 0x100000)) {            /* MAP_FIXED, MAP_FIXED_NOREPLACE */
			a[0] = (long)(victim + (rnd() % VICTIM_PAGES) * PG);
			a[1] = (long)(rnd() % (unsigned long)(victim_end - (char *)a[0]) + 1);
		} else if ((unsigned long)a[1] > (1UL << 20)) {
			a[3] &= ~(long)(0x8000 | 0x2000);   /* MAP_POPULATE, MAP_LOCKED */
		}
		if (is_console(a[4]) && !(flags & 0x20))    /* a file mapping of the console */
			a[4] = closed_fd();
		break;
	}
	case 25:                                            /* mremap */
		fix_range(&a[0], &a[1]);
		a[2] = (long)(rnd() % (VICTIM_PAGES * PG)) + 1;
		if (a[3] & 2) {                             /* MREMAP_FIXED */
			a[4] = (long)(victim + (rnd() % VICTIM_PAGES) * PG);
			a[2] = (long)(rnd() % (unsigned long)(victim_end - (char *)a[4]) + 1);
		}
		break;
	case 28:                                            /* madvise */
		if ((int)a[2] == 100 || (int)a[2] == 101)   /* HWPOISON, SOFT_OFFLINE */
			a[2] = MADV_DONTNEED;
		/* fall through */
	case 10: case 11: case 26: case 27: case 149: case 150: case 216: case 237:
	case 325: case 329: case 450:
		fix_range(&a[0], &a[1]);
		break;
	case 12:                                            /* brk: grow by 1 MiB at most */
		if ((unsigned long)a[0] > (unsigned long)initial_brk + (1UL << 20) &&
		    (unsigned long)a[0] < USER_TOP)
			a[0] = initial_brk + (long)(rnd() % (1UL << 20));
		break;
	case 298:                                           /* perf_event_open: no SIGTRAP */
		if (in_bufs(a[0], 48))
			((uint64_t *)(a[0] + 40))[0] &= ~(1ULL << 37);
		break;
	}
	return 1;
}

static void after_call(long nr, const long *a, long ret)
{
	if (ret < 0)
		return;
	/* Keep the hole a hole: calls that map memory where the kernel likes
	 * (io_setup's ring, mmap, mremap, shmat, ...) may have filled it. */
	if ((nr == 9 || nr == 25 || nr == 30 || nr == 206 || nr == 425) &&
	    RSYS(SYS_madvise, hole, PG, MADV_NORMAL) == 0)
		RSYS(SYS_munmap, hole, PG);
	if (nr == 9 && !((int)a[3] & (0x10 | 0x100000)) && !in_victim(ret, (unsigned long)a[1]))
		RSYS(SYS_munmap, ret, a[1]);
	if (nr == 25 && !in_victim(ret, (unsigned long)a[2]))
		RSYS(SYS_munmap, ret, a[2]);
	/* Every fd above 2 goes, including ones a call wrote to memory we
	 * did not pick (pipe into a random writable address): a leaked pipe
	 * would make a later read block for good. */
	RSYS(SYS_close_range, 3, ~0U, 0);
}

static int refresh_victim(void)
{
	return mmap(victim, VICTIM_PAGES * PG, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == victim;
}

static char *map_guarded(size_t pages)
{
	char *p = mmap(NULL, (pages + 2) * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || mprotect(p + PG, pages * PG, PROT_READ | PROT_WRITE))
		return NULL;
	return p + PG;
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : DEFAULT_SEED;
	long ncalls = argc > 2 ? strtol(argv[2], NULL, 0) : DEFAULT_CALLS;
	long done = 0, skipped = 0, ok = 0, enosys = 0, errs = 0, weird = 0;
	volatile unsigned long stack_canary[64];
	uint64_t t0 = now_ns(CLOCK_MONOTONIC);
	int profile = argc > 3 && strchr(argv[3], 'p');
	int verbose = argc > 3 && strchr(argv[3], 'v');
	static uint64_t ns_per_nr[MAX_NR + 1];
	static long calls_per_nr[MAX_NR + 1];

	ktap_plan(3);
	ktap_diag("fuzz_syscalls: seed %#llx, %ld calls", (unsigned long long)seed, ncalls);
	rs = seed ? seed : 1;
	initial_brk = RSYS(SYS_brk, 0);
	on_host = !on_ringtail();
	for (unsigned i = 0; i < sizeof(x_self) / sizeof(x_self[0]); i++)
		xflags[x_self[i]] |= X_SELF;
	for (unsigned i = 0; i < sizeof(x_host) / sizeof(x_host[0]); i++)
		xflags[x_host[i]] |= X_HOST;
	bufs = map_guarded(BUF_PAGES);
	victim = map_guarded(VICTIM_PAGES);
	hole = map_guarded(1);
	small_ts = (struct timespec *)map_guarded(1);
	if (!bufs || !victim || !hole || !small_ts || munmap(hole, PG)) {
		ktap_diag("setup failed");
		return 1;
	}
	bufs_end = bufs + BUF_PAGES * PG;
	victim_end = victim + VICTIM_PAGES * PG;
	self_pid = RSYS(SYS_getpid);
	self_tid = RSYS(SYS_gettid);
	for (int i = 0; i < 64; i++)
		data_canary[i] = stack_canary[i] = 0x5a5a5a5a00000000UL + (unsigned)i * 0x1234567u;

	static short live[MAX_NR + 1];
	static unsigned char is_live[MAX_NR + 1];
	int nlive = 0;

	while (done < ncalls) {
		long nr = (long)(rnd() % (MAX_NR + 1)), a[6], ret;
		if (nlive && rnd() % 2)
			nr = live[rnd() % nlive];
		for (int i = 0; i < 6; i++)
			a[i] = rand_arg();
		if (!fixup(nr, a)) {
			skipped++;
			continue;
		}
		if (verbose)
			fprintf(stderr, "%ld: %ld(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx)\n", done + 1, nr,
				a[0], a[1], a[2], a[3], a[4], a[5]);
		uint64_t c0 = profile ? now_ns(CLOCK_MONOTONIC) : 0;
		ret = rsys6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		if (profile) {
			ns_per_nr[nr] += now_ns(CLOCK_MONOTONIC) - c0;
			calls_per_nr[nr]++;
		}
		done++;
		if (ret != -38 && !is_live[nr]) {
			is_live[nr] = 1;
			live[nlive++] = (short)nr;
		}
		if (ret >= 0)
			ok++;
		else if (ret == -38)
			enosys++;
		else if (ret >= -4095)
			errs++;
		else if (weird++ < 5)
			ktap_diag("syscall %ld returned %#lx: neither a value nor -errno", nr, ret);
		after_call(nr, a, ret);
		if (done % 1000 == 0 && !refresh_victim()) {
			ktap_diag("cannot re-map the victim region after %ld calls", done);
			break;
		}
		if (done % 20000 == 0)
			ktap_diag("%ld calls", done);
	}
	/* Put back what the fuzzing may have changed and we rely on below. */
	sigset_t none;
	sigemptyset(&none);
	RSYS(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, 8);
	RSYS(SYS_personality, 0);
	RSYS(SYS_brk, initial_brk);

	ktap_diag("%ld calls in %llu ms: %ld succeeded, %ld ENOSYS, %ld other errors; %ld draws skipped",
		  done, (unsigned long long)((now_ns(CLOCK_MONOTONIC) - t0) / 1000000), ok, enosys, errs,
		  skipped);
	for (int k = 0; profile && k < 15; k++) {
		int worst = 0;
		for (int i = 1; i <= MAX_NR; i++)
			if (ns_per_nr[i] > ns_per_nr[worst])
				worst = i;
		ktap_diag("syscall %d: %ld calls, %llu ms", worst, calls_per_nr[worst],
			  (unsigned long long)(ns_per_nr[worst] / 1000000));
		ns_per_nr[worst] = 0;
	}
	ktap_result(done == ncalls && weird == 0, "survived_random_syscalls");

	int bad = 0;
	for (int i = 0; i < 64; i++) {
		unsigned long want = 0x5a5a5a5a00000000UL + (unsigned)i * 0x1234567u;
		bad += data_canary[i] != want;
		bad += stack_canary[i] != want;
	}
	if (bad)
		ktap_diag("%d canary words changed", bad);
	memset(bufs, 0x11, BUF_PAGES * PG);                 /* still ours, still writable */
	ktap_result(!bad && refresh_victim() && bufs[BUF_PAGES * PG - 1] == 0x11, "memory_intact");

	uint64_t m0 = now_ns(CLOCK_MONOTONIC);
	struct timespec ts = { 0, 1000000 };
	int state_ok = RSYS(SYS_getpid) == self_pid && RSYS(SYS_gettid) == self_tid &&
		       RSYS(SYS_nanosleep, &ts, NULL) == 0 && now_ns(CLOCK_MONOTONIC) > m0 &&
		       RSYS(SYS_brk, 0) == initial_brk;
	if (!state_ok)
		ktap_diag("pid/tid/nanosleep/clock/brk not as before");
	ktap_result(state_ok, "process_state_intact");
	return ktap_done();
}
