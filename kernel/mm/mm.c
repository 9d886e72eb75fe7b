/* User address spaces: areas (VMAs), demand paging, and the memory system
 * calls with Linux's semantics and errno (mmap, munmap, mprotect, madvise,
 * brk, mremap).
 *
 * Two locks, as Linux's mmap_lock and page table lock:
 * - mm->mmap_lock (a sleeping mutex) is held by everything that changes
 *   the area list, from choosing an address to inserting the area, across
 *   a file's mmap (which may allocate a whole buffer): two threads mapping
 *   at once can never be handed the same range.
 * - mm->lock (a spinlock taken with interrupts on: it may wait for TLB
 *   shootdowns, see tlb.c) guards the area list and the page tables for
 *   the moment of each change; page faults take only this one.
 * Nothing here touches user memory while holding either, so a page fault
 * taken while copying user data can always take them. Frames of anonymous areas
 * belong to the area and are freed with it; device areas (perf buffers)
 * own no frames, hold a reference on their file, and are told through
 * ops->close when they go. */
#include <lib/errno.h>
#include <lib/string.h>
#include <arch/mmu.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/perf.h>
#include <lib/fmt.h>
#include <kernel/mm.h>
#include <kernel/mutex.h>
#include <kernel/vfs.h>
#include "mm_internal.h"
#include <kernel/panic.h>
#include <kernel/proc.h>
#include <kernel/signal.h>
#include <kernel/syscall.h>
#include <linux/mman.h>

static unsigned prot_to_vm(u64 prot)
{
	return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) |
	       (prot & PROT_EXEC ? VM_EXEC : 0);
}

/* What goes in the page tables: x86 cannot express write-only or
 * exec-only, so any access right implies read. */
unsigned pte_flags(unsigned prot)
{
	return prot ? (prot | VM_READ | VM_USER) : 0;
}

struct mm *mm_create(void)
{
	struct mm *mm = kzalloc(sizeof(*mm));
	if (!mm)
		return NULL;
	if (aspace_create(&mm->as)) {
		kfree(mm);
		return NULL;
	}
	spin_lock_init(&mm->lock, "mm");
	mutex_init(&mm->mmap_lock, "mmap");
	mm->refs = 1;
	mm->mmap_top = USER_MMAP_TOP;
	return mm;
}

static struct vma *find_vma(struct mm *mm, u64 addr)
{
	for (struct vma *v = mm->vmas; v; v = v->next)
		if (addr < v->end)
			return addr >= v->start ? v : NULL;
	return NULL;
}

static bool range_free(struct mm *mm, u64 start, u64 end)
{
	for (struct vma *v = mm->vmas; v; v = v->next)
		if (v->start < end && start < v->end)
			return false;
	return true;
}

void insert_vma(struct mm *mm, struct vma *n)
{
	n->mm = mm;
	struct vma **pp = &mm->vmas;
	while (*pp && (*pp)->start < n->start)
		pp = &(*pp)->next;
	n->next = *pp;
	*pp = n;
}

/* Release the pages of [start, end) inside area v (anonymous: free the
 * frames; device: just unmap). */
static void zap_range(struct mm *mm, struct vma *v, u64 start, u64 end)
{
	paddr_t frames[32];
	int n = 0;
	u64 va = vm_next_present(&mm->as, start, end), batch = va;
	while (va < end) {
		paddr_t pa = vm_unmap_noflush(&mm->as, va);
		if (pa && v->kind != VMA_DEVICE)
			frames[n++] = pa;
		u64 next = vm_next_present(&mm->as, va + PAGE_SIZE, end);
		/* Frames are freed only after no TLB can reach them any more. */
		if (n == ARRAY_SIZE(frames) || next >= end) {
			tlb_shootdown_range(&mm->as, batch, (va + PAGE_SIZE - batch) / PAGE_SIZE);
			for (int i = 0; i < n; i++)
				frame_free(frames[i]);
			mm->pages -= n;
			n = 0;
			batch = next;
		}
		va = next;
	}
}

/* Split v at addr (page aligned, strictly inside); the new upper part is
 * returned. -ENOMEM if no memory for the descriptor. */
