/* test_perf_sideband: the records besides samples, as Linux writes them.
 *
 * A child that forks, execs itself with an argument, maps a file and exits
 * must show up in its parent's buffer (attr.inherit, one CPU) as
 *     FORK -> COMM (MISC_COMM_EXEC) -> MMAP2 of the new image -> MMAP2 of
 *     the file -> its samples (three getppid calls) -> EXIT
 * with its pid and tid, Linux's field layouts and a sample_id trailer;
 * with attr.build_id the image's MMAP2 carries the ELF's build id.
 * enable_on_exec starts counting at exec and not before. Runs on a Linux
 * host too (tracefs mounted for the counting case). */
#include <elf.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ktap.h"
#include "perf_test.h"

#define ST (PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_IDENTIFIER)

static char self[256];
static char data_file[] = "/tmp/sideband.data.XXXXXX";

struct seen {
	int child;
	int order[16], n;               /* record types of the child, in order */
	u16 comm_misc;
	char comm[32];
	char image[256], mapped[256];
	u64 image_pgoff, image_prot;
	u8 build_id[20];
	int build_id_size, image_has_bid;
	int bad;
};

static int on_record(const struct perf_event_header *h, void *arg)
{
	struct seen *s = arg;
	const u32 *w = (const void *)(h + 1);
	int pid = (int)w[0];
	struct sample_id sid;
	switch (h->type) {
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT:
		if (parse_sample_id(h, 24, ST, &sid))
			s->bad++;
		if (pid != s->child)
			return 0;
		if (w[2] != (u32)s->child)          /* tid: the child is one thread */
			s->bad++;
		break;
	case PERF_RECORD_COMM: {
		if (pid != s->child)
			return 0;
		const char *c = (const char *)(w + 2);
		snprintf(s->comm, sizeof(s->comm), "%s", c);
		s->comm_misc = h->misc;
		if (parse_sample_id(h, 8 + ((strlen(c) + 8) & ~7ul), ST, &sid) || (int)sid.pid != pid)
			s->bad++;
		break;
	}
	case PERF_RECORD_MMAP2: {
		if (pid != s->child)
			return 0;
		const u64 *q = (const void *)(w + 2);       /* addr len pgoff */
		const u8 *id = (const u8 *)(q + 3);
		const u32 *pf = (const u32 *)(q + 6);       /* prot, flags */
		const char *name = (const char *)(q + 7);
		if (!strcmp(name, self) && !s->image[0]) {
			snprintf(s->image, sizeof(s->image), "%s", name);
			s->image_pgoff = q[2];
			s->image_prot = pf[0];
			if (h->misc & PERF_RECORD_MISC_MMAP_BUILD_ID) {
				s->image_has_bid = 1;
				s->build_id_size = id[0];
				memcpy(s->build_id, id + 4, 20);
			}
		} else if (!strcmp(name, data_file)) {
			snprintf(s->mapped, sizeof(s->mapped), "%s", name);
			if (!(h->misc & PERF_RECORD_MISC_MMAP_DATA) || (pf[1] & MAP_SHARED) == 0)
				s->bad++;
		} else {
			return 0;
		}
		break;
	}
	case PERF_RECORD_SAMPLE: {
		struct sample smp;
		if (parse_sample(h, ST, 0, &smp))
			s->bad++;
		if ((int)smp.pid != s->child)
			return 0;
		if ((int)smp.tid != s->child)
			s->bad++;
		break;
	}
	default:
		return 0;
	}
	if (s->n < 16)
		s->order[s->n++] = (int)h->type;
	return 0;
}

/* The ELF build id of the file at path (from its PT_NOTE), 0 if none. */
static int file_build_id(const char *path, u8 *out)
{
	static u8 buf[1 << 16];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
	if (fd >= 0)
		close(fd);
	if (n < (ssize_t)sizeof(Elf64_Ehdr))
		return 0;
	Elf64_Ehdr *eh = (void *)buf;
	for (int i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr *ph = (void *)(buf + eh->e_phoff + (size_t)i * sizeof(*ph));
		if (ph->p_type != PT_NOTE || ph->p_offset + ph->p_filesz > (u64)n)
			continue;
		for (u64 at = ph->p_offset; at + 12 <= ph->p_offset + ph->p_filesz;) {
			Elf64_Nhdr *nh = (void *)(buf + at);
			u64 name = at + 12, desc = name + ((nh->n_namesz + 3) & ~3u);
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    !memcmp(buf + name, "GNU", 4) && nh->n_descsz <= 20) {
				memcpy(out, buf + desc, nh->n_descsz);
				return (int)nh->n_descsz;
			}
			at = desc + ((nh->n_descsz + 3) & ~3u);
		}
	}
	return 0;
}

