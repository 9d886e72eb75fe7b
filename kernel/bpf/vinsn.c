/* One instruction's checks in the verifier, for everything that is not a
 * jump, call or exit: the reserved fields of each encoding, register
 * reads and writes, ALU on scalars (vscalar.c) and on pointers (only
 * pointer += / -= scalar, within the object's offset limits, as Linux
 * allows), ld_imm64 of constants, maps, map values and functions, and
 * loads, stores and atomics (vmem.c). Messages and errnos are Linux's. */
#include <lib/errno.h>
#include "vstate.h"

#define S64_MIN ((s64)(1ull << 63))

int vcheck_reg_read(struct venv *env, struct vstate *st, u32 regno)
{
	if (regno >= BPF_REG_COUNT) {
		vlog(env, "R%u is invalid\n", regno);
		return -EINVAL;
	}
	if (vcur(st)->regs[regno].type == V_NOT_INIT) {
		vlog(env, "R%u !read_ok\n", regno);
		return -EACCES;
	}
	return 0;
}

static int check_reg_write(struct venv *env, u32 regno)
{
	if (regno >= BPF_REG_COUNT) {
		vlog(env, "R%u is invalid\n", regno);
		return -EINVAL;
	}
	if (regno == BPF_REG_10) {
		vlog(env, "frame pointer is read only\n");
		return -EACCES;
	}
	return 0;
}

/* --- ALU ----------------------------------------------------------------- */

static int alu_fields(struct venv *env, const struct bpf_insn *in)
{
	u8 op = BPF_OP(in->code), cls = BPF_CLASS(in->code);
	bool x = BPF_SRC(in->code) == BPF_X, is64 = cls == BPF_ALU64;

	if (op > BPF_END) {
		vlog(env, "invalid BPF_ALU opcode %x\n", op);
		return -EINVAL;
	}
	if (op == BPF_END || op == BPF_NEG) {
		if (in->src_reg || in->off ||
		    (op == BPF_NEG && (in->imm || x)) ||
		    (op == BPF_END && ((in->imm != 16 && in->imm != 32 && in->imm != 64) ||
				       (is64 && x)))) {
			vlog(env, "BPF_%s uses reserved fields\n", op == BPF_NEG ? "NEG" : "END");
			return -EINVAL;
		}
		return 0;
	}
	if (op == BPF_MOV) {
		bool off_ok = x ? (in->off == 0 || in->off == 8 || in->off == 16 ||
				   (is64 && in->off == 32))
				: in->off == 0;
		if ((x && in->imm) || (!x && in->src_reg) || !off_ok) {
			vlog(env, "BPF_MOV uses reserved fields\n");
			return -EINVAL;
		}
		return 0;
	}
	bool sdivmod = (op == BPF_DIV || op == BPF_MOD) && in->off == 1;
	if ((x && in->imm) || (!x && in->src_reg) || (in->off && !sdivmod)) {
		vlog(env, "BPF_ALU uses reserved fields\n");
		return -EINVAL;
	}
	if (!x && (op == BPF_DIV || op == BPF_MOD) && in->imm == 0) {
		vlog(env, "div by zero\n");
		return -EINVAL;
	}
	if (!x && (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH) &&
	    (in->imm < 0 || in->imm >= (is64 ? 64 : 32))) {
		vlog(env, "invalid shift %d\n", in->imm);
		return -EINVAL;
	}
	return 0;
}

/* ptr op= scalar (op is += or -=) into dst, which is the pointer. */
static int ptr_arith(struct venv *env, u32 dregno, struct vreg *dst, const struct vreg *ptr,
		     const struct vreg *off, u8 op)
{
	if (ptr->flags & VF_MAYBE_NULL) {
		vlog(env, "R%u pointer arithmetic on %s prohibited, null-check it first\n", dregno,
		     vreg_type_name(ptr));
		return -EACCES;
	}
	if (ptr->type == V_MAP_PTR || ptr->type == V_FUNC || ptr->type == V_DYNPTR) {
		vlog(env, "R%u pointer arithmetic on %s prohibited\n", dregno, vreg_type_name(ptr));
		return -EACCES;
	}
	if (!env->privileged && off->smin < 0 && off->smax >= 0 && !vreg_is_const(off)) {
		vlog(env, "R%u has unknown scalar with mixed signed bounds, pointer arithmetic with it prohibited for !root\n",
		     dregno);
		return -EACCES;
	}
	struct vreg res = *ptr;
	if (vreg_is_const(off)) {
		s64 v = (s64)off->var_off.value, o = op == BPF_ADD ? res.off + v : res.off - v;
		if (v >= BPF_MAX_VAR_OFF || v <= -BPF_MAX_VAR_OFF || o >= BPF_MAX_VAR_OFF ||
		    o <= -BPF_MAX_VAR_OFF) {
			vlog(env, "value %lld makes %s pointer be out of bounds\n", v,
			     vreg_type_name(ptr));
			return -EACCES;
		}
		res.off = (s32)o;
	} else {
		if (ptr->type == V_CTX) {
			vlog(env, "R%u pointer arithmetic on ctx with variable offset prohibited\n",
			     dregno);
			return -EACCES;
		}
		/* The variable part adds up like scalars. */
		struct vreg a = *ptr, b = *off;
		a.type = V_SCALAR;
		struct bpf_insn add = { .code = BPF_ALU64 | op | BPF_X };
		vscalar_alu(env, &add, &a, &b);
		res.var_off = a.var_off;
		res.smin = a.smin;
		res.smax = a.smax;
		res.umin = a.umin;
		res.umax = a.umax;
		res.s32_min = a.s32_min;
		res.s32_max = a.s32_max;
		res.u32_min = a.u32_min;
		res.u32_max = a.u32_max;
		if (res.smin <= -BPF_MAX_VAR_OFF || res.smax >= BPF_MAX_VAR_OFF) {
			if (!env->privileged || ptr->type == V_STACK) {
				vlog(env, "R%u unbounded memory access, make sure to bounds check any such access\n",
				     dregno);
				return -EACCES;
			}
		}
	}
	*dst = res;
	return 0;
}

