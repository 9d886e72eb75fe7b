/* perf buffers: allocation, the user mapping, output redirection
 * (SET_OUTPUT), poll and wakeups.
 *
 * A buffer is 1 + 2^n frames. Page 0 (the user page) is writable when it
 * was mapped with PROT_WRITE, which also selects normal mode (the kernel
 * respects data_tail); the data pages are always read-only to user space.
 * The mapping holds a reference, so it outlives close() of the event. */
#include <lib/errno.h>
#include <lib/string.h>
#include <arch/mmu.h>
#include <kernel/arch.h>
#include <kernel/file.h>
#include <kernel/heap.h>
#include <kernel/mm.h>
#include <kernel/pmm.h>
#include <kernel/proc.h>
#include "internal.h"

#define MAP_SHARED 0x01
#define MAP_SHARED_VALIDATE 0x03

void arch_clock_user_params(u32 *time_mult, u16 *time_shift, u64 *time_offset);

static void rb_free(struct perf_rb *rb)
{
	irq_work_sync(&rb->wake_work);
	for (unsigned int i = 0; i <= rb->nr_pages; i++)
		if (rb->frames[i])
			frame_free(rb->frames[i]);
	kfree(rb->frames);
	kfree(rb->data_ptrs);
	kfree(rb);
}

void perf_rb_get(struct perf_rb *rb)
{
	__atomic_fetch_add(&rb->refs, 1, __ATOMIC_RELAXED);
}

void perf_rb_put(struct perf_rb *rb)
{
	if (__atomic_sub_fetch(&rb->refs, 1, __ATOMIC_ACQ_REL) == 0)
		rb_free(rb);
}

/* Runs in ordinary interrupt context after an NMI-safe wakeup. */
static void rb_wake(struct irq_work *w)
{
	struct perf_rb *rb = container_of(w, struct perf_rb, wake_work);
	waitq_wake_all(&rb->wait);
}

/* Called by the ring buffer core from the outermost writer, maybe in NMI
 * context: record the wakeup, defer the rest. */
static void rb_wakeup(struct perf_buffer *core, void *arg)
{
	struct perf_rb *rb = arg;
	__atomic_fetch_or(&rb->poll, POLLIN | POLLRDNORM, __ATOMIC_RELEASE);
	irq_work_queue(&rb->wake_work);
}

/* Where e's records go now: its own buffer, or its SET_OUTPUT target's
 * (which may have been mapped after the redirection); an inherited copy's
 * go where its original's go. The target holds a
 * reference on its buffer for as long as it exists, and e holds one on
 * the target. */
struct perf_rb *perf_event_rb(struct perf_event *e)
{
	if (e->parent)
		e = e->parent;          /* inherited copies write to the original's */
	struct perf_rb *rb = READ_ONCE(e->rb);
	if (!rb && e->output)
		rb = READ_ONCE(e->output->rb);
	return rb;
}

