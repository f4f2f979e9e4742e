/* The bare-metal host's timer: the PIT's channel 0 ticking at MB2_TIMER_HZ
 * (or what timer_hz= asks) on IRQ 0 of the PICs (loader/mb2/pic.c). The tick handler (timer.asm) counts and acknowledges. With
 * the guest world's interrupts on, a tick that lands in the guest goes through
 * the monitor's gate and is re-raised here, so the count keeps time while the
 * guest computes: mb2_timer_check says whether it did. */
#include "timer.h"
#include "pic.h"
#include "../io.h"
#include "../cmdline.h"
#include "../log.h"
#include "../tsc.h"

#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_HZ 1193182 /* the PIT's input clock (8254 data sheet) */

volatile uint64_t mb2_ticks; /* timer.asm */

unsigned mb2_timer_hz(const char *cmdline)
{
	unsigned hz = cmdline_timer_hz(cmdline);

	return hz ? hz : MB2_TIMER_HZ; /* 19 Hz is the PIT's 16-bit divisor's slowest */
}

void mb2_timer_init(unsigned hz)
{
	uint16_t divisor = (uint16_t)((PIT_HZ + hz / 2) / hz);

	pic_unmask(PIC_IRQ_TIMER);
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
