/* linux_init: /init of the Linux VM that scripts/linux_vm.py boots (make
 * linux-run, the user-compare suite, make bench): Debian's own kernel in
 * the same QEMU as Ringtail, running the same static programs.
 *
 * It mounts proc, sysfs, tracefs, devtmpfs and devpts, sets the perf knobs
 * (perf_event_paranoid -1; perf_event_max_sample_rate before
 * perf_cpu_time_max_percent 0, since Linux refuses a rate once the percent
 * is 0), then runs the jobs listed in /etc/linux-jobs and powers off.
 *
 * /etc/linux-jobs: the first line is the mode, each further line one
 * program: %-encoded words (scripts/qemu.py's encoding), the first one
 * NAME[:exit=N|:sig=N], the rest its arguments.
 *   prog  one program, its output as it comes; "linux-run: started NAME"
 *         before, "linux-run: NAME: exit status N" (or "killed by signal
 *         N (SIGxxx)") after: what linux_vm.py waits for and parses.
 *   run [SECONDS]  Ringtail's run= format: KTAP, each program's output
 *         indented by four spaces, then "ok K NAME # exit status 0" or a
 *         "not ok" with the reason when the status is not the expected
 *         one; a program still running after SECONDS (guest time) is
 *         killed with its process group and reported, and the next runs.
 * Each program gets what Ringtail gives it: argv[0] = NAME, environment
 * HOME=/ PATH=/bin TERM=linux, cwd /, and fds 0-2 on a terminal (a pty in
 * raw mode, 80x24, its output relayed to the console; its input comes from
 * the console in prog mode). Orphans are reaped, as any init does. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#define JOBS_FILE "/etc/linux-jobs"
#define MAX_JOBS 64
#define MAX_ARGS 64
#define SAMPLE_RATE "1000000"   /* perf_event_max_sample_rate: no throttling */

struct job {
	char *argv[MAX_ARGS + 1];
	int want;               /* expected wait status */
};

static int out_fd = 1;

