/* The verifier's internals, shared by its parts:
 *
 *   verifier.c   bpf_verify, the exploration loop, jumps, calls and exits
 *   vinsn.c      one instruction's checks: fields, ALU (pointer arithmetic
 *                too), ld_imm64, loads and stores
 *   vprune.c     states, checkpoints, pruning and loop detection, joins
 *   vcfg.c       checks before exploring: fields, ld_imm64, subprograms,
 *                control flow, BTF func_info, register liveness, stack depth
 *   vbounds.c    tnums and register bounds
 *   vscalar.c    scalar ALU and branch refinement
 *   vmem.c       loads, stores and atomics on every kind of pointer
 *   vhelper.c    helper prototypes, arguments, results, references,
 *                callbacks (bpf_loop, user ring drain)
 *   vlog.c       the log: printf, instructions, register states
 *
 * A state is the abstract machine at one instruction: up to BPF_FRAMES_MAX
 * frames (registers and the frame's stack) and the references it holds.
 * Scalars are tracked as a tnum (known bits) plus signed and unsigned
 * bounds on 64 and on 32 bits, as Linux does; pointers as a type, a fixed
 * offset and a scalar variable offset. */
#pragma once
#include "verifier.h"

enum vtype {
	V_NOT_INIT = 0,
	V_SCALAR,
	V_CTX,                  /* the program's context */
	V_MAP_PTR,              /* CONST_PTR_TO_MAP */
	V_MAP_VALUE,
	V_STACK,                /* a frame's stack: frameno */
	V_MEM,                  /* mem_size bytes: ring buffer record, dynptr slice */
	V_FUNC,                 /* a callback: subprog in mem_size */
	V_DYNPTR,               /* CONST_PTR_TO_DYNPTR (user ring sample) */
};

#define VF_MAYBE_NULL 0x01
#define VF_RDONLY     0x02
#define VF_RINGBUF    0x04      /* ring buffer record (MEM_RINGBUF) */

struct tnum {
	u64 value, mask;        /* bits in mask are unknown */
};

struct vreg {
	u8 type, flags, frameno;
	s32 off;                /* pointers: fixed offset */
	u32 id;                 /* null checks; scalars copied from each other */
	u32 ref_obj_id;         /* the reference this pointer depends on */
	u32 mem_size;           /* V_MEM: bytes; V_FUNC: subprogram */
	struct bpf_vmap *map;
	struct tnum var_off;    /* scalars: the value; pointers: variable offset */
	s64 smin, smax;
	u64 umin, umax;
	s32 s32_min, s32_max;
	u32 u32_min, u32_max;
};

enum { SLOT_INVALID = 0, SLOT_SPILL, SLOT_MISC, SLOT_ZERO };

/* 8 stack bytes: slot i covers fp-8*(i+1) .. fp-8*i-1. */
struct vslot {
	u8 type[8];             /* per byte, type[7] is the highest address */
	struct vreg spill;      /* SLOT_SPILL: the register saved here */
};

#define VSLOTS (BPF_STACK_MAX / 8)

struct vframe {
	struct vreg regs[BPF_REG_COUNT];
	u32 callsite;           /* the call that made this frame; ~0u: main */
	u32 subprog;
	u8 in_callback;         /* 1 + the helper's callback kind */
	u32 nslots;             /* slots allocated, from fp down */
	struct vslot *slots;
};

struct vref {
	u32 id;
	u32 insn;               /* where it was acquired */
	u32 cb_depth;           /* callbacks active when acquired */
};

#define VMAX_REFS 64

struct vstate {
	struct vframe *frames[BPF_FRAMES_MAX];
	u32 curframe;
	u32 nrefs;
	struct vref refs[VMAX_REFS];
	u32 cb_depth;           /* callback frames in frames[] */
	/* checkpoints (explored states) */
	struct vstate *parent;  /* the last checkpoint on this path */
	u32 branches;           /* paths still running below this checkpoint */
	u32 insn;
};

