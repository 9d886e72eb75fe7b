/* SYSCALL set-up: where it enters, which segments it loads, which flags
 * it clears. */
#include <arch/trap.h>
#include <arch/x86.h>
#include <arch/x86/cpu.h>

extern char syscall_entry[];

void arch_syscall_init_cpu(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	/* SYSCALL: CS = STAR[47:32], SS = +8. SYSRET: SS = STAR[63:48] + 8,
	 * CS = STAR[63:48] + 16, which is why user data precedes user code in
	 * the GDT. */
	wrmsr(MSR_STAR, ((u64)(GDT_USER_DS - 8) << 48) | ((u64)GDT_KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (u64)syscall_entry);
	wrmsr(MSR_FMASK, RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_AC | RFLAGS_NT);
}
