/* The mapped perf buffer (struct perf_mmap: the ring core plus its pages,
 * mappings and writers): allocation, the user mapping, output redirection
 * (SET_OUTPUT), poll and wakeups, with Linux 6.18's rules.
 *
 * A buffer is 1 + 2^n frames. Page 0 (the user page) is writable when it
 * was mapped with PROT_WRITE, which also selects normal mode (the kernel
 * respects data_tail); the data pages are always read-only to user space.
 *
 * Lifetime (internal.h, struct perf_mmap): the first mmap of an event makes
 * its buffer; events redirected with SET_OUTPUT write to it too; the last
 * munmap detaches them all and frees it. The mappings hold the owner's
 * file (mm.c), so an event lives, and samples, until its last mapping
 * goes even after close(fd).
 *
 * pm_lock guards e->out of every event, each buffer's event list and its
 * mapping count, and perf_mmap_all. Producers never take it: they read
 * e->out with interrupts off or in NMI context, which is why freeing waits
 * for every CPU (pm_free).
 *
 * perf_mmap_all lists every live buffer, oldest first, for debuggers:
 * scripts/ringtail.gdb's rt-rings and rt-ring walk it (the machine is
 * stopped then, so they take no lock). A buffer joins when its first mmap
 * makes it visible and leaves when it is freed. */
#include <arch/barrier.h>
#include <lib/errno.h>
#include <lib/string.h>
#include <arch/mmu.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/mm.h>
#include <kernel/pmm.h>
#include <kernel/proc.h>
#include <kernel/smp.h>
#include <kernel/vm.h>
#include "internal.h"
#include <kernel/arch/perf.h>
#include <linux/mman.h>

static spinlock_t pm_lock = SPINLOCK_INIT("perf-mmap");
static struct list_node perf_mmap_all = LIST_INIT(perf_mmap_all);

/* An event writing to a buffer (its owner or one redirected there): the
 * buffer's wakeups wake the pollers of each, as Linux's rb->event_list. */
struct perf_mmap_link {
	struct list_node node;
	struct perf_event *e;
};

static void pm_release_memory(struct perf_mmap *pm)
{
	if (pm->core.data_twice)
		vunmap_frames(pm->core.data_twice, 2 * pm->nr_pages);
	if (pm->frames)
		for (unsigned int i = 0; i <= pm->nr_pages; i++)
			if (pm->frames[i])
				frame_free(pm->frames[i]);
	kfree(pm->frames);
	kfree(pm->data_ptrs);
	kfree(pm);
}

static void grace_nop(void *arg)
{
	(void)arg;
}

/* Free a buffer no event points at any more. A producer that read e->out
 * before it was cleared may still be writing: producers run with
 * interrupts off or in NMI context, and an NMI holds off interrupts until
 * it returns, so once every other CPU has run our call none is. This CPU
 * is not inside one: we run with interrupts on. Then the wakeup it may
 * have queued has to finish (it only walks the now empty event list). */
static void pm_free(struct perf_mmap *pm)
{
	irqflags_t f = spin_lock_irqsave(&pm_lock);
	list_del(&pm->all_node);
	spin_unlock_irqrestore(&pm_lock, f);
	smp_call_mask(~0ull, grace_nop, NULL);
	irq_work_sync(&pm->wake_work);
	pm_release_memory(pm);
}

/* Runs in ordinary interrupt context after an NMI-safe wakeup: wake the
 * pollers of every event writing here (they poll their own event). */
static void pm_wake(struct irq_work *w)
{
	struct perf_mmap *pm = container_of(w, struct perf_mmap, wake_work);
	irqflags_t f = spin_lock_irqsave(&pm_lock);
	struct list_node *pos;
	list_for_each(pos, &pm->events)
		waitq_wake_all(&list_entry(pos, struct perf_mmap_link, node)->e->wait);
	spin_unlock_irqrestore(&pm_lock, f);
}

/* Called by the ring buffer core from the outermost writer, maybe in NMI
 * context: record the wakeup (Linux sets rb->poll), defer the rest. */
static void pm_wakeup(struct perf_buffer *core, void *arg)
{
	struct perf_mmap *pm = arg;
	/* Release, paired with the exchange in perf_poll: a poller that sees
	 * the bit sees the data_head the writer just published. */
	smp_store_release(&pm->poll, POLLIN | POLLRDNORM);
	irq_work_queue(&pm->wake_work);
}

