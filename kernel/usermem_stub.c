/* Placeholder until processes exist. */
#include <arch/trap.h>
#include <kernel/panic.h>
#include <kernel/usermem.h>

bool user_memory_fault(struct trap_frame *f, u64 addr) { return false; }
void user_exception(struct trap_frame *f, u64 cr2)
{
	exception_report(f, "user exception");
	panic("user exception without a process");
}
