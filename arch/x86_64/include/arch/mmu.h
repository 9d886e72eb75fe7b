/* Virtual address layout (x86_64, 4-level paging), for generic code:
 *   0 .. USER_TOP                      user space (per process)
 *   PHYS_MAP_BASE ..                   direct map of all RAM
 *   VMAP_BASE .. +VMAP_SIZE            kernel virtual areas (stacks, buffers)
 *   KERNEL_VMA ..                      the kernel image (-2 GiB)  */
#pragma once
#include <lib/types.h>

#define KERNEL_VMA      0xffffffff80000000ull
#define PHYS_MAP_BASE   0xffff800000000000ull
#define VMAP_BASE       0xffffc00000000000ull
#define VMAP_SIZE       (1ull << 40)
#define USER_TOP        0x0000800000000000ull   /* first non-user address */
#define USER_MIN        0x10000ull              /* lowest mappable user address */

static inline void *phys_to_virt(paddr_t pa) { return (void *)(pa + PHYS_MAP_BASE); }
static inline paddr_t virt_to_phys(const void *va)
{
	u64 v = (u64)va;
	return v >= KERNEL_VMA ? v - KERNEL_VMA : v - PHYS_MAP_BASE;
}
