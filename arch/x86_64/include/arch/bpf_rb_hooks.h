/* Test hooks of the BPF ring buffer core: nothing in the kernel. The host
 * build (arch/host/include/arch/bpf_rb_hooks.h) can call a test function at
 * each step of a reservation to run a nested or racing producer there. */
#pragma once

#define bpf_rb_test_hook(rb, step) do { } while (0)
