/* Verifier states: copying and freeing them, the checkpoints kept at
 * prune points, and the two comparisons that make exploration finite.
 *
 *   within  every concrete state cur admits, old admits too, so a path
 *           reaching cur is safe if old's was (old fully explored):
 *           the path is pruned.
 *   exact   cur is old again on the same path (old still being explored):
 *           the loop from old back to here can run forever, which Linux
 *           reports as "infinite loop detected".
 *
 * Each state points at the last checkpoint on its path (parent); a
 * checkpoint counts the paths still running below it (branches). Only
 * checkpoints with no running path below them are used for pruning: an
 * unfinished one may be an ancestor whose loop has not been proved to end.
 * Joins (vstate_join) serve callbacks: the caller's state after any number
 * of calls is the union of the states after each. */
#include <lib/errno.h>
#include <lib/string.h>
#include "vstate.h"

struct vframe *vframe_new(struct venv *env)
{
	(void)env;
	struct vframe *f = bpf_core_zalloc(sizeof(*f));
	if (!f)
		return NULL;
	for (int i = 0; i < BPF_REG_COUNT; i++)
		vreg_mark_not_init(&f->regs[i]);
	f->callsite = ~0u;
	return f;
}

static void vframe_free(struct vframe *f)
{
	if (!f)
		return;
	bpf_core_free(f->slots);
	bpf_core_free(f);
}

static struct vframe *vframe_copy(const struct vframe *src)
{
	struct vframe *f = bpf_core_zalloc(sizeof(*f));
	if (!f)
		return NULL;
	*f = *src;
	f->slots = NULL;
	if (src->nslots) {
		f->slots = bpf_core_zalloc(src->nslots * sizeof(struct vslot));
		if (!f->slots) {
			bpf_core_free(f);
			return NULL;
		}
		memcpy(f->slots, src->slots, src->nslots * sizeof(struct vslot));
	}
	return f;
}

struct vstate *vstate_copy(struct venv *env, const struct vstate *src)
{
	struct vstate *st = bpf_core_zalloc(sizeof(*st));
	if (!st)
		return NULL;
	*st = *src;
	for (u32 i = 0; i < BPF_FRAMES_MAX; i++)
		st->frames[i] = NULL;
	for (u32 i = 0; i <= src->curframe; i++) {
		st->frames[i] = vframe_copy(src->frames[i]);
		if (!st->frames[i]) {
			vstate_free(st);
			return NULL;
		}
	}
	env->cur_states++;
	if (env->cur_states > env->peak_states)
		env->peak_states = env->cur_states;
	return st;
}

void vstate_free(struct vstate *st)
{
	if (!st)
		return;
	for (u32 i = 0; i < BPF_FRAMES_MAX; i++)
		vframe_free(st->frames[i]);
	bpf_core_free(st);
}

/* Slot spi of frame f, growing the frame's slot array as needed. */
struct vslot *vstack_slot(struct venv *env, struct vframe *f, u32 spi)
{
	(void)env;
	if (spi >= VSLOTS)
		return NULL;
	if (spi >= f->nslots) {
		u32 n = spi + 1 < 8 ? 8 : spi + 1;
		n = n > VSLOTS ? VSLOTS : n;
		struct vslot *s = bpf_core_zalloc(n * sizeof(*s));
		if (!s)
			return NULL;
		if (f->nslots)
			memcpy(s, f->slots, f->nslots * sizeof(*s));
		bpf_core_free(f->slots);
		f->slots = s;
		f->nslots = n;
	}
	return &f->slots[spi];
}

/* --- comparison --------------------------------------------------------- */

/* ids in old must map to ids in cur one to one (null checks, references
 * and linked scalars behave the same way on both). */
struct idmap {
	u32 n;
	struct { u32 old, cur; } m[2 * VMAX_REFS + 2 * BPF_REG_COUNT * BPF_FRAMES_MAX];
};

static bool id_match(struct idmap *map, u32 old, u32 cur)
{
	if (!old)
		return true;
	if (!cur)
		return false;
	for (u32 i = 0; i < map->n; i++) {
		if (map->m[i].old == old)
			return map->m[i].cur == cur;
		if (map->m[i].cur == cur)
			return false;
	}
	if (map->n >= ARRAY_SIZE(map->m))
		return false;
	map->m[map->n].old = old;
	map->m[map->n++].cur = cur;
	return true;
}

static bool reg_same(const struct vreg *a, const struct vreg *b)
{
	return a->type == b->type && a->flags == b->flags && a->frameno == b->frameno &&
	       a->off == b->off && a->mem_size == b->mem_size && a->map == b->map &&
	       a->var_off.value == b->var_off.value && a->var_off.mask == b->var_off.mask &&
	       a->smin == b->smin && a->smax == b->smax && a->umin == b->umin &&
	       a->umax == b->umax && a->s32_min == b->s32_min && a->s32_max == b->s32_max &&
	       a->u32_min == b->u32_min && a->u32_max == b->u32_max;
}

