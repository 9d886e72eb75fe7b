/* Fatal errors. panic() prints the message and a backtrace, then stops the
 * machine: in test mode QEMU exits with the failure code so the harness sees
 * it at once; otherwise the CPU halts for inspection with gdb. */
#pragma once
#include <lib/compiler.h>

void panic(const char *fmt, ...) __printf(1, 2) __noreturn;

#define BUG_ON(c)                                                             \
	do {                                                                  \
		if (unlikely(c))                                              \
			panic("BUG at %s:%d: %s", __FILE__, __LINE__, #c);     \
	} while (0)
#define WARN_ON(c)                                                            \
	({                                                                    \
		bool ___w = !!(c);                                            \
		if (unlikely(___w))                                           \
			warn_at(__FILE__, __LINE__, #c);                      \
		___w;                                                         \
	})
void warn_at(const char *file, int line, const char *what);

/* Set once the kernel runs tests: fatal errors then end the QEMU run. */
extern bool ktest_mode;