static struct vma *split_vma(struct vma *v, u64 addr)
{
	struct vma *hi = kmalloc(sizeof(*hi));
	if (!hi)
		return NULL;
	*hi = *v;
	hi->start = addr;
	if (v->kind == VMA_DEVICE)
		hi->pgoff += (addr - v->start) / PAGE_SIZE;
	if (hi->file)
		file_get(hi->file);     /* each half drops one when it goes */
	if (v->ops && v->ops->open)
		v->ops->open(hi);
	v->end = addr;
	v->next = hi;
	return hi;
}

/* Unmap [start, end) (page aligned). Device areas cannot be partly
 * unmapped (Linux refuses partial munmap of perf buffers): -EINVAL. */
static int unmap_locked(struct mm *mm, u64 start, u64 end, struct vma **closed)
{
	for (struct vma *v = mm->vmas; v; v = v->next)
		if (v->start < end && start < v->end && v->ops && v->ops->fixed_shape &&
		    (start > v->start || end < v->end))
			return -EINVAL;
	struct vma **pp = &mm->vmas;
	while (*pp) {
		struct vma *v = *pp;
		if (v->end <= start || v->start >= end) {
			pp = &v->next;
			continue;
		}
		if (v->start < start) {
			if (!split_vma(v, start))
				return -ENOMEM;
			pp = &v->next;
			continue;
		}
		if (v->end > end && !split_vma(v, end))
			return -ENOMEM;
		zap_range(mm, v, v->start, v->end);
		*pp = v->next;
		v->next = *closed;      /* closed outside the lock */
		*closed = v;
	}
	return 0;
}

static void release_closed(struct vma *list)
{
	while (list) {
		struct vma *next = list->next;
		if (list->ops && list->ops->close)
			list->ops->close(list);
		/* Outside mm->lock: this may be the file's last reference, and
		 * its release (a perf event's) may wait for other CPUs. */
		if (list->file)
			file_put(list->file);
		kfree(list);
		list = next;
	}
}

static void mm_unmap_all(struct mm *mm)
{
	struct vma *closed = NULL;
	mutex_lock(&mm->mmap_lock);
	spin_lock(&mm->lock);
	unmap_locked(mm, 0, TASK_SIZE, &closed);
	spin_unlock(&mm->lock);
	mutex_unlock(&mm->mmap_lock);
	release_closed(closed);
}

void mm_get(struct mm *mm)
{
	__atomic_fetch_add(&mm->refs, 1, __ATOMIC_RELAXED);
}

void mm_put(struct mm *mm)
{
	if (__atomic_sub_fetch(&mm->refs, 1, __ATOMIC_ACQ_REL))
		return;
	mm_unmap_all(mm);
	aspace_destroy(&mm->as);
	kfree(mm);
}

/* Top-down search for a free range of len bytes below mm->mmap_top. */
static u64 find_free(struct mm *mm, u64 len)
{
	u64 top = mm->mmap_top;
	for (;;) {
		if (top < len + USER_MIN)
			return 0;
		u64 start = top - len;
		struct vma *clash = NULL;
		for (struct vma *v = mm->vmas; v; v = v->next)
			if (v->start < top && start < v->end)
				clash = v;      /* the highest overlapping area */
		if (!clash)
			return start;
		top = clash->start;
	}
}

struct vma *new_vma(u64 start, u64 end, unsigned prot, unsigned kind)
{
	struct vma *v = kzalloc(sizeof(*v));
	if (v) {
		v->start = start;
		v->end = end;
		v->prot = prot;
		v->maxprot = VM_READ | VM_WRITE | VM_EXEC;
		v->kind = kind;
	}
	return v;
}

/* An anonymous area at [start, start + len), replacing what is there
 * (MAP_FIXED). mmap_lock held; what it replaced goes on *closed. */
static int map_anon_locked(struct mm *mm, u64 start, u64 len, unsigned prot, unsigned kind,
			   struct vma **closed)
{
	struct vma *v = new_vma(start, start + len, prot, kind);
	if (!v)
		return -ENOMEM;
	spin_lock(&mm->lock);
	int rc = unmap_locked(mm, start, start + len, closed);
	if (rc == 0)
		insert_vma(mm, v);
	spin_unlock(&mm->lock);
	if (rc)
		kfree(v);
	return rc;
}

/* MAP_SHARED|MAP_ANONYMOUS: fork shares the area instead of copying it. */
static void mark_shared(struct mm *mm, u64 start)
{
	spin_lock(&mm->lock);
	struct vma *v = find_vma(mm, start);
	if (v)
		v->shared = true;
	spin_unlock(&mm->lock);
}

