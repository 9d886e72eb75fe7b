/* What a program may learn about the CPU and set in it: the hardware
 * capabilities for AT_HWCAP, randomness (AT_RANDOM, getrandom), and the
 * user FS/GS bases (arch_prctl) of the running thread. */
#include <arch/x86.h>
#include <kernel/arch/cpu.h>
#include <kernel/arch/thread.h>

void arch_set_user_fs(u64 base) { wrmsr(MSR_FS_BASE, base); }
/* In kernel mode the user's GS base waits in KERNEL_GS_BASE (swapgs). */
void arch_set_user_gs(u64 base) { wrmsr(MSR_KERNEL_GS_BASE, base); }

/* AT_HWCAP: CPUID.1 EDX, as Linux reports it. */
u32 arch_hwcap(void)
{
	u32 a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	return d;
}

/* Randomness for AT_RANDOM and getrandom: RDRAND where present, mixed
 * with the TSC and a counter (the bytes must differ per call; this is not
 * a cryptographic generator). */
u64 arch_random_u64(void)
{
	static u64 state = 0x853c49e6748fea9bull;
	u64 x = __atomic_add_fetch(&state, 0x9e3779b97f4a7c15ull, __ATOMIC_RELAXED) ^ rdtsc();
	u32 a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if (c & (1u << 30)) {
		u64 r;
		unsigned char ok;
		__asm__ __volatile__("rdrand %0; setc %1" : "=r"(r), "=qm"(ok));
		if (ok)
			x ^= r;
	}
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}
