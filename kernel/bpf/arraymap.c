/* BPF_MAP_TYPE_ARRAY: max_entries values of value_size bytes (each slot
 * rounded up to 8), zeroed at creation, never deleted. libbpf keeps a
 * program's .bss/.data/.rodata in one-entry arrays that it mmaps
 * (BPF_F_MMAPABLE) and freezes (.rodata), so the values live in whole
 * frames mapped into the kernel once (m->vm.values, which programs
 * address directly) and into user space on demand. Linux's rules: key 4
 * bytes; an mmap only with BPF_F_MMAPABLE and within the values; a frozen
 * map refuses user writes (EPERM) and writable shared mappings; a map
 * with a writable mapping cannot be frozen (EBUSY). */
#include <lib/errno.h>
#include <lib/string.h>
#include <kernel/heap.h>
#include <kernel/mm.h>
#include <kernel/pmm.h>
#include <kernel/proc.h>
#include <kernel/usermem.h>
#include <kernel/vm.h>
#include <linux/mman.h>
#include "bpf.h"

#define ARRAY_MAX_BYTES (64u << 20)

long bpf_array_check(const union bpf_attr *attr)
{
	u32 ok = BPF_F_NUMA_NODE | BPF_F_MMAPABLE | BPF_F_RDONLY | BPF_F_WRONLY |
		 BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG;
	if (attr->key_size != 4 || !attr->value_size || !attr->max_entries ||
	    (attr->map_flags & ~ok) || attr->map_extra)
		return -EINVAL;
	if ((attr->map_flags & BPF_F_NUMA_NODE) && attr->numa_node)
		return -EINVAL;
	u64 elem = ((u64)attr->value_size + 7) & ~7ull;
	if (attr->value_size > (1u << 20) || elem * attr->max_entries > ARRAY_MAX_BYTES)
		return -E2BIG;
	return 0;
}

long bpf_array_alloc(struct bpf_map *m)
{
	u32 elem = (m->value_size + 7) & ~7u;
	size_t bytes = (size_t)elem * m->max_entries;
	m->nr_area_pages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	m->frames = kzalloc(m->nr_area_pages * sizeof(paddr_t));
	if (!m->frames)
		return -ENOMEM;
	for (size_t i = 0; i < m->nr_area_pages; i++)
		if (!(m->frames[i] = frame_alloc()))
			return -ENOMEM;
	u8 *values = vmap_frames(m->frames, m->nr_area_pages, VM_READ | VM_WRITE);
	if (!values)
		return -ENOMEM;
	m->vm.elem_size = elem;
	m->vm.values = values;          /* frames come zeroed */
	return 0;
}

void bpf_array_free(struct bpf_map *m)
{
	if (m->vm.values)
		vunmap_frames(m->vm.values, m->nr_area_pages);
	for (size_t i = 0; m->frames && i < m->nr_area_pages; i++)
		if (m->frames[i])
			frame_free(m->frames[i]);
	kfree(m->frames);
}

static long key_index(struct bpf_map *m, u64 ukey, u32 *idx)
{
	return copy_from_user(idx, ukey, sizeof(*idx)) ? -EFAULT : 0;
}

long bpf_array_lookup(struct bpf_map *m, u64 ukey, u64 uvalue)
{
	u32 idx;
	long rc = key_index(m, ukey, &idx);
	if (rc)
		return rc;
	if (idx >= m->max_entries)
		return -ENOENT;
	return copy_to_user(uvalue, m->vm.values + (size_t)idx * m->vm.elem_size,
			    m->value_size) ? -EFAULT : 0;
}

long bpf_array_update(struct bpf_map *m, u64 ukey, u64 uvalue, u64 flags)
{
	u32 idx;
	if ((flags & ~(u64)4) > BPF_EXIST)
		return -EINVAL;
	if (flags & 4)
		return -EINVAL;         /* BPF_F_LOCK: no spin lock in these values */
	if (__atomic_load_n(&m->vm.frozen, __ATOMIC_ACQUIRE))
		return -EPERM;
	long rc = key_index(m, ukey, &idx);
	if (rc)
		return rc;
	if (idx >= m->max_entries)
		return -E2BIG;
	if (flags == BPF_NOEXIST)
		return -EEXIST;         /* every element of an array exists */
	/* Into a bounce buffer first: a fault leaves the value as it was. */
	u8 *tmp = kmalloc(m->value_size);
	if (!tmp)
		return -ENOMEM;
	rc = copy_from_user(tmp, uvalue, m->value_size) ? -EFAULT : 0;
	if (!rc)
		memcpy(m->vm.values + (size_t)idx * m->vm.elem_size, tmp, m->value_size);
	kfree(tmp);
	return rc;
}

