/* Checks the verifier makes before exploring, in Linux's order: ld_imm64
 * pairs and the maps they name, subprograms (bpf-to-bpf call and callback
 * targets) and the jumps that must stay inside them, the control flow
 * graph (no unreachable instruction, no jump into an ld_imm64, loops only
 * for privileged loaders), BTF func_info against the subprograms, and
 * static register liveness for pruning. After a successful exploration:
 * the stack depth of every call chain, and the rewrite for the
 * interpreter (vm.h). */
#include <lib/errno.h>
#include "btf.h"
#include "vstate.h"

static bool is_jump(const struct bpf_insn *in)
{
	u8 cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
	return (cls == BPF_JMP || cls == BPF_JMP32) && op != BPF_CALL && op != BPF_EXIT;
}

static s64 jump_target(const struct bpf_insn *in, u32 i)
{
	if (BPF_CLASS(in->code) == BPF_JMP32 && BPF_OP(in->code) == BPF_JA)
		return (s64)i + in->imm + 1;
	return (s64)i + in->off + 1;
}

static int resolve_map(struct venv *env, u32 i)
{
	struct bpf_insn *in = &env->insns[i];
	struct bpf_verify_args *a = env->a;
	int fd = in->imm;
	long err = 0;

	if (in->src_reg == BPF_PSEUDO_MAP_IDX || in->src_reg == BPF_PSEUDO_MAP_IDX_VALUE) {
		if (!a->ops->fd_array_get) {
			vlog(env, "fd_idx without fd_array is invalid\n");
			return -EPROTO;
		}
		err = a->ops->fd_array_get(a->priv, (u32)in->imm, &fd);
		if (err)
			return (int)err;
	}
	struct bpf_vmap *m = a->ops->map_get(a->priv, fd, &err);
	if (!m) {
		vlog(env, "fd %d is not pointing to valid bpf_map\n", fd);
		return (int)err;
	}
	bool dup = false;
	for (u32 k = 0; k < a->nr_used_maps; k++)
		dup |= a->used_maps[k] == m;
	if (dup) {
		a->ops->map_put(a->priv, m);
	} else if (a->nr_used_maps >= BPF_MAX_USED_MAPS) {
		a->ops->map_put(a->priv, m);
		vlog(env, "The total number of maps per program has reached the limit of %u\n",
		     BPF_MAX_USED_MAPS);
		return -E2BIG;
	} else {
		a->used_maps[a->nr_used_maps++] = m;
	}
	env->aux[i].map = m;
	if (in->src_reg == BPF_PSEUDO_MAP_VALUE || in->src_reg == BPF_PSEUDO_MAP_IDX_VALUE) {
		u32 off = (u32)in[1].imm;
		if (off >= BPF_MAX_VAR_OFF) {
			vlog(env, "direct value offset of %u is not allowed\n", off);
			return -EINVAL;
		}
		if (m->type != BPF_MAP_TYPE_ARRAY) {
			vlog(env, "no direct value access support for this map type\n");
			return -EINVAL;
		}
		if (m->max_entries != 1 || off >= m->value_size) {
			vlog(env, "invalid access to map value pointer, value_size=%u off=%u\n",
			     m->value_size, off);
			return m->max_entries != 1 ? -EOPNOTSUPP : -EINVAL;
		}
		env->aux[i].map_off = off;
	}
	return 0;
}