void perf_event_wakeup(struct perf_event *e)
{
	struct perf_rb *rb = perf_event_rb(e);
	if (rb) {
		__atomic_fetch_or(&rb->poll, POLLHUP, __ATOMIC_RELEASE);
		irq_work_queue(&rb->wake_work);
	}
	waitq_wake_all(&e->wait);
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

struct perf_rb *perf_rb_alloc(struct perf_event *e, unsigned int nr_pages, bool writable)
{
	struct perf_rb *rb = kzalloc(sizeof(*rb));
	if (!rb)
		return NULL;
	rb->frames = kzalloc((nr_pages + 1) * sizeof(paddr_t));
	rb->data_ptrs = kzalloc((nr_pages ? nr_pages : 1) * sizeof(void *));
	if (!rb->frames || !rb->data_ptrs)
		goto fail;
	rb->nr_pages = nr_pages;
	for (unsigned int i = 0; i <= nr_pages; i++) {
		rb->frames[i] = frame_alloc();  /* zeroed */
		if (!rb->frames[i])
			goto fail;
		if (i)
			rb->data_ptrs[i - 1] = phys_to_virt(rb->frames[i]);
	}
	rb->refs = 1;
	rb->writable = writable;
	rb->cpu = e->cpu;
	rb->task = e->task;
	waitq_init(&rb->wait, "perf-rb");
	irq_work_init(&rb->wake_work, rb_wake);
	struct perf_buffer_config cfg = {
		.user_page = phys_to_virt(rb->frames[0]),
		.data_pages = rb->data_ptrs,
		.nr_pages = nr_pages,
		.overwrite = !writable,
		.backward = e->attr.write_backward,
		.watermark = e->attr.watermark ? e->attr.wakeup_watermark : 0,
		.wakeup = rb_wakeup,
		.wakeup_arg = rb,
	};
	if (perf_buffer_init(&rb->core, &cfg))
		goto fail;
	fill_time_fields(cfg.user_page);
	return rb;
fail:
	if (rb->frames) {
		for (unsigned int i = 0; i <= nr_pages; i++)
			if (rb->frames[i])
				frame_free(rb->frames[i]);
	}
	kfree(rb->frames);
	kfree(rb->data_ptrs);
	kfree(rb);
	return NULL;
}

/* --- the user mapping --------------------------------------------------- */

static int rb_vma_fault(struct vma *v, u64 addr, bool write)
{
	struct perf_rb *rb = v->priv;
	u64 page = (addr - v->start) / PAGE_SIZE + v->pgoff;
	if (page > rb->nr_pages)
		return -EFAULT;
	if (write && page != 0)
		return -EFAULT;         /* data pages are never writable */
	return mm_insert_page(current_proc()->mm, v, ALIGN_DOWN(addr, PAGE_SIZE),
			      rb->frames[page]) ? -EFAULT : 0;
}

/* Only the user page can be writable (it carries data_tail). */
static unsigned rb_page_prot(struct vma *v, u64 index, unsigned prot)
{
	return index == 0 ? prot : prot & ~VM_WRITE;
}

static void rb_vma_close(struct vma *v)
{
	struct perf_rb *rb = v->priv;
	__atomic_fetch_sub(&rb->mmaps, 1, __ATOMIC_RELAXED);
	perf_rb_put(rb);
}

static const struct vma_ops rb_vma_ops = {
	.fault = rb_vma_fault,
	.close = rb_vma_close,
	.page_prot = rb_page_prot,
	.fixed_shape = true,
};

long perf_mmap(struct file *f, struct mm *mm, u64 addr, u64 len, unsigned prot, u64 flags,
	       bool fixed, u64 off)
{
	struct perf_event *e = f->priv;
	u64 type = flags & 0x0f;
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
	if (e->output)
		return -EINVAL;         /* its records go to another buffer */
	bool writable = prot & VM_WRITE;
	struct perf_rb *rb = e->rb;
	if (rb) {
		/* Another mapping of the same buffer: it must have its shape. */
		if (rb->nr_pages != nr_data)
			return -EINVAL;
		perf_rb_get(rb);
	} else {
		rb = perf_rb_alloc(e, (unsigned int)nr_data, writable);
		if (!rb)
			return -ENOMEM;
		perf_rb_get(rb);                /* one for the event, one for the map */
		irqflags_t fl = arch_irq_save();
		e->rb = rb;
		arch_irq_restore(fl);
	}
	/* As on Linux, mprotect may later add PROT_WRITE (the user page then
	 * becomes writable; the mode chosen at the first mapping stays). */
	unsigned maxprot = VM_READ | VM_WRITE;
	long where = mm_map_device(mm, addr, len, prot, maxprot, fixed, &rb_vma_ops, rb, 0);
	if (where < 0) {
		perf_rb_put(rb);
		return where;
	}
	__atomic_fetch_add(&rb->mmaps, 1, __ATOMIC_RELAXED);
	return where;
}

/* SET_OUTPUT: send e's records to target's buffer (NULL: back to its own,
 * which it then has to map again). Linux's rules: same CPU, and for
 * per-task events the same task; not while e's own buffer is mapped. */
long perf_set_output(struct perf_event *e, struct perf_event *target)
{
	if (target == e)
		return -EINVAL;
	if (target) {
		if (target->output)
			target = target->output;        /* follow one redirection */
		if (target->cpu != e->cpu)
			return -EINVAL;
		if (target->cpu == -1 && target->task != e->task)
			return -EINVAL;
		if (target->attr.write_backward != e->attr.write_backward)
			return -EINVAL;
	}
	if (e->rb && e->rb->mmaps && (!e->output || e->output != target))
		return -EBUSY;
	struct perf_rb *new_rb = NULL;
	if (target) {
		new_rb = target->rb;
		if (new_rb)
			perf_rb_get(new_rb);
		perf_event_get(target);
	}
	irqflags_t f = arch_irq_save();
	struct perf_rb *old_rb = e->rb;
	struct perf_event *old_out = e->output;
	e->rb = new_rb;
	e->output = target;
	arch_irq_restore(f);
	if (old_rb)
		perf_rb_put(old_rb);
	if (old_out)
		perf_event_put(old_out);
	return 0;
}

/* Like Linux: POLLHUP until there is a buffer; then the wakeups owed
 * (each reported once), plus POLLHUP once the event's task is gone. */
unsigned int perf_poll(struct file *f, struct poll_table *pt)
{
	struct perf_event *e = f->priv;
	struct perf_rb *rb = perf_event_rb(e);
	poll_wait(pt, &e->wait);
	if (!rb)
		return POLLHUP;
	poll_wait(pt, &rb->wait);
	unsigned int ev = __atomic_exchange_n(&rb->poll, 0, __ATOMIC_ACQ_REL);
	if (e->state == PERF_DEAD)
		ev |= POLLHUP;
	return ev;
}