/* BPF_MAP_GET_NEXT_KEY: index + 1; 0 for no key or one out of range. */
long bpf_array_next_key(struct bpf_map *m, u64 ukey, u64 unext)
{
	u32 idx = UINT32_MAX, next;
	if (ukey && copy_from_user(&idx, ukey, sizeof(idx)))
		return -EFAULT;
	if (idx >= m->max_entries)
		next = 0;
	else if (idx == m->max_entries - 1)
		return -ENOENT;
	else
		next = idx + 1;
	return copy_to_user(unext, &next, sizeof(next)) ? -EFAULT : 0;
}

/* BPF_MAP_FREEZE: user space can no longer change the map. */
long bpf_map_freeze(struct bpf_map *m)
{
	irqflags_t fl = spin_lock_irqsave(&m->freeze_lock);
	long rc = 0;
	if (m->vm.frozen)
		rc = -EPERM;            /* Linux: a frozen map is no longer writable */
	else if (m->writable_maps)
		rc = -EBUSY;
	else
		__atomic_store_n(&m->vm.frozen, true, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&m->freeze_lock, fl);
	return rc;
}

/* --- mmap of the values ------------------------------------------------------ */

static int array_vma_fault(struct vma *v, u64 addr, bool write)
{
	struct bpf_map *m = v->priv;
	u64 page = (addr - v->start) / PAGE_SIZE + v->pgoff;
	if (page >= m->nr_area_pages)
		return -EFAULT;
	return mm_insert_page(current_proc()->mm, v, ALIGN_DOWN(addr, PAGE_SIZE),
			      m->frames[page]) ? -EFAULT : 0;
}

static void array_vma_open(struct vma *v)
{
	bpf_map_get(v->priv);
}

static void array_vma_close(struct vma *v)
{
	bpf_map_put(v->priv);
}

static void array_vma_open_rw(struct vma *v)
{
	struct bpf_map *m = v->priv;
	__atomic_fetch_add(&m->writable_maps, 1, __ATOMIC_RELAXED);
	bpf_map_get(m);
}

static void array_vma_close_rw(struct vma *v)
{
	struct bpf_map *m = v->priv;
	__atomic_fetch_sub(&m->writable_maps, 1, __ATOMIC_RELAXED);
	bpf_map_put(m);
}

static const struct vma_ops array_vma_ops = {
	.fault = array_vma_fault, .open = array_vma_open, .close = array_vma_close,
};
static const struct vma_ops array_vma_ops_rw = {
	.fault = array_vma_fault, .open = array_vma_open_rw, .close = array_vma_close_rw,
};

long bpf_array_mmap(struct bpf_map *m, struct file *f, struct mm *mm, u64 addr, u64 len,
		    unsigned prot, u64 flags, bool fixed, u64 off)
{
	if (!(m->flags & BPF_F_MMAPABLE))
		return -EINVAL;
	if (prot & VM_EXEC)
		return -EPERM;
	u64 type = flags & MAP_TYPE;
	bool shared = type == MAP_SHARED || type == MAP_SHARED_VALIDATE;
	bool writable = prot & VM_WRITE;
	if (writable && !shared)
		return -EINVAL;         /* no private copies of map values here */
	if (off % PAGE_SIZE || !len || off / PAGE_SIZE + (len + PAGE_SIZE - 1) / PAGE_SIZE >
					      m->nr_area_pages)
		return -EINVAL;
	/* The writable count goes up before the frozen check, under the
	 * lock bpf_map_freeze takes: one of the two sees the other. The
	 * count is the new vma's (its close drops it); a read-only mapping
	 * can never become writable (maxprot), so it is not counted. */
	irqflags_t fl = spin_lock_irqsave(&m->freeze_lock);
	bool frozen = m->vm.frozen;
	if (writable && !frozen)
		__atomic_fetch_add(&m->writable_maps, 1, __ATOMIC_RELAXED);
	spin_unlock_irqrestore(&m->freeze_lock, fl);
	if (writable && frozen)
		return -EPERM;
	unsigned maxprot = VM_READ | (writable ? VM_WRITE : 0);
	bpf_map_get(m);
	long where = mm_map_device(mm, f, addr, len, prot, maxprot, fixed,
				   writable ? &array_vma_ops_rw : &array_vma_ops, m, off / PAGE_SIZE);
	if (where < 0) {
		if (writable)
			__atomic_fetch_sub(&m->writable_maps, 1, __ATOMIC_RELAXED);
		bpf_map_put(m);
	}
	return where;
}
