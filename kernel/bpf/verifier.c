/* The BPF verifier's exploration (bpf_verify): after the static checks
 * (vcfg.c) it walks every path of the program from its first instruction
 * with an abstract state (vstate.h), checking each instruction (vinsn.c,
 * vhelper.c), forking at conditional jumps whose outcome the state does
 * not decide, and ending a path at exit or where a checkpoint already
 * covers it (vprune.c). Bounded loops are simply walked until they exit;
 * Linux's limits (a million processed instructions, 8192 pending
 * branches) stop the rest.
 *
 * bpf-to-bpf calls push a frame and go on in the callee; helpers that run
 * a callback (bpf_loop, bpf_user_ringbuf_drain) explore its body as a
 * separate run from the caller's state, and the caller carries on with
 * the union of the states after zero, one or more calls (vcallback). */
#include <lib/errno.h>
#include <lib/string.h>
#include "btf.h"
#include "vstate.h"

int vpush_branch(struct venv *env, struct vrun *run, struct vstate *st, u32 insn, u32 prev)
{
	struct vpending *p = bpf_core_zalloc(sizeof(*p));
	struct vstate *cp = p ? vstate_copy(env, st) : NULL;
	if (!cp) {
		bpf_core_free(p);
		return -ENOMEM;
	}
	if (cp->parent)
		cp->parent->branches++;
	p->st = cp;
	p->insn = insn;
	p->prev = prev;
	p->log_pos = vlog_pos(env);
	p->next = run->work;
	run->work = p;
	if (++env->pending > BPF_COMPLEXITY_LIMIT_JMP_SEQ) {
		vlog(env, "The sequence of %u jumps is too complex.\n", env->pending);
		return -E2BIG;
	}
	return 0;
}

static void drop_path(struct venv *env, struct vstate *st)
{
	vend_path(st);
	vstate_free(st);
	env->cur_states--;
}

/* --- conditional jumps ------------------------------------------------------ */

/* Is r NULL-checkable: a pointer compared with the constant 0? */
static bool is_null_check(const struct vreg *p, const struct vreg *z, u8 op)
{
	return (op == BPF_JEQ || op == BPF_JNE) && vreg_is_ptr(p) && vreg_is_const(z) &&
	       !z->var_off.value;
}

struct linked_arg {
	u32 id;
	const struct vreg *src;
};

/* A bound learned on a scalar holds for its copies (same id). */
static void sync_linked(struct vstate *st, const struct vreg *r)
{
	if (r->type != V_SCALAR || !r->id)
		return;
	for (u32 f = 0; f <= st->curframe; f++) {
		struct vframe *fr = st->frames[f];
		for (int i = 0; i < BPF_REG_COUNT; i++)
			if (fr->regs[i].type == V_SCALAR && fr->regs[i].id == r->id)
				fr->regs[i] = *r;
		for (u32 s = 0; s < fr->nslots; s++)
			if (fr->slots[s].type[7] == SLOT_SPILL && fr->slots[s].spill.type == V_SCALAR &&
			    fr->slots[s].spill.id == r->id)
				fr->slots[s].spill = *r;
	}
}

/* Refine st for the jump at insn being taken or not. false: impossible. */
static bool refine_branch(struct vstate *st, const struct bpf_insn *in, bool taken)
{
	struct vframe *f = vcur(st);
	u8 op = BPF_OP(in->code);
	bool x = BPF_SRC(in->code) == BPF_X, is32 = BPF_CLASS(in->code) == BPF_JMP32;
	struct vreg *a = &f->regs[in->dst_reg], imm;
	vreg_mark_const(&imm, is32 ? (u32)in->imm : (u64)(s64)in->imm);
	struct vreg *b = x ? &f->regs[in->src_reg] : &imm;

	if (!is32 && (is_null_check(a, b, op) || is_null_check(b, a, op))) {
		struct vreg *p = vreg_is_ptr(a) ? a : b;
		bool is_null = (op == BPF_JEQ) == taken;
		if (p->flags & VF_MAYBE_NULL)
			vmark_ptr_or_null(st, p->id, is_null);
		return true;
	}
	if (a->type != V_SCALAR || b->type != V_SCALAR)
		return true;
	vbranch_refine(a, b, op, is32, taken);
	if (vreg_bounds_empty(a) || vreg_bounds_empty(b))
		return false;
	sync_linked(st, a);
	if (x)
		sync_linked(st, b);
	return true;
}