int mm_map_anon(struct mm *mm, u64 start, u64 len, unsigned prot, unsigned kind)
{
	struct vma *closed = NULL;
	mutex_lock(&mm->mmap_lock);
	int rc = map_anon_locked(mm, start, len, prot, kind, &closed);
	mutex_unlock(&mm->mmap_lock);
	release_closed(closed);
	return rc;
}

/* Map the page at addr in area v (lock held). */
int fault_in(struct mm *mm, struct vma *v, u64 page, bool write)
{
	if (v->ops && v->ops->fault)
		return v->ops->fault(v, page, write);
	paddr_t pa = frame_alloc();
	if (!pa)
		return -ENOMEM;
	if (vm_map(&mm->as, page, pa, pte_flags(v->prot))) {
		frame_free(pa);
		return -ENOMEM;
	}
	mm->pages++;
	if (current_thread() && current_thread()->proc && current_thread()->proc->mm == mm)
		current_thread()->minflt++;
	return 0;
}

int mm_handle_fault(struct mm *mm, u64 addr, bool write, bool exec, int *code)
{
	u64 page = ALIGN_DOWN(addr, PAGE_SIZE);
	spin_lock(&mm->lock);
	struct vma *v = addr < TASK_SIZE ? find_vma(mm, addr) : NULL;
	int sig = 0;
	paddr_t pa;
	unsigned fl;
	*code = SEGV_MAPERR;
	if (!v) {
		sig = SIGSEGV;
	} else if (write && (v->prot & VM_WRITE) && v->kind != VMA_DEVICE && !v->shared &&
		   vm_query(&mm->as, page, &pa, &fl) && !(fl & VM_WRITE)) {
		/* A page shared copy-on-write since a fork: copy it now. */
		if (cow_break(mm, v, page, pa)) {
			sig = SIGBUS;
			*code = BUS_ADRERR;
		}
	} else if (v->kind == VMA_DEVICE && v->prot && !(exec && !(v->prot & VM_EXEC)) &&
		   !(write && !(v->prot & VM_WRITE))) {
		/* The device decides (a write to a read-only perf data page is
		 * SIGBUS, as on Linux). */
		if (vm_query(&mm->as, page, NULL, NULL) || v->ops->fault(v, addr, write)) {
			sig = SIGBUS;
			*code = BUS_ADRERR;
		}
	} else if ((write && !(v->prot & VM_WRITE)) || (exec && !(v->prot & VM_EXEC)) ||
		   !v->prot || vm_query(&mm->as, page, NULL, NULL)) {
		/* Not allowed by the area, or mapped already (so the page tables
		 * refused this access): a protection fault. */
		*code = SEGV_ACCERR;
		sig = SIGSEGV;
	} else {
		int rc = fault_in(mm, v, page, write);
		if (rc == -EAGAIN) {
			/* The file system's page was busy: the access is retried. */
		} else if (rc == -ENOMEM || (rc && v->kind == VMA_FILE)) {
			/* Out of memory, or past the end of a mapped file. */
			sig = SIGBUS;
			*code = BUS_ADRERR;
		} else if (rc) {
			sig = SIGSEGV;
		}
	}
	spin_unlock(&mm->lock);
	return sig;
}

int mm_populate(struct mm *mm, u64 start, u64 len)
{
	int rc = 0;
	spin_lock(&mm->lock);
	for (u64 va = ALIGN_DOWN(start, PAGE_SIZE); va < start + len && !rc; va += PAGE_SIZE) {
		struct vma *v = find_vma(mm, va);
		if (!v)
			rc = -EFAULT;
		else if (!vm_query(&mm->as, va, NULL, NULL))
			rc = fault_in(mm, v, va, false);
	}
	spin_unlock(&mm->lock);
	return rc;
}

int mm_write(struct mm *mm, u64 addr, const void *src, size_t len)
{
	const u8 *s = src;
	while (len) {
		u64 page = ALIGN_DOWN(addr, PAGE_SIZE);
		size_t n = MIN(len, PAGE_SIZE - (addr - page));
		int rc = mm_populate(mm, page, PAGE_SIZE);
		if (rc)
			return rc;
		paddr_t pa;
		if (!vm_query(&mm->as, page, &pa, NULL))
			return -EFAULT;
		memcpy((u8 *)phys_to_virt(pa) + (addr - page), s, n);
		addr += n;
		s += n;
		len -= n;
	}
	return 0;
}

