/* Tiny BPF programs for test_bpf_linux.c, assembled by hand (no clang
 * here): socket filters run with BPF_PROG_TEST_RUN, so they execute
 * synchronously on the calling thread's CPU. They produce into kernel
 * rings and perf event arrays and drain user rings on the host's Linux,
 * the reference for what Ringtail's handlers do. Opcode values are
 * Linux's (include/uapi/linux/bpf_common.h); Ringtail's uapi header has
 * no instruction set, so they are spelled out here. */
#pragma once
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>

enum {
	OP_LD = 0x00, OP_LDX = 0x01, OP_ST = 0x02, OP_STX = 0x03, OP_ALU = 0x04,
	OP_JMP = 0x05, OP_ALU64 = 0x07,
	SZ_W = 0x00, SZ_DW = 0x18,
	MD_IMM = 0x00, MD_ABS = 0x20, MD_MEM = 0x60,
	AL_ADD = 0x00, AL_MOV = 0xb0, SRC_K = 0x00, SRC_X = 0x08,
	JM_JEQ = 0x10, JM_CALL = 0x80, JM_EXIT = 0x90,
	PSEUDO_MAP_FD = 1, PSEUDO_FUNC = 4,
	FN_perf_event_output = 25, FN_ringbuf_output = 130, FN_ringbuf_reserve = 131,
	FN_ringbuf_submit = 132, FN_ringbuf_discard = 133, FN_user_ringbuf_drain = 209,
	CMD_BTF_LOAD = 18,
};

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define MOV_IMM(d, i)   INSN(OP_ALU64 | AL_MOV | SRC_K, d, 0, 0, i)
#define MOV32_IMM(d, i) INSN(OP_ALU | AL_MOV | SRC_K, d, 0, 0, i)   /* zero-extends */
#define MOV_REG(d, s)   INSN(OP_ALU64 | AL_MOV | SRC_X, d, s, 0, 0)
#define ADD_IMM(d, i)   INSN(OP_ALU64 | AL_ADD | SRC_K, d, 0, 0, i)
#define STX_DW(d, s, o) INSN(OP_STX | MD_MEM | SZ_DW, d, s, o, 0)
#define LDX_DW(d, s, o) INSN(OP_LDX | MD_MEM | SZ_DW, d, s, o, 0)
#define ST_DW(d, o, i)  INSN(OP_ST | MD_MEM | SZ_DW, d, 0, o, i)
#define LD_MAP(d, fd)   INSN(OP_LD | SZ_DW | MD_IMM, d, PSEUDO_MAP_FD, 0, fd), INSN(0, 0, 0, 0, 0)
#define LD_FUNC(d, rel) INSN(OP_LD | SZ_DW | MD_IMM, d, PSEUDO_FUNC, 0, rel), INSN(0, 0, 0, 0, 0)
#define LD_ABS_W(o)     INSN(OP_LD | MD_ABS | SZ_W, 0, 0, 0, o)
#define JEQ_IMM(d, i, o) INSN(OP_JMP | JM_JEQ | SRC_K, d, 0, o, i)
#define CALL(fn)        INSN(OP_JMP | JM_CALL, 0, 0, 0, fn)
#define EXIT()          INSN(OP_JMP | JM_EXIT, 0, 0, 0, 0)

#define SEQ_OFF 14   /* LD_ABS offset 0 is here: a socket filter sees the packet after the MAC header */

static int lp_load(const struct bpf_insn *insns, size_t n, int btf_fd, const void *func_info,
		   unsigned int nfunc)
{
	static char log[16384];
	LIBBPF_OPTS(bpf_prog_load_opts, o, .prog_btf_fd = (unsigned)btf_fd, .func_info = func_info,
		    .func_info_cnt = nfunc, .func_info_rec_size = nfunc ? 8 : 0);
	int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "rt_test", "GPL", insns, n, &o);

	if (fd < 0) {   /* again, with the verifier's log, to say why */
		o.log_buf = log;
		o.log_size = sizeof(log);
		o.log_level = 1;
		if (bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "rt_test", "GPL", insns, n, &o) < 0)
			printf("# verifier: %.300s\n", log);
	}
	return fd;
}

