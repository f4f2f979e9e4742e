/* The 8259A pair: the BIOS leaves IRQ 0-7 on vectors 8-15, where a timer tick
 * would look like a double fault, so the host moves them to PIC_VECTOR_BASE
 * and masks everything; each device it serves by interrupt (the timer, COM1)
 * unmasks its own line. Handlers end with a non-specific EOI (traps.asm). */
#include "pic.h"
#include "../io.h"

#define PIC1 0x20 /* 8259A: command port; data (mask) port is +1 */
#define PIC2 0xa0

static uint8_t master_mask = 0xff;

void pic_init(void)
{
	/* 8259A data sheet, ICW1-ICW4: edge triggered, cascaded, ICW4 needed;
	 * vectors PIC_VECTOR_BASE and +8; slave on IRQ 2; 8086 mode. Then OCW1,
	 * the masks: every line off. */
	outb(PIC1, 0x11);
	outb(PIC2, 0x11);
	outb(PIC1 + 1, PIC_VECTOR_BASE);
	outb(PIC2 + 1, PIC_VECTOR_BASE + 8);
	outb(PIC1 + 1, 4);
	outb(PIC2 + 1, 2);
	outb(PIC1 + 1, 1);
	outb(PIC2 + 1, 1);
	outb(PIC1 + 1, master_mask);
	outb(PIC2 + 1, 0xff);
}

void pic_unmask(unsigned irq)
{
	master_mask &= (uint8_t)~(1u << irq);
	outb(PIC1 + 1, master_mask); /* OCW1 */
}
