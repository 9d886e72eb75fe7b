/* Static ELF64 loading (elf.c) and exec (exec.c). */
#pragma once
#include <lib/types.h>

struct mm;
struct inode;

#define ELF_MAX_SEGS 8

struct elf_info {
	u64 entry;
	u64 phdr;               /* user address of the program headers */
	int phnum;
	u64 brk;                /* first page after the highest segment */
	char interp[64];        /* PT_INTERP, when elf_load says -ELIBBAD */
	/* The file-backed part of each loadable segment (page-rounded), for
	 * perf's MMAP records and /proc/PID/maps; pgoff in bytes. */
	struct { u64 start, end, pgoff; unsigned prot; } seg[ELF_MAX_SEGS];
	int nseg;
	u8 build_id[20];        /* NT_GNU_BUILD_ID, if the image has one */
	u8 build_id_size;
};

/* Where the image comes from: read(ctx, off, buf, len) returns the bytes
 * read (fewer only at the end) or -errno; size is the file size. */
struct elf_source {
	long (*read)(void *ctx, u64 off, void *buf, size_t len);
	void *ctx;
	u64 size;
};

/* Map and fill the segments into mm: 0, -ENOEXEC (not a static x86-64
 * ELF executable), -EINVAL (impossible segments: overlapping, outside
 * user space or the file, the entry in none of them), -ELIBBAD
 * (dynamically linked: info->interp names the interpreter), -ENOMEM. */
long elf_load(struct mm *mm, const struct elf_source *src, struct elf_info *info);
long elf_setup_stack(struct mm *mm, const char *const *argv, const char *const *envp,
		     const struct elf_info *info, u32 uid, u64 *sp_out);
/* elf_load from a regular file (its data, read under its lock). */
long exec_load_inode(struct mm *mm, struct inode *i, struct elf_info *info);
