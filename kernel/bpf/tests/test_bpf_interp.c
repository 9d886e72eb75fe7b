/* The BPF interpreter (kernel/bpf/interp.c) on the host, every opcode
 * class against results computed here by plain C: ALU and ALU64 (both
 * operand forms, signed division and modulo, sign-extending moves, byte
 * swaps), JMP and JMP32 conditions, loads and stores of every size
 * (sign-extending loads too), atomics, ld_imm64, bpf-to-bpf calls with
 * their frames, helpers and callbacks, and the run-time safety nets.
 * Programs here are built by hand and run unverified; what the verifier
 * accepts is test_bpf_verifier's job. */
#include <stdio.h>
#include <string.h>
#include <lib/rand.h>
#include "../vm.h"
#include "bpf_asm.h"
#include "ktest_host.h"

static u64 helper_add3(struct bpf_run *run, u64 a, u64 b, u64 c, u64 d, u64 e)
{
	return a + b + c + d + e;
}

/* (subprog, arg): calls the callback with r1 = arg, r2 = 7; returns its r0 * 10. */
static u64 helper_cb(struct bpf_run *run, u64 sub, u64 arg, u64 c, u64 d, u64 e)
{
	return bpf_vm_callback(run, (u32)sub, arg, 7, 0, 0, 0) * 10;
}

static const bpf_helper_fn test_helpers[] = { NULL, helper_add3, helper_cb };

/* Run insns as one program with the given subprograms (NULL: one, no stack). */
static u64 run_prog(const struct bpf_insn *insns, u32 n, const struct bpf_vm_subprog *subs,
		    u32 nsubs, void *ctx, bool *aborted)
{
	static const struct bpf_vm_subprog one = { 0, 64 };
	struct bpf_vm_prog p = {
		.insns = insns, .len = n, .nr_subprogs = subs ? nsubs : 1,
		.subprogs = subs ? subs : &one, .helpers = test_helpers, .nr_helpers = 3,
	};
	struct bpf_run run;
	u64 r0 = bpf_vm_run(&p, &run, ctx, NULL);
	if (aborted)
		*aborted = run.aborted;
	return r0;
}
#define RUN(insns) run_prog(insns, ARRAY_SIZE(insns), NULL, 0, NULL, NULL)

/* --- reference semantics, written independently of interp.c ----------- */

static u64 ref_alu(bool is64, u8 op, s16 off, u64 a, u64 b)
{
	if (!is64) {
		u32 x = (u32)a, y = (u32)b, r;
		switch (op) {
		case BPF_ADD: r = x + y; break;
		case BPF_SUB: r = x - y; break;
		case BPF_MUL: r = x * y; break;
		case BPF_OR: r = x | y; break;
		case BPF_AND: r = x & y; break;
		case BPF_XOR: r = x ^ y; break;
		case BPF_LSH: r = x << (y % 32); break;
		case BPF_RSH: r = x >> (y % 32); break;
		case BPF_ARSH: {
			u32 sh = y % 32;
			r = x >> sh;
			if ((x & 0x80000000u) && sh)
				r |= ~0u << (32 - sh);
			break;
		}
		case BPF_NEG: r = 0u - x; break;
		case BPF_MOV:
			r = off == 8 ? (u32)(s32)(s8)y : off == 16 ? (u32)(s32)(s16)y : y;
			break;
		case BPF_DIV:
			if (y == 0)
				r = 0;
			else if (off && y == 0xffffffffu)
				r = 0u - x;
			else
				r = off ? (u32)((s32)x / (s32)y) : x / y;
			break;
		default: /* BPF_MOD */
			if (y == 0)
				r = x;
			else if (off && y == 0xffffffffu)
				r = 0;
			else
				r = off ? (u32)((s32)x % (s32)y) : x % y;
		}
		return r;
	}
	switch (op) {
	case BPF_ADD: return a + b;
	case BPF_SUB: return a - b;
	case BPF_MUL: return a * b;
	case BPF_OR: return a | b;
	case BPF_AND: return a & b;
	case BPF_XOR: return a ^ b;
	case BPF_LSH: return a << (b % 64);
	case BPF_RSH: return a >> (b % 64);
	case BPF_ARSH: {
		u64 sh = b % 64, r = a >> sh;
		if ((a >> 63) && sh)
			r |= ~0ull << (64 - sh);
		return r;
	}
	case BPF_NEG: return 0 - a;
	case BPF_MOV:
		return off == 8 ? (u64)(s64)(s8)b : off == 16 ? (u64)(s64)(s16)b
			: off == 32 ? (u64)(s64)(s32)b : b;
	case BPF_DIV:
		if (b == 0)
			return 0;
		if (off && b == ~0ull)
			return 0 - a;
		return off ? (u64)((s64)a / (s64)b) : a / b;
	default:
		if (b == 0)
			return a;
		if (off && b == ~0ull)
			return 0;
		return off ? (u64)((s64)a % (s64)b) : a % b;
	}
}

