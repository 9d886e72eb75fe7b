/* The verifier log, in Linux's format so that a newcomer's searches for a
 * message find Linux's explanations: instructions as "N: (code) text",
 * register states as "R1=ctx() R10=fp0", source lines from BTF line info
 * as "; text @ file:line", and the error on the last line. */
#include <lib/fmt.h>
#include "btf.h"
#include "vstate.h"

#define HELPER_NAME(name, id, ...) [id] = "bpf_" #name,
static const char *const helper_names[] = { ___BPF_FUNC_MAPPER(HELPER_NAME) };

const char *bpf_helper_name(s32 id)
{
	if (id < 0 || id >= (s32)ARRAY_SIZE(helper_names) || !helper_names[id])
		return "unknown";
	return helper_names[id];
}

/* The log is kept in env->log, so that a path that verified can be cut
 * back out of it (vlog_reset) as Linux does at log level 1, and handed to
 * the caller once at the end. Positions are counted from the start of
 * everything ever written (log_base bytes have been dropped from the
 * front): beyond BPF_VLOG_MAX bytes the oldest half goes, so the end of
 * the log (the error) always survives, and log_full says text was lost. */
#define BPF_VLOG_MAX (4u << 20)

static void log_append(struct venv *env, const char *s, u32 n)
{
	if (env->log_len + n + 1 > BPF_VLOG_MAX) {
		u32 half = env->log_len / 2;
		for (u32 i = half; i < env->log_len; i++)
			env->log[i - half] = env->log[i];
		env->log_len -= half;
		env->log_base += half;
		env->log_full = true;
	}
	if (env->log_len + n + 1 > env->log_cap) {
		u32 cap = env->log_cap ? env->log_cap : 4096;
		while (cap < env->log_len + n + 1)
			cap *= 2;
		char *b = bpf_core_zalloc(cap);
		if (!b) {
			env->log_full = true;
			return;
		}
		for (u32 i = 0; i < env->log_len; i++)
			b[i] = env->log[i];
		bpf_core_free(env->log);
		env->log = b;
		env->log_cap = cap;
	}
	for (u32 i = 0; i < n; i++)
		env->log[env->log_len + i] = s[i];
	env->log_len += n;
	env->log[env->log_len] = 0;
}

u64 vlog_pos(const struct venv *env)
{
	return env->log_base + env->log_len;
}

void vlog(struct venv *env, const char *fmt, ...)
{
	va_list ap;
	if (!env->log_level)
		return;
	va_start(ap, fmt);
	int n = fmt_vsnprintf(env->logbuf, 512, fmt, ap);
	va_end(ap);
	if (n > 511)
		n = 511;
	if (n > 0)
		log_append(env, env->logbuf, (u32)n);
}

void vlog_reset(struct venv *env, u64 pos)
{
	if (pos >= vlog_pos(env))
		return;
	env->log_len = pos > env->log_base ? (u32)(pos - env->log_base) : 0;
	if (env->log)
		env->log[env->log_len] = 0;
}

/* --- instructions ------------------------------------------------------- */

static const char *const alu_ops[16] = {
	"+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=", "neg", "%=", "^=", "=", "s>>=",
	"endian", "?", "?",
};
static const char *const jmp_ops[16] = {
	"jmp", "==", ">", ">=", "&", "!=", "s>", "s>=", "call", "exit", "<", "<=", "s<", "s<=",
	"?", "?",
};
static const char *const size_names[4] = { "u32", "u16", "u8", "u64" };
static const char *const ssize_names[4] = { "s32", "s16", "s8", "s64" };

static const char *atomic_name(s32 op)
{
	switch (op & ~BPF_FETCH) {
	case BPF_ADD: return "add";
	case BPF_AND: return "and";
	case BPF_OR: return "or";
	case BPF_XOR: return "xor";
	}
	return "?";
}