/* 1: go to the target only, 0: fall through only, -1: both, or -errno. */
static int check_cond_jmp(struct venv *env, struct vstate *st, u32 idx)
{
	const struct bpf_insn *in = &env->insns[idx];
	u8 op = BPF_OP(in->code);
	bool x = BPF_SRC(in->code) == BPF_X, is32 = BPF_CLASS(in->code) == BPF_JMP32;
	int err;

	if (op > BPF_JSLE) {
		vlog(env, "invalid BPF_JMP/JMP32 opcode %x\n", op);
		return -EINVAL;
	}
	if ((x && in->imm) || (!x && in->src_reg)) {
		vlog(env, "BPF_JMP/JMP32 uses reserved fields\n");
		return -EINVAL;
	}
	if ((err = vcheck_reg_read(env, st, in->dst_reg)) ||
	    (x && (err = vcheck_reg_read(env, st, in->src_reg))))
		return err;
	struct vframe *f = vcur(st);
	struct vreg *a = &f->regs[in->dst_reg], imm;
	vreg_mark_const(&imm, is32 ? (u32)in->imm : (u64)(s64)in->imm);
	struct vreg *b = x ? &f->regs[in->src_reg] : &imm;

	if (vreg_is_ptr(a) || vreg_is_ptr(b)) {
		if (!is32 && (is_null_check(a, b, op) || is_null_check(b, a, op))) {
			const struct vreg *p = vreg_is_ptr(a) ? a : b;
			if (!(p->flags & VF_MAYBE_NULL))
				return op == BPF_JNE;   /* never NULL */
			return -1;
		}
		if (!env->privileged) {
			vlog(env, "R%u pointer comparison prohibited\n",
			     vreg_is_ptr(a) ? in->dst_reg : in->src_reg);
			return -EACCES;
		}
		return -1;
	}
	return vbranch_taken(a, b, op, is32);
}

/* --- calls and exits --------------------------------------------------------------- */

static int check_pseudo_call(struct venv *env, struct vstate *st, u32 idx, u32 *next)
{
	const struct bpf_insn *in = &env->insns[idx];
	u32 target = (u32)((s64)idx + in->imm + 1), sub = vsubprog_of(env, target);
	if (in->off || in->dst_reg) {
		vlog(env, "BPF_CALL uses reserved fields\n");
		return -EINVAL;
	}
	if (st->curframe + 1 >= BPF_FRAMES_MAX) {
		vlog(env, "the call stack of %u frames is too deep\n", st->curframe + 2);
		return -E2BIG;
	}
	struct vframe *caller = vcur(st), *callee = vframe_new(env);
	if (!callee)
		return -ENOMEM;
	int err = vcfg_add_edge(env, caller->subprog, sub);
	if (err) {
		bpf_core_free(callee);
		return err;
	}
	for (int i = 1; i <= 5; i++)
		callee->regs[i] = caller->regs[i];
	vreg_mark_const(&callee->regs[BPF_REG_10], 0);
	callee->regs[BPF_REG_10].type = V_STACK;
	callee->regs[BPF_REG_10].frameno = (u8)(st->curframe + 1);
	callee->callsite = idx;
	callee->subprog = sub;
	st->frames[++st->curframe] = callee;
	*next = target;
	return 0;
}

static int check_refs_released(struct venv *env, struct vstate *st, u32 cb_depth)
{
	for (u32 i = 0; i < st->nrefs; i++) {
		if (st->refs[i].cb_depth < cb_depth)
			continue;
		vlog(env, "Unreleased reference id=%u alloc_insn=%u\n", st->refs[i].id,
		     st->refs[i].insn);
		return -EINVAL;
	}
	return 0;
}

/* exit: 1 when the path ended (the program's or a callback's return),
 * 0 with *next set when a subprogram returned to its caller. */