/* pm_lock held. Point e at pm through link (e has no buffer). */
static void attach_locked(struct perf_event *e, struct perf_mmap *pm, struct perf_mmap_link *link)
{
	link->e = e;
	list_add_tail(&pm->events, &link->node);
	/* Release, paired with the load in perf_event_out: a producer that
	 * sees the pointer sees the buffer set up. */
	smp_store_release(&e->out, pm);
}

/* pm_lock held. e stops writing to its buffer; returns its link to free,
 * and in *empty the buffer if no event is left on it (to free). */
static struct perf_mmap_link *detach_locked(struct perf_event *e, struct perf_mmap **empty)
{
	struct perf_mmap *pm = e->out;
	struct perf_mmap_link *link = NULL;
	*empty = NULL;
	if (!pm)
		return NULL;
	struct list_node *pos;
	list_for_each(pos, &pm->events)
		if (list_entry(pos, struct perf_mmap_link, node)->e == e)
			link = list_entry(pos, struct perf_mmap_link, node);
	if (link)
		list_del(&link->node);
	WRITE_ONCE(e->out, NULL);
	/* A poller asleep on e may have missed a wakeup of the old buffer
	 * (Linux's ring_buffer_attach wakes here too). */
	waitq_wake_all(&e->wait);
	if (list_empty(&pm->events))
		*empty = pm;
	return link;
}

/* Interrupts are off (the task context's lock is held), so the buffer
 * cannot be freed under us: see pm_free. */
void perf_event_wakeup(struct perf_event *e)
{
	struct perf_mmap *pm = READ_ONCE(e->out);
	if (pm)
		irq_work_queue(&pm->wake_work);
	waitq_wake_all(&e->wait);
}

void perf_event_detach_mmap(struct perf_event *e)
{
	struct perf_mmap *empty;
	irqflags_t f = spin_lock_irqsave(&pm_lock);
	struct perf_mmap_link *link = detach_locked(e, &empty);
	spin_unlock_irqrestore(&pm_lock, f);
	kfree(link);
	/* Never in practice: a buffer keeps its owner while mapped, and the
	 * last munmap detaches everyone at once. */
	if (empty)
		pm_free(empty);
}

/* Time conversion for user space reading the TSC directly (rdtsc):
 * ns = time_zero + ((cyc * time_mult) >> time_shift), as Linux documents. */
static void fill_time_fields(struct perf_event_mmap_page *up)
{
	u32 mult;
	u16 shift;
	u64 offset;
	arch_clock_user_params(&mult, &shift, &offset);
	up->time_mult = mult;
	up->time_shift = shift;
	up->time_zero = offset;
	up->time_offset = offset;
	up->time_mask = 0;
	up->cap_user_time = 1;
	up->cap_user_time_zero = 1;
	up->cap_user_rdpmc = 0;
	up->index = 0;                  /* no counter readable with rdpmc */
	up->pmc_width = 0;
}

static struct perf_mmap *pm_alloc(struct perf_event *e, unsigned int nr_pages, bool writable)
{
	struct perf_mmap *pm = kzalloc(sizeof(*pm));
	if (!pm)
		return NULL;
	pm->nr_pages = nr_pages;
	pm->frames = kzalloc((nr_pages + 1) * sizeof(paddr_t));
	pm->data_ptrs = kzalloc((nr_pages ? nr_pages : 1) * sizeof(void *));
	if (!pm->frames || !pm->data_ptrs)
		goto fail;
	for (unsigned int i = 0; i <= nr_pages; i++) {
		pm->frames[i] = frame_alloc();  /* zeroed */
		if (!pm->frames[i])
			goto fail;
		if (i)
			pm->data_ptrs[i - 1] = phys_to_virt(pm->frames[i]);
	}
	pm->writable = writable;
	list_init(&pm->events);
	/* The data pages twice in a row in kernel space, so the sample path
	 * writes every record in place (rb_record_at). Without the mapping
	 * records that cross a page end are staged and copied: slower, the
	 * same bytes. */
	u8 *twice = NULL;
	paddr_t *two = nr_pages ? kmalloc(2 * nr_pages * sizeof(paddr_t)) : NULL;
	if (two) {
		for (unsigned int i = 0; i < 2 * nr_pages; i++)
			two[i] = pm->frames[1 + i % nr_pages];
		twice = vmap_frames(two, 2 * nr_pages, VM_READ | VM_WRITE);
		kfree(two);
	}
	irq_work_init(&pm->wake_work, pm_wake);
	struct perf_buffer_config cfg = {
		.user_page = phys_to_virt(pm->frames[0]),
		.data_pages = pm->data_ptrs,
		.data_twice = twice,
		.nr_pages = nr_pages,
		.overwrite = !writable,
		.backward = e->attr.write_backward,
		.watermark = e->attr.watermark ? e->attr.wakeup_watermark : 0,
		.wakeup = pm_wakeup,
		.wakeup_arg = pm,
	};
	if (perf_buffer_init(&pm->core, &cfg)) {
		if (twice)
			vunmap_frames(twice, 2 * nr_pages);
		goto fail;
	}
	fill_time_fields(cfg.user_page);
	return pm;
fail:
	pm_release_memory(pm);
	return NULL;
}

