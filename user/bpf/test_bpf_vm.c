/* BPF bytecode through bpf(2) (Ringtail's verifier and interpreter, or
 * Linux's): the probes libbpf 1.1 sends before loading anything, programs
 * the verifier must refuse with Linux's errno and log line, the log
 * buffer's rules (log_level, log_size, BPF_LOG_FIXED, ENOSPC,
 * log_true_size), a tracepoint program assembled here that fills ring
 * buffer records at sys_enter_unlinkat, counted exactly, attached by
 * ioctl or by a BPF link, and BPF_LINK_CREATE's errnos. */
#include <sys/prctl.h>
#include <linux/btf.h>
#include "bpf_test.h"

/* A tracepoint event for every task on CPU 0, not enabled. */
static int tp_event(int tp)
{
	struct perf_event_attr pa;
	memset(&pa, 0, sizeof(pa));
	pa.size = sizeof(pa);
	pa.type = PERF_TYPE_TRACEPOINT;
	pa.config = (__u64)tp;
	pa.sample_period = 1;
	return perf_open(&pa, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
}

#define RAW(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV_IMM(d, i)      RAW(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV_REG(d, s)      RAW(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADD_IMM(d, i)      RAW(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define RSH_IMM(d, i)      RAW(BPF_ALU64 | BPF_RSH | BPF_K, d, 0, 0, i)
#define LDX(sz, d, s, o)   RAW(BPF_LDX | (sz) | BPF_MEM, d, s, o, 0)
#define STX(sz, d, s, o)   RAW(BPF_STX | (sz) | BPF_MEM, d, s, o, 0)
#define JMP_IMM(op, d, i, o) RAW(BPF_JMP | (op) | BPF_K, d, 0, o, i)
#define JA(o)              RAW(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define LD_MAP(d, fd)      RAW(BPF_LD | BPF_IMM | BPF_DW, d, BPF_PSEUDO_MAP_FD, 0, fd), RAW(0, 0, 0, 0, 0)
#define CALL(fn)           RAW(BPF_JMP | BPF_CALL, 0, 0, 0, fn)
#define EXIT()             RAW(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static char log_buf[65536];

/* BPF_PROG_LOAD: the fd, or -errno; the log in log_buf when level. */
static long load_log(int type, const char *name, const struct bpf_insn *p, unsigned n,
		     unsigned level, unsigned size, union bpf_attr *out)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	memset(log_buf, 0x7f, sizeof(log_buf));
	a.prog_type = (unsigned)type;
	a.insns = (unsigned long)p;
	a.insn_cnt = n;
	a.license = (unsigned long)"GPL";
	if (name)
		memcpy(a.prog_name, name, strnlen(name, sizeof(a.prog_name) - 1));
	if (level) {
		a.log_level = level;
		a.log_buf = (unsigned long)log_buf;
		a.log_size = size;
	}
	long fd = sys_bpf(BPF_PROG_LOAD, &a, sizeof(a));
	if (out)
		*out = a;
	return fd;
}

static long load(int type, const char *name, const struct bpf_insn *p, unsigned n)
{
	long fd = load_log(type, name, p, n, 0, 0, NULL);
	if (fd >= 0)
		close((int)fd);
	return fd >= 0 ? 0 : fd;
}

/* What libbpf 1.1 asks before loading an object (see the reference
 * sheet libbpf-loading.md): all must load. */
