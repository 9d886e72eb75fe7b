/* The verifier's memory checks: every load, store and atomic, and every
 * memory range a helper reads or writes, against what the pointer may
 * reach: a map value (value_size bytes; read-only or write-only for
 * programs as the map says), a record or slice (mem_size bytes), the
 * context (the program type's fields, by offset and size), or a frame's
 * stack (512 bytes, aligned accesses, spilled registers kept whole, bytes
 * never written unreadable unless the loader is privileged). */
#include <lib/errno.h>
#include "vstate.h"

#define S64_MIN ((s64)(1ull << 63))

static struct vreg *reg(struct vstate *st, u32 regno)
{
	return &vcur(st)->regs[regno];
}

/* Context fields a program may read, by type: a tracepoint's record
 * (Linux's tp_prog_is_valid_access); socket filters here have no packet
 * to look at, so no field (they can be loaded, never attached). */
static bool ctx_ok(struct venv *env, s32 off, u32 size, bool write)
{
	if (env->a->prog_type != BPF_PROG_TYPE_TRACEPOINT || write)
		return false;
	return off >= 8 && off < BPF_MAX_TRACE_SIZE && off % (s32)size == 0;
}

/* A loaded value: unknown, zero- or sign-extended from size bytes. */
static void mark_loaded(struct vreg *d, u32 size, bool sign_ext)
{
	if (size == 8) {
		vreg_mark_unknown(d);
	} else if (!sign_ext) {
		vreg_set_u32_range(d, size == 4 ? UINT32_MAX : (u32)((1ull << (8 * size)) - 1));
	} else {
		vreg_mark_unknown(d);
		d->smin = -(s64)(1ull << (8 * size - 1));
		d->smax = (s64)(1ull << (8 * size - 1)) - 1;
		vreg_sync(d);
	}
}

/* [off, off + size) of the object behind r stays inside [0, limit), for
 * every value of r's variable offset (Linux's check_mem_region order). */
static int check_region(struct venv *env, u32 regno, const struct vreg *r, s32 off, u64 size,
			u32 limit, bool zero_ok)
{
	const char *what = r->type == V_MAP_VALUE ? "map value" : "memory";
	const char *lim = r->type == V_MAP_VALUE ? "value_size" : "mem_size";
	s64 base = (s64)r->off + off;
	bool var = !tnum_is_const(r->var_off);
	s64 lo = base + (var ? r->smin : (s64)r->var_off.value);

	if (var && r->smin < 0 && (r->smin == S64_MIN || lo < 0)) {
		vlog(env, "R%u min value is negative, either use unsigned index or do a if (index >=0) check.\n",
		     regno);
		return -EACCES;
	}
	if (lo < 0 || (u64)lo + size > limit || (!size && !zero_ok)) {
		vlog(env, "invalid access to %s, %s=%u off=%lld size=%llu\n", what, lim, limit, lo,
		     size);
		if (var)
			vlog(env, "R%u min value is outside of the allowed memory range\n", regno);
		return -EACCES;
	}
	if (!var)
		return 0;
	if (r->umax >= BPF_MAX_VAR_OFF) {
		vlog(env, "R%u unbounded memory access, make sure to bounds check any such access\n",
		     regno);
		return -EACCES;
	}
	s64 hi = base + (s64)r->umax;
	if (hi < 0 || (u64)hi + size > limit) {
		vlog(env, "invalid access to %s, %s=%u off=%lld size=%llu\n", what, lim, limit, hi,
		     size);
		vlog(env, "R%u max value is outside of the allowed memory range\n", regno);
		return -EACCES;
	}
	return 0;
}

/* --- the stack ---------------------------------------------------------- */

/* Stack offsets [lo, hi) (negative, relative to the frame's fp) that an
 * access through r may touch; -EACCES if any falls outside the frame. */
static int stack_bounds(struct venv *env, u32 regno, const struct vreg *r, s32 off, u32 size,
			bool write, s64 *lo, s64 *hi)
{
	bool var = !tnum_is_const(r->var_off);
	*lo = (s64)r->off + off + (var ? r->smin : (s64)r->var_off.value);
	*hi = (s64)r->off + off + (var ? r->smax : (s64)r->var_off.value) + size;
	if (*lo < -BPF_STACK_MAX || *hi > 0 || (var && r->smin == S64_MIN)) {
		if (!var)
			vlog(env, "invalid %s stack R%u off=%lld size=%u\n",
			     write ? "write to" : "read from", regno, *lo, size);
		else
			vlog(env, "invalid variable-offset %s stack R%u var_off=(0x%llx; 0x%llx) off=%d size=%u\n",
			     write ? "write to" : "read from", regno, r->var_off.value,
			     r->var_off.mask, off, size);
		return -EACCES;
	}
	return 0;
}