static bool regsafe(struct idmap *map, const struct vreg *old, const struct vreg *cur, bool exact)
{
	if (exact)
		return reg_same(old, cur) && id_match(map, old->id, cur->id) &&
		       id_match(map, old->ref_obj_id, cur->ref_obj_id);
	if (old->type == V_NOT_INIT)
		return true;
	if (old->type != cur->type)
		return false;
	if (old->type == V_SCALAR)
		return vreg_range_within(old, cur) && id_match(map, old->id, cur->id);
	return old->flags == cur->flags && old->frameno == cur->frameno && old->off == cur->off &&
	       old->mem_size == cur->mem_size && old->map == cur->map &&
	       vreg_range_within(old, cur) && id_match(map, old->id, cur->id) &&
	       id_match(map, old->ref_obj_id, cur->ref_obj_id);
}

static u8 slot_byte(const struct vframe *f, u32 spi, u32 i)
{
	return spi < f->nslots ? f->slots[spi].type[i] : SLOT_INVALID;
}

static bool stacksafe(struct idmap *map, const struct vframe *old, const struct vframe *cur,
		      bool exact)
{
	u32 n = old->nslots > cur->nslots ? old->nslots : cur->nslots;
	for (u32 s = 0; s < n; s++) {
		bool ospill = slot_byte(old, s, 7) == SLOT_SPILL;
		bool cspill = slot_byte(cur, s, 7) == SLOT_SPILL;
		if (exact) {
			for (u32 i = 0; i < 8; i++)
				if (slot_byte(old, s, i) != slot_byte(cur, s, i))
					return false;
			if (ospill && !regsafe(map, &old->slots[s].spill, &cur->slots[s].spill, true))
				return false;
			continue;
		}
		if (ospill) {
			if (!cspill || slot_byte(cur, s, 0) != SLOT_SPILL ||
			    slot_byte(old, s, 0) != SLOT_SPILL ||
			    !regsafe(map, &old->slots[s].spill, &cur->slots[s].spill, false))
				return false;
			continue;
		}
		for (u32 i = 0; i < 8; i++) {
			u8 o = slot_byte(old, s, i), c = slot_byte(cur, s, i);
			if (o == SLOT_INVALID)
				continue;
			if (c == SLOT_SPILL && cur->slots[s].spill.type != V_SCALAR)
				return false;   /* data reads of a pointer */
			if (o == SLOT_MISC && c != SLOT_INVALID)
				continue;
			if (o == SLOT_ZERO && (c == SLOT_ZERO ||
					       (c == SLOT_SPILL && vreg_is_const(&cur->slots[s].spill) &&
						!cur->slots[s].spill.var_off.value)))
				continue;
			return false;
		}
	}
	return true;
}

bool vstate_within(struct venv *env, const struct vstate *old, const struct vstate *cur,
		   u32 insn, bool exact, bool all_regs)
{
	if (old->curframe != cur->curframe || old->nrefs != cur->nrefs)
		return false;
	if (!env->idmap && !(env->idmap = bpf_core_zalloc(sizeof(struct idmap))))
		return false;
	struct idmap *map = env->idmap;
	bool ok = false;
	map->n = 0;
	if (old->curframe != cur->curframe || old->nrefs != cur->nrefs ||
	    old->cb_depth != cur->cb_depth)
		goto out;
	for (u32 i = 0; i < old->nrefs; i++)
		if (!id_match(map, old->refs[i].id, cur->refs[i].id))
			goto out;
	for (u32 f = 0; f <= old->curframe; f++) {
		const struct vframe *of = old->frames[f], *cf = cur->frames[f];
		if (of->callsite != cf->callsite || of->subprog != cf->subprog ||
		    of->in_callback != cf->in_callback)
			goto out;
		u16 live = f == old->curframe && !all_regs ? env->aux[insn].live : 0xffff;
		for (int r = 0; r < BPF_REG_COUNT; r++)
			if ((live & (1u << r)) && !regsafe(map, &of->regs[r], &cf->regs[r], exact))
				goto out;
		if (!stacksafe(map, of, cf, exact))
			goto out;
	}
	ok = true;
out:
	return ok;
}

/* --- checkpoints ------------------------------------------------------------ */

/* A path ended (exit, pruned, or dropped): its checkpoints lose a branch. */
void vend_path(struct vstate *st)
{
	for (struct vstate *p = st->parent; p; p = p->parent) {
		if (p->branches)
			p->branches--;
		if (p->branches)
			break;
	}
	st->parent = NULL;
}