static void t_libbpf_probes(void)
{
	struct bpf_insn trivial[] = { MOV_IMM(0, 0), EXIT() };
	struct bpf_insn coarse[] = { CALL(BPF_FUNC_ktime_get_coarse_ns), EXIT() };
	struct bpf_insn kread[] = { MOV_REG(1, 10), ADD_IMM(1, -8), MOV_IMM(2, 8), MOV_IMM(3, 0),
				    CALL(BPF_FUNC_probe_read_kernel), MOV_IMM(0, 0), EXIT() };
	EXPECT_EQ(load(BPF_PROG_TYPE_SOCKET_FILTER, NULL, coarse, 2), 0);
	EXPECT_EQ(load(BPF_PROG_TYPE_SOCKET_FILTER, NULL, trivial, 2), 0);
	EXPECT_EQ(load(BPF_PROG_TYPE_TRACEPOINT, NULL, trivial, 2), 0);
	EXPECT_EQ(load(BPF_PROG_TYPE_SOCKET_FILTER, "libbpf_nametest", trivial, 2), 0);
	EXPECT_EQ(load(BPF_PROG_TYPE_TRACEPOINT, NULL, kread, 7), 0);
	/* and the named program keeps its name */
	long fd = load_log(BPF_PROG_TYPE_SOCKET_FILTER, "libbpf_nametest", trivial, 2, 0, 0, NULL);
	if (EXPECT_GE(fd, 0)) {
		struct bpf_prog_info pi;
		union bpf_attr a;
		memset(&pi, 0, sizeof(pi));
		memset(&a, 0, sizeof(a));
		a.info.bpf_fd = (unsigned)fd;
		a.info.info_len = sizeof(pi);
		a.info.info = (unsigned long)&pi;
		EXPECT_EQ(sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)), 0);
		EXPECT_EQ(strcmp(pi.name, "libbpf_nametest"), 0);
		EXPECT_EQ(pi.type, BPF_PROG_TYPE_SOCKET_FILTER);
		close((int)fd);
	}
}

/* Programs Linux refuses, with its errno and a line of its log. */
static void t_rejected(void)
{
	int ring = ringbuf_new(4096);
	if (!EXPECT_GE(ring, 0))
		return;
	const struct {
		const char *what, *line;
		int err;
		unsigned n;
		struct bpf_insn p[16];
	} cases[] = {
		{ "ctx out of bounds", "invalid bpf_context access off=8192 size=8", EACCES, 2,
		  { LDX(BPF_DW, 0, 1, 8192), EXIT() } },
		{ "unbounded loop", "infinite loop detected", EINVAL, 5,
		  { LDX(BPF_DW, 1, 1, 8), JMP_IMM(BPF_JGT, 1, 10, 1), JA(-2), MOV_IMM(0, 0), EXIT() } },
		{ "scalar as the ring", "R1 type=scalar expected=map_ptr", EACCES, 6,
		  { MOV_IMM(1, 0), MOV_IMM(2, 8), MOV_IMM(3, 0), CALL(BPF_FUNC_ringbuf_reserve),
		    MOV_IMM(0, 0), EXIT() } },
		{ "no such helper", "invalid func unknown#9999", EINVAL, 2, { CALL(9999), EXIT() } },
		{ "r0 unset", "R0 !read_ok", EACCES, 1, { EXIT() } },
		{ "stack too deep", "invalid write to stack R10 off=-520 size=8", EACCES, 4,
		  { MOV_IMM(1, 0), STX(BPF_DW, 10, 1, -520), MOV_IMM(0, 0), EXIT() } },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long fd = load_log(BPF_PROG_TYPE_TRACEPOINT, NULL, cases[i].p, cases[i].n, 1,
				   sizeof(log_buf), NULL);
		if (!EXPECT_ERRNO(fd, cases[i].err) || !EXPECT_TRUE(strstr(log_buf, cases[i].line)))
			ktap_diag("%s: log: %.300s", cases[i].what, log_buf);
		if (fd >= 0)
			close((int)fd);
	}
	/* a ring buffer record kept on one path */
	struct bpf_insn leak[] = {
		LDX(BPF_DW, 6, 1, 16), LD_MAP(1, ring), MOV_IMM(2, 8), MOV_IMM(3, 0),
		CALL(BPF_FUNC_ringbuf_reserve), JMP_IMM(BPF_JEQ, 0, 0, 4), JMP_IMM(BPF_JEQ, 6, 0, 3),
		MOV_REG(1, 0), MOV_IMM(2, 0), CALL(BPF_FUNC_ringbuf_submit), MOV_IMM(0, 0), EXIT(),
	};
	long fd = load_log(BPF_PROG_TYPE_TRACEPOINT, NULL, leak, 13, 1, sizeof(log_buf), NULL);
	if (!EXPECT_ERRNO(fd, EINVAL) || !EXPECT_TRUE(strstr(log_buf, "Unreleased reference id=")))
		ktap_diag("leak: log: %.300s", log_buf);
	close(ring);
}

