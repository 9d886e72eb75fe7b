/* The verifier's scalar arithmetic: each ALU operation on bounds and
 * tnums (vbounds.c), and what a conditional jump tells about its
 * operands. Operations are written once for a width w (32 or 64): a
 * 32-bit ALU works on the registers' low halves and zero-extends, a
 * 64-bit one on the whole registers. */
#include "vstate.h"

#define S64_MIN ((s64)(1ull << 63))
#define S64_MAX ((s64)~(1ull << 63))
#define MAXOF(a, b) ((a) > (b) ? (a) : (b))
#define MINOF(a, b) ((a) < (b) ? (a) : (b))

/* --- ALU at width w --------------------------------------------------------- */

/* A scalar at width w: unsigned in [0, 2^w), signed in w-bit range. */
struct sv {
	struct tnum t;
	u64 umin, umax;
	s64 smin, smax;
	unsigned w;
};

static u64 umaxw(unsigned w) { return w == 64 ? ~0ull : (1ull << w) - 1; }
static s64 smaxw(unsigned w) { return w == 64 ? S64_MAX : (s64)((1ull << (w - 1)) - 1); }
static s64 sminw(unsigned w) { return w == 64 ? S64_MIN : -(s64)(1ull << (w - 1)); }

static struct sv view(const struct vreg *r, unsigned w)
{
	if (w == 64)
		return (struct sv){ r->var_off, r->umin, r->umax, r->smin, r->smax, 64 };
	return (struct sv){ tnum_trunc(r->var_off, 32), r->u32_min, r->u32_max, r->s32_min,
			    r->s32_max, 32 };
}

static void sv_full_u(struct sv *v) { v->umin = 0; v->umax = umaxw(v->w); }
static void sv_full_s(struct sv *v) { v->smin = sminw(v->w); v->smax = smaxw(v->w); }

/* Signed bounds from unsigned ones when they do not cross the sign bit. */
static void sv_s_from_u(struct sv *v)
{
	if (v->umax <= (u64)smaxw(v->w)) {
		v->smin = (s64)v->umin;
		v->smax = (s64)v->umax;
	} else {
		sv_full_s(v);
	}
}

static bool add_ovf(s64 a, s64 b, unsigned w, s64 *r)
{
	if (__builtin_add_overflow(a, b, r))
		return true;
	return *r < sminw(w) || *r > smaxw(w);
}

static bool sub_ovf(s64 a, s64 b, unsigned w, s64 *r)
{
	if (__builtin_sub_overflow(a, b, r))
		return true;
	return *r < sminw(w) || *r > smaxw(w);
}

static struct sv sv_op(u8 op, s16 off, struct sv a, struct sv b)
{
	struct sv r = { .w = a.w };
	unsigned w = a.w;
	bool bconst = tnum_is_const(b.t);
	u64 k = b.t.value;

