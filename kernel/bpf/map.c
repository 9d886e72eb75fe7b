/* BPF maps: ring buffers, user ring buffers and perf event arrays, with
 * the map fd's mmap and poll.
 *
 * A ring's area is one kernel virtual range over frames laid out as
 * ringbuf.h describes: three control pages, then the data frames, then the
 * same data frames again, so a record that runs off the end of the data is
 * still contiguous for the kernel (and, through the user mapping of both
 * copies, for user space). All frames come zeroed: user space may map any
 * of them.
 *
 * bpf_ring_all lists every live ring map (both kinds), oldest first, for
 * debuggers: scripts/ringtail.gdb's rt-rings and rt-ring walk it with the
 * machine stopped. A ring joins once it is fully made and leaves when its
 * last reference goes, before its memory is freed. */
#include <lib/errno.h>
#include <lib/string.h>
#include <arch/mmu.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/mm.h>
#include <kernel/percpu.h>
#include <kernel/pmm.h>
#include <kernel/proc.h>
#include <kernel/spinlock.h>
#include <kernel/usermem.h>
#include <kernel/vm.h>
#include <linux/mman.h>
#include "bpf.h"


static spinlock_t events_lock = SPINLOCK_INIT("bpf-perf-array");   /* perf event array slots */
static spinlock_t rings_lock = SPINLOCK_INIT("bpf-rings");        /* bpf_ring_all */
static struct list_node bpf_ring_all = LIST_INIT(bpf_ring_all);
static const struct file_ops map_fops;

u32 bpf_next_id(void)
{
	static u32 next;
	return __atomic_add_fetch(&next, 1, __ATOMIC_RELAXED);
}

void bpf_map_get(struct bpf_map *m)
{
	__atomic_fetch_add(&m->refs, 1, __ATOMIC_RELAXED);
}

static void ring_free(struct bpf_map *m)
{
	irq_work_sync(&m->wake_work);
	if (m->rb)
		vunmap_frames(m->rb, m->nr_area_pages);
	if (m->frames) {
		/* The second copy of the data repeats the first: free once. */
		size_t owned = 3 + m->max_entries / PAGE_SIZE;
		for (size_t i = 0; i < owned; i++)
			if (m->frames[i])
				frame_free(m->frames[i]);
	}
	kfree(m->frames);
	kfree(m->bitmap);
}

void bpf_map_put(struct bpf_map *m)
{
	if (__atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL))
		return;
	if (m->type == BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
		/* events is NULL when its allocation failed (bpf_map_alloc). */
		for (u32 i = 0; m->events && i < m->max_entries; i++)
			if (m->events[i])
				file_put(m->events[i]);
		kfree(m->events);
	} else if (m->type == BPF_MAP_TYPE_ARRAY) {
		bpf_array_free(m);
	} else if (m->type == BPF_MAP_TYPE_HASH) {
		bpf_hash_free(m);
	} else {
		irqflags_t f = spin_lock_irqsave(&rings_lock);
		if (list_linked(&m->ring_node))     /* not yet, if bpf_map_alloc failed */
			list_del(&m->ring_node);
		spin_unlock_irqrestore(&rings_lock, f);
		ring_free(m);
	}
	kfree(m);
}

/* --- ring memory and wakeups --------------------------------------------- */

/* Runs in ordinary interrupt context, queued by ring_wakeup. */
static void ring_wake(struct irq_work *w)
{
	struct bpf_map *m = container_of(w, struct bpf_map, wake_work);
	waitq_wake_all(&m->wait);
}

/* Called by the core when a consumer (kernel ring) or producer (user ring)
 * is owed a wakeup; maybe in NMI context, so it only queues the work. The
 * core has published the position before calling (its barrier list names
 * this call), and the poller re-reads it after waitq_add, so a wakeup
 * that lands between the poller's check and its sleep is not lost. */
static void ring_wakeup(struct bpf_ringbuf *rb, void *arg)
{
	struct bpf_map *m = arg;
	irq_work_queue(&m->wake_work);
}

static long ring_alloc(struct bpf_map *m, const union bpf_attr *attr)
{
	size_t data_pages = attr->max_entries / PAGE_SIZE;
	m->nr_area_pages = 3 + 2 * data_pages;
	m->frames = kzalloc(m->nr_area_pages * sizeof(paddr_t));
	if (!m->frames)
		return -ENOMEM;
	for (size_t i = 0; i < 3 + data_pages; i++) {
		m->frames[i] = frame_alloc();
		if (!m->frames[i])
			return -ENOMEM;
	}
	for (size_t i = 0; i < data_pages; i++)
		m->frames[3 + data_pages + i] = m->frames[3 + i];
	if (m->type == BPF_MAP_TYPE_RINGBUF) {
		m->bitmap = kzalloc(bpf_ringbuf_bitmap_size(attr->max_entries));
		if (!m->bitmap)
			return -ENOMEM;
	}
	void *area = vmap_frames(m->frames, m->nr_area_pages, VM_READ | VM_WRITE);
	if (!area)
		return -ENOMEM;
	irq_work_init(&m->wake_work, ring_wake);
	waitq_init(&m->wait, "bpf-ring");
	m->rb = bpf_ringbuf_init(area, attr->max_entries, m->type, attr->map_flags, m->bitmap,
				 ring_wakeup, m);
	if (!m->rb) {
		vunmap_frames(area, m->nr_area_pages);
		return -EINVAL;
	}
	return 0;
}

