/* The BPF verifier's interface: what the kernel's BPF_PROG_LOAD (or a
 * host test) passes in and gets back. The verifier is plain freestanding
 * C (verifier.c and its v*.c parts, vstate.h); everything it needs from outside
 * comes through struct bpf_verify_ops and bpf_core_zalloc/bpf_core_free.
 *
 * It proves, as Linux's does, that every path terminates (loops are
 * explored until they exit, within BPF_INSNS_MAX processed instructions;
 * a state that repeats is an infinite loop), that no register or stack
 * byte is read before it is written, that every memory access stays in
 * its object (context fields by offset and size, map values, ring buffer
 * records from reserve to submit/discard, the 512-byte stack), that
 * helper arguments have the types the helper declares, and that every
 * acquired reference (a reserved record) is released on every path.
 * Errors use Linux's errnos and log lines; see tests/test_bpf_verifier.c. */
#pragma once
#include "vm.h"

struct bpf_btf;

struct bpf_verify_ops {
	/* The map behind a user fd, with a reference the verifier keeps
	 * in used_maps (or drops with map_put); NULL and *err = -errno. */
	struct bpf_vmap *(*map_get)(void *priv, int fd, long *err);
	void (*map_put)(void *priv, struct bpf_vmap *m);
	/* fd_array[idx] for BPF_PSEUDO_MAP_IDX: 0 or -errno. */
	long (*fd_array_get)(void *priv, u32 idx, int *fd);
	/* The verifier's log, once, when it is done (may be NULL). */
	void (*log_write)(void *priv, const char *s, size_t n);
	/* A map value's current bytes (a frozen read-only map, read at load
	 * time as Linux does): 0, or -errno. */
	long (*map_read)(void *priv, struct bpf_vmap *m, u32 off, u32 size, u64 *val);
};

#define BPF_MAX_USED_MAPS 64

struct bpf_verify_args {
	/* in */
	struct bpf_insn *insns;         /* a private copy: rewritten in place */
	u32 len;
	u32 prog_type;
	bool privileged;                /* CAP_BPF+CAP_PERFMON: pointer leaks, uninit stack */
	bool gpl;                       /* GPL-compatible license */
	u32 log_level;                  /* attr.log_level (0: no log) */
	const struct bpf_btf *btf;      /* program BTF (prog_btf_fd), or NULL */
	const struct bpf_func_info *func_info;  /* func_info_cnt records, or NULL */
	u32 func_info_cnt;
	const struct bpf_line_info *line_info;  /* for the log's source lines */
	u32 line_info_cnt;
	const bpf_helper_fn *helpers;   /* helpers the runner has (NULL: all known) */
	const struct bpf_verify_ops *ops;
	void *priv;
	/* out */
	struct bpf_vmap *used_maps[BPF_MAX_USED_MAPS];
	u32 nr_used_maps;
	struct bpf_vm_subprog *subprogs;        /* nr_subprogs, bpf_core_zalloc'ed */
	u32 nr_subprogs;
	u32 insn_processed;             /* Linux's verified_insns */
	u32 max_stack;                  /* deepest call chain's stack bytes */
	bool log_full;                  /* the log outgrew its limit: text lost */
};

/* 0, or -errno with the reason in the log. On success the insns are
 * rewritten for the interpreter (vm.h) and subprogs is set; on failure
 * the caller still drops used_maps and frees subprogs. */
int bpf_verify(struct bpf_verify_args *a);

/* Provided by whoever links the core (kernel/bpf/core_env.c, or a host
 * test): zeroed memory for the verifier's states, and its release. */
void *bpf_core_zalloc(size_t size);
void bpf_core_free(void *p);

/* Helper names as Linux prints them ("bpf_ringbuf_reserve"), or "unknown". */
const char *bpf_helper_name(s32 id);
/* Disassemble one instruction as Linux's verifier log does ("(b7) r0 = 0");
 * map pointers print as given by the loader. */
void bpf_insn_print(const struct bpf_insn *insn, char *buf, size_t size);
