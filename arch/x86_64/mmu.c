/* x86_64 4-level page tables behind the generic API in kernel/vm.h.
 *
 * The kernel half (PML4 entries 256..511) is built once by vm_init and its
 * top-level entries never change afterwards, so every user address space
 * simply copies them and kernel mappings made later are visible everywhere.
 * Page tables are reached through the direct map. */
#include <lib/errno.h>
#include <lib/string.h>
#include <arch/x86.h>
#include <kernel/bootinfo.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <kernel/vm.h>
#include <kernel/percpu.h>
#include <arch/x86/cpu.h>
#include <kernel/arch/uaccess.h>

#define PTE_P    (1ull << 0)
#define PTE_W    (1ull << 1)
#define PTE_U    (1ull << 2)
#define PTE_PWT  (1ull << 3)
#define PTE_PCD  (1ull << 4)
#define PTE_PS   (1ull << 7)
#define PTE_G    (1ull << 8)
#define PTE_PROTNONE (1ull << 9)  /* software: frame kept, access denied */
#define PTE_NX   (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

struct aspace kernel_aspace;
static size_t kernel_table_frames;      /* page tables of the kernel half */

size_t vm_kernel_table_frames(void)
{
	return READ_ONCE(kernel_table_frames);
}
static u64 pte_nx;              /* PTE_NX if the CPU supports it */
/* Serialises page-table changes; user address spaces take their own
 * process lock above this one. */
static spinlock_t pt_lock = SPINLOCK_INIT("pagetable");

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __kernel_start[], __kernel_end[];


static inline u64 *table_of(u64 entry) { return phys_to_virt(entry & PTE_ADDR); }
static inline int idx(vaddr_t va, int level) { return (va >> (12 + 9 * level)) & 511; }

static u64 flags_to_pte(unsigned flags)
{
	u64 e = PTE_P;
	if (flags & VM_WRITE)
		e |= PTE_W;
	if (flags & VM_USER)
		e |= PTE_U;
	if (!(flags & VM_EXEC))
		e |= pte_nx;
	if (flags & VM_NOCACHE)
		e |= PTE_PCD | PTE_PWT;
	if (flags & VM_GLOBAL)
		e |= PTE_G;
	return e;
}

static unsigned pte_to_flags(u64 e)
{
	unsigned f = VM_READ;
	if (e & PTE_W)
		f |= VM_WRITE;
	if (e & PTE_U)
		f |= VM_USER;
	if (!(e & PTE_NX))
		f |= VM_EXEC;
	if (e & PTE_PCD)
		f |= VM_NOCACHE;
	if (e & PTE_G)
		f |= VM_GLOBAL;
	return f;
}

/* The level-0 entry for va, creating tables if `create`. NULL if absent,
 * out of memory, or covered by a large page. */
static u64 *walk(paddr_t root, vaddr_t va, bool create)
{
	u64 *table = phys_to_virt(root);
	for (int level = 3; level > 0; level--) {
		u64 *e = &table[idx(va, level)];
		if (!(*e & PTE_P)) {
			if (!create)
				return NULL;
			paddr_t t = frame_alloc();
			if (!t)
				return NULL;
			if (va >= USER_TOP)
				kernel_table_frames++;  /* kept for good */
			/* Leaf entries decide the permissions; tables allow all. */
			*e = t | PTE_P | PTE_W | (va < USER_TOP ? PTE_U : 0);
		} else if (*e & PTE_PS) {
			return NULL;
		}
		table = table_of(*e);
	}
	return &table[idx(va, 0)];
}

