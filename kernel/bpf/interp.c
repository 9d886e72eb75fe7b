/* The BPF interpreter: runs a verified program (see vm.h for what the
 * verifier rewrote). Any context, NMI included: no locks, no allocation,
 * no recursion except through callbacks (bpf_loop, user ring drain), which
 * the verifier bounds to BPF_FRAMES_MAX frames in all.
 *
 * Semantics are Linux's interpreter's (kernel/bpf/core.c): 32-bit ALU
 * results are zero-extended; shift amounts are masked to the width
 * (the verifier refuses constant shifts that are too large); division by
 * zero gives 0 and modulo by zero leaves the dividend (Linux patches
 * these in at load time); signed division of the smallest value by -1
 * wraps, and its remainder is 0. Memory is addressed directly: the
 * verifier proved every access stays inside memory the program may use.
 * Two cheap safety nets remain at run time, for a verifier bug: a call
 * that would overflow the frame array or the 512-byte stack aborts the
 * run (r0 = 0) instead. */
#include "vm.h"

#ifdef BPF_VM_CHECKED
#define CHECK(run, addr, size, wr)                                             \
	do {                                                                   \
		if (!bpf_vm_check_access(run, addr, size, wr))                 \
			goto abort;                                            \
	} while (0)
#else
#define CHECK(run, addr, size, wr) do { } while (0)
#endif

static inline u64 bswap(u64 v, s32 bits)
{
	switch (bits) {
	case 16: return __builtin_bswap16((u16)v);
	case 32: return __builtin_bswap32((u32)v);
	default: return __builtin_bswap64(v);
	}
}

static inline u64 truncate(u64 v, s32 bits)
{
	switch (bits) {
	case 16: return (u16)v;
	case 32: return (u32)v;
	default: return v;
	}
}

/* Programs may access memory unaligned (x86 allows it, and so does
 * Linux's verifier outside atomics); each access is one load or store, so
 * memory that user space can change underneath (user ring samples) is
 * read once. */
typedef volatile u16 __aligned(1) u16_un;
typedef volatile u32 __aligned(1) u32_un;
typedef volatile u64 __aligned(1) u64_un;
typedef volatile s16 __aligned(1) s16_un;
typedef volatile s32 __aligned(1) s32_un;

static inline u64 load(u64 addr, u32 size)
{
	switch (size) {
	case 1: return *(volatile u8 *)(uintptr_t)addr;
	case 2: return *(u16_un *)(uintptr_t)addr;
	case 4: return *(u32_un *)(uintptr_t)addr;
	default: return *(u64_un *)(uintptr_t)addr;
	}
}

static inline s64 load_sx(u64 addr, u32 size)
{
	switch (size) {
	case 1: return *(volatile s8 *)(uintptr_t)addr;
	case 2: return *(s16_un *)(uintptr_t)addr;
	default: return *(s32_un *)(uintptr_t)addr;
	}
}

static inline void store(u64 addr, u32 size, u64 v)
{
	switch (size) {
	case 1: *(volatile u8 *)(uintptr_t)addr = (u8)v; break;
	case 2: *(u16_un *)(uintptr_t)addr = (u16)v; break;
	case 4: *(u32_un *)(uintptr_t)addr = (u32)v; break;
	default: *(u64_un *)(uintptr_t)addr = v; break;
	}
}

/* ALU on 64 bits; op is BPF_OP(code), off selects the v4 signed forms. */
static inline u64 alu64(u8 op, s16 off, u64 d, u64 s)
{
	switch (op) {
	case BPF_ADD: return d + s;
	case BPF_SUB: return d - s;
	case BPF_MUL: return d * s;
	case BPF_OR: return d | s;
	case BPF_AND: return d & s;
	case BPF_XOR: return d ^ s;
	case BPF_LSH: return d << (s & 63);
	case BPF_RSH: return d >> (s & 63);
	case BPF_ARSH: return (u64)((s64)d >> (s & 63));
	case BPF_NEG: return -d;
	case BPF_DIV:
		if (!s)
			return 0;
		if (off == 1)
			return (s64)s == -1 ? -d : (u64)((s64)d / (s64)s);
		return d / s;
	case BPF_MOD:
		if (!s)
			return d;
		if (off == 1)
			return (s64)s == -1 ? 0 : (u64)((s64)d % (s64)s);
		return d % s;
	case BPF_MOV:
		switch (off) {
		case 8: return (u64)(s64)(s8)s;
		case 16: return (u64)(s64)(s16)s;
		case 32: return (u64)(s64)(s32)s;
		default: return s;
		}
	}
	return d;
}

