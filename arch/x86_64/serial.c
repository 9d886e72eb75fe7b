/* 16550 UARTs. COM1: the console. Polled output (the console must work
 * before interrupts, in panics and with interrupts off). COM2: an output
 * channel to the host (/dev/ttyS1, e.g. QEMU's -serial file:...), used to
 * copy files out of the machine; its writer waits for the UART, never
 * dropping a byte. */
#include <arch/x86.h>
#include <arch/x86/cpu.h>
#include <kernel/arch/cpu.h>

#define COM1 0x3f8
#define COM2 0x2f8
#define UART_DATA 0
#define UART_IER  1
#define UART_FCR  2
#define UART_LCR  3
#define UART_MCR  4
#define UART_LSR  5
#define UART_SCR  7
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY  0x20
#define UART_FIFO_SIZE 16

static void uart_init(u16 port)
{
	outb(port + UART_IER, 0x00);     /* no UART interrupts: we poll */
	outb(port + UART_LCR, 0x80);     /* DLAB on to set the divisor */
	outb(port + UART_DATA, 0x01);    /* 115200 baud */
	outb(port + UART_IER, 0x00);
	outb(port + UART_LCR, 0x03);     /* 8 data bits, no parity, 1 stop */
	outb(port + UART_FCR, 0xc7);     /* FIFO on, cleared, 14-byte threshold */
	outb(port + UART_MCR, 0x03);     /* DTR, RTS */
}

void serial_init(void)
{
	uart_init(COM1);
}

/* A UART answers at COM2 if its scratch register keeps what was written
 * (an empty port reads 0xff). Callers serialize (the device's lock). */
bool arch_aux_serial_present(void)
{
	outb(COM2 + UART_SCR, 0x5a);
	if (inb(COM2 + UART_SCR) != 0x5a)
		return false;
	outb(COM2 + UART_SCR, 0xa5);
	if (inb(COM2 + UART_SCR) != 0xa5)
		return false;
	uart_init(COM2);
	return true;
}

/* Each time the transmitter is empty, its FIFO takes 16 bytes. */
void arch_aux_serial_write(const u8 *buf, size_t n)
{
	while (n) {
		while (!(inb(COM2 + UART_LSR) & LSR_THR_EMPTY))
			__asm__ __volatile__("pause");
		size_t k = n < UART_FIFO_SIZE ? n : UART_FIFO_SIZE;
		for (size_t i = 0; i < k; i++)
			outb(COM2 + UART_DATA, buf[i]);
		buf += k;
		n -= k;
	}
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
