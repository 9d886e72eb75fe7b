/* The verifier's scalar bounds: tnums (which bits of a value are known)
 * and a register's signed/unsigned bounds on 64 and 32 bits, kept
 * consistent with each other (vreg_sync), plus the comparisons and joins
 * that pruning and callbacks use. Everything is an over-approximation: a
 * bound may admit values that cannot occur, never exclude one that can. */
#include "vstate.h"
#define S64_MIN ((s64)(1ull << 63))
#define S64_MAX ((s64)~(1ull << 63))

/* --- tnums ------------------------------------------------------------- */

struct tnum tnum_const(u64 v) { return (struct tnum){ v, 0 }; }
struct tnum tnum_unknown(void) { return (struct tnum){ 0, ~0ull }; }
bool tnum_is_const(struct tnum a) { return !a.mask; }

struct tnum tnum_range(u64 min, u64 max)
{
	u64 chi = min ^ max;
	if (!chi)
		return tnum_const(min);
	unsigned bits = 64 - __builtin_clzll(chi);
	if (bits > 63)
		return tnum_unknown();
	u64 delta = (1ull << bits) - 1;
	return (struct tnum){ min & ~delta, delta };
}

struct tnum tnum_add(struct tnum a, struct tnum b)
{
	u64 sm = a.mask + b.mask, sv = a.value + b.value, sigma = sm + sv;
	u64 mu = (sigma ^ sv) | a.mask | b.mask;
	return (struct tnum){ sv & ~mu, mu };
}

struct tnum tnum_sub(struct tnum a, struct tnum b)
{
	u64 dv = a.value - b.value, alpha = dv + a.mask, beta = dv - b.mask;
	u64 mu = (alpha ^ beta) | a.mask | b.mask;
	return (struct tnum){ dv & ~mu, mu };
}

struct tnum tnum_and(struct tnum a, struct tnum b)
{
	u64 alpha = a.value | a.mask, beta = b.value | b.mask, v = a.value & b.value;
	return (struct tnum){ v, alpha & beta & ~v };
}

struct tnum tnum_or(struct tnum a, struct tnum b)
{
	u64 v = a.value | b.value, mu = a.mask | b.mask;
	return (struct tnum){ v, mu & ~v };
}

struct tnum tnum_xor(struct tnum a, struct tnum b)
{
	u64 v = a.value ^ b.value, mu = a.mask | b.mask;
	return (struct tnum){ v & ~mu, mu };
}

/* Long multiplication: each bit of a adds b (known bit set) or "b or
 * nothing" (unknown bit) to the unknown part of the product. */
struct tnum tnum_mul(struct tnum a, struct tnum b)
{
	u64 known = a.value * b.value;
	struct tnum acc = tnum_const(0);
	for (int i = 0; i < 64 && (a.value || a.mask); i++) {
		if (a.value & 1)
			acc = tnum_add(acc, (struct tnum){ 0, b.mask });
		else if (a.mask & 1)
			acc = tnum_add(acc, (struct tnum){ 0, b.value | b.mask });
		a.value >>= 1;
		a.mask >>= 1;
		b.value <<= 1;
		b.mask <<= 1;
	}
	return tnum_add(tnum_const(known), acc);
}

struct tnum tnum_intersect(struct tnum a, struct tnum b)
{
	u64 v = a.value | b.value, mu = a.mask & b.mask;
	return (struct tnum){ v & ~mu, mu };
}

struct tnum tnum_union(struct tnum a, struct tnum b)
{
	u64 mu = a.mask | b.mask | (a.value ^ b.value);
	return (struct tnum){ a.value & ~mu, mu };
}

/* Is every value of b also one of a? */
bool tnum_in(struct tnum a, struct tnum b)
{
	if (b.mask & ~a.mask)
		return false;
	return a.value == (b.value & ~a.mask);
}

struct tnum tnum_trunc(struct tnum a, unsigned w)
{
	if (w == 64)
		return a;
	u64 m = (1ull << w) - 1;
	return (struct tnum){ a.value & m, a.mask & m };
}

/* --- registers ---------------------------------------------------------- */

void vreg_mark_unknown(struct vreg *r)
{
	*r = (struct vreg){
		.type = V_SCALAR, .var_off = tnum_unknown(), .smin = S64_MIN, .smax = S64_MAX,
		.umin = 0, .umax = ~0ull, .s32_min = INT32_MIN, .s32_max = INT32_MAX,
		.u32_min = 0, .u32_max = UINT32_MAX,
	};
}

void vreg_mark_const(struct vreg *r, u64 v)
{
	*r = (struct vreg){
		.type = V_SCALAR, .var_off = tnum_const(v), .smin = (s64)v, .smax = (s64)v,
		.umin = v, .umax = v, .s32_min = (s32)v, .s32_max = (s32)v,
		.u32_min = (u32)v, .u32_max = (u32)v,
	};
}

void vreg_mark_not_init(struct vreg *r)
{
	vreg_mark_unknown(r);
	r->type = V_NOT_INIT;
}

/* A scalar in [0, max] (max < 2^32): a zero-extended load or result. */
void vreg_set_u32_range(struct vreg *r, u32 max)
{
	vreg_mark_unknown(r);
	r->umax = max;
	r->var_off = tnum_range(0, max);
	vreg_sync(r);
}

bool vreg_is_const(const struct vreg *r)
{
	return r->type == V_SCALAR && tnum_is_const(r->var_off);
}

#define MAXOF(a, b) ((a) > (b) ? (a) : (b))
#define MINOF(a, b) ((a) < (b) ? (a) : (b))

