/* The interface generic kernel code uses to reach the architecture (the LK
 * way): everything below these calls lives in arch/<arch>/. */
#pragma once
#include <lib/types.h>
#include <lib/compiler.h>

struct bootinfo;
struct trap_frame;

/* Boot: console, descriptor tables and the boot information. */
void arch_early_init(u32 boot_magic, paddr_t boot_info, struct bootinfo *bi);
/* After memory management: interrupt controllers, clocks, timer, NMI. */
void arch_init(void);

/* Stop the machine; `success` picks the QEMU isa-debug-exit code. */
void arch_poweroff(bool success) __noreturn;
void arch_halt_forever(void) __noreturn;
void arch_idle(void);          /* wait for the next interrupt */

/* Console (serial port). */
void arch_console_putc(char c);
void arch_console_write(const char *s, size_t n);
int arch_console_getc(void);   /* -1 if none */

/* Clocks. */
u64 arch_clock_ns(void);       /* monotonic nanoseconds since boot */
u64 arch_clock_cycles(void);   /* raw cycle counter (TSC) */
u64 arch_realtime_offset_ns(void); /* boot time as UNIX ns (from the RTC) */
const char *arch_clock_source(void);
u32 arch_timer_hz(void);
/* Interrupt this CPU (timer vector) after delta_ns; replaces any pending. */
void arch_timer_set_oneshot(u64 delta_ns);

/* Interrupts between CPUs (and to self). */
void arch_send_nmi(u32 cpu);           /* NMI to a CPU, including itself */
void arch_raise_irq_work(u32 cpu);     /* deferred-work IPI */
void arch_send_resched(u32 cpu);
u32 arch_cpu_apic_id(void);

/* Frame-pointer backtrace from (rip, rbp); returns the number of frames. */
int arch_backtrace_from(u64 rip, u64 rbp, u64 *pcs, int max);
int arch_backtrace_here(u64 *pcs, int max);
void arch_backtrace_all_cpus(void);     /* every CPU prints where it is */
void arch_print_backtrace_from(u64 rip, u64 rbp);

/* Tests only: call fn(arg); if it raises an exception, print the usual
 * exception report, abandon fn (its stack frame is discarded) and return
 * true with *fi describing the fault. Returns false if fn returned. */
struct fault_info {
	u64 vector, error_code, rip, addr;
};
bool arch_call_catching_fault(void (*fn)(void *), void *arg, struct fault_info *fi);