/* Run once; the program's return value (or -errno of the run). */
static long lp_run(int prog, unsigned int seq)
{
	unsigned char pkt[64] = { 0 };
	union bpf_attr a;

	pkt[SEQ_OFF] = seq >> 24;
	pkt[SEQ_OFF + 1] = seq >> 16;
	pkt[SEQ_OFF + 2] = seq >> 8;
	pkt[SEQ_OFF + 3] = seq;
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = prog;
	a.test.data_in = (unsigned long)pkt;
	a.test.data_size_in = sizeof(pkt);
	if (syscall(__NR_bpf, BPF_PROG_TEST_RUN, &a, sizeof(a)))
		return -errno;
	return (int)a.test.retval;
}

/* bpf_ringbuf_output(map, {seq, 0x77}, 16, flags). */
static int lp_output(int map, int flags)
{
	struct bpf_insn p[] = {
		MOV_REG(6, 1), LD_ABS_W(0), STX_DW(10, 0, -16), ST_DW(10, -8, 0x77),
		LD_MAP(1, map), MOV_REG(2, 10), ADD_IMM(2, -16), MOV_IMM(3, 16), MOV_IMM(4, flags),
		CALL(FN_ringbuf_output), EXIT(),
	};
	return lp_load(p, sizeof(p) / sizeof(p[0]), 0, NULL, 0);
}

/* Jump offsets count instructions after the jump; LD_MAP/LD_FUNC take two.
 *
 * test_ringbuf's pattern: 32 bytes reserved and submitted; 32 reserved,
 * copied out with bpf_ringbuf_output and discarded. 0, or 1 on failure. */
static int lp_two_submits_one_discard(int map)
{
	struct bpf_insn p[] = {
		LD_MAP(1, map), MOV_IMM(2, 32), MOV_IMM(3, 0), CALL(FN_ringbuf_reserve),
		JEQ_IMM(0, 0, 23), ST_DW(0, 0, 1), MOV_REG(1, 0), MOV_IMM(2, 0), CALL(FN_ringbuf_submit),
		LD_MAP(1, map), MOV_IMM(2, 32), MOV_IMM(3, 0), CALL(FN_ringbuf_reserve),
		JEQ_IMM(0, 0, 13), MOV_REG(7, 0), ST_DW(7, 0, 2),
		LD_MAP(1, map), MOV_REG(2, 7), MOV_IMM(3, 32), MOV_IMM(4, 0), CALL(FN_ringbuf_output),
		MOV_REG(1, 7), MOV_IMM(2, 0), CALL(FN_ringbuf_discard), MOV_IMM(0, 0), EXIT(),
		MOV_IMM(0, 1), EXIT(),
	};
	return lp_load(p, sizeof(p) / sizeof(p[0]), 0, NULL, 0);
}

/* Two reservations of size each, both discarded: 3 if both succeeded,
 * 2 if only the first, 1 if none. */
static int lp_two_reserves(int map, int size)
{
	struct bpf_insn p[] = {
		LD_MAP(1, map), MOV_IMM(2, size), MOV_IMM(3, 0), CALL(FN_ringbuf_reserve),
		JEQ_IMM(0, 0, 20), MOV_REG(6, 0),
		LD_MAP(1, map), MOV_IMM(2, size), MOV_IMM(3, 0), CALL(FN_ringbuf_reserve),
		JEQ_IMM(0, 0, 8), MOV_REG(1, 0), MOV_IMM(2, 0), CALL(FN_ringbuf_discard),
		MOV_REG(1, 6), MOV_IMM(2, 0), CALL(FN_ringbuf_discard), MOV_IMM(0, 3), EXIT(),
		MOV_REG(1, 6), MOV_IMM(2, 0), CALL(FN_ringbuf_discard), MOV_IMM(0, 2), EXIT(),
		MOV_IMM(0, 1), EXIT(),
	};
	return lp_load(p, sizeof(p) / sizeof(p[0]), 0, NULL, 0);
}

