/* Helper calls in the verifier: each helper's prototype (argument and
 * result types, as Linux declares them), which program types may call
 * it, the argument checks, which maps go with which helpers, the result
 * register, and references: bpf_ringbuf_reserve acquires one that
 * bpf_ringbuf_submit/discard must release on every path. Helpers that
 * take a callback (bpf_loop, bpf_user_ringbuf_drain) hand it to
 * vcallback (verifier.c), which verifies its body to a fixpoint. */
#include <lib/errno.h>
#include "vstate.h"

enum arg_type {
	A_NONE = 0,
	A_ANYTHING,
	A_MAP_PTR,              /* CONST_PTR_TO_MAP */
	A_MAP_KEY,              /* key_size readable bytes */
	A_MAP_VALUE,            /* value_size readable bytes */
	A_MEM,                  /* readable bytes, size in the next argument */
	A_UNINIT_MEM,           /* bytes the helper fills, size in the next argument */
	A_SIZE,                 /* ARG_CONST_SIZE */
	A_SIZE_OR_ZERO,
	A_ALLOC_SIZE,           /* ARG_CONST_ALLOC_SIZE_OR_ZERO: a known constant */
	A_CTX,
	A_RINGBUF_RELEASE,      /* a reserved record, released by the call */
	A_FUNC,                 /* a callback */
	A_STACK_OR_NULL,        /* the callback's context */
	A_DYNPTR,               /* a read-only dynptr */
};

enum ret_type { R_INT, R_VOID, R_MAP_VALUE_OR_NULL, R_RINGBUF_MEM_OR_NULL, R_DYNPTR_MEM_OR_NULL };

enum { CB_NONE, CB_LOOP, CB_DRAIN };

struct proto {
	s32 id;
	u8 ret;
	u8 args[5];
	u8 gpl;                 /* GPL-compatible programs only */
	u8 tracing;             /* tracing program types only */
	u8 priv;                /* privileged loaders only */
	u8 cb;
	u32 map_type;           /* the map argument's type, 0: lookup/update/delete */
};

