/* cr4-change: a task that makes the Linux kernel flip CR4.TSD on its CPU at
 * every context switch to and from it (prctl PR_SET_TSC, PR_TSC_SIGSEGV:
 * rdtsc in this task faults). Run it pinned to the CPU of a running guest:
 * the monitor must keep the host's CR4 as it finds it at each entry, never
 * write back an old one. Afterwards rdtsc here must still fault (TSD set for
 * us) and the caller checks that it works in other tasks (TSD clear).
 * usage: tsd_flip SECONDS | tsd_flip plain (rdtsc without the prctl) */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sched.h>
#include <time.h>
#include "say.h"

static sigjmp_buf env;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(env, 1);
}

int main(int argc, char **argv)
{
	int seconds = argc > 1 ? atoi(argv[1]) : 3;
	volatile unsigned long switches = 0;
	struct timespec t0, t;
	unsigned lo, hi;

	if (argc > 1 && argv[1][0] == 'p') { /* a SIGSEGV here ends us without the line */
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		printf("%s cr4-change: rdtsc works in a task without it: ok\n", say());
		return 0;
	}
	if (prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0) != 0) {
		perror("tsd_flip: prctl(PR_SET_TSC)");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do { /* every yield that runs someone else flips CR4.TSD twice */
		sched_yield();
		switches++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < seconds);
	signal(SIGSEGV, on_segv);
	if (sigsetjmp(env, 1) == 0) {
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		printf("%s cr4-change: rdtsc in the PR_TSC_SIGSEGV task did not fault: WRONG\n", say());
		return 1;
	}
	printf("%s cr4-change: %lu yields; rdtsc in the PR_TSC_SIGSEGV task still faults: ok\n", say(),
	       switches);
	return 0;
}
