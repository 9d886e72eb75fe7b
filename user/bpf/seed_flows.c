/* The two seed flows with real BPF programs, loaded the way users load
 * them: BPF C compiled by clang (user/bpf/prog), skeletons from bpftool,
 * Debian's libbpf 1.1 linked statically (with libelf and zlib; glibc, not
 * musl), which finds the kernel's BTF and BPF links and uses both. The
 * same binary runs on Linux.
 *
 *   t_unlink  sys_enter_unlinkat -> ring buffer: N unlinkat calls give
 *             exactly N records {pid, comm, filename} from this process
 *   t_kill    user ring buffer -> (kill) sys_exit_kill drains it with a
 *             callback -> kernel ring: every request answered once, in
 *             order, value doubled (a .rodata constant set before load),
 *             by this pid; a .bss counter read through libbpf's mmap */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ktap.h"
#include "seed.h"
#include "unlink.skel.h"
#include "kill.skel.h"

#define N_UNLINK 200
#define N_KILL_BATCHES 10
#define KILL_BATCH 10

static char my_comm[16];

struct unlink_seen {
	int mine, other_pid, bad;
};

static int on_unlink(void *ctx, void *data, size_t size)
{
	struct unlink_seen *s = ctx;
	const struct seed_unlink *e = data;
	if (size != sizeof(*e)) {
		s->bad++;
		return 0;
	}
	if (e->pid != getpid()) {
		s->other_pid++;
		return 0;
	}
	if (strncmp(e->comm, my_comm, sizeof(e->comm)) || strncmp(e->filename, "/nonexistent/seed_", 18))
		s->bad++;
	else
		s->mine++;
	return 0;
}

/* libbpf took the kernel's BTF (the program has a btf_id) and attached
 * through a BPF link (its perf event link is readable). */
static void expect_btf_and_link(int prog_fd, const struct bpf_link *link)
{
	struct bpf_prog_info pi;
	struct bpf_link_info li;
	__u32 len = sizeof(pi);
	memset(&pi, 0, sizeof(pi));
	memset(&li, 0, sizeof(li));
	EXPECT_EQ(bpf_obj_get_info_by_fd(prog_fd, &pi, &len), 0);
	EXPECT_NE(pi.btf_id, 0);
	len = sizeof(li);
	EXPECT_EQ(bpf_obj_get_info_by_fd(bpf_link__fd(link), &li, &len), 0);
	EXPECT_EQ(li.type, BPF_LINK_TYPE_PERF_EVENT);
	EXPECT_EQ(li.prog_id, pi.id);
}

static void t_unlink(void)
{
	struct unlink_bpf *skel = unlink_bpf__open_and_load();
	if (!EXPECT_TRUE(skel != NULL))
		return;
	struct unlink_seen s = { 0 };
	struct ring_buffer *rb =
		ring_buffer__new(bpf_map__fd(skel->maps.unlink_events), on_unlink, &s, NULL);
	if (EXPECT_TRUE(rb != NULL) && EXPECT_EQ(unlink_bpf__attach(skel), 0)) {
		expect_btf_and_link(bpf_program__fd(skel->progs.log_unlinkat), skel->links.log_unlinkat);
		char path[64];
		for (int i = 0; i < N_UNLINK; i++) {
			snprintf(path, sizeof(path), "/nonexistent/seed_%d", i);
			EXPECT_EQ(syscall(SYS_unlinkat, AT_FDCWD, path, 0), -1);
		}
		unlink_bpf__detach(skel);
		EXPECT_GE(ring_buffer__consume(rb), N_UNLINK);
		EXPECT_EQ(s.mine, N_UNLINK);
		EXPECT_EQ(s.bad, 0);
	}
	ring_buffer__free(rb);
	unlink_bpf__destroy(skel);
}

struct kill_seen {
	int n, next_seq, bad;
};

static int on_reply(void *ctx, void *data, size_t size)
{
	struct kill_seen *s = ctx;
	const struct seed_reply *r = data;
	if (size != sizeof(*r) || r->pid != getpid() || r->seq != s->next_seq ||
	    r->value != 2 * (1000 + r->seq))
		s->bad++;
	s->next_seq = r->seq + 1;
	s->n++;
	return 0;
}

static void t_kill(void)
{
	struct kill_bpf *skel = kill_bpf__open();
	if (!EXPECT_TRUE(skel != NULL))
		return;
	skel->rodata->factor = 2;       /* frozen into .rodata at load */
	if (!EXPECT_EQ(kill_bpf__load(skel), 0)) {
		kill_bpf__destroy(skel);
		return;
	}
	struct kill_seen s = { 0 };
	struct user_ring_buffer *urb = user_ring_buffer__new(bpf_map__fd(skel->maps.requests), NULL);
	struct ring_buffer *rb =
		ring_buffer__new(bpf_map__fd(skel->maps.replies), on_reply, &s, NULL);
	if (EXPECT_TRUE(urb != NULL) && EXPECT_TRUE(rb != NULL) &&
	    EXPECT_EQ(kill_bpf__attach(skel), 0)) {
		expect_btf_and_link(bpf_program__fd(skel->progs.drain_on_kill), skel->links.drain_on_kill);
		int seq = 0;
		for (int b = 0; b < N_KILL_BATCHES; b++) {
			for (int i = 0; i < KILL_BATCH; i++, seq++) {
				struct seed_req *q = user_ring_buffer__reserve(urb, sizeof(*q));
				if (!EXPECT_TRUE(q != NULL))
					break;
				q->seq = seq;
				q->value = 1000 + seq;
				user_ring_buffer__submit(urb, q);
			}
			EXPECT_EQ(kill(getpid(), 0), 0);       /* sys_exit_kill drains */
			ring_buffer__consume(rb);
			EXPECT_EQ(s.n, seq);
		}
		kill_bpf__detach(skel);
		EXPECT_EQ(s.n, N_KILL_BATCHES * KILL_BATCH);
		EXPECT_EQ(s.bad, 0);
		EXPECT_EQ(skel->bss->drained, N_KILL_BATCHES * KILL_BATCH);   /* via mmap */
		EXPECT_NE(bpf_map__fd(skel->maps.rodata), -1);
	}
	ring_buffer__free(rb);
	user_ring_buffer__free(urb);
	kill_bpf__destroy(skel);
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN && getenv("SEED_VERBOSE"))
		return vfprintf(stderr, fmt, ap);
	return level == LIBBPF_WARN && !strstr(fmt, "BTF") ? vfprintf(stderr, fmt, ap) : 0;
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_unlink),
	KTAP_CASE(t_kill),
};

int main(void)
{
	prctl(PR_GET_NAME, my_comm);
	libbpf_set_print(quiet);
	return ktap_run(cases, KTAP_COUNT(cases));
}