static int check_alu(struct venv *env, struct vstate *st, const struct bpf_insn *in)
{
	u8 op = BPF_OP(in->code);
	bool x = BPF_SRC(in->code) == BPF_X, is64 = BPF_CLASS(in->code) == BPF_ALU64;
	struct vframe *f = vcur(st);
	int err;

	if ((err = alu_fields(env, in)))
		return err;
	if (op != BPF_MOV && (err = vcheck_reg_read(env, st, in->dst_reg)))
		return err;
	if (x && op != BPF_END && op != BPF_NEG && (err = vcheck_reg_read(env, st, in->src_reg)))
		return err;
	if ((err = check_reg_write(env, in->dst_reg)))
		return err;
	struct vreg *dst = &f->regs[in->dst_reg];
	struct vreg imm;
	vreg_mark_const(&imm, is64 ? (u64)(s64)in->imm : (u32)in->imm);
	const struct vreg *src = x ? &f->regs[in->src_reg] : &imm;

	if (op == BPF_MOV) {
		if (vreg_is_ptr(src)) {
			if (is64 && !in->off) {
				*dst = *src;
				return 0;
			}
			if (!env->privileged) {
				vlog(env, "R%u partial copy of pointer\n", in->src_reg);
				return -EACCES;
			}
			vreg_mark_unknown(dst);
			if (!is64)
				vreg_set_u32_range(dst, UINT32_MAX);
			return 0;
		}
		if (is64 && !in->off && x) {
			/* copies stay linked: a bound learned on one holds for both */
			struct vreg *s = &f->regs[in->src_reg];
			if (!s->id && !vreg_is_const(s))
				s->id = ++env->id_gen;
			*dst = *s;
			return 0;
		}
		err = vscalar_alu(env, in, dst, src);
		dst->id = 0;
		return err;
	}
	bool dptr = vreg_is_ptr(dst), sptr = vreg_is_ptr(src);
	if (dptr || sptr) {
		const struct vreg *ptr = dptr ? dst : src;
		if (!is64) {
			vlog(env, "R%u 32-bit pointer arithmetic prohibited\n", in->dst_reg);
			return -EACCES;
		}
		if (dptr && sptr) {
			if (op != BPF_SUB || !env->privileged) {
				vlog(env, "R%u pointer %s pointer prohibited\n", in->dst_reg,
				     op == BPF_SUB ? "-=" : "op");
				return -EACCES;
			}
			vreg_mark_unknown(dst);
			return 0;
		}
		if (op == BPF_ADD)
			return ptr_arith(env, in->dst_reg, dst, ptr, dptr ? src : dst, BPF_ADD);
		if (op == BPF_SUB && dptr)
			return ptr_arith(env, in->dst_reg, dst, ptr, src, BPF_SUB);
		if (op == BPF_SUB) {
			vlog(env, "R%u tried to subtract pointer from scalar\n", in->dst_reg);
			return -EACCES;
		}
		if (op == BPF_AND || op == BPF_OR || op == BPF_XOR)
			vlog(env, "R%u bitwise operator %s on pointer prohibited\n", in->dst_reg,
			     op == BPF_AND ? "&=" : op == BPF_OR ? "|=" : "^=");
		else
			vlog(env, "R%u pointer arithmetic with %s operator prohibited\n",
			     in->dst_reg, op == BPF_NEG ? "neg" : op == BPF_END ? "endian" : "this");
		return -EACCES;
	}
	err = vscalar_alu(env, in, dst, src);
	dst->id = 0;
	return err;
}

/* --- ld_imm64 ------------------------------------------------------------------ */

