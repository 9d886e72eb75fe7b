/* The BPF verifier (kernel/bpf/verifier.c and its parts) on the host, as
 * a table: programs it must accept and programs it must reject, each with
 * Linux's errno and a line Linux's log would have. Accepted programs that
 * return a known value are then run by the interpreter on the rewritten
 * instructions, so the rewrite (maps, calls, callbacks) is checked too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lib/errno.h>
#include "../vm.h"
#include "bpf_asm.h"
#include "bpf_vhost.h"
#include "ktest_host.h"

#define MAP_RB 1
#define MAP_ARRAY 2
#define MAP_URB 3
#define MAP_RO 5
#define TP BPF_PROG_TYPE_TRACEPOINT
#define SF BPF_PROG_TYPE_SOCKET_FILTER
#define NO_RUN 0xdeadull

struct vcase {
	const char *name;
	struct bpf_insn insns[40];
	u32 prog_type;
	bool unpriv;
	int err;                /* 0: accepted */
	const char *log;        /* a line (part) the log must contain */
	u64 ret;                /* accepted: r0 of a run, or NO_RUN */
};

#define RINGBUF_RESERVE(size)                                                   \
	I_LD_MAP_FD(1, MAP_RB), I_MOV64_IMM(2, size), I_MOV64_IMM(3, 0),        \
	I_CALL(BPF_FUNC_ringbuf_reserve)

