/* After boot: start user space (kernel/init.c). */
#pragma once

void init_start(void) __attribute__((noreturn));
/* Deliberately crash (crashtest=ud|pf|gp|nmi-lock|nmi-fault|lockup|panic) to prove that the exception
 * report and the test-mode failure exit work (tests/plans/kernel.plan). */
void crashtest(const char *what) __attribute__((noreturn));

/* nmistorm=DST[:SRC]: start the cross-CPU NMI stress thread (nmistorm.c). */
void nmistorm_start(void);

struct boot_module;
/* A program packed as a boot module, by name; NULL if absent. */
const struct boot_module *module_find(const char *name);
/* Run a boot-module program to completion: 0 and *status (a wait status),
 * or a negative error if it could not start. */
long run_program(const char *name, const char *const *argv, int indent, int *status);