static struct vslot *slot_at(struct venv *env, struct vstate *st, const struct vreg *r, s64 o)
{
	struct vframe *f = st->frames[r->frameno];
	u32 spi = (u32)((-o - 1) / 8);
	struct vsubprog *sp = &env->subprogs[f->subprog];
	if ((u64)-o > sp->stack)
		sp->stack = (u32)-o;
	return vstack_slot(env, f, spi);
}

/* A register store of size bytes at fixed offset o. */
static int stack_store(struct venv *env, struct vstate *st, const struct vreg *r, s64 o, u32 size,
		       const struct vreg *val)
{
	struct vslot *s = slot_at(env, st, r, o);
	if (!s)
		return -ENOMEM;
	if (size == 8 && val && o % 8 == 0) {
		for (int i = 0; i < 8; i++)
			s->type[i] = SLOT_SPILL;
		s->spill = *val;
		return 0;
	}
	if (s->type[7] == SLOT_SPILL) {
		if (s->spill.type != V_SCALAR && !env->privileged) {
			vlog(env, "attempt to corrupt spilled pointer on stack\n");
			return -EACCES;
		}
		for (int i = 0; i < 8; i++)
			s->type[i] = SLOT_MISC;
	}
	bool zero = val && vreg_is_const(val) && val->var_off.value == 0;
	u32 first = (u32)((o % 8 + 8) % 8);
	for (u32 i = 0; i < size; i++)
		s->type[first + i] = zero ? SLOT_ZERO : SLOT_MISC;
	return 0;
}

/* Bytes [lo, hi) of frame r->frameno become "written by a helper" (MISC). */
static int stack_mark_written(struct venv *env, struct vstate *st, const struct vreg *r, s64 lo,
			      s64 hi)
{
	for (s64 o = lo; o < hi; o++) {
		struct vslot *s = slot_at(env, st, r, o);
		if (!s)
			return -ENOMEM;
		if (s->type[7] == SLOT_SPILL) {
			if (s->spill.type != V_SCALAR && !env->privileged) {
				vlog(env, "attempt to corrupt spilled pointer on stack\n");
				return -EACCES;
			}
			for (int i = 0; i < 8; i++)
				s->type[i] = SLOT_MISC;
		}
		s->type[(o % 8 + 8) % 8] = SLOT_MISC;
	}
	return 0;
}

/* Can bytes [lo, hi) be read as data? Spilled pointers only by a
 * privileged loader, never-written bytes only by one too. */
static int stack_readable(struct venv *env, struct vstate *st, const struct vreg *r, u32 regno,
			  s64 lo, s64 hi, bool indirect)
{
	for (s64 o = lo; o < hi; o++) {
		struct vslot *s = slot_at(env, st, r, o);
		if (!s)
			return -ENOMEM;
		u8 t = s->type[(o % 8 + 8) % 8];
		if (t == SLOT_MISC || t == SLOT_ZERO)
			continue;
		if (t == SLOT_SPILL && (s->spill.type == V_SCALAR || env->privileged))
			continue;
		if (t == SLOT_INVALID && env->privileged)
			continue;
		if (indirect)
			vlog(env, "invalid indirect read from stack R%u off %lld+%lld size %lld\n",
			     regno, lo, o - lo, hi - lo);
		else
			vlog(env, "invalid read from stack off %lld+%lld size %lld\n", lo, o - lo,
			     hi - lo);
		return -EACCES;
	}
	return 0;
}