static bool ref_jmp(bool is64, u8 op, u64 a, u64 b)
{
	if (!is64) {
		a = (u32)a;
		b = (u32)b;
	}
	s64 sa = is64 ? (s64)a : (s64)(s32)(u32)a, sb = is64 ? (s64)b : (s64)(s32)(u32)b;
	switch (op) {
	case BPF_JEQ: return a == b;
	case BPF_JNE: return a != b;
	case BPF_JGT: return a > b;
	case BPF_JGE: return a >= b;
	case BPF_JLT: return a < b;
	case BPF_JLE: return a <= b;
	case BPF_JSET: return (a & b) != 0;
	case BPF_JSGT: return sa > sb;
	case BPF_JSGE: return sa >= sb;
	case BPF_JSLT: return sa < sb;
	default: return sa <= sb;
	}
}

static const u64 edge[] = {
	0, 1, 2, 3, 7, 31, 32, 33, 63, 64, 65, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
	0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull, 0x123456789abcdef0ull,
	0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull, ~1ull, (u64)-7, (u64)-32,
	(u64)-0x80000000ll,
};

/* Operand pairs: every edge value against every other, then random ones. */
static void operand(struct rng *g, unsigned i, u64 *a, u64 *b)
{
	unsigned n = ARRAY_SIZE(edge);
	if (i < n * n) {
		*a = edge[i / n];
		*b = edge[i % n];
	} else {
		*a = rng_next(g) >> rng_below(g, 64);
		*b = rng_next(g) >> rng_below(g, 64);
		if (rng_below(g, 4) == 0)
			*b = rng_below(g, 70);       /* shift amounts and small divisors */
	}
}
#define PAIRS (ARRAY_SIZE(edge) * ARRAY_SIZE(edge) + 3000)

struct alu_case {
	u8 op;
	s16 off;                /* 1: signed div/mod; 8/16/32: movsx */
	bool reg_only;          /* no BPF_K form in the ISA */
	bool is64_only;
};

static const struct alu_case alu_cases[] = {
	{ BPF_ADD, 0, false, false }, { BPF_SUB, 0, false, false }, { BPF_MUL, 0, false, false },
	{ BPF_DIV, 0, false, false }, { BPF_DIV, 1, false, false }, { BPF_OR, 0, false, false },
	{ BPF_AND, 0, false, false }, { BPF_LSH, 0, false, false }, { BPF_RSH, 0, false, false },
	{ BPF_NEG, 0, false, false }, { BPF_MOD, 0, false, false }, { BPF_MOD, 1, false, false },
	{ BPF_XOR, 0, false, false }, { BPF_MOV, 0, false, false }, { BPF_ARSH, 0, false, false },
	{ BPF_MOV, 8, true, false }, { BPF_MOV, 16, true, false }, { BPF_MOV, 32, true, true },
};

static void check_alu(struct ktest *t, bool is64, bool reg)
{
	struct rng g;
	unsigned bad = 0, runs = 0;

	rng_seed(&g, 0xa1u + is64 * 2 + reg);
	for (size_t c = 0; c < ARRAY_SIZE(alu_cases); c++) {
		const struct alu_case *ac = &alu_cases[c];
		if ((ac->reg_only && !reg) || (ac->is64_only && !is64))
			continue;
		for (unsigned i = 0; i < PAIRS; i++) {
			u64 a, b;
			operand(&g, i, &a, &b);
			if (!reg)
				b = (u64)(s64)(s32)(u32)b;       /* what an imm can say */
			u8 cls = is64 ? BPF_ALU64 : BPF_ALU;
			struct bpf_insn prog[] = {
				I_LD_IMM64(1, a),
				I_LD_IMM64(2, b),
				I_RAW(cls | ac->op | (reg && ac->op != BPF_NEG ? BPF_X : BPF_K), 1,
				      reg && ac->op != BPF_NEG ? 2 : 0, ac->off,
				      reg || ac->op == BPF_NEG ? 0 : (s32)b),
				I_MOV64_REG(0, 1),
				I_EXIT(),
			};
			u64 got = RUN(prog), want = ref_alu(is64, ac->op, ac->off, a, b);
			runs++;
			if (got != want && bad++ < 5)
				ktest_diag(t, "%s op %#x off %d: %#llx, %#llx -> %#llx, want %#llx",
					   is64 ? "alu64" : "alu32", ac->op, ac->off, a, b, got, want);
		}
	}
	KT_EXPECT_EQ(t, bad, 0);
	ktest_diag(t, "%u programs", runs);
}

