/* After boot: start user space (kernel/init.c). */
#pragma once

void init_start(void) __attribute__((noreturn));
/* Deliberately crash (crashtest=ud|pf|gp|nmi-lock|panic) to prove that the exception
 * report and the test-mode failure exit work (tests/plans/kernel.plan). */
void crashtest(const char *what) __attribute__((noreturn));
