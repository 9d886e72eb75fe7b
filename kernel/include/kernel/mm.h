/* User address spaces: page tables plus a sorted list of areas (VMAs).
 * Anonymous areas are filled on demand, one zeroed page per fault; fork
 * shares their frames copy-on-write (kernel/mm/fork.c). */
#pragma once
#include <lib/types.h>
#include <kernel/mutex.h>
#include <kernel/spinlock.h>
#include <kernel/vm.h>

struct vma;
struct file;
struct trap_frame;

/* Areas backed by something other than anonymous memory (perf buffers,
 * BPF rings) supply these. */
struct vma_ops {
	/* Map the page for addr (called on a fault); 0 or -EFAULT. */
	int (*fault)(struct vma *v, u64 addr, bool write);
	/* The area (or part of it) goes away; its file reference is dropped
	 * right after. Called without mm->lock, interrupts on. */
	void (*close)(struct vma *v);
	/* Page tables permissions of page `index` of the area given the
	 * area's prot (a device may keep some pages read-only). NULL: prot. */
	unsigned (*page_prot)(struct vma *v, u64 index, unsigned prot);
	/* A split (partial munmap/mprotect) made v, a second area sharing
	 * priv: take what close will give back. Called with mm->lock held. */
	void (*open)(struct vma *v);
	/* The area cannot be split (partial munmap/mprotect/mremap): -EINVAL. */
	bool fixed_shape;
	/* Raw frames, like Linux's VM_PFNMAP areas: MADV_DONTNEED is EINVAL
	 * (on other device areas it just unmaps; the next touch faults the
	 * device's page in again). */
	bool pfnmap;
	/* The area's page-table entries hold references on their frames
	 * (file mappings), freed at unmap as anonymous ones are. */
	bool owns_frames;
	/* fork does not copy the area (Linux's VM_DONTCOPY: perf buffers). */
	bool dontcopy;
};

struct vma {
	struct vma *next;
	struct mm *mm;
	u64 start, end;         /* [start, end), page aligned */
	unsigned prot;          /* VM_READ | VM_WRITE | VM_EXEC */
	unsigned maxprot;       /* what mprotect may grant */
	unsigned kind;
	const struct vma_ops *ops;
	void *priv;
	u64 pgoff;              /* device and file areas: page offset of start */
	bool shared;            /* MAP_SHARED: fork shares, never copies */
	/* Device areas: the file mapped. Each area holds a reference (both
	 * halves of a split one too), so the file is released only when its
	 * last mapping goes, as Linux's vm_file. */
	struct file *file;
};

#define VMA_ANON   0
#define VMA_STACK  1
#define VMA_BRK    2
#define VMA_DEVICE 3
#define VMA_FILE   4            /* a regular file (ops from its file system) */

struct mm {
	int refs;               /* processes using it (CLONE_VM, vfork) */
	struct aspace as;
	struct mutex mmap_lock;         /* changes to the area list (mm.c) */
	spinlock_t lock;                /* the area list and page tables, briefly */
	struct vma *vmas;       /* sorted by address */
	u64 brk_start, brk;
	u64 mmap_top;           /* top-down search starts below this */
	/* Where exec put the argument and environment strings
	 * (/proc/PID/cmdline and environ read them from there). */
	u64 arg_start, arg_end, env_start, env_end;
	/* The executable's file-backed segments (exec), to name them in
	 * /proc/PID/maps as Linux does; pgoff in bytes. */
	struct { u64 start, end, pgoff; } image[8];
	int nimage;
	size_t pages;           /* anonymous pages owned */
	u64 pinned_pages;       /* perf buffers past the mlock allowance (RLIMIT_MEMLOCK) */
};

#define USER_STACK_TOP  0x00007ffffff00000ull
#define USER_STACK_SIZE (8ull << 20)
#define USER_MMAP_TOP   0x00007f0000000000ull
#define TASK_SIZE       0x00007ffffffff000ull   /* highest user address + 1 */

struct mm *mm_create(void);
void mm_get(struct mm *mm);
void mm_put(struct mm *mm);             /* the last user destroys it */
/* fork: a copy of old whose private pages are shared copy-on-write.
 * 0, or -ENOMEM (nothing is left behind). */
int mm_dup(struct mm *old, struct mm **out);


/* Create an anonymous (demand-zero) area; MAP_FIXED semantics. */
int mm_map_anon(struct mm *mm, u64 start, u64 len, unsigned prot, unsigned kind);
/* Copy bytes into user memory of mm (not necessarily current): used by
 * the ELF loader before the process runs. */
int mm_write(struct mm *mm, u64 addr, const void *src, size_t len);
/* Read up to len bytes of mm's memory at addr (another process's too)
 * without faulting anything in: the bytes read before the first page
 * that is not present. Takes mm's mmap_lock. */
size_t mm_read(struct mm *mm, u64 addr, void *dst, size_t len);
/* Populate pages (allocate now instead of on fault). */
int mm_populate(struct mm *mm, u64 start, u64 len);

/* Linux-semantics memory syscalls for the current process. */
long mm_mmap(u64 addr, u64 len, u64 prot, u64 flags, int fd, u64 off);
long mm_munmap(u64 addr, u64 len);
long mm_mprotect(u64 addr, u64 len, u64 prot);
long mm_madvise(u64 addr, u64 len, int advice);
long mm_brk(u64 addr);
long mm_mremap(u64 old, u64 old_len, u64 new_len, u64 flags, u64 new_addr);

/* Insert a device area mapping file f (a file's mmap op, called by
 * mm_mmap with mm->mmap_lock held and [addr, addr + len) chosen free or
 * fixed); the area takes its own reference on f. */
long mm_map_device(struct mm *mm, struct file *f, u64 addr, u64 len, unsigned prot,
		   unsigned maxprot, bool fixed, const struct vma_ops *ops, void *priv, u64 pgoff);
/* Map one frame into a device area (from its fault handler or eagerly). */
int mm_insert_page(struct mm *mm, struct vma *v, u64 addr, paddr_t pa);
/* The same from a fault handler, which runs with mm->lock held. */
int mm_insert_page_locked(struct vma *v, u64 addr, paddr_t pa);
/* A file area (a file system's mmap op; mmap_lock held, as for devices). */
long mm_map_file(struct mm *mm, struct file *f, u64 addr, u64 len, unsigned prot,
		 unsigned maxprot, bool fixed, const struct vma_ops *ops, void *priv, u64 pgoff,
		 bool shared);

/* Page fault on a user address: 0 if handled, or the signal to send
 * (SIGSEGV with *code = SEGV_MAPERR / SEGV_ACCERR). */
int mm_handle_fault(struct mm *mm, u64 addr, bool write, bool exec, int *code);
