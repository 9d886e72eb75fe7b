/* Per-CPU areas. The boot CPU's is static so that printk, spinlocks and
 * exceptions work from the first instruction of kmain; application
 * processors get theirs when they are brought up. */
#include <lib/string.h>
#include <kernel/percpu.h>
#include <kernel/arch/cpu.h>
#include <kernel/arch/entry.h>

struct cpu boot_cpu;
struct cpu *cpu_table[MAX_CPUS];
unsigned int nr_cpus_online = 1;


void percpu_init_boot(void)
{
	memset(&boot_cpu, 0, sizeof(boot_cpu));
	boot_cpu.self = &boot_cpu;
	boot_cpu.id = 0;
	boot_cpu.online = true;
	cpu_table[0] = &boot_cpu;
	arch_set_percpu(&boot_cpu);
}