static int check_ld(struct venv *env, struct vstate *st, u32 idx)
{
	const struct bpf_insn *in = &env->insns[idx];
	int err;
	if (!bpf_is_ldimm64(in)) {
		vlog(env, "BPF_LD_[ABS|IND] instructions not allowed for this program type\n");
		return -EINVAL;
	}
	if ((err = check_reg_write(env, in->dst_reg)))
		return err;
	struct vreg *d = &vcur(st)->regs[in->dst_reg];
	const struct vinsn_aux *aux = &env->aux[idx];
	switch (in->src_reg) {
	case 0:
		vreg_mark_const(d, (u64)(u32)in->imm | (u64)(u32)in[1].imm << 32);
		return 0;
	case BPF_PSEUDO_FUNC: {
		u32 sub = vsubprog_of(env, (u32)((s64)idx + in->imm + 1));
		vreg_mark_const(d, 0);
		d->type = V_FUNC;
		d->mem_size = sub;
		env->subprogs[sub].is_cb = true;
		return 0;
	}
	case BPF_PSEUDO_MAP_FD:
	case BPF_PSEUDO_MAP_IDX:
		vreg_mark_const(d, 0);
		d->type = V_MAP_PTR;
		d->map = aux->map;
		return 0;
	default:        /* map values */
		vreg_mark_const(d, 0);
		d->type = V_MAP_VALUE;
		d->map = aux->map;
		d->off = (s32)aux->map_off;
		return 0;
	}
}

/* --- loads and stores ------------------------------------------------------------ */

static int check_ldx(struct venv *env, struct vstate *st, const struct bpf_insn *in)
{
	int err;
	if (BPF_MODE(in->code) == BPF_MEMSX && BPF_SIZE(in->code) == BPF_DW) {
		vlog(env, "unknown opcode %02x\n", in->code);
		return -EINVAL;
	}
	if ((err = vcheck_reg_read(env, st, in->src_reg)) ||
	    (err = check_reg_write(env, in->dst_reg)))
		return err;
	struct vreg val;
	vreg_mark_unknown(&val);
	err = vcheck_mem(env, st, in->src_reg, in->off, bpf_size_bytes(in->code), false, &val,
			 in->dst_reg, BPF_MODE(in->code) == BPF_MEMSX, false);
	if (!err)
		vcur(st)->regs[in->dst_reg] = val;
	return err;
}

static int check_st(struct venv *env, struct vstate *st, const struct bpf_insn *in)
{
	int err;
	if (BPF_CLASS(in->code) == BPF_ST) {
		if (BPF_MODE(in->code) != BPF_MEM || in->src_reg) {
			vlog(env, "BPF_ST uses reserved fields\n");
			return -EINVAL;
		}
		if ((err = vcheck_reg_read(env, st, in->dst_reg)))
			return err;
		struct vreg v;
		vreg_mark_const(&v, (u64)(s64)in->imm);
		return vcheck_mem(env, st, in->dst_reg, in->off, bpf_size_bytes(in->code), true, &v,
				  -1, false, false);
	}
	if (BPF_MODE(in->code) == BPF_ATOMIC) {
		if (in->dst_reg >= BPF_REG_COUNT || in->src_reg >= BPF_REG_COUNT) {
			vlog(env, "R%u is invalid\n", in->dst_reg >= BPF_REG_COUNT ? in->dst_reg
										   : in->src_reg);
			return -EINVAL;
		}
		if ((err = vcheck_reg_read(env, st, in->imm == BPF_LOAD_ACQ ? in->src_reg
										 : in->dst_reg)))
			return err;
		return vcheck_atomic(env, st, in);
	}
	if (BPF_MODE(in->code) != BPF_MEM || in->imm) {
		vlog(env, "BPF_STX uses reserved fields\n");
		return -EINVAL;
	}
	if ((err = vcheck_reg_read(env, st, in->src_reg)) ||
	    (err = vcheck_reg_read(env, st, in->dst_reg)))
		return err;
	struct vreg v = vcur(st)->regs[in->src_reg];
	return vcheck_mem(env, st, in->dst_reg, in->off, bpf_size_bytes(in->code), true, &v,
			  in->src_reg, false, false);
}

int vcheck_insn(struct venv *env, struct vstate *st, u32 idx)
{
	const struct bpf_insn *in = &env->insns[idx];
	switch (BPF_CLASS(in->code)) {
	case BPF_ALU:
	case BPF_ALU64:
		if (in->dst_reg >= BPF_REG_COUNT || in->src_reg >= BPF_REG_COUNT) {
			vlog(env, "R%u is invalid\n", in->dst_reg >= BPF_REG_COUNT ? in->dst_reg
										   : in->src_reg);
			return -EINVAL;
		}
		return check_alu(env, st, in);
	case BPF_LD:
		return check_ld(env, st, idx);
	case BPF_LDX:
		return check_ldx(env, st, in);
	case BPF_ST:
	case BPF_STX:
		return check_st(env, st, in);
	}
	vlog(env, "unknown insn class %d\n", BPF_CLASS(in->code));
	return -EINVAL;
}