size_t mm_read(struct mm *mm, u64 addr, void *dst, size_t len)
{
	u8 *d = dst;
	size_t done = 0;
	mutex_lock(&mm->mmap_lock);
	while (done < len && addr < TASK_SIZE) {
		u64 page = ALIGN_DOWN(addr, PAGE_SIZE);
		size_t n = MIN(len - done, PAGE_SIZE - (addr - page));
		paddr_t pa;
		irqflags_t f = spin_lock_irqsave(&mm->lock);
		bool present = vm_query(&mm->as, page, &pa, NULL);
		if (present)
			memcpy(d + done, (u8 *)phys_to_virt(pa) + (addr - page), n);
		spin_unlock_irqrestore(&mm->lock, f);
		if (!present)
			break;
		addr += n;
		done += n;
	}
	mutex_unlock(&mm->mmap_lock);
	return done;
}

/* --- system calls --------------------------------------------------------- */

static struct mm *cur_mm(void)
{
	return current_proc()->mm;
}

/* Where a new mapping of len bytes goes: Linux's rules for the hint. */
static long place_mapping(struct mm *mm, u64 addr, u64 len, u64 flags)
{
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (addr & (PAGE_SIZE - 1))
			return -EINVAL;
		if (len > TASK_SIZE || addr > TASK_SIZE - len || addr < USER_MIN)
			return -ENOMEM;
		if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED) &&
		    !range_free(mm, addr, addr + len))
			return -EEXIST;
		return (long)addr;
	}
	if (len > TASK_SIZE)
		return -ENOMEM;
	addr = ALIGN_DOWN(addr, PAGE_SIZE);
	if (addr >= USER_MIN && addr <= TASK_SIZE - len && range_free(mm, addr, addr + len))
		return (long)addr;
	u64 a = find_free(mm, len);
	return a ? (long)a : -ENOMEM;
}

struct file;

/* perf's MMAP/MMAP2 record for a new mapping, named as Linux names it:
 * the file's path, anon_inode:[...] for a file without one, //anon. */
static void report_mapping(struct mm *mm, u64 addr, u64 len, unsigned prot, u64 flags, u64 off)
{
	if (!READ_ONCE(perf_hooks_enabled))
		return;
	struct perf_mmap_info m = {
		.addr = addr, .len = len, .pgoff = off, .prot = prot,
		.shared = (flags & MAP_TYPE) != MAP_PRIVATE, .name = "//anon",
	};
	/* The file the new area maps (the descriptor may be gone already). */
	struct file *f = NULL;
	mutex_lock(&mm->mmap_lock);
	spin_lock(&mm->lock);
	struct vma *v = find_vma(mm, addr);
	if (v && v->file) {
		f = v->file;
		file_get(f);
	}
	spin_unlock(&mm->lock);
	mutex_unlock(&mm->mmap_lock);
	char anon[48];
	if (f && f->path) {
		m.name = f->path;
	} else if (f) {
		fmt_snprintf(anon, sizeof(anon), "anon_inode:[%s]", f->ops->name);
		m.name = anon;
	}
	if (f && f->inode) {
		m.dev = f->inode->sb->dev;
		m.ino = f->inode->ino;
	}
	if (!f)
		m.pgoff = 0;
	perf_event_mmap(&m);
	if (f)
		file_put(f);
}

long mm_mmap(u64 addr, u64 len, u64 prot, u64 flags, int fd, u64 off)
{
	struct mm *mm = cur_mm();
	u64 type = flags & MAP_TYPE;
	if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE)
		return -EINVAL;
	if (!len || (off & (PAGE_SIZE - 1)))
		return -EINVAL;
	if (len > TASK_SIZE)
		return -ENOMEM;
	len = ALIGN_UP(len, PAGE_SIZE);
	unsigned vprot = prot_to_vm(prot);
	struct vma *closed = NULL;
	/* From choosing the range to inserting the area, under mmap_lock. */
	mutex_lock(&mm->mmap_lock);
	spin_lock(&mm->lock);
	long where = place_mapping(mm, addr, len, flags);
	spin_unlock(&mm->lock);
	if (where >= 0 && !(flags & MAP_ANONYMOUS))
		where = file_mmap(fd, mm, (u64)where, len, vprot, flags,
				  flags & (MAP_FIXED | MAP_FIXED_NOREPLACE), off);
	else if (where >= 0) {
		int rc = map_anon_locked(mm, (u64)where, len, vprot, VMA_ANON, &closed);
		if (rc)
			where = rc;
		else if ((flags & MAP_TYPE) != MAP_PRIVATE)
			mark_shared(mm, (u64)where);
	}
	mutex_unlock(&mm->mmap_lock);
	release_closed(closed);
	if (where >= 0)
		report_mapping(mm, (u64)where, len, vprot, flags, off);
	if (where >= 0 && (flags & MAP_ANONYMOUS) && (flags & MAP_POPULATE))
		mm_populate(mm, (u64)where, len);
	return where;
}

