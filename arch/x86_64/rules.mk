# arch/x86_64: everything that knows it runs on an x86_64 PC.
KERNEL_ASM += arch/x86_64/boot.asm arch/x86_64/entry.asm arch/x86_64/catch.asm \
              arch/x86_64/switch.asm arch/x86_64/syscall.asm arch/x86_64/uaccess.asm \
              arch/x86_64/trampoline.asm
KERNEL_C += arch/x86_64/arch.c arch/x86_64/serial.c arch/x86_64/multiboot.c \
            arch/x86_64/gdt.c arch/x86_64/idt.c arch/x86_64/traps.c \
            arch/x86_64/backtrace.c arch/x86_64/mmu.c arch/x86_64/tlb.c \
            arch/x86_64/apic.c arch/x86_64/tsc.c arch/x86_64/nmi.c \
            arch/x86_64/thread.c arch/x86_64/syscall_arch.c arch/x86_64/signal.c \
            arch/x86_64/acpi.c arch/x86_64/ioapic.c arch/x86_64/perf_nmi.c arch/x86_64/perf_regs.c \
            arch/x86_64/smp.c arch/x86_64/cpu.c
KERNEL_C += arch/x86_64/tests/arch_test.c
KERNEL_ASM += arch/x86_64/tests/nmi_regs.asm
