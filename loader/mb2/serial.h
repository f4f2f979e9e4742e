/* COM1, the bare-metal host's console (loader/mb2/serial.c). */
#ifndef MB2_SERIAL_H
#define MB2_SERIAL_H

#include <stddef.h>
#include <stdint.h>

struct serial_stats {
	uint64_t interrupts;  /* IRQ 4s taken */
	uint64_t bytes_in;    /* received into the input queue */
	uint64_t dropped_in;  /* received while the queue was full */
	uint64_t bytes_out;   /* sent from the interrupt handler */
	uint64_t dropped_out; /* given up: the UART kept its transmitter busy */
	uint64_t line_errors; /* overruns, parity and framing errors the UART reported */
};
extern struct serial_stats serial_stats;
/* How many bytes of input wait in the queue (the monitor looks after each
 * host interrupt: loader/host.h input_ready). */
extern volatile uint32_t serial_input_waiting;

/* 115200 8N1, polled: for the first messages. */
void serial_init(void);
/* Input and output by interrupt from here on (IRQ 4 unmasked; the caller
 * gives the handler its gate and enables interrupts). */
void serial_irq_init(void);
void serial_write(const char *buf, size_t len);
/* Waits until all that was written has gone to the UART (before the end). */
void serial_flush(void);
/* What has arrived, without waiting: up to len bytes. */
uint64_t serial_read(char *buf, uint64_t len);
/* The IRQ 4 handler's body (traps.asm). */
void serial_interrupt(void);

#endif