static long map_area(struct mm *mm, struct file *f, u64 addr, u64 len, unsigned prot,
		     unsigned maxprot, bool fixed, const struct vma_ops *ops, void *priv, u64 pgoff,
		     unsigned kind, bool shared)
{
	if (!mutex_held(&mm->mmap_lock))
		panic("mapping a file without mmap_lock");
	struct vma *v = new_vma(addr, addr + len, prot, kind);
	if (!v)
		return -ENOMEM;
	v->maxprot = maxprot;
	v->ops = ops;
	v->priv = priv;
	v->pgoff = pgoff;
	v->shared = shared;
	/* Taken before the area is visible: another thread may unmap it as
	 * soon as the lock is dropped. The caller holds one, so dropping it
	 * again on failure never releases the file. */
	v->file = f;
	file_get(f);
	struct vma *closed = NULL;
	spin_lock(&mm->lock);
	int rc = fixed ? unmap_locked(mm, addr, addr + len, &closed) : 0;
	/* mmap_lock has been held since mm_mmap chose the range. */
	if (rc == 0 && !range_free(mm, addr, addr + len))
		panic("map_area: the chosen range was taken");
	if (rc == 0)
		insert_vma(mm, v);
	spin_unlock(&mm->lock);
	release_closed(closed);
	if (rc) {
		file_put(f);
		kfree(v);
		return rc;
	}
	return (long)addr;
}

long mm_map_device(struct mm *mm, struct file *f, u64 addr, u64 len, unsigned prot,
		   unsigned maxprot, bool fixed, const struct vma_ops *ops, void *priv, u64 pgoff)
{
	return map_area(mm, f, addr, len, prot, maxprot, fixed, ops, priv, pgoff, VMA_DEVICE, true);
}

long mm_map_file(struct mm *mm, struct file *f, u64 addr, u64 len, unsigned prot,
		 unsigned maxprot, bool fixed, const struct vma_ops *ops, void *priv, u64 pgoff,
		 bool shared)
{
	return map_area(mm, f, addr, len, prot, maxprot, fixed, ops, priv, pgoff, VMA_FILE, shared);
}

unsigned page_prot(struct vma *v, u64 addr, unsigned prot)
{
	if (v->ops && v->ops->page_prot)
		prot = v->ops->page_prot(v, (addr - v->start) / PAGE_SIZE + v->pgoff, prot);
	return pte_flags(prot);
}

int mm_insert_page(struct mm *mm, struct vma *v, u64 addr, paddr_t pa)
{
	return vm_map(&mm->as, addr, pa, page_prot(v, addr, v->prot));
}

int mm_insert_page_locked(struct vma *v, u64 addr, paddr_t pa)
{
	int rc = vm_map(&v->mm->as, addr, pa, page_prot(v, addr, v->prot));
	if (!rc)
		v->mm->pages++;
	return rc;
}

long mm_munmap(u64 addr, u64 len)
{
	if ((addr & (PAGE_SIZE - 1)) || !len || len > TASK_SIZE || addr > TASK_SIZE - len)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	struct mm *mm = cur_mm();
	struct vma *closed = NULL;
	mutex_lock(&mm->mmap_lock);
	spin_lock(&mm->lock);
	int rc = unmap_locked(mm, addr, addr + len, &closed);
	spin_unlock(&mm->lock);
	mutex_unlock(&mm->mmap_lock);
	release_closed(closed);
	return rc;
}

/* Is [start, end) completely covered by areas? */
static bool fully_mapped(struct mm *mm, u64 start, u64 end)
{
	u64 at = start;
	for (struct vma *v = mm->vmas; v && at < end; v = v->next) {
		if (v->end <= at)
			continue;
		if (v->start > at)
			return false;
		at = v->end;
	}
	return at >= end;
}

