/* x86_64 side of threads: the initial kernel stack of a new thread, and
 * what changes with the running thread (FPU/SSE registers, FS/GS bases,
 * page tables, the ring-0 stack in the TSS). The kernel never uses the FPU
 * (-mgeneral-regs-only), so the registers always hold the current thread's
 * user state and are saved and restored eagerly at each switch. */
#include <lib/string.h>
#include <arch/trap.h>
#include <arch/x86.h>
#include <kernel/proc.h>
#include <kernel/thread.h>
#include <kernel/vm.h>
#include <arch/x86/cpu.h>
#include <arch/x86/gdt.h>
#include <kernel/arch/thread.h>

extern char thread_trampoline_kernel[], thread_trampoline_user[];

static u8 fpu_initial[512] __attribute__((aligned(16)));

/* The FXSAVE image of a fresh thread, built by hand rather than with
 * fninit/ldmxcsr (KVM's PVM flavour fails to emulate ldmxcsr): x87 control
 * word 0x37f (all exceptions masked, 64-bit precision), MXCSR 0x1f80 (all
 * SSE exceptions masked, round to nearest), every register empty. */
void arch_fpu_setup(void)
{
	*(u16 *)&fpu_initial[0] = 0x37f;        /* FCW */
	*(u32 *)&fpu_initial[24] = 0x1f80;      /* MXCSR */
	*(u32 *)&fpu_initial[28] = 0xffff;      /* MXCSR_MASK (ignored on load) */
	__asm__ __volatile__("fxrstor64 %0" :: "m"(fpu_initial));
}

/* A signal handler starts with clean FPU/SSE state, as on Linux. */
void arch_fpu_reset_live(void)
{
	__asm__ __volatile__("fxrstor64 %0" :: "m"(fpu_initial));
}

void arch_fpu_init(struct thread *t)
{
	memcpy(t->fpu, fpu_initial, sizeof(t->fpu));
}

void arch_fpu_save_live(struct thread *t)
{
	__asm__ __volatile__("fxsave64 %0" : "=m"(t->fpu));
}

void arch_thread_init_stack(struct thread *t, bool user)
{
	u64 *sp = (u64 *)t->kstack_top;
	if (user) {
		sp = (u64 *)((u8 *)sp - sizeof(struct trap_frame));
		t->uframe = (struct trap_frame *)sp;
		*--sp = (u64)thread_trampoline_user;
	} else {
		*--sp = 0;      /* keeps the kthread_entry call 16-byte aligned */
		*--sp = (u64)thread_trampoline_kernel;
	}
	for (int i = 0; i < 6; i++)     /* rbp rbx r12 r13 r14 r15 */
		*--sp = 0;
	t->ksp = (u64)sp;
}

void arch_switch_to(struct thread *prev, struct thread *next)
{
	arch_fpu_save_live(prev);
	if (next->proc) {
		aspace_switch(&next->proc->mm->as);
		wrmsr(MSR_FS_BASE, next->fs_base);
		/* In kernel mode the user's GS base waits in KERNEL_GS_BASE. */
		wrmsr(MSR_KERNEL_GS_BASE, next->gs_base);
	} else {
		aspace_switch(&kernel_aspace);
	}
	gdt_set_kernel_stack(next->kstack_top);
	__asm__ __volatile__("fxrstor64 %0" :: "m"(next->fpu));
	switch_stacks(prev, next);
}
