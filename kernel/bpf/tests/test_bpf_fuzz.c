/* Random instruction streams through the verifier and, when it accepts
 * them, the interpreter built with BPF_VM_CHECKED: every load and store
 * (and every pointer a helper writes through) is checked against the
 * memory the program may touch, so an unsound verifier shows up as a
 * failure here rather than as a kernel fault. The verifier must reject or
 * the program must run safely: no access outside its memory, no safety
 * net (frame or stack overflow, a jump past the end) tripped, no hang
 * (runs are bounded by BPF_VM_STEP_LIMIT, which only long bounded loops
 * reach).
 *
 * Programs are part random bytes (robustness of the decoder and the
 * checks), part generated from encodings that are usually valid (stack
 * and map value accesses, ctx reads, branches, loops, helper calls,
 * ring buffer records) so that many are accepted and run. The seed is
 * printed; BPF_FUZZ_SEED=n and BPF_FUZZ_ITERS=n reproduce a run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lib/errno.h>
#include "../vm.h"
#include "bpf_asm.h"
#include "bpf_vhost.h"
#include "ktest_host.h"

#define CTX_SIZE BPF_MAX_TRACE_SIZE
#define ARENA 8192

static u8 ctx_buf[CTX_SIZE];
static u8 arena[ARENA];
static u32 arena_used;
static bool violation;
static struct bpf_run *cur_run;
static char why[160];

static bool in(u64 a, u32 n, const void *base, size_t size)
{
	u64 b = (u64)(uintptr_t)base;
	return a >= b && a + n <= b + size && a + n >= a;
}

bool bpf_vm_check_access(struct bpf_run *run, u64 addr, u32 size, bool write)
{
	struct bpf_vmap *arr = vhost_map(2), *ro = vhost_map(5);
	if (in(addr, size, run->stack, sizeof(run->stack)) ||
	    in(addr, size, arena, arena_used) ||
	    in(addr, size, arr->values, (size_t)arr->elem_size * arr->max_entries) ||
	    (!write && (in(addr, size, ctx_buf + 8, CTX_SIZE - 8) ||
			in(addr, size, ro->values, ro->value_size))))
		return true;
	if (!violation)
		snprintf(why, sizeof(why), "%s of %u bytes at %#llx", write ? "write" : "read", size,
			 (unsigned long long)addr);
	violation = true;
	return false;
}

/* --- host helpers, each checking the memory it is given ------------------ */

static bool helper_mem(u64 p, u64 size, bool write)
{
	return !size || bpf_vm_check_access(cur_run, p, (u32)size, write);
}

static u64 f_lookup(struct bpf_run *r, u64 map, u64 key, u64 a3, u64 a4, u64 a5)
{
	struct bpf_vmap *m = (struct bpf_vmap *)(uintptr_t)map;
	if (!helper_mem(key, m->key_size, false) || m->type != BPF_MAP_TYPE_ARRAY)
		return 0;
	u32 k;
	memcpy(&k, (void *)(uintptr_t)key, 4);
	return k < m->max_entries ? (u64)(uintptr_t)(m->values + (size_t)k * m->elem_size) : 0;
}

static u64 f_update(struct bpf_run *r, u64 map, u64 key, u64 val, u64 flags, u64 a5)
{
	struct bpf_vmap *m = (struct bpf_vmap *)(uintptr_t)map;
	helper_mem(key, m->key_size, false);
	helper_mem(val, m->value_size, false);
	return 0;
}

static u64 f_fill(struct bpf_run *r, u64 dst, u64 size, u64 a3, u64 a4, u64 a5)
{
	if (helper_mem(dst, size, true))
		memset((void *)(uintptr_t)dst, 'x', size);
	return 0;
}

static u64 f_const(struct bpf_run *r, u64 a1, u64 a2, u64 a3, u64 a4, u64 a5)
{
	return 7;
}

static u64 f_reserve(struct bpf_run *r, u64 map, u64 size, u64 flags, u64 a4, u64 a5)
{
	if (flags || size > 512 || arena_used + size > ARENA)
		return 0;
	u8 *p = arena + arena_used;
	arena_used += (u32)((size + 7) & ~7ull);
	return (u64)(uintptr_t)p;
}

static u64 f_release(struct bpf_run *r, u64 rec, u64 flags, u64 a3, u64 a4, u64 a5)
{
	if (!in(rec, 1, arena, arena_used)) {
		violation = true;
		snprintf(why, sizeof(why), "released a record at %#llx", (unsigned long long)rec);
	}
	return 0;
}

