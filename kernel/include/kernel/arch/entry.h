/* Architecture contract, the other direction: generic functions that
 * arch code calls (from its entry points and start-up code). */
#pragma once
#include <lib/types.h>

struct trap_frame;

/* The boot CPU's first C code, after the arch start-up code. */
void kmain(u32 boot_magic, paddr_t boot_info);
/* A new kernel thread's first C code (from the switch trampoline). */
void kthread_entry(void) __attribute__((noreturn));
/* The periodic tick (timer vector), interrupts off. */
void timer_interrupt(void);
/* A system call (number and arguments in f); returns through exit_to_user. */
void syscall_dispatch(struct trap_frame *f);