static int check_exit(struct venv *env, struct vrun *run, struct vstate *st, u32 idx, u32 *next)
{
	const struct bpf_insn *in = &env->insns[idx];
	struct vframe *f = vcur(st);
	struct vreg *r0 = &f->regs[0];
	int err;

	if (in->src_reg || in->dst_reg || in->off || in->imm || BPF_SRC(in->code)) {
		vlog(env, "BPF_EXIT uses reserved fields\n");
		return -EINVAL;
	}
	if ((err = vcheck_reg_read(env, st, BPF_REG_0)))
		return err;
	if (f->in_callback && st->curframe == run->stop_frame) {
		if (r0->type != V_SCALAR) {
			vlog(env, "R0 not a scalar value\n");
			return -EACCES;
		}
		if (!tnum_in(tnum_range(0, 1), r0->var_off)) {
			vlog(env, "At callback return the register R0 has value (0x%llx; 0x%llx) should have been in (0x0; 0x1)\n",
			     r0->var_off.value, r0->var_off.mask);
			return -EINVAL;
		}
		if ((err = check_refs_released(env, st, st->cb_depth)))
			return err;
		if (run->nexits == run->cap_exits) {
			u32 cap = run->cap_exits ? run->cap_exits * 2 : 8;
			struct vstate **n = bpf_core_zalloc(cap * sizeof(*n));
			if (!n)
				return -ENOMEM;
			for (u32 i = 0; i < run->nexits; i++)
				n[i] = run->exits[i];
			bpf_core_free(run->exits);
			run->exits = n;
			run->cap_exits = cap;
		}
		struct vstate *cp = vstate_copy(env, st);
		if (!cp)
			return -ENOMEM;
		cp->parent = NULL;
		run->exits[run->nexits++] = cp;
		return 1;
	}
	if (st->curframe) {
		if (r0->type == V_STACK && r0->frameno == st->curframe) {
			vlog(env, "cannot return stack pointer to the caller frame\n");
			return -EINVAL;
		}
		struct vframe *caller = st->frames[st->curframe - 1];
		caller->regs[0] = *r0;
		for (int i = 1; i <= 5; i++)
			vreg_mark_not_init(&caller->regs[i]);
		*next = f->callsite + 1;
		st->frames[st->curframe--] = NULL;
		bpf_core_free(f->slots);
		bpf_core_free(f);
		return 0;
	}
	if ((err = check_refs_released(env, st, 0)))
		return err;
	if (vreg_is_ptr(r0) && !env->privileged) {
		vlog(env, "R0 leaks addr as return value\n");
		return -EACCES;
	}
	return 1;
}

/* The helper at insn runs subprogram sub as a callback (r1: the index or
 * the user ring sample, r2: the caller's r3): *stp becomes the caller's
 * state after any number of calls. */
int vcallback(struct venv *env, struct vrun *run, struct vstate **stp, u32 insn, u32 sub,
	      bool drain)
{
	struct vstate *st = *stp, *acc = NULL;
	u32 cf = st->curframe;
	int err;
	(void)run;

	if (cf + 1 >= BPF_FRAMES_MAX) {
		vlog(env, "the call stack of %u frames is too deep\n", cf + 2);
		return -E2BIG;
	}
	if ((err = vcfg_add_edge(env, vcur(st)->subprog, sub)))
		return err;
	env->subprogs[sub].is_cb = true;
	u32 gen = ++env->gen;
	acc = vstate_copy(env, st);
	if (!acc)
		return -ENOMEM;
	for (u32 iter = 0;; iter++) {
		if (iter > 64) {
			vlog(env, "callback at insn %u does not converge\n", insn);
			err = -E2BIG;
			break;
		}
		struct vstate *entry = vstate_copy(env, acc);
		struct vframe *f = vframe_new(env);
		if (!entry || !f) {
			vstate_free(entry);
			bpf_core_free(f);
			err = -ENOMEM;
			break;
		}
		struct vframe *caller = entry->frames[cf];
		if (drain) {
			vreg_mark_const(&f->regs[1], 0);
			f->regs[1].type = V_DYNPTR;
		} else {
			vreg_set_u32_range(&f->regs[1], BPF_LOOP_MAX - 1);
		}
		f->regs[2] = caller->regs[3];
		vreg_mark_const(&f->regs[BPF_REG_10], 0);
		f->regs[BPF_REG_10].type = V_STACK;
		f->regs[BPF_REG_10].frameno = (u8)(cf + 1);
		f->callsite = insn;
		f->subprog = sub;
		f->in_callback = (u8)(1 + drain);
		entry->frames[cf + 1] = f;
		entry->curframe = cf + 1;
		entry->cb_depth++;
		entry->parent = NULL;
		entry->branches = 0;
		struct vrun cr = { .gen = gen, .stop_frame = cf + 1 };
		err = vexplore(env, &cr, entry, env->subprogs[sub].start);
		struct vstate *joined = err ? NULL : vstate_copy(env, acc);
		if (!err && !joined)
			err = -ENOMEM;
		for (u32 i = 0; i < cr.nexits; i++) {
			struct vstate *e = cr.exits[i];
			if (!err) {
				struct vframe *cb = e->frames[cf + 1];
				e->frames[cf + 1] = NULL;
				e->curframe = cf;
				e->cb_depth--;
				bpf_core_free(cb->slots);
				bpf_core_free(cb);
				vstate_join(env, joined, e, iter >= 3);
			}
			vstate_free(e);
			env->cur_states--;
		}
		bpf_core_free(cr.exits);
		if (err)
			break;
		bool done = vstate_within(env, acc, joined, insn, false, true);
		vstate_free(acc);
		env->cur_states--;
		acc = joined;
		if (done)
			break;
	}
	if (err) {
		vstate_free(acc);
		env->cur_states--;
		return err;
	}
	acc->parent = st->parent;
	acc->branches = st->branches;
	vstate_free(st);
	env->cur_states--;
	*stp = acc;
	return 0;
}