/* The log buffer's rules (Linux 6.4+). */
static void t_log(void)
{
	struct bpf_insn bad[] = { LDX(BPF_DW, 0, 1, 8192), EXIT() };
	struct bpf_insn ok[] = { MOV_IMM(0, 0), EXIT() };
	static char full[65536];
	union bpf_attr a, out;
	EXPECT_ERRNO(load_log(BPF_PROG_TYPE_TRACEPOINT, NULL, bad, 2, 32, 4096, NULL), EINVAL);
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_TRACEPOINT;
	a.insns = (unsigned long)ok;
	a.insn_cnt = 2;
	a.license = (unsigned long)"GPL";
	a.log_buf = (unsigned long)log_buf;
	a.log_size = 4096;
	EXPECT_ERRNO(sys_bpf(BPF_PROG_LOAD, &a, sizeof(a)), EINVAL);   /* buffer, no level */
	a.log_level = 1;
	a.log_size = 0;
	EXPECT_ERRNO(sys_bpf(BPF_PROG_LOAD, &a, sizeof(a)), EINVAL);   /* buffer, no size */
	/* a log that fits: NUL-terminated, the stats line last */
	long fd = load_log(BPF_PROG_TYPE_TRACEPOINT, NULL, ok, 2, 1, 4096, &a);
	if (EXPECT_GE(fd, 0)) {
		EXPECT_TRUE(strstr(log_buf, "processed 2 insns") != NULL);
		close((int)fd);
	}
	/* the whole log of a rejected program, then too small a buffer:
	 * ENOSPC with its end kept, or with BPF_LOG_FIXED its beginning;
	 * log_true_size says how much was needed */
	EXPECT_ERRNO(load_log(BPF_PROG_TYPE_TRACEPOINT, NULL, bad, 2, 2, sizeof(log_buf), &out),
		     EACCES);
	memcpy(full, log_buf, sizeof(full));
	size_t len = strlen(full);
	if (!EXPECT_GT(len, 120))
		return;
	EXPECT_EQ(out.log_true_size, len + 1);
	EXPECT_ERRNO(load_log(BPF_PROG_TYPE_TRACEPOINT, NULL, bad, 2, 2, 100, &out), ENOSPC);
	EXPECT_EQ(strnlen(log_buf, 100), 99);
	EXPECT_EQ(memcmp(log_buf, full + len - 99, 99), 0);
	EXPECT_EQ(out.log_true_size, len + 1);
	EXPECT_ERRNO(load_log(BPF_PROG_TYPE_TRACEPOINT, NULL, bad, 2, 2 | BPF_LOG_FIXED, 100, &out),
		     ENOSPC);
	EXPECT_EQ(strnlen(log_buf, 100), 99);
	EXPECT_EQ(memcmp(log_buf, full, 99), 0);
}

/* The record the unlinkat program writes. */
struct unlink_rec {
	int pid;
	char comm[16];
	char filename[64];
};

struct seen {
	int n, mine, bad;
	char comm[16];
};

static int count_cb(void *ctx, void *data, size_t size)
{
	struct seen *s = ctx;
	const struct unlink_rec *r = data;
	s->n++;
	if (size != 88) {
		s->bad++;
		return 0;
	}
	if (r->pid == getpid() && !strncmp(r->filename, "/nonexistent/bpf_vm_", 20) &&
	    !strncmp(r->comm, s->comm, 16))
		s->mine++;
	return 0;
}

/* A BPF_PERF_EVENT link from prog to perf event pfd: the link fd or -errno. */
static long link_create(int prog, int target, unsigned type, unsigned flags)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = (unsigned)prog;
	a.link_create.target_fd = (unsigned)target;
	a.link_create.attach_type = type;
	a.link_create.flags = flags;
	return sys_bpf(BPF_LINK_CREATE, &a, sizeof(a));
}

/* sys_enter_unlinkat -> ring buffer, assembled by hand: query the free
 * space, reserve, fill {pid, comm, filename}, submit. Attached through
 * PERF_EVENT_IOC_SET_BPF, or through a link that outlives the event fd. */
