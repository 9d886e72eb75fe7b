/* Architecture contract: boot, power, idle, CPU identity, console,
 * capabilities, randomness, backtraces (see README.md in this folder). */
#pragma once
#include <lib/types.h>
#include <lib/compiler.h>

struct bootinfo;
struct cpu;

/* Boot: console, descriptor tables and the boot information. */
void arch_early_init(u32 boot_magic, paddr_t boot_info, struct bootinfo *bi);
/* After memory management: interrupt controllers, clocks, timer, NMI. */
void arch_init(void);
/* Start the other CPUs (each runs the generic smp code when it is up). */
void arch_smp_boot(void);

/* Stop the machine; `success` picks the QEMU isa-debug-exit code. */
void arch_poweroff(bool success) __noreturn;
void arch_halt_forever(void) __noreturn;
void arch_idle(void);           /* wait for the next interrupt */

/* This CPU's struct cpu becomes reachable through this_cpu(). */
void arch_set_percpu(struct cpu *c);
u32 arch_cpu_apic_id(void);

/* Console (serial port). */
void arch_console_putc(char c);
void arch_console_write(const char *s, size_t n);
int arch_console_getc(void);    /* -1 if none */
/* A second serial port, an output channel to the host: present (and set
 * up) or not; write waits for the port, dropping nothing. Callers
 * serialize. */
bool arch_aux_serial_present(void);
void arch_aux_serial_write(const u8 *buf, size_t n);

/* AT_HWCAP for user programs, and 64 random bits from the hardware (or
 * the best the CPU offers) for AT_RANDOM and getrandom. */
u32 arch_hwcap(void);
/* /proc/cpuinfo: the lines describing CPU cpu after its "processor". */
struct seqbuf;
void arch_cpuinfo(struct seqbuf *s, unsigned int cpu);
u64 arch_random_u64(void);

/* Frame-pointer backtrace from (rip, rbp); returns the number of frames. */
int arch_backtrace_from(u64 rip, u64 rbp, u64 *pcs, int max);
int arch_backtrace_here(u64 *pcs, int max);
void arch_backtrace_all_cpus(void);     /* every CPU prints where it is */
void arch_print_backtrace_from(u64 rip, u64 rbp);
struct thread;
/* Where a thread that is off its CPU sleeps (from its saved switch frame). */
void arch_print_thread_backtrace(const struct thread *t);

/* Tests only: call fn(arg); if it raises an exception, print the usual
 * exception report, abandon fn (its stack frame is discarded) and return
 * true with *fi describing the fault. Returns false if fn returned. */
struct fault_info {
	u64 vector, error_code, rip, addr;
};
bool arch_call_catching_fault(void (*fn)(void *), void *arg, struct fault_info *fi);
/* Tests only: return to the next instruction through an IRET (which, in an
 * NMI handler, ends the NMI blocking as any exception's return would). */
void arch_iret_to_self(void);