void bpf_insn_print(const struct bpf_insn *in, char *b, size_t n)
{
	u8 code = in->code, cls = BPF_CLASS(code), op = BPF_OP(code);
	int d = in->dst_reg, s = in->src_reg;
	const char *sz = size_names[BPF_SIZE(code) >> 3];
	char r = cls == BPF_ALU || cls == BPF_JMP32 ? 'w' : 'r';
	size_t o = (size_t)fmt_snprintf(b, n, "(%02x) ", code);
	if (o >= n)
		return;
	b += o;
	n -= o;
	if (cls == BPF_ALU || cls == BPF_ALU64) {
		if (op == BPF_END) {
			const char *k = cls == BPF_ALU64 ? "bswap" :
					BPF_SRC(code) == BPF_TO_BE ? "be" : "le";
			fmt_snprintf(b, n, "r%d = %s%d r%d", d, k, in->imm, d);
		} else if (op == BPF_NEG) {
			fmt_snprintf(b, n, "%c%d = -%c%d", r, d, r, d);
		} else if (op == BPF_MOV && BPF_SRC(code) == BPF_X && in->off) {
			fmt_snprintf(b, n, "%c%d = (s%d)%c%d", r, d, in->off, r, s);
		} else if (BPF_SRC(code) == BPF_X) {
			fmt_snprintf(b, n, "%c%d %s%s %c%d", r, d, in->off == 1 ? "s" : "",
				     alu_ops[op >> 4], r, s);
		} else {
			fmt_snprintf(b, n, "%c%d %s%s %d", r, d, in->off == 1 ? "s" : "",
				     alu_ops[op >> 4], in->imm);
		}
	} else if (cls == BPF_LDX) {
		fmt_snprintf(b, n, "r%d = *(%s *)(r%d %+d)", d,
			     BPF_MODE(code) == BPF_MEMSX ? ssize_names[BPF_SIZE(code) >> 3] : sz, s,
			     in->off);
	} else if (cls == BPF_ST) {
		fmt_snprintf(b, n, "*(%s *)(r%d %+d) = %d", sz, d, in->off, in->imm);
	} else if (cls == BPF_STX && BPF_MODE(code) == BPF_MEM) {
		fmt_snprintf(b, n, "*(%s *)(r%d %+d) = r%d", sz, d, in->off, s);
	} else if (cls == BPF_STX) {
		const char *w = BPF_SIZE(code) == BPF_DW ? "64" : "";
		char rr = BPF_SIZE(code) == BPF_DW ? 'r' : 'w';
		if (in->imm == BPF_LOAD_ACQ)
			fmt_snprintf(b, n, "r%d = load_acquire((%s *)(r%d %+d))", d, sz, s, in->off);
		else if (in->imm == BPF_STORE_REL)
			fmt_snprintf(b, n, "store_release((%s *)(r%d %+d), r%d)", sz, d, in->off, s);
		else if (in->imm == BPF_CMPXCHG)
			fmt_snprintf(b, n, "r0 = atomic%s_cmpxchg((%s *)(r%d %+d), r0, %c%d)", w, sz,
				     d, in->off, rr, s);
		else if (in->imm == BPF_XCHG)
			fmt_snprintf(b, n, "%c%d = atomic%s_xchg((%s *)(r%d %+d), %c%d)", rr, s, w,
				     sz, d, in->off, rr, s);
		else if (in->imm & BPF_FETCH)
			fmt_snprintf(b, n, "%c%d = atomic%s_fetch_%s((%s *)(r%d %+d), %c%d)", rr, s,
				     w, atomic_name(in->imm), sz, d, in->off, rr, s);
		else
			fmt_snprintf(b, n, "lock *(%s *)(r%d %+d) %s %c%d", sz, d, in->off,
				     alu_ops[(in->imm & 0xf0) >> 4], rr, s);
	} else if (cls == BPF_LD && bpf_is_ldimm64(in)) {
		u64 v = (u64)(u32)in->imm | ((u64)(u32)in[1].imm << 32);
		switch (in->src_reg) {
		case BPF_PSEUDO_MAP_FD:
		case BPF_PSEUDO_MAP_IDX:
			fmt_snprintf(b, n, "r%d = map[fd:%d]", d, in->imm);
			break;
		case BPF_PSEUDO_MAP_VALUE:
		case BPF_PSEUDO_MAP_IDX_VALUE:
			fmt_snprintf(b, n, "r%d = map[fd:%d][0]+%d", d, in->imm, in[1].imm);
			break;
		case BPF_PSEUDO_FUNC:
			fmt_snprintf(b, n, "r%d = func[pc%+d]", d, in->imm);
			break;
		default:
			fmt_snprintf(b, n, "r%d = 0x%llx", d, v);
		}
	} else if (cls == BPF_LD) {
		fmt_snprintf(b, n, "BUG_ld_%02x", code);
	} else if (cls == BPF_JMP || cls == BPF_JMP32) {
		if (op == BPF_CALL && in->src_reg == BPF_PSEUDO_CALL)
			fmt_snprintf(b, n, "call pc%+d", in->imm);
		else if (op == BPF_CALL && in->src_reg == 0)
			fmt_snprintf(b, n, "call %s#%d", bpf_helper_name(in->imm), in->imm);
		else if (op == BPF_CALL)
			fmt_snprintf(b, n, "call kernel-function");
		else if (op == BPF_EXIT)
			fmt_snprintf(b, n, "exit");
		else if (op == BPF_JA)
			fmt_snprintf(b, n, cls == BPF_JMP32 ? "gotol pc%+d" : "goto pc%+d",
				     cls == BPF_JMP32 ? in->imm : in->off);
		else if (BPF_SRC(code) == BPF_X)
			fmt_snprintf(b, n, "if %c%d %s %c%d goto pc%+d", r, d, jmp_ops[op >> 4], r, s,
				     in->off);
		else
			fmt_snprintf(b, n, "if %c%d %s 0x%x goto pc%+d", r, d, jmp_ops[op >> 4],
				     in->imm, in->off);
	} else {
		fmt_snprintf(b, n, "BUG_%02x", code);
	}
}

