/* rtinit: Ringtail's /sbin/init (pid 1). Sets the host name, prints what
 * there is to try, and runs busybox's shell as a login shell in a session
 * of its own with the console as its controlling terminal. Like any init
 * it reaps every orphan; when the shell exits, init exits with the
 * shell's status and the kernel powers the machine off. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

static const char welcome[] =
	"\n"
	"Welcome to Ringtail: a small kernel built around Linux's perf ring buffer.\n"
	"This is busybox's shell; every program is static, from /bin.\n"
	"Things to try:\n"
	"  perf_demo, bpf_demo          sample this machine with perf / a BPF ring\n"
	"  cat /proc/kallsyms | head    the kernel's symbols, as perf reads them\n"
	"  ls /sys/kernel/tracing/events/syscalls | head    tracepoints\n"
	"  ps; cat /proc/meminfo; dmesg | tail\n"
	"Leave with `exit` (or Ctrl-D): the machine powers off.\n\n";

static void set_hostname(void)
{
	char name[65];
	int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, name, sizeof(name) - 1);
	close(fd);
	if (n <= 0)
		return;
	name[n] = 0;
	name[strcspn(name, "\n")] = 0;
	sethostname(name, strlen(name));
}

int main(void)
{
	set_hostname();
	fputs(welcome, stdout);
	fflush(stdout);
	pid_t sh = fork();
	if (sh < 0) {
		perror("rtinit: fork");
		return 1;
	}
	if (sh == 0) {
		/* A session and process group of its own, led by the shell,
		 * with the console as its terminal: job control works. */
		setsid();
		ioctl(0, TIOCSCTTY, 0);
		char *const args[] = { "-sh", NULL };
		char *const env[] = { "HOME=/root", "PATH=/bin:/sbin:/usr/bin:/usr/sbin",
				      "TERM=vt100", "USER=root", "LOGNAME=root", "SHELL=/bin/sh", NULL };
		chdir("/root");
		execve("/bin/sh", args, env);
		perror("rtinit: exec /bin/sh");
		_exit(127);
	}
	/* Reap everything; the shell's end is ours. */
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, 0);
		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0) {
			perror("rtinit: waitpid");
			return 1;
		}
		if (p == sh)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
}
