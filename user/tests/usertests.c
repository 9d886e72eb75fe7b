/* usertests: processes and files, in the manner of xv6's usertests.
 *
 * fork/wait status words, waitid and WNOWAIT, vfork, clone without
 * CLONE_VM (copy-on-write), execve (argv/envp, pids, close-on-exec, "#!"
 * scripts, its errnos), zombies and orphans, SIGCHLD, process groups and
 * sessions, pipes (EOF, capacity, EPIPE/SIGPIPE, pipe2 flags), dup2
 * redirection across exec, descriptors shared across fork, then files and
 * directories: read/write, O_APPEND/O_EXCL/O_TRUNC, pread/pwrite,
 * readv/writev, ftruncate, stat, link/unlink/rename, mkdir/rmdir,
 * getdents64, symlinks, cwd, access, umask, utimensat, path errnos, and
 * RLIMIT_NPROC.
 *
 * The program re-executes itself (/proc/self/exe, else argv[0]) with a
 * "--ut-..." mode word in argv[1]; such a run prints no KTAP. Children
 * report through exit codes (small numbers naming the failed check) or
 * pipes, never on stdout, and every child has an alarm so a kernel that
 * fails to wake it cannot hang the run; the parent bounds its own blocking
 * calls with alarm() too. Every file lives in a fresh mkdtemp() directory
 * under /tmp that is removed at the end. Nothing that varies between runs
 * or kernels (pids, times, paths) is printed unless a check fails.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "ktap.h"
#include "rt_user.h"

#define CHILD_TIMEOUT 20       /* s: a child blocked longer than this dies */
#define WAIT_TIMEOUT  30       /* s: the parent's bound on one blocking call */
#define PIPE_CAPACITY 65536    /* Linux's default pipe size */
#define NPROC_LIMIT   16
#define NPROC_TRIES   64
#define NOBODY_UID    65534
#define PRINT_LINE    "usertests: a line through dup2 and exec\n"

static char tmpdir[64];                 /* the mkdtemp() directory */
static char orig_cwd[PATH_MAX];
static char self_exe[2 * PATH_MAX + 2]; /* how to execute this program */
static int self_via_proc;               /* 1: /proc/self/exe, 0: from argv[0] */

static char *const child_envp[] = { "UT_A=1", "UT_B=two words", "UT_EMPTY=", NULL };

/* Children: exit with a check number when a check fails. */
#define CK(n, c) do { if (!(c)) _exit(n); } while (0)

/* --- helpers ------------------------------------------------------------ */

/* A path inside tmpdir (eight rotating buffers). */
static const char *tp(const char *name)
{
	static char bufs[8][PATH_MAX];
	static unsigned i;
	char *b = bufs[i++ & 7];
	snprintf(b, PATH_MAX, "%s/%s", tmpdir, name);
	return b;
}

static volatile sig_atomic_t alarm_hit;
static void on_alarm(int sig)
{
	(void)sig;
	alarm_hit = 1;
}

static void guard(unsigned secs)
{
	alarm_hit = 0;
	alarm(secs);
}

static void unguard(void)
{
	alarm(0);
}

static void ms_sleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	RSYS(SYS_nanosleep, &ts, NULL);
}

/* fork() for the tests: output flushed first; the child dies by SIGALRM
 * after CHILD_TIMEOUT whatever it blocks on. */
static pid_t ut_fork(void)
{
	pid_t pid;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		signal(SIGALRM, SIG_DFL);
		alarm(CHILD_TIMEOUT);
	} else if (pid < 0) {
		KTAP_FAIL("fork failed: errno %d", errno);
	}
	return pid;
}

/* Waits for pid (bounded): its status word; -1 if it had to be killed,
 * -2 if wait4 failed. */
static int reap(pid_t pid)
{
	int st = 0;
	long r;
	if (pid <= 0)
		return -2;
	guard(WAIT_TIMEOUT);
	do
		r = RSYS(SYS_wait4, pid, &st, 0, NULL);
	while (r == -EINTR && !alarm_hit);
	unguard();
	if (r == pid)
		return st;
	if (r == -EINTR) {
		KTAP_FAIL("child still running after %d s: killed", WAIT_TIMEOUT);
		RSYS(SYS_kill, pid, SIGKILL);
		guard(WAIT_TIMEOUT);
		RSYS(SYS_wait4, pid, &st, 0, NULL);
		unguard();
		return -1;
	}
	KTAP_FAIL("wait4 returned %ld", r);
	return -2;
}

/* Exit code of pid, or 1000 + signal if it was killed, or < 0. */
static int wait_code(pid_t pid)
{
	int st = reap(pid);
	if (st < 0)
		return st;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 1000 + WTERMSIG(st);
	return -3;
}

/* Reads n bytes (fewer at EOF), bounded by WAIT_TIMEOUT; negative: -errno. */
static long read_full(int fd, void *buf, size_t n)
{
	size_t got = 0;
	long r = 0;
	guard(WAIT_TIMEOUT);
	while (got < n) {
		r = RSYS(SYS_read, fd, (char *)buf + got, n - got);
		if (r == -EINTR && !alarm_hit)
			continue;
		if (r <= 0)
			break;
		got += r;
	}
	unguard();
	if (alarm_hit)
		KTAP_FAIL("read blocked for %d s", WAIT_TIMEOUT);
	if (r < 0 && !got)
		return r;
	return got;
}

static long write_all(int fd, const void *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		long r = RSYS(SYS_write, fd, (const char *)buf + done, n - done);
		if (r <= 0)
			return r < 0 ? r : (long)done;
		done += r;
	}
	return done;
}

/* Creates (truncating) path with data; 0 or -errno. */
static long put_file(const char *path, const char *data, mode_t mode)
{
	long fd = RSYS(SYS_open, path, O_WRONLY | O_CREAT | O_TRUNC, mode), r;
	if (fd < 0)
		return fd;
	r = write_all(fd, data, strlen(data));
	RSYS(SYS_close, fd);
	return r < 0 ? r : 0;
}

/* Whole file into buf (NUL-terminated); length or -errno. */
static long get_file(const char *path, char *buf, size_t n)
{
	long fd = RSYS(SYS_open, path, O_RDONLY), r;
	if (fd < 0) {
		buf[0] = 0;
		return fd;
	}
	r = read_full(fd, buf, n - 1);
	RSYS(SYS_close, fd);
	buf[r > 0 ? r : 0] = 0;
	return r;
}

static void close_pair(int p[2])
{
	RSYS(SYS_close, p[0]);
	RSYS(SYS_close, p[1]);
}

static int mk_pipe(int p[2])
{
	return EXPECT_EQ(RSYS(SYS_pipe2, p, 0), 0);
}

static void rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;
		char sub[PATH_MAX];
		if (d) {
			while ((e = readdir(d)) != NULL) {
				if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
					continue;
				snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
				rm_rf(sub);
			}
			closedir(d);
		}
		rmdir(path);
	} else {
		unlink(path);
	}
}

/* Execs this program with argv (argv[1] is the mode) and child_envp. */
static long exec_self(char *const argv[])
{
	return RSYS(SYS_execve, self_exe, argv, child_envp);
}

static void exec_failed_diag(void)
{
	KTAP_FAIL("re-executing this program through %s failed",
		  self_via_proc ? "/proc/self/exe" : "argv[0]");
}

/* --- the re-executed modes ---------------------------------------------- */

/* argv: [0] "ut-argv0", [1] mode, [2] report fd, [3] pid, [4] ppid,
 * [5] [6] close-on-exec fds, [7] kept fd, then four fixed words. */
static int mode_exec_check(int argc, char **argv, char **envp)
{
	static const char *const words[] = { "alpha", "two words", "", "last" };
	char rep[256];
	int argv_ok, envp_ok, n = 0, fd;
	long v;

	argv_ok = argc == 12 && argv[12] == NULL && !strcmp(argv[0], "ut-argv0");
	for (int i = 0; argv_ok && i < 4; i++)
		argv_ok = !strcmp(argv[8 + i], words[i]);
	while (envp[n])
		n++;
	envp_ok = n == 3 && !strcmp(envp[0], child_envp[0]) && !strcmp(envp[1], child_envp[1]) &&
		  !strcmp(envp[2], child_envp[2]) && environ == envp &&
		  getenv("UT_B") && !strcmp(getenv("UT_B"), "two words");
	if (argc < 8)
		return 3;
	fd = atoi(argv[2]);
	v = RSYS(SYS_fcntl, atoi(argv[7]), F_GETFD);
	char kept[8] = "";
	int keep_ok = v == 0 && RSYS(SYS_pread64, atoi(argv[7]), kept, 4, 0) == 4 &&
		      !memcmp(kept, "kept", 4);
	snprintf(rep, sizeof(rep), "argv=%s envp=%s pid=%s ppid=%s cloexec=%s keep=%s\n",
		 argv_ok ? "ok" : "bad", envp_ok ? "ok" : "bad",
		 RSYS(SYS_getpid) == atol(argv[3]) ? "ok" : "bad",
		 RSYS(SYS_getppid) == atol(argv[4]) ? "ok" : "bad",
		 RSYS(SYS_fcntl, atoi(argv[5]), F_GETFD) == -EBADF &&
		 RSYS(SYS_fcntl, atoi(argv[6]), F_GETFD) == -EBADF ? "ok" : "bad",
		 keep_ok ? "ok" : "bad");
	return write_all(fd, rep, strlen(rep)) == (long)strlen(rep) ? 0 : 4;
}

/* Interpreter of a "#!<this program> --ut-script" script:
 * argv = [interpreter, "--ut-script", script path, "one", "two words"]. */
static int mode_script(int argc, char **argv)
{
	const char *s;
	if (argc != 5)
		return 1;
	s = strrchr(argv[2], '/');
	if (!s || strcmp(s, "/script_self"))
		return 2;
	if (strcmp(argv[3], "one") || strcmp(argv[4], "two words"))
		return 3;
	return 37;
}

static int child_mode(int argc, char **argv, char **envp)
{
	const char *m = argv[1];
	if (!strcmp(m, "--ut-exec-check"))
		return mode_exec_check(argc, argv, envp);
	if (!strcmp(m, "--ut-script"))
		return mode_script(argc, argv);
	if (!strcmp(m, "--ut-print")) {
		static const char line[] = PRINT_LINE;
		return RSYS(SYS_write, 1, line, sizeof(line) - 1) == sizeof(line) - 1 ? 0 : 1;
	}
	if (!strcmp(m, "--ut-wait-byte") && argc == 3) {
		unsigned char c = 0;
		return RSYS(SYS_read, atoi(argv[2]), &c, 1) == 1 ? c : 200;
	}
	/* The new image says it runs (a byte on argv[2]), then as above. */
	if (!strcmp(m, "--ut-say-wait-byte") && argc == 4) {
		unsigned char c = 0;
		if (RSYS(SYS_write, atoi(argv[2]), "x", 1) != 1)
			return 201;
		return RSYS(SYS_read, atoi(argv[3]), &c, 1) == 1 ? c : 200;
	}
	return 127;
}

/* --- fork and wait ------------------------------------------------------ */

static void t_fork_exit_codes(void)
{
	static const int codes[] = { 0, 1, 42, 255, 256, 257 };
	pid_t pids[6];
	for (int i = 0; i < 6; i++) {
		pids[i] = ut_fork();
		if (pids[i] == 0)
			_exit(codes[i]);
	}
	/* Reaped in reverse order: each wait4 names its pid. */
	for (int i = 5; i >= 0; i--) {
		int st = reap(pids[i]);
		EXPECT_EQ_HEX(st, (codes[i] & 0xff) << 8);
		EXPECT_TRUE(WIFEXITED(st));
		EXPECT_FALSE(WIFSIGNALED(st));
		EXPECT_EQ(WEXITSTATUS(st), codes[i] & 0xff);
	}
}

static void t_wait_killed_by_signal(void)
{
	int st;
	pid_t pid = ut_fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	if (pid < 0)
		return;
	EXPECT_EQ(RSYS(SYS_kill, pid, SIGKILL), 0);
	st = reap(pid);
	EXPECT_EQ_HEX(st, SIGKILL);
	EXPECT_TRUE(WIFSIGNALED(st));
	EXPECT_FALSE(WIFEXITED(st));
	EXPECT_EQ(WTERMSIG(st), SIGKILL);

	pid = ut_fork();
	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };
		setrlimit(RLIMIT_CORE, &no_core);   /* no core file anywhere */
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		poke8((void *)16, 1);
		_exit(0);
	}
	st = reap(pid);
	EXPECT_TRUE(WIFSIGNALED(st));
	EXPECT_EQ(WTERMSIG(st), SIGSEGV);
	EXPECT_EQ_HEX(st & 0x7f, SIGSEGV);
	EXPECT_EQ(st >> 8, 0);
}

static void t_waitpid_specific_pid(void)
{
	int pa[2], pb[2];
	pid_t a, b;
	if (!mk_pipe(pa) || !mk_pipe(pb))
		return;
	a = ut_fork();
	if (a == 0) {
		char c;
		close(pa[1]);
		close(pb[1]);
		_exit(read(pa[0], &c, 1) == 0 ? 11 : 1);
	}
	b = ut_fork();
	if (b == 0) {
		char c;
		close(pb[1]);
		close(pa[1]);
		_exit(read(pb[0], &c, 1) == 0 ? 22 : 2);
	}
	close(pa[0]);
	close(pb[0]);
	/* Release b only: waitpid(b) returns b while a still runs. */
	close(pb[1]);
	EXPECT_EQ(wait_code(b), 22);
	EXPECT_EQ(RSYS(SYS_wait4, a, NULL, WNOHANG, NULL), 0);
	close(pa[1]);
	EXPECT_EQ(wait_code(a), 11);
	EXPECT_ERRNO(RSYS(SYS_wait4, a, NULL, WNOHANG, NULL), ECHILD);
	EXPECT_ERRNO(RSYS(SYS_wait4, RSYS(SYS_getpid), NULL, WNOHANG, NULL), ECHILD);
}