void vlog_insn(struct venv *env, u32 idx)
{
	char text[128];
	if (!env->log_level)
		return;
	vlog_source(env, idx);
	bpf_insn_print(&env->insns[idx], text, sizeof(text));
	vlog(env, "%u: %s\n", idx, text);
}

/* "; source line @ file:line" when line info starts a line here. */
void vlog_source(struct venv *env, u32 idx)
{
	const struct bpf_verify_args *a = env->a;
	if (!a->line_info || !a->btf)
		return;
	for (u32 i = 0; i < a->line_info_cnt; i++) {
		const struct bpf_line_info *l = &a->line_info[i];
		if (l->insn_off != idx)
			continue;
		const char *file = bpf_btf_str(a->btf, l->file_name_off);
		const char *base = file;
		for (const char *p = file; *p; p++)
			if (*p == '/')
				base = p + 1;
		vlog(env, "; %s @ %s:%u\n", bpf_btf_str(a->btf, l->line_off), base,
		     BPF_LINE_INFO_LINE_NUM(l->line_col));
		return;
	}
}

/* --- register states ------------------------------------------------------ */

const char *vreg_type_name(const struct vreg *r)
{
	bool null = r->flags & VF_MAYBE_NULL;
	switch (r->type) {
	case V_NOT_INIT: return "?";
	case V_SCALAR: return "scalar";
	case V_CTX: return "ctx";
	case V_MAP_PTR: return "map_ptr";
	case V_MAP_VALUE: return null ? "map_value_or_null" : "map_value";
	case V_STACK: return "fp";
	case V_MEM:
		if (r->flags & VF_RINGBUF)
			return null ? "ringbuf_mem_or_null" : "ringbuf_mem";
		if (r->flags & VF_RDONLY)
			return null ? "rdonly_mem_or_null" : "rdonly_mem";
		return null ? "mem_or_null" : "mem";
	case V_FUNC: return "func";
	case V_DYNPTR: return "dynptr_ptr";
	}
	return "?";
}

static size_t scalar_text(const struct vreg *r, char *b, size_t n)
{
	if (tnum_is_const(r->var_off)) {
		s64 v = (s64)r->var_off.value;
		if (v > -65536 && v < 65536)
			return (size_t)fmt_snprintf(b, n, "%lld", v);
		return (size_t)fmt_snprintf(b, n, "0x%llx", r->var_off.value);
	}
	size_t o = (size_t)fmt_snprintf(b, n, "scalar(");
	const char *sep = "";
#define FIELD(cond, fmtstr, val)                                                       \
	if ((cond) && o < n) {                                                         \
		o += (size_t)fmt_snprintf(b + o, n - o, "%s" fmtstr, sep, val);        \
		sep = ",";                                                             \
	}
	FIELD(r->smin != (s64)(1ull << 63), "smin=%lld", r->smin)
	FIELD(r->smax != (s64)~(1ull << 63), "smax=%lld", r->smax)
	FIELD(r->umin != 0, "umin=%llu", r->umin)
	FIELD(r->umax != ~0ull, "umax=%llu", r->umax)
	FIELD(r->s32_min != INT32_MIN, "smin32=%d", r->s32_min)
	FIELD(r->s32_max != INT32_MAX, "smax32=%d", r->s32_max)
	FIELD(r->u32_min != 0, "umin32=%u", r->u32_min)
	FIELD(r->u32_max != UINT32_MAX, "umax32=%u", r->u32_max)
	if (r->var_off.mask != ~0ull && o < n) {
		o += (size_t)fmt_snprintf(b + o, n - o, "%svar_off=(0x%llx; 0x%llx)", sep,
					  r->var_off.value, r->var_off.mask);
	}
#undef FIELD
	if (o < n)
		o += (size_t)fmt_snprintf(b + o, n - o, ")");
	return o;
}