static void test_alu64_imm(struct ktest *t) { check_alu(t, true, false); }
static void test_alu64_reg(struct ktest *t) { check_alu(t, true, true); }
static void test_alu32_imm(struct ktest *t) { check_alu(t, false, false); }
static void test_alu32_reg(struct ktest *t) { check_alu(t, false, true); }

static void test_endian(struct ktest *t)
{
	const u64 v = 0x0123456789abcdefull;
	static const struct { u8 cls, src; s32 bits; u64 want; } c[] = {
		{ BPF_ALU, BPF_TO_LE, 16, 0xcdef },
		{ BPF_ALU, BPF_TO_LE, 32, 0x89abcdef },
		{ BPF_ALU, BPF_TO_LE, 64, 0x0123456789abcdefull },
		{ BPF_ALU, BPF_TO_BE, 16, 0xefcd },
		{ BPF_ALU, BPF_TO_BE, 32, 0xefcdab89 },
		{ BPF_ALU, BPF_TO_BE, 64, 0xefcdab8967452301ull },
		{ BPF_ALU64, 0, 16, 0xefcd },             /* v4 bswap: always swaps */
		{ BPF_ALU64, 0, 32, 0xefcdab89 },
		{ BPF_ALU64, 0, 64, 0xefcdab8967452301ull },
	};
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		struct bpf_insn prog[] = {
			I_LD_IMM64(0, v),
			I_RAW(c[i].cls | BPF_END | c[i].src, 0, 0, 0, c[i].bits),
			I_EXIT(),
		};
		KT_EXPECT_EQ(t, RUN(prog), c[i].want);
	}
}

static void check_jmp(struct ktest *t, bool is64, bool reg)
{
	static const u8 ops[] = { BPF_JEQ, BPF_JNE, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE,
				  BPF_JSET, BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE };
	struct rng g;
	unsigned bad = 0, taken = 0, runs = 0;

	rng_seed(&g, 0xb1u + is64 * 2 + reg);
	for (size_t o = 0; o < ARRAY_SIZE(ops); o++) {
		for (unsigned i = 0; i < PAIRS; i++) {
			u64 a, b;
			operand(&g, i, &a, &b);
			if (!reg)
				b = (u64)(s64)(s32)(u32)b;
			u8 cls = is64 ? BPF_JMP : BPF_JMP32;
			struct bpf_insn prog[] = {
				I_LD_IMM64(1, a),
				I_LD_IMM64(2, b),
				I_MOV64_IMM(0, 0),
				I_RAW(cls | ops[o] | (reg ? BPF_X : BPF_K), 1, reg ? 2 : 0, 1,
				      reg ? 0 : (s32)b),
				I_EXIT(),
				I_MOV64_IMM(0, 1),
				I_EXIT(),
			};
			u64 got = RUN(prog);
			bool want = ref_jmp(is64, ops[o], a, b);
			runs++;
			taken += got == 1;
			if (got != want && bad++ < 5)
				ktest_diag(t, "%s op %#x: %#llx, %#llx -> %llu, want %d",
					   is64 ? "jmp" : "jmp32", ops[o], a, b, got, want);
		}
	}
	KT_EXPECT_EQ(t, bad, 0);
	KT_EXPECT_GT(t, taken, runs / 5);
	KT_EXPECT_LT(t, taken, runs - runs / 5);
}

static void test_jmp_imm(struct ktest *t) { check_jmp(t, true, false); }
static void test_jmp_reg(struct ktest *t) { check_jmp(t, true, true); }
static void test_jmp32_imm(struct ktest *t) { check_jmp(t, false, false); }
static void test_jmp32_reg(struct ktest *t) { check_jmp(t, false, true); }