/* --- BPF_MAP_CREATE -------------------------------------------------------- */

static long perf_array_check(const union bpf_attr *attr)
{
	if (attr->key_size != 4 || attr->value_size != 4 || !attr->max_entries)
		return -EINVAL;
	if (attr->map_flags & ~(u32)(BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY |
				     BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG))
		return -EINVAL;
	if ((attr->map_flags & BPF_F_NUMA_NODE) && attr->numa_node)
		return -EINVAL;
	if (attr->map_extra)
		return -EINVAL;
	return 0;
}

/* A map, checked as BPF_MAP_CREATE checks it; no fd. */
struct bpf_map *bpf_map_alloc(const union bpf_attr *attr, const char name[BPF_OBJ_NAME_LEN],
			      long *err)
{
	long rc;
	switch (attr->map_type) {
	case BPF_MAP_TYPE_RINGBUF:
	case BPF_MAP_TYPE_USER_RINGBUF:
		rc = bpf_ringbuf_check_attr(attr);
		break;
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
		rc = perf_array_check(attr);
		break;
	case BPF_MAP_TYPE_ARRAY:
		rc = bpf_array_check(attr);
		break;
	case BPF_MAP_TYPE_HASH:
		rc = bpf_hash_check(attr);
		break;
	default:
		rc = -EINVAL;
	}
	struct bpf_map *m = rc ? NULL : kzalloc(sizeof(*m));
	if (!m) {
		*err = rc ? rc : -ENOMEM;
		return NULL;
	}
	m->type = attr->map_type;
	m->key_size = attr->key_size;
	m->value_size = attr->value_size;
	m->max_entries = attr->max_entries;
	m->flags = attr->map_flags;
	m->refs = 1;
	memcpy(m->name, name, BPF_OBJ_NAME_LEN);
	spin_lock_init(&m->freeze_lock, "bpf-map-freeze");
	m->vm = (struct bpf_vmap){
		.type = m->type, .key_size = m->key_size, .value_size = m->value_size,
		.max_entries = m->max_entries, .flags = m->flags, .owner = m,
	};
	if (m->type == BPF_MAP_TYPE_ARRAY) {
		rc = bpf_array_alloc(m);
	} else if (m->type == BPF_MAP_TYPE_HASH) {
		rc = bpf_hash_alloc(m);
	} else if (m->type == BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
		m->events = kzalloc(m->max_entries * sizeof(struct file *));
		rc = m->events ? 0 : -ENOMEM;
	} else {
		rc = ring_alloc(m, attr);        /* too large a ring: ENOMEM, as Linux */
	}
	if (rc) {
		bpf_map_put(m);
		*err = rc;
		return NULL;
	}
	m->id = bpf_next_id();
	m->vm.id = m->id;
	if (m->rb) {
		irqflags_t f = spin_lock_irqsave(&rings_lock);
		list_add_tail(&bpf_ring_all, &m->ring_node);
		spin_unlock_irqrestore(&rings_lock, f);
	}
	return m;
}

long bpf_map_create(const union bpf_attr *attr, const char name[BPF_OBJ_NAME_LEN])
{
	long rc;
	struct bpf_map *m = bpf_map_alloc(attr, name, &rc);
	if (!m)
		return rc;
	struct file *f = file_alloc(&map_fops, m, O_RDWR);
	if (!f) {
		bpf_map_put(m);
		return -ENOMEM;
	}
	f->mode = 0600;                 /* anon inode, as Linux */
	int fd = fd_install(f, true);   /* bpf(2) fds are always close-on-exec */
	if (fd < 0)
		file_put(f);
	return fd;
}

bool bpf_file_is_map(struct file *f)
{
	return f && f->ops == &map_fops;
}

struct bpf_map *bpf_map_from_fd(int fd)
{
	struct file *f = fd_get(fd);
	if (!f)
		return NULL;
	struct bpf_map *m = NULL;
	if (bpf_file_is_map(f)) {
		m = f->priv;
		bpf_map_get(m);
	}
	file_put(f);
	return m;
}

/* --- elements: only perf event arrays have any --------------------------- */