static const struct vcase cases[] = {
	{ "libbpf probe: r0 = 0; exit", { I_MOV64_IMM(0, 0), I_EXIT() }, SF, true, 0, NULL, 0 },
	{ "bounded loop sums 0..9",
	  { I_MOV64_IMM(0, 0), I_MOV64_IMM(1, 0),
	    I_ALU64_REG(BPF_ADD, 0, 1), I_ALU64_IMM(BPF_ADD, 1, 1),
	    I_JMP_IMM(BPF_JLT, 1, 10, -3), I_EXIT() }, TP, false, 0, NULL, 45 },
	{ "ringbuf query, reserve, fill, submit",
	  { I_LD_MAP_FD(1, MAP_RB), I_MOV64_IMM(2, 0), I_CALL(BPF_FUNC_ringbuf_query),
	    I_JMP_IMM(BPF_JLT, 0, 64, 11),
	    RINGBUF_RESERVE(16),
	    I_JMP_IMM(BPF_JEQ, 0, 0, 5),
	    I_ST(BPF_DW, 0, 0, 1), I_ST(BPF_DW, 0, 8, 2),
	    I_MOV64_REG(1, 0), I_MOV64_IMM(2, 0), I_CALL(BPF_FUNC_ringbuf_submit),
	    I_MOV64_IMM(0, 0), I_EXIT() }, TP, false, 0, NULL, NO_RUN },
	{ "map lookup, null check, write the value",
	  { I_ST(BPF_W, 10, -4, 0), I_MOV64_REG(2, 10), I_ALU64_IMM(BPF_ADD, 2, -4),
	    I_LD_MAP_FD(1, MAP_ARRAY), I_CALL(BPF_FUNC_map_lookup_elem),
	    I_JMP_IMM(BPF_JEQ, 0, 0, 2), I_MOV64_IMM(1, 5), I_STX(BPF_DW, 0, 1, 8),
	    I_MOV64_IMM(0, 0), I_EXIT() }, TP, false, 0, NULL, NO_RUN },
	{ "bpf-to-bpf call",
	  { I_MOV64_IMM(1, 3), I_CALL_REL(1), I_EXIT(),
	    I_MOV64_REG(0, 1), I_ALU64_IMM(BPF_ADD, 0, 1), I_EXIT() }, TP, false, 0, NULL, 4 },
	{ "bpf_loop callback counts into the caller's stack",
	  { I_ST(BPF_DW, 10, -8, 0), I_MOV64_IMM(1, 10), I_LD_FUNC(2, 7),
	    I_MOV64_REG(3, 10), I_ALU64_IMM(BPF_ADD, 3, -8), I_MOV64_IMM(4, 0),
	    I_CALL(BPF_FUNC_loop), I_LDX(BPF_DW, 0, 10, -8), I_EXIT(),
	    /* callback(index, ctx) */
	    I_LDX(BPF_DW, 0, 2, 0), I_ALU64_IMM(BPF_ADD, 0, 1), I_STX(BPF_DW, 2, 0, 0),
	    I_MOV64_IMM(0, 0), I_EXIT() }, TP, false, 0, NULL, 10 },
	{ "user ring drain: dynptr_read in the callback, ringbuf_output",
	  { I_LD_MAP_FD(1, MAP_URB), I_LD_FUNC(2, 6), I_MOV64_IMM(3, 0), I_MOV64_IMM(4, 0),
	    I_CALL(BPF_FUNC_user_ringbuf_drain), I_MOV64_IMM(0, 0), I_EXIT(),
	    /* callback(dynptr, ctx) */
	    I_MOV64_REG(3, 1), I_MOV64_REG(1, 10), I_ALU64_IMM(BPF_ADD, 1, -16),
	    I_MOV64_IMM(2, 16), I_MOV64_IMM(4, 0), I_MOV64_IMM(5, 0),
	    I_CALL(BPF_FUNC_dynptr_read), I_JMP_IMM(BPF_JNE, 0, 0, 7),
	    I_LD_MAP_FD(1, MAP_RB), I_MOV64_REG(2, 10), I_ALU64_IMM(BPF_ADD, 2, -16),
	    I_MOV64_IMM(3, 16), I_MOV64_IMM(4, 0), I_CALL(BPF_FUNC_ringbuf_output),
	    I_MOV64_IMM(0, 0), I_EXIT() }, TP, false, 0, NULL, NO_RUN },
	{ "tracepoint ctx field read", { I_LDX(BPF_DW, 0, 1, 8), I_MOV64_IMM(0, 1), I_EXIT() },
	  TP, false, 0, NULL, NO_RUN },
	{ "frozen read-only map value is a known constant",
	  { I_LD_MAP_VALUE(1, MAP_RO, 0), I_LDX(BPF_B, 0, 1, 0), I_JMP_IMM(BPF_JEQ, 0, 42, 1),
	    I_LDX(BPF_DW, 0, 10, -8), I_EXIT() }, SF, true, 0, NULL, 42 },

	/* rejected: the six the issue names */
	{ "out-of-bounds ctx access", { I_LDX(BPF_DW, 0, 1, 8192), I_EXIT() }, TP, false,
	  -EACCES, "invalid bpf_context access off=8192 size=8", 0 },
	{ "ringbuf record leaked on one path",
	  { I_LDX(BPF_DW, 6, 1, 8), RINGBUF_RESERVE(8), I_JMP_IMM(BPF_JEQ, 0, 0, 4),
	    I_JMP_IMM(BPF_JEQ, 6, 0, 3),
	    I_MOV64_REG(1, 0), I_MOV64_IMM(2, 0), I_CALL(BPF_FUNC_ringbuf_submit),
	    I_MOV64_IMM(0, 0), I_EXIT() }, TP, false, -EINVAL,
	  "Unreleased reference id=1 alloc_insn=5", 0 },
	{ "unbounded loop", { I_LDX(BPF_DW, 1, 1, 8), I_JMP_IMM(BPF_JGT, 1, 10, 1), I_JA(-2),
	  I_MOV64_IMM(0, 0), I_EXIT() }, TP, false, -EINVAL, "infinite loop detected at insn 2", 0 },
	{ "loop in an unprivileged program",
	  { I_MOV64_IMM(0, 0), I_ALU64_IMM(BPF_ADD, 0, 1), I_JMP_IMM(BPF_JLT, 0, 4, -2), I_EXIT() },
	  SF, true, -EINVAL, "back-edge from insn 2 to 1", 0 },
	{ "uninitialised stack read", { I_LDX(BPF_DW, 0, 10, -8), I_EXIT() }, SF, true, -EACCES,
	  "invalid read from stack off -8+0 size 8", 0 },
	{ "wrong helper argument: scalar for the ring buffer",
	  { I_MOV64_IMM(1, 0), I_MOV64_IMM(2, 8), I_MOV64_IMM(3, 0),
	    I_CALL(BPF_FUNC_ringbuf_reserve), I_MOV64_IMM(0, 0), I_EXIT() }, TP, false, -EACCES,
	  "R1 type=scalar expected=map_ptr", 0 },
	{ "pointer leak into a map",
	  { I_ST(BPF_W, 10, -4, 0), I_MOV64_REG(2, 10), I_ALU64_IMM(BPF_ADD, 2, -4),
	    I_LD_MAP_FD(1, MAP_ARRAY), I_CALL(BPF_FUNC_map_lookup_elem),
	    I_JMP_IMM(BPF_JEQ, 0, 0, 1), I_STX(BPF_DW, 0, 10, 0), I_MOV64_IMM(0, 0), I_EXIT() },
	  SF, true, -EACCES, "R10 leaks addr into map", 0 },

	/* rejected: more of Linux's rules */
	{ "reserve size not a constant",
	  { I_LDX(BPF_DW, 2, 1, 8), I_LD_MAP_FD(1, MAP_RB), I_MOV64_IMM(3, 0),
	    I_CALL(BPF_FUNC_ringbuf_reserve), I_MOV64_IMM(0, 0), I_EXIT() }, TP, false, -EACCES,
	  "R2 is not a known constant", 0 },
	{ "record written past its size",
	  { RINGBUF_RESERVE(8), I_JMP_IMM(BPF_JEQ, 0, 0, 4), I_ST(BPF_DW, 0, 8, 1),
	    I_MOV64_REG(1, 0), I_MOV64_IMM(2, 0), I_CALL(BPF_FUNC_ringbuf_submit),
	    I_MOV64_IMM(0, 0), I_EXIT() }, TP, false, -EACCES,
	  "invalid access to memory, mem_size=8 off=8 size=8", 0 },
	{ "record used after submit",
	  { RINGBUF_RESERVE(8), I_JMP_IMM(BPF_JEQ, 0, 0, 5), I_MOV64_REG(6, 0),
	    I_MOV64_REG(1, 0), I_MOV64_IMM(2, 0), I_CALL(BPF_FUNC_ringbuf_submit),
	    I_ST(BPF_DW, 6, 0, 1), I_MOV64_IMM(0, 0), I_EXIT() }, TP, false, -EACCES,
	  "R6 invalid mem access 'scalar'", 0 },
	{ "map value used before the null check",
	  { I_ST(BPF_W, 10, -4, 0), I_MOV64_REG(2, 10), I_ALU64_IMM(BPF_ADD, 2, -4),
	    I_LD_MAP_FD(1, MAP_ARRAY), I_CALL(BPF_FUNC_map_lookup_elem), I_ST(BPF_DW, 0, 0, 1),
	    I_MOV64_IMM(0, 0), I_EXIT() }, TP, false, -EACCES,
	  "R0 invalid mem access 'map_value_or_null'", 0 },
	{ "map value out of bounds",
	  { I_LD_MAP_VALUE(1, MAP_ARRAY, 0), I_LDX(BPF_DW, 0, 1, 16), I_EXIT() }, TP, false,
	  -EACCES, "invalid access to map value, value_size=16 off=16 size=8", 0 },
	{ "uninitialised register", { I_MOV64_REG(0, 2), I_EXIT() }, TP, false, -EACCES,
	  "R2 !read_ok", 0 },
	{ "r0 not set at exit", { I_EXIT() }, TP, false, -EACCES, "R0 !read_ok", 0 },
	{ "stack beyond 512 bytes", { I_ST(BPF_DW, 10, -520, 0), I_MOV64_IMM(0, 0), I_EXIT() },
	  TP, false, -EACCES, "invalid write to stack R10 off=-520 size=8", 0 },
	{ "unreachable instruction", { I_MOV64_IMM(0, 0), I_EXIT(), I_EXIT() }, TP, false,
	  -EINVAL, "unreachable insn 2", 0 },
	{ "jump out of range", { I_JA(5), I_EXIT() }, TP, false, -EINVAL,
	  "jump out of range from insn 0 to 6", 0 },
	{ "unknown helper", { I_CALL(9999), I_EXIT() }, TP, false, -EINVAL,
	  "invalid func unknown#9999", 0 },
	{ "tracing helper in a socket filter", { I_CALL(BPF_FUNC_get_current_pid_tgid), I_EXIT() },
	  SF, true, -EINVAL, "program of this type cannot use helper bpf_get_current_pid_tgid#14", 0 },
	{ "callback returns 2",
	  { I_MOV64_IMM(1, 1), I_LD_FUNC(2, 6), I_MOV64_IMM(3, 0), I_MOV64_IMM(4, 0),
	    I_CALL(BPF_FUNC_loop), I_MOV64_IMM(0, 0), I_EXIT(), I_MOV64_IMM(0, 2), I_EXIT() },
	  TP, false, -EINVAL, "At callback return the register R0 has value (0x2; 0x0)", 0 },
	{ "pointer returned by an unprivileged program", { I_MOV64_REG(0, 10), I_EXIT() }, SF,
	  true, -EACCES, "R0 leaks addr as return value", 0 },
	{ "division by constant zero", { I_MOV64_IMM(0, 1), I_ALU64_IMM(BPF_DIV, 0, 0), I_EXIT() },
	  TP, false, -EINVAL, "div by zero", 0 },
	{ "write to the frame pointer", { I_MOV64_IMM(10, 0), I_EXIT() }, TP, false, -EACCES,
	  "frame pointer is read only", 0 },
	{ "counting loop that never ends",
	  { I_MOV64_IMM(0, 0), I_ALU64_IMM(BPF_ADD, 0, 1), I_JMP_IMM(BPF_JNE, 0, 0, -2), I_EXIT() },
	  TP, false, -E2BIG, "BPF program is too large. Processed 1000001 insn", 0 },
};