static void reg_text(const struct vreg *r, char *b, size_t n)
{
	if (r->type == V_SCALAR) {
		scalar_text(r, b, n);
		return;
	}
	if (r->type == V_STACK && tnum_is_const(r->var_off)) {
		fmt_snprintf(b, n, "fp%d", r->off + (s32)r->var_off.value);
		return;
	}
	size_t o = (size_t)fmt_snprintf(b, n, "%s(", vreg_type_name(r));
	const char *sep = "";
	if (r->id && o < n) {
		o += (size_t)fmt_snprintf(b + o, n - o, "id=%u", r->id);
		sep = ",";
	}
	if (r->ref_obj_id && o < n) {
		o += (size_t)fmt_snprintf(b + o, n - o, "%sref_obj_id=%u", sep, r->ref_obj_id);
		sep = ",";
	}
	if (r->map && o < n) {
		o += (size_t)fmt_snprintf(b + o, n - o, "%smap=id:%u,ks=%u,vs=%u", sep, r->map->id,
					  r->map->key_size, r->map->value_size);
		sep = ",";
	}
	if (r->off && o < n) {
		o += (size_t)fmt_snprintf(b + o, n - o, "%soff=%d", sep, r->off);
		sep = ",";
	}
	if (r->type == V_MEM && o < n) {
		o += (size_t)fmt_snprintf(b + o, n - o, "%ssz=%u", sep, r->mem_size);
		sep = ",";
	}
	if (!tnum_is_const(r->var_off) && o < n) {
		o += (size_t)fmt_snprintf(b + o, n - o, "%svar_off=(0x%llx; 0x%llx)", sep,
					  r->var_off.value, r->var_off.mask);
	}
	if (o < n)
		fmt_snprintf(b + o, n - o, ")");
}

void vlog_state(struct venv *env, const struct vstate *st)
{
	char t[160];
	if (!env->log_level)
		return;
	for (u32 f = 0; f <= st->curframe; f++) {
		const struct vframe *fr = st->frames[f];
		if (st->curframe)
			vlog(env, "frame%u:", f);
		for (int i = 0; i < BPF_REG_COUNT; i++) {
			if (fr->regs[i].type == V_NOT_INIT)
				continue;
			reg_text(&fr->regs[i], t, sizeof(t));
			vlog(env, " R%d=%s", i, t);
		}
		for (u32 s = 0; s < fr->nslots; s++) {
			const struct vslot *sl = &fr->slots[s];
			if (sl->type[7] == SLOT_SPILL) {
				reg_text(&sl->spill, t, sizeof(t));
				vlog(env, " fp%d=%s", -8 * (int)(s + 1), t);
				continue;
			}
			char m[9];
			bool any = false;
			for (int i = 0; i < 8; i++) {
				u8 ty = sl->type[7 - i];
				m[i] = ty == SLOT_MISC ? 'm' : ty == SLOT_ZERO ? '0' :
				       ty == SLOT_SPILL ? 'r' : '?';
				any |= ty != SLOT_INVALID;
			}
			m[8] = 0;
			if (any)
				vlog(env, " fp%d=%s", -8 * (int)(s + 1), m);
		}
		if (st->nrefs && f == st->curframe) {
			vlog(env, " refs=");
			for (u32 i = 0; i < st->nrefs; i++)
				vlog(env, "%s%u", i ? "," : "", st->refs[i].id);
		}
	}
	vlog(env, "\n");
}