	sv_full_u(&r);
	sv_full_s(&r);
	r.t = tnum_unknown();
	switch (op) {
	case BPF_ADD:
		r.t = tnum_add(a.t, b.t);
		if (a.umax + b.umax >= a.umax && a.umax + b.umax <= umaxw(w) &&
		    a.umin + b.umin >= a.umin) {
			r.umin = a.umin + b.umin;
			r.umax = a.umax + b.umax;
		}
		if (add_ovf(a.smin, b.smin, w, &r.smin) || add_ovf(a.smax, b.smax, w, &r.smax))
			sv_full_s(&r);
		break;
	case BPF_SUB:
		r.t = tnum_sub(a.t, b.t);
		if (a.umin >= b.umax) {
			r.umin = a.umin - b.umax;
			r.umax = a.umax - b.umin;
		}
		if (sub_ovf(a.smin, b.smax, w, &r.smin) || sub_ovf(a.smax, b.smin, w, &r.smax))
			sv_full_s(&r);
		break;
	case BPF_MUL:
		r.t = tnum_mul(a.t, b.t);
		if (a.umax <= umaxw(w / 2) && b.umax <= umaxw(w / 2)) {
			r.umin = a.umin * b.umin;
			r.umax = a.umax * b.umax;
			sv_s_from_u(&r);
		}
		break;
	case BPF_AND:
		r.t = tnum_and(a.t, b.t);
		r.umin = r.t.value;
		r.umax = MINOF(a.umax, b.umax);
		if (a.smin >= 0 || b.smin >= 0)
			sv_s_from_u(&r);
		break;
	case BPF_OR:
		r.t = tnum_or(a.t, b.t);
		r.umin = MAXOF(a.umin, b.umin);
		r.umax = tnum_trunc(r.t, w).value | tnum_trunc(r.t, w).mask;
		if (a.smin >= 0 && b.smin >= 0)
			sv_s_from_u(&r);
		break;
	case BPF_XOR:
		r.t = tnum_xor(a.t, b.t);
		r.umin = tnum_trunc(r.t, w).value;
		r.umax = tnum_trunc(r.t, w).value | tnum_trunc(r.t, w).mask;
		if (a.smin >= 0 && b.smin >= 0)
			sv_s_from_u(&r);
		break;
	case BPF_LSH:
		if (bconst && k < w) {
			r.t = (struct tnum){ a.t.value << k, a.t.mask << k };
			if (a.umax <= (umaxw(w) >> k)) {
				r.umin = a.umin << k;
				r.umax = a.umax << k;
				sv_s_from_u(&r);
			}
		}
		break;
	case BPF_RSH:
		if (bconst && k < w) {
			struct tnum t = tnum_trunc(a.t, w);
			r.t = (struct tnum){ t.value >> k, t.mask >> k };
			r.umin = a.umin >> k;
			r.umax = a.umax >> k;
			if (k)
				sv_s_from_u(&r);
			else
				r.smin = a.smin, r.smax = a.smax;
		} else {
			r.umax = a.umax;        /* shifting right never grows it */
			sv_s_from_u(&r);
		}
		break;
	case BPF_ARSH:
		if (bconst && k < w) {
			if (w == 64) {
				r.t = (struct tnum){ (u64)((s64)a.t.value >> k),
						     (u64)((s64)a.t.mask >> k) };
			} else {
				r.t = (struct tnum){ (u32)((s32)(u32)a.t.value >> k),
						     (u32)((s32)(u32)a.t.mask >> k) };
			}
			r.smin = a.smin >> k;
			r.smax = a.smax >> k;
		}
		break;
	case BPF_NEG:
		r.t = tnum_sub(tnum_const(0), a.t);
		if (a.smin != sminw(w)) {
			r.smin = -a.smax;
			r.smax = -a.smin;
		}
		break;
	case BPF_DIV:
		if (off) {
			if (bconst && k == 0)
				r.t = tnum_const(0), r.umin = r.umax = 0, r.smin = r.smax = 0;
			break;          /* signed division: anything */
		}
		r.umin = b.umin ? a.umin / b.umax : 0;
		r.umax = b.umin ? a.umax / b.umin : a.umax;
		r.t = tnum_range(r.umin, r.umax);
		sv_s_from_u(&r);
		break;
	case BPF_MOD:
		if (off) {
			if (bconst && k == 0)
				r = a;  /* dividend unchanged */
			break;
		}
		if (bconst && k == 0) {
			r = a;
			break;
		}
		r.umin = 0;
		r.umax = b.umin ? MINOF(a.umax, b.umax - 1) : a.umax;
		r.t = tnum_range(0, r.umax);
		sv_s_from_u(&r);
		break;
	}
	r.t = tnum_trunc(r.t, w);
	return r;
}

/* Store a width-w result: 32-bit results are zero-extended. */
static void put(struct vreg *d, struct sv r)
{
	vreg_mark_unknown(d);
	if (r.w == 64) {
		d->var_off = r.t;
		d->umin = r.umin;
		d->umax = r.umax;
		d->smin = r.smin;
		d->smax = r.smax;
	} else {
		d->var_off = r.t;       /* upper 32 bits known zero */
		d->u32_min = (u32)r.umin;
		d->u32_max = (u32)r.umax;
		d->s32_min = (s32)r.smin;
		d->s32_max = (s32)r.smax;
		d->umin = 0;
		d->umax = UINT32_MAX;
		d->smin = 0;
		d->smax = UINT32_MAX;
	}
	vreg_sync(d);
}

static u64 bswapn(u64 v, int bits)
{
	return bits == 16 ? __builtin_bswap16((u16)v) : bits == 32 ? __builtin_bswap32((u32)v)
								 : __builtin_bswap64(v);
}

/* dst op= src on scalars (the caller has checked the fields and that both
 * are scalars); src is a constant register for BPF_K forms. */