#define ARGS(...) .args = { __VA_ARGS__ }
#define TRACING .gpl = 1, .tracing = 1
static const struct proto protos[] = {
	{ .id = BPF_FUNC_map_lookup_elem, .ret = R_MAP_VALUE_OR_NULL, ARGS(A_MAP_PTR, A_MAP_KEY) },
	{ .id = BPF_FUNC_map_update_elem, .ret = R_INT,
	  ARGS(A_MAP_PTR, A_MAP_KEY, A_MAP_VALUE, A_ANYTHING) },
	{ .id = BPF_FUNC_map_delete_elem, .ret = R_INT, ARGS(A_MAP_PTR, A_MAP_KEY) },
	{ .id = BPF_FUNC_probe_read, .ret = R_INT, ARGS(A_UNINIT_MEM, A_SIZE_OR_ZERO, A_ANYTHING),
	  TRACING },
	{ .id = BPF_FUNC_ktime_get_ns, .ret = R_INT },
	{ .id = BPF_FUNC_trace_printk, .ret = R_INT, ARGS(A_MEM, A_SIZE), .gpl = 1, .priv = 1 },
	{ .id = BPF_FUNC_get_prandom_u32, .ret = R_INT },
	{ .id = BPF_FUNC_get_smp_processor_id, .ret = R_INT },
	{ .id = BPF_FUNC_get_current_pid_tgid, .ret = R_INT, .tracing = 1 },
	{ .id = BPF_FUNC_get_current_uid_gid, .ret = R_INT, .tracing = 1 },
	{ .id = BPF_FUNC_get_current_comm, .ret = R_INT, ARGS(A_UNINIT_MEM, A_SIZE), .tracing = 1 },
	{ .id = BPF_FUNC_perf_event_output, .ret = R_INT,
	  ARGS(A_CTX, A_MAP_PTR, A_ANYTHING, A_MEM, A_SIZE_OR_ZERO), TRACING,
	  .map_type = BPF_MAP_TYPE_PERF_EVENT_ARRAY },
	{ .id = BPF_FUNC_probe_read_str, .ret = R_INT,
	  ARGS(A_UNINIT_MEM, A_SIZE_OR_ZERO, A_ANYTHING), TRACING },
	{ .id = BPF_FUNC_ktime_get_boot_ns, .ret = R_INT },
	{ .id = BPF_FUNC_probe_read_user, .ret = R_INT,
	  ARGS(A_UNINIT_MEM, A_SIZE_OR_ZERO, A_ANYTHING), TRACING },
	{ .id = BPF_FUNC_probe_read_kernel, .ret = R_INT,
	  ARGS(A_UNINIT_MEM, A_SIZE_OR_ZERO, A_ANYTHING), TRACING },
	{ .id = BPF_FUNC_probe_read_user_str, .ret = R_INT,
	  ARGS(A_UNINIT_MEM, A_SIZE_OR_ZERO, A_ANYTHING), TRACING },
	{ .id = BPF_FUNC_probe_read_kernel_str, .ret = R_INT,
	  ARGS(A_UNINIT_MEM, A_SIZE_OR_ZERO, A_ANYTHING), TRACING },
	{ .id = BPF_FUNC_ringbuf_output, .ret = R_INT,
	  ARGS(A_MAP_PTR, A_MEM, A_SIZE_OR_ZERO, A_ANYTHING), .map_type = BPF_MAP_TYPE_RINGBUF },
	{ .id = BPF_FUNC_ringbuf_reserve, .ret = R_RINGBUF_MEM_OR_NULL,
	  ARGS(A_MAP_PTR, A_ALLOC_SIZE, A_ANYTHING), .map_type = BPF_MAP_TYPE_RINGBUF },
	{ .id = BPF_FUNC_ringbuf_submit, .ret = R_VOID, ARGS(A_RINGBUF_RELEASE, A_ANYTHING) },
	{ .id = BPF_FUNC_ringbuf_discard, .ret = R_VOID, ARGS(A_RINGBUF_RELEASE, A_ANYTHING) },
	{ .id = BPF_FUNC_ringbuf_query, .ret = R_INT, ARGS(A_MAP_PTR, A_ANYTHING),
	  .map_type = BPF_MAP_TYPE_RINGBUF },
	{ .id = BPF_FUNC_ktime_get_coarse_ns, .ret = R_INT },
	{ .id = BPF_FUNC_loop, .ret = R_INT,
	  ARGS(A_ANYTHING, A_FUNC, A_STACK_OR_NULL, A_ANYTHING), .cb = CB_LOOP },
	{ .id = BPF_FUNC_dynptr_read, .ret = R_INT,
	  ARGS(A_UNINIT_MEM, A_SIZE_OR_ZERO, A_DYNPTR, A_ANYTHING, A_ANYTHING) },
	{ .id = BPF_FUNC_dynptr_data, .ret = R_DYNPTR_MEM_OR_NULL,
	  ARGS(A_DYNPTR, A_ANYTHING, A_ALLOC_SIZE) },
	{ .id = BPF_FUNC_user_ringbuf_drain, .ret = R_INT,
	  ARGS(A_MAP_PTR, A_FUNC, A_STACK_OR_NULL, A_ANYTHING), .cb = CB_DRAIN,
	  .map_type = BPF_MAP_TYPE_USER_RINGBUF },
};

static const struct proto *find_proto(s32 id)
{
	for (size_t i = 0; i < ARRAY_SIZE(protos); i++)
		if (protos[i].id == id)
			return &protos[i];
	return NULL;
}

u32 vhelper_nargs(s32 id)
{
	const struct proto *p = find_proto(id);
	u32 n = 0;
	if (!p)
		return 5;
	while (n < 5 && p->args[n])
		n++;
	return n;
}

bool vhelper_known(u32 prog_type, s32 id)
{
	const struct proto *p = find_proto(id);
	return p && (!p->tracing || prog_type == BPF_PROG_TYPE_TRACEPOINT);
}

/* Which map types a helper takes, and which helpers a map type allows
 * (Linux's check_map_func_compatibility, for the maps Ringtail has). */
