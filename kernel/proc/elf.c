/* Loading a static ELF64 executable (ET_EXEC, or ET_DYN without an
 * interpreter: static-pie) from a file and building the System V initial
 * stack. The file is untrusted: every header field is checked against its
 * size and the user address range before use, and it is read piece by
 * piece (no copy of the whole file). */
#include <lib/errno.h>
#include <lib/string.h>
#include <arch/mmu.h>
#include <kernel/elf.h>
#include <kernel/heap.h>
#include <kernel/mm.h>
#include <kernel/pmm.h>
#include <kernel/arch/cpu.h>

#define PT_LOAD 1
#define PT_INTERP 3
#define PT_NOTE 4
#define PT_PHDR 6
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define ET_EXEC 2
#define ET_DYN 3
#define EM_X86_64 62
#define PIE_BASE 0x400000ull
#define MAX_PHDRS 64

struct elf64_ehdr {
	u8 ident[16];
	u16 type, machine;
	u32 version;
	u64 entry, phoff, shoff;
	u32 flags;
	u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	u32 type, flags;
	u64 offset, vaddr, paddr, filesz, memsz, align;
};

static unsigned seg_prot(u32 f)
{
	return (f & PF_R ? VM_READ : 0) | (f & PF_W ? VM_WRITE : 0) | (f & PF_X ? VM_EXEC : 0);
}

/* Segments may share a page (text ends and data starts in the same page):
 * each page gets the union of the permissions of the segments in it. */
