/* x86_64 fast paths for lib/string.c (kernel/include/kernel/arch/inline.h):
 * the string instructions, fast on every x86_64 with ERMSB for long runs. */
#pragma once
#include <lib/types.h>

/* Copy n / 8 quadwords forward; returns the ends of both buffers. */
static inline void arch_copy_quads(unsigned char **d, const unsigned char **s, size_t q)
{
	__asm__ __volatile__("rep movsq" : "+D"(*d), "+S"(*s), "+c"(q) :: "memory");
}

/* Copy n bytes backwards, from the last byte of each buffer (d and s
 * point at it) down: memmove of overlapping areas with d above s. */
static inline void arch_copy_bytes_backward(unsigned char *d, const unsigned char *s, size_t n)
{
	__asm__ __volatile__("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(n) :: "memory");
}

static inline void arch_fill_bytes(void *d, int c, size_t n)
{
	__asm__ __volatile__("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
}
