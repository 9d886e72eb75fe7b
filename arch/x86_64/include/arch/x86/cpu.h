/* x86_64 private: per-CPU start-up pieces and the entry points that the
 * assembly code calls or provides. */
#pragma once
#include <lib/types.h>

struct aspace;
struct bootinfo;
struct cpu;
struct thread;
struct trap_frame;

/* Start-up (arch.c, smp.c, serial.c, multiboot.c). */
void serial_init(void);
void multiboot_parse(u32 magic, paddr_t info, struct bootinfo *bi);
void arch_cpu_setup_cr(void);           /* CR0/CR4 features on this CPU */
void arch_syscall_init_cpu(void);       /* SYSCALL MSRs on this CPU */
void arch_fpu_setup(void);              /* boot CPU: the initial FPU image */
void ap_entry(struct cpu *c);           /* an AP's first C code */

/* Entry points called from assembly (entry.asm, syscall.asm). */
void trap_dispatch(struct trap_frame *f);
const char *arch_exception_name(u64 vector);

/* Provided by assembly. */
void switch_stacks(struct thread *prev, struct thread *next);   /* switch.asm */
u64 catch_call(void (*fn)(void *), void *arg, u64 *saved_rsp); /* catch.asm */
/* Tests (tests/nmi_regs.asm): registers across a self-NMI. */
void nmi_regs_probe(u64 *out, volatile u32 *icr_lo);
extern char nmi_regs_probe_end[];

/* Memory (mmu.c, tlb.c). */
void tlb_shootdown(struct aspace *as, vaddr_t va, bool all);
bool arch_kernel_addr_mapped(u64 va);
