/* The BPF virtual machine core: what the verifier (verifier*.c) and the
 * interpreter (interp.c) share. Plain freestanding C that also compiles on
 * the host (kernel/bpf/tests): no kernel headers, no locks, no allocation.
 * The kernel supplies maps (struct bpf_vmap, embedded in its own map
 * object), helper functions (a table indexed by helper id) and the
 * program context; host tests supply their own.
 *
 * A program after verification (bpf_verify) is a rewritten copy of the
 * instructions the user gave:
 *   - ld_imm64 of a map (BPF_PSEUDO_MAP_FD/IDX) holds the struct bpf_vmap
 *     pointer, of a map value (BPF_PSEUDO_MAP_VALUE/IDX_VALUE) the value's
 *     address, of a function (BPF_PSEUDO_FUNC) its subprogram index;
 *   - a bpf-to-bpf call's off holds the callee's subprogram index;
 *   - everything else is unchanged, so the interpreter runs Linux's ISA.
 * Each subprogram's stack size is rounded up to 32 bytes (Linux's
 * interpreter rule), and the verifier proved that no chain of calls and
 * callbacks needs more than BPF_STACK_MAX bytes or BPF_FRAMES_MAX frames. */
#pragma once
#include <lib/types.h>
#include <lib/compiler.h>
#include <linux/bpf.h>

#define BPF_STACK_MAX        512        /* Linux's MAX_BPF_STACK */
#define BPF_FRAMES_MAX       8          /* Linux's MAX_CALL_FRAMES */
#define BPF_SUBPROGS_MAX     256        /* Linux's BPF_MAX_SUBPROGS */
#define BPF_INSNS_MAX        1000000    /* BPF_COMPLEXITY_LIMIT_INSNS */
#define BPF_LOOP_MAX         (1u << 23) /* bpf_loop's nr_loops limit */
#define BPF_MAX_TRACE_SIZE   8192       /* Linux's PERF_MAX_TRACE_SIZE: tracepoint ctx */
#define BPF_REG_COUNT        11

/* A map as programs see it. The kernel's map object embeds one; the
 * verifier reads the shape, the interpreter only passes the pointer to
 * helpers. Arrays keep their values here so that programs can address
 * them directly (BPF_PSEUDO_MAP_VALUE, and lookups inline). */
struct bpf_vmap {
	u32 type, key_size, value_size, max_entries, flags;
	u32 id;
	bool frozen;            /* BPF_MAP_FREEZE: user space can no longer write */
	u32 elem_size;          /* ARRAY: round_up(value_size, 8) */
	u8 *values;             /* ARRAY: max_entries * elem_size bytes */
	struct bpf_htab *htab;  /* HASH */
	void *owner;            /* the kernel's (or a test's) map object */
};

struct bpf_run;
typedef u64 (*bpf_helper_fn)(struct bpf_run *run, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5);

struct bpf_vm_subprog {
	u32 start;              /* first instruction */
	u32 stack;              /* bytes of stack, a multiple of 32 */
};

/* A verified program, ready to run. */
struct bpf_vm_prog {
	const struct bpf_insn *insns;
	u32 len;
	u32 nr_subprogs;
	const struct bpf_vm_subprog *subprogs;   /* [0] is the main program */
	const bpf_helper_fn *helpers;            /* indexed by helper id */
	u32 nr_helpers;
};

/* frames[i] is frame i: its r10 and subprogram, and while it is calling
 * a subprogram, its r6-r9 and where to return. */
struct bpf_vm_frame {
	u64 fp;
	u32 subprog;
	u32 ret_pc;
	u64 saved[4];
};

/* One run of a program: lives on the runner's stack. */
struct bpf_run {
	const struct bpf_vm_prog *prog;
	void *env;              /* the runner's: tracepoint hit, test state */
	u32 depth;              /* frames in use (1 = main program) */
	bool aborted;           /* a safety net tripped (a verifier bug) */
	u8 *stack_lo;           /* lowest byte of the stack */
	struct bpf_vm_frame frames[BPF_FRAMES_MAX];
	u8 stack[BPF_STACK_MAX] __aligned(16);
#ifdef BPF_VM_CHECKED
	u64 steps;              /* instructions executed (host fuzzing) */
#endif
};

/* Run prog with r1 = ctx; returns r0. env is for helpers (run->env). */
u64 bpf_vm_run(const struct bpf_vm_prog *prog, struct bpf_run *run, void *ctx, void *env);
/* From a helper: run subprogram subprog (a callback) with r1-r5 on the
 * same run, below the caller's stack; returns its r0 (0 if aborted). */
u64 bpf_vm_callback(struct bpf_run *run, u32 subprog, u64 r1, u64 r2, u64 r3, u64 r4, u64 r5);

#ifdef BPF_VM_CHECKED
/* Host fuzzing: every load and store of a program is checked against the
 * memory it may touch (the test defines it); false aborts the run. */
bool bpf_vm_check_access(struct bpf_run *run, u64 addr, u32 size, bool write);
#define BPF_VM_STEP_LIMIT 50000000ull
#endif

/* Instruction helpers shared by verifier, interpreter and printer. */
static inline u32 bpf_size_bytes(u8 code)
{
	switch (BPF_SIZE(code)) {
	case BPF_B: return 1;
	case BPF_H: return 2;
	case BPF_W: return 4;
	default: return 8;
	}
}

static inline bool bpf_is_ldimm64(const struct bpf_insn *i)
{
	return i->code == (BPF_LD | BPF_IMM | BPF_DW);
}

static inline bool bpf_is_pseudo_call(const struct bpf_insn *i)
{
	return i->code == (BPF_JMP | BPF_CALL) && i->src_reg == BPF_PSEUDO_CALL;
}

static inline bool bpf_is_helper_call(const struct bpf_insn *i)
{
	return i->code == (BPF_JMP | BPF_CALL) && i->src_reg == 0;
}

static inline bool bpf_is_pseudo_func(const struct bpf_insn *i)
{
	return bpf_is_ldimm64(i) && i->src_reg == BPF_PSEUDO_FUNC;
}