long mm_mprotect(u64 addr, u64 len, u64 prot)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if (prot & ~(u64)(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM | PROT_GROWSDOWN |
			  PROT_GROWSUP))
		return -EINVAL;
	if (!len)
		return 0;
	u64 end = ALIGN_UP(addr + len, PAGE_SIZE);
	if (end <= addr || end > TASK_SIZE)
		return -ENOMEM;
	unsigned vprot = prot_to_vm(prot);
	struct mm *mm = cur_mm();
	mutex_lock(&mm->mmap_lock);
	spin_lock(&mm->lock);
	long rc = 0;
	if (!fully_mapped(mm, addr, end))
		rc = -ENOMEM;
	for (struct vma *v = mm->vmas; v && !rc; v = v->next) {
		if (v->start >= end || addr >= v->end)
			continue;
		if (vprot & ~v->maxprot)
			rc = -EACCES;
		else if (v->ops && v->ops->fixed_shape && (v->start < addr || v->end > end))
			rc = -EINVAL;
	}
	for (struct vma *v = mm->vmas; v && !rc; v = v->next) {
		if (v->end <= addr || v->start >= end)
			continue;
		if (v->start < addr) {
			if (!split_vma(v, addr))
				rc = -ENOMEM;
			continue;       /* the upper half comes next */
		}
		if (v->end > end && !split_vma(v, end)) {
			rc = -ENOMEM;
			break;
		}
		v->prot = vprot;
		/* PROT_NONE keeps the frames but makes them inaccessible even to
		 * the kernel (arch: present bit off, frame remembered). A page
		 * still shared copy-on-write stays read-only. */
		for (u64 va = vm_next_present(&mm->as, v->start, v->end); va < v->end;
		     va = vm_next_present(&mm->as, va + PAGE_SIZE, v->end)) {
			paddr_t pa;
			unsigned fl, want = page_prot(v, va, vprot);
			if (!vm_lookup(&mm->as, va, &pa, &fl))
				continue;
			if (v->kind != VMA_DEVICE && !v->shared && frame_refs(pa) > 1)
				want &= ~VM_WRITE;
			vm_protect(&mm->as, va, want);
		}
	}
	spin_unlock(&mm->lock);
	mutex_unlock(&mm->mmap_lock);
	return rc;
}

static bool advice_known(int a)
{
	switch (a) {
	case 0 ... 4:
	case 8 ... 25:
	case 100 ... 101:
		return true;
	default:
		return false;
	}
}

long mm_madvise(u64 addr, u64 len, int advice)
{
	if ((addr & (PAGE_SIZE - 1)) || !advice_known(advice))
		return -EINVAL;
	if (!len)
		return 0;
	u64 end = ALIGN_UP(addr + len, PAGE_SIZE);
	if (end <= addr)
		return -EINVAL;
	struct mm *mm = cur_mm();
	mutex_lock(&mm->mmap_lock);
	spin_lock(&mm->lock);
	long rc = 0;
	if (advice == MADV_DONTNEED || advice == MADV_FREE) {
		/* In address order, stopping at the first area that refuses,
		 * as Linux walks them: raw-frame areas refuse both, and
		 * MADV_FREE is for anonymous memory only. */
		for (struct vma *v = mm->vmas; v && !rc; v = v->next) {
			if (v->end <= addr || v->start >= end)
				continue;
			if (v->kind == VMA_DEVICE &&
			    (advice == MADV_FREE || (v->ops && v->ops->pfnmap)))
				rc = -EINVAL;
			else    /* the next touch faults in a fresh zeroed page
				 * (a device area's own page again) */
				zap_range(mm, v, MAX(v->start, addr), MIN(v->end, end));
		}
	}
	/* A hole is reported only if no area refused (Linux: -ENOMEM after
	 * advising every area there is). */
	if (!rc && !fully_mapped(mm, addr, end))
		rc = -ENOMEM;
	spin_unlock(&mm->lock);
	mutex_unlock(&mm->mmap_lock);
	return rc;
}

