/* Test hooks of the ring buffer cores. The cores are plain C that host
 * tests compile too; a host test built with -DRB_TEST_HOOKS (perf ring) or
 * -DBPF_RB_TEST_HOOKS (BPF ring) gets a call at every step of a writer's
 * output or a producer's reservation, so it can run a nested writer (an
 * NMI) or hold a thread at exactly that point (kernel/events/tests/
 * test_rb_nest.c, kernel/bpf/tests/test_bpf_order.c). Everywhere else,
 * the kernel included, the hooks compile to nothing. */
#pragma once

struct perf_buffer;
struct bpf_ringbuf;

#ifdef RB_TEST_HOOKS
/* Weak so that every file including this header may define it. */
__attribute__((weak)) void (*rb_test_hook_fn)(struct perf_buffer *rb, int step);
#define rb_test_hook(rb, step)                                 \
	do {                                                   \
		if (__builtin_expect(rb_test_hook_fn != 0, 0)) \
			rb_test_hook_fn((rb), (step));         \
	} while (0)
#else
#define rb_test_hook(rb, step) do { } while (0)
#endif

#ifdef BPF_RB_TEST_HOOKS
__attribute__((weak)) void (*bpf_rb_test_hook_fn)(struct bpf_ringbuf *rb, int step);
#define bpf_rb_test_hook(rb, step)                                 \
	do {                                                       \
		if (__builtin_expect(bpf_rb_test_hook_fn != 0, 0)) \
			bpf_rb_test_hook_fn((rb), (step));         \
	} while (0)
#else
#define bpf_rb_test_hook(rb, step) do { } while (0)
#endif