static u64 f_output(struct bpf_run *r, u64 map, u64 data, u64 size, u64 flags, u64 a5)
{
	helper_mem(data, size, false);
	return 0;
}

static u64 f_loop(struct bpf_run *r, u64 n, u64 fn, u64 ctx, u64 flags, u64 a5)
{
	u64 i = 0;
	if (flags || n > BPF_LOOP_MAX)
		return (u64)-EINVAL;
	while (i < n && !r->aborted) {
		u64 stop = bpf_vm_callback(r, (u32)fn, i, ctx, 0, 0, 0);
		i++;
		if (stop)
			break;
	}
	return i;
}

static bpf_helper_fn helpers[__BPF_FUNC_MAX_ID];

static void setup_helpers(void)
{
	helpers[BPF_FUNC_map_lookup_elem] = f_lookup;
	helpers[BPF_FUNC_map_update_elem] = f_update;
	helpers[BPF_FUNC_ktime_get_ns] = f_const;
	helpers[BPF_FUNC_get_smp_processor_id] = f_const;
	helpers[BPF_FUNC_get_current_pid_tgid] = f_const;
	helpers[BPF_FUNC_get_current_comm] = f_fill;
	helpers[BPF_FUNC_probe_read_user] = f_fill;
	helpers[BPF_FUNC_probe_read_user_str] = f_fill;
	helpers[BPF_FUNC_ringbuf_reserve] = f_reserve;
	helpers[BPF_FUNC_ringbuf_submit] = f_release;
	helpers[BPF_FUNC_ringbuf_discard] = f_release;
	helpers[BPF_FUNC_ringbuf_output] = f_output;
	helpers[BPF_FUNC_ringbuf_query] = f_const;
	helpers[BPF_FUNC_loop] = f_loop;
}

/* --- generation -------------------------------------------------------------- */

static u64 rng;

static u32 rnd(u32 n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (u32)(rng % n) : 0;
}

static s32 pick_imm(void)
{
	static const s32 v[] = { 0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, -1, -8, -16,
				 255, 256, 4096, 0x7fffffff, (s32)0x80000000 };
	return rnd(4) ? v[rnd(ARRAY_SIZE(v))] : (s32)rnd(0xffffffffu);
}

static const u8 sizes[4] = { BPF_B, BPF_H, BPF_W, BPF_DW };
static u32 sub_start;           /* where the generated subprogram starts, or 0 */

