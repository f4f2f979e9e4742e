/* The bare-metal host's two 8259A interrupt controllers (loader/mb2/pic.c). */
#ifndef LOADER_MB2_PIC_H
#define LOADER_MB2_PIC_H

/* IRQ n of the master arrives on vector PIC_VECTOR_BASE + n, of the slave on
 * PIC_VECTOR_BASE + 8 + (n - 8): clear of the exceptions' 0-31. */
#define PIC_VECTOR_BASE 0x20
#define PIC_IRQ_TIMER 0 /* the 8254 PIT's channel 0 */
#define PIC_IRQ_COM1 4  /* the PC's first serial port */

/* Moves the PICs' vectors to PIC_VECTOR_BASE, every IRQ masked. */
void pic_init(void);
/* Lets IRQ irq (0-7, the master's) through. */
void pic_unmask(unsigned irq);

#endif
