/* What the freestanding BPF core (verifier.c and its parts, interp.c,
 * btf.c) needs from the kernel: zeroed memory and its release. Host tests
 * supply their own (kernel/bpf/tests/bpf_vhost.c). */
#include <kernel/heap.h>
#include "verifier.h"

void *bpf_core_zalloc(size_t size)
{
	return kzalloc(size ? size : 1);
}

void bpf_core_free(void *p)
{
	if (p)
		kfree(p);
}
