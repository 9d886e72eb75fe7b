/* printf-style formatting, freestanding: used by the kernel's printk and by
 * host tests (which compare it against libc's snprintf).
 * Supports %d %i %u %x %X %o %c %s %p %% with flags '-' '0' '+' ' ' '#',
 * width and precision (also '*'), and length modifiers hh h l ll z t j. */
#pragma once
#include <lib/types.h>
#include <lib/compiler.h>

/* Output sink: called for each chunk of formatted text. */
typedef void (*fmt_sink_fn)(void *ctx, const char *s, size_t n);

/* Format to a sink; returns the number of characters produced. */
size_t fmt_format(fmt_sink_fn sink, void *ctx, const char *fmt, va_list ap);

/* snprintf semantics: always NUL-terminates when size > 0 and returns the
 * length the full output would have had. */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