static int stack_load(struct venv *env, struct vstate *st, u32 regno, const struct vreg *r, s64 o,
		      u32 size, struct vreg *dst, bool sign_ext)
{
	struct vslot *s = slot_at(env, st, r, o);
	if (!s)
		return -ENOMEM;
	if (s->type[7] == SLOT_SPILL && s->type[0] == SLOT_SPILL) {
		if (size == 8) {
			if (dst)
				*dst = s->spill;        /* a fill: the register comes back */
			return 0;
		}
		if (s->spill.type != V_SCALAR) {
			vlog(env, "invalid size of register fill\n");
			return -EACCES;
		}
	}
	int err = stack_readable(env, st, r, regno, o, o + size, false);
	if (err)
		return err;
	if (!dst)
		return 0;
	bool zero = true;
	for (u32 i = 0; i < size; i++)
		zero &= s->type[(o % 8 + 8) % 8 + i] == SLOT_ZERO;
	if (zero)
		vreg_mark_const(dst, 0);
	else
		mark_loaded(dst, size, sign_ext);
	return 0;
}

/* --- loads and stores ------------------------------------------------------ */

static int misaligned(struct venv *env, const struct vreg *r, s32 off, u32 size, bool stack)
{
	s64 o = (s64)r->off + off;
	if (!tnum_is_const(r->var_off)) {
		if (((r->var_off.value | r->var_off.mask) & (size - 1)) == 0 && !(o & (size - 1)))
			return 0;
	} else if (!((o + (s64)r->var_off.value) & (size - 1))) {
		return 0;
	}
	vlog(env, "misaligned %saccess off (0x%llx; 0x%llx)+%d+%d size %u\n",
	     stack ? "stack " : "value ", r->var_off.value, r->var_off.mask, r->off, off, size);
	return -EACCES;
}

int vcheck_mem(struct venv *env, struct vstate *st, u32 regno, s32 off, u32 size, bool write,
	       struct vreg *val, int value_regno, bool sign_ext, bool strict_align)
{
	struct vreg *r = reg(st, regno);
	struct vreg tmp;
	int err;

	if (r->type == V_NOT_INIT) {
		vlog(env, "R%u !read_ok\n", regno);
		return -EACCES;
	}
	if (r->flags & VF_MAYBE_NULL || r->type == V_SCALAR || r->type == V_MAP_PTR ||
	    r->type == V_FUNC || r->type == V_DYNPTR) {
		vlog(env, "R%u invalid mem access '%s'\n", regno, vreg_type_name(r));
		return -EACCES;
	}
	if (strict_align && (err = misaligned(env, r, off, size, r->type == V_STACK)))
		return err;
	if (write && val && vreg_is_ptr(val) && !env->privileged && r->type != V_STACK) {
		vlog(env, "R%d leaks addr into %s\n", value_regno,
		     r->type == V_MAP_VALUE ? "map" : r->type == V_CTX ? "ctx" : "mem");
		return -EACCES;
	}
	switch (r->type) {
	case V_MAP_VALUE: {
		struct bpf_vmap *m = r->map;
		s64 o = (s64)r->off + off;
		if (write && (m->flags & BPF_F_RDONLY_PROG)) {
			vlog(env, "write into map forbidden, value_size=%u off=%lld size=%u\n",
			     m->value_size, o, size);
			return -EACCES;
		}
		if (!write && (m->flags & BPF_F_WRONLY_PROG)) {
			vlog(env, "read from map forbidden, value_size=%u off=%lld size=%u\n",
			     m->value_size, o, size);
			return -EACCES;
		}
		if ((err = check_region(env, regno, r, off, size, m->value_size, false)))
			return err;
		if (write || !val)
			return 0;
		/* A frozen read-only map cannot change: Linux reads it now. */
		u64 v;
		if (m->frozen && (m->flags & BPF_F_RDONLY_PROG) && tnum_is_const(r->var_off) &&
		    env->a->ops->map_read &&
		    !env->a->ops->map_read(env->a->priv, m, (u32)(o + (s64)r->var_off.value), size,
					   &v)) {
			if (sign_ext)
				v = size == 1 ? (u64)(s64)(s8)v : size == 2 ? (u64)(s64)(s16)v
								  : (u64)(s64)(s32)v;
			vreg_mark_const(val, v);
		} else {
			mark_loaded(val, size, sign_ext);
		}
		return 0;
	}
	case V_MEM:
		if (write && (r->flags & VF_RDONLY)) {
			vlog(env, "R%u cannot write into %s\n", regno, vreg_type_name(r));
			return -EACCES;
		}
		if ((err = check_region(env, regno, r, off, size, r->mem_size, false)))
			return err;
		if (!write && val)
			mark_loaded(val, size, sign_ext);
		return 0;
	case V_CTX:
		if (r->off || !tnum_is_const(r->var_off) || r->var_off.value) {
			if (!tnum_is_const(r->var_off))
				vlog(env, "variable ctx access var_off=(0x%llx; 0x%llx) disallowed\n",
				     r->var_off.value, r->var_off.mask);
			else
				vlog(env, "dereference of modified ctx ptr R%u off=%d disallowed\n",
				     regno, r->off + (s32)r->var_off.value);
			return -EACCES;
		}
		if (!ctx_ok(env, off, size, write)) {
			vlog(env, "invalid bpf_context access off=%d size=%u\n", off, size);
			return -EACCES;
		}
		if (!write && val)
			mark_loaded(val, size, sign_ext);
		return 0;
	case V_STACK: {
		s64 lo, hi;
		if ((err = misaligned(env, r, off, size, true)))
			return err;
		if ((err = stack_bounds(env, regno, r, off, size, write, &lo, &hi)))
			return err;
		if (tnum_is_const(r->var_off)) {
			if (write)
				return stack_store(env, st, r, lo, size, val);
			err = stack_load(env, st, regno, r, lo, size, val ? &tmp : NULL, sign_ext);
			if (!err && val)
				*val = tmp;
			return err;
		}
		if (!env->privileged) {
			vlog(env, "R%u variable stack access prohibited for !root, var_off=(0x%llx; 0x%llx) off=%d\n",
			     regno, r->var_off.value, r->var_off.mask, off);
			return -EACCES;
		}
		if (write)
			return stack_mark_written(env, st, r, lo, hi);
		if ((err = stack_readable(env, st, r, regno, lo, hi, false)))
			return err;
		if (val)
			mark_loaded(val, size, sign_ext);
		return 0;
	}
	}
	vlog(env, "R%u invalid mem access '%s'\n", regno, vreg_type_name(r));
	return -EACCES;
}

