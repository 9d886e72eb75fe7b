/* Test hooks of the perf ring buffer core, host build. Built with
 * -DRB_TEST_HOOKS, every step of output begin/copy/end calls rb_test_hook_fn
 * (when set), which lets tests/host/test_rb_nest.c run a nested writer at
 * exactly that point. Without it (the benchmark, other tests) the hooks are
 * empty, as in the kernel. */
#pragma once

struct perf_buffer;

#ifdef RB_TEST_HOOKS
/* Weak so that every file including this header may define it. */
__attribute__((weak)) void (*rb_test_hook_fn)(struct perf_buffer *rb, int step);

#define rb_test_hook(rb, step)                            \
	do {                                              \
		if (__builtin_expect(rb_test_hook_fn != 0, 0)) \
			rb_test_hook_fn((rb), (step));    \
	} while (0)
#else
#define rb_test_hook(rb, step) do { } while (0)
#endif