/* --- the exploration loop ------------------------------------------------------------ */

/* One instruction on st: 0 and *next, 1 when the path ended, -errno. */
static int step(struct venv *env, struct vrun *run, struct vstate **stp, u32 idx, u32 *next)
{
	struct vstate *st = *stp;
	const struct bpf_insn *in = &env->insns[idx];
	u8 cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
	int err;

	*next = idx + 1;
	if (cls != BPF_JMP && cls != BPF_JMP32) {
		err = vcheck_insn(env, st, idx);
		if (!err && bpf_is_ldimm64(in))
			*next = idx + 2;
		return err;
	}
	if (op == BPF_JA) {
		if (in->dst_reg || in->src_reg || BPF_SRC(in->code) ||
		    (cls == BPF_JMP ? in->imm : in->off)) {
			vlog(env, "BPF_JA uses reserved fields\n");
			return -EINVAL;
		}
		*next = (u32)((s64)idx + (cls == BPF_JMP ? in->off : in->imm) + 1);
		return 0;
	}
	if (op == BPF_EXIT) {
		if (cls == BPF_JMP32) {
			vlog(env, "unknown opcode %02x\n", in->code);
			return -EINVAL;
		}
		return check_exit(env, run, st, idx, next);
	}
	if (op == BPF_CALL) {
		if (cls == BPF_JMP32 || BPF_SRC(in->code)) {
			vlog(env, "BPF_CALL uses reserved fields\n");
			return -EINVAL;
		}
		if (in->src_reg == BPF_PSEUDO_CALL)
			return check_pseudo_call(env, st, idx, next);
		if (in->src_reg) {
			vlog(env, "BPF_CALL uses reserved fields\n");
			return -EINVAL;
		}
		return vcheck_helper_call(env, run, stp, idx);
	}
	int taken = check_cond_jmp(env, st, idx);
	u32 target = (u32)((s64)idx + in->off + 1);
	if (taken < -1)
		return taken;
	if (taken == 1) {
		*next = target;
		return 0;
	}
	if (taken == -1) {
		struct vstate *other = vstate_copy(env, st);
		if (!other)
			return -ENOMEM;
		if (refine_branch(other, in, true)) {
			err = vpush_branch(env, run, other, target, idx);
			if (err) {
				vstate_free(other);
				env->cur_states--;
				return err;
			}
		}
		vstate_free(other);
		env->cur_states--;
		if (!refine_branch(st, in, false))
			return 1;       /* the fall-through is impossible */
	}
	return 0;
}

