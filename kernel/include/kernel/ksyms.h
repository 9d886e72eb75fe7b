/* The kernel's own symbol table (text symbols), embedded at link time by
 * scripts/gen_ksyms.py, for backtraces and the sampling demo. */
#pragma once
#include <lib/types.h>

struct ksym {
	u64 addr;
	const char *name;
};

extern const struct ksym ksyms_table[];
extern const u64 ksyms_count;

/* Name of the function containing addr, with *offset and *size; NULL if
 * addr is outside the kernel text. */
const char *ksym_lookup(u64 addr, u64 *offset, u64 *size);
/* Address of a symbol by name, 0 if unknown. */
u64 ksym_address(const char *name);
/* Format "name+0x1c/0x80" or "0x..." into buf. */
void ksym_format(u64 addr, char *buf, size_t size);
