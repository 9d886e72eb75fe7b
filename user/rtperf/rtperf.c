/* rtperf: a small perf(1) for Ringtail (and Linux): record, stat, report.
 * See rtperf.h for the commands and the files; `rtperf` alone prints the
 * usage. An ordinary static Linux program. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "rtperf.h"

const char *rtperf_argv0 = "rtperf";
int rtperf_argc;
char **rtperf_argv;

long sys_perf_event_open(struct perf_event_attr *a, int pid, int cpu, int group, unsigned long fl)
{
	return syscall(SYS_perf_event_open, a, pid, cpu, group, fl);
}

char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, n = 0;
	char *buf = NULL;
	if (fd < 0)
		return NULL;
	for (;;) {
		if (!buf || cap - n < 2) {
			char *p = realloc(buf, cap *= 2);
			if (!p) {
				free(buf);
				close(fd);
				errno = ENOMEM;
				return NULL;
			}
			buf = p;
		}
		ssize_t k = read(fd, buf + n, cap - n - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = errno;
			free(buf);
			close(fd);
			errno = e;
			return NULL;
		}
		if (!k)
			break;
		n += (size_t)k;
	}
	close(fd);
	buf[n] = 0;
	*len = n;
	return buf;
}

/* CPUs are numbered 0..n-1 with none offline here (and on test hosts). */
int online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > RT_MAX_CPUS ? RT_MAX_CPUS : (int)n;
}

/* The child waits for a byte on go_fd, then execs; an exec error travels
 * back as an errno on err_fd (close-on-exec: EOF means the exec worked). */
int workload_prepare(struct workload *w, char **argv, bool stdout_to_stderr)
{
	int go[2], err[2];
	if (pipe2(go, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		char c;
		close(go[1]);
		close(err[0]);
		signal(SIGINT, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		if (stdout_to_stderr)
			dup2(2, 1);
		execvp(argv[0], argv);
		int e = errno;
		(void)!write(err[1], &e, sizeof(e));
		_exit(127);
	}
	close(go[0]);
	close(err[1]);
	w->pid = pid;
	w->go_fd = go[1];
	w->err_fd = err[0];
	return 0;
}

int workload_go(struct workload *w)
{
	int e = 0;
	ssize_t n;
	char c = 1;
	if (write(w->go_fd, &c, 1) != 1)
		e = errno;
	close(w->go_fd);
	while ((n = read(w->err_fd, &e, sizeof(e))) < 0 && errno == EINTR)
		;
	close(w->err_fd);
	if (n > 0 || e) {
		waitpid(w->pid, NULL, 0);
		return -(e ? e : EIO);
	}
	return 0;
}

static int usage(int rc)
{
	fprintf(rc ? stderr : stdout,
		"usage: rtperf record [-e EVENT[,EVENT...]] [-c PERIOD | -F FREQ] [-g] [-a | -C CPU]\n"
		"                     [-m PAGES] [-o FILE|-] [--] CMD [ARGS]\n"
		"       rtperf stat [-e EVENT[,EVENT...]] [-a | -C CPU] [-v] [--] CMD [ARGS]\n"
		"       rtperf report [-i FILE|-] [-n] [-g] [--top N] [--header]\n"
		"Events use Linux perf's names: cpu-clock, task-clock, page-faults, context-switches,\n"
		"cpu-migrations, cycles, raw_syscalls:sys_enter, syscalls:sys_enter_<name>, ...\n"
		"(modifiers :u and :k). The file is a Linux perf.data: `perf report -i FILE` reads it.\n");
	return rc;
}

int main(int argc, char **argv)
{
	rtperf_argc = argc;
	rtperf_argv = argv;
	if (argc < 2)
		return usage(2);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return usage(0);
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(argv[1], "record"))
		return cmd_record(argc - 1, argv + 1);
	if (!strcmp(argv[1], "stat"))
		return cmd_stat(argc - 1, argv + 1);
	if (!strcmp(argv[1], "report"))
		return cmd_report(argc - 1, argv + 1);
	fprintf(stderr, "rtperf: unknown command '%s'\n", argv[1]);
	return usage(2);
}
