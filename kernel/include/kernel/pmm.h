/* Physical frame allocator: one bit per 4 KiB frame of RAM described by the
 * boot memory map, and a reference count per allocated frame (copy-on-write
 * sharing). Frames are reached through the direct map (phys_to_virt).
 * SMP-safe: one IRQ-safe lock; never called from NMI context. */
#pragma once
#include <lib/types.h>

#define PAGE_SIZE  4096ul
#define PAGE_SHIFT 12
#define PAGE_MASK  (~(PAGE_SIZE - 1))

struct bootinfo;
void pmm_init(const struct bootinfo *bi, paddr_t kernel_start, paddr_t kernel_end);

/* One zeroed frame, or 0 when memory is exhausted. */
paddr_t frame_alloc(void);
/* `count` physically contiguous zeroed frames aligned to `align` frames. */
paddr_t frame_alloc_contig(size_t count, size_t align);
/* Drop a reference; the frame is free once the last one is gone. */
void frame_free(paddr_t pa);
/* Another user of an allocated frame (a copy-on-write sharer). */
void frame_get(paddr_t pa);
unsigned frame_refs(paddr_t pa);
/* Return reserved boot RAM (a boot module copied out) to the allocator. */
void pmm_release_range(paddr_t start, paddr_t end);
void frame_free_contig(paddr_t pa, size_t count);

size_t frame_free_count(void);
size_t frame_total_count(void);
bool frame_is_allocated(paddr_t pa);