static void t_wait_nohang_before_exit(void)
{
	int p[2], st = -1;
	pid_t pid;
	if (!mk_pipe(p))
		return;
	pid = ut_fork();
	if (pid == 0) {
		char c;
		close(p[1]);
		_exit(read(p[0], &c, 1) == 0 ? 5 : 1);
	}
	close(p[0]);
	EXPECT_EQ(RSYS(SYS_wait4, pid, &st, WNOHANG, NULL), 0);
	EXPECT_EQ(RSYS(SYS_wait4, -1, &st, WNOHANG, NULL), 0);
	EXPECT_EQ(st, -1);                      /* untouched */
	close(p[1]);
	EXPECT_EQ(wait_code(pid), 5);
}

static void t_wait_no_children_echild(void)
{
	siginfo_t si;
	int st;
	EXPECT_ERRNO(RSYS(SYS_wait4, -1, &st, 0, NULL), ECHILD);
	EXPECT_ERRNO(RSYS(SYS_wait4, -1, &st, WNOHANG, NULL), ECHILD);
	EXPECT_ERRNO(RSYS(SYS_wait4, 0, &st, 0, NULL), ECHILD);
	EXPECT_ERRNO(RSYS(SYS_waitid, P_ALL, 0, &si, WEXITED, NULL), ECHILD);
}

static void t_waitid_siginfo(void)
{
	siginfo_t si;
	int p[2];
	pid_t pid;
	if (!mk_pipe(p))
		return;
	pid = ut_fork();
	if (pid == 0) {
		char c;
		close(p[1]);
		_exit(read(p[0], &c, 1) == 0 ? 7 : 1);
	}
	close(p[0]);
	/* WNOHANG, nothing to report yet: 0 and a zeroed siginfo. */
	memset(&si, 0x55, sizeof(si));
	EXPECT_EQ(RSYS(SYS_waitid, P_PID, pid, &si, WEXITED | WNOHANG, NULL), 0);
	EXPECT_EQ(si.si_pid, 0);
	EXPECT_EQ(si.si_signo, 0);
	close(p[1]);
	memset(&si, 0, sizeof(si));
	guard(WAIT_TIMEOUT);
	EXPECT_EQ(RSYS(SYS_waitid, P_PID, pid, &si, WEXITED, NULL), 0);
	unguard();
	EXPECT_EQ(si.si_signo, SIGCHLD);
	EXPECT_EQ(si.si_code, CLD_EXITED);
	EXPECT_EQ(si.si_status, 7);
	EXPECT_EQ(si.si_pid, pid);
	EXPECT_EQ(si.si_uid, RSYS(SYS_getuid));
	EXPECT_ERRNO(RSYS(SYS_waitid, P_PID, pid, &si, WEXITED, NULL), ECHILD);

	/* A killed child: CLD_KILLED with the signal. */
	pid = ut_fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	RSYS(SYS_kill, pid, SIGKILL);
	memset(&si, 0, sizeof(si));
	guard(WAIT_TIMEOUT);
	EXPECT_EQ(RSYS(SYS_waitid, P_PID, pid, &si, WEXITED, NULL), 0);
	unguard();
	EXPECT_EQ(si.si_code, CLD_KILLED);
	EXPECT_EQ(si.si_status, SIGKILL);
	EXPECT_EQ(si.si_pid, pid);
	if (si.si_pid != pid)
		reap(pid);
}

static void t_waitid_wnowait(void)
{
	siginfo_t si;
	int st;
	pid_t pid = ut_fork();
	if (pid == 0)
		_exit(9);
	for (int i = 0; i < 2; i++) {
		memset(&si, 0, sizeof(si));
		guard(WAIT_TIMEOUT);
		EXPECT_EQ(RSYS(SYS_waitid, P_PID, pid, &si, WEXITED | WNOWAIT, NULL), 0);
		unguard();
		EXPECT_EQ(si.si_pid, pid);
		EXPECT_EQ(si.si_code, CLD_EXITED);
		EXPECT_EQ(si.si_status, 9);
	}
	/* Still waitable, with any wait call. */
	st = -1;
	EXPECT_EQ(RSYS(SYS_wait4, pid, &st, WNOHANG, NULL), pid);
	EXPECT_EQ_HEX(st, 9 << 8);
	EXPECT_ERRNO(RSYS(SYS_waitid, P_PID, pid, &si, WEXITED | WNOWAIT, NULL), ECHILD);
}

/* --- vfork and clone ---------------------------------------------------- */

static volatile int vfork_shared;

static void t_vfork_suspends_parent(void)
{
	pid_t pid;
	vfork_shared = 0;
	fflush(stdout);
	pid = vfork();
	if (pid == 0) {
		vfork_shared = 1;
		ms_sleep(50);
		vfork_shared = 2;        /* the parent must not run before this */
		_exit(7);
	}
	if (!EXPECT_GT(pid, 0))
		return;
	EXPECT_EQ(vfork_shared, 2);
	EXPECT_EQ(wait_code(pid), 7);
}

static void t_vfork_exec_releases_parent(void)
{
	static char fdarg[16];
	static char *av[] = { "ut", "--ut-wait-byte", fdarg, NULL };
	int p[2];
	pid_t pid;
	if (!mk_pipe(p))
		return;
	snprintf(fdarg, sizeof(fdarg), "%d", p[0]);
	vfork_shared = 0;
	fflush(stdout);
	pid = vfork();
	if (pid == 0) {
		vfork_shared = 1;
		RSYS(SYS_alarm, CHILD_TIMEOUT);
		RSYS(SYS_close, p[1]);
		exec_self(av);
		_exit(99);
	}
	if (!EXPECT_GT(pid, 0))
		return;
	/* Back here once the child has exec'd; it now waits for our byte, so
	 * a parent held until the child exits would deadlock (and the child's
	 * alarm would end it with SIGALRM). */
	EXPECT_EQ(vfork_shared, 1);
	close(p[0]);
	EXPECT_EQ(RSYS(SYS_write, p[1], "\x2a", 1), 1);
	close(p[1]);
	int code = wait_code(pid);
	if (code == 99)
		exec_failed_diag();
	EXPECT_EQ(code, 42);
}

static int cow_static = 1;

