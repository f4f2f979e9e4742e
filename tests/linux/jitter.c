/* How late a host process wakes from a 10 ms sleep, N times: the median and
 * the maximum of the overshoot, in microseconds. Run alone and then beside a
 * guest that computes on the same CPU: the ratio says what the guest costs the
 * host's latency (docs/PERFORMANCE.md).
 * usage: jitter N LABEL */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "say.h"

static int cmp(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 100;
	const char *label = argc > 2 ? argv[2] : "";
	struct timespec nap = { 0, 10000000 }, t0, t1;
	long *late = calloc((size_t)n, sizeof(*late));

	if (!late || n < 1)
		return 2;
	for (int i = 0; i < n; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		nanosleep(&nap, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		late[i] = ((t1.tv_sec - t0.tv_sec) * 1000000000L + t1.tv_nsec - t0.tv_nsec -
			   10000000L) / 1000;
	}
	qsort(late, (size_t)n, sizeof(*late), cmp);
	printf("%s jitter %s: a 10 ms sleep wakes %ld us late (median), %ld us at most, "
	       "over %d sleeps\n", say(), label, late[n / 2], late[n - 1], n);
	return 0;
}