static void unlink_flow(bool use_link)
{
	int tp = tp_id("syscalls", "sys_enter_unlinkat");
	if (tp < 0) {
		KTAP_SKIP("no tracefs");
		return;
	}
	int ring = ringbuf_new(64 * 1024);
	if (!EXPECT_GE(ring, 0))
		return;
	struct bpf_insn p[] = {
		MOV_REG(6, 1),                                  /* 0 */
		LD_MAP(1, ring), MOV_IMM(2, BPF_RB_AVAIL_DATA), /* 1-3 */
		CALL(BPF_FUNC_ringbuf_query),                   /* 4 */
		JMP_IMM(BPF_JGT, 0, 64 * 1024 - 256, 22),       /* 5: nearly full: out */
		LD_MAP(1, ring), MOV_IMM(2, 88), MOV_IMM(3, 0), /* 6-9 */
		CALL(BPF_FUNC_ringbuf_reserve),                 /* 10 */
		JMP_IMM(BPF_JEQ, 0, 0, 16),                     /* 11 */
		MOV_REG(7, 0),
		CALL(BPF_FUNC_get_current_pid_tgid),
		RSH_IMM(0, 32),
		STX(BPF_W, 7, 0, 0),                            /* 15 */
		MOV_REG(1, 7), ADD_IMM(1, 4), MOV_IMM(2, 16),
		CALL(BPF_FUNC_get_current_comm),                /* 19 */
		MOV_REG(1, 7), ADD_IMM(1, 20), MOV_IMM(2, 64),
		LDX(BPF_DW, 3, 6, 24),                          /* args[1]: the path */
		CALL(BPF_FUNC_probe_read_user_str),             /* 24 */
		MOV_REG(1, 7), MOV_IMM(2, 0),
		CALL(BPF_FUNC_ringbuf_submit),                  /* 27 */
		MOV_IMM(0, 0), EXIT(),                          /* 28: out */
	};
	union bpf_attr out;
	long prog = load_log(BPF_PROG_TYPE_TRACEPOINT, "unlink_vm", p, sizeof(p) / sizeof(p[0]), 1,
			     sizeof(log_buf), &out);
	if (!EXPECT_GE(prog, 0)) {
		ktap_diag("log: %.600s", log_buf);
		close(ring);
		return;
	}
	struct seen s;
	memset(&s, 0, sizeof(s));
	prctl(PR_GET_NAME, s.comm);
	struct ring_buffer *rb = ring_buffer__new(ring, count_cb, &s, NULL);
	int pfd, link = -1;
	if (use_link) {
		pfd = tp_event(tp);
		link = pfd >= 0 ? (int)link_create((int)prog, pfd, BPF_PERF_EVENT, 0) : -1;
		EXPECT_GE(link, 0);
		if (pfd >= 0)
			close(pfd);     /* the link holds the event */
		pfd = link;
	} else {
		pfd = attach_prog((int)prog, tp);
	}
	close((int)prog);
	if (!EXPECT_TRUE(rb != NULL) || !EXPECT_GE(pfd, 0)) {
		close(ring);
		return;
	}
	enum { N = 100 };
	char path[64];
	for (int i = 0; i < N; i++) {
		snprintf(path, sizeof(path), "/nonexistent/bpf_vm_%d", i);
		RSYS(SYS_unlinkat, AT_FDCWD, path, 0);
	}
	close(pfd);                     /* detached: no more records */
	RSYS(SYS_unlinkat, AT_FDCWD, "/nonexistent/bpf_vm_after", 0);
	ring_buffer__consume(rb);
	EXPECT_EQ(s.mine, N);
	EXPECT_EQ(s.bad, 0);
	ring_buffer__free(rb);
	close(ring);
}

static void t_unlink_flow(void)
{
	unlink_flow(false);
}

static void t_unlink_flow_link(void)
{
	unlink_flow(true);
}

