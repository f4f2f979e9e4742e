/* The bare-metal host's timer: the 8259 PICs moved off the exception vectors
 * (the BIOS leaves IRQ 0-7 on vectors 8-15, where a timer tick would look like
 * a double fault), everything masked but IRQ 0, and the PIT's channel 0 ticking
 * at MB2_TIMER_HZ (or what timer_hz= asks). The tick handler (timer.asm) counts and acknowledges. With
 * the guest world's interrupts on, a tick that lands in the guest goes through
 * the monitor's gate and is re-raised here, so the count keeps time while the
 * guest computes: mb2_timer_check says whether it did. */
#include "timer.h"
#include "../io.h"
#include "../log.h"
#include "../tsc.h"

#define PIC1 0x20 /* 8259A: command port; data (mask) port is +1 */
#define PIC2 0xa0
#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_HZ 1193182 /* the PIT's input clock (8254 data sheet) */

volatile uint64_t mb2_ticks; /* timer.asm */

unsigned mb2_timer_hz(const char *c)
{
	unsigned hz = 0;

	for (; *c; c++)
		if ((c[0] == 't') && __builtin_memcmp(c, "timer_hz=", 9) == 0) {
			for (c += 9; *c >= '0' && *c <= '9' && hz < 1000000; c++)
				hz = hz * 10 + (unsigned)(*c - '0');
			break;
		}
	/* The PIT's 16-bit divisor: 19 Hz at the slowest; 100 kHz is already a storm. */
	return hz >= 19 && hz <= 100000 ? hz : MB2_TIMER_HZ;
}

void mb2_timer_init(unsigned hz)
{
	uint16_t divisor = (uint16_t)((PIT_HZ + hz / 2) / hz);

	/* 8259A initialisation (Intel 8259A data sheet, ICW1-ICW4): edge
	 * triggered, cascaded, ICW4 needed; vectors 0x20 and 0x28; slave on
	 * IRQ 2; 8086 mode. Then the masks: only IRQ 0. */
	outb(PIC1, 0x11);
	outb(PIC2, 0x11);
	outb(PIC1 + 1, MB2_TIMER_VECTOR);
	outb(PIC2 + 1, MB2_TIMER_VECTOR + 8);
	outb(PIC1 + 1, 4);
	outb(PIC2 + 1, 2);
	outb(PIC1 + 1, 1);
	outb(PIC2 + 1, 1);
	outb(PIC1 + 1, 0xfe);
	outb(PIC2 + 1, 0xff);
	/* 8254 data sheet: channel 0, low then high byte, mode 2 (rate generator). */
	outb(PIT_CMD, 0x34);
	outb(PIT_CH0, (uint8_t)divisor);
	outb(PIT_CH0, (uint8_t)(divisor >> 8));
	__asm__ volatile("sti" : : : "memory");
}

void mb2_timer_check(const char *what, uint64_t ticks, uint64_t ns, unsigned hz)
{
	uint64_t ms = ns / 1000000, tick_ms = ticks * 1000 / hz;
	uint64_t diff = tick_ms > ms ? tick_ms - ms : ms - tick_ms;

	log_printf("monitor: the host's %u Hz timer ticked %lu times in %lu ms by the TSC %s: %s\n",
		   hz, ticks, ms, what,
		   ms < 500 ? "too short to judge" : diff * 10 <= ms ? "ok" : "WRONG");
}