/* One generated instruction (or two: ld_imm64) at p[i]; the count. */
static u32 gen_one(struct bpf_insn *p, u32 i, u32 max)
{
	u8 d = (u8)rnd(10), s = (u8)rnd(11);
	u32 left = max - i;
	switch (rnd(16)) {
	case 0: case 1: case 2: {      /* ALU, either width, either source */
		u8 op = (u8)(rnd(13) << 4), cls = rnd(2) ? BPF_ALU64 : BPF_ALU;
		if (rnd(2))
			p[i] = I_RAW(cls | op | BPF_X, d, s, (op == BPF_DIV || op == BPF_MOD) ? rnd(2) : 0, 0);
		else
			p[i] = I_RAW(cls | op | BPF_K, d, 0, 0, op >= BPF_LSH && op <= BPF_RSH ? (s32)rnd(64) : pick_imm());
		return 1;
	}
	case 3:                         /* stack store */
		p[i] = rnd(2) ? I_STX(sizes[rnd(4)], 10, s, -8 * (s16)(1 + rnd(8)))
			      : I_ST(sizes[rnd(4)], 10, -8 * (s16)(1 + rnd(8)) + (s16)rnd(8), pick_imm());
		return 1;
	case 4:                         /* stack load */
		p[i] = I_LDX(sizes[rnd(4)], d, 10, -8 * (s16)(1 + rnd(8)));
		return 1;
	case 5:                         /* ctx load (r1 may not be ctx any more) */
		p[i] = I_LDX(sizes[rnd(4)], d, rnd(3) ? 1 : s, (s16)(rnd(40) * 4));
		return 1;
	case 6:                         /* a map value pointer */
		if (left < 2)
			return 0;
		p[i] = I_RAW(BPF_LD | BPF_IMM | BPF_DW, d, BPF_PSEUDO_MAP_VALUE, 0, rnd(2) ? 2 : 5);
		p[i + 1] = I_RAW(0, 0, 0, 0, (s32)rnd(rnd(8) ? 8 : 20));
		return 2;
	case 7:                         /* memory through any register */
		p[i] = rnd(2) ? I_LDX(sizes[rnd(4)], d, s, (s16)(rnd(24) - 4))
			      : I_STX(sizes[rnd(4)], d, s, (s16)(rnd(24) - 4));
		return 1;
	case 8: case 9: {               /* conditional jump, mostly forward */
		u8 op = (u8)(rnd(13) << 4);
		if (op == BPF_JA || op == BPF_CALL || op == BPF_EXIT)
			op = BPF_JGT;
		s16 off = rnd(6) ? (s16)rnd(left < 6 ? left : 6) : -(s16)(1 + rnd(6));
		u8 cls = rnd(3) ? BPF_JMP : BPF_JMP32;
		p[i] = rnd(2) ? I_RAW(cls | op | BPF_K, d, 0, off, pick_imm())
			      : I_RAW(cls | op | BPF_X, d, s, off, 0);
		return 1;
	}
	case 10: {                      /* a helper with plausible arguments */
		static const s32 ids[] = {
			BPF_FUNC_ktime_get_ns, BPF_FUNC_map_lookup_elem, BPF_FUNC_get_current_comm,
			BPF_FUNC_probe_read_user, BPF_FUNC_ringbuf_reserve, BPF_FUNC_ringbuf_submit,
			BPF_FUNC_ringbuf_output, BPF_FUNC_loop, BPF_FUNC_map_update_elem,
		};
		if (left < 6)
			return 0;
		s32 id = ids[rnd(ARRAY_SIZE(ids))];
		u32 n = 0;
		if (id == BPF_FUNC_ringbuf_reserve || id == BPF_FUNC_ringbuf_output ||
		    id == BPF_FUNC_map_lookup_elem || id == BPF_FUNC_map_update_elem) {
			p[i + n++] = I_RAW(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0,
					   id == BPF_FUNC_map_lookup_elem || id == BPF_FUNC_map_update_elem ? 2 : 1);
			p[i + n++] = I_RAW(0, 0, 0, 0, 0);
		} else if (rnd(2)) {
			p[i + n++] = I_MOV64_REG(1, 10);
			p[i + n++] = I_ALU64_IMM(BPF_ADD, 1, -8 * (s32)(1 + rnd(8)));
		}
		if (rnd(2))
			p[i + n++] = I_MOV64_IMM(2, (s32)rnd(20));
		if (id == BPF_FUNC_ringbuf_submit)
			p[i + n++] = I_MOV64_REG(1, rnd(2) ? 0 : s);
		p[i + n++] = I_CALL(id);
		return n;
	}
	case 11:                        /* pointer arithmetic */
		p[i] = I_ALU64_IMM(BPF_ADD, d, (s32)rnd(32) - 16);
		return 1;
	case 12:                        /* null check of r0 */
		p[i] = I_JMP_IMM(rnd(2) ? BPF_JEQ : BPF_JNE, 0, 0, (s16)rnd(4));
		return 1;
	case 13:                        /* a call to the subprogram */
		if (!sub_start)
			return 0;
		p[i] = I_CALL_REL((s32)sub_start - (s32)i - 1);
		return 1;
	default:
		p[i] = I_MOV64_REG(d, s);
		return 1;
	}
}

static u32 gen_prog(struct bpf_insn *p, u32 max)
{
	u32 n = 4 + rnd(max - 16), i = 0;
	if (rnd(6) == 0) {              /* raw garbage */
		for (; i < n; i++)
			memcpy(&p[i], &(u64){ (u64)rnd(0xffffffffu) << 32 | rnd(0xffffffffu) }, 8);
	} else {
		/* registers start out initialised: most accesses then get as far
		 * as the checks worth testing */
		p[i++] = I_MOV64_REG(6, 1);
		for (u8 r = 0; r <= 9; r++)
			if (r != 1 && r != 6)
				p[i++] = I_MOV64_IMM(r, pick_imm());
		/* sometimes a subprogram after the main one: r1-r5 are its
		 * arguments, so it starts by giving the others values */
		u32 sub_len = rnd(3) ? 0 : 8 + rnd(10);
		if (n < sub_len + 8)
			sub_len = 0;
		u32 main_end = i + n - (sub_len ? sub_len + 2 : 0);
		sub_start = sub_len ? main_end + 2 : 0;
		u32 end = i + n;
		while (i < main_end) {
			u32 k = gen_one(p, i, main_end);
			if (!k)
				p[i] = I_MOV64_IMM(0, 0), k = 1;
			i += k;
		}
		if (sub_len) {
			p[i++] = I_MOV64_IMM(0, 0);
			p[i++] = I_EXIT();
			sub_start = i;
			for (u8 r = 0; r <= 9; r++)
				if (r > 5)
					p[i++] = I_MOV64_IMM(r, pick_imm());
			p[i++] = I_MOV64_IMM(0, 1);
			while (i < end) {
				u32 k = gen_one(p, i, end);
				if (!k)
					p[i] = I_MOV64_IMM(0, 0), k = 1;
				i += k;
			}
			sub_start = 0;
		}
	}
	p[i++] = I_MOV64_IMM(0, 0);
	p[i++] = I_EXIT();
	return i;
}

