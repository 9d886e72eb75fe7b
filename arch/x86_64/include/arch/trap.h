/* The register frame saved by arch/x86_64/entry.asm for every interrupt,
 * exception and (later) system call. */
#pragma once
#include <lib/types.h>

struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector;
	u64 error_code;
	/* pushed by the CPU */
	u64 rip, cs, rflags, rsp, ss;
};

static inline bool trap_from_user(const struct trap_frame *f) { return (f->cs & 3) == 3; }
/* The calling kernel code's own context as a frame (rip here, its frame
 * pointer and stack; kernel CS): what a software event that happens in the
 * kernel reports as its registers (Linux's perf_fetch_caller_regs).
 * trap_capture_kernel_pc sets only those five fields, for a caller that
 * clears the rest itself when something reads them. */
#define trap_capture_kernel_pc(f) do {                                          \
		__asm__ __volatile__("lea 0(%%rip), %0" : "=r"((f)->rip));     \
		(f)->rbp = (u64)__builtin_frame_address(0);                     \
		__asm__ __volatile__("mov %%rsp, %0" : "=r"((f)->rsp));        \
		(f)->cs = 0x08;                                                 \
		(f)->ss = 0x10;                                                 \
	} while (0)
#define trap_capture_kernel(f) do {                                             \
		__builtin_memset((f), 0, sizeof(*(f)));                        \
		trap_capture_kernel_pc(f);                                      \
	} while (0)

/* Were interrupts enabled in the interrupted code? */
static inline bool trap_irqs_were_on(const struct trap_frame *f) { return f->rflags & (1ul << 9); }

/* Exception vectors. */
#define X86_DE 0
#define X86_DB 1
#define X86_NMI 2
#define X86_BP 3
#define X86_OF 4
#define X86_BR 5
#define X86_UD 6
#define X86_NM 7
#define X86_DF 8
#define X86_TS 10
#define X86_NP 11
#define X86_SS 12
#define X86_GP 13
#define X86_PF 14
#define X86_MF 16
#define X86_AC 17
#define X86_MC 18
#define X86_XM 19

/* Page-fault error code bits. */
#define PF_PRESENT (1u << 0)
#define PF_WRITE   (1u << 1)
#define PF_USER    (1u << 2)
#define PF_RSVD    (1u << 3)
#define PF_INSN    (1u << 4)

/* Interrupt vectors the kernel uses above the exceptions. */
#define VEC_PIC_BASE     0x20   /* legacy PIC, remapped and masked */
#define VEC_IOAPIC_BASE  0x30   /* IOAPIC pins 0..23 */
#define VEC_TIMER        0xef   /* LAPIC timer */
#define VEC_IRQ_WORK     0xf0   /* deferred work (irq_work) */
#define VEC_RESCHED      0xf1   /* reschedule IPI */
#define VEC_CALL_FUNC    0xf2   /* cross-CPU function call */
#define VEC_SPURIOUS     0xff

/* Exception-table entry: a fault at `insn` resumes at `fixup`, silently
 * (copy_*_user and other fault-tolerant accesses). */
struct extable_entry {
	u64 insn;
	u64 fixup;
	u64 flags;
};

#define EXTABLE_ENTRY(insn, fixup, flags) \
	".pushsection __ex_table, \"a\"\n\t.balign 8\n\t.quad " #insn ", " #fixup ", " #flags "\n\t.popsection\n\t"

/* What the last fixed-up exception on this CPU was (for callers and tests). */
struct trap_record {
	u64 vector, error_code, rip, cr2;
	u64 count;
};
const struct trap_record *arch_last_fixup(void);

typedef void (*irq_handler_t)(struct trap_frame *f);
void arch_set_irq_handler(u8 vector, irq_handler_t h);
void idt_init(void);
void idt_load(void);
void exception_report(const struct trap_frame *f, const char *why);