static int map_segments(struct mm *mm, const struct elf64_phdr *ph, int n, u64 bias)
{
	u64 cuts[2 * MAX_PHDRS];
	int nc = 0;
	for (int i = 0; i < n; i++) {
		if (ph[i].type != PT_LOAD || !ph[i].memsz)
			continue;
		cuts[nc++] = ALIGN_DOWN(ph[i].vaddr + bias, PAGE_SIZE);
		cuts[nc++] = ALIGN_UP(ph[i].vaddr + bias + ph[i].memsz, PAGE_SIZE);
	}
	for (int i = 1; i < nc; i++)            /* insertion sort, nc is tiny */
		for (int j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
			u64 t = cuts[j];
			cuts[j] = cuts[j - 1];
			cuts[j - 1] = t;
		}
	for (int k = 0; k + 1 < nc; k++) {
		u64 lo = cuts[k], hi = cuts[k + 1];
		if (lo == hi)
			continue;
		unsigned prot = 0;
		for (int i = 0; i < n; i++) {
			if (ph[i].type != PT_LOAD || !ph[i].memsz)
				continue;
			u64 s = ALIGN_DOWN(ph[i].vaddr + bias, PAGE_SIZE);
			u64 e = ALIGN_UP(ph[i].vaddr + bias + ph[i].memsz, PAGE_SIZE);
			if (s < hi && lo < e)
				prot |= seg_prot(ph[i].flags);
		}
		if (prot) {
			int rc = mm_map_anon(mm, lo, hi - lo, prot, VMA_ANON);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* Copy [off, off + len) of the file to user address va of mm. */
static int copy_segment(struct mm *mm, const struct elf_source *src, u64 off, u64 va, u64 len)
{
	u8 *buf = kmalloc(PAGE_SIZE);
	if (!buf)
		return -ENOMEM;
	int rc = 0;
	for (u64 done = 0; done < len && !rc;) {
		size_t n = (size_t)MIN(len - done, (u64)PAGE_SIZE);
		long got = src->read(src->ctx, off + done, buf, n);
		if (got != (long)n)
			rc = got < 0 ? (int)got : -ENOEXEC;
		else
			rc = mm_write(mm, va + done, buf, n);
		done += n;
	}
	kfree(buf);
	return rc;
}

/* The GNU build id among the notes at [off, off + len) of the file. */
static void find_build_id(const struct elf_source *src, u64 off, u64 len, struct elf_info *info)
{
	u8 buf[512];
	len = MIN(len, (u64)sizeof(buf));
	if (src->read(src->ctx, off, buf, (size_t)len) != (long)len)
		return;
	for (u64 at = 0; at + 12 <= len;) {
		u32 namesz, descsz, type;
		memcpy(&namesz, buf + at, 4);
		memcpy(&descsz, buf + at + 4, 4);
		memcpy(&type, buf + at + 8, 4);
		u64 name = at + 12, desc = name + ALIGN_UP((u64)namesz, 4);
		u64 next = desc + ALIGN_UP((u64)descsz, 4);
		if (namesz > len || descsz > len || next > len)
			return;
		if (type == 3 && namesz == 4 && !memcmp(buf + name, "GNU", 4) && descsz &&
		    descsz <= sizeof(info->build_id)) {
			memcpy(info->build_id, buf + desc, descsz);
			info->build_id_size = (u8)descsz;
			return;
		}
		at = next;
	}
}

long elf_load(struct mm *mm, const struct elf_source *src, struct elf_info *info)
{
	info->nseg = 0;
	info->build_id_size = 0;
	struct elf64_ehdr ehdr;
	const struct elf64_ehdr *eh = &ehdr;
	u64 size = src->size;
	if (size < sizeof(ehdr) || src->read(src->ctx, 0, &ehdr, sizeof(ehdr)) != sizeof(ehdr))
		return -ENOEXEC;
	if (memcmp(eh->ident, "\x7f" "ELF", 4) || eh->ident[4] != 2 ||
	    eh->ident[5] != 1 || eh->machine != EM_X86_64 ||
	    (eh->type != ET_EXEC && eh->type != ET_DYN))
		return -ENOEXEC;
	if (eh->phentsize != sizeof(struct elf64_phdr) || eh->phnum == 0 ||
	    eh->phnum > MAX_PHDRS || eh->phoff > size ||
	    size - eh->phoff < (u64)eh->phnum * sizeof(struct elf64_phdr))
		return -ENOEXEC;
	struct elf64_phdr ph[MAX_PHDRS];
	if (src->read(src->ctx, eh->phoff, ph, eh->phnum * sizeof(*ph)) !=
	    (long)(eh->phnum * sizeof(*ph)))
		return -ENOEXEC;
	int n = eh->phnum;
	u64 bias = eh->type == ET_DYN ? PIE_BASE : 0;
	u64 top = 0, phdr_addr = 0, prev_end = 0;
	bool any = false, entry_inside = false;
	for (int i = 0; i < n; i++) {
		if (ph[i].type == PT_INTERP) {
			/* Dynamically linked: Ringtail loads no interpreter. */
			info->interp[0] = 0;
			u64 n = MIN(ph[i].filesz, (u64)sizeof(info->interp) - 1);
			if (ph[i].offset <= size && size - ph[i].offset >= n &&
			    src->read(src->ctx, ph[i].offset, info->interp, n) == (long)n)
				info->interp[n] = 0;
			return -ELIBBAD;
		}
		if (ph[i].type == PT_PHDR)
			phdr_addr = ph[i].vaddr + bias;
		if (ph[i].type == PT_NOTE && !info->build_id_size && ph[i].offset <= size &&
		    size - ph[i].offset >= ph[i].filesz)
			find_build_id(src, ph[i].offset, ph[i].filesz, info);
		if (ph[i].type != PT_LOAD)
			continue;
		const struct elf64_phdr *p = &ph[i];
		/* A well-formed header with impossible segments: EINVAL, found
		 * before anything is committed (Linux finds some of these only
		 * after the point of no return, and kills the image). Loadable
		 * segments must ascend without overlapping (bytes; a page may
		 * be shared), inside user space, backed by the file. */
		if (p->filesz > p->memsz || p->offset > size || size - p->offset < p->filesz ||
		    p->vaddr + bias < USER_MIN || p->memsz > TASK_SIZE ||
		    p->vaddr + bias > TASK_SIZE - p->memsz ||
		    (p->vaddr & (PAGE_SIZE - 1)) != (p->offset & (PAGE_SIZE - 1)) ||
		    p->vaddr + bias < prev_end)
			return -EINVAL;
		prev_end = p->vaddr + bias + p->memsz;
		if (info->nseg < ELF_MAX_SEGS && p->filesz) {
			u64 start = ALIGN_DOWN(p->vaddr + bias, PAGE_SIZE);
			info->seg[info->nseg].start = start;
			info->seg[info->nseg].end = ALIGN_UP(p->vaddr + bias + p->filesz, PAGE_SIZE);
			info->seg[info->nseg].pgoff = ALIGN_DOWN(p->offset, PAGE_SIZE);
			info->seg[info->nseg].prot = seg_prot(p->flags);
			info->nseg++;
		}
		if (eh->entry + bias >= p->vaddr + bias && eh->entry + bias < prev_end)
			entry_inside = true;
		top = MAX(top, p->vaddr + bias + p->memsz);
		if (!phdr_addr && eh->phoff >= p->offset && eh->phoff < p->offset + p->filesz)
			phdr_addr = p->vaddr + bias + (eh->phoff - p->offset);
		any = true;
	}
	if (!any)
		return -ENOEXEC;
	if (!entry_inside)
		return -EINVAL;         /* the entry point is in no segment */
	int rc = map_segments(mm, ph, n, bias);
	for (int i = 0; i < n && !rc; i++)
		if (ph[i].type == PT_LOAD && ph[i].filesz)
			rc = copy_segment(mm, src, ph[i].offset, ph[i].vaddr + bias, ph[i].filesz);
	if (rc)
		return rc;
	info->entry = eh->entry + bias;
	info->phdr = phdr_addr;
	info->phnum = n;
	info->brk = ALIGN_UP(top, PAGE_SIZE);
	return 0;
}

#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_EXECFN 31


/* Build the initial stack:
 *   [rsp] argc, argv[0..argc-1], NULL, envp[...], NULL, auxv pairs, AT_NULL
 * with the strings and the 16 AT_RANDOM bytes above it. */
long elf_setup_stack(struct mm *mm, const char *const *argv, const char *const *envp,
		     const struct elf_info *info, u32 uid, u64 *sp_out)
{
	int rc = mm_map_anon(mm, USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_SIZE,
			     VM_READ | VM_WRITE, VMA_STACK);
	if (rc)
		return rc;
	int argc = 0, envc = 0;
	while (argv[argc])
		argc++;
	while (envp[envc])
		envc++;
	u64 sp = USER_STACK_TOP;
	mm->env_end = sp;
	u64 *ptrs = kmalloc((argc + envc + 2) * sizeof(u64));
	if (!ptrs)
		return -ENOMEM;
	/* Strings, highest first. */
	for (int i = envc - 1; i >= 0; i--) {
		size_t n = strlen(envp[i]) + 1;
		sp -= n;
		rc |= mm_write(mm, sp, envp[i], n);
		ptrs[argc + 1 + i] = sp;
	}
	mm->env_start = mm->arg_end = sp;
	for (int i = argc - 1; i >= 0; i--) {
		size_t n = strlen(argv[i]) + 1;
		sp -= n;
		rc |= mm_write(mm, sp, argv[i], n);
		ptrs[i] = sp;
	}
	mm->arg_start = sp;
	u64 execfn = argc ? ptrs[0] : 0;
	sp -= 7;
	u64 platform = sp;
	rc |= mm_write(mm, sp, "x86_64", 7);
	sp = ALIGN_DOWN(sp, 16) - 16;
	u64 random = sp;
	u64 rnd[2] = { arch_random_u64(), arch_random_u64() };
	rc |= mm_write(mm, sp, rnd, 16);

	u64 aux[] = {
		AT_PHDR, info->phdr, AT_PHENT, 56, AT_PHNUM, (u64)info->phnum,
		AT_PAGESZ, PAGE_SIZE, AT_BASE, 0, AT_FLAGS, 0, AT_ENTRY, info->entry,
		AT_UID, uid, AT_EUID, uid, AT_GID, 0, AT_EGID, 0, AT_PLATFORM, platform,
		AT_HWCAP, arch_hwcap(), AT_CLKTCK, 100, AT_SECURE, 0, AT_RANDOM, random,
		AT_EXECFN, execfn, AT_NULL, 0,
	};
	size_t words = 1 + argc + 1 + envc + 1 + ARRAY_SIZE(aux);
	sp -= words * 8;
	sp = ALIGN_DOWN(sp, 16);        /* rsp % 16 == 0 at the entry point */
	u64 at = sp;
	u64 v = (u64)argc;
	rc |= mm_write(mm, at, &v, 8);
	at += 8;
	rc |= mm_write(mm, at, ptrs, argc * 8);
	at += argc * 8;
	v = 0;
	rc |= mm_write(mm, at, &v, 8);
	at += 8;
	rc |= mm_write(mm, at, ptrs + argc + 1, envc * 8);
	at += envc * 8;
	rc |= mm_write(mm, at, &v, 8);
	at += 8;
	rc |= mm_write(mm, at, aux, sizeof(aux));
	kfree(ptrs);
	if (rc)
		return -ENOMEM;
	*sp_out = sp;
	return 0;
}