/* --- the run ------------------------------------------------------------------- */

static struct vhost host;

static void test_fuzz(struct ktest *t)
{
	const char *se = getenv("BPF_FUZZ_SEED"), *it = getenv("BPF_FUZZ_ITERS");
	u64 seed = se ? strtoull(se, NULL, 0) : 0;
	u32 iters = it ? (u32)strtoul(it, NULL, 0) : 6000;
	if (!seed) {
		FILE *f = fopen("/dev/urandom", "rb");
		if (!f || fread(&seed, sizeof(seed), 1, f) != 1)
			seed = 0x5eed;
		if (f)
			fclose(f);
		seed |= 1;
	}
	ktest_diag(t, "seed %#llx iters %u (BPF_FUZZ_SEED=%#llx reproduces)",
		   (unsigned long long)seed, iters, (unsigned long long)seed);
	rng = seed;
	setup_helpers();
	host.helpers = helpers;
	for (u32 i = 0; i < CTX_SIZE; i++)
		ctx_buf[i] = (u8)i;
	u32 accepted = 0, ran_long = 0, bad = 0;
	struct bpf_insn prog[96];
	for (u32 k = 0; k < iters && bad < 3; k++) {
		u64 case_rng = rng;
		u32 n = gen_prog(prog, 62);
		struct bpf_verify_args a;
		bool priv = rnd(4) != 0;
		memset(&a, 0, sizeof(a));
		int err = vhost_verify(&host, &a, prog, n, rnd(4) ? BPF_PROG_TYPE_TRACEPOINT
								  : BPF_PROG_TYPE_SOCKET_FILTER,
				       priv, getenv("BPF_FUZZ_LOG") ? 1 : 0);
		if (err && getenv("BPF_FUZZ_LOG")) {
			char *end = strstr(host.log, "processed ");
			if (end && end > host.log) {
				end[-1] = 0;
				char *last = strrchr(host.log, '\n');
				printf("# reject %d: %s\n", err, last ? last + 1 : host.log);
			}
		}
		if (!err) {
			accepted++;
			struct bpf_vm_prog vp = {
				.insns = a.insns, .len = a.len, .nr_subprogs = a.nr_subprogs,
				.subprogs = a.subprogs, .helpers = helpers, .nr_helpers = __BPF_FUNC_MAX_ID,
			};
			struct bpf_run run;
			violation = false;
			arena_used = 0;
			cur_run = &run;
			bpf_vm_run(&vp, &run, ctx_buf, NULL);
			bool long_run = run.steps > BPF_VM_STEP_LIMIT;
			ran_long += long_run;
			if (violation || (run.aborted && !long_run)) {
				bad++;
				ktest_diag(t, "case %u (rng %#llx, %s): %s", k,
					   (unsigned long long)case_rng, priv ? "privileged" : "unprivileged",
					   violation ? why : "a safety net tripped");
				for (u32 j = 0; j < n; j++) {
					char text[128];
					bpf_insn_print(&prog[j], text, sizeof(text));
					ktest_diag(t, "  %u: %s", j, text);
				}
			}
		}
		vhost_release(&a);
	}
	ktest_diag(t, "%u accepted and run, %u stopped by the step limit", accepted, ran_long);
	KT_EXPECT_EQ(t, bad, 0);
	/* the generator must keep producing programs that get through */
	KT_EXPECT_GT(t, accepted, iters / 50);
}

static const struct ktest_case fuzz_cases[] = {
	KTEST_CASE(test_fuzz),
	{},
};
KTEST_HOST_SUITE(fuzz_suite, "bpf_fuzz", fuzz_cases);
KTEST_HOST_MAIN(&fuzz_suite);