struct vcheckpoint {
	struct vstate *st;
	struct vcheckpoint *next;
	u32 gen;                /* the exploration (vrun) that made it */
	u32 hit, miss;
};

struct vsubprog {
	u32 start, end;         /* [start, end) */
	u32 stack;              /* deepest stack byte touched */
	u8 linkage;             /* BTF_FUNC_STATIC / GLOBAL (func_info) */
	bool is_cb;             /* passed to a helper as a callback */
};

struct vinsn_aux {
	u16 live;               /* registers read before written from here */
	u8 prune;               /* a checkpoint may go here */
	u8 seen;
	u8 second;              /* the second half of an ld_imm64 */
	u16 subprog;
	struct bpf_vmap *map;   /* ld_imm64 of a map or map value */
	u32 map_off;
};

struct vpending {
	struct vstate *st;
	u32 insn, prev;
	u64 log_pos;            /* vlog_pos when the branch was pushed */
	struct vpending *next;
};

/* One exploration (the program, or a callback's body): its own worklist;
 * exits of frame stop_frame are collected instead of returning. */
struct vrun {
	struct vpending *work;
	u32 gen;                /* 0: the program; each callback call its own */
	u32 stop_frame;         /* ~0u: the whole program */
	struct vstate **exits;  /* collected callback exits */
	u32 nexits, cap_exits;
};

struct venv {
	struct bpf_verify_args *a;
	struct bpf_insn *insns;
	u32 len;
	struct vinsn_aux *aux;
	struct vsubprog subprogs[BPF_SUBPROGS_MAX + 1];
	u32 nsubprogs;
	struct vcheckpoint **explored;
	u32 id_gen;
	u32 insn_processed, pending, total_states, cur_states, peak_states;
	u32 max_states_per_insn;
	u32 gen;                /* last vrun generation handed out */
	bool privileged;
	void *idmap;            /* scratch for state comparison (vprune.c) */
	u32 *edges;             /* caller << 16 | callee subprogram, as seen */
	u32 nedges, cap_edges;
	u32 log_level;
	char *logbuf;           /* scratch for one log line */
	char *log;              /* the whole log so far (see vlog.c) */
	u32 log_len, log_cap;
	u64 log_base;           /* bytes dropped from the front */
	bool log_full;          /* text was dropped: ENOSPC */
	int err;
};

#define BPF_COMPLEXITY_LIMIT_JMP_SEQ 8192
#define BPF_MAX_VAR_OFF (1 << 29)
#define VMAX_CHECKPOINTS_PER_INSN 32

/* vprune.c: states, their comparison (pruning), checkpoints, joins */
struct vstate *vstate_copy(struct venv *env, const struct vstate *src);
void vstate_free(struct vstate *st);
struct vframe *vframe_new(struct venv *env);
/* Does every concrete state cur admits also satisfy old (exact: are
 * they the same)? Registers are compared where live at insn; all_regs
 * compares every register. */
bool vstate_within(struct venv *env, const struct vstate *old, const struct vstate *cur,
		   u32 insn, bool exact, bool all_regs);

/* verifier.c */
int vpush_branch(struct venv *env, struct vrun *run, struct vstate *st, u32 insn, u32 prev);
int vexplore(struct venv *env, struct vrun *run, struct vstate *st, u32 insn);
int vcallback(struct venv *env, struct vrun *run, struct vstate **stp, u32 insn, u32 subprog,
	      bool drain);

/* vprune.c */
struct vslot *vstack_slot(struct venv *env, struct vframe *f, u32 spi);
void vend_path(struct vstate *st);
int vvisit_checkpoint(struct venv *env, struct vrun *run, struct vstate *st, u32 insn);
void vstate_join(struct venv *env, struct vstate *dst, const struct vstate *src, bool widen);
void vfree_checkpoints(struct venv *env);