/* ALU on 32 bits, zero-extended. */
static inline u64 alu32(u8 op, s16 off, u32 d, u32 s)
{
	switch (op) {
	case BPF_ADD: return (u32)(d + s);
	case BPF_SUB: return (u32)(d - s);
	case BPF_MUL: return (u32)(d * s);
	case BPF_OR: return d | s;
	case BPF_AND: return d & s;
	case BPF_XOR: return d ^ s;
	case BPF_LSH: return (u32)(d << (s & 31));
	case BPF_RSH: return d >> (s & 31);
	case BPF_ARSH: return (u32)((s32)d >> (s & 31));
	case BPF_NEG: return (u32)-d;
	case BPF_DIV:
		if (!s)
			return 0;
		if (off == 1)
			return (s32)s == -1 ? (u32)-d : (u32)((s32)d / (s32)s);
		return d / s;
	case BPF_MOD:
		if (!s)
			return d;
		if (off == 1)
			return (s32)s == -1 ? 0 : (u32)((s32)d % (s32)s);
		return d % s;
	case BPF_MOV:
		switch (off) {
		case 8: return (u32)(s32)(s8)s;
		case 16: return (u32)(s32)(s16)s;
		default: return s;
		}
	}
	return d;
}

static inline bool cond64(u8 op, u64 a, u64 b)
{
	switch (op) {
	case BPF_JEQ: return a == b;
	case BPF_JNE: return a != b;
	case BPF_JGT: return a > b;
	case BPF_JGE: return a >= b;
	case BPF_JLT: return a < b;
	case BPF_JLE: return a <= b;
	case BPF_JSET: return a & b;
	case BPF_JSGT: return (s64)a > (s64)b;
	case BPF_JSGE: return (s64)a >= (s64)b;
	case BPF_JSLT: return (s64)a < (s64)b;
	case BPF_JSLE: return (s64)a <= (s64)b;
	}
	return false;
}

static inline bool cond32(u8 op, u32 a, u32 b)
{
	switch (op) {
	case BPF_JSGT: return (s32)a > (s32)b;
	case BPF_JSGE: return (s32)a >= (s32)b;
	case BPF_JSLT: return (s32)a < (s32)b;
	case BPF_JSLE: return (s32)a <= (s32)b;
	default: return cond64(op, a, b);
	}
}

/* Atomic read-modify-write at addr; returns the old value. */
static inline u64 atomic_rmw(s32 op, u64 addr, u32 size, u64 v, u64 cmp)
{
	if (size == 4) {
		u32 *p = (u32 *)(uintptr_t)addr, old;
		switch (op & ~BPF_FETCH) {
		case BPF_ADD: return __atomic_fetch_add(p, (u32)v, __ATOMIC_SEQ_CST);
		case BPF_AND: return __atomic_fetch_and(p, (u32)v, __ATOMIC_SEQ_CST);
		case BPF_OR: return __atomic_fetch_or(p, (u32)v, __ATOMIC_SEQ_CST);
		case BPF_XOR: return __atomic_fetch_xor(p, (u32)v, __ATOMIC_SEQ_CST);
		case BPF_XCHG & ~BPF_FETCH: return __atomic_exchange_n(p, (u32)v, __ATOMIC_SEQ_CST);
		default:
			old = (u32)cmp;
			__atomic_compare_exchange_n(p, &old, (u32)v, false, __ATOMIC_SEQ_CST,
						    __ATOMIC_SEQ_CST);
			return old;
		}
	}
	u64 *p = (u64 *)(uintptr_t)addr, old;
	switch (op & ~BPF_FETCH) {
	case BPF_ADD: return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);
	case BPF_AND: return __atomic_fetch_and(p, v, __ATOMIC_SEQ_CST);
	case BPF_OR: return __atomic_fetch_or(p, v, __ATOMIC_SEQ_CST);
	case BPF_XOR: return __atomic_fetch_xor(p, v, __ATOMIC_SEQ_CST);
	case BPF_XCHG & ~BPF_FETCH: return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);
	default:
		old = cmp;
		__atomic_compare_exchange_n(p, &old, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		return old;
	}
}

