/* What a program may learn about the CPU and set in it: the hardware
 * capabilities for AT_HWCAP, randomness (AT_RANDOM, getrandom), and the
 * user FS/GS bases (arch_prctl) of the running thread, and what
 * /proc/cpuinfo says about it. */
#include <arch/x86.h>
#include <lib/string.h>
#include <kernel/percpu.h>
#include <kernel/pseudofs.h>
#include <kernel/arch/clock.h>
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

/* /proc/cpuinfo lines after "processor" for CPU cpu, from CPUID (the
 * same on every CPU of one machine) and the measured clock. */
static const char *const edx_flags[32] = {
	"fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", NULL, "sep",
	"mtrr", "pge", "mca", "cmov", "pat", "pse36", "pn", "clflush", NULL, "dts", "acpi",
	"mmx", "fxsr", "sse", "sse2", "ss", "ht", "tm", "ia64", "pbe",
};
static const char *const ecx_flags[32] = {
	"pni", "pclmulqdq", "dtes64", "monitor", "ds_cpl", "vmx", "smx", "est", "tm2", "ssse3",
	"cid", "sdbg", "fma", "cx16", "xtpr", "pdcm", NULL, "pcid", "dca", "sse4_1", "sse4_2",
	"x2apic", "movbe", "popcnt", "tsc_deadline_timer", "aes", "xsave", NULL, "avx", "f16c",
	"rdrand", "hypervisor",
};

void arch_cpuinfo(struct seqbuf *s, unsigned int cpu)
{
	u32 a, b, c, d, regs[12];
	char vendor[13];
	cpuid(0, 0, &a, &b, &c, &d);
	u32 max_leaf = a;
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	vendor[12] = 0;
	char model[49] = "unknown";
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a >= 0x80000004) {
		for (u32 k = 0; k < 3; k++)
			cpuid(0x80000002 + k, 0, &regs[4 * k], &regs[4 * k + 1], &regs[4 * k + 2],
			      &regs[4 * k + 3]);
		memcpy(model, regs, 48);
		model[48] = 0;
	}
	cpuid(1, 0, &a, &b, &c, &d);
	u32 family = (a >> 8) & 0xf, mod = (a >> 4) & 0xf, stepping = a & 0xf;
	if (family == 0xf)
		family += (a >> 20) & 0xff;
	if (family == 0x6 || family >= 0xf)
		mod |= ((a >> 16) & 0xf) << 4;
	u64 khz = arch_cycles_khz();
	struct cpu *pc = cpu < MAX_CPUS ? cpu_table[cpu] : NULL;
	seq_printf(s, "vendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\nmodel name\t: %s\n"
		   "stepping\t: %u\ncpu MHz\t\t: %llu.%03llu\nphysical id\t: 0\nsiblings\t: %u\n"
		   "core id\t\t: %u\ncpu cores\t: %u\napicid\t\t: %u\nfpu\t\t: yes\n"
		   "cpuid level\t: %u\nwp\t\t: yes\nflags\t\t:", vendor, family, mod, model,
		   stepping, (unsigned long long)(khz / 1000), (unsigned long long)(khz % 1000),
		   nr_cpus_online, cpu, nr_cpus_online, pc ? pc->apic_id : cpu, max_leaf);
	for (int k = 0; k < 32; k++)
		if ((d & (1u << k)) && edx_flags[k])
			seq_printf(s, " %s", edx_flags[k]);
	for (int k = 0; k < 32; k++)
		if ((c & (1u << k)) && ecx_flags[k])
			seq_printf(s, " %s", ecx_flags[k]);
	seq_printf(s, "\nbogomips\t: %llu.%02llu\nclflush size\t: 64\ncache_alignment\t: 64\n"
		   "address sizes\t: 48 bits physical, 48 bits virtual\n",
		   (unsigned long long)(khz * 2 / 1000), (unsigned long long)(khz * 2 / 10 % 100));
}
