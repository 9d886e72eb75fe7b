/* Placeholder syscall tracepoints until perf events exist. */
#include <kernel/syscall.h>

void trace_sys_enter(struct trap_frame *f, long nr) { }
void trace_sys_exit(struct trap_frame *f, long nr, long ret) { }