int vexplore(struct venv *env, struct vrun *run, struct vstate *st, u32 idx)
{
	u32 prev = idx;
	int err = 0;

	for (;;) {
		if (++env->insn_processed > BPF_INSNS_MAX) {
			vlog(env, "BPF program is too large. Processed %u insn\n", env->insn_processed);
			err = -E2BIG;
			break;
		}
		env->aux[idx].seen = 1;
		if (env->aux[idx].prune) {
			err = vvisit_checkpoint(env, run, st, idx);
			if (err < 0)
				break;
			if (err == 1) {
				if (env->log_level & BPF_LOG_LEVEL2)
					vlog(env, "%u: safe\n", idx);
				err = 0;
				goto path_end;
			}
		}
		if (env->log_level & BPF_LOG_LEVEL2) {
			vlog(env, "%u:", idx);
			vlog_state(env, st);
		}
		vlog_insn(env, idx);
		u32 next;
		err = step(env, run, &st, idx, &next);
		if (err < 0)
			break;
		if (err == 0) {
			prev = idx;
			idx = next;
			continue;
		}
		err = 0;
path_end:
		drop_path(env, st);
		st = NULL;
		struct vpending *p = run->work;
		if (!p)
			return 0;
		run->work = p->next;
		env->pending--;
		st = p->st;
		prev = p->prev;
		idx = p->insn;
		if (!(env->log_level & BPF_LOG_LEVEL2))
			vlog_reset(env, p->log_pos);
		bpf_core_free(p);
		if (env->log_level) {
			vlog(env, "from %u to %u:", prev, idx);
			vlog_state(env, st);
		}
	}
	(void)prev;
	if (st)
		drop_path(env, st);
	while (run->work) {
		struct vpending *p = run->work;
		run->work = p->next;
		env->pending--;
		drop_path(env, p->st);
		bpf_core_free(p);
	}
	return err;
}

/* --- bpf_verify --------------------------------------------------------------------- */

static int verify(struct venv *env)
{
	struct bpf_verify_args *a = env->a;
	int err = vcfg_check(env);
	if (err)
		return err;
	struct vstate *st = bpf_core_zalloc(sizeof(*st));
	struct vframe *f = vframe_new(env);
	if (!st || !f) {
		bpf_core_free(st);
		bpf_core_free(f);
		return -ENOMEM;
	}
	env->cur_states++;
	st->frames[0] = f;
	vreg_mark_const(&f->regs[BPF_REG_1], 0);
	f->regs[BPF_REG_1].type = V_CTX;
	vreg_mark_const(&f->regs[BPF_REG_10], 0);
	f->regs[BPF_REG_10].type = V_STACK;
	struct vrun run = { .stop_frame = ~0u };
	err = vexplore(env, &run, st, 0);
	if (!err)
		err = vcfg_stack_depth(env);
	if (!err) {
		vcfg_rewrite(env);
		if (!a->subprogs)
			err = -ENOMEM;
	}
	return err;
}

int bpf_verify(struct bpf_verify_args *a)
{
	struct venv *env = bpf_core_zalloc(sizeof(*env));
	int err = -ENOMEM;
	if (!env)
		return -ENOMEM;
	env->a = a;
	env->insns = a->insns;
	env->len = a->len;
	env->privileged = a->privileged;
	env->log_level = a->log_level;
	env->aux = bpf_core_zalloc((size_t)a->len * sizeof(*env->aux));
	env->explored = bpf_core_zalloc((size_t)a->len * sizeof(*env->explored));
	env->logbuf = bpf_core_zalloc(512);
	if (env->aux && env->explored && env->logbuf) {
		if (!a->len) {
			vlog(env, "empty program\n");
			err = -EINVAL;
		} else {
			err = verify(env);
		}
		a->insn_processed = env->insn_processed;
		vlog(env, "processed %u insns (limit %u) max_states_per_insn %u total_states %u peak_states %u mark_read 0\n",
		     env->insn_processed, BPF_INSNS_MAX, env->max_states_per_insn,
		     env->total_states, env->peak_states);
	}
	vfree_checkpoints(env);
	if (env->log && a->ops->log_write)
		a->ops->log_write(a->priv, env->log, env->log_len);
	a->log_full = env->log_full;
	bpf_core_free(env->log);
	bpf_core_free(env->idmap);
	bpf_core_free(env->edges);
	bpf_core_free(env->aux);
	bpf_core_free(env->explored);
	bpf_core_free(env->logbuf);
	bpf_core_free(env);
	return err;
}