static int check_ldimm64_and_ldx(struct venv *env)
{
	for (u32 i = 0; i < env->len; i++) {
		struct bpf_insn *in = &env->insns[i];
		if (BPF_CLASS(in->code) == BPF_LDX &&
		    ((BPF_MODE(in->code) != BPF_MEM && BPF_MODE(in->code) != BPF_MEMSX) || in->imm)) {
			vlog(env, "BPF_LDX uses reserved fields\n");
			return -EINVAL;
		}
		if (!bpf_is_ldimm64(in))
			continue;
		if (i + 1 < env->len)
			env->aux[i + 1].second = 1;
		if (i == env->len - 1 || in[1].code || in[1].dst_reg || in[1].src_reg || in[1].off) {
			vlog(env, "invalid bpf_ld_imm64 insn\n");
			return -EINVAL;
		}
		switch (in->src_reg) {
		case 0:
		case BPF_PSEUDO_FUNC:
			break;
		case BPF_PSEUDO_BTF_ID:
			vlog(env, "kernel is missing BTF, make sure CONFIG_DEBUG_INFO_BTF=y is specified in Kconfig.\n");
			return -EINVAL;
		case BPF_PSEUDO_MAP_FD:
		case BPF_PSEUDO_MAP_IDX:
			if (in[1].imm) {
				vlog(env, "unrecognized bpf_ld_imm64 insn\n");
				return -EINVAL;
			}
			/* fall through */
		case BPF_PSEUDO_MAP_VALUE:
		case BPF_PSEUDO_MAP_IDX_VALUE: {
			int err = resolve_map(env, i);
			if (err)
				return err;
			break;
		}
		default:
			vlog(env, "unrecognized bpf_ld_imm64 insn\n");
			return -EINVAL;
		}
		i++;
	}
	return 0;
}

static int add_subprog(struct venv *env, s64 start)
{
	if (start < 0 || start >= env->len) {
		vlog(env, "call to invalid destination\n");
		return -EINVAL;
	}
	for (u32 k = 0; k < env->nsubprogs; k++)
		if (env->subprogs[k].start == start)
			return 0;
	if (env->nsubprogs >= BPF_SUBPROGS_MAX) {
		vlog(env, "too many subprograms\n");
		return -E2BIG;
	}
	u32 k = env->nsubprogs++;
	while (k && env->subprogs[k - 1].start > start) {   /* keep them sorted */
		env->subprogs[k] = env->subprogs[k - 1];
		k--;
	}
	env->subprogs[k] = (struct vsubprog){ .start = (u32)start };
	return 0;
}

u32 vsubprog_of(struct venv *env, u32 insn)
{
	u32 k = 0;
	while (k + 1 < env->nsubprogs && env->subprogs[k + 1].start <= insn)
		k++;
	return k;
}

static int find_subprogs(struct venv *env)
{
	int err = add_subprog(env, 0);
	for (u32 i = 0; i < env->len && !err; i++) {
		const struct bpf_insn *in = &env->insns[i];
		bool call = bpf_is_pseudo_call(in), func = bpf_is_pseudo_func(in);
		if (in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_KFUNC_CALL) {
			vlog(env, "calling kernel functions are not allowed in non-JITed programs\n");
			return -EINVAL;
		}
		if (!call && !func)
			continue;
		if (!env->privileged) {
			vlog(env, "loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN\n");
			return -EPERM;
		}
		err = add_subprog(env, (s64)i + in->imm + 1);
	}
	if (err)
		return err;
	for (u32 k = 0; k < env->nsubprogs; k++)
		env->subprogs[k].end = k + 1 < env->nsubprogs ? env->subprogs[k + 1].start : env->len;
	/* Jumps stay inside their subprogram, which ends in exit or a jump. */
	for (u32 k = 0; k < env->nsubprogs; k++) {
		const struct vsubprog *sp = &env->subprogs[k];
		for (u32 i = sp->start; i < sp->end; i++) {
			const struct bpf_insn *in = &env->insns[i];
			env->aux[i].subprog = (u16)k;
			if (bpf_is_ldimm64(in)) {
				if (i + 1 < env->len)
					env->aux[i + 1].subprog = (u16)k;
				i++;
				continue;
			}
			if (!is_jump(in))
				continue;
			s64 t = jump_target(in, i);
			if (t < sp->start || t >= sp->end) {
				vlog(env, "jump out of range from insn %u to %lld\n", i, t);
				return -EINVAL;
			}
		}
		const struct bpf_insn *last = &env->insns[sp->end - 1];
		if (last->code != (BPF_JMP | BPF_EXIT) && last->code != (BPF_JMP | BPF_JA) &&
		    last->code != (BPF_JMP32 | BPF_JA)) {
			vlog(env, "last insn is not an exit or jmp\n");
			return -EINVAL;
		}
	}
	return 0;
}