/* ja, gotol (JMP32|JA with the offset in imm), backward jumps: a loop. */
static void test_ja_and_loops(struct ktest *t)
{
	struct bpf_insn prog[] = {
		I_MOV64_IMM(0, 0),
		I_MOV64_IMM(1, 10),
		I_JA(1),                        /* over the poison */
		I_MOV64_IMM(0, 999),
		I_ALU64_IMM(BPF_ADD, 0, 3),     /* loop: r0 += 3 while --r1 */
		I_ALU64_IMM(BPF_SUB, 1, 1),
		I_JMP_IMM(BPF_JNE, 1, 0, -3),
		I_JA32(1),
		I_MOV64_IMM(0, 999),
		I_EXIT(),
	};
	KT_EXPECT_EQ(t, RUN(prog), 30);
}

/* Every size through the stack: st (imm), stx, ldx (zero-extended) and
 * ldsx (sign-extended), little-endian as on x86. */
static void test_load_store(struct ktest *t)
{
	static const u8 sz[] = { BPF_B, BPF_H, BPF_W, BPF_DW };
	const u64 v = 0xfedcba9876543289ull;
	for (size_t i = 0; i < ARRAY_SIZE(sz); i++) {
		u32 n = bpf_size_bytes(sz[i]);
		u64 mask = n == 8 ? ~0ull : (1ull << (8 * n)) - 1;
		u64 sx = n == 8 ? v : (v & mask) | (((v >> (8 * n - 1)) & 1) ? ~mask : 0);
		struct bpf_insn stx[] = {
			I_ST(BPF_DW, 10, -16, -1),
			I_ST(BPF_DW, 10, -8, -1),
			I_LD_IMM64(1, v),
			I_STX(sz[i], 10, 1, -13),       /* unaligned: x86 allows it */
			I_LDX(sz[i], 0, 10, -13),
			I_EXIT(),
		};
		KT_EXPECT_EQ(t, RUN(stx), v & mask);
		struct bpf_insn ldsx[] = {
			I_LD_IMM64(1, v),
			I_STX(BPF_DW, 10, 1, -8),
			n == 8 ? I_LDX(BPF_DW, 0, 10, -8) : I_LDSX(sz[i], 0, 10, -8),
			I_EXIT(),
		};
		KT_EXPECT_EQ(t, RUN(ldsx), sx);
		struct bpf_insn st[] = {
			I_ST(BPF_DW, 10, -8, 0),
			I_ST(sz[i], 10, -8, -2),        /* imm is sign-extended to the size */
			I_LDX(BPF_DW, 0, 10, -8),
			I_EXIT(),
		};
		KT_EXPECT_EQ(t, RUN(st), (u64)-2 & mask);
	}
	/* ld_imm64: both halves, and a load through a context pointer. */
	u64 ctx[2] = { 0x1111, 0x2222333344445555ull };
	struct bpf_insn ld[] = {
		I_LDX(BPF_DW, 0, 1, 8),
		I_LD_IMM64(2, 0x8000000000000001ull),
		I_ALU64_REG(BPF_ADD, 0, 2),
		I_EXIT(),
	};
	KT_EXPECT_EQ(t, run_prog(ld, ARRAY_SIZE(ld), NULL, 0, ctx, NULL),
		     0x2222333344445555ull + 0x8000000000000001ull);
}