static bool map_func_ok(const struct bpf_vmap *m, s32 id)
{
	switch (m->type) {
	case BPF_MAP_TYPE_RINGBUF:
		return id == BPF_FUNC_ringbuf_output || id == BPF_FUNC_ringbuf_reserve ||
		       id == BPF_FUNC_ringbuf_query;
	case BPF_MAP_TYPE_USER_RINGBUF:
		return id == BPF_FUNC_user_ringbuf_drain;
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
		return id == BPF_FUNC_perf_event_output;
	}
	const struct proto *p = find_proto(id);
	return p && !p->map_type;
}

/* --- references ---------------------------------------------------------- */

static int acquire_ref(struct venv *env, struct vstate *st, u32 insn)
{
	if (st->nrefs >= VMAX_REFS) {
		vlog(env, "too many references held (%u)\n", st->nrefs);
		return -E2BIG;
	}
	u32 id = ++env->id_gen;
	st->refs[st->nrefs++] = (struct vref){ id, insn, st->cb_depth };
	return (int)id;
}

static void each_reg(struct vstate *st, void (*fn)(struct vreg *, void *), void *arg)
{
	for (u32 f = 0; f <= st->curframe; f++) {
		struct vframe *fr = st->frames[f];
		for (int i = 0; i < BPF_REG_COUNT; i++)
			fn(&fr->regs[i], arg);
		for (u32 s = 0; s < fr->nslots; s++)
			if (fr->slots[s].type[7] == SLOT_SPILL)
				fn(&fr->slots[s].spill, arg);
	}
}

struct inval_arg {
	u32 ref;
	bool priv;
};

static void invalidate(struct vreg *r, void *a)
{
	const struct inval_arg *ia = a;
	if (r->ref_obj_id != ia->ref)
		return;
	if (ia->priv)
		vreg_mark_unknown(r);
	else
		vreg_mark_not_init(r);
}

int vrelease_ref(struct venv *env, struct vstate *st, u32 ref_obj_id)
{
	for (u32 i = 0; i < st->nrefs; i++) {
		if (st->refs[i].id != ref_obj_id)
			continue;
		if (st->refs[i].cb_depth < st->cb_depth) {
			vlog(env, "reference id=%u acquired outside this callback cannot be released in it\n",
			     ref_obj_id);
			return -EINVAL;
		}
		for (u32 j = i + 1; j < st->nrefs; j++)
			st->refs[j - 1] = st->refs[j];
		st->nrefs--;
		struct inval_arg ia = { ref_obj_id, env->privileged };
		each_reg(st, invalidate, &ia);
		return 0;
	}
	vlog(env, "arg 1 is an unacquired reference\n");
	return -EINVAL;
}

struct null_arg {
	u32 id;
	bool is_null;
};

static void mark_null(struct vreg *r, void *a)
{
	const struct null_arg *na = a;
	if (r->id != na->id || !(r->flags & VF_MAYBE_NULL))
		return;
	if (na->is_null) {
		vreg_mark_const(r, 0);
		return;
	}
	r->flags &= ~VF_MAYBE_NULL;
	r->id = 0;
}

/* After "if (p == NULL)": every copy of p (same id) is NULL or not; a
 * NULL record was never reserved, so its reference goes away. */
void vmark_ptr_or_null(struct vstate *st, u32 id, bool is_null)
{
	struct null_arg na = { id, is_null };
	if (is_null) {
		for (u32 i = 0; i < st->nrefs; i++)
			if (st->refs[i].id == id) {
				for (u32 j = i + 1; j < st->nrefs; j++)
					st->refs[j - 1] = st->refs[j];
				st->nrefs--;
				break;
			}
	}
	each_reg(st, mark_null, &na);
}

/* --- arguments --------------------------------------------------------- */

struct call_meta {
	struct bpf_vmap *map;
	u32 release_ref;
	u64 alloc_size;
	u32 cb_subprog;
	bool dynptr_rdonly;
};

