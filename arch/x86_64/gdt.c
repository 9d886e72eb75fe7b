/* Per-CPU GDT and TSS. The TSS carries the IST stacks: NMI, #DF, #MC and #DB
 * always run on their own known-good stack, whatever the interrupted code
 * did to its stack. */
#include <lib/string.h>
#include <lib/compiler.h>
#include <arch/x86.h>
#include <kernel/percpu.h>
#include <arch/x86/gdt.h>

/* asm_defs.inc mirrors these; check the C side here. */
STATIC_ASSERT(__builtin_offsetof(struct cpu, self) == 0, "CPU_SELF");
STATIC_ASSERT(__builtin_offsetof(struct cpu, kernel_rsp) == 8, "CPU_KERNEL_RSP");
STATIC_ASSERT(__builtin_offsetof(struct cpu, user_rsp) == 16, "CPU_USER_RSP");
STATIC_ASSERT(sizeof(struct tss64) == 104, "TSS layout");
STATIC_ASSERT(IST_STACK_SIZE == 8192, "IST_STACK_SIZE in asm_defs.inc");

/* Static so that they exist before the heap and can never fault. */
static u8 ist_stacks[MAX_CPUS][IST_COUNT][IST_STACK_SIZE] __aligned(16);

struct gdt_ptr {
	u16 limit;
	u64 base;
} __packed;


void gdt_init_cpu(struct cpu *c)
{
	struct arch_cpu *a = &c->arch;
	a->gdt[0] = 0;
	a->gdt[1] = 0x00af9a000000ffffull;   /* 0x08 kernel code, L=1 */
	a->gdt[2] = 0x00cf92000000ffffull;   /* 0x10 kernel data */
	a->gdt[3] = 0x00cff2000000ffffull;   /* 0x18 user data (DPL 3) */
	a->gdt[4] = 0x00affa000000ffffull;   /* 0x20 user code, L=1, DPL 3 */

	memset(&a->tss, 0, sizeof(a->tss));
	for (int i = 1; i <= IST_COUNT; i++) {
		a->ist_stack[i] = ist_stacks[c->id][i - 1];
		a->tss.ist[i - 1] = (u64)(ist_stacks[c->id][i - 1] + IST_STACK_SIZE);
	}
	a->tss.iomap_base = sizeof(struct tss64);  /* no I/O bitmap */

	u64 base = (u64)&a->tss, limit = sizeof(struct tss64) - 1;
	a->gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
		    (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	a->gdt[6] = base >> 32;

	struct gdt_ptr p = { sizeof(a->gdt) - 1, (u64)a->gdt };
	__asm__ __volatile__(
		"lgdt %0\n\t"
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movw %w2, %%ds\n\t"
		"movw %w2, %%es\n\t"
		"movw %w2, %%ss\n\t"
		"ltr %w3\n\t"
		:: "m"(p), "i"(GDT_KERNEL_CS), "r"(GDT_KERNEL_DS), "r"(GDT_TSS)
		: "rax", "memory");
}

/* Stack the CPU switches to on an interrupt from user mode (ring 3 -> 0). */
void gdt_set_kernel_stack(u64 rsp0)
{
	this_cpu()->arch.tss.rsp[0] = rsp0;
	this_cpu()->kernel_rsp = rsp0;
}