/* Host helpers for runs of accepted programs. */
static u64 h_loop(struct bpf_run *run, u64 n, u64 fn, u64 ctx, u64 flags, u64 r5)
{
	u64 i = 0;
	for (; i < n; i++)
		if (bpf_vm_callback(run, (u32)fn, i, ctx, 0, 0, 0))
			break;
	return i;
}

static bpf_helper_fn host_helpers[__BPF_FUNC_MAX_ID];

static u64 run_verified(const struct bpf_verify_args *a)
{
	host_helpers[BPF_FUNC_loop] = h_loop;
	struct bpf_vm_prog p = {
		.insns = a->insns, .len = a->len, .nr_subprogs = a->nr_subprogs,
		.subprogs = a->subprogs, .helpers = host_helpers, .nr_helpers = __BPF_FUNC_MAX_ID,
	};
	u64 ctx[4] = { 0 };
	struct bpf_run run;
	u64 r0 = bpf_vm_run(&p, &run, ctx, NULL);
	return run.aborted ? ~0ull : r0;
}

static struct vhost host;

/* Programs end in exit: what follows it in the table is padding. */
static u32 case_len(const struct vcase *c)
{
	u32 n = ARRAY_SIZE(c->insns);
	while (n && c->insns[n - 1].code != (BPF_JMP | BPF_EXIT))
		n--;
	return n;
}

