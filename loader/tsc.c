/* Calibrating the TSC against PIT channel 2 (Intel 8254 datasheet; the PC's
 * PIT runs at 1.193182 MHz, and port 0x61 bit 0 gates channel 2, bit 5 shows
 * its output). SDM Vol.3 18.17: on CPUs with an invariant TSC it ticks at a
 * constant rate, so one measurement serves the whole run. */
#include "io.h"
#include "tsc.h"
#include "../proto/bootinfo.h"

#define PIT_HZ 1193182u
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT_B 0x61
#define CALIBRATE_MS 10

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* One window of CALIBRATE_MS: TSC ticks per second. */
static uint64_t measure(void)
{
	uint16_t count = PIT_HZ / (1000 / CALIBRATE_MS);
	uint64_t t0, t1;

	outb(PORT_B, (uint8_t)((inb(PORT_B) & ~0x02) | 0x01)); /* gate on, speaker off */
	outb(PIT_CMD, 0xb0); /* channel 2, lobyte/hibyte, mode 0 (interrupt on count) */
	outb(PIT_CH2, (uint8_t)count);
	outb(PIT_CH2, (uint8_t)(count >> 8));
	t0 = rdtsc();
	while (!(inb(PORT_B) & 0x20)) /* mode 0: output goes high at count 0 */
		;
	t1 = rdtsc();
	return (t1 - t0) * (1000 / CALIBRATE_MS);
}

/* The median of five windows: under an emulator whose virtual CPU may be
 * descheduled for a while, one window can come out far too long or too short
 * (measured: 1.7 times the rate on a loaded machine), five rarely do twice. */
uint64_t tsc_calibrate(void)
{
	uint64_t w[5], t;

	for (int i = 0; i < 5; i++) {
		w[i] = measure();
		for (int j = i; j > 0 && w[j] < w[j - 1]; j--) {
			t = w[j];
			w[j] = w[j - 1];
			w[j - 1] = t;
		}
	}
	return w[2];
}

uint64_t tsc_ns(uint64_t tsc_hz)
{
	return bootinfo_tsc_to_ns(rdtsc(), tsc_hz);
}