vaddr_t vm_next_present(struct aspace *as, vaddr_t va, vaddr_t end)
{
	irqflags_t f = spin_lock_irqsave(&pt_lock);
	while (va < end) {
		u64 *table = phys_to_virt(as->root);
		u64 skip = 0;
		for (int level = 3; level >= 0; level--) {
			u64 e = table[idx(va, level)];
			if (level == 0) {
				if (!(e & (PTE_P | PTE_PROTNONE)))
					skip = PAGE_SIZE;
				break;
			}
			if (!(e & PTE_P)) {
				/* No table below: nothing in this entry's whole span. */
				skip = 1ull << (12 + 9 * level);
				break;
			}
			if (e & PTE_PS)
				break;          /* a large page counts as present */
			table = table_of(e);
		}
		if (!skip)
			break;
		u64 next = (va & ~(skip - 1)) + skip;
		va = next > va ? next : end;
	}
	spin_unlock_irqrestore(&pt_lock, f);
	return va < end ? va : end;
}

int vm_map(struct aspace *as, vaddr_t va, paddr_t pa, unsigned flags)
{
	irqflags_t f = spin_lock_irqsave(&pt_lock);
	u64 *pte = walk(as->root, va, true);
	int rc = 0;
	if (!pte)
		rc = -ENOMEM;
	else if (*pte & (PTE_P | PTE_PROTNONE))
		rc = -EEXIST;
	else
		*pte = (pa & PTE_ADDR) | flags_to_pte(flags);
	spin_unlock_irqrestore(&pt_lock, f);
	return rc;
}

paddr_t vm_unmap_noflush(struct aspace *as, vaddr_t va)
{
	irqflags_t f = spin_lock_irqsave(&pt_lock);
	u64 *pte = walk(as->root, va, false);
	paddr_t pa = 0;
	if (pte && (*pte & (PTE_P | PTE_PROTNONE))) {
		pa = *pte & PTE_ADDR;
		*pte = 0;
	}
	spin_unlock_irqrestore(&pt_lock, f);
	return pa;
}

paddr_t vm_unmap(struct aspace *as, vaddr_t va)
{
	paddr_t pa = vm_unmap_noflush(as, va);
	if (pa)
		tlb_shootdown(as, va, false);
	return pa;
}

int vm_protect(struct aspace *as, vaddr_t va, unsigned flags)
{
	irqflags_t f = spin_lock_irqsave(&pt_lock);
	u64 *pte = walk(as->root, va, false);
	int rc = -ENOENT;
	if (pte && (*pte & (PTE_P | PTE_PROTNONE))) {
		/* flags == 0: no access at all, but the frame stays recorded. */
		*pte = (*pte & PTE_ADDR) | (flags ? flags_to_pte(flags) : PTE_PROTNONE);
		rc = 0;
	}
	spin_unlock_irqrestore(&pt_lock, f);
	if (rc == 0)
		tlb_shootdown(as, va, false);
	return rc;
}

bool vm_lookup(struct aspace *as, vaddr_t va, paddr_t *pa, unsigned *flags)
{
	irqflags_t f = spin_lock_irqsave(&pt_lock);
	u64 *pte = walk(as->root, va, false);
	bool held = pte && (*pte & (PTE_P | PTE_PROTNONE));
	if (held) {
		*pa = *pte & PTE_ADDR;
		*flags = (*pte & PTE_P) ? pte_to_flags(*pte) : 0;
	}
	spin_unlock_irqrestore(&pt_lock, f);
	return held;
}

bool vm_query(struct aspace *as, vaddr_t va, paddr_t *pa, unsigned *flags)
{
	irqflags_t f = spin_lock_irqsave(&pt_lock);
	u64 *pte = walk(as->root, va, false);
	bool mapped = pte && (*pte & PTE_P);
	if (mapped) {
		if (pa)
			*pa = *pte & PTE_ADDR;
		if (flags)
			*flags = pte_to_flags(*pte);
	}
	spin_unlock_irqrestore(&pt_lock, f);
	return mapped;
}

/* Lock-free check used by backtraces (any context, including NMI): walks
 * the live tables, understanding large pages. Kernel tables are never
 * freed, so the walk cannot touch a freed table. */