/* A new innermost frame for subprog, right below the current one's
 * stack; false (nothing changed) if frames or stack would overflow. */
static bool push_frame(struct bpf_run *run, u32 subprog)
{
	const struct bpf_vm_prog *p = run->prog;
	u32 d = run->depth;
	if (d >= BPF_FRAMES_MAX || subprog >= p->nr_subprogs)
		return false;
	const struct bpf_vm_frame *cur = &run->frames[d - 1];
	u64 fp = cur->fp - p->subprogs[cur->subprog].stack;
	u64 lo = (u64)(uintptr_t)run->stack_lo;
	if (fp < lo || fp - lo < p->subprogs[subprog].stack)
		return false;
	run->frames[d].fp = fp;
	run->frames[d].subprog = subprog;
	run->depth = d + 1;
	return true;
}

/* Run the innermost frame (already pushed: its fp and subprogram) with
 * r1-r5 = args until it exits; returns its r0. */
static u64 interp(struct bpf_run *run, const u64 *args)
{
	const struct bpf_vm_prog *p = run->prog;
	const struct bpf_insn *insns = p->insns;
	u32 base = run->depth;
	struct bpf_vm_frame *cur = &run->frames[base - 1];
	u32 pc = p->subprogs[cur->subprog].start;
	u64 r[BPF_REG_COUNT];

	for (int i = 0; i < 5; i++)
		r[1 + i] = args[i];
	r[0] = r[6] = r[7] = r[8] = r[9] = 0;
	r[10] = cur->fp;
	for (;;) {
		const struct bpf_insn *in = &insns[pc++];
		u8 code = in->code, op = BPF_OP(code);
		u64 src = BPF_SRC(code) == BPF_X ? r[in->src_reg] : (u64)(s64)in->imm;
		u64 addr;
		u32 size;

#ifdef BPF_VM_CHECKED
		if (pc > p->len || ++run->steps > BPF_VM_STEP_LIMIT)
			goto abort;
#endif
		switch (BPF_CLASS(code)) {
		case BPF_ALU64:
			if (op == BPF_END) {        /* v4: unconditional byte swap */
				r[in->dst_reg] = bswap(r[in->dst_reg], in->imm);
				break;
			}
			r[in->dst_reg] = alu64(op, in->off, r[in->dst_reg], src);
			break;
		case BPF_ALU:
			if (op == BPF_END) {
				u64 v = r[in->dst_reg];
				r[in->dst_reg] = BPF_SRC(code) == BPF_TO_BE ? bswap(v, in->imm)
									    : truncate(v, in->imm);
				break;
			}
			r[in->dst_reg] = alu32(op, in->off, (u32)r[in->dst_reg], (u32)src);
			break;
		case BPF_JMP:
		case BPF_JMP32:
			if (op == BPF_JA) {
				pc += BPF_CLASS(code) == BPF_JMP32 ? in->imm : in->off;
				break;
			}
			if (op == BPF_CALL) {
				if (in->src_reg == BPF_PSEUDO_CALL) {
					if (!push_frame(run, (u16)in->off))
						goto abort;
					for (int i = 0; i < 4; i++)
						run->frames[run->depth - 2].saved[i] = r[6 + i];
					run->frames[run->depth - 2].ret_pc = pc;
					r[10] = run->frames[run->depth - 1].fp;
					pc = p->subprogs[(u16)in->off].start;
					break;
				}
				r[0] = p->helpers[in->imm](run, r[1], r[2], r[3], r[4], r[5]);
				if (run->aborted)
					goto abort;
				break;
			}
			if (op == BPF_EXIT) {
				if (run->depth == base)
					return r[0];
				struct bpf_vm_frame *f = &run->frames[--run->depth - 1];
				for (int i = 0; i < 4; i++)
					r[6 + i] = f->saved[i];
				r[10] = f->fp;
				pc = f->ret_pc;
				break;
			}
			if (BPF_CLASS(code) == BPF_JMP32 ? cond32(op, (u32)r[in->dst_reg], (u32)src)
							 : cond64(op, r[in->dst_reg], src))
				pc += in->off;
			break;
		case BPF_LD:            /* only ld_imm64 passes the verifier */
			r[in->dst_reg] = (u64)(u32)in->imm | ((u64)(u32)in[1].imm << 32);
			pc++;
			break;
		case BPF_LDX:
			size = bpf_size_bytes(code);
			addr = r[in->src_reg] + in->off;
			CHECK(run, addr, size, false);
			r[in->dst_reg] = BPF_MODE(code) == BPF_MEMSX ? (u64)load_sx(addr, size)
								      : load(addr, size);
			break;
		case BPF_ST:
			size = bpf_size_bytes(code);
			addr = r[in->dst_reg] + in->off;
			CHECK(run, addr, size, true);
			store(addr, size, (u64)(s64)in->imm);
			break;
		case BPF_STX:
			size = bpf_size_bytes(code);
			if (BPF_MODE(code) == BPF_MEM) {
				addr = r[in->dst_reg] + in->off;
				CHECK(run, addr, size, true);
				store(addr, size, r[in->src_reg]);
				break;
			}
			/* BPF_ATOMIC */
			if (in->imm == BPF_LOAD_ACQ) {
				addr = r[in->src_reg] + in->off;
				CHECK(run, addr, size, false);
				r[in->dst_reg] = load(addr, size);
				__atomic_thread_fence(__ATOMIC_ACQUIRE);
				break;
			}
			addr = r[in->dst_reg] + in->off;
			CHECK(run, addr, size, true);
			if (in->imm == BPF_STORE_REL) {
				__atomic_thread_fence(__ATOMIC_RELEASE);
				store(addr, size, r[in->src_reg]);
				break;
			}
			{
				u64 old = atomic_rmw(in->imm, addr, size, r[in->src_reg], r[0]);
				if (size == 4)
					old = (u32)old;
				if (in->imm == BPF_CMPXCHG)
					r[0] = old;
				else if (in->imm & BPF_FETCH)
					r[in->src_reg] = old;
			}
			break;
		default:
			goto abort;
		}
	}
abort:
	run->aborted = true;
	run->depth = base;
	return 0;
}