/* Depth-first walk of the control flow graph: every instruction must be
 * reachable; back edges are loops, for privileged loaders only. */
enum { WHITE = 0, GREY = 1, BLACK = 2 };

static int check_cfg(struct venv *env)
{
	u32 n = env->len;
	u8 *color = bpf_core_zalloc(n);
	u32 *stack = bpf_core_zalloc(((size_t)n + 1) * sizeof(u32) * 2);
	u32 *next = stack + n + 1;              /* per insn: successors done */
	int err = 0;
	u32 sp = 0;

	if (!color || !stack) {
		bpf_core_free(color);
		bpf_core_free(stack);
		return -ENOMEM;
	}
	/* Every subprogram is entered (call or callback): walk from each. */
	for (u32 k = 0; k < env->nsubprogs && !err; k++) {
		u32 root = env->subprogs[k].start;
		env->aux[root].prune = 1;
		if (color[root])
			continue;
		stack[sp++] = root;
		color[root] = GREY;
		while (sp && !err) {
			u32 i = stack[sp - 1];
			const struct bpf_insn *in = &env->insns[i];
			u32 succ[2], ns = 0;
			u8 op = BPF_OP(in->code), cls = BPF_CLASS(in->code);
			if (bpf_is_ldimm64(in)) {
				succ[ns++] = i + 2;
			} else if ((cls == BPF_JMP || cls == BPF_JMP32) && op == BPF_EXIT) {
				/* none */
			} else if ((cls == BPF_JMP || cls == BPF_JMP32) && op == BPF_CALL) {
				succ[ns++] = i + 1;
				if (i + 1 < n)
					env->aux[i + 1].prune = 1;
			} else if (is_jump(in) && op == BPF_JA) {
				succ[ns++] = (u32)jump_target(in, i);
			} else if (is_jump(in)) {
				succ[ns++] = i + 1;
				succ[ns++] = (u32)jump_target(in, i);
				env->aux[i + 1].prune = 1;
			} else {
				succ[ns++] = i + 1;
			}
			if (next[i] >= ns) {
				color[i] = BLACK;
				sp--;
				continue;
			}
			u32 t = succ[next[i]++];
			if (t >= n) {
				vlog(env, "jump out of range from insn %u to %u\n", i, t);
				err = -EINVAL;
				break;
			}
			if (env->aux[t].second) {
				vlog(env, "jump into the middle of ldimm64 insn %u\n", t - 1);
				err = -EINVAL;
				break;
			}
			if (is_jump(in))
				env->aux[t].prune = 1;
			if (color[t] == WHITE) {
				color[t] = GREY;
				stack[sp++] = t;
			} else if (color[t] == GREY && !env->privileged) {
				vlog(env, "back-edge from insn %u to %u\n", i, t);
				err = -EINVAL;
			}
		}
	}
	for (u32 i = 0; i < n && !err; i++) {
		if (color[i] || env->aux[i].second)
			continue;
		vlog(env, "unreachable insn %u\n", i);
		err = -EINVAL;
	}
	bpf_core_free(color);
	bpf_core_free(stack);
	return err;
}

static int check_func_info(struct venv *env)
{
	const struct bpf_verify_args *a = env->a;
	if (!a->func_info)
		return 0;
	if (a->func_info_cnt != env->nsubprogs) {
		vlog(env, "number of funcs in func_info doesn't match number of subprogs\n");
		return -EINVAL;
	}
	for (u32 k = 0; k < a->func_info_cnt; k++) {
		const struct bpf_func_info *fi = &a->func_info[k];
		if (k == 0 && fi->insn_off) {
			vlog(env, "nonzero insn_off %u for the first func info record\n", fi->insn_off);
			return -EINVAL;
		}
		if (k && fi->insn_off <= a->func_info[k - 1].insn_off) {
			vlog(env, "same or smaller insn offset (%u) than previous func info record (%u)",
			     fi->insn_off, a->func_info[k - 1].insn_off);
			return -EINVAL;
		}
		if (fi->insn_off != env->subprogs[k].start) {
			vlog(env, "func_info BTF section doesn't match subprog layout in BPF program\n");
			return -EINVAL;
		}
		const struct btf_type *t = bpf_btf_type(a->btf, fi->type_id);
		if (!t || BTF_INFO_KIND(t->info) != BTF_KIND_FUNC) {
			vlog(env, "invalid type id %d\n", fi->type_id);
			return -EINVAL;
		}
		env->subprogs[k].linkage = (u8)BTF_INFO_VLEN(t->info);
	}
	return 0;
}