long mm_brk(u64 addr)
{
	struct mm *mm = cur_mm();
	struct vma *closed = NULL;
	mutex_lock(&mm->mmap_lock);
	u64 old = mm->brk;
	long rc = (long)addr;
	u64 old_end = ALIGN_UP(old, PAGE_SIZE), new_end = ALIGN_UP(addr, PAGE_SIZE);
	if (addr < mm->brk_start || addr > TASK_SIZE) {
		rc = (long)old;
	} else if (new_end > old_end) {
		spin_lock(&mm->lock);
		bool free = range_free(mm, old_end, new_end);
		spin_unlock(&mm->lock);
		if (!free || map_anon_locked(mm, old_end, new_end - old_end, VM_READ | VM_WRITE,
					     VMA_BRK, &closed))
			rc = (long)old;
	} else if (new_end < old_end) {
		spin_lock(&mm->lock);
		unmap_locked(mm, new_end, old_end, &closed);
		spin_unlock(&mm->lock);
	}
	bool grew = rc == (long)addr && new_end > old_end;
	if (rc == (long)addr)
		mm->brk = addr;
	mutex_unlock(&mm->mmap_lock);
	release_closed(closed);
	if (grew && READ_ONCE(perf_hooks_enabled)) {
		/* Linux's do_brk_flags reports the heap area as it now is. */
		u64 start = ALIGN_DOWN(mm->brk_start, PAGE_SIZE);
		struct perf_mmap_info m = { .addr = start, .len = new_end - start,
					    .prot = VM_READ | VM_WRITE, .name = "[heap]" };
		perf_event_mmap(&m);
	}
	return rc;
}

/* Map frame pa at va with pte flags fl, which may be 0 (PROT_NONE: the
 * frame stays recorded but inaccessible, as mprotect leaves it). */
static int map_frame(struct mm *mm, u64 va, paddr_t pa, unsigned fl)
{
	int rc = vm_map(&mm->as, va, pa, fl ? fl : pte_flags(VM_READ));
	if (!rc && !fl)
		vm_protect(&mm->as, va, 0);
	return rc;
}

/* Move the pages of area v to dst (v itself is not touched). All or
 * nothing: if a page table for dst cannot be allocated, every page goes
 * back where it was, which cannot fail (its page tables still exist). */
static int move_pages(struct mm *mm, struct vma *v, u64 dst)
{
	u64 len = v->end - v->start, off = 0;
	int rc = 0;
	while (off < len) {
		u64 from = vm_next_present(&mm->as, v->start + off, v->end);
		if (from >= v->end)
			break;
		off = from - v->start;
		unsigned fl = page_prot(v, from, v->prot);
		paddr_t pa = vm_unmap_noflush(&mm->as, from);
		if (pa && map_frame(mm, dst + off, pa, fl)) {
			map_frame(mm, from, pa, fl);
			rc = -ENOMEM;
			break;
		}
		off += PAGE_SIZE;
	}
	if (rc) {
		/* [0, off) had moved: put it back. */
		for (u64 back = vm_next_present(&mm->as, dst, dst + off) - dst; back < off;
		     back = vm_next_present(&mm->as, dst + back + PAGE_SIZE, dst + off) - dst) {
			u64 from = v->start + back;
			paddr_t pa = vm_unmap_noflush(&mm->as, dst + back);
			if (pa)
				map_frame(mm, from, pa, page_prot(v, from, v->prot));
		}
		if (off)
			tlb_shootdown_range(&mm->as, dst, off / PAGE_SIZE);
	}
	/* Old translations must not outlive the move (the frames live on). */
	tlb_shootdown_range(&mm->as, v->start, len / PAGE_SIZE);
	return rc;
}

/* Move [old, old + old_len) of area v to dst as an area of new_len bytes
 * (anonymous areas only grow: the rest is demand-zero). dst is free. */
static long move_locked(struct mm *mm, struct vma *v, u64 old, u64 old_len, u64 dst,
			u64 new_len)
{
	/* Linux asks the device (may_split) before moving part of its area. */
	if (v->ops && v->ops->fixed_shape && (old != v->start || old + old_len != v->end))
		return -EINVAL;
	if (old > v->start) {
		v = split_vma(v, old);
		if (!v)
			return -ENOMEM;
	}
	if (old + old_len < v->end && !split_vma(v, old + old_len))
		return -ENOMEM;
	int rc = move_pages(mm, v, dst);
	if (rc)
		return rc;
	struct vma **pp = &mm->vmas;
	while (*pp != v)
		pp = &(*pp)->next;
	*pp = v->next;
	/* The same area, so a device's file reference and state move with it
	 * (a device's page indexes stay: pgoff is unchanged). */
	v->start = dst;
	v->end = dst + new_len;
	insert_vma(mm, v);
	return (long)dst;
}

