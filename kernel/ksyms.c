/* Symbol lookup in the table scripts/gen_ksyms.py embeds (sorted by
 * address, text symbols only). */
#include <lib/fmt.h>
#include <lib/string.h>
#include <kernel/ksyms.h>

extern const char __text_start[], __text_end[];

const char *ksym_lookup(u64 addr, u64 *offset, u64 *size)
{
	if (ksyms_count == 0 || addr < ksyms_table[0].addr || addr >= (u64)__text_end)
		return NULL;
	u64 lo = 0, hi = ksyms_count;  /* find the last entry with addr <= addr */
	while (hi - lo > 1) {
		u64 mid = (lo + hi) / 2;
		if (ksyms_table[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	u64 end = lo + 1 < ksyms_count ? ksyms_table[lo + 1].addr : (u64)__text_end;
	if (offset)
		*offset = addr - ksyms_table[lo].addr;
	if (size)
		*size = end - ksyms_table[lo].addr;
	return ksyms_table[lo].name;
}

u64 ksym_address(const char *name)
{
	for (u64 i = 0; i < ksyms_count; i++)
		if (strcmp(ksyms_table[i].name, name) == 0)
			return ksyms_table[i].addr;
	return 0;
}

void ksym_format(u64 addr, char *buf, size_t n)
{
	u64 off, size;
	const char *name = ksym_lookup(addr, &off, &size);
	if (name)
		fmt_snprintf(buf, n, "%s+%#llx/%#llx", name, off, size);
	else
		fmt_snprintf(buf, n, "?");
}