/* --- static liveness: registers read before they are written ----------- */

static void use_def(struct venv *env, u32 i, u16 *use, u16 *def)
{
	const struct bpf_insn *in = &env->insns[i];
	u8 cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
	u16 d = (u16)(1u << in->dst_reg), s = (u16)(1u << in->src_reg);
	*use = *def = 0;
	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		*def = d;
		*use = op == BPF_MOV ? 0 : d;
		if (BPF_SRC(in->code) == BPF_X && op != BPF_NEG && op != BPF_END)
			*use |= s;
		break;
	case BPF_LDX:
		*use = s;
		*def = d;
		break;
	case BPF_ST:
		*use = d;
		break;
	case BPF_STX:
		*use = d | s;
		if (BPF_MODE(in->code) == BPF_ATOMIC) {
			if (in->imm == BPF_LOAD_ACQ) {
				*use = s;
				*def = d;
			} else if (in->imm == BPF_CMPXCHG) {
				*use |= 1;
				*def = 1;
			} else if (in->imm & BPF_FETCH) {
				*def = s;
			}
		}
		break;
	case BPF_LD:
		*def = bpf_is_ldimm64(in) ? d : 1;
		*use = bpf_is_ldimm64(in) ? 0 : (u16)(1u << 6 | s);
		break;
	case BPF_JMP:
	case BPF_JMP32:
		if (op == BPF_CALL) {
			u32 nargs = in->src_reg == 0 ? vhelper_nargs(in->imm) : 5;
			*use = (u16)(((1u << nargs) - 1) << 1);
			*def = 0x3f;            /* r0-r5 */
		} else if (op == BPF_EXIT) {
			*use = 1;
		} else if (op != BPF_JA) {
			*use = d | (BPF_SRC(in->code) == BPF_X ? s : 0);
		}
		break;
	}
}

static int compute_liveness(struct venv *env)
{
	bool changed = true;
	for (int pass = 0; changed && pass < 10000; pass++) {
		changed = false;
		for (u32 j = env->len; j-- > 0;) {
			const struct bpf_insn *in = &env->insns[j];
			if (env->aux[j].second)
				continue;
			u8 cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
			u16 out = 0, use, def;
			if (bpf_is_ldimm64(in)) {
				out = j + 2 < env->len ? env->aux[j + 2].live : 0;
			} else if ((cls == BPF_JMP || cls == BPF_JMP32) && op == BPF_EXIT) {
				out = 0;
			} else if (is_jump(in)) {
				s64 t = jump_target(in, j);
				out = t >= 0 && t < env->len ? env->aux[t].live : 0;
				if (op != BPF_JA && j + 1 < env->len)
					out |= env->aux[j + 1].live;
			} else if (j + 1 < env->len) {
				out = env->aux[j + 1].live;
			}
			use_def(env, j, &use, &def);
			u16 live = (u16)((out & ~def) | use | (1u << BPF_REG_10));
			if (live != env->aux[j].live) {
				env->aux[j].live = live;
				changed = true;
			}
		}
	}
	return 0;
}

int vcfg_check(struct venv *env)
{
	int err = check_ldimm64_and_ldx(env);
	if (!err)
		err = find_subprogs(env);
	if (!err)
		err = check_cfg(env);
	if (!err)
		err = check_func_info(env);
	if (!err)
		err = compute_liveness(env);
	return err;
}

/* --- after exploration -------------------------------------------------- */