int vvisit_checkpoint(struct venv *env, struct vrun *run, struct vstate *st, u32 insn)
{
	u32 count = 0;
	for (struct vcheckpoint *c = env->explored[insn]; c; c = c->next, count++) {
		if (c->st->branches) {
			if (c->gen == run->gen && vstate_within(env, c->st, st, insn, true, false)) {
				vlog(env, "infinite loop detected at insn %u\n", insn);
				return -EINVAL;
			}
			continue;
		}
		if (c->gen == run->gen && vstate_within(env, c->st, st, insn, false, false)) {
			c->hit++;
			return 1;
		}
		c->miss++;
	}
	if (count >= VMAX_CHECKPOINTS_PER_INSN)
		return 0;               /* explore on without a new checkpoint */
	struct vcheckpoint *c = bpf_core_zalloc(sizeof(*c));
	struct vstate *cp = c ? vstate_copy(env, st) : NULL;
	if (!cp) {
		bpf_core_free(c);
		return -ENOMEM;
	}
	cp->insn = insn;
	cp->branches = 1;               /* the path going on from here */
	cp->parent = st->parent;
	st->parent = cp;
	c->st = cp;
	c->gen = run->gen;
	c->next = env->explored[insn];
	env->explored[insn] = c;
	env->total_states++;
	if (count + 1 > env->max_states_per_insn)
		env->max_states_per_insn = count + 1;
	return 0;
}

void vfree_checkpoints(struct venv *env)
{
	if (!env->explored)
		return;
	for (u32 i = 0; i < env->len; i++) {
		struct vcheckpoint *c = env->explored[i];
		while (c) {
			struct vcheckpoint *n = c->next;
			vstate_free(c->st);
			bpf_core_free(c);
			c = n;
		}
	}
}

/* --- joins (callbacks) -------------------------------------------------------- */

static void join_reg(struct vreg *d, const struct vreg *s, bool widen)
{
	if (d->type == V_NOT_INIT)
		return;
	if (s->type == V_NOT_INIT || d->type != s->type) {
		vreg_mark_not_init(d);
		return;
	}
	if (d->type == V_SCALAR) {
		vreg_join(d, s, widen);
		return;
	}
	if (d->flags != s->flags || d->frameno != s->frameno || d->off != s->off ||
	    d->mem_size != s->mem_size || d->map != s->map || d->id != s->id ||
	    d->ref_obj_id != s->ref_obj_id) {
		vreg_mark_not_init(d);
		return;
	}
	u8 type = d->type, flags = d->flags, frameno = d->frameno;
	s32 off = d->off;
	u32 id = d->id, ref = d->ref_obj_id, mem = d->mem_size;
	struct bpf_vmap *m = d->map;
	d->type = V_SCALAR;
	struct vreg tmp = *s;
	tmp.type = V_SCALAR;
	vreg_join(d, &tmp, widen);
	d->type = type;
	d->flags = flags;
	d->frameno = frameno;
	d->off = off;
	d->id = id;
	d->ref_obj_id = ref;
	d->mem_size = mem;
	d->map = m;
}

static void join_stack(struct venv *env, struct vframe *d, const struct vframe *s, bool widen)
{
	u32 n = s->nslots > d->nslots ? s->nslots : d->nslots;
	if (n && !vstack_slot(env, d, n - 1))
		return;                 /* out of memory: d keeps fewer bytes known */
	for (u32 k = 0; k < d->nslots; k++) {
		struct vslot *ds = &d->slots[k];
		bool dsp = ds->type[7] == SLOT_SPILL && ds->type[0] == SLOT_SPILL;
		bool ssp = slot_byte(s, k, 7) == SLOT_SPILL && slot_byte(s, k, 0) == SLOT_SPILL;
		if (dsp && ssp) {
			join_reg(&ds->spill, &s->slots[k].spill, widen);
			if (ds->spill.type != V_NOT_INIT)
				continue;
		}
		for (u32 i = 0; i < 8; i++) {
			u8 a = ds->type[i], b = slot_byte(s, k, i);
			if (a == SLOT_SPILL)
				a = ds->spill.type == V_SCALAR ? SLOT_MISC : SLOT_INVALID;
			if (b == SLOT_SPILL)
				b = s->slots[k].spill.type == V_SCALAR ? SLOT_MISC : SLOT_INVALID;
			ds->type[i] = a == SLOT_INVALID || b == SLOT_INVALID ? SLOT_INVALID :
				      a == SLOT_ZERO && b == SLOT_ZERO ? SLOT_ZERO : SLOT_MISC;
		}
	}
}

void vstate_join(struct venv *env, struct vstate *dst, const struct vstate *src, bool widen)
{
	for (u32 f = 0; f <= dst->curframe && f <= src->curframe; f++) {
		struct vframe *d = dst->frames[f];
		const struct vframe *s = src->frames[f];
		for (int r = 0; r < BPF_REG_COUNT; r++)
			join_reg(&d->regs[r], &s->regs[r], widen);
		join_stack(env, d, s, widen);
	}
}
