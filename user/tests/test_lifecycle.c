/* test_lifecycle: processes and pipes come and go without a trace, and
 * running out of processes or memory is an error, never a crash.
 *
 *  - 1000 fork + exec + exit + wait cycles and 1000 pipe open/close
 *    cycles; Ringtail's run= then checks that free frames and heap blocks
 *    are back where they were before this program started.
 *  - A fork bomb as an ordinary user under RLIMIT_NPROC: fork ends in
 *    EAGAIN, the bomb is killed, and fork works again afterwards.
 *  - Memory exhausted by a child: a fork inside it fails with ENOMEM (or
 *    the child is killed for memory), never a kernel panic; afterwards
 *    everything works.
 * Linux runs it too (as root): the bomb needs setuid, which root has. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ktap.h"
#include "rt_user.h"

#define CYCLES 1000
#define NOBODY 65534

static char self[256];

/* The program itself, for exec: /proc/self/exe, or argv[0]. */
static void find_self(const char *argv0)
{
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0)
		self[n] = 0;
	else
		snprintf(self, sizeof(self), "%s", argv0);
}

static void t_fork_exec_exit_1000(void)
{
	int bad = 0;
	for (int i = 0; i < CYCLES && !bad; i++) {
		pid_t p = fork();
		if (p == 0) {
			char *const argv[] = { "test_lifecycle", "--exit", NULL };
			execv(self, argv);
			_exit(127);
		}
		int st;
		if (p < 0 || waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 7) {
			ktap_diag("cycle %d: fork %d, status 0x%x", i, (int)p, p > 0 ? st : -1);
			bad = 1;
		}
	}
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(waitpid(-1, NULL, WNOHANG), -1);      /* no zombie left */
	EXPECT_EQ(errno, ECHILD);
}

static void t_pipe_open_close_1000(void)
{
	int bad = 0;
	for (int i = 0; i < CYCLES && !bad; i++) {
		int fd[2];
		char c = 'x', d = 0;
		if (pipe(fd) || write(fd[1], &c, 1) != 1 || read(fd[0], &d, 1) != 1 || d != 'x')
			bad = 1;
		if (close(fd[0]) || close(fd[1]))
			bad = 1;
	}
	EXPECT_EQ(bad, 0);
}

/* The bomb: as nobody with RLIMIT_NPROC n, fork until it fails. Reports
 * through its exit status: 0 = EAGAIN came, 1 = some other error, 2 =
 * never failed. Its children wait in pause() to be killed with the group. */
static int bomb(int limit)
{
	struct rlimit r = { limit, limit };
	if (setpgid(0, 0) || setrlimit(RLIMIT_NPROC, &r))
		return 3;
	if (geteuid() == 0 && setuid(NOBODY))
		return 3;
	for (int i = 0; i < 4 * limit; i++) {
		pid_t p = fork();
		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0)
			return errno == EAGAIN ? 0 : 1;
	}
	return 2;
}

static void t_fork_bomb_eagain(void)
{
	pid_t b = fork();
	if (b == 0)
		_exit(bomb(20));
	int st;
	EXPECT_EQ(waitpid(b, &st, 0), b);
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(WEXITSTATUS(st), 0);
	kill(-b, SIGKILL);              /* the bomb's children (its process group) */
	/* They were orphaned to init, which reaps them; we fork on. */
	pid_t p = fork();
	if (p == 0)
		_exit(5);
	EXPECT_EQ(waitpid(p, &st, 0), p);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 5);
}

/* Fill memory in a child: map and touch until mmap fails, then fork. The
 * child reports 0 when fork said ENOMEM, 1 when fork worked, 2 for any
 * other error; being killed for memory (SIGBUS/SIGKILL) is also fine. */
static int hog_then_fork(void)
{
	const size_t chunk = 4 << 20;
	for (int i = 0; i < 4096; i++) {
		void *m = mmap(NULL, chunk, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (m == MAP_FAILED)
			break;
	}
	/* Smaller pieces, down to single pages, until none is left. */
	for (size_t sz = chunk / 2; sz >= 4096; sz /= 2)
		while (mmap(NULL, sz, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0) != MAP_FAILED)
			;
	int worked = 0;
	for (int i = 0; i < 64; i++) {
		pid_t p = fork();
		if (p == 0)
			_exit(0);
		if (p < 0)
			return errno == ENOMEM ? 0 : 2;
		worked = 1;
		waitpid(p, NULL, 0);
	}
	return worked ? 1 : 2;
}

static void t_fork_out_of_memory(void)
{
	if (!scratch_machine()) {
		KTAP_SKIP("would fill the host's memory");
		return;
	}
	pid_t h = fork();
	if (h == 0)
		_exit(hog_then_fork());
	int st;
	EXPECT_EQ(waitpid(h, &st, 0), h);
	if (WIFEXITED(st)) {
		EXPECT_NE(WEXITSTATUS(st), 2);
		if (WEXITSTATUS(st) == 1)
			ktap_diag("fork still worked with memory full (page tables were spare)");
	} else {
		EXPECT_TRUE(WTERMSIG(st) == SIGBUS || WTERMSIG(st) == SIGKILL);
	}
	/* Memory is back: fork and exec work. */
	pid_t p = fork();
	if (p == 0) {
		char *const argv[] = { "test_lifecycle", "--exit", NULL };
		execv(self, argv);
		_exit(127);
	}
	EXPECT_EQ(waitpid(p, &st, 0), p);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 7);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_fork_exec_exit_1000),
	KTAP_CASE(t_pipe_open_close_1000),
	KTAP_CASE(t_fork_bomb_eagain),
	KTAP_CASE(t_fork_out_of_memory),
};

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--exit"))
		return 7;
	find_self(argv[0]);
	return ktap_run(cases, KTAP_COUNT(cases));
}