int vscalar_alu(struct venv *env, const struct bpf_insn *insn, struct vreg *dst,
		const struct vreg *src)
{
	u8 op = BPF_OP(insn->code);
	bool is64 = BPF_CLASS(insn->code) == BPF_ALU64;
	unsigned w = is64 ? 64 : 32;

	if (op == BPF_MOV) {
		struct vreg s = *src;
		if (insn->off == 0) {
			if (is64) {
				*dst = s;       /* the caller links ids */
				return 0;
			}
			put(dst, view(&s, 32));
			return 0;
		}
		/* sign-extending move of the low 8/16/32 bits */
		unsigned bits = insn->off;
		s64 lo = -(s64)(1ull << (bits - 1)), hi = (s64)(1ull << (bits - 1)) - 1;
		if (vreg_is_const(&s)) {
			u64 v = bits == 8 ? (u64)(s64)(s8)s.var_off.value
			      : bits == 16 ? (u64)(s64)(s16)s.var_off.value
					   : (u64)(s64)(s32)s.var_off.value;
			vreg_mark_const(dst, is64 ? v : (u32)v);
			return 0;
		}
		if (s.smin >= 0 && s.umax <= (u64)hi) {
			/* non-negative and small: sign extension changes nothing */
			if (is64) {
				*dst = s;
				dst->id = 0;
			} else {
				put(dst, view(&s, 32));
			}
			return 0;
		}
		if (is64) {
			vreg_mark_unknown(dst);
			dst->smin = lo;
			dst->smax = hi;
			vreg_sync(dst);
		} else {
			struct sv v = { tnum_trunc(tnum_unknown(), 32), 0, UINT32_MAX, lo, hi, 32 };
			put(dst, v);
		}
		return 0;
	}
	if (op == BPF_END) {
		if (vreg_is_const(dst)) {
			u64 v = dst->var_off.value;
			if (is64 || BPF_SRC(insn->code) == BPF_TO_BE)
				v = bswapn(v, insn->imm);
			else
				v = insn->imm == 16 ? (u16)v : insn->imm == 32 ? (u32)v : v;
			vreg_mark_const(dst, v);
		} else if (!is64 && BPF_SRC(insn->code) == BPF_TO_LE && insn->imm != 64) {
			struct tnum t = tnum_trunc(dst->var_off, insn->imm);
			vreg_mark_unknown(dst);
			dst->var_off = t;
			dst->umax = insn->imm == 16 ? 0xffff : UINT32_MAX;
			vreg_sync(dst);
		} else if (!is64 && BPF_SRC(insn->code) == BPF_TO_LE) {
			/* 64-bit to_le: unchanged */
		} else {
			u32 max = insn->imm == 16 ? 0xffff : insn->imm == 32 ? UINT32_MAX : 0;
			if (max)
				vreg_set_u32_range(dst, max);
			else
				vreg_mark_unknown(dst);
		}
		dst->id = 0;
		return 0;
	}
	struct sv a = view(dst, w), b = view(src, w);
	if (op == BPF_NEG)
		b = view(dst, w);
	put(dst, sv_op(op, insn->off, a, b));
	(void)env;
	return 0;
}

/* --- conditional jumps -------------------------------------------------------- */

static bool sv_const(const struct sv *v) { return tnum_is_const(v->t); }

/* 1: always taken, 0: never, -1: either; a, b scalars. */
int vbranch_taken(const struct vreg *ra, const struct vreg *rb, u8 op, bool is32)
{
	struct sv a = view(ra, is32 ? 32 : 64), b = view(rb, is32 ? 32 : 64);

	switch (op) {
	case BPF_JEQ:
	case BPF_JNE: {
		int eq = -1;
		if (sv_const(&a) && sv_const(&b))
			eq = a.t.value == b.t.value;
		else if (a.umin > b.umax || a.umax < b.umin || a.smin > b.smax ||
			 a.smax < b.smin ||
			 ((a.t.value ^ b.t.value) & ~a.t.mask & ~b.t.mask))
			eq = 0;
		if (eq < 0)
			return -1;
		return op == BPF_JEQ ? eq : !eq;
	}
	case BPF_JSET:
		if (a.t.value & b.t.value)
			return 1;
		if (!((a.t.value | a.t.mask) & (b.t.value | b.t.mask)))
			return 0;
		return -1;
	case BPF_JGT:
		return a.umin > b.umax ? 1 : a.umax <= b.umin ? 0 : -1;
	case BPF_JGE:
		return a.umin >= b.umax ? 1 : a.umax < b.umin ? 0 : -1;
	case BPF_JLT:
		return a.umax < b.umin ? 1 : a.umin >= b.umax ? 0 : -1;
	case BPF_JLE:
		return a.umax <= b.umin ? 1 : a.umin > b.umax ? 0 : -1;
	case BPF_JSGT:
		return a.smin > b.smax ? 1 : a.smax <= b.smin ? 0 : -1;
	case BPF_JSGE:
		return a.smin >= b.smax ? 1 : a.smax < b.smin ? 0 : -1;
	case BPF_JSLT:
		return a.smax < b.smin ? 1 : a.smin >= b.smax ? 0 : -1;
	case BPF_JSLE:
		return a.smax <= b.smin ? 1 : a.smin > b.smax ? 0 : -1;
	}
	return -1;
}

