/* Test hooks of the perf ring buffer core: nothing in the kernel. The host
 * build (arch/host/include/arch/rb_hooks.h) can call a test function at each
 * step of output begin/copy/end to inject a nested writer there. */
#pragma once

#define rb_test_hook(rb, step) do { } while (0)
