/* The prefix of a test tool's lines in the Linux VM: scripts/linux/scenario.sh
 * exports CK_SAY, "linux[TOKEN]:" with the harness's verdict token, so that
 * the harness tells them from a guest's text (docs/ARCHITECTURE.md, "The test
 * harness's verdict"); "linux:" without it. */
#ifndef TESTS_LINUX_SAY_H
#define TESTS_LINUX_SAY_H

#include <stdlib.h>

static inline const char *say(void)
{
	const char *p = getenv("CK_SAY");

	return p && *p ? p : "linux:";
}

#endif
