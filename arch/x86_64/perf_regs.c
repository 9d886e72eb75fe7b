/* perf's view of x86_64 registers (PERF_SAMPLE_REGS_USER/_INTR): Linux's
 * numbering (asm/perf_regs.h), its validation, and values from a trap
 * frame. DS, ES, FS and GS have no place in a 64-bit sample (EINVAL); the
 * XMM slots are accepted and read as zero (no PEBS here, as on Linux for
 * software events). */
#include <lib/errno.h>
#include <arch/trap.h>
#include <kernel/arch/perf.h>

enum {
	REG_AX, REG_BX, REG_CX, REG_DX, REG_SI, REG_DI, REG_BP, REG_SP, REG_IP, REG_FLAGS,
	REG_CS, REG_SS, REG_DS, REG_ES, REG_FS, REG_GS, REG_R8, REG_R9, REG_R10, REG_R11,
	REG_R12, REG_R13, REG_R14, REG_R15, REG_64_MAX, REG_XMM0 = 32,
};

#define NOT_64BIT ((1ull << REG_DS) | (1ull << REG_ES) | (1ull << REG_FS) | (1ull << REG_GS))
#define RESERVED (((1ull << REG_XMM0) - 1) & ~((1ull << REG_64_MAX) - 1))

int arch_perf_reg_validate(u64 mask)
{
	return !mask || (mask & (NOT_64BIT | RESERVED)) ? -EINVAL : 0;
}

u64 arch_perf_reg_value(const struct trap_frame *f, int idx)
{
	switch (idx) {
	case REG_AX: return f->rax;
	case REG_BX: return f->rbx;
	case REG_CX: return f->rcx;
	case REG_DX: return f->rdx;
	case REG_SI: return f->rsi;
	case REG_DI: return f->rdi;
	case REG_BP: return f->rbp;
	case REG_SP: return f->rsp;
	case REG_IP: return f->rip;
	case REG_FLAGS: return f->rflags;
	case REG_CS: return f->cs;
	case REG_SS: return f->ss;
	case REG_R8: return f->r8;
	case REG_R9: return f->r9;
	case REG_R10: return f->r10;
	case REG_R11: return f->r11;
	case REG_R12: return f->r12;
	case REG_R13: return f->r13;
	case REG_R14: return f->r14;
	case REG_R15: return f->r15;
	default: return 0;
	}
}

u64 arch_perf_user_sp(const struct trap_frame *f)
{
	return f->rsp;
}
