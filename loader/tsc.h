/* Time on a PC host: the TSC, its rate measured against the PIT once. */
#ifndef LOADER_TSC_H
#define LOADER_TSC_H

#include <stdint.h>

uint64_t tsc_calibrate(void); /* ticks per second */
uint64_t tsc_ns(uint64_t tsc_hz);

#endif