/* --- the user mapping --------------------------------------------------- */

static int pm_vma_fault(struct vma *v, u64 addr, bool write)
{
	struct perf_mmap *pm = v->priv;
	u64 page = (addr - v->start) / PAGE_SIZE + v->pgoff;
	if (page > pm->nr_pages)
		return -EFAULT;
	if (write && page != 0)
		return -EFAULT;         /* data pages are never writable */
	return mm_insert_page(current_proc()->mm, v, ALIGN_DOWN(addr, PAGE_SIZE),
			      pm->frames[page]) ? -EFAULT : 0;
}

/* Only the user page can be writable (it carries data_tail). */
static unsigned pm_page_prot(struct vma *v, u64 index, unsigned prot)
{
	return index == 0 ? prot : prot & ~VM_WRITE;
}

/* A mapping of pm went away (or never came: a failed mmap). The last one
 * detaches every event writing here and frees the buffer, so the next
 * mmap of the owner starts a fresh one. */
/* A mapping of pm in mm goes. As Linux's perf_mmap_close, the last one
 * gives the locked pages back (the pinned ones to its mm). */
static void pm_unmapped(struct perf_mmap *pm, struct mm *mm)
{
	struct list_node gone;
	list_init(&gone);
	irqflags_t f = spin_lock_irqsave(&pm_lock);
	bool last = --pm->mmaps == 0;
	while (last && !list_empty(&pm->events)) {
		struct perf_mmap *empty;
		struct perf_event *e = list_entry(pm->events.next, struct perf_mmap_link, node)->e;
		list_add_tail(&gone, &detach_locked(e, &empty)->node);
	}
	spin_unlock_irqrestore(&pm_lock, f);
	struct list_node *pos, *tmp;
	list_for_each_safe(pos, tmp, &gone)
		kfree(list_entry(pos, struct perf_mmap_link, node));
	if (last) {
		perf_mlock_uncharge(mm, &pm->mlock);
		pm_free(pm);
	}
}

static void pm_vma_close(struct vma *v)
{
	pm_unmapped(v->priv, v->mm);
}

/* Linux 6.18 maps the buffer with remap_pfn_range (VM_PFNMAP) and
 * refuses to split it: no partial munmap, mprotect or mremap, no
 * MADV_DONTNEED. Being unsplittable, it needs no open hook. */
static const struct vma_ops pm_vma_ops = {
	.fault = pm_vma_fault,
	.close = pm_vma_close,
	.page_prot = pm_page_prot,
	.fixed_shape = true,
	.pfnmap = true,
	.dontcopy = true,       /* Linux: VM_DONTCOPY, a child has no mapping */
};