bool arch_kernel_addr_mapped(u64 va)
{
	if (va < USER_TOP || (va >> 47) != 0x1ffff)
		return false;
	u64 *table = phys_to_virt(read_cr3() & PTE_ADDR);
	for (int level = 3; level >= 0; level--) {
		u64 e = READ_ONCE(table[idx(va, level)]);
		if (!(e & PTE_P))
			return false;
		if (level == 0 || (e & PTE_PS))
			return true;
		table = table_of(e);
	}
	return false;
}

int aspace_create(struct aspace *as)
{
	paddr_t root = frame_alloc();
	if (!root)
		return -ENOMEM;
	memcpy((u64 *)phys_to_virt(root) + 256, (u64 *)phys_to_virt(kernel_aspace.root) + 256,
	       256 * sizeof(u64));
	as->root = root;
	return 0;
}

static void free_tables(u64 *table, int level)
{
	for (int i = 0; i < 512; i++) {
		if (!(table[i] & PTE_P) || (table[i] & PTE_PS))
			continue;
		if (level > 1)
			free_tables(table_of(table[i]), level - 1);
		frame_free(table[i] & PTE_ADDR);
	}
}

void aspace_destroy(struct aspace *as)
{
	u64 *pml4 = phys_to_virt(as->root);
	for (int i = 0; i < 256; i++) {
		if (pml4[i] & PTE_P) {
			free_tables(table_of(pml4[i]), 2);
			frame_free(pml4[i] & PTE_ADDR);
		}
	}
	frame_free(as->root);
	as->root = 0;
}

/* Interrupts off (context switch). The CPU joins as's active set before
 * loading it and leaves its old one after, so a shootdown that reads the
 * set can never miss a CPU that might cache one of its translations. */
static struct aspace *loaded[MAX_CPUS];

void aspace_switch(struct aspace *as)
{
	unsigned int cpu = this_cpu_id();
	struct aspace *old = loaded[cpu];
	if (old == as && (read_cr3() & PTE_ADDR) == as->root)
		return;
	__atomic_fetch_or(&as->active_cpus, 1ull << cpu, __ATOMIC_SEQ_CST);
	write_cr3(as->root);
	if (old && old != as)
		__atomic_fetch_and(&old->active_cpus, ~(1ull << cpu), __ATOMIC_SEQ_CST);
	loaded[cpu] = as;
}

void tlb_flush_page(vaddr_t va)
{
	invlpg(va);
}

void tlb_flush_all(void)
{
	write_cr3(read_cr3());
}

/* Highest physical address worth direct-mapping: all RAM, plus reserved
 * ranges below the 3 GiB PCI hole (ACPI tables live there). */
static paddr_t direct_map_top(void)
{
	paddr_t top = 0;
	for (int i = 0; i < bootinfo.nr_regions; i++) {
		const struct boot_region *r = &bootinfo.regions[i];
		if (r->usable || r->base < 0xc0000000ull)
			top = MAX(top, r->base + r->len);
	}
	return ALIGN_UP(top, 1ull << 21);
}

static void map_kernel_range(char *start, char *end, unsigned flags)
{
	for (u64 va = (u64)start; va < (u64)end; va += PAGE_SIZE)
		if (vm_map(&kernel_aspace, va, virt_to_phys((void *)va), flags | VM_GLOBAL))
			panic("vm_init: cannot map kernel page %#llx", va);
}