static int bad_type(struct venv *env, u32 regno, const struct vreg *r, const char *expected)
{
	vlog(env, "R%u type=%s expected=%s\n", regno, vreg_type_name(r), expected);
	return -EACCES;
}

static int check_arg(struct venv *env, struct vstate *st, const struct proto *p, u32 i,
		     struct call_meta *meta)
{
	u32 regno = i + 1;
	struct vreg *r = &vcur(st)->regs[regno];
	u8 t = p->args[i];

	if (r->type == V_NOT_INIT) {
		vlog(env, "R%u !read_ok\n", regno);
		return -EACCES;
	}
	switch (t) {
	case A_ANYTHING:
		if (vreg_is_ptr(r) && !env->privileged) {
			vlog(env, "R%u leaks addr into helper function\n", regno);
			return -EACCES;
		}
		return 0;
	case A_MAP_PTR:
		if (r->type != V_MAP_PTR)
			return bad_type(env, regno, r, "map_ptr");
		meta->map = r->map;
		return 0;
	case A_MAP_KEY:
	case A_MAP_VALUE:
		if (!meta->map) {
			vlog(env, "invalid map_ptr to access map->%s\n", t == A_MAP_KEY ? "key" : "value");
			return -EACCES;
		}
		if (r->type != V_STACK && r->type != V_MAP_VALUE && r->type != V_MEM)
			return bad_type(env, regno, r, "fp, map_value, mem");
		return vcheck_mem_range(env, st, regno, NULL, false, false,
					t == A_MAP_KEY ? meta->map->key_size : meta->map->value_size);
	case A_MEM:
	case A_UNINIT_MEM: {
		const struct vreg *size = &vcur(st)->regs[regno + 1];
		if (r->type != V_STACK && r->type != V_MAP_VALUE && r->type != V_MEM)
			return bad_type(env, regno, r, "fp, map_value, mem");
		if (size->type == V_NOT_INIT) {
			vlog(env, "R%u !read_ok\n", regno + 1);
			return -EACCES;
		}
		if (size->type != V_SCALAR) {
			vlog(env, "R%u type=%s expected=scalar\n", regno + 1, vreg_type_name(size));
			return -EACCES;
		}
		return vcheck_mem_range(env, st, regno, size, t == A_UNINIT_MEM,
					p->args[i + 1] == A_SIZE_OR_ZERO, 0);
	}
	case A_SIZE:
	case A_SIZE_OR_ZERO:
		return 0;               /* checked with its memory argument */
	case A_ALLOC_SIZE:
		if (r->type != V_SCALAR)
			return bad_type(env, regno, r, "scalar");
		if (!tnum_is_const(r->var_off)) {
			vlog(env, "R%u is not a known constant'\n", regno);
			return -EACCES;
		}
		meta->alloc_size = r->var_off.value;
		return 0;
	case A_CTX:
		if (r->type != V_CTX)
			return bad_type(env, regno, r, "ctx");
		if (r->off || !tnum_is_const(r->var_off) || r->var_off.value) {
			vlog(env, "dereference of modified ctx ptr R%u off=%d disallowed\n", regno,
			     r->off);
			return -EACCES;
		}
		return 0;
	case A_RINGBUF_RELEASE:
		if (r->type != V_MEM || !(r->flags & VF_RINGBUF) || (r->flags & VF_MAYBE_NULL))
			return bad_type(env, regno, r, "ringbuf_mem");
		if (!r->ref_obj_id) {
			vlog(env, "arg %u is an unacquired reference\n", regno);
			return -EINVAL;
		}
		if (r->off || !tnum_is_const(r->var_off) || r->var_off.value) {
			vlog(env, "R%u must have zero offset when passed to release func\n", regno);
			return -EINVAL;
		}
		meta->release_ref = r->ref_obj_id;
		return 0;
	case A_FUNC:
		if (r->type != V_FUNC)
			return bad_type(env, regno, r, "func");
		meta->cb_subprog = r->mem_size;
		return 0;
	case A_STACK_OR_NULL:
		if (r->type == V_SCALAR && vreg_is_const(r) && !r->var_off.value)
			return 0;
		if (r->type != V_STACK)
			return bad_type(env, regno, r, "fp");
		if (!tnum_is_const(r->var_off)) {
			vlog(env, "R%u variable stack access prohibited for callback context\n", regno);
			return -EACCES;
		}
		return 0;
	case A_DYNPTR:
		if (r->type != V_DYNPTR)
			return bad_type(env, regno, r, "dynptr_ptr");
		meta->dynptr_rdonly = true;
		return 0;
	}
	return 0;
}

