/* storm: a process that makes its CPU take a high-resolution timer interrupt
 * every few tens of microseconds (nanosleep of 20 us in a loop), run on the
 * CPU of a guest that computes without hypercalls: each interrupt lands in the
 * guest world and goes through the monitor to the kernel, which wakes us and
 * takes the CPU back from the guest. The guest must still get on, and so must
 * we: the count of wake-ups says how fast the host answered.
 * usage: tick_storm SECONDS */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "say.h"

int main(int argc, char **argv)
{
	int seconds = argc > 1 ? atoi(argv[1]) : 3;
	struct timespec t0, t, nap = { 0, 20000 };
	unsigned long wakeups = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		nanosleep(&nap, NULL);
		wakeups++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < seconds);
	printf("%s storm: %lu timer wake-ups in %d s beside the guest\n", say(), wakeups, seconds);
	if (wakeups >= 1000UL * seconds)
		printf("%s storm: the host kept answering (over 1000 a second): ok\n", say());
	return 0;
}