static void from_tnum(struct vreg *r)
{
	struct tnum t = r->var_off, s = tnum_trunc(t, 32);
	r->smin = MAXOF(r->smin, (s64)(t.value | (t.mask & (1ull << 63))));
	r->smax = MINOF(r->smax, (s64)(t.value | (t.mask & ~(1ull << 63))));
	r->umin = MAXOF(r->umin, t.value);
	r->umax = MINOF(r->umax, t.value | t.mask);
	r->s32_min = MAXOF(r->s32_min, (s32)(u32)(s.value | (s.mask & 0x80000000u)));
	r->s32_max = MINOF(r->s32_max, (s32)(u32)(s.value | (s.mask & 0x7fffffffu)));
	r->u32_min = MAXOF(r->u32_min, (u32)s.value);
	r->u32_max = MINOF(r->u32_max, (u32)(s.value | s.mask));
}

/* Signed and unsigned bounds of one width agree where they can. */
static void deduce_sign(struct vreg *r)
{
	if ((s32)r->u32_min <= (s32)r->u32_max) {
		r->s32_min = MAXOF(r->s32_min, (s32)r->u32_min);
		r->s32_max = MINOF(r->s32_max, (s32)r->u32_max);
	}
	if ((u32)r->s32_min <= (u32)r->s32_max) {
		r->u32_min = MAXOF(r->u32_min, (u32)r->s32_min);
		r->u32_max = MINOF(r->u32_max, (u32)r->s32_max);
	}
	if ((s64)r->umin <= (s64)r->umax) {
		r->smin = MAXOF(r->smin, (s64)r->umin);
		r->smax = MINOF(r->smax, (s64)r->umax);
	}
	if ((u64)r->smin <= (u64)r->smax) {
		r->umin = MAXOF(r->umin, (u64)r->smin);
		r->umax = MINOF(r->umax, (u64)r->smax);
	}
}

/* 64-bit ranges whose upper half is fixed bound the low half, and the
 * low half's bounds then bound the 64-bit range. */
static void deduce_mixed(struct vreg *r)
{
	if ((r->umin >> 32) == (r->umax >> 32)) {
		r->u32_min = MAXOF(r->u32_min, (u32)r->umin);
		r->u32_max = MINOF(r->u32_max, (u32)r->umax);
		if ((s32)r->umin <= (s32)r->umax) {
			r->s32_min = MAXOF(r->s32_min, (s32)r->umin);
			r->s32_max = MINOF(r->s32_max, (s32)r->umax);
		}
		u64 hi = r->umin & ~0xffffffffull;
		r->umin = MAXOF(r->umin, hi | r->u32_min);
		r->umax = MINOF(r->umax, hi | r->u32_max);
	}
	if ((r->smin >> 32) == (r->smax >> 32)) {
		r->u32_min = MAXOF(r->u32_min, (u32)r->smin);
		r->u32_max = MINOF(r->u32_max, (u32)r->smax);
		if ((s32)r->smin <= (s32)r->smax) {
			r->s32_min = MAXOF(r->s32_min, (s32)r->smin);
			r->s32_max = MINOF(r->s32_max, (s32)r->smax);
		}
		u64 hi = (u64)r->smin & ~0xffffffffull;
		r->smin = MAXOF(r->smin, (s64)(hi | r->u32_min));
		r->smax = MINOF(r->smax, (s64)(hi | r->u32_max));
	}
}

static void to_tnum(struct vreg *r)
{
	struct tnum t = tnum_intersect(r->var_off, tnum_range(r->umin, r->umax));
	struct tnum lo = tnum_intersect(tnum_trunc(t, 32), tnum_range(r->u32_min, r->u32_max));
	t.value = (t.value & ~0xffffffffull) | lo.value;
	t.mask = (t.mask & ~0xffffffffull) | lo.mask;
	r->var_off = t;
}

void vreg_sync(struct vreg *r)
{
	for (int i = 0; i < 2; i++) {
		from_tnum(r);
		deduce_mixed(r);
		deduce_sign(r);
		to_tnum(r);
	}
	from_tnum(r);
}

/* No value satisfies the bounds: a branch that cannot be taken. */
bool vreg_bounds_empty(const struct vreg *r)
{
	return r->umin > r->umax || r->smin > r->smax || r->u32_min > r->u32_max ||
	       r->s32_min > r->s32_max || (r->var_off.value & r->var_off.mask);
}

/* Every value cur admits, old admits too (scalars, or pointers' offsets). */
bool vreg_range_within(const struct vreg *old, const struct vreg *cur)
{
	return old->umin <= cur->umin && old->umax >= cur->umax && old->smin <= cur->smin &&
	       old->smax >= cur->smax && old->u32_min <= cur->u32_min &&
	       old->u32_max >= cur->u32_max && old->s32_min <= cur->s32_min &&
	       old->s32_max >= cur->s32_max && tnum_in(old->var_off, cur->var_off);
}

/* dst becomes a scalar admitting both; widen: anything (loop fixpoints). */
void vreg_join(struct vreg *dst, const struct vreg *src, bool widen)
{
	if (widen) {
		/* only what still grows goes to unknown */
		if (!vreg_range_within(dst, src))
			vreg_mark_unknown(dst);
		dst->id = 0;
		return;
	}
	dst->umin = MINOF(dst->umin, src->umin);
	dst->umax = MAXOF(dst->umax, src->umax);
	dst->smin = MINOF(dst->smin, src->smin);
	dst->smax = MAXOF(dst->smax, src->smax);
	dst->u32_min = MINOF(dst->u32_min, src->u32_min);
	dst->u32_max = MAXOF(dst->u32_max, src->u32_max);
	dst->s32_min = MINOF(dst->s32_min, src->s32_min);
	dst->s32_max = MAXOF(dst->s32_max, src->s32_max);
	dst->var_off = tnum_union(dst->var_off, src->var_off);
	dst->id = 0;
}