static u32 frame_bytes(const struct venv *env, u32 k)
{
	u32 d = env->subprogs[k].stack ? env->subprogs[k].stack : 1;
	return (d + 31) & ~31u;         /* Linux's interpreter rounding */
}

/* The deepest sum of frame sizes over the call edges seen while
 * exploring (calls, and callbacks run by helpers), from subprog k. */
static int chain_depth(struct venv *env, u32 k, u32 frames, u32 *worst, u32 *worst_frames)
{
	if (frames > BPF_FRAMES_MAX) {
		vlog(env, "the call stack of %u frames is too deep !\n", frames);
		return -E2BIG;
	}
	u32 best = 0;
	for (u32 e = 0; e < env->nedges; e++) {
		if ((env->edges[e] >> 16) != k)
			continue;
		u32 d, f;
		int err = chain_depth(env, env->edges[e] & 0xffff, frames + 1, &d, &f);
		if (err)
			return err;
		best = d > best ? d : best;
	}
	*worst = frame_bytes(env, k) + best;
	*worst_frames = frames;
	return 0;
}

int vcfg_stack_depth(struct venv *env)
{
	u32 depth, frames;
	int err = chain_depth(env, 0, 1, &depth, &frames);
	if (err)
		return err;
	if (depth > BPF_STACK_MAX) {
		vlog(env, "combined stack size of %u calls is %u. Too large\n", frames, depth);
		return -EACCES;
	}
	env->a->max_stack = depth;
	return 0;
}

void vcfg_rewrite(struct venv *env)
{
	struct bpf_verify_args *a = env->a;
	for (u32 i = 0; i < env->len; i++) {
		struct bpf_insn *in = &env->insns[i];
		if (env->aux[i].second)
			continue;
		if (!env->aux[i].seen) {
			/* dead code (never reached): a jump to itself, as Linux */
			*in = (struct bpf_insn){ .code = BPF_JMP | BPF_JA, .off = -1 };
			if (i + 1 < env->len && env->aux[i + 1].second)
				env->insns[i + 1] = (struct bpf_insn){ .code = BPF_JMP | BPF_JA, .off = -1 };
			continue;
		}
		if (bpf_is_ldimm64(in) && env->aux[i].map) {
			u64 v = (u64)(uintptr_t)env->aux[i].map;
			if (in->src_reg == BPF_PSEUDO_MAP_VALUE || in->src_reg == BPF_PSEUDO_MAP_IDX_VALUE)
				v = (u64)(uintptr_t)env->aux[i].map->values + env->aux[i].map_off;
			in->imm = (s32)(u32)v;
			in[1].imm = (s32)(u32)(v >> 32);
		} else if (bpf_is_pseudo_func(in)) {
			in->imm = (s32)vsubprog_of(env, (u32)((s64)i + in->imm + 1));
		} else if (bpf_is_pseudo_call(in)) {
			in->off = (s16)vsubprog_of(env, (u32)((s64)i + in->imm + 1));
		}
	}
	a->subprogs = bpf_core_zalloc(env->nsubprogs * sizeof(*a->subprogs));
	if (!a->subprogs)
		return;
	a->nr_subprogs = env->nsubprogs;
	for (u32 k = 0; k < env->nsubprogs; k++) {
		a->subprogs[k].start = env->subprogs[k].start;
		a->subprogs[k].stack = frame_bytes(env, k);
	}
}

int vcfg_add_edge(struct venv *env, u32 from, u32 to)
{
	u32 e = from << 16 | to;
	for (u32 i = 0; i < env->nedges; i++)
		if (env->edges[i] == e)
			return 0;
	if (env->nedges == env->cap_edges) {
		u32 cap = env->cap_edges ? env->cap_edges * 2 : 16;
		u32 *n = bpf_core_zalloc(cap * sizeof(u32));
		if (!n)
			return -ENOMEM;
		for (u32 i = 0; i < env->nedges; i++)
			n[i] = env->edges[i];
		bpf_core_free(env->edges);
		env->edges = n;
		env->cap_edges = cap;
	}
	env->edges[env->nedges++] = e;
	return 0;
}