/* BPF_LINK_CREATE's errnos, libbpf's probe among them, and link info. */
static void t_link_errors(void)
{
	int tp = tp_id("syscalls", "sys_enter_getpid");
	if (tp < 0) {
		KTAP_SKIP("no tracefs");
		return;
	}
	struct bpf_insn nop[] = { MOV_IMM(0, 0), EXIT() };
	long tprog = load_log(BPF_PROG_TYPE_TRACEPOINT, NULL, nop, 2, 0, 0, NULL);
	long sprog = load_log(BPF_PROG_TYPE_SOCKET_FILTER, NULL, nop, 2, 0, 0, NULL);
	int ev = tp_event(tp);
	if (!EXPECT_GE(tprog, 0) || !EXPECT_GE(sprog, 0) || !EXPECT_GE(ev, 0))
		return;
	EXPECT_ERRNO(link_create((int)tprog, -1, BPF_PERF_EVENT, 0), EBADF);   /* libbpf's probe */
	EXPECT_ERRNO(link_create(9999, ev, BPF_PERF_EVENT, 0), EBADF);
	EXPECT_ERRNO(link_create(ev, ev, BPF_PERF_EVENT, 0), EINVAL);          /* not a program */
	EXPECT_ERRNO(link_create((int)sprog, ev, BPF_PERF_EVENT, 0), EINVAL);
	EXPECT_ERRNO(link_create((int)tprog, ev, BPF_PERF_EVENT, 1), EINVAL);
	EXPECT_ERRNO(link_create((int)tprog, (int)sprog, BPF_PERF_EVENT, 0), EBADF);  /* not an event */
	EXPECT_ERRNO(RSYS(SYS_ioctl, ev, PERF_EVENT_IOC_SET_BPF, sprog), EINVAL);
	long link = link_create((int)tprog, ev, BPF_PERF_EVENT, 0);
	if (EXPECT_GE(link, 0)) {
		EXPECT_ERRNO(link_create((int)tprog, ev, BPF_PERF_EVENT, 0), EEXIST);
		struct bpf_link_info li;
		struct bpf_prog_info pi;
		union bpf_attr a;
		memset(&li, 0, sizeof(li));
		memset(&pi, 0, sizeof(pi));
		memset(&a, 0, sizeof(a));
		a.info.bpf_fd = (unsigned)link;
		a.info.info_len = sizeof(li);
		a.info.info = (unsigned long)&li;
		EXPECT_EQ(sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)), 0);
		a.info.bpf_fd = (unsigned)tprog;
		a.info.info_len = sizeof(pi);
		a.info.info = (unsigned long)&pi;
		EXPECT_EQ(sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)), 0);
		EXPECT_EQ(li.type, BPF_LINK_TYPE_PERF_EVENT);
		EXPECT_EQ(li.prog_id, pi.id);
		EXPECT_NE(li.id, 0);
		close((int)link);
	}
	close(ev);
	close((int)tprog);
	close((int)sprog);
}

/* BPF_BTF_LOAD: a small valid blob is kept (fd, id, the bytes back
 * through its info); a bad one is EINVAL with the reason in the log;
 * more than 16 MiB is E2BIG. */