/* Linux's resize_is_valid: may [addr, addr + old_len) of v become new_len
 * bytes? */
static long resize_check(struct vma *v, u64 addr, u64 old_len, u64 new_len)
{
	if (!old_len && v->kind != VMA_DEVICE)
		return -EINVAL;         /* "duplicating" a private mapping */
	if (old_len > v->end - addr)
		return -EFAULT;         /* across areas */
	if (new_len > old_len && v->kind == VMA_DEVICE)
		return -EFAULT;         /* VM_DONTEXPAND: device areas never grow */
	return 0;
}

long mm_mremap(u64 old, u64 old_len, u64 new_len, u64 flags, u64 new_addr)
{
	/* Linux's check_mremap_params, in its order. */
	if (flags & ~(u64)(MREMAP_MAYMOVE | MREMAP_FIXED))
		return -EINVAL;
	if (old & (PAGE_SIZE - 1))
		return -EINVAL;
	old_len = ALIGN_UP(old_len, PAGE_SIZE);
	new_len = ALIGN_UP(new_len, PAGE_SIZE);
	if (!new_len || new_len > TASK_SIZE || old_len > TASK_SIZE || old > TASK_SIZE - old_len)
		return -EINVAL;
	bool fixed = flags & MREMAP_FIXED;
	if (fixed) {
		if (new_addr > TASK_SIZE - new_len || (new_addr & (PAGE_SIZE - 1)) ||
		    !(flags & MREMAP_MAYMOVE))
			return -EINVAL;
		if (old < new_addr + new_len && new_addr < old + old_len)
			return -EINVAL; /* source and target overlap */
		if (new_addr < USER_MIN)
			return -EPERM;  /* Linux without CAP_SYS_RAWIO: below mmap_min_addr */
	}
	struct mm *mm = cur_mm();
	struct vma *closed = NULL;
	mutex_lock(&mm->mmap_lock);
	spin_lock(&mm->lock);
	struct vma *v = find_vma(mm, old);
	long rc;
	if (!v) {
		rc = -EFAULT;
	} else if (fixed) {
		/* Linux's mremap_to: clear the target, shrink in place, then
		 * move what is left (all after the unmapping, as Linux). */
		rc = unmap_locked(mm, new_addr, new_addr + new_len, &closed);
		if (!rc && new_len < old_len) {
			rc = unmap_locked(mm, old + new_len, old + old_len, &closed);
			old_len = new_len;
		}
		if (!rc)
			v = find_vma(mm, old);  /* unmapping may have split it */
		if (!rc && !v)
			rc = -EFAULT;
		if (!rc)
			rc = resize_check(v, old, old_len, new_len);
		if (!rc)
			rc = move_locked(mm, v, old, old_len, new_addr, new_len);
	} else if (new_len == old_len) {
		rc = (long)old;
	} else if (new_len < old_len) {
		/* Shrinking is unmapping the tail (which an area that cannot
		 * be split refuses). */
		rc = unmap_locked(mm, old + new_len, old + old_len, &closed);
		if (!rc)
			rc = (long)old;
	} else if ((rc = resize_check(v, old, old_len, new_len))) {
		/* rc says why not */
	} else if (old + old_len == v->end &&
		   range_free(mm, v->end, old + new_len) && old + new_len <= TASK_SIZE) {
		v->end = old + new_len;         /* grow in place */
		rc = (long)old;
	} else if (!(flags & MREMAP_MAYMOVE)) {
		rc = -ENOMEM;
	} else {
		u64 dst = find_free(mm, new_len);
		rc = dst ? move_locked(mm, v, old, old_len, dst, new_len) : -ENOMEM;
	}
	spin_unlock(&mm->lock);
	mutex_unlock(&mm->mmap_lock);
	release_closed(closed);
	return rc;
}

SYSCALL_DEFINE(mmap) { return mm_mmap(a0, a1, a2, a3, (int)a4, a5); }
SYSCALL_DEFINE(munmap) { return mm_munmap(a0, a1); }
SYSCALL_DEFINE(mprotect) { return mm_mprotect(a0, a1, a2); }
SYSCALL_DEFINE(madvise) { return mm_madvise(a0, a1, (int)a2); }
SYSCALL_DEFINE(brk) { return mm_brk(a0); }
SYSCALL_DEFINE(mremap) { return mm_mremap(a0, a1, a2, a3, a4); }