int vcheck_helper_call(struct venv *env, struct vrun *run, struct vstate **stp, u32 insn)
{
	const struct bpf_insn *in = &env->insns[insn];
	struct vstate *st = *stp;
	s32 id = in->imm;
	const struct proto *p;
	struct call_meta meta = { 0 };
	int err;

	if (in->off || in->dst_reg) {
		vlog(env, "BPF_CALL uses reserved fields\n");
		return -EINVAL;
	}
	if (id < 0 || id >= __BPF_FUNC_MAX_ID) {
		vlog(env, "invalid func %s#%d\n", bpf_helper_name(id), id);
		return -EINVAL;
	}
	p = find_proto(id);
	if (!p || !vhelper_known(env->a->prog_type, id) || (p->priv && !env->privileged) ||
	    (env->a->helpers && !env->a->helpers[id])) {
		vlog(env, "program of this type cannot use helper %s#%d\n", bpf_helper_name(id), id);
		return -EINVAL;
	}
	if (p->gpl && !env->a->gpl) {
		vlog(env, "cannot call GPL-restricted function from non-GPL compatible program\n");
		return -EINVAL;
	}
	for (u32 i = 0; i < 5 && p->args[i]; i++)
		if ((err = check_arg(env, st, p, i, &meta)))
			return err;
	if (meta.map && (!map_func_ok(meta.map, id) ||
			 (p->map_type && meta.map->type != p->map_type))) {
		vlog(env, "cannot pass map_type %u into func %s#%d\n", meta.map->type,
		     bpf_helper_name(id), id);
		return -EINVAL;
	}
	if (meta.release_ref && (err = vrelease_ref(env, st, meta.release_ref)))
		return err;
	if (p->cb) {
		err = vcallback(env, run, stp, insn, meta.cb_subprog, p->cb == CB_DRAIN);
		if (err)
			return err;
		st = *stp;
	}
	/* r1-r5 are clobbered; r0 is the result. */
	struct vframe *f = vcur(st);
	for (int i = 1; i <= 5; i++)
		vreg_mark_not_init(&f->regs[i]);
	struct vreg *r0 = &f->regs[0];
	switch (p->ret) {
	case R_INT:
		vreg_mark_unknown(r0);
		break;
	case R_VOID:
		vreg_mark_not_init(r0);
		break;
	case R_MAP_VALUE_OR_NULL:
		vreg_mark_const(r0, 0);
		r0->type = V_MAP_VALUE;
		r0->flags = VF_MAYBE_NULL;
		r0->map = meta.map;
		r0->id = ++env->id_gen;
		break;
	case R_RINGBUF_MEM_OR_NULL:
	case R_DYNPTR_MEM_OR_NULL:
		if (meta.alloc_size > BPF_MAX_VAR_OFF) {
			vlog(env, "R%d is not a known constant'\n", p->ret == R_RINGBUF_MEM_OR_NULL ? 2 : 3);
			return -EACCES;
		}
		vreg_mark_const(r0, 0);
		r0->type = V_MEM;
		r0->mem_size = (u32)meta.alloc_size;
		if (p->ret == R_RINGBUF_MEM_OR_NULL) {
			int ref = acquire_ref(env, st, insn);
			if (ref < 0)
				return ref;
			r0->flags = VF_MAYBE_NULL | VF_RINGBUF;
			r0->id = r0->ref_obj_id = (u32)ref;
		} else {
			r0->flags = VF_MAYBE_NULL | (meta.dynptr_rdonly ? VF_RDONLY : 0);
			r0->id = ++env->id_gen;
		}
		break;
	}
	return 0;
}
