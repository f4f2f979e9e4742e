/* The bare-metal host's periodic timer (loader/mb2/timer.c). */
#ifndef LOADER_MB2_TIMER_H
#define LOADER_MB2_TIMER_H

#include <stdint.h>
#include "pic.h"

/* 100 Hz: a tick every 10 ms is what Linux's HZ=100 and UEFI's usual timer
 * period give, often enough to take the CPU back from a computing guest and
 * few enough that TCG spends little on them. */
#define MB2_TIMER_HZ 100
#define MB2_TIMER_VECTOR (PIC_VECTOR_BASE + PIC_IRQ_TIMER)

extern volatile uint64_t mb2_ticks;
/* The PIT at hz (MB2_TIMER_HZ, or timer_hz=N of the command line:
 * 19 to 100000, for storms), then STI. */
void mb2_timer_init(unsigned hz);
/* timer_hz=N in a command line, or MB2_TIMER_HZ. */
unsigned mb2_timer_hz(const char *cmdline);
/* Log whether ticks ticks in ns nanoseconds are right within 10%. */
void mb2_timer_check(const char *what, uint64_t ticks, uint64_t ns, unsigned hz);

#endif
