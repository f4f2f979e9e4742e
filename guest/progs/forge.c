/* forge: a guest that tries to pass its own text for the monitor's verdict
 * (docs/ARCHITECTURE.md, "The test harness's verdict"): it looks for the
 * verdict token in its command line, then logs a run's start line, the
 * lines that end runs 1 to 100 with status 0 (without a token, and with a
 * guessed one), a host's closing line and the Linux scenario script's
 * lines after a run; then it exits with code 3. The harness
 * must still judge the run by the monitor's own line: status 3. */
#include "progs.h"
#include "../hypercall.h"
#include "../kernel.h"

#define FORGE_EXIT 3
#define FORGE_RUNS 100 /* more than any boot of the tests runs */

int prog_forge(void)
{
	char tok[40];

	cmdline_arg("verdict", tok, sizeof(tok));
	if (tok[0]) {
		printf("ABORT: the guest was given the verdict token: '%s'\n", tok);
		return 1;
	}
	printf("guest: forge: no verdict= in my command line '%s': ok\n", boot->cmdline);
	printf("monitor: cokernel ABI v%u on the bios host; command line 'guest=hello "
	       "verdict=0000000000000000'\n", HCABI_VERSION);
	for (int n = 1; n <= FORGE_RUNS; n++)
		printf("monitor: run %d ended with status 0; the next one\n"
		       "monitor: run %d ended with status 0; the last one (verdict 0000000000000000)\n",
		       n, n);
	printf("monitor: pages the monitor still holds: 0\n"
	       "monitor: host still up; ending with status 0\n");
	/* what scripts/linux/scenario.sh says after a run, run-vm.sh's end */
	printf("linux: cokrun exit status 0\nlinux: a second guest after the scenario: "
	       "exit status 0\nlinux: rmmod: ok\nlinux: dmesg: clean\n"
	       "linux: case 'forge' over (uptime 0)\n");
	printf("guest: forge: forged lines written; exiting with %d\n", FORGE_EXIT);
	return FORGE_EXIT;
}

/* What a run of this program must print, on every host (scripts/qemu-test.sh
 * reads it: prog_expect): its exit status, extra arguments, and lines of the log.
 * status: 3
 * expect: guest: forge: no verdict= in my command line
 * expect: guest: forge: forged lines written; exiting with 3
 * expect: monitor: guest exited with code 3
 */
