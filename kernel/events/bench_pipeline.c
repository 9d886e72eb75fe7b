/* In-kernel benchmark: one producer CPU writes 64-byte records through the
 * perf output path while a consumer on another CPU reads them with the
 * user-side reader (lib/perf_reader.c) and gives the space back. The
 * producer waits for room instead of dropping, so every record arrives;
 * the result is records per second end to end. */
#include <lib/perf_reader.h>
#include <lib/string.h>
#include <arch/barrier.h>
#include <arch/mmu.h>
#include <kernel/clock.h>
#include <kernel/kbench.h>
#include <kernel/percpu.h>
#include <kernel/pmm.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/thread.h>
#include <kernel/vm.h>
#include "ring_buffer.h"

#define PAGES 64
#define RECORDS 3000000u

struct pipe {
	struct perf_buffer rb;
	struct perf_event_mmap_page *up;
	void *pages[PAGES];
	volatile int producer_done;
	volatile int go;
};

static void producer(void *arg)
{
	struct pipe *p = arg;
	struct perf_output_ctx ctx = { .id = 1 };
	struct { struct perf_event_header h; u64 seq; u64 pad[6]; } rec = {
		.h = { .type = PERF_RECORD_SAMPLE, .size = 64 },
	};
	unsigned long size = (unsigned long)PAGES * PAGE_SIZE;
	while (!p->go)
		cpu_relax();
	for (u32 i = 0; i < RECORDS; i++) {
		rec.seq = i;
		/* Wait for room (one byte always stays free): no record lost. */
		while (perf_buffer_head(&p->rb) + sizeof(rec) >
		       smp_load_acquire(&p->up->data_tail) + size - 1)
			cpu_relax();
		struct perf_output_handle h;
		if (perf_output_begin(&h, &p->rb, &ctx, sizeof(rec)) == 0) {
			perf_output_copy(&h, &rec, sizeof(rec));
			perf_output_end(&h);
		}
	}
	p->producer_done = 1;
}

static void bench_pipeline(void)
{
	if (nr_cpus_online < 2) {
		printk("# pipeline_mrec_s needs 2 CPUs (boot with SMP=2)\n");
		return;
	}
	static struct pipe p;
	memset(&p, 0, sizeof(p));
	p.up = phys_to_virt(frame_alloc());
	for (int i = 0; i < PAGES; i++)
		p.pages[i] = phys_to_virt(frame_alloc());
	struct perf_buffer_config cfg = { .user_page = p.up, .data_pages = p.pages, .nr_pages = PAGES };
	perf_buffer_init(&p.rb, &cfg);
	/* Consumer here, pinned to CPU 0; producer pinned to CPU 1. */
	struct thread *self = current_thread();
	u64 old_mask = self->cpu_mask;
	self->cpu_mask = 1;
	sched_migrate_if_needed();
	kthread_create_on("bench-producer", producer, &p, 1);
	static u8 scratch[256];
	struct perf_reader r;
	u32 got = 0, bad = 0;
	u64 t0 = clock_ns();
	p.go = 1;
	/* The reader wants one contiguous data area: map the pages so. */
	paddr_t frames[PAGES];
	for (int i = 0; i < PAGES; i++)
		frames[i] = virt_to_phys(p.pages[i]);
	u8 *data = vmap_frames(frames, PAGES, VM_READ);
	perf_reader_init(&r, p.up, data, (u64)PAGES * PAGE_SIZE, 0, scratch, sizeof(scratch));
	while (got < RECORDS) {
		perf_reader_begin(&r);
		const struct perf_event_header *h;
		while ((h = perf_reader_next(&r))) {
			if (((const u64 *)h)[1] != got)
				bad++;
			got++;
		}
		perf_reader_consume(&r);
	}
	u64 ns = clock_ns() - t0;
	while (!p.producer_done)
		cpu_relax();
	self->cpu_mask = old_mask;
	if (bad || perf_buffer_lost_total(&p.rb))
		printk("# pipeline: %u records out of order, %llu lost\n", bad,
		       perf_buffer_lost_total(&p.rb));
	kbench_report("pipeline_mrec_s", (u64)RECORDS * 100 * 1000 / ns, "Mrec/s");
	vunmap_frames(data, PAGES);
	for (int i = 0; i < PAGES; i++)
		frame_free(virt_to_phys(p.pages[i]));
	frame_free(virt_to_phys(p.up));
}
KBENCH(pipeline_mrec_s, bench_pipeline);