static void test_table(struct ktest *t)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct vcase *c = &cases[i];
		struct bpf_verify_args a;
		u32 n = case_len(c);
		int err = vhost_verify(&host, &a, c->insns, n, c->prog_type, !c->unpriv, 1);
		bool ok = err == c->err && (!c->log || strstr(host.log, c->log));
		if (ok && !err && c->ret != NO_RUN)
			ok = run_verified(&a) == c->ret;
		if (!ok) {
			ktest_diag(t, "%s: err %d (want %d)", c->name, err, c->err);
			const char *tail = host.log + (host.log_len > 400 ? host.log_len - 400 : 0);
			ktest_diag(t, "log tail: %s", tail);
		}
		KT_EXPECT(t, ok);
		vhost_release(&a);
	}
}

/* The log: nothing without log_level, instructions and the stats line
 * with it, and at level 1 only the failing path of a rejected program. */
static void test_log(struct ktest *t)
{
	struct bpf_verify_args a;
	const struct vcase *leak = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (strstr(cases[i].name, "leaked"))
			leak = &cases[i];
	KT_ASSERT(t, leak);
	KT_EXPECT_EQ(t, vhost_verify(&host, &a, leak->insns, case_len(leak), TP, true, 0), -EINVAL);
	KT_EXPECT_EQ(t, host.log_len, 0);
	vhost_release(&a);
	KT_EXPECT_EQ(t, vhost_verify(&host, &a, leak->insns, case_len(leak), TP, true, 1), -EINVAL);
	KT_EXPECT(t, strstr(host.log, "0: (79) r6 = *(u64 *)(r1 +8)") != NULL);
	KT_EXPECT(t, strstr(host.log, "processed ") != NULL);
	/* the path through the submit verified and was cut from the log */
	KT_EXPECT(t, strstr(host.log, "ringbuf_submit") == NULL);
	vhost_release(&a);
	KT_EXPECT_EQ(t, vhost_verify(&host, &a, leak->insns, case_len(leak), TP, true, 2), -EINVAL);
	KT_EXPECT(t, strstr(host.log, "R1=ctx()") != NULL);
	vhost_release(&a);
}

static const struct ktest_case verifier_cases[] = {
	KTEST_CASE(test_table),
	KTEST_CASE(test_log),
	{},
};
KTEST_HOST_SUITE(verifier_suite, "bpf_verifier", verifier_cases);
KTEST_HOST_MAIN(&verifier_suite);