/* One reservation of size, discarded: 1 if it succeeded, else 0. */
static int lp_reserve_one(int map, int size)
{
	struct bpf_insn p[] = {
		LD_MAP(1, map), MOV_IMM(2, size), MOV_IMM(3, 0), CALL(FN_ringbuf_reserve),
		JEQ_IMM(0, 0, 4), MOV_REG(1, 0), MOV_IMM(2, 0), CALL(FN_ringbuf_discard),
		MOV_IMM(0, 1), EXIT(),
	};
	return lp_load(p, sizeof(p) / sizeof(p[0]), 0, NULL, 0);
}

/* bpf_perf_event_output(skb, map, BPF_F_CURRENT_CPU, {seq, 0x77}, 16). */
static int lp_perf_output(int map)
{
	struct bpf_insn p[] = {
		MOV_REG(6, 1), LD_ABS_W(0), STX_DW(10, 0, -16), ST_DW(10, -8, 0x77),
		MOV_REG(1, 6), LD_MAP(2, map), MOV32_IMM(3, -1), MOV_REG(4, 10), ADD_IMM(4, -16),
		MOV_IMM(5, 16), CALL(FN_perf_event_output), EXIT(),
	};
	return lp_load(p, sizeof(p) / sizeof(p[0]), 0, NULL, 0);
}

/* BTF for the drain program: Linux wants func_info for a callback. Types
 * 1 int, 2 int(void), 3 FUNC main, 4 int(int d, int c), 5 FUNC cb. */
static int lp_btf(void)
{
	static const char strs[] = "\0int\0main\0cb\0d\0c";
	const unsigned int t[] = {
		1, 1u << 24, 4, (1u << 24) | 32,        /* INT "int", signed, 32 bits */
		0, 13u << 24, 1,                        /* FUNC_PROTO int(void) */
		5, (12u << 24) | 1, 2,                  /* FUNC "main", global */
		0, (13u << 24) | 2, 1, 13, 1, 15, 1,    /* FUNC_PROTO int(int d, int c) */
		10, 12u << 24, 4,                       /* FUNC "cb", static */
	};
	unsigned char buf[24 + sizeof(t) + sizeof(strs)];
	unsigned int hdr[6] = { 0xeB9F | (1u << 16), 24, 0, sizeof(t), sizeof(t), sizeof(strs) };
	union bpf_attr a;
	long fd;

	memcpy(buf, hdr, 24);
	memcpy(buf + 24, t, sizeof(t));
	memcpy(buf + 24 + sizeof(t), strs, sizeof(strs));
	memset(&a, 0, sizeof(a));
	/* BPF_BTF_LOAD: btf, btf_log_buf, btf_size at offsets 0, 8, 16 */
	*(unsigned long *)&a = (unsigned long)buf;
	((unsigned int *)&a)[4] = sizeof(buf);
	fd = syscall(__NR_bpf, CMD_BTF_LOAD, &a, sizeof(a));
	return fd < 0 ? -errno : (int)fd;
}

/* bpf_user_ringbuf_drain(map, cb, &count, flags); returns its result.
 * The callback only counts (into the caller's stack). */
static int lp_drain(int map, int flags)
{
	struct bpf_insn p[] = {
		MOV_IMM(1, 0), STX_DW(10, 1, -8), LD_MAP(1, map), LD_FUNC(2, 6),
		MOV_REG(3, 10), ADD_IMM(3, -8), MOV_IMM(4, flags), CALL(FN_user_ringbuf_drain), EXIT(),
		/* cb(dynptr, ctx): (*ctx)++; return 0 */
		LDX_DW(3, 2, 0), ADD_IMM(3, 1), STX_DW(2, 3, 0), MOV_IMM(0, 0), EXIT(),
	};
	const unsigned int fi[4] = { 0, 3, 11, 5 };   /* {insn_off, type_id} x2 */
	int btf = lp_btf(), fd;

	if (btf < 0)
		return btf;
	fd = lp_load(p, sizeof(p) / sizeof(p[0]), btf, fi, 2);
	close(btf);
	return fd;
}