long perf_mmap(struct file *f, struct mm *mm, u64 addr, u64 len, unsigned prot, u64 flags,
	       bool fixed, u64 off)
{
	struct perf_event *e = f->priv;
	if (prot & VM_EXEC)
		return -EPERM;          /* Linux: anon inodes sit on a noexec mount */
	u64 type = flags & MAP_TYPE;
	if (type != MAP_SHARED && type != MAP_SHARED_VALIDATE)
		return -EINVAL;         /* a private copy of a buffer makes no sense */
	if (off != 0)
		return -EINVAL;         /* offset 0 only: there is no AUX area */
	if (e->attr.inherit && e->cpu == -1)
		return -EINVAL;         /* Linux: all threads in one buffer would not scale */
	u64 pages = len / PAGE_SIZE;
	u64 nr_data = pages - 1;
	if (pages == 0 || (nr_data && !IS_POW2(nr_data)) || nr_data > PERF_RB_MAX_PAGES)
		return -EINVAL;
	struct perf_mmap *pm, *fresh = NULL;
	struct perf_mmap_link *link = NULL;
	long rc;
	for (;;) {
		irqflags_t fl = spin_lock_irqsave(&pm_lock);
		pm = e->out;
		if (pm) {
			/* Linux's order: another size is EINVAL; a buffer this
			 * event only writes to (SET_OUTPUT) is EBUSY. */
			rc = pm->nr_pages != nr_data ? -EINVAL : pm->owner != e ? -EBUSY : 0;
			if (!rc)
				pm->mmaps++;
		} else if (fresh) {
			pm = fresh;
			pm->owner = e;
			pm->mmaps = 1;
			attach_locked(e, pm, link);
			list_add_tail(&perf_mmap_all, &pm->all_node);
			fresh = NULL;
			link = NULL;
			rc = 0;
		} else {
			rc = 1;                 /* allocate, outside the lock */
		}
		spin_unlock_irqrestore(&pm_lock, fl);
		if (rc != 1)
			break;
		struct perf_mlock charge;
		rc = perf_mlock_charge(current_proc(), pages, &charge);
		if (rc)
			break;
		fresh = pm_alloc(e, (unsigned int)nr_data, prot & VM_WRITE);
		link = kmalloc(sizeof(*link));
		if (fresh)
			fresh->mlock = charge;
		if (!fresh || !link) {
			perf_mlock_uncharge(mm, &charge);
			if (fresh)
				fresh->mlock = (struct perf_mlock){ 0 };
			rc = -ENOMEM;
			break;
		}
	}
	/* Made but not used (never visible to producers). */
	if (fresh) {
		perf_mlock_uncharge(mm, &fresh->mlock);
		pm_release_memory(fresh);
	}
	kfree(link);
	if (rc)
		return rc;
	/* As on Linux, mprotect may later add PROT_WRITE (the user page then
	 * becomes writable; the mode chosen at the first mapping stays) but
	 * never PROT_EXEC. */
	long where = mm_map_device(mm, f, addr, len, prot, VM_READ | VM_WRITE, fixed,
				   &pm_vma_ops, pm, 0);
	if (where < 0)
		pm_unmapped(pm, mm);
	return where;
}

/* SET_OUTPUT: send e's records to target's buffer (NULL: nowhere until e
 * is mapped itself), with Linux's rules (perf_event_set_output): same
 * CPU, for per-task events the same task, the same direction; target must
 * have a buffer; e must not have a mapping of its own. All EINVAL. */
long perf_set_output(struct perf_event *e, struct perf_event *target)
{
	if (target) {
		if (target == e || target->cpu != e->cpu)
			return -EINVAL;
		if (target->cpu == -1 && target->task != e->task)
			return -EINVAL;
		if (target->attr.write_backward != e->attr.write_backward)
			return -EINVAL;
	}
	struct perf_mmap_link *link = target ? kmalloc(sizeof(*link)) : NULL;
	if (target && !link)
		return -ENOMEM;
	struct perf_mmap_link *old = NULL;
	struct perf_mmap *empty = NULL;
	long rc = -EINVAL;
	irqflags_t f = spin_lock_irqsave(&pm_lock);
	struct perf_mmap *pm = target ? target->out : NULL;
	/* A target redirected itself lends the buffer it writes to. */
	if ((!e->out || e->out->owner != e) && (!target || pm)) {
		old = detach_locked(e, &empty);
		if (pm) {
			attach_locked(e, pm, link);
			link = NULL;
		}
		rc = 0;
	}
	spin_unlock_irqrestore(&pm_lock, f);
	kfree(link);
	kfree(old);
	if (empty)
		pm_free(empty);         /* not reached: see perf_event_detach_mmap */
	return rc;
}

/* Linux's perf_poll: just POLLHUP for an event whose task exited (and
 * has no inherited copies left) or that has no buffer; otherwise the
 * wakeups owed by its buffer, each reported once. */
unsigned int perf_poll(struct file *f, struct poll_table *pt)
{
	struct perf_event *e = f->priv;
	poll_wait(pt, &e->wait);
	/* children changes under inherit.c's lock; a stale answer is
	 * corrected by the wakeup that follows the change. */
	if (READ_ONCE(e->state) == PERF_DEAD && list_empty(&e->children))
		return POLLHUP;
	unsigned int ev = POLLHUP;
	irqflags_t fl = spin_lock_irqsave(&pm_lock);
	if (e->out)
		ev = __atomic_exchange_n(&e->out->poll, 0, __ATOMIC_ACQ_REL); /* pairs: pm_wakeup */
	spin_unlock_irqrestore(&pm_lock, fl);
	return ev;
}