static void t_btf_load(void)
{
	static const struct {
		struct btf_header h;
		__u32 type[4];
		char str[6];
	} __attribute__((packed)) blob = {
		{ .magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(struct btf_header),
		  .type_off = 0, .type_len = 16, .str_off = 16, .str_len = 5 },
		{ 1, BTF_KIND_INT << 24, 4, (BTF_INT_SIGNED << 24) | 32 },
		"\0int",
	};
	union bpf_attr a;
	char blog[256];
	memset(&a, 0, sizeof(a));
	a.btf = (unsigned long)&blob;
	a.btf_size = sizeof(blob) - 1;
	long fd = sys_bpf(BPF_BTF_LOAD, &a, sizeof(a));
	if (EXPECT_GE(fd, 0)) {
		struct bpf_btf_info bi;
		char back[64];
		union bpf_attr ia;
		memset(&bi, 0, sizeof(bi));
		memset(&ia, 0, sizeof(ia));
		bi.btf = (unsigned long)back;
		bi.btf_size = sizeof(back);
		ia.info.bpf_fd = (unsigned)fd;
		ia.info.info_len = sizeof(bi);
		ia.info.info = (unsigned long)&bi;
		EXPECT_EQ(sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &ia, sizeof(ia)), 0);
		EXPECT_EQ(bi.btf_size, sizeof(blob) - 1);
		EXPECT_NE(bi.id, 0);
		EXPECT_EQ(memcmp(back, &blob, sizeof(blob) - 1), 0);
		close((int)fd);
	}
	static char bad[sizeof(blob)];
	memcpy(bad, &blob, sizeof(blob));
	bad[0] ^= 1;                    /* the magic */
	a.btf = (unsigned long)bad;
	a.btf_log_buf = (unsigned long)blog;
	a.btf_log_size = sizeof(blog);
	a.btf_log_level = 1;
	memset(blog, 0, sizeof(blog));
	EXPECT_ERRNO(sys_bpf(BPF_BTF_LOAD, &a, sizeof(a)), EINVAL);
	EXPECT_TRUE(blog[0] != 0);
	memset(&a, 0, sizeof(a));
	a.btf = (unsigned long)&blob;
	a.btf_size = (16u << 20) + 1;
	EXPECT_ERRNO(sys_bpf(BPF_BTF_LOAD, &a, sizeof(a)), E2BIG);
}

static long elem(int cmd, int fd, const void *key, void *value, __u64 flags)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.map_fd = (unsigned)fd;
	a.key = (unsigned long)key;
	a.value = (unsigned long)value;
	a.flags = flags;
	return sys_bpf(cmd, &a, cmd == BPF_MAP_DELETE_ELEM ? offsetof(union bpf_attr, value) : sizeof(a));
}

static long freeze(int fd)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.map_fd = (unsigned)fd;
	return sys_bpf(BPF_MAP_FREEZE, &a, sizeof(a));
}

/* Array maps as libbpf uses them for global data: its probes, elements
 * from user space, a counter a tracepoint program bumps through
 * map_lookup_elem seen through a shared mapping, and freezing. */
