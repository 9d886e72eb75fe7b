/* Host build of lib/string.c's fast paths (kernel/arch/inline.h): plain
 * loops, which the host compiler is free to vectorise. */
#pragma once
#include <lib/types.h>

static inline void arch_copy_quads(unsigned char **d, const unsigned char **s, size_t q)
{
	for (size_t i = 0; i < q * 8; i++)
		(*d)[i] = (*s)[i];
	*d += q * 8;
	*s += q * 8;
}

static inline void arch_copy_bytes_backward(unsigned char *d, const unsigned char *s, size_t n)
{
	while (n--)
		*d-- = *s--;
}

static inline void arch_fill_bytes(void *d, int c, size_t n)
{
	unsigned char *p = d;
	while (n--)
		*p++ = (unsigned char)c;
}