/* vinsn.c: 0, or -errno (the instruction is not a jump, call or exit) */
int vcheck_insn(struct venv *env, struct vstate *st, u32 insn);
int vcheck_reg_read(struct venv *env, struct vstate *st, u32 regno);

/* vcfg.c */
int vcfg_check(struct venv *env);
int vcfg_stack_depth(struct venv *env);
u32 vsubprog_of(struct venv *env, u32 insn);
int vcfg_add_edge(struct venv *env, u32 from, u32 to);
void vcfg_rewrite(struct venv *env);

/* vbounds.c */
struct tnum tnum_const(u64 v);
struct tnum tnum_trunc(struct tnum a, unsigned w);
struct tnum tnum_unknown(void);
struct tnum tnum_range(u64 min, u64 max);
struct tnum tnum_intersect(struct tnum a, struct tnum b);
struct tnum tnum_union(struct tnum a, struct tnum b);
bool tnum_in(struct tnum a, struct tnum b);
bool tnum_is_const(struct tnum a);
struct tnum tnum_add(struct tnum a, struct tnum b);
struct tnum tnum_sub(struct tnum a, struct tnum b);
struct tnum tnum_and(struct tnum a, struct tnum b);
struct tnum tnum_or(struct tnum a, struct tnum b);
struct tnum tnum_xor(struct tnum a, struct tnum b);
struct tnum tnum_mul(struct tnum a, struct tnum b);
void vreg_mark_unknown(struct vreg *r);
void vreg_mark_const(struct vreg *r, u64 v);
void vreg_mark_not_init(struct vreg *r);
void vreg_set_u32_range(struct vreg *r, u32 max);
void vreg_sync(struct vreg *r);
bool vreg_is_const(const struct vreg *r);
bool vreg_bounds_empty(const struct vreg *r);
void vreg_join(struct vreg *dst, const struct vreg *src, bool widen);
bool vreg_range_within(const struct vreg *old, const struct vreg *cur);

/* vscalar.c */
int vscalar_alu(struct venv *env, const struct bpf_insn *insn, struct vreg *dst,
		const struct vreg *src);
int vbranch_taken(const struct vreg *a, const struct vreg *b, u8 op, bool is32);
void vbranch_refine(struct vreg *a, struct vreg *b, u8 op, bool is32, bool taken);

/* vmem.c */
/* A load into val (the destination's new state) or a store of val
 * (value_regno for messages, -1 for an immediate) through regno + off. */
int vcheck_mem(struct venv *env, struct vstate *st, u32 regno, s32 off, u32 size, bool write,
	       struct vreg *val, int value_regno, bool sign_ext, bool strict_align);
int vcheck_atomic(struct venv *env, struct vstate *st, const struct bpf_insn *insn);
int vcheck_mem_range(struct venv *env, struct vstate *st, u32 regno, const struct vreg *size,
		     bool write, bool zero_ok, u32 const_size);

/* vhelper.c */
int vcheck_helper_call(struct venv *env, struct vrun *run, struct vstate **stp, u32 insn);
u32 vhelper_nargs(s32 id);
bool vhelper_known(u32 prog_type, s32 id);
int vrelease_ref(struct venv *env, struct vstate *st, u32 ref_obj_id);
void vmark_ptr_or_null(struct vstate *st, u32 id, bool is_null);

/* vlog.c */
void vlog(struct venv *env, const char *fmt, ...) __printf(2, 3);
void vlog_insn(struct venv *env, u32 idx);
void vlog_state(struct venv *env, const struct vstate *st);
const char *vreg_type_name(const struct vreg *r);
void vlog_source(struct venv *env, u32 idx);
void vlog_reset(struct venv *env, u64 pos);
u64 vlog_pos(const struct venv *env);

static inline struct vframe *vcur(struct vstate *st)
{
	return st->frames[st->curframe];
}

static inline bool vreg_is_ptr(const struct vreg *r)
{
	return r->type != V_SCALAR && r->type != V_NOT_INIT;
}