static void t_array_maps(void)
{
	int tp = tp_id("syscalls", "sys_enter_getppid");
	int probe = bpf_map_create(BPF_MAP_TYPE_ARRAY, "libbpf_mmap", 4, 4, 1,
				   &(struct bpf_map_create_opts){ .sz = sizeof(struct bpf_map_create_opts),
								  .map_flags = BPF_F_MMAPABLE });
	int glob = bpf_map_create(BPF_MAP_TYPE_ARRAY, "libbpf_global", 4, 32, 1, NULL);
	if (!EXPECT_GE(probe, 0) || !EXPECT_GE(glob, 0))
		return;
	close(probe);
	/* libbpf's global data probe: a store through a map value pointer */
	struct bpf_insn gp[] = {
		RAW(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_VALUE, 0, glob), RAW(0, 0, 0, 0, 16),
		RAW(BPF_ST | BPF_DW | BPF_MEM, 1, 0, 0, 42), MOV_IMM(0, 0), EXIT(),
	};
	EXPECT_EQ(load(BPF_PROG_TYPE_SOCKET_FILTER, NULL, gp, 5), 0);
	close(glob);

	int m = bpf_map_create(BPF_MAP_TYPE_ARRAY, "counters", 4, 8, 4,
			       &(struct bpf_map_create_opts){ .sz = sizeof(struct bpf_map_create_opts),
							      .map_flags = BPF_F_MMAPABLE });
	if (!EXPECT_GE(m, 0))
		return;
	__u32 k = 1, big = 4;
	__u64 v = 7, got = 0;
	EXPECT_EQ(elem(BPF_MAP_UPDATE_ELEM, m, &k, &v, BPF_ANY), 0);
	EXPECT_EQ(elem(BPF_MAP_LOOKUP_ELEM, m, &k, &got, 0), 0);
	EXPECT_EQ(got, 7);
	EXPECT_ERRNO(elem(BPF_MAP_UPDATE_ELEM, m, &k, &v, BPF_NOEXIST), EEXIST);
	EXPECT_ERRNO(elem(BPF_MAP_UPDATE_ELEM, m, &big, &v, BPF_ANY), E2BIG);
	EXPECT_ERRNO(elem(BPF_MAP_LOOKUP_ELEM, m, &big, &got, 0), ENOENT);
	EXPECT_ERRNO(elem(BPF_MAP_DELETE_ELEM, m, &k, NULL, 0), EINVAL);
	volatile __u64 *vals = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
	if (!EXPECT_TRUE(vals != MAP_FAILED))
		return;
	EXPECT_EQ(vals[1], 7);
	vals[2] = 99;
	k = 2;
	EXPECT_EQ(elem(BPF_MAP_LOOKUP_ELEM, m, &k, &got, 0), 0);
	EXPECT_EQ(got, 99);
	EXPECT_TRUE(mmap(NULL, 8192, PROT_READ, MAP_SHARED, m, 0) == MAP_FAILED);   /* past the values */
	/* a program counts this process's getppid calls in element 0 */
	struct bpf_insn cnt[] = {
		CALL(BPF_FUNC_get_current_pid_tgid), RSH_IMM(0, 32),
		JMP_IMM(BPF_JNE, 0, getpid(), 9),
		RAW(BPF_ST | BPF_W | BPF_MEM, 10, 0, -4, 0),
		MOV_REG(2, 10), ADD_IMM(2, -4), LD_MAP(1, m),
		CALL(BPF_FUNC_map_lookup_elem),
		JMP_IMM(BPF_JEQ, 0, 0, 2),
		MOV_IMM(1, 1), RAW(BPF_STX | BPF_DW | BPF_ATOMIC, 0, 1, 0, BPF_ADD),
		MOV_IMM(0, 0), EXIT(),
	};
	long prog = load_log(BPF_PROG_TYPE_TRACEPOINT, NULL, cnt, 14, 1, sizeof(log_buf), NULL);
	if (EXPECT_GE(tp, 0) && EXPECT_GE(prog, 0)) {
		int pfd = attach_prog((int)prog, tp);
		if (EXPECT_GE(pfd, 0)) {
			for (int i = 0; i < 25; i++)
				RSYS(SYS_getppid);
			close(pfd);
			EXPECT_EQ(vals[0], 25);
		}
	} else if (prog < 0) {
		ktap_diag("log: %.400s", log_buf);
	}
	if (prog >= 0)
		close((int)prog);
	/* freezing: not while writable mappings exist; then no user writes */
	EXPECT_ERRNO(freeze(m), EBUSY);
	munmap((void *)vals, 4096);
	EXPECT_EQ(freeze(m), 0);
	EXPECT_ERRNO(freeze(m), EPERM);                /* frozen: not writable any more */
	EXPECT_ERRNO(elem(BPF_MAP_UPDATE_ELEM, m, &k, &v, BPF_ANY), EPERM);
	EXPECT_TRUE(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0) == MAP_FAILED);
	void *ro = mmap(NULL, 4096, PROT_READ, MAP_SHARED, m, 0);
	if (EXPECT_TRUE(ro != MAP_FAILED)) {
		EXPECT_EQ(((__u64 *)ro)[2], 99);
		EXPECT_ERRNO(RSYS(SYS_mprotect, ro, 4096, PROT_READ | PROT_WRITE), EACCES);
		munmap(ro, 4096);
	}
	close(m);
}

/* Hash maps: Linux's errnos for updates, lookups, deletes and a full
 * map, iteration with GET_NEXT_KEY, and a program keeping a per-process
 * count with lookup and update. */
