/* Runs every registered test: one line per test, then "N passed, N failed"
 * (tests, not assertions). Exit status 0 only if every test passed. */
#include <stdarg.h>
#include <stdio.h>
#include "unit.h"

#define MAX_TESTS 256

static struct {
	const char *name;
	void (*fn)(void);
} tests[MAX_TESTS];
static int ntests, failures;

void unit_register(const char *name, void (*fn)(void))
{
	if (ntests < MAX_TESTS)
		tests[ntests++] = (typeof(tests[0])){ name, fn };
}

void unit_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("     %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	failures++;
}

int main(void)
{
	int passed = 0, failed = 0;

	for (int i = 0; i < ntests; i++) {
		failures = 0;
		tests[i].fn();
		printf("%s %s\n", failures ? "FAIL" : "ok  ", tests[i].name);
		failures ? failed++ : passed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