int vcheck_atomic(struct venv *env, struct vstate *st, const struct bpf_insn *in)
{
	u32 size = bpf_size_bytes(in->code);
	bool acq_rel = in->imm == BPF_LOAD_ACQ || in->imm == BPF_STORE_REL;
	int err;

	switch (in->imm) {
	case BPF_ADD: case BPF_ADD | BPF_FETCH:
	case BPF_AND: case BPF_AND | BPF_FETCH:
	case BPF_OR: case BPF_OR | BPF_FETCH:
	case BPF_XOR: case BPF_XOR | BPF_FETCH:
	case BPF_XCHG: case BPF_CMPXCHG:
	case BPF_LOAD_ACQ: case BPF_STORE_REL:
		break;
	default:
		vlog(env, "BPF_ATOMIC uses invalid atomic opcode %02x\n", in->imm);
		return -EINVAL;
	}
	if (!acq_rel && size != 4 && size != 8) {
		vlog(env, "invalid atomic operand size\n");
		return -EINVAL;
	}
	if (in->imm == BPF_LOAD_ACQ) {
		if (in->dst_reg == BPF_REG_10) {
			vlog(env, "frame pointer is read only\n");
			return -EACCES;
		}
		return vcheck_mem(env, st, in->src_reg, in->off, size, false, reg(st, in->dst_reg),
				  in->dst_reg, false, true);
	}
	if (reg(st, in->src_reg)->type == V_NOT_INIT) {
		vlog(env, "R%d !read_ok\n", in->src_reg);
		return -EACCES;
	}
	if (in->imm == BPF_STORE_REL)
		return vcheck_mem(env, st, in->dst_reg, in->off, size, true, reg(st, in->src_reg),
				  in->src_reg, false, true);
	if (in->imm == BPF_CMPXCHG && reg(st, BPF_REG_0)->type == V_NOT_INIT) {
		vlog(env, "R0 !read_ok\n");
		return -EACCES;
	}
	struct vreg *d = reg(st, in->dst_reg);
	if (d->type == V_CTX) {
		vlog(env, "BPF_ATOMIC stores into R%d %s is not allowed\n", in->dst_reg,
		     vreg_type_name(d));
		return -EACCES;
	}
	if (vreg_is_ptr(reg(st, in->src_reg)) && !env->privileged) {
		vlog(env, "R%d leaks addr into mem\n", in->src_reg);
		return -EACCES;
	}
	/* Read what is there, then write an unknown value over it. */
	u32 src = in->src_reg;
	struct vreg old, unknown;
	if ((err = vcheck_mem(env, st, in->dst_reg, in->off, size, false, &old, -1, false, true)))
		return err;
	if (old.type != V_SCALAR && !env->privileged) {
		vlog(env, "R%d leaks addr into mem\n", in->dst_reg);
		return -EACCES;
	}
	vreg_mark_unknown(&unknown);
	if (size == 4)
		vreg_set_u32_range(&unknown, UINT32_MAX);
	err = vcheck_mem(env, st, in->dst_reg, in->off, size, true, &unknown, (int)src, false, true);
	if (err)
		return err;
	if (in->imm == BPF_CMPXCHG) {
		vreg_mark_unknown(reg(st, BPF_REG_0));
		if (size == 4)
			vreg_set_u32_range(reg(st, BPF_REG_0), UINT32_MAX);
	} else if (in->imm & BPF_FETCH) {
		vreg_mark_unknown(reg(st, src));
		if (size == 4)
			vreg_set_u32_range(reg(st, src), UINT32_MAX);
	}
	return 0;
}

