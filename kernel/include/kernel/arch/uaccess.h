/* Architecture contract: user memory access (see README.md here). The
 * generic wrappers (kernel/usermem.h) check ranges first; these copy with
 * fault recovery. */
#pragma once
#include <lib/types.h>

/* Copy n bytes; returns how many were NOT copied (0 on success). */
u64 arch_copy_user(void *dst, const void *src, u64 n);
u64 arch_clear_user(void *dst, u64 n);
/* Read user memory without ever faulting (NMI context: walks the page
 * tables); false if any byte is not mapped readable. */
bool arch_user_read_nofault(u64 uaddr, void *dst, size_t n);
/* Read n bytes of kernel memory at kaddr by walking the page tables
 * (never faults, so NMI- and BPF-safe): false, with dst partly written,
 * if any byte is not mapped for the kernel. */
bool arch_kernel_read_nofault(u64 kaddr, void *dst, size_t n);
