/* Page tables: generic flags and the mapping API (implemented in
 * arch/x86_64/mmu.c), plus the kernel virtual-area allocator (kernel/vmap.c).
 * An address space is identified by its arch page-table root. */
#pragma once
#include <lib/types.h>
#include <kernel/pmm.h>

#define VM_READ    (1u << 0)
#define VM_WRITE   (1u << 1)
#define VM_EXEC    (1u << 2)
#define VM_USER    (1u << 3)
#define VM_NOCACHE (1u << 4)    /* device memory (MMIO) */
#define VM_GLOBAL  (1u << 5)

struct aspace {
	paddr_t root;           /* top-level page table */
	u64 active_cpus;        /* CPUs that have it loaded (TLB shootdowns) */
};

extern struct aspace kernel_aspace;

/* Map one 4 KiB page. Returns 0, -ENOMEM (no frame for a table) or -EEXIST. */
int vm_map(struct aspace *as, vaddr_t va, paddr_t pa, unsigned flags);
/* Unmap one page; returns the frame it mapped, or 0 if none. The TLB entry
 * is invalidated on this CPU (and on others once SMP exists). */
paddr_t vm_unmap(struct aspace *as, vaddr_t va);
/* The same without the TLB shootdown: the caller batches one with
 * tlb_shootdown_range() before reusing the frames. */
paddr_t vm_unmap_noflush(struct aspace *as, vaddr_t va);
void tlb_shootdown_range(struct aspace *as, vaddr_t start, size_t pages);
/* Change the permissions of a mapped page; -ENOENT if not mapped. Flags 0
 * make the page inaccessible while keeping its frame (PROT_NONE): it then
 * counts as unmapped for vm_query but vm_unmap still returns the frame. */
int vm_protect(struct aspace *as, vaddr_t va, unsigned flags);
/* Look up a mapping: returns true and fills *pa / *flags if mapped. */
bool vm_query(struct aspace *as, vaddr_t va, paddr_t *pa, unsigned *flags);
/* The same, but PROT_NONE pages (flags 0) count too: is a frame there? */
bool vm_lookup(struct aspace *as, vaddr_t va, paddr_t *pa, unsigned *flags);
/* The first page in [va, end) with a translation (present or PROT_NONE),
 * or end: walks over empty page tables a whole table at a time, so a
 * sparse 64 TiB area costs what its mapped pages cost. */
vaddr_t vm_next_present(struct aspace *as, vaddr_t va, vaddr_t end);

/* User address spaces (kernel half shared). */
int aspace_create(struct aspace *as);
void aspace_destroy(struct aspace *as);   /* frees page tables only */
void aspace_switch(struct aspace *as);

void vm_init(void);                        /* final kernel page tables */
/* Frames used by page tables of the kernel half. They are never freed (a
 * kernel virtual range used once keeps its tables), so leak checks count
 * them as in use by the kernel itself. */
size_t vm_kernel_table_frames(void);
void tlb_flush_page(vaddr_t va);
void tlb_flush_all(void);

/* Kernel virtual areas with guard pages, backed by fresh frames. */
void *vmap_alloc(size_t pages, unsigned flags);
void vmap_free(void *va, size_t pages);
/* Map existing frames contiguously (e.g. a ring buffer mapped twice). */
void *vmap_frames(const paddr_t *frames, size_t count, unsigned flags);
void vunmap_frames(void *va, size_t count);
/* Map device memory (uncached). */
void *vmap_mmio(paddr_t pa, size_t len);
