/* Access to user memory from the kernel. Every user pointer is checked
 * against the user range (with overflow in mind) and accessed through a
 * copy routine whose faults are fixed up, so a bad pointer is -EFAULT and
 * never a kernel fault. */
#pragma once
#include <lib/types.h>

struct trap_frame;

/* True if [addr, addr+len) lies entirely in the user half. */
bool user_range_ok(u64 addr, u64 len);

/* Return 0 or -EFAULT. */
int copy_from_user(void *dst, u64 usrc, size_t len);
int copy_to_user(u64 udst, const void *src, size_t len);
int clear_user(u64 udst, size_t len);
/* Copy a NUL-terminated string of at most max-1 chars: length, -EFAULT or
 * -ENAMETOOLONG. */
long strncpy_from_user(char *dst, u64 usrc, size_t max);
/* Copies that never sleep or fault in pages (NMI-safe): 0 or -EFAULT. */
int copy_from_user_nofault(void *dst, u64 usrc, size_t len);

/* Called for a kernel-mode page fault on a user address: demand-page it in
 * if the current process has it mapped. True if handled. */
bool user_memory_fault(struct trap_frame *f, u64 addr);
/* Exception raised by user code: kill the process with a report. */
void user_exception(struct trap_frame *f, u64 cr2);
