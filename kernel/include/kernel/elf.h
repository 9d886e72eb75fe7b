/* Static ELF64 loading. */
#pragma once
#include <lib/types.h>

struct mm;

struct elf_info {
	u64 entry;
	u64 phdr;               /* user address of the program headers */
	int phnum;
	u64 brk;                /* first page after the highest segment */
};

long elf_load(struct mm *mm, const void *image, size_t size, struct elf_info *info);
long elf_setup_stack(struct mm *mm, const char *const *argv, const char *const *envp,
		     const struct elf_info *info, u64 *sp_out);