/* The condition "a op b" as seen from the branch: taken or not. */
static u8 negate(u8 op)
{
	switch (op) {
	case BPF_JEQ: return BPF_JNE;
	case BPF_JNE: return BPF_JEQ;
	case BPF_JGT: return BPF_JLE;
	case BPF_JGE: return BPF_JLT;
	case BPF_JLT: return BPF_JGE;
	case BPF_JLE: return BPF_JGT;
	case BPF_JSGT: return BPF_JSLE;
	case BPF_JSGE: return BPF_JSLT;
	case BPF_JSLT: return BPF_JSGE;
	case BPF_JSLE: return BPF_JSGT;
	}
	return op;
}

/* Narrow a and b (width-w views) knowing "a op b" holds. */
static void refine(struct sv *a, struct sv *b, u8 op)
{
	switch (op) {
	case BPF_JEQ: {
		u64 umin = MAXOF(a->umin, b->umin), umax = MINOF(a->umax, b->umax);
		s64 smin = MAXOF(a->smin, b->smin), smax = MINOF(a->smax, b->smax);
		struct tnum t = tnum_intersect(a->t, b->t);
		a->umin = b->umin = umin;
		a->umax = b->umax = umax;
		a->smin = b->smin = smin;
		a->smax = b->smax = smax;
		a->t = b->t = t;
		break;
	}
	case BPF_JNE:
		/* only a constant at an edge of the other's range helps */
		if (sv_const(b)) {
			if (a->umin == b->t.value && a->umin < a->umax) a->umin++;
			else if (a->umax == b->t.value && a->umin < a->umax) a->umax--;
			if (a->smin == (s64)b->t.value && a->smin < a->smax) a->smin++;
			else if (a->smax == (s64)b->t.value && a->smin < a->smax) a->smax--;
		}
		if (sv_const(a)) {
			if (b->umin == a->t.value && b->umin < b->umax) b->umin++;
			else if (b->umax == a->t.value && b->umin < b->umax) b->umax--;
			if (b->smin == (s64)a->t.value && b->smin < b->smax) b->smin++;
			else if (b->smax == (s64)a->t.value && b->smin < b->smax) b->smax--;
		}
		break;
	case BPF_JSET:
		if (sv_const(b) && b->t.value && !(b->t.value & (b->t.value - 1)))
			a->t = tnum_intersect(a->t, (struct tnum){ b->t.value, ~b->t.value });
		break;
	case BPF_JGT:   /* a > b */
		if (b->umin < umaxw(a->w)) a->umin = MAXOF(a->umin, b->umin + 1);
		if (a->umax > 0) b->umax = MINOF(b->umax, a->umax - 1);
		break;
	case BPF_JGE:
		a->umin = MAXOF(a->umin, b->umin);
		b->umax = MINOF(b->umax, a->umax);
		break;
	case BPF_JLT:
		refine(b, a, BPF_JGT);
		break;
	case BPF_JLE:
		refine(b, a, BPF_JGE);
		break;
	case BPF_JSGT:
		if (b->smin < smaxw(a->w)) a->smin = MAXOF(a->smin, b->smin + 1);
		if (a->smax > sminw(a->w)) b->smax = MINOF(b->smax, a->smax - 1);
		break;
	case BPF_JSGE:
		a->smin = MAXOF(a->smin, b->smin);
		b->smax = MINOF(b->smax, a->smax);
		break;
	case BPF_JSLT:
		refine(b, a, BPF_JSGT);
		break;
	case BPF_JSLE:
		refine(b, a, BPF_JSGE);
		break;
	}
}

static void write_back(struct vreg *r, const struct sv *v)
{
	if (r->type != V_SCALAR)
		return;
	if (v->w == 64) {
		r->umin = v->umin;
		r->umax = v->umax;
		r->smin = v->smin;
		r->smax = v->smax;
		r->var_off = v->t;
	} else {
		r->u32_min = (u32)v->umin;
		r->u32_max = (u32)v->umax;
		r->s32_min = (s32)v->smin;
		r->s32_max = (s32)v->smax;
		r->var_off.value = (r->var_off.value & ~0xffffffffull) | (v->t.value & 0xffffffffull);
		r->var_off.mask = (r->var_off.mask & ~0xffffffffull) | (v->t.mask & 0xffffffffull);
		if (r->var_off.value & r->var_off.mask) {       /* contradiction */
			r->umin = 1;
			r->umax = 0;
		}
	}
	vreg_sync(r);
}

/* a and b after "if a op b" was (taken) or was not taken; b may be a
 * constant stand-in for BPF_K (changes to it are harmless). */
void vbranch_refine(struct vreg *a, struct vreg *b, u8 op, bool is32, bool taken)
{
	unsigned w = is32 ? 32 : 64;
	struct sv va = view(a, w), vb = view(b, w);

	refine(&va, &vb, taken ? op : negate(op));
	if (!taken && op == BPF_JSET && sv_const(&vb))
		va.t = tnum_intersect(va.t, (struct tnum){ 0, ~vb.t.value & umaxw(w) });
	write_back(a, &va);
	write_back(b, &vb);
}
