/* The console device (fds 0-2). */
#pragma once
#include <lib/types.h>

struct file;
struct process;

struct file *console_open(void);
void console_poll_input(void);
void console_write_for(struct process *p, const char *s, size_t n);
