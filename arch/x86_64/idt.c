/* The IDT: every vector points at its stub in entry.asm. NMI, #DF, #MC and
 * #DB use IST stacks. All gates are interrupt gates (IF cleared on entry). */
#include <arch/x86.h>
#include <arch/trap.h>
#include <arch/arch_percpu.h>

struct idt_gate {
	u16 off0;
	u16 sel;
	u8 ist;
	u8 type;                /* P | DPL | 0xe interrupt gate */
	u16 off1;
	u32 off2;
	u32 zero;
} __packed;

struct idt_ptr {
	u16 limit;
	u64 base;
} __packed;

extern const u64 isr_stub_table[256];
static struct idt_gate idt[256] __aligned(16);

static void set_gate(int v, u64 handler, u8 ist, u8 dpl)
{
	idt[v] = (struct idt_gate){
		.off0 = handler & 0xffff,
		.sel = GDT_KERNEL_CS,
		.ist = ist,
		.type = 0x80 | (dpl << 5) | 0x0e,
		.off1 = (handler >> 16) & 0xffff,
		.off2 = handler >> 32,
	};
}

void idt_init(void)
{
	for (int v = 0; v < 256; v++)
		set_gate(v, isr_stub_table[v], 0, 0);
	set_gate(X86_DB, isr_stub_table[X86_DB], IST_DB, 0);
	set_gate(X86_NMI, isr_stub_table[X86_NMI], IST_NMI, 0);
	set_gate(X86_DF, isr_stub_table[X86_DF], IST_DF, 0);
	set_gate(X86_MC, isr_stub_table[X86_MC], IST_MC, 0);
	/* int3 may be used from user mode (debuggers, abort paths). */
	set_gate(X86_BP, isr_stub_table[X86_BP], 0, 3);
	idt_load();
}

void idt_load(void)
{
	struct idt_ptr p = { sizeof(idt) - 1, (u64)idt };
	__asm__ __volatile__("lidt %0" :: "m"(p));
}