static void put(const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(out_fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	put(buf, n < 0 ? 0 : (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

static void mount_one(const char *src, const char *dir, const char *type)
{
	mkdir(dir, 0755);
	if (mount(src, dir, type, 0, NULL) && errno != EBUSY)
		say("# linux_init: cannot mount %s on %s: %s\n", type, dir, strerror(errno));
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, val, strlen(val));
	int err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

static void knob(const char *name, const char *val)
{
	char path[128];
	snprintf(path, sizeof(path), "/proc/sys/kernel/%s", name);
	int err = write_file(path, val);
	if (err)
		say("# linux_init: %s = %s refused: %s\n", name, val, strerror(-err));
}

static void read_line(const char *path, char *buf, size_t n)
{
	buf[0] = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t r = read(fd, buf, n - 1);
	close(fd);
	buf[r > 0 ? r : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
}

static void setup(void)
{
	mount_one("proc", "/proc", "proc");
	mount_one("sysfs", "/sys", "sysfs");
	mount_one("tracefs", "/sys/kernel/tracing", "tracefs");
	mount_one("devtmpfs", "/dev", "devtmpfs");
	mount_one("devpts", "/dev/pts", "devpts");
	knob("perf_event_paranoid", "-1");
	knob("perf_event_max_sample_rate", SAMPLE_RATE);
	knob("perf_cpu_time_max_percent", "0");
	knob("kptr_restrict", "0");     /* /proc/kallsyms with addresses (bench) */

	struct utsname u;
	char cs[64], meltdown[96];
	uname(&u);
	read_line("/sys/devices/system/clocksource/clocksource0/current_clocksource", cs, sizeof(cs));
	read_line("/sys/devices/system/cpu/vulnerabilities/meltdown", meltdown, sizeof(meltdown));
	say("# linux_init: Linux %s, %ld CPU(s), clocksource %s, meltdown: %s\n", u.release,
	    sysconf(_SC_NPROCESSORS_ONLN), cs, meltdown);
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static void decode_word(char *w)
{
	char *o = w;
	for (char *i = w; *i; i++) {
		if (i[0] == '%' && hexval(i[1]) >= 0 && hexval(i[2]) >= 0) {
			*o++ = (char)(hexval(i[1]) << 4 | hexval(i[2]));
			i += 2;
		} else {
			*o++ = *i;
		}
	}
	*o = 0;
}

/* NAME[:exit=N|:sig=N] -> NAME, and the expected wait status. */
static int parse_spec(char *w)
{
	char *colon = strchr(w, ':');
	if (!colon)
		return 0;
	*colon = 0;
	int v = atoi(strchr(colon + 1, '=') ? strchr(colon + 1, '=') + 1 : "0");
	return strncmp(colon + 1, "sig=", 4) == 0 ? (v & 0x7f) : (v & 0xff) << 8;
}

static int read_jobs(char *mode, size_t mode_len, struct job *jobs)
{
	static char text[16384];
	int fd = open(JOBS_FILE, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		say("linux_init: no %s: %s\n", JOBS_FILE, strerror(errno));
		return -1;
	}
	ssize_t n = read(fd, text, sizeof(text) - 1);
	close(fd);
	text[n > 0 ? n : 0] = 0;
	char *save_line, *line = strtok_r(text, "\n", &save_line);
	if (!line)
		return -1;
	snprintf(mode, mode_len, "%s", line);
	int nj = 0;
	while ((line = strtok_r(NULL, "\n", &save_line)) && nj < MAX_JOBS) {
		struct job *j = &jobs[nj];
		int argc = 0;
		char *save_w;
		for (char *w = strtok_r(line, " ", &save_w); w && argc < MAX_ARGS;
		     w = strtok_r(NULL, " ", &save_w)) {
			decode_word(w);
			j->argv[argc++] = w;
		}
		if (!argc)
			continue;
		j->argv[argc] = NULL;
		j->want = parse_spec(j->argv[0]);
		nj++;
	}
	return nj;
}

static const char *sig_name(int sig)
{
	static const char *const names[] = {
		[SIGHUP] = "SIGHUP", [SIGINT] = "SIGINT", [SIGQUIT] = "SIGQUIT",
		[SIGILL] = "SIGILL", [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",
		[SIGBUS] = "SIGBUS", [SIGFPE] = "SIGFPE", [SIGKILL] = "SIGKILL",
		[SIGSEGV] = "SIGSEGV", [SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM",
		[SIGTERM] = "SIGTERM", [SIGXCPU] = "SIGXCPU", [SIGSYS] = "SIGSYS",
	};
	return sig > 0 && sig < (int)(sizeof(names) / sizeof(names[0])) && names[sig]
	       ? names[sig] : "?";
}

static void describe(int st, char *buf, size_t n)
{
	if (WIFSIGNALED(st))
		snprintf(buf, n, "killed by signal %d (%s)", WTERMSIG(st), sig_name(WTERMSIG(st)));
	else
		snprintf(buf, n, "exit status %d", WEXITSTATUS(st));
}

/* Output of the program, indented by `indent` spaces at each line start. */
static void relay_out(const char *buf, size_t n, int indent, int *bol)
{
	static const char spaces[] = "        ";
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		if (*bol && indent) {
			put(buf + start, i - start);
			put(spaces, (size_t)indent);
			start = i;
		}
		*bol = buf[i] == '\n';
	}
	put(buf + start, n - start);
}

/* Reap orphans; return the status of `pid` once it has exited, else -1. */
static int reap(pid_t pid, int *status)
{
	int st;
	pid_t p;
	while ((p = waitpid(-1, &st, WNOHANG)) > 0)
		if (p == pid) {
			*status = st;
			return 0;
		}
	return -1;
}

/* Run one program on a fresh raw 80x24 pty; its wait status (*killed
 * set if it ran past `limit` seconds, 0 = no limit, and was killed). */
static int run_job(struct job *j, int indent, int forward_input, int limit, int *killed)
{
	int master, slave;
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	if (openpty(&master, &slave, NULL, NULL, &ws)) {
		say("linux_init: openpty: %s\n", strerror(errno));
		return 127 << 8;
	}
	struct termios t;
	tcgetattr(slave, &t);
	cfmakeraw(&t);
	tcsetattr(slave, TCSANOW, &t);
	char path[256];
	snprintf(path, sizeof(path), "/bin/%s", j->argv[0]);
	pid_t pid = fork();
	if (pid == 0) {
		static char *const env[] = { "HOME=/", "PATH=/bin", "TERM=linux", NULL };
		setsid();
		ioctl(slave, TIOCSCTTY, 0);
		dup2(slave, 0);
		dup2(slave, 1);
		dup2(slave, 2);
		if (slave > 2)
			close(slave);
		close(master);
		chdir("/");
		execve(path, j->argv, env);
		dprintf(2, "linux_init: cannot execute %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(slave);
	if (pid < 0) {
		say("linux_init: fork: %s\n", strerror(errno));
		close(master);
		return 127 << 8;
	}
	int status = 0, exited = 0, bol = 1;
	struct timespec gone = { 0, 0 }, start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	*killed = 0;
	char buf[4096];
	for (;;) {
		struct pollfd pf[2] = { { master, POLLIN, 0 }, { 0, POLLIN, 0 } };
		int r = poll(pf, forward_input ? 2 : 1, 50);
		if (r > 0 && (pf[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t n = read(master, buf, sizeof(buf));
			if (n > 0)
				relay_out(buf, (size_t)n, indent, &bol);
			else if (n == 0 || errno == EIO)
				break;          /* every slave fd is closed */
		}
		if (forward_input && r > 0 && (pf[1].revents & POLLIN)) {
			ssize_t n = read(0, buf, sizeof(buf));
			if (n > 0 && write(master, buf, (size_t)n) < 0)
				forward_input = 0;
			else if (n <= 0)
				forward_input = 0;
		}
		if (!exited && limit && !*killed) {
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec - start.tv_sec >= limit) {
				kill(-pid, SIGKILL);    /* its session's process group */
				kill(pid, SIGKILL);
				*killed = 1;
			}
		}
		if (!exited && reap(pid, &status) == 0) {
			exited = 1;
			clock_gettime(CLOCK_MONOTONIC, &gone);
		}
		if (exited && r == 0) {
			/* A descendant may keep the pty open: stop once it has
			 * been quiet for a while after the program exited. */
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec - gone.tv_sec >= 2)
				break;
		}
	}
	close(master);
	while (!exited) {
		int st;
		pid_t p = waitpid(-1, &st, 0);
		if (p == pid) {
			status = st;
			exited = 1;
		} else if (p < 0 && errno != EINTR) {
			break;
		}
	}
	if (!bol)
		put("\n", 1);      /* the verdict starts a line of its own */
	return status;
}

int main(void)
{
	static struct job jobs[MAX_JOBS];
	char mode[32], got[64], want[64];
	int killed;
	setup();
	int n = read_jobs(mode, sizeof(mode), jobs);
	int prog = strcmp(mode, "prog") == 0;
	int limit = strncmp(mode, "run ", 4) == 0 ? atoi(mode + 4) : 0;
	if (n > 0 && prog) {
		say("linux-run: started %s\n", jobs[0].argv[0]);
		int st = run_job(&jobs[0], 0, 1, 0, &killed);
		describe(st, got, sizeof(got));
		say("linux-run: %s: %s\n", jobs[0].argv[0], got);
	} else if (n > 0) {
		say("KTAP version 1\n1..%d\n", n);
		for (int i = 0; i < n; i++) {
			int st = run_job(&jobs[i], 4, 0, limit, &killed);
			describe(st, got, sizeof(got));
			describe(jobs[i].want, want, sizeof(want));
			if (killed)
				say("# %s: still running after %d s: killed\nnot ok %d %s # TIMEOUT\n",
				    jobs[i].argv[0], limit, i + 1, jobs[i].argv[0]);
			else if (st == jobs[i].want)
				say("ok %d %s # %s\n", i + 1, jobs[i].argv[0], got);
			else
				say("# %s: %s, expected %s\nnot ok %d %s\n", jobs[i].argv[0], got,
				    want, i + 1, jobs[i].argv[0]);
		}
	} else {
		say("linux_init: no jobs in %s\n", JOBS_FILE);
	}
	say("linux_init: powering off\n");
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}
