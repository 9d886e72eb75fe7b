/* What the BPF verifier and interpreter need from their host (see
 * verifier.h), for host tests: calloc-backed allocation, a few maps by
 * fd (1 ring buffer, 2 one-entry array, 3 user ring buffer, 4 hash,
 * 5 read-only frozen array), and the log collected into a buffer. */
#pragma once
#include "../verifier.h"

#define VHOST_LOG_MAX (1u << 20)

struct vhost {
	char log[VHOST_LOG_MAX];
	size_t log_len;
	const bpf_helper_fn *helpers;   /* what the runner has (NULL: all known) */
};

extern const struct bpf_verify_ops vhost_ops;
/* The map behind test fd (1-5), or NULL. */
struct bpf_vmap *vhost_map(int fd);
/* Verify insns (copied) as prog_type; 0 or -errno, *a left for the caller
 * to inspect and release with vhost_release. */
int vhost_verify(struct vhost *h, struct bpf_verify_args *a, const struct bpf_insn *insns,
		 u32 len, u32 prog_type, bool privileged, u32 log_level);
void vhost_release(struct bpf_verify_args *a);
