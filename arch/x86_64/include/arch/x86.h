/* x86_64 instructions and register definitions. Only arch/x86_64 code and
 * the arch headers include this; generic code uses the arch_* calls. */
#pragma once
#include <lib/types.h>
#include <lib/compiler.h>
#include <arch/mmu.h>
#include <arch/barrier.h>


#define CR0_PE  (1u << 0)
#define CR0_MP  (1u << 1)
#define CR0_EM  (1u << 2)
#define CR0_TS  (1u << 3)
#define CR0_NE  (1u << 5)
#define CR0_WP  (1u << 16)
#define CR0_PG  (1u << 31)
#define CR4_PAE        (1u << 5)
#define CR4_PGE        (1u << 7)
#define CR4_OSFXSR     (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_FSGSBASE   (1u << 16)
#define CR4_OSXSAVE    (1u << 18)
#define CR4_SMEP       (1u << 20)
#define CR4_SMAP       (1u << 21)

#define RFLAGS_CF  (1ul << 0)
#define RFLAGS_TF  (1ul << 8)
#define RFLAGS_IF  (1ul << 9)
#define RFLAGS_DF  (1ul << 10)
#define RFLAGS_NT  (1ul << 14)
#define RFLAGS_RF  (1ul << 16)
#define RFLAGS_AC  (1ul << 18)

#define MSR_APIC_BASE      0x1b
#define MSR_EFER           0xc0000080
#define MSR_STAR           0xc0000081
#define MSR_LSTAR          0xc0000082
#define MSR_FMASK          0xc0000084
#define MSR_FS_BASE        0xc0000100
#define MSR_GS_BASE        0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_TSC_AUX        0xc0000103
#define EFER_SCE (1u << 0)
#define EFER_LME (1u << 8)
#define EFER_NXE (1u << 11)

/* GDT selectors (see asm_defs.inc). */
#define GDT_KERNEL_CS 0x08
#define GDT_KERNEL_DS 0x10
#define GDT_USER_DS   0x1b
#define GDT_USER_CS   0x23
#define GDT_TSS       0x28

static inline void outb(u16 port, u8 v) { __asm__ __volatile__("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outw(u16 port, u16 v) { __asm__ __volatile__("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { __asm__ __volatile__("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u32 inl(u16 port) { u32 v; __asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;
	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
	__asm__ __volatile__("wrmsr" :: "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

static inline void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	__asm__ __volatile__("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

#define DEFINE_CR_ACCESS(n)                                                        \
	static inline u64 read_cr##n(void)                                         \
	{                                                                          \
		u64 v;                                                             \
		__asm__ __volatile__("mov %%cr" #n ", %0" : "=r"(v) :: "memory"); \
		return v;                                                          \
	}                                                                          \
	static inline void write_cr##n(u64 v)                                      \
	{                                                                          \
		__asm__ __volatile__("mov %0, %%cr" #n :: "r"(v) : "memory");     \
	}
DEFINE_CR_ACCESS(0)
DEFINE_CR_ACCESS(2)
DEFINE_CR_ACCESS(3)
DEFINE_CR_ACCESS(4)

static inline void invlpg(u64 va) { __asm__ __volatile__("invlpg (%0)" :: "r"(va) : "memory"); }

static inline u64 read_rflags(void)
{
	u64 f;
	__asm__ __volatile__("pushfq; popq %0" : "=r"(f) :: "memory");
	return f;
}

static inline void irq_enable(void) { __asm__ __volatile__("sti" ::: "memory"); }
static inline void irq_disable(void) { __asm__ __volatile__("cli" ::: "memory"); }
static inline void halt(void) { __asm__ __volatile__("hlt" ::: "memory"); }
/* sti takes effect after the next instruction, so no interrupt slips in
 * between the check that decided to sleep and the hlt. */
static inline void safe_halt(void) { __asm__ __volatile__("sti; hlt" ::: "memory"); }


struct cpuid_features {
	bool nx, pge, invariant_tsc, hypervisor, x2apic, fsgsbase, smep, smap,
	     xsave, rdtscp, tsc_deadline, pdpe1gb;
	u32 max_leaf, max_ext_leaf;
};
extern struct cpuid_features cpu_features;
void cpu_features_init(void);
