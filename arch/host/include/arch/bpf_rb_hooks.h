/* Test hooks of the BPF ring buffer core, host build. Built with
 * -DBPF_RB_TEST_HOOKS, each step of a reservation calls bpf_rb_test_hook_fn
 * (when set), so tests/host/test_bpf_order.c can run a nested producer (an
 * NMI) or hold a thread at exactly that point. Otherwise empty, as in the
 * kernel. */
#pragma once

struct bpf_ringbuf;

#ifdef BPF_RB_TEST_HOOKS
/* Weak so that every file including this header may define it. */
__attribute__((weak)) void (*bpf_rb_test_hook_fn)(struct bpf_ringbuf *rb, int step);

#define bpf_rb_test_hook(rb, step)                            \
	do {                                                  \
		if (__builtin_expect(bpf_rb_test_hook_fn != 0, 0)) \
			bpf_rb_test_hook_fn((rb), (step));    \
	} while (0)
#else
#define bpf_rb_test_hook(rb, step) do { } while (0)
#endif
