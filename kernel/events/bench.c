/* In-kernel benchmark of the perf output path: begin + copy + end of
 * 64-byte records into a 64-page buffer that a "reader" keeps draining, so
 * every record is written (normal mode, no loss). */
#include <lib/string.h>
#include <arch/preempt.h>
#include <arch/mmu.h>
#include <kernel/clock.h>
#include <kernel/kbench.h>
#include <kernel/pmm.h>
#include "ring_buffer.h"

#define PAGES 64
#define RECORDS 2000000

static void bench_output_64b(void)
{
	static void *pages[PAGES];
	paddr_t user = frame_alloc();
	for (int i = 0; i < PAGES; i++)
		pages[i] = phys_to_virt(frame_alloc());
	struct perf_event_mmap_page *up = phys_to_virt(user);
	struct perf_buffer rb;
	struct perf_buffer_config cfg = {
		.user_page = up, .data_pages = pages, .nr_pages = PAGES,
	};
	perf_buffer_init(&rb, &cfg);
	struct perf_output_ctx ctx = { .id = 1 };
	struct { struct perf_event_header h; u64 w[7]; } rec = {
		.h = { .type = PERF_RECORD_SAMPLE, .misc = 0, .size = 64 },
	};
	u64 best = ~0ull;
	for (int round = 0; round < 3; round++) {
		/* Interrupts stay on: shadow-paging hypervisors (KVM's PVM
		 * flavour) emulate every instruction run with IF=0. */
		preempt_disable();
		u64 t0 = clock_ns();
		for (u32 i = 0; i < RECORDS; i++) {
			rec.w[0] = i;
			struct perf_output_handle h;
			if (perf_output_begin(&h, &rb, &ctx, sizeof(rec)) == 0) {
				perf_output_copy(&h, &rec, sizeof(rec));
				perf_output_end(&h);
			}
			if ((i & 255) == 255)   /* the reader catches up */
				up->data_tail = up->data_head;
		}
		u64 ns = clock_ns() - t0;
		preempt_enable();
		if (ns < best)
			best = ns;
	}
	kbench_report("output_64b_ns", best * 100 / RECORDS, "ns");
	for (int i = 0; i < PAGES; i++)
		frame_free(virt_to_phys(pages[i]));
	frame_free(user);
}
KBENCH(output_64b_ns, bench_output_64b);