void vm_init(void)
{
	pte_nx = cpu_features.nx ? PTE_NX : 0;
	kernel_aspace.root = frame_alloc();
	u64 *pml4 = phys_to_virt(kernel_aspace.root);

	/* Direct map with 4 KiB pages. 2 MiB pages would need fewer tables,
	 * but shadow-paging hypervisors (KVM's PVM flavour on our machines)
	 * then trap every write into a 2 MiB page that also holds a page
	 * table, which made writes ~1000x slower. */
	paddr_t top = direct_map_top();
	for (paddr_t pa = 0; pa < top; pa += 1ull << 21) {
		vaddr_t va = PHYS_MAP_BASE + pa;
		u64 *pdpt_e = &pml4[idx(va, 3)];
		if (!(*pdpt_e & PTE_P))
			*pdpt_e = frame_alloc() | PTE_P | PTE_W;
		u64 *pd_e = &table_of(*pdpt_e)[idx(va, 2)];
		if (!(*pd_e & PTE_P))
			*pd_e = frame_alloc() | PTE_P | PTE_W;
		u64 *pd = table_of(*pd_e);
		paddr_t pt = frame_alloc();
		if (!pt)
			panic("vm_init: no memory for the direct map");
		u64 *pte = phys_to_virt(pt);
		for (int i = 0; i < 512; i++)
			pte[i] = (pa + ((u64)i << 12)) | PTE_P | PTE_W | PTE_G | pte_nx;
		pd[idx(va, 1)] = pt | PTE_P | PTE_W;
	}

	/* The image with real permissions: text RX, rodata R, data RW. */
	map_kernel_range(__kernel_start, __text_end, VM_READ | VM_EXEC);
	map_kernel_range(__rodata_start, __rodata_end, VM_READ);
	map_kernel_range(__data_start, __kernel_end, VM_READ | VM_WRITE);

	/* Fix every kernel-half top-level entry now (see the header). */
	for (int i = 256; i < 512; i++)
		if (!(pml4[i] & PTE_P))
			pml4[i] = frame_alloc() | PTE_P | PTE_W;

	write_cr3(kernel_aspace.root);
	printk("vm: direct map of %llu MiB, kernel image %llu KiB, NX %s\n", top >> 20,
	       (u64)(__kernel_end - __kernel_start) >> 10, pte_nx ? "on" : "off");
}

/* Read user memory of the current address space without ever faulting:
 * translate each page by walking the live page tables and read through
 * the direct map. Safe in NMI context (no locks, no faults); a page being
 * unmapped concurrently may yield stale bytes, never a crash. */
bool arch_user_read_nofault(u64 uaddr, void *dst, size_t n)
{
	u8 *d = dst;
	while (n) {
		u64 *table = phys_to_virt(read_cr3() & PTE_ADDR);
		u64 e = 0;
		for (int level = 3; level >= 0; level--) {
			e = READ_ONCE(table[idx(uaddr, level)]);
			if (!(e & PTE_P) || !(e & PTE_U))
				return false;
			if (level == 0 || (e & PTE_PS))
				break;
			table = table_of(e);
		}
		if (e & PTE_PS)
			return false;   /* user memory is never mapped with large pages */
		size_t off = uaddr & (PAGE_SIZE - 1);
		size_t chunk = MIN(n, PAGE_SIZE - off);
		const u8 *src = (const u8 *)phys_to_virt(e & PTE_ADDR) + off;
		for (size_t i = 0; i < chunk; i++)
			d[i] = src[i];
		d += chunk;
		uaddr += chunk;
		n -= chunk;
	}
	return true;
}

/* The same for the kernel half, under the current page tables: pages of
 * any size, never user pages, never a non-canonical address. */
bool arch_kernel_read_nofault(u64 kaddr, void *dst, size_t n)
{
	u8 *d = dst;
	while (n) {
		if (kaddr < PHYS_MAP_BASE)
			return false;   /* user half or non-canonical */
		u64 *table = phys_to_virt(read_cr3() & PTE_ADDR);
		u64 e = 0;
		int level;
		for (level = 3; level >= 0; level--) {
			e = READ_ONCE(table[idx(kaddr, level)]);
			if (!(e & PTE_P) || (e & PTE_U))
				return false;
			if (level == 0 || (e & PTE_PS))
				break;
			table = table_of(e);
		}
		u64 size = 1ull << (12 + 9 * level);
		u64 frame = (e & PTE_ADDR) & ~(size - 1);     /* a large page's PAT bit goes */
		size_t off = kaddr & (size - 1);
		size_t chunk = MIN(n, size - off);
		const u8 *src = (const u8 *)phys_to_virt(frame) + off;
		for (size_t i = 0; i < chunk; i++)
			d[i] = src[i];
		d += chunk;
		kaddr += chunk;
		n -= chunk;
	}
	return true;
}