static void t_clone_no_vm_is_fork(void)
{
	volatile int stackv = 1;
	int *heap = malloc(8192);
	int up[2], down[2], extra;
	long pid, parent = RSYS(SYS_getpid);
	char c;
	if (!EXPECT_TRUE(heap != NULL) || !mk_pipe(up) || !mk_pipe(down))
		return;
	heap[0] = 1;
	cow_static = 1;
	extra = dup(0);
	fflush(stdout);
	pid = RSYS(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (pid == 0) {
		/* Raw syscalls only: libc does not know about this child. */
		RSYS(SYS_alarm, CHILD_TIMEOUT);
		if (RSYS(SYS_getppid) != parent)
			RSYS(SYS_exit_group, 1);
		cow_static = 2;
		heap[0] = 2;
		stackv = 2;
		RSYS(SYS_close, extra);         /* our own descriptor table */
		RSYS(SYS_write, up[1], "x", 1);
		if (RSYS(SYS_read, down[0], &c, 1) != 1)
			RSYS(SYS_exit_group, 2);
		/* The parent wrote 3 everywhere after our writes. */
		if (cow_static != 2 || heap[0] != 2 || stackv != 2)
			RSYS(SYS_exit_group, 3);
		RSYS(SYS_exit_group, 0);
	}
	if (!EXPECT_GT(pid, 0))
		goto out;
	EXPECT_EQ(read_full(up[0], &c, 1), 1);
	EXPECT_EQ(cow_static, 1);
	EXPECT_EQ(heap[0], 1);
	EXPECT_EQ(stackv, 1);
	EXPECT_EQ(RSYS(SYS_fcntl, extra, F_GETFD), 0);   /* still open here */
	cow_static = 3;
	heap[0] = 3;
	stackv = 3;
	EXPECT_EQ(RSYS(SYS_write, down[1], "y", 1), 1);
	EXPECT_EQ(wait_code(pid), 0);
out:
	close(extra);
	close_pair(up);
	close_pair(down);
	free(heap);
}

static void t_fork_copy_on_write(void)
{
	static char big[3 * 4096];
	int local = 10, up[2], down[2];
	pid_t pid;
	char c;
	if (!mk_pipe(up) || !mk_pipe(down))
		return;
	memset(big, 'p', sizeof(big));
	pid = ut_fork();
	if (pid == 0) {
		memset(big + 4096, 'c', 4096);   /* the middle page only */
		local = 20;
		CK(1, write(up[1], "x", 1) == 1);
		CK(2, read(down[0], &c, 1) == 1);
		CK(3, big[0] == 'p' && big[4096] == 'c' && big[8191] == 'c' && big[8192] == 'p');
		CK(4, local == 20);
		_exit(0);
	}
	EXPECT_EQ(read_full(up[0], &c, 1), 1);
	EXPECT_EQ(big[4096], 'p');
	EXPECT_EQ(big[8191], 'p');
	EXPECT_EQ(local, 10);
	memset(big, 'P', sizeof(big));
	local = 30;
	EXPECT_EQ(RSYS(SYS_write, down[1], "y", 1), 1);
	EXPECT_EQ(wait_code(pid), 0);
	close_pair(up);
	close_pair(down);
}

/* --- exec --------------------------------------------------------------- */

/* Forks a child that opens close-on-exec and ordinary descriptors and execs
 * this program in --ut-exec-check mode; the report line lands in rep. */
static void exec_report(char *rep, size_t n)
{
	int p[2];
	pid_t pid;
	long len;
	rep[0] = 0;
	if (put_file(tp("kept"), "kept", 0644) != 0 || !mk_pipe(p))
		return;
	pid = ut_fork();
	if (pid == 0) {
		char a[6][16];
		int ce1, ce2, keep;
		close(p[0]);
		ce1 = open(tp("kept"), O_RDONLY | O_CLOEXEC);
		keep = dup(ce1);                        /* dup clears FD_CLOEXEC */
		ce2 = dup(ce1);
		CK(90, ce1 >= 0 && keep >= 0 && ce2 >= 0);
		CK(91, fcntl(ce2, F_SETFD, FD_CLOEXEC) == 0);
		CK(92, fcntl(ce1, F_GETFD) == FD_CLOEXEC && fcntl(keep, F_GETFD) == 0);
		snprintf(a[0], 16, "%d", p[1]);
		snprintf(a[1], 16, "%ld", RSYS(SYS_getpid));
		snprintf(a[2], 16, "%ld", RSYS(SYS_getppid));
		snprintf(a[3], 16, "%d", ce1);
		snprintf(a[4], 16, "%d", ce2);
		snprintf(a[5], 16, "%d", keep);
		char *av[] = { "ut-argv0", "--ut-exec-check", a[0], a[1], a[2], a[3], a[4], a[5],
			       "alpha", "two words", "", "last", NULL };
		exec_self(av);
		_exit(99);
	}
	close(p[1]);
	len = read_full(p[0], rep, n - 1);
	rep[len > 0 ? len : 0] = 0;
	close(p[0]);
	int code = wait_code(pid);
	if (code == 99)
		exec_failed_diag();
	EXPECT_EQ(code, 0);
}

static void t_exec_argv_envp(void)
{
	char rep[256];
	exec_report(rep, sizeof(rep));
	EXPECT_TRUE(strstr(rep, "argv=ok ") != NULL);
	EXPECT_TRUE(strstr(rep, "envp=ok ") != NULL);
}

static void t_exec_keeps_pid_ppid(void)
{
	char rep[256];
	exec_report(rep, sizeof(rep));
	EXPECT_TRUE(strstr(rep, "pid=ok ") != NULL);
	EXPECT_TRUE(strstr(rep, "ppid=ok ") != NULL);
}

static void t_exec_closes_cloexec_fds(void)
{
	char rep[256];
	exec_report(rep, sizeof(rep));
	EXPECT_TRUE(strstr(rep, "cloexec=ok ") != NULL);
	EXPECT_TRUE(strstr(rep, "keep=ok\n") != NULL);
}

/* execve(path) in a child: the child's exit code is the errno. */
static int exec_errno(const char *path)
{
	pid_t pid = ut_fork();
	if (pid == 0) {
		char *av[] = { "ut", NULL };
		long r = RSYS(SYS_execve, path, av, child_envp);
		_exit(r < 0 && r > -256 ? (int)-r : 255);
	}
	return wait_code(pid);
}

static void t_exec_errors(void)
{
	char script[PATH_MAX + 32];
	EXPECT_EQ(exec_errno(tp("no-such-program")), ENOENT);
	EXPECT_EQ(exec_errno(tp("no-such-dir/prog")), ENOENT);
	if (EXPECT_EQ(put_file(tp("not-executable"), "not executable\n", 0644), 0))
		EXPECT_EQ(exec_errno(tp("not-executable")), EACCES);
	EXPECT_EQ(exec_errno(tmpdir), EACCES);           /* a directory */
	if (EXPECT_EQ(put_file(tp("not-elf"), "neither ELF nor a script\n", 0755), 0))
		EXPECT_EQ(exec_errno(tp("not-elf")), ENOEXEC);
	snprintf(script, sizeof(script), "#!%s/no-such-interpreter\nexit 0\n", tmpdir);
	if (EXPECT_EQ(put_file(tp("bad-interp"), script, 0755), 0))
		EXPECT_EQ(exec_errno(tp("bad-interp")), ENOENT);
	EXPECT_EQ(exec_errno(tp("not-executable/x")), ENOTDIR);
}

/* A "#!" script whose interpreter is this program: works with no shell. */
static void t_exec_script_self_interp(void)
{
	char text[sizeof(self_exe) + 32];
	pid_t pid;
	snprintf(text, sizeof(text), "#!%s --ut-script\n", self_exe);
	if (!EXPECT_EQ(put_file(tp("script_self"), text, 0755), 0))
		return;
	pid = ut_fork();
	if (pid == 0) {
		char *av[] = { "ignored-argv0", "one", "two words", NULL };
		RSYS(SYS_execve, tp("script_self"), av, child_envp);
		_exit(99);
	}
	EXPECT_EQ(wait_code(pid), 37);
}

static void t_exec_script_bin_sh(void)
{
	static const char text[] =
		"#!/bin/sh\n[ \"$1\" = one ] && [ \"$2\" = \"two words\" ] && exit 38\nexit 1\n";
	pid_t pid;
	if (RSYS(SYS_access, "/bin/sh", X_OK) != 0) {
		KTAP_SKIP("no /bin/sh");
		return;
	}
	if (!EXPECT_EQ(put_file(tp("script_sh"), text, 0755), 0))
		return;
	pid = ut_fork();
	if (pid == 0) {
		char *av[] = { "script_sh", "one", "two words", NULL };
		RSYS(SYS_execve, tp("script_sh"), av, child_envp);
		_exit(99);
	}
	EXPECT_EQ(wait_code(pid), 38);
}

static void t_dup2_redirect_exec(void)
{
	char buf[128];
	int p[2];
	pid_t pid;
	long n;
	if (!mk_pipe(p))
		return;
	pid = ut_fork();
	if (pid == 0) {
		char *av[] = { "ut", "--ut-print", NULL };
		close(p[0]);
		CK(90, dup2(p[1], 1) == 1);
		close(p[1]);
		exec_self(av);
		_exit(99);
	}
	close(p[1]);
	n = read_full(p[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	close(p[0]);
	EXPECT_STREQ(buf, PRINT_LINE);
	EXPECT_EQ(wait_code(pid), 0);
}

static void t_dup2_semantics(void)
{
	int p[2];
	long fd;
	char c = 0;
	if (!mk_pipe(p))
		return;
	fd = RSYS(SYS_dup, p[1]);
	EXPECT_GT(fd, p[1]);
	EXPECT_EQ(RSYS(SYS_dup2, p[1], p[1]), p[1]);          /* a no-op */
	EXPECT_ERRNO(RSYS(SYS_dup3, p[1], p[1], 0), EINVAL);
	EXPECT_ERRNO(RSYS(SYS_dup2, 1000000, fd), EBADF);
	EXPECT_EQ(RSYS(SYS_dup3, p[0], fd, O_CLOEXEC), fd);   /* closes the old fd silently */
	EXPECT_EQ(RSYS(SYS_fcntl, fd, F_GETFD), FD_CLOEXEC);
	EXPECT_EQ(RSYS(SYS_write, p[1], "z", 1), 1);
	EXPECT_EQ(RSYS(SYS_read, fd, &c, 1), 1);               /* now the read end */
	EXPECT_EQ(c, 'z');
	close(fd);
	close_pair(p);
}

/* --- zombies, orphans, SIGCHLD ------------------------------------------ */

static void t_zombie_until_waited(void)
{
	siginfo_t si;
	pid_t pid = ut_fork();
	if (pid == 0)
		_exit(3);
	/* Wait for the exit without reaping it. */
	memset(&si, 0, sizeof(si));
	guard(WAIT_TIMEOUT);
	EXPECT_EQ(RSYS(SYS_waitid, P_PID, pid, &si, WEXITED | WNOWAIT, NULL), 0);
	unguard();
	EXPECT_EQ(RSYS(SYS_kill, pid, 0), 0);       /* a zombie still exists */
	EXPECT_EQ(RSYS(SYS_kill, pid, SIGKILL), 0); /* ... and ignores signals */
	EXPECT_EQ(wait_code(pid), 3);
	EXPECT_ERRNO(RSYS(SYS_kill, pid, 0), ESRCH);
}

static void t_orphan_reparented_to_init(void)
{
	long got[2] = { -1, -1 };
	int p[2];
	pid_t pid;
	if (!mk_pipe(p))
		return;
	pid = ut_fork();
	if (pid == 0) {
		long me = RSYS(SYS_getpid);
		pid_t g = fork();
		if (g == 0) {
			long v[2];
			alarm(CHILD_TIMEOUT);
			close(p[0]);
			for (int i = 0; i < 5000 && RSYS(SYS_getppid) == me; i++)
				ms_sleep(1);
			v[0] = RSYS(SYS_getppid);
			v[1] = RSYS(SYS_getpid);
			write(p[1], v, sizeof(v));
			_exit(0);
		}
		_exit(g > 0 ? 0 : 1);              /* orphan the grandchild */
	}
	close(p[1]);
	EXPECT_EQ(wait_code(pid), 0);
	EXPECT_EQ(read_full(p[0], got, sizeof(got)), sizeof(got));
	EXPECT_EQ(got[0], 1);
	/* If this program is the reaper (it is pid 1), reap the orphan. */
	if (got[0] == RSYS(SYS_getpid) && got[1] > 0)
		reap(got[1]);
	char c;
	read_full(p[0], &c, 1);                 /* EOF: the orphan has exited */
	close(p[0]);
}

static volatile int chld_count, chld_code, chld_status;
static volatile long chld_pid;

static void on_sigchld(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	chld_count++;
	chld_code = si->si_code;
	chld_status = si->si_status;
	chld_pid = si->si_pid;
}

static void t_sigchld_on_child_exit(void)
{
	struct sigaction sa, old;
	pid_t pid;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigchld;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	chld_count = 0;
	sigaction(SIGCHLD, &sa, &old);
	pid = ut_fork();
	if (pid == 0)
		_exit(5);
	EXPECT_EQ(wait_code(pid), 5);
	for (int i = 0; i < 2000 && chld_count == 0; i++)
		ms_sleep(1);
	EXPECT_EQ(chld_count, 1);
	EXPECT_EQ(chld_code, CLD_EXITED);
	EXPECT_EQ(chld_status, 5);
	EXPECT_EQ(chld_pid, pid);
	sigaction(SIGCHLD, &old, NULL);
}

static void t_sigchld_ignored_autoreaps(void)
{
	pid_t pids[3];
	int st;
	signal(SIGCHLD, SIG_IGN);
	for (int i = 0; i < 3; i++) {
		pids[i] = ut_fork();
		if (pids[i] == 0)
			_exit(i);
	}
	/* Blocks until all have exited, then finds nothing to wait for. */
	guard(WAIT_TIMEOUT);
	EXPECT_ERRNO(RSYS(SYS_wait4, -1, &st, 0, NULL), ECHILD);
	unguard();
	for (int i = 0; i < 3; i++)
		EXPECT_ERRNO(RSYS(SYS_wait4, pids[i], &st, WNOHANG, NULL), ECHILD);
	signal(SIGCHLD, SIG_DFL);
	for (int i = 0; i < 3; i++)         /* in case one was not reaped */
		if (RSYS(SYS_kill, pids[i], 0) == 0)
			RSYS(SYS_wait4, pids[i], &st, WNOHANG, NULL);
}

/* --- process groups and sessions ---------------------------------------- */

static void t_setpgid_new_group(void)
{
	static char sayarg[16], fdarg[16];
	static char *av[] = { "ut", "--ut-say-wait-byte", sayarg, fdarg, NULL };
	int ready[2], go[2], execd[2];
	long mypgid = RSYS(SYS_getpgid, 0);
	pid_t pid;
	char c;
	EXPECT_EQ(RSYS(SYS_getpgrp), mypgid);
	EXPECT_EQ(RSYS(SYS_getpgid, RSYS(SYS_getpid)), mypgid);
	EXPECT_ERRNO(RSYS(SYS_getpgid, 0x7ffffff0), ESRCH);
	EXPECT_ERRNO(RSYS(SYS_setpgid, -1, 0), EINVAL);
	if (!mk_pipe(ready) || !mk_pipe(go))
		return;
	pid = ut_fork();
	if (pid == 0) {
		long me = RSYS(SYS_getpid);
		close(go[1]);
		CK(1, RSYS(SYS_getpgid, 0) == mypgid);       /* inherited */
		CK(2, RSYS(SYS_setpgid, 0, 0) == 0);
		CK(3, RSYS(SYS_getpgid, 0) == me);
		CK(4, RSYS(SYS_getpgrp) == me);
		CK(5, RSYS(SYS_getpgid, RSYS(SYS_getppid)) == mypgid);
		CK(6, RSYS(SYS_setpgid, 0, mypgid) == 0);    /* back, same session */
		CK(7, RSYS(SYS_getpgrp) == mypgid);
		CK(8, write(ready[1], "r", 1) == 1);
		CK(9, read(go[0], &c, 1) == 0);
		_exit(0);
	}
	close(go[0]);
	close(ready[1]);
	EXPECT_EQ(read_full(ready[0], &c, 1), 1);
	close(ready[0]);
	/* The parent may move its child too (before the child execs). */
	EXPECT_EQ(RSYS(SYS_setpgid, pid, pid), 0);
	EXPECT_EQ(RSYS(SYS_getpgid, pid), pid);
	EXPECT_EQ(RSYS(SYS_setpgid, pid, mypgid), 0);
	EXPECT_EQ(RSYS(SYS_getpgid, pid), mypgid);
	close(go[1]);
	EXPECT_EQ(wait_code(pid), 0);
	EXPECT_EQ(RSYS(SYS_getpgid, 0), mypgid);             /* ours unchanged */

	/* After the child's execve: EACCES. The new image itself says it
	 * runs: a close-on-exec pipe's EOF only says the descriptors were
	 * closed, midway through exec, and Linux 6.1 under load let setpgid
	 * through at that point once. */
	if (!mk_pipe(go) || !mk_pipe(execd))
		return;
	snprintf(sayarg, sizeof(sayarg), "%d", execd[1]);
	snprintf(fdarg, sizeof(fdarg), "%d", go[0]);
	pid = ut_fork();
	if (pid == 0) {
		close(execd[0]);
		close(go[1]);
		exec_self(av);
		_exit(99);
	}
	close(execd[1]);
	close(go[0]);
	EXPECT_EQ(read_full(execd[0], &c, 1), 1);              /* or EOF: exec failed */
	close(execd[0]);
	EXPECT_ERRNO(RSYS(SYS_setpgid, pid, pid), EACCES);
	EXPECT_EQ(RSYS(SYS_write, go[1], "\x05", 1), 1);
	close(go[1]);
	int code = wait_code(pid);
	if (code == 99)
		exec_failed_diag();
	EXPECT_EQ(code, 5);
}

static void t_setsid_new_session(void)
{
	int ready[2], go[2];
	char c;
	pid_t pid;
	if (!mk_pipe(ready) || !mk_pipe(go))
		return;
	pid = ut_fork();
	if (pid == 0) {
		long me = RSYS(SYS_getpid);
		close(go[1]);
		CK(1, RSYS(SYS_setsid) == me);
		CK(2, RSYS(SYS_getsid, 0) == me);
		CK(3, RSYS(SYS_getpgid, 0) == me);
		CK(4, RSYS(SYS_getsid, RSYS(SYS_getppid)) != me);
		CK(5, RSYS(SYS_setsid) == -EPERM);           /* now a leader */
		CK(6, RSYS(SYS_setpgid, 0, RSYS(SYS_getpgid, RSYS(SYS_getppid))) == -EPERM);
		CK(7, write(ready[1], "r", 1) == 1);
		CK(8, read(go[0], &c, 1) == 0);
		_exit(0);
	}
	close(go[0]);
	close(ready[1]);
	EXPECT_EQ(read_full(ready[0], &c, 1), 1);
	EXPECT_EQ(RSYS(SYS_getsid, pid), pid);
	EXPECT_EQ(RSYS(SYS_getpgid, pid), pid);
	EXPECT_NE(RSYS(SYS_getsid, 0), pid);
	EXPECT_ERRNO(RSYS(SYS_setpgid, pid, RSYS(SYS_getpgid, 0)), EPERM); /* other session */
	close(go[1]);
	close(ready[0]);
	EXPECT_EQ(wait_code(pid), 0);
}

static void t_setsid_group_leader_eperm(void)
{
	pid_t pid = ut_fork();
	if (pid == 0) {
		long me = RSYS(SYS_getpid), sid = RSYS(SYS_getsid, 0);
		CK(1, RSYS(SYS_setpgid, 0, 0) == 0);
		CK(2, RSYS(SYS_setsid) == -EPERM);
		CK(3, RSYS(SYS_getsid, 0) == sid);
		CK(4, RSYS(SYS_getpgid, 0) == me);
		_exit(0);
	}
	EXPECT_EQ(wait_code(pid), 0);
}

static void t_kill_process_group(void)
{
	int hold[2];
	pid_t kids[3];
	if (!mk_pipe(hold))
		return;
	for (int i = 0; i < 3; i++) {
		kids[i] = ut_fork();
		if (kids[i] == 0) {
			char c;
			close(hold[1]);
			_exit(read(hold[0], &c, 1) == 0 ? 0 : 1);
		}
		/* kids 0 and 1 in a group led by kid 0; kid 2 stays in ours */
		if (i < 2)
			EXPECT_EQ(RSYS(SYS_setpgid, kids[i], kids[0]), 0);
	}
	close(hold[0]);
	EXPECT_EQ(RSYS(SYS_kill, -kids[0], SIGUSR1), 0);
	EXPECT_EQ(wait_code(kids[0]), 1000 + SIGUSR1);
	EXPECT_EQ(wait_code(kids[1]), 1000 + SIGUSR1);
	EXPECT_EQ(RSYS(SYS_wait4, kids[2], NULL, WNOHANG, NULL), 0);   /* untouched */
	EXPECT_ERRNO(RSYS(SYS_kill, -kids[0], 0), ESRCH);             /* group gone */
	close(hold[1]);
	EXPECT_EQ(wait_code(kids[2]), 0);
}

static volatile int usr1_count;
static void on_usr1(int sig)
{
	(void)sig;
	usr1_count++;
}

static void t_kill_zero_own_group(void)
{
	struct sigaction sa, old;
	long mypgid = RSYS(SYS_getpgid, 0);
	pid_t pid;
	/* Our group is another one: we must not see the signal (counted, so
	 * a wrong delivery fails the case instead of killing us). */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	usr1_count = 0;
	sigaction(SIGUSR1, &sa, &old);
	pid = ut_fork();
	if (pid == 0) {
		long me = RSYS(SYS_getpid);
		int hold[2];
		pid_t g;
		signal(SIGUSR1, SIG_DFL);
		CK(1, RSYS(SYS_setpgid, 0, 0) == 0);
		/* Never signal a group we do not lead (it could be the caller's). */
		CK(2, RSYS(SYS_getpgid, 0) == me && me != mypgid);
		CK(3, pipe(hold) == 0);
		g = fork();
		if (g == 0) {
			char c;
			alarm(CHILD_TIMEOUT);
			close(hold[1]);
			_exit(read(hold[0], &c, 1) == 0 ? 0 : 1);
		}
		CK(4, g > 0);
		signal(SIGUSR1, on_usr1);
		usr1_count = 0;
		CK(5, RSYS(SYS_kill, 0, SIGUSR1) == 0);
		CK(6, usr1_count == 1);           /* delivered to us before kill returns */
		close(hold[1]);
		int st;
		CK(7, waitpid(g, &st, 0) == g);
		CK(8, WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR1);
		_exit(0);
	}
	EXPECT_EQ(wait_code(pid), 0);
	EXPECT_EQ(usr1_count, 0);
	sigaction(SIGUSR1, &old, NULL);
}

/* --- pipes -------------------------------------------------------------- */

static void t_pipe_round_trip(void)
{
	char buf[64];
	struct stat st;
	int p[2];
	pid_t pid;
	if (!mk_pipe(p))
		return;
	EXPECT_EQ(RSYS(SYS_write, p[1], "hello", 5), 5);
	EXPECT_EQ(RSYS(SYS_read, p[0], buf, sizeof(buf)), 5);
	EXPECT_MEMEQ(buf, "hello", 5);
	EXPECT_EQ(RSYS(SYS_fstat, p[0], &st), 0);
	EXPECT_TRUE(S_ISFIFO(st.st_mode));
	EXPECT_EQ(RSYS(SYS_fcntl, p[0], F_GETFL) & O_ACCMODE, O_RDONLY);
	EXPECT_EQ(RSYS(SYS_fcntl, p[1], F_GETFL) & O_ACCMODE, O_WRONLY);
	EXPECT_ERRNO(RSYS(SYS_write, p[0], "x", 1), EBADF);
	EXPECT_ERRNO(RSYS(SYS_read, p[1], buf, 1), EBADF);
	EXPECT_ERRNO(RSYS(SYS_lseek, p[0], 0, SEEK_CUR), ESPIPE);
	/* Across fork, 1000 writes in order. */
	pid = ut_fork();
	if (pid == 0) {
		close(p[0]);
		for (int i = 0; i < 1000; i++) {
			unsigned char b = (unsigned char)i;
			CK(1, write(p[1], &b, 1) == 1);
		}
		_exit(0);
	}
	close(p[1]);
	unsigned char got[1000];
	EXPECT_EQ(read_full(p[0], got, sizeof(got)), 1000);
	int bad = 0;
	for (int i = 0; i < 1000; i++)
		bad += got[i] != (unsigned char)i;
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(wait_code(pid), 0);
	close(p[0]);
}

static void t_pipe_eof_when_writers_close(void)
{
	char c;
	int p[2];
	long q;
	pid_t pid;
	if (!mk_pipe(p))
		return;
	pid = ut_fork();
	if (pid == 0) {
		close(p[0]);
		_exit(write(p[1], "x", 1) == 1 ? 0 : 1);
	}
	q = RSYS(SYS_dup, p[1]);
	close(p[1]);
	EXPECT_EQ(RSYS(SYS_write, q, "y", 1), 1);
	close(q);                        /* our writers are gone; the child's ends */
	char buf[4];
	EXPECT_EQ(read_full(p[0], buf, 4), 2);   /* "x" and "y", then EOF */
	EXPECT_EQ(RSYS(SYS_read, p[0], &c, 1), 0);
	EXPECT_EQ(wait_code(pid), 0);
	close(p[0]);
}

static void t_pipe_full_blocks_writer(void)
{
	static unsigned char chunk[4096], all[PIPE_CAPACITY + 100];
	int p[2], ready[2];
	long total = 0, r;
	pid_t pid;
	char c;
	if (!mk_pipe(p) || !mk_pipe(ready))
		return;
	for (unsigned i = 0; i < sizeof(chunk); i++)
		chunk[i] = (unsigned char)(i % 251);
	EXPECT_EQ(RSYS(SYS_fcntl, p[1], F_SETFL, O_NONBLOCK), 0);
	while (total <= PIPE_CAPACITY && (r = RSYS(SYS_write, p[1], chunk, sizeof(chunk))) > 0)
		total += r;
	EXPECT_EQ(total, PIPE_CAPACITY);
	EXPECT_ERRNO(RSYS(SYS_write, p[1], chunk, 1), EAGAIN);
	EXPECT_ERRNO(RSYS(SYS_write, p[1], chunk, sizeof(chunk)), EAGAIN);
	/* A blocking writer now sleeps until we read. */
	pid = ut_fork();
	if (pid == 0) {
		static char tail[100];
		memset(tail, 'Z', sizeof(tail));
		close(p[0]);
		CK(1, fcntl(p[1], F_SETFL, 0) == 0);
		CK(2, write(ready[1], "r", 1) == 1);
		CK(3, write(p[1], tail, sizeof(tail)) == sizeof(tail));
		_exit(0);
	}
	close(ready[1]);
	EXPECT_EQ(read_full(ready[0], &c, 1), 1);
	ms_sleep(100);
	EXPECT_EQ(RSYS(SYS_wait4, pid, NULL, WNOHANG, NULL), 0);   /* still blocked */
	close(p[1]);
	EXPECT_EQ(read_full(p[0], all, sizeof(all)), PIPE_CAPACITY + 100);
	int bad = 0;
	for (long i = 0; i < PIPE_CAPACITY; i++)
		bad += all[i] != (unsigned char)(i % 4096 % 251);
	for (long i = PIPE_CAPACITY; i < PIPE_CAPACITY + 100; i++)
		bad += all[i] != 'Z';
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(wait_code(pid), 0);
	close(p[0]);
	close(ready[0]);
}

static void t_pipe_epipe_when_ignored(void)
{
	int p[2];
	pid_t pid;
	if (!mk_pipe(p))
		return;
	close(p[0]);
	pid = ut_fork();
	if (pid == 0) {
		signal(SIGPIPE, SIG_IGN);
		long r = RSYS(SYS_write, p[1], "x", 1);
		_exit(r < 0 ? (int)-r : 200);
	}
	close(p[1]);
	EXPECT_EQ(wait_code(pid), EPIPE);
}

static void t_pipe_sigpipe_kills_writer(void)
{
	int p[2], st;
	pid_t pid;
	if (!mk_pipe(p))
		return;
	close(p[0]);
	pid = ut_fork();
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		RSYS(SYS_write, p[1], "x", 1);
		_exit(0);
	}
	close(p[1]);
	st = reap(pid);
	EXPECT_TRUE(WIFSIGNALED(st));
	EXPECT_EQ_HEX(st, SIGPIPE);
}

static void t_pipe2_flags(void)
{
	int p[2];
	if (!EXPECT_EQ(RSYS(SYS_pipe2, p, O_CLOEXEC | O_NONBLOCK), 0))
		return;
	for (int i = 0; i < 2; i++) {
		EXPECT_EQ(RSYS(SYS_fcntl, p[i], F_GETFD), FD_CLOEXEC);
		EXPECT_TRUE(RSYS(SYS_fcntl, p[i], F_GETFL) & O_NONBLOCK);
	}
	close_pair(p);
	if (!EXPECT_EQ(RSYS(SYS_pipe2, p, O_CLOEXEC), 0))
		return;
	EXPECT_EQ(RSYS(SYS_fcntl, p[0], F_GETFD), FD_CLOEXEC);
	EXPECT_FALSE(RSYS(SYS_fcntl, p[0], F_GETFL) & O_NONBLOCK);
	close_pair(p);
	if (!EXPECT_EQ(RSYS(SYS_pipe, p), 0))
		return;
	EXPECT_EQ(RSYS(SYS_fcntl, p[0], F_GETFD), 0);
	EXPECT_EQ(RSYS(SYS_fcntl, p[1], F_GETFD), 0);
	close_pair(p);
	EXPECT_ERRNO(RSYS(SYS_pipe2, p, O_RDWR | 0x10000000), EINVAL);
	EXPECT_ERRNO(RSYS(SYS_pipe2, NULL, 0), EFAULT);
}

static void t_pipe_nonblock_read_empty(void)
{
	char c;
	int p[2];
	if (!EXPECT_EQ(RSYS(SYS_pipe2, p, O_NONBLOCK), 0))
		return;
	EXPECT_ERRNO(RSYS(SYS_read, p[0], &c, 1), EAGAIN);
	EXPECT_EQ(RSYS(SYS_write, p[1], "a", 1), 1);
	EXPECT_EQ(RSYS(SYS_read, p[0], &c, 1), 1);
	EXPECT_ERRNO(RSYS(SYS_read, p[0], &c, 1), EAGAIN);
	close(p[1]);
	EXPECT_EQ(RSYS(SYS_read, p[0], &c, 1), 0);   /* no writers: EOF, not EAGAIN */
	close(p[0]);
}

/* --- descriptors across fork -------------------------------------------- */

static void t_fork_inherits_fds(void)
{
	char buf[16];
	long fd = RSYS(SYS_open, tp("inherit"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	int p[2];
	pid_t pid;
	if (!EXPECT_GE(fd, 0) || !mk_pipe(p))
		return;
	EXPECT_EQ(RSYS(SYS_write, fd, "abc", 3), 3);
	pid = ut_fork();
	if (pid == 0) {
		CK(1, write(fd, "def", 3) == 3);     /* continues at offset 3 */
		CK(2, write(p[1], "pipe", 4) == 4);
		CK(3, close(fd) == 0);               /* only our copy */
		_exit(0);
	}
	EXPECT_EQ(wait_code(pid), 0);
	EXPECT_EQ(RSYS(SYS_read, p[0], buf, sizeof(buf)), 4);
	EXPECT_MEMEQ(buf, "pipe", 4);
	EXPECT_EQ(RSYS(SYS_fcntl, fd, F_GETFD), 0);  /* still open here */
	EXPECT_EQ(RSYS(SYS_pread64, fd, buf, sizeof(buf), 0), 6);
	EXPECT_MEMEQ(buf, "abcdef", 6);
	close(fd);
	close_pair(p);
}

static void t_fork_shared_offset(void)
{
	long fd = RSYS(SYS_open, tp("offset"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	pid_t pid;
	if (!EXPECT_GE(fd, 0))
		return;
	EXPECT_EQ(RSYS(SYS_lseek, fd, 10, SEEK_SET), 10);
	pid = ut_fork();
	if (pid == 0)
		_exit(lseek(fd, 123, SEEK_SET) == 123 ? 0 : 1);
	EXPECT_EQ(wait_code(pid), 0);
	EXPECT_EQ(RSYS(SYS_lseek, fd, 0, SEEK_CUR), 123);
	/* And the other way round. */
	EXPECT_EQ(RSYS(SYS_lseek, fd, 7, SEEK_SET), 7);
	pid = ut_fork();
	if (pid == 0)
		_exit(lseek(fd, 0, SEEK_CUR) == 7 ? 0 : 1);
	EXPECT_EQ(wait_code(pid), 0);
	close(fd);
}

/* --- files -------------------------------------------------------------- */

static void t_file_create_write_read(void)
{
	static char out[10000], in[10001];
	long fd;
	for (unsigned i = 0; i < sizeof(out); i++)
		out[i] = (char)('a' + i % 26);
	fd = RSYS(SYS_open, tp("rw"), O_RDWR | O_CREAT | O_EXCL, 0644);
	if (!EXPECT_GE(fd, 0))
		return;
	EXPECT_EQ(write_all(fd, out, sizeof(out)), sizeof(out));
	EXPECT_EQ(RSYS(SYS_lseek, fd, 0, SEEK_CUR), sizeof(out));
	EXPECT_EQ(RSYS(SYS_read, fd, in, 10), 0);                    /* at EOF */
	EXPECT_EQ(RSYS(SYS_lseek, fd, 0, SEEK_SET), 0);
	EXPECT_EQ(read_full(fd, in, sizeof(in)), sizeof(out));
	EXPECT_MEMEQ(in, out, sizeof(out));
	EXPECT_EQ(RSYS(SYS_lseek, fd, -26, SEEK_END), sizeof(out) - 26);
	EXPECT_EQ(RSYS(SYS_read, fd, in, 100), 26);
	EXPECT_ERRNO(RSYS(SYS_lseek, fd, -1, SEEK_SET), EINVAL);
	/* Writing past the end leaves a hole that reads as zeros. */
	EXPECT_EQ(RSYS(SYS_lseek, fd, 20000, SEEK_SET), 20000);
	EXPECT_EQ(RSYS(SYS_write, fd, "!", 1), 1);
	EXPECT_EQ(RSYS(SYS_pread64, fd, in, 10, 15000), 10);
	EXPECT_MEMEQ(in, "\0\0\0\0\0\0\0\0\0\0", 10);
	close(fd);
	/* A new descriptor sees it all. */
	fd = RSYS(SYS_open, tp("rw"), O_RDONLY);
	EXPECT_EQ(read_full(fd, in, 100), 100);
	EXPECT_MEMEQ(in, out, 100);
	EXPECT_ERRNO(RSYS(SYS_write, fd, "x", 1), EBADF);
	close(fd);
	fd = RSYS(SYS_open, tp("rw"), O_WRONLY);
	EXPECT_ERRNO(RSYS(SYS_read, fd, in, 1), EBADF);
	close(fd);
}

static void t_file_o_append(void)
{
	char buf[32];
	long fd;
	if (!EXPECT_EQ(put_file(tp("append"), "start", 0644), 0))
		return;
	fd = RSYS(SYS_open, tp("append"), O_WRONLY | O_APPEND);
	if (!EXPECT_GE(fd, 0))
		return;
	EXPECT_EQ(RSYS(SYS_write, fd, "-one", 4), 4);
	EXPECT_EQ(RSYS(SYS_lseek, fd, 0, SEEK_SET), 0);
	EXPECT_EQ(RSYS(SYS_write, fd, "-two", 4), 4);
	EXPECT_EQ(RSYS(SYS_lseek, fd, 0, SEEK_CUR), 13);
	EXPECT_TRUE(RSYS(SYS_fcntl, fd, F_GETFL) & O_APPEND);
	close(fd);
	EXPECT_EQ(get_file(tp("append"), buf, sizeof(buf)), 13);
	EXPECT_STREQ(buf, "start-one-two");
}

static void t_file_o_excl(void)
{
	if (!EXPECT_EQ(put_file(tp("excl"), "x", 0644), 0))
		return;
	EXPECT_ERRNO(RSYS(SYS_open, tp("excl"), O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST);
	EXPECT_EQ(RSYS(SYS_symlink, "no-such-target", tp("excl-link")), 0);
	/* O_EXCL does not follow a (dangling) symlink. */
	EXPECT_ERRNO(RSYS(SYS_open, tp("excl-link"), O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST);
	long fd = RSYS(SYS_open, tp("excl-new"), O_RDWR | O_CREAT | O_EXCL, 0644);
	EXPECT_GE(fd, 0);
	close(fd);
}

static void t_file_o_trunc(void)
{
	struct stat st;
	long fd;
	if (!EXPECT_EQ(put_file(tp("trunc"), "some old content", 0644), 0))
		return;
	fd = RSYS(SYS_open, tp("trunc"), O_RDWR | O_TRUNC);
	if (!EXPECT_GE(fd, 0))
		return;
	EXPECT_EQ(RSYS(SYS_fstat, fd, &st), 0);
	EXPECT_EQ(st.st_size, 0);
	EXPECT_EQ(RSYS(SYS_write, fd, "new", 3), 3);
	close(fd);
	EXPECT_EQ(RSYS(SYS_stat, tp("trunc"), &st), 0);
	EXPECT_EQ(st.st_size, 3);
}

static void t_file_pread_pwrite(void)
{
	char buf[8];
	int p[2];
	long fd = RSYS(SYS_open, tp("prw"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (!EXPECT_GE(fd, 0))
		return;
	EXPECT_EQ(RSYS(SYS_write, fd, "0123456789", 10), 10);
	EXPECT_EQ(RSYS(SYS_lseek, fd, 5, SEEK_SET), 5);
	EXPECT_EQ(RSYS(SYS_pwrite64, fd, "XY", 2, 100), 2);
	EXPECT_EQ(RSYS(SYS_lseek, fd, 0, SEEK_CUR), 5);
	EXPECT_EQ(RSYS(SYS_pread64, fd, buf, 2, 100), 2);
	EXPECT_MEMEQ(buf, "XY", 2);
	EXPECT_EQ(RSYS(SYS_pread64, fd, buf, 3, 1), 3);
	EXPECT_MEMEQ(buf, "123", 3);
	EXPECT_EQ(RSYS(SYS_lseek, fd, 0, SEEK_CUR), 5);
	EXPECT_EQ(RSYS(SYS_pread64, fd, buf, 8, 102), 0);          /* past EOF */
	EXPECT_ERRNO(RSYS(SYS_pread64, fd, buf, 1, -1), EINVAL);
	EXPECT_EQ(RSYS(SYS_read, fd, buf, 2), 2);                  /* from 5 */
	EXPECT_MEMEQ(buf, "56", 2);
	close(fd);
	if (!mk_pipe(p))
		return;
	EXPECT_ERRNO(RSYS(SYS_pread64, p[0], buf, 1, 0), ESPIPE);
	EXPECT_ERRNO(RSYS(SYS_pwrite64, p[1], buf, 1, 0), ESPIPE);
	close_pair(p);
}

static void t_file_readv_writev(void)
{
	char a[3], b[5], c[20];
	struct iovec w[4] = { { "abc", 3 }, { "", 0 }, { "defgh", 5 }, { "ijklmnop", 8 } };
	struct iovec r[3] = { { a, sizeof(a) }, { b, sizeof(b) }, { c, sizeof(c) } };
	long fd = RSYS(SYS_open, tp("vec"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (!EXPECT_GE(fd, 0))
		return;
	EXPECT_EQ(RSYS(SYS_writev, fd, w, 4), 16);
	EXPECT_EQ(RSYS(SYS_lseek, fd, 1, SEEK_SET), 1);
	memset(c, 0, sizeof(c));
	EXPECT_EQ(RSYS(SYS_readv, fd, r, 3), 15);
	EXPECT_MEMEQ(a, "bcd", 3);
	EXPECT_MEMEQ(b, "efghi", 5);
	EXPECT_MEMEQ(c, "jklmnop", 8);
	EXPECT_ERRNO(RSYS(SYS_writev, fd, w, 1025), EINVAL);      /* > IOV_MAX */
	EXPECT_ERRNO(RSYS(SYS_readv, fd, r, -1), EINVAL);
	close(fd);
}

static void t_file_ftruncate(void)
{
	char buf[16];
	struct stat st;
	int zeros = 1;
	static char big[10000];
	long fd = RSYS(SYS_open, tp("ftrunc"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (!EXPECT_GE(fd, 0))
		return;
	EXPECT_EQ(RSYS(SYS_write, fd, "hello", 5), 5);
	EXPECT_EQ(RSYS(SYS_ftruncate, fd, 10000), 0);                   /* grows */
	EXPECT_EQ(RSYS(SYS_fstat, fd, &st), 0);
	EXPECT_EQ(st.st_size, 10000);
	EXPECT_EQ(RSYS(SYS_pread64, fd, big, sizeof(big), 0), 10000);
	EXPECT_MEMEQ(big, "hello", 5);
	for (int i = 5; i < 10000; i++)
		zeros &= big[i] == 0;
	EXPECT_TRUE(zeros);
	EXPECT_EQ(RSYS(SYS_ftruncate, fd, 3), 0);                       /* shrinks */
	EXPECT_EQ(RSYS(SYS_fstat, fd, &st), 0);
	EXPECT_EQ(st.st_size, 3);
	EXPECT_EQ(RSYS(SYS_lseek, fd, 0, SEEK_CUR), 5);                 /* offset kept */
	EXPECT_EQ(RSYS(SYS_ftruncate, fd, 8), 0);                       /* old bytes gone */
	memset(buf, 'x', sizeof(buf));
	EXPECT_EQ(RSYS(SYS_pread64, fd, buf, sizeof(buf), 0), 8);
	EXPECT_MEMEQ(buf, "hel\0\0\0\0\0", 8);
	EXPECT_ERRNO(RSYS(SYS_ftruncate, fd, -1), EINVAL);
	EXPECT_EQ(RSYS(SYS_truncate, tp("ftrunc"), 1), 0);
	EXPECT_EQ(RSYS(SYS_fstat, fd, &st), 0);
	EXPECT_EQ(st.st_size, 1);
	close(fd);
	fd = RSYS(SYS_open, tp("ftrunc"), O_RDONLY);
	EXPECT_ERRNO(RSYS(SYS_ftruncate, fd, 0), EINVAL);               /* not writable */
	close(fd);
}

static void t_file_stat_fstat(void)
{
	static char data[1234];
	struct stat a, b, c;
	long fd = RSYS(SYS_open, tp("stat"), O_RDWR | O_CREAT | O_TRUNC, 0640);
	long dfd = RSYS(SYS_open, tmpdir, O_RDONLY | O_DIRECTORY);
	if (!EXPECT_GE(fd, 0) || !EXPECT_GE(dfd, 0))
		return;
	EXPECT_EQ(write_all(fd, data, sizeof(data)), sizeof(data));
	EXPECT_EQ(RSYS(SYS_fstat, fd, &a), 0);
	EXPECT_EQ(RSYS(SYS_stat, tp("stat"), &b), 0);
	EXPECT_EQ(RSYS(SYS_newfstatat, dfd, "stat", &c, 0), 0);
	EXPECT_TRUE(S_ISREG(a.st_mode));
	EXPECT_EQ(a.st_mode & 07777, 0640);
	EXPECT_EQ(a.st_size, 1234);
	EXPECT_EQ(a.st_nlink, 1);
	EXPECT_EQ(a.st_uid, RSYS(SYS_geteuid));
	EXPECT_GT(a.st_blksize, 0);
	EXPECT_EQ(a.st_ino, b.st_ino);
	EXPECT_EQ(a.st_dev, b.st_dev);
	EXPECT_EQ(b.st_size, 1234);
	EXPECT_EQ(c.st_ino, a.st_ino);
	EXPECT_EQ(RSYS(SYS_fstat, dfd, &c), 0);
	EXPECT_TRUE(S_ISDIR(c.st_mode));
	EXPECT_EQ(c.st_mode & 07777, 0700);                 /* mkdtemp's mode */
	EXPECT_EQ(RSYS(SYS_fchmod, fd, 0604), 0);
	EXPECT_EQ(RSYS(SYS_stat, tp("stat"), &b), 0);
	EXPECT_EQ(b.st_mode & 07777, 0604);
	EXPECT_EQ(RSYS(SYS_chmod, tp("stat"), 0640), 0);
	EXPECT_EQ(RSYS(SYS_fstat, fd, &b), 0);
	EXPECT_EQ(b.st_mode & 07777, 0640);
	EXPECT_ERRNO(RSYS(SYS_fstat, 1000000, &b), EBADF);
	close(fd);
	close(dfd);
}

static void t_file_link_nlink(void)
{
	struct stat a, b;
	char buf[16];
	if (!EXPECT_EQ(put_file(tp("link-a"), "shared", 0644), 0))
		return;
	EXPECT_EQ(RSYS(SYS_link, tp("link-a"), tp("link-b")), 0);
	EXPECT_EQ(RSYS(SYS_stat, tp("link-a"), &a), 0);
	EXPECT_EQ(RSYS(SYS_stat, tp("link-b"), &b), 0);
	EXPECT_EQ(a.st_nlink, 2);
	EXPECT_EQ(b.st_nlink, 2);
	EXPECT_EQ(a.st_ino, b.st_ino);
	EXPECT_EQ(put_file(tp("link-b"), "changed", 0644), 0);          /* same file */
	EXPECT_EQ(get_file(tp("link-a"), buf, sizeof(buf)), 7);
	EXPECT_STREQ(buf, "changed");
	EXPECT_ERRNO(RSYS(SYS_link, tp("link-a"), tp("link-b")), EEXIST);
	EXPECT_ERRNO(RSYS(SYS_link, tp("no-such"), tp("link-c")), ENOENT);
	EXPECT_ERRNO(RSYS(SYS_link, tmpdir, tp("link-dir")), EPERM);   /* directories */
	EXPECT_EQ(RSYS(SYS_unlink, tp("link-a")), 0);
	EXPECT_EQ(RSYS(SYS_stat, tp("link-b"), &b), 0);
	EXPECT_EQ(b.st_nlink, 1);
	EXPECT_ERRNO(RSYS(SYS_stat, tp("link-a"), &a), ENOENT);
}

static void t_file_unlink_open_file(void)
{
	char buf[16];
	struct stat st;
	long fd;
	if (!EXPECT_EQ(put_file(tp("unlinked"), "still here", 0644), 0))
		return;
	fd = RSYS(SYS_open, tp("unlinked"), O_RDWR);
	if (!EXPECT_GE(fd, 0))
		return;
	EXPECT_EQ(RSYS(SYS_unlink, tp("unlinked")), 0);
	EXPECT_ERRNO(RSYS(SYS_stat, tp("unlinked"), &st), ENOENT);
	EXPECT_ERRNO(RSYS(SYS_open, tp("unlinked"), O_RDONLY), ENOENT);
	EXPECT_ERRNO(RSYS(SYS_unlink, tp("unlinked")), ENOENT);
	EXPECT_EQ(RSYS(SYS_read, fd, buf, sizeof(buf)), 10);
	EXPECT_MEMEQ(buf, "still here", 10);
	EXPECT_EQ(RSYS(SYS_pwrite64, fd, "S", 1, 0), 1);
	EXPECT_EQ(RSYS(SYS_pread64, fd, buf, 5, 0), 5);
	EXPECT_MEMEQ(buf, "Still", 5);
	EXPECT_EQ(RSYS(SYS_fstat, fd, &st), 0);
	EXPECT_EQ(st.st_nlink, 0);
	EXPECT_EQ(st.st_size, 10);
	close(fd);
	/* The name can be reused for a new file. */
	EXPECT_EQ(put_file(tp("unlinked"), "new", 0644), 0);
	EXPECT_EQ(get_file(tp("unlinked"), buf, sizeof(buf)), 3);
}

static void t_file_rename_replaces(void)
{
	struct stat from, to;
	char buf[16];
	long fd;
	if (!EXPECT_EQ(put_file(tp("ren-old"), "old", 0644), 0) ||
	    !EXPECT_EQ(put_file(tp("ren-new"), "new content", 0644), 0))
		return;
	fd = RSYS(SYS_open, tp("ren-old"), O_RDONLY);
	EXPECT_EQ(RSYS(SYS_stat, tp("ren-new"), &from), 0);
	EXPECT_EQ(RSYS(SYS_rename, tp("ren-new"), tp("ren-old")), 0);
	EXPECT_ERRNO(RSYS(SYS_stat, tp("ren-new"), &to), ENOENT);
	EXPECT_EQ(RSYS(SYS_stat, tp("ren-old"), &to), 0);
	EXPECT_EQ(to.st_ino, from.st_ino);
	EXPECT_EQ(to.st_nlink, 1);
	EXPECT_EQ(get_file(tp("ren-old"), buf, sizeof(buf)), 11);
	EXPECT_STREQ(buf, "new content");
	/* The replaced file lives on through its descriptor. */
	EXPECT_EQ(RSYS(SYS_read, fd, buf, sizeof(buf)), 3);
	EXPECT_MEMEQ(buf, "old", 3);
	close(fd);
	/* Renaming a file onto itself (or a hard link of itself) is a no-op. */
	EXPECT_EQ(RSYS(SYS_rename, tp("ren-old"), tp("ren-old")), 0);
	EXPECT_EQ(RSYS(SYS_stat, tp("ren-old"), &to), 0);
	EXPECT_ERRNO(RSYS(SYS_rename, tp("no-such"), tp("ren-x")), ENOENT);
}

static void t_file_rename_directory(void)
{
	struct stat st, top;
	char buf[8];
	EXPECT_EQ(RSYS(SYS_mkdir, tp("rd1"), 0755), 0);
	EXPECT_EQ(put_file(tp("rd1/inner"), "in", 0644), 0);
	EXPECT_EQ(RSYS(SYS_rename, tp("rd1"), tp("rd2")), 0);
	EXPECT_ERRNO(RSYS(SYS_stat, tp("rd1"), &st), ENOENT);
	EXPECT_EQ(get_file(tp("rd2/inner"), buf, sizeof(buf)), 2);
	EXPECT_EQ(RSYS(SYS_stat, tp("rd2/.."), &st), 0);
	EXPECT_EQ(RSYS(SYS_stat, tmpdir, &top), 0);
	EXPECT_EQ(st.st_ino, top.st_ino);
	/* Moved into a subdirectory: ".." follows. */
	EXPECT_EQ(RSYS(SYS_mkdir, tp("rd-parent"), 0755), 0);
	EXPECT_EQ(RSYS(SYS_rename, tp("rd2"), tp("rd-parent/rd3")), 0);
	EXPECT_EQ(RSYS(SYS_stat, tp("rd-parent/rd3/.."), &st), 0);
	EXPECT_EQ(RSYS(SYS_stat, tp("rd-parent"), &top), 0);
	EXPECT_EQ(st.st_ino, top.st_ino);
	/* Onto an empty directory: replaced; onto a non-empty one: no. */
	EXPECT_EQ(RSYS(SYS_mkdir, tp("rd-empty"), 0755), 0);
	EXPECT_EQ(RSYS(SYS_rename, tp("rd-parent/rd3"), tp("rd-empty")), 0);
	EXPECT_EQ(get_file(tp("rd-empty/inner"), buf, sizeof(buf)), 2);
	EXPECT_ERRNO(RSYS(SYS_rename, tp("rd-parent"), tp("rd-empty")), ENOTEMPTY);
	EXPECT_ERRNO(RSYS(SYS_rename, tp("rd-parent"), tp("rd-parent/sub")), EINVAL);
	EXPECT_EQ(put_file(tp("rd-file"), "f", 0644), 0);
	EXPECT_ERRNO(RSYS(SYS_rename, tp("rd-parent"), tp("rd-file")), ENOTDIR);
	EXPECT_ERRNO(RSYS(SYS_rename, tp("rd-file"), tp("rd-parent")), EISDIR);
}

static void t_mkdir_rmdir(void)
{
	struct stat st;
	EXPECT_EQ(RSYS(SYS_mkdir, tp("md"), 0755), 0);
	EXPECT_EQ(RSYS(SYS_stat, tp("md"), &st), 0);
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	EXPECT_EQ(st.st_mode & 07777, 0755);
	EXPECT_EQ(RSYS(SYS_mkdir, tp("md/sub"), 0755), 0);
	EXPECT_EQ(put_file(tp("md/file"), "x", 0644), 0);
	EXPECT_ERRNO(RSYS(SYS_rmdir, tp("md")), ENOTEMPTY);
	EXPECT_ERRNO(RSYS(SYS_rmdir, tp("md/file")), ENOTDIR);
	EXPECT_EQ(RSYS(SYS_rmdir, tp("md/sub")), 0);
	EXPECT_ERRNO(RSYS(SYS_rmdir, tp("md")), ENOTEMPTY);
	EXPECT_EQ(RSYS(SYS_unlink, tp("md/file")), 0);
	EXPECT_EQ(RSYS(SYS_rmdir, tp("md")), 0);
	EXPECT_ERRNO(RSYS(SYS_stat, tp("md"), &st), ENOENT);
	EXPECT_ERRNO(RSYS(SYS_rmdir, tp("md")), ENOENT);
	EXPECT_EQ(RSYS(SYS_mkdirat, AT_FDCWD, tp("md2"), 0700), 0);
	EXPECT_EQ(RSYS(SYS_unlinkat, AT_FDCWD, tp("md2"), AT_REMOVEDIR), 0);
}

struct dirent64_ {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static void t_getdents_300_entries(void)
{
	static unsigned char seen[300];
	char name[16], path[32];
	_Alignas(8) char buf[200];
	int calls = 0, dots = 0, dotdots = 0, other = 0, badtype = 0, total = 0;
	long fd, n;
	if (!EXPECT_EQ(RSYS(SYS_mkdir, tp("many"), 0755), 0))
		return;
	for (int i = 0; i < 300; i++) {
		snprintf(path, sizeof(path), "many/f%03d", i);
		if (put_file(tp(path), "", 0644) != 0) {
			KTAP_FAIL("creating %s failed", path);
			return;
		}
	}
	fd = RSYS(SYS_open, tp("many"), O_RDONLY | O_DIRECTORY);
	if (!EXPECT_GE(fd, 0))
		return;
	EXPECT_ERRNO(RSYS(SYS_getdents64, fd, buf, 8), EINVAL);   /* too small for one */
	for (int round = 0; round < 2; round++) {
		memset(seen, 0, sizeof(seen));
		calls = dots = dotdots = other = badtype = total = 0;
		while ((n = RSYS(SYS_getdents64, fd, buf, sizeof(buf))) > 0 && calls < 10000) {
			calls++;
			for (long off = 0; off < n;) {
				struct dirent64_ *d = (struct dirent64_ *)(buf + off);
				int idx;
				if (d->d_reclen == 0)
					break;
				off += d->d_reclen;
				total++;
				if (!strcmp(d->d_name, "."))
					dots++;
				else if (!strcmp(d->d_name, ".."))
					dotdots++;
				else if (sscanf(d->d_name, "f%3d", &idx) == 1 && idx >= 0 && idx < 300 &&
					 (snprintf(name, sizeof(name), "f%03d", idx), !strcmp(name, d->d_name))) {
					seen[idx]++;
					if (d->d_type != DT_REG && (on_ringtail() || d->d_type != DT_UNKNOWN))
						badtype++;
				} else {
					other++;
				}
				if (d->d_ino == 0)
					other++;
			}
		}
		EXPECT_EQ(n, 0);
		int once = 0;
		for (int i = 0; i < 300; i++)
			once += seen[i] == 1;
		EXPECT_EQ(once, 300);
		EXPECT_EQ(total, 302);
		EXPECT_EQ(dots, 1);
		EXPECT_EQ(dotdots, 1);
		EXPECT_EQ(other, 0);
		EXPECT_EQ(badtype, 0);
		EXPECT_GE(calls, 20);                      /* a small buffer: many calls */
		EXPECT_EQ(RSYS(SYS_getdents64, fd, buf, sizeof(buf)), 0); /* still at the end */
		EXPECT_EQ(RSYS(SYS_lseek, fd, 0, SEEK_SET), 0);          /* rewind: again */
	}
	close(fd);
	fd = RSYS(SYS_open, tp("many/f000"), O_RDONLY);
	EXPECT_ERRNO(RSYS(SYS_getdents64, fd, buf, sizeof(buf)), ENOTDIR);
	close(fd);
}

static void t_symlink_readlink(void)
{
	char buf[64];
	struct stat st;
	long fd;
	if (!EXPECT_EQ(put_file(tp("sl-target"), "through the link", 0644), 0))
		return;
	EXPECT_EQ(RSYS(SYS_symlink, "sl-target", tp("sl-link")), 0);
	memset(buf, 'x', sizeof(buf));
	EXPECT_EQ(RSYS(SYS_readlink, tp("sl-link"), buf, sizeof(buf)), 9);
	EXPECT_MEMEQ(buf, "sl-targetx", 10);           /* no NUL added */
	EXPECT_EQ(RSYS(SYS_readlink, tp("sl-link"), buf, 4), 4);   /* truncated */
	EXPECT_MEMEQ(buf, "sl-t", 4);
	EXPECT_EQ(RSYS(SYS_lstat, tp("sl-link"), &st), 0);
	EXPECT_TRUE(S_ISLNK(st.st_mode));
	EXPECT_EQ(st.st_size, 9);
	EXPECT_EQ(RSYS(SYS_stat, tp("sl-link"), &st), 0);
	EXPECT_TRUE(S_ISREG(st.st_mode));
	EXPECT_EQ(st.st_size, 16);
	EXPECT_EQ(get_file(tp("sl-link"), buf, sizeof(buf)), 16);
	EXPECT_STREQ(buf, "through the link");
	EXPECT_ERRNO(RSYS(SYS_readlink, tp("sl-target"), buf, sizeof(buf)), EINVAL);
	EXPECT_ERRNO(RSYS(SYS_symlink, "x", tp("sl-target")), EEXIST);
	fd = RSYS(SYS_open, tp("sl-link"), O_RDONLY | O_NOFOLLOW);
	EXPECT_ERRNO(fd, ELOOP);
	if (fd >= 0)
		close(fd);
	/* Dangling: stat fails, lstat works; a loop is ELOOP. */
	EXPECT_EQ(RSYS(SYS_symlink, "sl-nowhere", tp("sl-dangling")), 0);
	EXPECT_ERRNO(RSYS(SYS_stat, tp("sl-dangling"), &st), ENOENT);
	EXPECT_EQ(RSYS(SYS_lstat, tp("sl-dangling"), &st), 0);
	EXPECT_EQ(RSYS(SYS_symlink, "sl-loop", tp("sl-loop")), 0);
	EXPECT_ERRNO(RSYS(SYS_stat, tp("sl-loop"), &st), ELOOP);
	/* A symlink to a directory works as a path component. */
	EXPECT_EQ(RSYS(SYS_mkdir, tp("sl-dir"), 0755), 0);
	EXPECT_EQ(put_file(tp("sl-dir/f"), "d", 0644), 0);
	EXPECT_EQ(RSYS(SYS_symlink, tmpdir, tp("sl-dir/up")), 0);   /* absolute */
	EXPECT_EQ(get_file(tp("sl-dir/up/sl-dir/f"), buf, sizeof(buf)), 1);
	/* unlink removes the link, not the target. */
	EXPECT_EQ(RSYS(SYS_unlink, tp("sl-link")), 0);
	EXPECT_EQ(RSYS(SYS_stat, tp("sl-target"), &st), 0);
}

static void t_chdir_getcwd(void)
{
	char base[PATH_MAX], cwd[PATH_MAX], want[PATH_MAX + 16];
	struct stat st;
	long dfd;
	if (!EXPECT_EQ(RSYS(SYS_chdir, tmpdir), 0))
		return;
	if (!EXPECT_GT(RSYS(SYS_getcwd, base, sizeof(base)), 0))
		goto out;
	EXPECT_EQ(RSYS(SYS_getcwd, base, sizeof(base)), strlen(base) + 1);
	EXPECT_EQ(RSYS(SYS_mkdir, "cwd-sub", 0755), 0);            /* relative */
	EXPECT_EQ(RSYS(SYS_chdir, "cwd-sub"), 0);
	EXPECT_EQ(RSYS(SYS_getcwd, cwd, sizeof(cwd)), strlen(base) + 9);
	snprintf(want, sizeof(want), "%s/cwd-sub", base);
	EXPECT_STREQ(cwd, want);
	EXPECT_EQ(put_file("rel-file", "r", 0644), 0);
	EXPECT_EQ(RSYS(SYS_stat, tp("cwd-sub/rel-file"), &st), 0);
	EXPECT_ERRNO(RSYS(SYS_getcwd, cwd, 2), ERANGE);
	EXPECT_EQ(RSYS(SYS_chdir, ".."), 0);
	EXPECT_EQ(RSYS(SYS_getcwd, cwd, sizeof(cwd)), strlen(base) + 1);
	EXPECT_STREQ(cwd, base);
	EXPECT_ERRNO(RSYS(SYS_chdir, "cwd-sub/rel-file"), ENOTDIR);
	EXPECT_ERRNO(RSYS(SYS_chdir, "no-such-dir"), ENOENT);
	dfd = RSYS(SYS_open, "cwd-sub", O_RDONLY | O_DIRECTORY);
	EXPECT_EQ(RSYS(SYS_fchdir, dfd), 0);
	EXPECT_EQ(RSYS(SYS_getcwd, cwd, sizeof(cwd)), strlen(want) + 1);
	EXPECT_STREQ(cwd, want);
	close(dfd);
	/* A child inherits the cwd. */
	pid_t pid = ut_fork();
	if (pid == 0)
		_exit(access("rel-file", F_OK) == 0 ? 0 : 1);
	EXPECT_EQ(wait_code(pid), 0);
	EXPECT_EQ(RSYS(SYS_chdir, "/"), 0);
	EXPECT_EQ(RSYS(SYS_getcwd, cwd, sizeof(cwd)), 2);
	EXPECT_STREQ(cwd, "/");
out:
	if (RSYS(SYS_chdir, orig_cwd) != 0)
		KTAP_FAIL("cannot return to the original directory");
}

static void t_access_faccessat(void)
{
	long dfd;
	if (!EXPECT_EQ(put_file(tp("acc-rw"), "x", 0644), 0) ||
	    !EXPECT_EQ(put_file(tp("acc-x"), "x", 0755), 0))
		return;
	EXPECT_EQ(RSYS(SYS_access, tp("acc-rw"), F_OK), 0);
	EXPECT_EQ(RSYS(SYS_access, tp("acc-rw"), R_OK | W_OK), 0);
	EXPECT_ERRNO(RSYS(SYS_access, tp("acc-rw"), X_OK), EACCES);  /* even for root */
	EXPECT_EQ(RSYS(SYS_access, tp("acc-x"), R_OK | X_OK), 0);
	EXPECT_ERRNO(RSYS(SYS_access, tp("acc-none"), F_OK), ENOENT);
	EXPECT_ERRNO(RSYS(SYS_access, tp("acc-rw"), 8), EINVAL);
	EXPECT_EQ(RSYS(SYS_access, tmpdir, R_OK | W_OK | X_OK), 0);
	dfd = RSYS(SYS_open, tmpdir, O_RDONLY | O_DIRECTORY);
	if (!EXPECT_GE(dfd, 0))
		return;
	EXPECT_EQ(RSYS(SYS_faccessat, dfd, "acc-x", X_OK), 0);
	EXPECT_ERRNO(RSYS(SYS_faccessat, dfd, "acc-rw", X_OK), EACCES);
	EXPECT_ERRNO(RSYS(SYS_faccessat, dfd, "acc-none", F_OK), ENOENT);
	EXPECT_EQ(RSYS(SYS_faccessat, AT_FDCWD, tp("acc-rw"), R_OK), 0);
	EXPECT_EQ(RSYS(SYS_faccessat, 1000000, tp("acc-rw"), R_OK), 0); /* absolute: fd unused */
	EXPECT_ERRNO(RSYS(SYS_faccessat, 1000000, "acc-rw", R_OK), EBADF);
	close(dfd);
}

static void t_umask_applies(void)
{
	struct stat st;
	long fd;
	EXPECT_EQ(RSYS(SYS_umask, 077), 022);
	fd = RSYS(SYS_open, tp("um-file"), O_RDWR | O_CREAT | O_EXCL, 0666);
	close(fd);
	EXPECT_EQ(RSYS(SYS_stat, tp("um-file"), &st), 0);
	EXPECT_EQ(st.st_mode & 07777, 0600);
	EXPECT_EQ(RSYS(SYS_mkdir, tp("um-dir"), 0777), 0);
	EXPECT_EQ(RSYS(SYS_stat, tp("um-dir"), &st), 0);
	EXPECT_EQ(st.st_mode & 07777, 0700);
	EXPECT_EQ(RSYS(SYS_umask, 0), 077);
	fd = RSYS(SYS_open, tp("um-zero"), O_RDWR | O_CREAT | O_EXCL, 0646);
	close(fd);
	EXPECT_EQ(RSYS(SYS_stat, tp("um-zero"), &st), 0);
	EXPECT_EQ(st.st_mode & 07777, 0646);
	/* Inherited by a child. */
	RSYS(SYS_umask, 027);
	pid_t pid = ut_fork();
	if (pid == 0)
		_exit((int)RSYS(SYS_umask, 0));
	EXPECT_EQ(wait_code(pid), 027);
	EXPECT_EQ(RSYS(SYS_umask, 022), 027);
	/* chmod is not masked. */
	EXPECT_EQ(RSYS(SYS_chmod, tp("um-file"), 0777), 0);
	EXPECT_EQ(RSYS(SYS_stat, tp("um-file"), &st), 0);
	EXPECT_EQ(st.st_mode & 07777, 0777);
}

static void t_utimensat_mtime(void)
{
	struct timespec ts[2] = { { 1000000000, 0 }, { 1234567890, 0 } };
	struct stat st;
	long fd;
	if (!EXPECT_EQ(put_file(tp("times"), "t", 0644), 0))
		return;
	EXPECT_EQ(RSYS(SYS_utimensat, AT_FDCWD, tp("times"), ts, 0), 0);
	EXPECT_EQ(RSYS(SYS_stat, tp("times"), &st), 0);
	EXPECT_EQ(st.st_mtim.tv_sec, 1234567890);
	EXPECT_EQ(st.st_mtim.tv_nsec, 0);
	EXPECT_EQ(st.st_atim.tv_sec, 1000000000);
	/* UTIME_OMIT keeps one; an fd with a NULL path sets the other. */
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_sec = 1500000000;
	fd = RSYS(SYS_open, tp("times"), O_RDWR);
	EXPECT_EQ(RSYS(SYS_utimensat, fd, NULL, ts, 0), 0);
	EXPECT_EQ(RSYS(SYS_fstat, fd, &st), 0);
	EXPECT_EQ(st.st_mtim.tv_sec, 1500000000);
	EXPECT_EQ(st.st_atim.tv_sec, 1000000000);
	/* A write moves mtime to now (as CLOCK_REALTIME says, within 1 s). */
	struct timespec t0, t1;
	RSYS(SYS_clock_gettime, CLOCK_REALTIME, &t0);
	EXPECT_EQ(RSYS(SYS_write, fd, "w", 1), 1);
	RSYS(SYS_clock_gettime, CLOCK_REALTIME, &t1);
	EXPECT_EQ(RSYS(SYS_fstat, fd, &st), 0);
	EXPECT_GE(st.st_mtim.tv_sec, t0.tv_sec - 1);
	EXPECT_LE(st.st_mtim.tv_sec, t1.tv_sec + 1);
	EXPECT_NE(st.st_mtim.tv_sec, 1500000000);
	close(fd);
	ts[1].tv_nsec = 1000000000;
	EXPECT_ERRNO(RSYS(SYS_utimensat, AT_FDCWD, tp("times"), ts, 0), EINVAL);
	EXPECT_ERRNO(RSYS(SYS_utimensat, AT_FDCWD, tp("no-such"), NULL, 0), ENOENT);
}

/* --- path errnos -------------------------------------------------------- */

static void t_err_enoent(void)
{
	struct stat st;
	EXPECT_ERRNO(RSYS(SYS_open, tp("missing"), O_RDONLY), ENOENT);
	EXPECT_ERRNO(RSYS(SYS_open, tp("missing-dir/f"), O_RDWR | O_CREAT, 0644), ENOENT);
	EXPECT_ERRNO(RSYS(SYS_stat, tp("missing"), &st), ENOENT);
	EXPECT_ERRNO(RSYS(SYS_stat, tp("missing-dir/f"), &st), ENOENT);
	EXPECT_ERRNO(RSYS(SYS_mkdir, tp("missing-dir/d"), 0755), ENOENT);
	EXPECT_ERRNO(RSYS(SYS_unlink, tp("missing")), ENOENT);
	EXPECT_ERRNO(RSYS(SYS_rmdir, tp("missing")), ENOENT);
	EXPECT_ERRNO(RSYS(SYS_chdir, tp("missing")), ENOENT);
}

static void t_err_enotdir(void)
{
	struct stat st;
	if (!EXPECT_EQ(put_file(tp("plain"), "p", 0644), 0))
		return;
	EXPECT_ERRNO(RSYS(SYS_open, tp("plain/x"), O_RDONLY), ENOTDIR);
	EXPECT_ERRNO(RSYS(SYS_open, tp("plain/x"), O_RDWR | O_CREAT, 0644), ENOTDIR);
	EXPECT_ERRNO(RSYS(SYS_stat, tp("plain/x"), &st), ENOTDIR);
	EXPECT_ERRNO(RSYS(SYS_mkdir, tp("plain/x"), 0755), ENOTDIR);
	EXPECT_ERRNO(RSYS(SYS_open, tp("plain"), O_RDONLY | O_DIRECTORY), ENOTDIR);
	EXPECT_ERRNO(RSYS(SYS_chdir, tp("plain")), ENOTDIR);
	long fd = RSYS(SYS_open, tp("plain"), O_RDONLY);
	EXPECT_ERRNO(RSYS(SYS_openat, fd, "x", O_RDONLY), ENOTDIR);   /* dirfd not a dir */
	close(fd);
}

static void t_err_eisdir(void)
{
	char c;
	long fd;
	EXPECT_ERRNO(RSYS(SYS_open, tmpdir, O_WRONLY), EISDIR);
	EXPECT_ERRNO(RSYS(SYS_open, tmpdir, O_RDWR), EISDIR);
	EXPECT_ERRNO(RSYS(SYS_open, tmpdir, O_WRONLY | O_CREAT, 0644), EISDIR);
	fd = RSYS(SYS_open, tmpdir, O_RDONLY);
	if (EXPECT_GE(fd, 0)) {
		EXPECT_ERRNO(RSYS(SYS_read, fd, &c, 1), EISDIR);
		close(fd);
	}
	EXPECT_EQ(RSYS(SYS_mkdir, tp("isdir"), 0755), 0);
	EXPECT_ERRNO(RSYS(SYS_unlink, tp("isdir")), EISDIR);
}

static void t_err_enametoolong(void)
{
	static char name[300], path[PATH_MAX + 1];
	struct stat st;
	size_t t = strlen(tmpdir);
	long fd;
	memset(name, 'n', sizeof(name) - 1);
	EXPECT_ERRNO(RSYS(SYS_open, tp(name), O_RDWR | O_CREAT, 0644), ENAMETOOLONG);
	EXPECT_ERRNO(RSYS(SYS_stat, tp(name), &st), ENAMETOOLONG);
	EXPECT_ERRNO(RSYS(SYS_mkdir, tp(name), 0755), ENAMETOOLONG);
	name[256] = 0;
	EXPECT_ERRNO(RSYS(SYS_open, tp(name), O_RDWR | O_CREAT, 0644), ENAMETOOLONG);
	name[255] = 0;                                       /* NAME_MAX: fine */
	fd = RSYS(SYS_open, tp(name), O_RDWR | O_CREAT, 0644);
	EXPECT_GE(fd, 0);
	close(fd);
	EXPECT_EQ(RSYS(SYS_unlink, tp(name)), 0);
	/* Whole paths: PATH_MAX - 1 characters work, PATH_MAX do not. */
	if (!EXPECT_EQ(put_file(tp("pm"), "pm", 0644), 0))
		return;
	memcpy(path, tmpdir, t);
	memset(path + t, '/', PATH_MAX - 1 - t - 2);
	memcpy(path + PATH_MAX - 3, "pm", 3);
	EXPECT_EQ(strlen(path), PATH_MAX - 1);
	fd = RSYS(SYS_open, path, O_RDONLY);
	EXPECT_GE(fd, 0);
	close(fd);
	memcpy(path + PATH_MAX - 3, "/pm", 4);
	EXPECT_EQ(strlen(path), PATH_MAX);
	EXPECT_ERRNO(RSYS(SYS_open, path, O_RDONLY), ENAMETOOLONG);
	EXPECT_ERRNO(RSYS(SYS_stat, path, &st), ENAMETOOLONG);
}

static void t_err_eexist(void)
{
	EXPECT_EQ(RSYS(SYS_mkdir, tp("exists-dir"), 0755), 0);
	EXPECT_ERRNO(RSYS(SYS_mkdir, tp("exists-dir"), 0755), EEXIST);
	EXPECT_EQ(put_file(tp("exists-file"), "e", 0644), 0);
	EXPECT_ERRNO(RSYS(SYS_mkdir, tp("exists-file"), 0755), EEXIST);
	EXPECT_ERRNO(RSYS(SYS_mkdir, tmpdir, 0755), EEXIST);
	EXPECT_ERRNO(RSYS(SYS_mkdir, "/", 0755), EEXIST);
}

static void t_err_empty_path(void)
{
	struct stat st;
	EXPECT_ERRNO(RSYS(SYS_open, "", O_RDONLY), ENOENT);
	EXPECT_ERRNO(RSYS(SYS_open, "", O_RDWR | O_CREAT, 0644), ENOENT);
	EXPECT_ERRNO(RSYS(SYS_stat, "", &st), ENOENT);
	EXPECT_ERRNO(RSYS(SYS_mkdir, "", 0755), ENOENT);
	EXPECT_ERRNO(RSYS(SYS_unlink, ""), ENOENT);
	EXPECT_ERRNO(RSYS(SYS_chdir, ""), ENOENT);
	EXPECT_ERRNO(RSYS(SYS_access, "", F_OK), ENOENT);
}

static void t_err_null_path_efault(void)
{
	struct stat st;
	EXPECT_ERRNO(RSYS(SYS_open, NULL, O_RDONLY), EFAULT);
	EXPECT_ERRNO(RSYS(SYS_open, NULL, O_RDWR | O_CREAT, 0644), EFAULT);
	EXPECT_ERRNO(RSYS(SYS_stat, NULL, &st), EFAULT);
	EXPECT_ERRNO(RSYS(SYS_mkdir, NULL, 0755), EFAULT);
	EXPECT_ERRNO(RSYS(SYS_unlink, NULL), EFAULT);
	EXPECT_ERRNO(RSYS(SYS_chdir, NULL), EFAULT);
	EXPECT_ERRNO(RSYS(SYS_access, NULL, F_OK), EFAULT);
	EXPECT_ERRNO(RSYS(SYS_open, BAD_KERNEL, O_RDONLY), EFAULT);
}

static void t_err_trailing_slash_file(void)
{
	struct stat st;
	long fd;
	if (!EXPECT_EQ(put_file(tp("slashed"), "s", 0644), 0))
		return;
	EXPECT_ERRNO(RSYS(SYS_open, tp("slashed/"), O_RDONLY), ENOTDIR);
	EXPECT_ERRNO(RSYS(SYS_stat, tp("slashed/"), &st), ENOTDIR);
	EXPECT_ERRNO(RSYS(SYS_unlink, tp("slashed/")), ENOTDIR);
	EXPECT_EQ(RSYS(SYS_stat, tp("slashed"), &st), 0);           /* untouched */
	EXPECT_EQ(RSYS(SYS_mkdir, tp("slashdir"), 0755), 0);
	EXPECT_EQ(RSYS(SYS_stat, tp("slashdir/"), &st), 0);         /* fine for a dir */
	fd = RSYS(SYS_open, tp("slashdir//"), O_RDONLY | O_DIRECTORY);
	EXPECT_GE(fd, 0);
	close(fd);
	EXPECT_EQ(RSYS(SYS_rmdir, tp("slashdir/")), 0);
}

static void t_dot_and_dotdot(void)
{
	struct stat a, b;
	char buf[8];
	long fd;
	EXPECT_EQ(RSYS(SYS_mkdir, tp("dots"), 0755), 0);
	EXPECT_EQ(RSYS(SYS_mkdir, tp("dots/sub"), 0755), 0);
	EXPECT_EQ(put_file(tp("dots/file"), "dot", 0644), 0);
	EXPECT_EQ(get_file(tp("dots/./sub/../file"), buf, sizeof(buf)), 3);
	EXPECT_STREQ(buf, "dot");
	EXPECT_EQ(get_file(tp("./dots/sub/./../sub/.././file"), buf, sizeof(buf)), 3);
	EXPECT_EQ(RSYS(SYS_stat, tp("dots/."), &a), 0);
	EXPECT_EQ(RSYS(SYS_stat, tp("dots"), &b), 0);
	EXPECT_EQ(a.st_ino, b.st_ino);
	EXPECT_EQ(RSYS(SYS_stat, tp("dots/sub/.."), &a), 0);
	EXPECT_EQ(a.st_ino, b.st_ino);
	EXPECT_EQ(RSYS(SYS_stat, "/..", &a), 0);                    /* ".." of / is / */
	EXPECT_EQ(RSYS(SYS_stat, "/", &b), 0);
	EXPECT_EQ(a.st_ino, b.st_ino);
	EXPECT_EQ(RSYS(SYS_stat, "/../../..", &a), 0);
	EXPECT_EQ(a.st_ino, b.st_ino);
	fd = RSYS(SYS_open, tp("dots"), O_RDONLY | O_DIRECTORY);
	EXPECT_EQ(RSYS(SYS_newfstatat, fd, "..", &a, 0), 0);
	EXPECT_EQ(RSYS(SYS_stat, tmpdir, &b), 0);
	EXPECT_EQ(a.st_ino, b.st_ino);
	EXPECT_EQ(RSYS(SYS_newfstatat, fd, "./file", &a, 0), 0);
	close(fd);
	EXPECT_ERRNO(RSYS(SYS_mkdir, tp("dots/."), 0755), EEXIST);
	EXPECT_ERRNO(RSYS(SYS_rmdir, tp("dots/sub/.")), EINVAL);
	EXPECT_ERRNO(RSYS(SYS_rmdir, tp("dots/sub/..")), ENOTEMPTY);
}

/* --- RLIMIT_NPROC --------------------------------------------------------- */

struct nproc_report {
	long setuid_rc, setrlimit_rc;
	int dropped, forked, err, reaped, after;
};

/* One try in a child: drop root, lower the limit, fork until refused. */
static int nproc_attempt(struct nproc_report *r)
{
	int rep[2];
	pid_t pid;
	memset(r, 0, sizeof(*r));
	if (!mk_pipe(rep))
		return -1;
	pid = ut_fork();
	if (pid == 0) {
		struct nproc_report m;
		struct rlimit rl = { NPROC_LIMIT, NPROC_LIMIT };
		pid_t kids[NPROC_TRIES];
		int hold[2], st;
		memset(&m, 0, sizeof(m));
		close(rep[0]);
		CK(90, pipe(hold) == 0);
		/* Linux exempts root (CAP_SYS_RESOURCE/CAP_SYS_ADMIN) from the
		 * limit: become an unprivileged user first, on any kernel. */
		if (geteuid() == 0) {
			m.dropped = 1;
			m.setuid_rc = RSYS(SYS_setuid, NOBODY_UID);
		}
		m.setrlimit_rc = RSYS(SYS_setrlimit, RLIMIT_NPROC, &rl);
		for (m.forked = 0; m.forked < NPROC_TRIES; m.forked++) {
			pid_t k = fork();
			if (k == 0) {
				char c;
				alarm(CHILD_TIMEOUT);
				close(hold[1]);
				_exit(read(hold[0], &c, 1) == 0 ? 0 : 1);
			}
			if (k < 0) {
				m.err = errno;
				break;
			}
			kids[m.forked] = k;
		}
		close(hold[1]);                  /* every kid exits on EOF */
		for (int i = 0; i < m.forked; i++)
			if (waitpid(kids[i], &st, 0) == kids[i] && st == 0)
				m.reaped++;
		/* Room again once they are gone. */
		pid_t k = fork();
		if (k == 0)
			_exit(0);
		m.after = k > 0 && waitpid(k, &st, 0) == k && st == 0;
		CK(91, write(rep[1], &m, sizeof(m)) == sizeof(m));
		_exit(0);
	}
	close(rep[1]);
	long n = read_full(rep[0], r, sizeof(*r));
	close(rep[0]);
	int code = wait_code(pid);
	return n == sizeof(*r) ? code : -1;
}

static void t_rlimit_nproc(void)
{
	struct nproc_report r;
	pid_t pid;
	int code;
	/* The count is per user: if other programs run as nobody right now
	 * (another copy of this test), try again a little later. */
	for (int i = 0; i < 5; i++) {
		code = nproc_attempt(&r);
		if (code == 0 && (r.forked >= 1 || !r.dropped) && r.after == 1)
			break;
		ms_sleep(200 * (i + 1));
	}
	EXPECT_EQ(code, 0);
	EXPECT_EQ(r.setuid_rc, 0);
	EXPECT_EQ(r.setrlimit_rc, 0);
	EXPECT_LT(r.forked, NPROC_LIMIT);        /* the limit held */
	if (r.dropped)                           /* nobody owns few processes */
		EXPECT_GE(r.forked, 1);
	EXPECT_ERRNO(-r.err, EAGAIN);
	EXPECT_EQ(r.reaped, r.forked);
	EXPECT_EQ(r.after, 1);
	/* And we can still fork. */
	pid = ut_fork();
	if (pid == 0)
		_exit(0);
	EXPECT_EQ(wait_code(pid), 0);
}

/* --- the table ---------------------------------------------------------- */

static const struct ktap_case cases[] = {
	KTAP_CASE(t_fork_exit_codes),
	KTAP_CASE(t_wait_killed_by_signal),
	KTAP_CASE(t_waitpid_specific_pid),
	KTAP_CASE(t_wait_nohang_before_exit),
	KTAP_CASE(t_wait_no_children_echild),
	KTAP_CASE(t_waitid_siginfo),
	KTAP_CASE(t_waitid_wnowait),
	KTAP_CASE(t_vfork_suspends_parent),
	KTAP_CASE(t_vfork_exec_releases_parent),
	KTAP_CASE(t_clone_no_vm_is_fork),
	KTAP_CASE(t_fork_copy_on_write),
	KTAP_CASE(t_exec_argv_envp),
	KTAP_CASE(t_exec_keeps_pid_ppid),
	KTAP_CASE(t_exec_closes_cloexec_fds),
	KTAP_CASE(t_exec_errors),
	KTAP_CASE(t_exec_script_self_interp),
	KTAP_CASE(t_exec_script_bin_sh),
	KTAP_CASE(t_dup2_redirect_exec),
	KTAP_CASE(t_dup2_semantics),
	KTAP_CASE(t_zombie_until_waited),
	KTAP_CASE(t_orphan_reparented_to_init),
	KTAP_CASE(t_sigchld_on_child_exit),
	KTAP_CASE(t_sigchld_ignored_autoreaps),
	KTAP_CASE(t_setpgid_new_group),
	KTAP_CASE(t_setsid_new_session),
	KTAP_CASE(t_setsid_group_leader_eperm),
	KTAP_CASE(t_kill_process_group),
	KTAP_CASE(t_kill_zero_own_group),
	KTAP_CASE(t_pipe_round_trip),
	KTAP_CASE(t_pipe_eof_when_writers_close),
	KTAP_CASE(t_pipe_full_blocks_writer),
	KTAP_CASE(t_pipe_epipe_when_ignored),
	KTAP_CASE(t_pipe_sigpipe_kills_writer),
	KTAP_CASE(t_pipe2_flags),
	KTAP_CASE(t_pipe_nonblock_read_empty),
	KTAP_CASE(t_fork_inherits_fds),
	KTAP_CASE(t_fork_shared_offset),
	KTAP_CASE(t_file_create_write_read),
	KTAP_CASE(t_file_o_append),
	KTAP_CASE(t_file_o_excl),
	KTAP_CASE(t_file_o_trunc),
	KTAP_CASE(t_file_pread_pwrite),
	KTAP_CASE(t_file_readv_writev),
	KTAP_CASE(t_file_ftruncate),
	KTAP_CASE(t_file_stat_fstat),
	KTAP_CASE(t_file_link_nlink),
	KTAP_CASE(t_file_unlink_open_file),
	KTAP_CASE(t_file_rename_replaces),
	KTAP_CASE(t_file_rename_directory),
	KTAP_CASE(t_mkdir_rmdir),
	KTAP_CASE(t_getdents_300_entries),
	KTAP_CASE(t_symlink_readlink),
	KTAP_CASE(t_chdir_getcwd),
	KTAP_CASE(t_access_faccessat),
	KTAP_CASE(t_umask_applies),
	KTAP_CASE(t_utimensat_mtime),
	KTAP_CASE(t_err_enoent),
	KTAP_CASE(t_err_enotdir),
	KTAP_CASE(t_err_eisdir),
	KTAP_CASE(t_err_enametoolong),
	KTAP_CASE(t_err_eexist),
	KTAP_CASE(t_err_empty_path),
	KTAP_CASE(t_err_null_path_efault),
	KTAP_CASE(t_err_trailing_slash_file),
	KTAP_CASE(t_dot_and_dotdot),
	KTAP_CASE(t_rlimit_nproc),
};

/* How to run this program again: /proc/self/exe when it exists, else
 * argv[0] - as a path if it has a slash (made absolute against the starting
 * directory), else looked up in $PATH as a shell would. */
static void find_self(const char *argv0)
{
	if (RSYS(SYS_access, "/proc/self/exe", X_OK) == 0) {
		self_via_proc = 1;
		snprintf(self_exe, sizeof(self_exe), "/proc/self/exe");
		return;
	}
	if (!strchr(argv0, '/')) {
		const char *path = getenv("PATH");
		char dir[PATH_MAX];
		for (const char *p = path ? path : "/bin:/usr/bin"; *p;) {
			size_t n = strcspn(p, ":");
			if (n > 0 && n < sizeof(dir)) {
				memcpy(dir, p, n);
				dir[n] = 0;
				snprintf(self_exe, sizeof(self_exe), "%s/%s", dir, argv0);
				if (self_exe[0] == '/' && RSYS(SYS_access, self_exe, X_OK) == 0)
					return;
			}
			p += n + (p[n] == ':');
		}
	}
	if (argv0[0] == '/' || !orig_cwd[0])
		snprintf(self_exe, sizeof(self_exe), "%s", argv0);
	else
		snprintf(self_exe, sizeof(self_exe), "%s/%s", orig_cwd, argv0);
}

int main(int argc, char **argv, char **envp)
{
	struct sigaction sa;
	sigset_t none;
	int rc;

	if (argc >= 2 && !strncmp(argv[1], "--ut-", 5))
		return child_mode(argc, argv, envp);

	/* A known starting state whatever the launcher left behind. */
	umask(022);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGUSR1, SIG_DFL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;            /* no SA_RESTART: alarms interrupt */
	sigaction(SIGALRM, &sa, NULL);
	if (!getcwd(orig_cwd, sizeof(orig_cwd)))
		orig_cwd[0] = 0;
	find_self(argc > 0 ? argv[0] : "usertests");
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/usertests.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		ktap_diag("mkdtemp in /tmp failed: errno %d", errno);
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/usertests.none");
	}

	rc = ktap_run(cases, KTAP_COUNT(cases));

	if (orig_cwd[0])
		RSYS(SYS_chdir, orig_cwd);
	rm_rf(tmpdir);
	return rc;
}
