/* Kernel command line: words "key=value" or "flag". */
#pragma once
#include <lib/types.h>

void cmdline_init(const char *s);
const char *cmdline_raw(void);
/* Copy the value of key into buf; true if key was present. */
bool cmdline_get(const char *key, char *buf, size_t size);
bool cmdline_has(const char *flag);
/* Everything after a lone "--" (arguments for the program to run). */
const char *cmdline_tail(void);