static void test_atomics(struct ktest *t)
{
	static const struct { s32 op; u64 (*f)(u64, u64); } ops[] = {
		{ BPF_ADD, NULL }, { BPF_AND, NULL }, { BPF_OR, NULL }, { BPF_XOR, NULL },
	};
	const u64 m = 0xf0f0f0f0aaaa5555ull, s = 0x0ff00ff012345678ull;
	for (int wide = 0; wide < 2; wide++) {
		u8 sz = wide ? BPF_DW : BPF_W;
		u64 mm = wide ? m : (u32)m, ss = wide ? s : (u32)s;
		for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
			for (int fetch = 0; fetch < 2; fetch++) {
				u64 want = ops[i].op == BPF_ADD ? mm + ss : ops[i].op == BPF_AND ? mm & ss
					 : ops[i].op == BPF_OR ? mm | ss : mm ^ ss;
				if (!wide)
					want = (u32)want;
				struct bpf_insn prog[] = {
					I_LD_IMM64(1, m),
					I_STX(BPF_DW, 10, 1, -8),
					I_LD_IMM64(2, s),
					I_ATOMIC(sz, ops[i].op | (fetch ? BPF_FETCH : 0), 10, 2, -8),
					I_RAW(BPF_LDX | sz | BPF_MEM, 0, 10, -8, 0),
					I_STX(BPF_DW, 10, 2, -16),  /* what fetch left in r2 */
					I_EXIT(),
				};
				KT_EXPECT_EQ(t, RUN(prog), want);
				struct bpf_insn fprog[] = {
					I_LD_IMM64(1, m),
					I_STX(BPF_DW, 10, 1, -8),
					I_LD_IMM64(2, s),
					I_ATOMIC(sz, ops[i].op | (fetch ? BPF_FETCH : 0), 10, 2, -8),
					I_MOV64_REG(0, 2),
					I_EXIT(),
				};
				KT_EXPECT_EQ(t, RUN(fprog), fetch ? mm : s);
			}
		}
		/* xchg: old value to src; cmpxchg: old value to r0, written if equal. */
		struct bpf_insn xchg[] = {
			I_LD_IMM64(1, m), I_STX(BPF_DW, 10, 1, -8),
			I_LD_IMM64(2, s), I_ATOMIC(sz, BPF_XCHG, 10, 2, -8),
			I_RAW(BPF_LDX | sz | BPF_MEM, 0, 10, -8, 0),
			I_ALU64_REG(BPF_XOR, 0, 2),             /* new ^ old */
			I_EXIT(),
		};
		KT_EXPECT_EQ(t, RUN(xchg), ss ^ mm);
		for (int hit = 0; hit < 2; hit++) {
			struct bpf_insn cx[] = {
				I_LD_IMM64(1, m), I_STX(BPF_DW, 10, 1, -8),
				I_LD_IMM64(0, hit ? m : m + 1),
				I_LD_IMM64(2, s), I_ATOMIC(sz, BPF_CMPXCHG, 10, 2, -8),
				I_RAW(BPF_LDX | sz | BPF_MEM, 3, 10, -8, 0),
				I_ALU64_IMM(BPF_LSH, 0, 1),
				I_ALU64_REG(BPF_ADD, 0, 3),     /* old * 2 + memory */
				I_EXIT(),
			};
			KT_EXPECT_EQ(t, RUN(cx), mm * 2 + (hit ? ss : mm));
		}
	}
	/* load-acquire and store-release (Linux 6.15) */
	struct bpf_insn acq[] = {
		I_LD_IMM64(1, 0x1234567890ull),
		I_ATOMIC(BPF_DW, BPF_STORE_REL, 10, 1, -8),
		I_ATOMIC(BPF_W, BPF_LOAD_ACQ, 0, 10, -8),
		I_EXIT(),
	};
	KT_EXPECT_EQ(t, RUN(acq), 0x34567890u);
}

/* main: r6 = 11, r1 = 5, call sub, r0 += r6 + stack; sub clobbers r6
 * and its own stack slot at the same offset as main's. */
static void test_bpf_to_bpf_calls(struct ktest *t)
{
	static const struct bpf_vm_subprog subs[] = { { 0, 32 }, { 9, 32 }, { 14, 32 } };
	struct bpf_insn prog[] = {
		I_MOV64_IMM(6, 11),                     /* 0 */
		I_ST(BPF_DW, 10, -8, 1000),
		I_MOV64_IMM(1, 5),
		I_RAW(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 1, 5),   /* -> 9 */
		I_ALU64_REG(BPF_ADD, 0, 6),
		I_LDX(BPF_DW, 1, 10, -8),
		I_ALU64_REG(BPF_ADD, 0, 1),
		I_EXIT(),
		I_EXIT(),                               /* 8: padding */
		I_MOV64_IMM(6, 99),                     /* 9: sub 1 */
		I_STX(BPF_DW, 10, 1, -8),
		I_RAW(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 2, 2),   /* -> 14 */
		I_ALU64_REG(BPF_ADD, 0, 6),             /* + 99: r6 restored */
		I_EXIT(),
		I_LDX(BPF_DW, 0, 10, 32 - 8),           /* 14: sub 2 reads sub 1's slot */
		I_ALU64_IMM(BPF_MUL, 0, 3),
		I_MOV64_IMM(6, -1),
		I_EXIT(),
	};
	bool ab;
	KT_EXPECT_EQ(t, run_prog(prog, ARRAY_SIZE(prog), subs, 3, NULL, &ab), 15 + 99 + 11 + 1000);
	KT_EXPECT(t, !ab);
}

