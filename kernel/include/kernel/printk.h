/* Kernel console output. printk writes to the serial console and to an
 * in-memory log (klog) that tests and `rt-dmesg` in gdb can read. From NMI
 * context it never takes the console lock: text goes to a per-CPU buffer
 * that deferred work (irq_work) prints afterwards. */
#pragma once
#include <lib/types.h>
#include <lib/compiler.h>

int printk(const char *fmt, ...) __printf(1, 2);
int vprintk(const char *fmt, va_list ap);
/* Lock-free, unbuffered output for panics and the NMI-fatal path. */
void printk_emergency(const char *fmt, ...) __printf(1, 2);
/* From now on print without locking or deferring (panic). */
void printk_enter_emergency(void);

void console_write(const char *s, size_t n);          /* kernel text: also klog */
void console_write_user(const char *s, size_t n);     /* programs' text: not klog */

/* klog: the last KLOG_SIZE bytes printed. */
#define KLOG_SIZE (64 * 1024)
u64 klog_position(void);
/* Copy what was printed since position `from` (at most n-1 bytes) into buf. */
size_t klog_read_since(u64 from, char *buf, size_t n);

void printk_init_late(void);

#define pr_info(...) printk(__VA_ARGS__)
#define pr_warn(...) printk("warning: " __VA_ARGS__)
#define pr_err(...)  printk("error: " __VA_ARGS__)
