/* x86_64 private: descriptor tables and the TSS (gdt.c, idt in trap.h). */
#pragma once
#include <lib/types.h>

struct cpu;

void gdt_init_cpu(struct cpu *c);
/* The kernel stack an interrupt from user mode lands on (TSS.RSP0). */
void gdt_set_kernel_stack(u64 rsp0);
