/* Kernel heap: size classes for small blocks carved from frames, whole
 * frames for large ones. IRQ-safe; not for NMI context. */
#pragma once
#include <lib/types.h>

void heap_init(void);
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);
size_t kmalloc_usable_size(const void *p);

struct heap_stats {
	size_t bytes_in_use;
	size_t allocations;     /* live blocks */
	size_t frames;          /* frames owned by the heap */
};
void heap_get_stats(struct heap_stats *st);