u64 bpf_vm_run(const struct bpf_vm_prog *prog, struct bpf_run *run, void *ctx, void *env)
{
	u64 args[5] = { (u64)(uintptr_t)ctx, 0, 0, 0, 0 };

	run->prog = prog;
	run->env = env;
	run->aborted = false;
	run->stack_lo = run->stack;
#ifdef BPF_VM_CHECKED
	run->steps = 0;
#endif
	/* Privileged programs may read stack bytes they never wrote (Linux
	 * 6.3+): they read zeros here, never an earlier run's data. */
	__builtin_memset(run->stack, 0, sizeof(run->stack));
	run->depth = 1;
	run->frames[0].fp = (u64)(uintptr_t)(run->stack + BPF_STACK_MAX);
	run->frames[0].subprog = 0;
	if (!prog->nr_subprogs || prog->subprogs[0].stack > BPF_STACK_MAX)
		return 0;
	return interp(run, args);
}

u64 bpf_vm_callback(struct bpf_run *run, u32 subprog, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5)
{
	u32 d = run->depth;
	u64 args[5] = { r1, r2, r3, r4, r5 };

	if (run->aborted || !push_frame(run, subprog)) {
		run->aborted = true;
		return 0;
	}
	u64 r0 = interp(run, args);
	run->depth = d;
	return r0;
}
