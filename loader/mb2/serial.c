/* COM1 at 115200 8N1, the bare-metal host's console, served by interrupt
 * (IRQ 4, loader/mb2/pic.c) once serial_irq_init has run: the handler moves
 * what arrived into rx and feeds the transmitter from tx, so no one waits for
 * the UART unless tx is full. Before that, and whenever interrupts are off
 * (a crash report), writes poll. Registers and bits: PC16550D datasheet
 * (National Semiconductor), as every PC UART. */
#include "serial.h"
#include "pic.h"
#include "../io.h"

#define COM1 0x3f8
#define UART_RBR 0 /* receive buffer (read, DLAB=0) */
#define UART_THR 0 /* transmit holding (write, DLAB=0) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1 /* interrupt enable (DLAB=0), divisor high (DLAB=1) */
#define UART_IIR 2 /* interrupt identification (read) */
#define UART_FCR 2 /* FIFO control (write) */
#define UART_LCR 3 /* line control: bit 7 DLAB */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */
#define UART_MSR 6 /* modem status */

#define IER_RX 0x01     /* received data available (and the FIFO's timeout) */
#define IER_TX 0x02     /* transmit holding register empty */
#define IIR_NONE 0x01   /* bit 0 set: no interrupt pending */
#define MCR_OUT2 0x08   /* on the PC, OUT2 gates the UART's INTR onto IRQ 4 */
#define LSR_DR 0x01     /* data ready */
#define LSR_THRE 0x20   /* transmit holding register (with FIFOs: the FIFO) empty */
#define TX_FIFO 16      /* the 16550's transmit FIFO, filled at once when empty */
#define RFLAGS_IF (1ull << 9) /* SDM Vol.1 3.4.3: interrupts enabled */

/* How many LSR reads a write waits for the transmitter before it gives the
 * queued output up (counted): a UART that never empties (QEMU's, once the
 * client of a socket serial port hung up) must not hold the host. */
#define TX_PATIENCE 1000000

#define QUEUE 4096 /* a power of two: free-running indices wrap by masking */
struct queue {
	char buf[QUEUE];
	uint32_t head, tail; /* written at head, read at tail */
};

static struct queue rx, tx;
static uint8_t ier;      /* what IER holds */
static int by_interrupt; /* serial_irq_init ran */
volatile uint32_t serial_input_waiting; /* rx's length, for the monitor (host.h input_ready) */
struct serial_stats serial_stats;

static uint64_t irq_save(void)
{
	uint64_t f;

	__asm__ volatile("pushfq; pop %0; cli" : "=r"(f) : : "memory");
	return f;
}

static void irq_restore(uint64_t f)
{
	if (f & RFLAGS_IF)
		__asm__ volatile("sti" : : : "memory");
}

void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00); /* no interrupts until serial_irq_init */
	outb(COM1 + UART_LCR, 0x80); /* DLAB on */
	outb(COM1 + UART_DLL, 1);    /* 115200 / 1 */
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, 0x03); /* 8 bits, no parity, 1 stop, DLAB off */
	outb(COM1 + UART_FCR, 0xc7); /* FIFOs on and cleared, 14-byte receive threshold */
	outb(COM1 + UART_MCR, 0x03); /* DTR, RTS */
}

static void set_ier(uint8_t v)
{
	if (v != ier)
		outb(COM1 + UART_IER, ier = v);
}

/* With interrupts off: what the UART has received, into rx (dropped, and
 * counted, once rx is full: the guest reads too slowly). */
static void take_input(void)
{
	while (inb(COM1 + UART_LSR) & LSR_DR) {
		char c = (char)inb(COM1 + UART_RBR);

		if (rx.head - rx.tail < QUEUE) {
			rx.buf[rx.head++ & (QUEUE - 1)] = c;
			serial_stats.bytes_in++;
		} else {
			serial_stats.dropped_in++;
		}
	}
	serial_input_waiting = rx.head - rx.tail;
}

/* With interrupts off: if the transmitter is empty, up to a FIFO of tx into
 * it; how many bytes that was. */
static unsigned feed(void)
{
	unsigned n = 0;

	if (!(inb(COM1 + UART_LSR) & LSR_THRE))
		return 0;
	for (; n < TX_FIFO && tx.tail != tx.head; n++)
		outb(COM1 + UART_THR, (uint8_t)tx.buf[tx.tail++ & (QUEUE - 1)]);
	return n;
}

/* Until tx is empty, or the UART has kept its transmitter busy for
 * TX_PATIENCE reads: then what is queued is dropped. */
static void drain(void)
{
	for (uint32_t waited = 0; tx.tail != tx.head;) {
		if (feed()) {
			waited = 0;
		} else if (++waited == TX_PATIENCE) {
			serial_stats.dropped_out += tx.head - tx.tail;
			tx.tail = tx.head;
		}
	}
}

static void put(char c)
{
	if (tx.head - tx.tail == QUEUE) /* full: wait for the UART */
		drain();
	tx.buf[tx.head++ & (QUEUE - 1)] = c;
}

void serial_write(const char *buf, size_t len)
{
	uint64_t f = irq_save();

	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n')
			put('\r');
		put(buf[i]);
	}
	if (!by_interrupt || !(f & RFLAGS_IF)) {
		drain(); /* no interrupt will come to finish it */
	} else {
		feed();
		if (tx.tail != tx.head)
			set_ier(ier | IER_TX); /* the rest when the FIFO is empty */
	}
	irq_restore(f);
}

void serial_flush(void)
{
	uint64_t f = irq_save();

	drain();
	irq_restore(f);
}

uint64_t serial_read(char *buf, uint64_t len)
{
	uint64_t f = irq_save(), n = 0;

	take_input(); /* what came since the last interrupt: none is lost to timing */
	for (; n < len && rx.tail != rx.head; n++)
		buf[n] = rx.buf[rx.tail++ & (QUEUE - 1)];
	serial_input_waiting = rx.head - rx.tail;
	irq_restore(f);
	return n;
}

void serial_irq_init(void)
{
	uint64_t f = irq_save();

	by_interrupt = 1;
	outb(COM1 + UART_MCR, 0x03 | MCR_OUT2);
	set_ier(IER_RX | (tx.tail != tx.head ? IER_TX : 0));
	pic_unmask(PIC_IRQ_COM1);
	irq_restore(f);
}

/* IRQ 4 (traps.asm, interrupts off): every cause the IIR names, until it says
 * none is left; at most 16 rounds, so a UART that never clears it cannot hold
 * the host. IIR bits 1-3 name the cause (PC16550D, table IV). */
void serial_interrupt(void)
{
	uint8_t iir;

	serial_stats.interrupts++;
	for (int round = 0; round < 16 && !((iir = inb(COM1 + UART_IIR)) & IIR_NONE); round++) {
		switch ((iir >> 1) & 7) {
		case 2: /* received data available */
		case 6: /* character timeout: fewer bytes than the threshold wait */
			take_input();
			break;
		case 1: /* transmit holding register empty (reading IIR cleared it) */
			serial_stats.bytes_out += feed();
			if (tx.tail == tx.head)
				set_ier(ier & (uint8_t)~IER_TX);
			break;
		case 3: /* line status: an overrun, parity or framing error; reading LSR clears it */
			serial_stats.line_errors++;
			(void)inb(COM1 + UART_LSR);
			break;
		default: /* modem status: reading MSR clears it */
			(void)inb(COM1 + UART_MSR);
			break;
		}
	}
}
