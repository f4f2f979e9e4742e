/* COM1 at 115200 8N1, polled (loader/mb2/serial.h). Register offsets and bits
 * from the PC16550D datasheet (National Semiconductor), as every PC UART. */
#include "serial.h"
#include "../io.h"

#define COM1 0x3f8
#define UART_THR 0 /* transmit holding (DLAB=0) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1 /* interrupt enable (DLAB=0), divisor high (DLAB=1) */
#define UART_FCR 2 /* FIFO control */
#define UART_LCR 3 /* line control: bit 7 DLAB */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status: bit 5 THR empty */

void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00); /* no interrupts: the host polls */
	outb(COM1 + UART_LCR, 0x80); /* DLAB on */
	outb(COM1 + UART_DLL, 1);    /* 115200 / 1 */
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, 0x03); /* 8 bits, no parity, 1 stop, DLAB off */
	outb(COM1 + UART_FCR, 0xc7); /* FIFOs on and cleared, 14-byte threshold */
	outb(COM1 + UART_MCR, 0x03); /* DTR, RTS */
}

static void put(char c)
{
	while (!(inb(COM1 + UART_LSR) & 0x20))
		;
	outb(COM1 + UART_THR, (uint8_t)c);
}

void serial_write(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n')
			put('\r');
		put(buf[i]);
	}
}

uint64_t serial_read(char *buf, uint64_t len)
{
	uint64_t n = 0;

	while (n < len && (inb(COM1 + UART_LSR) & 0x01)) /* LSR bit 0: data ready */
		buf[n++] = (char)inb(COM1 + UART_THR); /* offset 0 reads the receive buffer */
	return n;
}