static void t_hash_maps(void)
{
	int h = bpf_map_create(BPF_MAP_TYPE_HASH, "hash", 8, 8, 4, NULL);
	if (!EXPECT_GE(h, 0))
		return;
	__u64 k, v, got;
	for (k = 1; k <= 4; k++) {
		v = k * 10;
		EXPECT_EQ(elem(BPF_MAP_UPDATE_ELEM, h, &k, &v, BPF_NOEXIST), 0);
	}
	k = 5;
	EXPECT_ERRNO(elem(BPF_MAP_UPDATE_ELEM, h, &k, &v, BPF_ANY), E2BIG);        /* full */
	EXPECT_ERRNO(elem(BPF_MAP_UPDATE_ELEM, h, &k, &v, BPF_EXIST), ENOENT);
	k = 2;
	EXPECT_ERRNO(elem(BPF_MAP_UPDATE_ELEM, h, &k, &v, BPF_NOEXIST), EEXIST);
	EXPECT_EQ(elem(BPF_MAP_LOOKUP_ELEM, h, &k, &got, 0), 0);
	EXPECT_EQ(got, 20);
	int n = 0;
	__u64 key, next;
	long rc = elem(BPF_MAP_GET_NEXT_KEY, h, NULL, &next, 0);
	while (rc == 0 && n < 10) {
		n++;
		key = next;
		rc = elem(BPF_MAP_GET_NEXT_KEY, h, &key, &next, 0);
	}
	EXPECT_ERRNO(rc, ENOENT);
	EXPECT_EQ(n, 4);
	EXPECT_EQ(elem(BPF_MAP_DELETE_ELEM, h, &k, NULL, 0), 0);
	EXPECT_ERRNO(elem(BPF_MAP_DELETE_ELEM, h, &k, NULL, 0), ENOENT);
	EXPECT_ERRNO(elem(BPF_MAP_LOOKUP_ELEM, h, &k, &got, 0), ENOENT);
	close(h);

	int tp = tp_id("syscalls", "sys_enter_getppid");
	h = bpf_map_create(BPF_MAP_TYPE_HASH, "per_pid", 8, 8, 64, NULL);
	if (!EXPECT_GE(tp, 0) || !EXPECT_GE(h, 0))
		return;
	/* key = tgid; if (v = lookup(key)) (*v)++; else update(key, 1) */
	struct bpf_insn p[] = {
		CALL(BPF_FUNC_get_current_pid_tgid), RSH_IMM(0, 32),
		STX(BPF_DW, 10, 0, -8),                         /* 2: key */
		MOV_REG(2, 10), ADD_IMM(2, -8), LD_MAP(1, h),
		CALL(BPF_FUNC_map_lookup_elem),                 /* 7 */
		JMP_IMM(BPF_JEQ, 0, 0, 3),
		MOV_IMM(1, 1), RAW(BPF_STX | BPF_DW | BPF_ATOMIC, 0, 1, 0, BPF_ADD),
		JA(10),                                         /* 11: to exit */
		MOV_IMM(1, 1), STX(BPF_DW, 10, 1, -16),         /* 12: value 1 */
		MOV_REG(2, 10), ADD_IMM(2, -8), MOV_REG(3, 10), ADD_IMM(3, -16),
		LD_MAP(1, h), MOV_IMM(4, BPF_NOEXIST),
		CALL(BPF_FUNC_map_update_elem),
		MOV_IMM(0, 0), EXIT(),
	};
	long prog = load_log(BPF_PROG_TYPE_TRACEPOINT, NULL, p, sizeof(p) / sizeof(p[0]), 1,
			     sizeof(log_buf), NULL);
	if (EXPECT_GE(prog, 0)) {
		int pfd = attach_prog((int)prog, tp);
		if (EXPECT_GE(pfd, 0)) {
			for (int i = 0; i < 30; i++)
				RSYS(SYS_getppid);
			close(pfd);
			k = (__u64)getpid();
			EXPECT_EQ(elem(BPF_MAP_LOOKUP_ELEM, h, &k, &got, 0), 0);
			EXPECT_EQ(got, 30);
		}
		close((int)prog);
	} else {
		ktap_diag("log: %.600s", log_buf);
	}
	close(h);
}

static const struct ktap_case cases[] = {
	KTAP_CASE(t_libbpf_probes),
	KTAP_CASE(t_rejected),
	KTAP_CASE(t_log),
	KTAP_CASE(t_unlink_flow),
	KTAP_CASE(t_unlink_flow_link),
	KTAP_CASE(t_link_errors),
	KTAP_CASE(t_btf_load),
	KTAP_CASE(t_array_maps),
	KTAP_CASE(t_hash_maps),
};

int main(void)
{
	return ktap_run(cases, KTAP_COUNT(cases));
}