long bpf_map_update(struct bpf_map *m, u64 ukey, u64 uvalue, u64 flags)
{
	if (m->type != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
		return ukey ? -EINVAL : -ENOTSUPP;      /* rings: key_size is 0 */
	if (flags != BPF_ANY)
		return -EINVAL;         /* Linux: fd arrays take BPF_ANY only */
	u32 key, value;
	if (copy_from_user(&key, ukey, sizeof(key)) || copy_from_user(&value, uvalue, sizeof(value)))
		return -EFAULT;
	if (key >= m->max_entries)
		return -E2BIG;
	struct file *f = fd_get((int)value);
	if (!f)
		return -EBADF;
	struct perf_event *e = perf_event_from_file(f);
	long rc = e ? perf_bpf_array_check(e) : -EBADF;
	if (rc) {
		file_put(f);
		return rc;
	}
	irqflags_t fl = spin_lock_irqsave(&events_lock);
	struct file *old = m->events[key];
	m->events[key] = f;
	spin_unlock_irqrestore(&events_lock, fl);
	if (old)
		file_put(old);
	return 0;
}

long bpf_map_delete(struct bpf_map *m, u64 ukey)
{
	if (m->type != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
		return ukey ? -EINVAL : -ENOTSUPP;
	u32 key;
	if (copy_from_user(&key, ukey, sizeof(key)))
		return -EFAULT;
	if (key >= m->max_entries)
		return -E2BIG;
	irqflags_t fl = spin_lock_irqsave(&events_lock);
	struct file *old = m->events[key];
	m->events[key] = NULL;
	spin_unlock_irqrestore(&events_lock, fl);
	if (!old)
		return -ENOENT;
	file_put(old);
	return 0;
}

struct file *bpf_map_perf_event(struct bpf_map *m, u32 cpu)
{
	if (m->type != BPF_MAP_TYPE_PERF_EVENT_ARRAY || cpu >= m->max_entries)
		return NULL;
	irqflags_t fl = spin_lock_irqsave(&events_lock);
	struct file *f = m->events[cpu];
	if (f)
		file_get(f);
	spin_unlock_irqrestore(&events_lock, fl);
	return f;
}

/* --- the map fd ------------------------------------------------------------ */

static int ring_vma_fault(struct vma *v, u64 addr, bool write)
{
	struct bpf_map *m = v->priv;
	u64 page = (addr - v->start) / PAGE_SIZE + v->pgoff + 1;   /* area page 0 is private */
	if (page >= m->nr_area_pages)
		return -EFAULT;
	return mm_insert_page(current_proc()->mm, v, ALIGN_DOWN(addr, PAGE_SIZE),
			      m->frames[page]) ? -EFAULT : 0;
}

/* Every area (each half of a split one too) holds a map reference. */
static void ring_vma_open(struct vma *v)
{
	bpf_map_get(v->priv);
}

static void ring_vma_close(struct vma *v)
{
	bpf_map_put(v->priv);
}

static const struct vma_ops ring_vma_ops = {
	.fault = ring_vma_fault,
	.open = ring_vma_open,
	.close = ring_vma_close,
};

static long map_mmap(struct file *f, struct mm *mm, u64 addr, u64 len, unsigned prot, u64 flags,
		     bool fixed, u64 off)
{
	struct bpf_map *m = f->priv;
	if (m->type == BPF_MAP_TYPE_ARRAY)
		return bpf_array_mmap(m, f, mm, addr, len, prot, flags, fixed, off);
	if (!m->rb)
		return -ENOTSUPP;       /* Linux: no map_mmap for this type */
	if (prot & VM_EXEC)
		return -EPERM;          /* Linux: map fds live on a noexec mount */
	u64 type = flags & MAP_TYPE;
	bool writable = prot & VM_WRITE;
	int rc = bpf_ringbuf_mmap_check(m->rb, off / PAGE_SIZE, len / PAGE_SIZE, writable,
					type == MAP_SHARED || type == MAP_SHARED_VALIDATE);
	if (rc)
		return rc;
	/* Linux drops VM_MAYWRITE from a read-only mapping and VM_MAYEXEC
	 * from all: mprotect can never make the positions or data writable. */
	unsigned maxprot = VM_READ | (writable ? VM_WRITE : 0);
	bpf_map_get(m);
	long where = mm_map_device(mm, f, addr, len, prot, maxprot, fixed,
				   &ring_vma_ops, m, off / PAGE_SIZE);
	if (where < 0)
		bpf_map_put(m);
	return where;
}

static unsigned int map_poll(struct file *f, struct poll_table *pt)
{
	struct bpf_map *m = f->priv;
	if (!m->rb)
		return POLLERR;         /* Linux: maps without map_poll */
	poll_wait(pt, &m->wait);
	return bpf_ringbuf_poll(m->rb);
}

static void map_release(struct file *f)
{
	bpf_map_put(f->priv);
}

static const struct file_ops map_fops = {
	.name = "bpf-map",
	.mmap = map_mmap,
	.poll = map_poll,
	.release = map_release,
};