static int child_after_exec(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 3;
	void *m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	for (int i = 0; i < 3; i++)
		getppid();
	return m == MAP_FAILED ? 4 : 0;
}

static void t_fork_exec_mmap_exit(void)
{
	int fd = open(data_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (!EXPECT_GE(fd, 0))
		return;
	char page[4096] = { 1 };
	EXPECT_EQ(write(fd, page, sizeof(page)), (long)sizeof(page));
	close(fd);
	/* The child's getppid calls sample (a dummy event, which records
	 * only side-band, where there are no tracepoints). */
	long tp = tp_sys_enter("getppid");
	struct perf_event_attr a;
	if (tp > 0) {
		attr_init(&a, PERF_TYPE_TRACEPOINT, (u64)tp);
		a.sample_period = 1;
	} else {
		attr_init(&a, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_DUMMY);
	}
	a.sample_type = ST;
	a.sample_id_all = 1;
	a.comm = a.comm_exec = a.task = a.mmap = a.mmap2 = a.mmap_data = 1;
	a.build_id = 1;
	a.inherit = 1;
	long ev = perf_open(&a, 0, 0, -1, 0);      /* this CPU: inherit needs one */
	struct ring r;
	if (!EXPECT_GE(ev, 0) || !EXPECT_EQ(ring_map(&r, ev, 64, 0), 0))
		goto out;
	struct seen s = { 0 };
	s.child = fork();
	if (s.child == 0) {
		char *const argv[] = { "test_perf_sideband", "--child", data_file, NULL };
		execv(self, argv);
		_exit(127);
	}
	int st;
	EXPECT_EQ(waitpid(s.child, &st, 0), s.child);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	EXPECT_GE(ring_pass(&r, on_record, &s), 5);
	static const int want[] = { PERF_RECORD_FORK, PERF_RECORD_COMM, PERF_RECORD_MMAP2,
				    PERF_RECORD_MMAP2, PERF_RECORD_SAMPLE, PERF_RECORD_SAMPLE,
				    PERF_RECORD_SAMPLE, PERF_RECORD_EXIT };
	static const int want_nosamples[] = { PERF_RECORD_FORK, PERF_RECORD_COMM,
					      PERF_RECORD_MMAP2, PERF_RECORD_MMAP2,
					      PERF_RECORD_EXIT };
	const int *w = tp > 0 ? want : want_nosamples;
	int nw = tp > 0 ? 8 : 5;
	EXPECT_EQ(s.n, nw);
	for (int i = 0; i < nw && i < s.n; i++)
		EXPECT_EQ(s.order[i], w[i]);
	EXPECT_EQ(s.bad, 0);
	EXPECT_EQ(s.comm_misc & PERF_RECORD_MISC_COMM_EXEC, PERF_RECORD_MISC_COMM_EXEC);
	EXPECT_STREQ(s.comm, "test_perf_sideb");      /* TASK_COMM_LEN - 1 */
	EXPECT_STREQ(s.image, self);
	EXPECT_STREQ(s.mapped, data_file);
	EXPECT_EQ(s.image_pgoff & 4095, 0);
	u8 bid[20];
	int n = file_build_id(self, bid);
	if (n) {
		EXPECT_EQ(s.image_has_bid, 1);
		EXPECT_EQ(s.build_id_size, n);
		EXPECT_EQ(memcmp(s.build_id, bid, (size_t)n), 0);
	}
	ring_unmap(&r);
out:
	if (ev >= 0)
		perf_close(ev);
	unlink(data_file);
}

/* enable_on_exec: getppid calls before the exec are not counted, the ones
 * after it are. */
static void t_enable_on_exec(void)
{
	long tp = tp_sys_enter("getppid");
	if (tp <= 0) {
		KTAP_SKIP("no syscall tracepoints here");
		return;
	}
	int go[2];
	if (!EXPECT_EQ(pipe(go), 0))
		return;
	pid_t c = fork();
	if (c == 0) {
		char b;
		close(go[1]);
		if (read(go[0], &b, 1) != 1)
			_exit(5);
		for (int i = 0; i < 7; i++)
			getppid();              /* before exec: not counted */
		char *const argv[] = { "test_perf_sideband", "--getppid", NULL };
		execv(self, argv);
		_exit(127);
	}
	close(go[0]);
	struct perf_event_attr a;
	attr_init(&a, PERF_TYPE_TRACEPOINT, (u64)tp);
	a.disabled = 1;
	a.enable_on_exec = 1;
	long fd = perf_open(&a, c, -1, -1, 0);
	EXPECT_GE(fd, 0);
	EXPECT_EQ(write(go[1], "x", 1), 1);
	close(go[1]);
	int st;
	EXPECT_EQ(waitpid(c, &st, 0), c);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (fd >= 0) {
		EXPECT_EQ(perf_count(fd), 11);
		perf_close(fd);
	}
}

struct target_seen {
	int target, samples, exits, bad;
};

static int on_target_record(const struct perf_event_header *h, void *arg)
{
	struct target_seen *s = arg;
	const u32 *w = (const void *)(h + 1);
	if (h->type == PERF_RECORD_SAMPLE) {
		struct sample smp;
		if (parse_sample(h, ST, 0, &smp) || (int)smp.pid != s->target ||
		    (int)smp.tid != s->target)
			s->bad++;
		else
			s->samples++;
	} else if (h->type == PERF_RECORD_EXIT) {
		if ((int)w[0] == s->target && (int)w[2] == s->target)
			s->exits++;
		else
			s->bad++;
	}
	return 0;
}

/* Another process as the target (pid > 0): a child, or with unrelated
 * one that is not ours at all (a grandchild whose parent has exited).
 * Its samples and its EXIT reach our buffer; once it is gone, poll says
 * POLLHUP. */
static void watch_target(int unrelated)
{
	long tp = tp_sys_enter("getppid");
	if (tp <= 0) {
		KTAP_SKIP("no syscall tracepoints here");
		return;
	}
	int go[2], pidp[2];
	if (!EXPECT_EQ(pipe(go), 0) || !EXPECT_EQ(pipe(pidp), 0))
		return;
	pid_t c = fork();
	if (c == 0) {
		close(go[1]);
		close(pidp[0]);
		if (unrelated && fork() != 0)
			_exit(0);               /* the middle one goes at once */
		int me = getpid();
		if (write(pidp[1], &me, sizeof(me)) != sizeof(me))
			_exit(5);
		close(pidp[1]);
		char b;
		if (read(go[0], &b, 1) != 1)
			_exit(6);
		for (int i = 0; i < 4; i++)
			getppid();
		_exit(0);
	}
	close(go[0]);
	close(pidp[1]);
	struct target_seen s = { 0 };
	EXPECT_EQ(read(pidp[0], &s.target, sizeof(s.target)), (long)sizeof(s.target));
	close(pidp[0]);
	if (unrelated) {
		int st;
		EXPECT_EQ(waitpid(c, &st, 0), c);       /* the middle one */
		EXPECT_NE(s.target, c);
	}
	struct perf_event_attr a;
	attr_init(&a, PERF_TYPE_TRACEPOINT, (u64)tp);
	a.sample_period = 1;
	a.sample_type = ST;
	a.sample_id_all = 1;
	a.task = 1;
	a.wakeup_events = 1;
	long fd = perf_open(&a, s.target, -1, -1, 0);
	struct ring r;
	if (!EXPECT_GE(fd, 0) || !EXPECT_EQ(ring_map(&r, fd, 16, 0), 0))
		return;
	EXPECT_EQ(write(go[1], "x", 1), 1);
	close(go[1]);
	/* Samples may wake us first: POLLHUP comes once it has exited. */
	struct pollfd p = { .fd = (int)fd, .events = POLLIN };
	for (int i = 0; i < 100 && !(p.revents & POLLHUP); i++) {
		EXPECT_GE(poll(&p, 1, 10000), 1);
		ring_pass(&r, on_target_record, &s);
	}
	EXPECT_TRUE(p.revents & POLLHUP);
	ring_pass(&r, on_target_record, &s);
	EXPECT_EQ(s.samples, 4);
	EXPECT_EQ(s.exits, 1);
	EXPECT_EQ(s.bad, 0);
	if (!unrelated) {
		int st;
		EXPECT_EQ(waitpid(c, &st, 0), c);
		EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	ring_unmap(&r);
	perf_close(fd);
}

static void t_target_child(void)
{
	watch_target(0);
}

static void t_target_unrelated(void)
{
	watch_target(1);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_fork_exec_mmap_exit),
	KTAP_CASE(t_enable_on_exec),
	KTAP_CASE(t_target_child),
	KTAP_CASE(t_target_unrelated),
};

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "--child"))
		return child_after_exec(argv[2]);
	if (argc > 1 && !strcmp(argv[1], "--getppid")) {
		for (int i = 0; i < 11; i++)
			getppid();
		return 0;
	}
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return 1;
	self[n] = 0;
	int fd = mkstemp(data_file);
	if (fd >= 0)
		close(fd);
	/* One CPU for the whole family: an inherited per-CPU event sees the
	 * child only where it runs. */
	pin_to(0);
	return ktap_run(cases, KTAP_COUNT(cases));
}
