/* 16550 UART on COM1: the console. Polled output (the console must work
 * before interrupts, in panics and with interrupts off). */
#include <arch/x86.h>
#include <arch/x86/cpu.h>
#include <kernel/arch/cpu.h>

#define COM1 0x3f8
#define UART_DATA 0
#define UART_IER  1
#define UART_FCR  2
#define UART_LCR  3
#define UART_MCR  4
#define UART_LSR  5
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY  0x20


void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00);     /* no UART interrupts: we poll */
	outb(COM1 + UART_LCR, 0x80);     /* DLAB on to set the divisor */
	outb(COM1 + UART_DATA, 0x01);    /* 115200 baud */
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, 0x03);     /* 8 data bits, no parity, 1 stop */
	outb(COM1 + UART_FCR, 0xc7);     /* FIFO on, cleared, 14-byte threshold */
	outb(COM1 + UART_MCR, 0x03);     /* DTR, RTS */
}

void arch_console_putc(char c)
{
	/* Bounded wait: a missing UART must not hang the kernel. */
	for (int i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & LSR_THR_EMPTY); i++)
		__asm__ __volatile__("pause");
	outb(COM1 + UART_DATA, (u8)c);
}

void arch_console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			arch_console_putc('\r');
		arch_console_putc(s[i]);
	}
}

int arch_console_getc(void)
{
	if (inb(COM1 + UART_LSR) & LSR_DATA_READY)
		return inb(COM1 + UART_DATA);
	return -1;
}