/* A helper's memory argument: regno points at size bytes (size: the size
 * argument's register, or const_size when size is NULL) that the helper
 * reads (write false: initialized) or fills (write true). */
int vcheck_mem_range(struct venv *env, struct vstate *st, u32 regno, const struct vreg *size,
		     bool write, bool zero_ok, u32 const_size)
{
	struct vreg *r = reg(st, regno);
	u64 n = size ? size->umax : const_size;
	int err;

	if (size) {
		if (size->smin < 0) {
			vlog(env, "R%u min value is negative, either use unsigned or 'var &= const'\n",
			     regno + 1);
			return -EACCES;
		}
		if (size->umin == 0 && !zero_ok) {
			vlog(env, "R%u invalid zero-sized read: u64=[%lld,%llu]\n", regno + 1,
			     size->smin, size->umax);
			return -EACCES;
		}
		if (size->umax >= BPF_MAX_VAR_OFF) {
			vlog(env, "R%u unbounded memory access, use 'var &= const' or 'if (var < const)'\n",
			     regno + 1);
			return -EACCES;
		}
	}
	if (n == 0 && r->type == V_SCALAR && vreg_is_const(r) && r->var_off.value == 0)
		return 0;               /* NULL with size 0 */
	if (r->flags & VF_MAYBE_NULL) {
		vlog(env, "R%u type=%s expected=fp, map_value, mem\n", regno, vreg_type_name(r));
		return -EACCES;
	}
	switch (r->type) {
	case V_STACK: {
		s64 lo, hi;
		if ((err = stack_bounds(env, regno, r, 0, (u32)n, write, &lo, &hi)))
			return err;
		if (!n)
			return 0;
		if (!tnum_is_const(r->var_off) && !env->privileged) {
			vlog(env, "R%u variable stack access prohibited for !root\n", regno);
			return -EACCES;
		}
		if (write)
			return stack_mark_written(env, st, r, lo, hi);
		return stack_readable(env, st, r, regno, lo, hi, true);
	}
	case V_MAP_VALUE:
		if (write && (r->map->flags & BPF_F_RDONLY_PROG)) {
			vlog(env, "write into map forbidden, value_size=%u off=%d size=%llu\n",
			     r->map->value_size, r->off, n);
			return -EACCES;
		}
		if (!write && (r->map->flags & BPF_F_WRONLY_PROG)) {
			vlog(env, "read from map forbidden, value_size=%u off=%d size=%llu\n",
			     r->map->value_size, r->off, n);
			return -EACCES;
		}
		return check_region(env, regno, r, 0, n, r->map->value_size, zero_ok);
	case V_MEM:
		if (write && (r->flags & VF_RDONLY)) {
			vlog(env, "R%u cannot write into %s\n", regno, vreg_type_name(r));
			return -EACCES;
		}
		return check_region(env, regno, r, 0, n, r->mem_size, zero_ok);
	}
	if (r->type == V_NOT_INIT) {
		vlog(env, "R%u !read_ok\n", regno);
		return -EACCES;
	}
	vlog(env, "R%u type=%s expected=fp, map_value, mem\n", regno, vreg_type_name(r));
	return -EACCES;
}
