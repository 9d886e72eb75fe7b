/* The x86_64 part of struct cpu: descriptor tables and exception stacks. */
#pragma once
#include <lib/types.h>
#include <lib/compiler.h>

#define IST_NMI 1
#define IST_DF  2
#define IST_MC  3
#define IST_DB  4
#define IST_COUNT 4
#define IST_STACK_SIZE 8192

struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;

struct arch_cpu {
	u64 gdt[7];             /* null, kcode, kdata, udata, ucode, tss(2) */
	struct tss64 tss;
	u8 *ist_stack[IST_COUNT + 1];  /* bottoms; [0] unused */
};

/* %gs always points at the running CPU's struct cpu in kernel mode.
 * Volatile: the answer changes whenever the thread may move (any call
 * that can sleep or be preempted), so the compiler must not reuse an
 * earlier read. A non-volatile asm was hoisted out of do_wait's sleep
 * loop: after waking on another CPU, the waiter took procs_lock with
 * the old CPU's id and thread as the holder, and that CPU's next
 * acquirer saw "recursive acquisition". */
#define arch_this_cpu_ptr()                                                \
	({                                                                 \
		struct cpu *___c;                                          \
		__asm__ __volatile__("movq %%gs:0, %0" : "=r"(___c));      \
		___c;                                                      \
	})