static void test_helpers_and_callbacks(struct ktest *t)
{
	struct bpf_insn h[] = {
		I_MOV64_IMM(1, 1), I_MOV64_IMM(2, 2), I_MOV64_IMM(3, 3), I_MOV64_IMM(4, 4),
		I_MOV64_IMM(5, 5), I_CALL(1), I_EXIT(),
	};
	KT_EXPECT_EQ(t, RUN(h), 15);
	/* main passes subprog 1 to helper_cb; the callback returns r1 + r2
	 * plus a value from the caller's stack through a pointer in r1. */
	static const struct bpf_vm_subprog subs[] = { { 0, 32 }, { 6, 64 } };
	struct bpf_insn cb[] = {
		I_ST(BPF_DW, 10, -8, 40),               /* 0 */
		I_MOV64_IMM(1, 1),                      /* subprog index */
		I_MOV64_REG(2, 10),
		I_ALU64_IMM(BPF_ADD, 2, -8),            /* arg: &slot */
		I_CALL(2),
		I_EXIT(),
		I_LDX(BPF_DW, 0, 1, 0),                 /* 6: callback */
		I_ALU64_REG(BPF_ADD, 0, 2),
		I_ST(BPF_DW, 10, -64, 1),               /* its own stack, below main's */
		I_EXIT(),
	};
	bool ab;
	KT_EXPECT_EQ(t, run_prog(cb, ARRAY_SIZE(cb), subs, 2, NULL, &ab), 470);
	KT_EXPECT(t, !ab);
}

/* The safety nets: too deep a call chain and too large a stack abort the
 * run instead of overflowing (the verifier never lets either through). */
static void test_safety_nets(struct ktest *t)
{
	static const struct bpf_vm_subprog deep[] = { { 0, 32 }, { 2, 32 } };
	struct bpf_insn rec[] = {
		I_RAW(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 1, 0),
		I_EXIT(),
		I_RAW(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 1, -1),  /* itself */
		I_EXIT(),
	};
	bool ab = false;
	KT_EXPECT_EQ(t, run_prog(rec, ARRAY_SIZE(rec), deep, 2, NULL, &ab), 0);
	KT_EXPECT(t, ab);
	static const struct bpf_vm_subprog big[] = { { 0, 384 }, { 2, 256 } };
	ab = false;
	KT_EXPECT_EQ(t, run_prog(rec, 2, big, 2, NULL, &ab), 0);
	KT_EXPECT(t, ab);
	static const struct bpf_vm_subprog fits[] = { { 0, 256 }, { 2, 256 } };
	struct bpf_insn ok[] = {
		I_RAW(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 1, 1),
		I_EXIT(),
		I_ST(BPF_DW, 10, -256, 7),
		I_LDX(BPF_DW, 0, 10, -256),
		I_EXIT(),
	};
	KT_EXPECT_EQ(t, run_prog(ok, ARRAY_SIZE(ok), fits, 2, NULL, &ab), 7);
	KT_EXPECT(t, !ab);
}

static const struct ktest_case interp_cases[] = {
	KTEST_CASE(test_alu64_imm),
	KTEST_CASE(test_alu64_reg),
	KTEST_CASE(test_alu32_imm),
	KTEST_CASE(test_alu32_reg),
	KTEST_CASE(test_endian),
	KTEST_CASE(test_jmp_imm),
	KTEST_CASE(test_jmp_reg),
	KTEST_CASE(test_jmp32_imm),
	KTEST_CASE(test_jmp32_reg),
	KTEST_CASE(test_ja_and_loops),
	KTEST_CASE(test_load_store),
	KTEST_CASE(test_atomics),
	KTEST_CASE(test_bpf_to_bpf_calls),
	KTEST_CASE(test_helpers_and_callbacks),
	KTEST_CASE(test_safety_nets),
	{},
};
KTEST_HOST_SUITE(interp_suite, "bpf_interp", interp_cases);
KTEST_HOST_MAIN(&interp_suite);
