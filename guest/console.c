/* The guest's console: printf formats into a line buffer and each full line
 * goes to the host with one HC_LOG (one world switch per line, not per char). */
#include <stdarg.h>
#include "hypercall.h"
#include "kernel.h"
#include "libc/fmt.h"

static char line[512];
static unsigned used;

void console_flush(void)
{
	if (used)
		hypercall(HC_LOG, virt_to_gpa(line), used, 0);
	used = 0;
}

static void put(char c)
{
	line[used++] = c;
	if (c == '\n' || used == sizeof(line))
		console_flush();
}

int printf(const char *f, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, f);
	n = fmt_vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	for (int i = 0; i < n && i < (int)sizeof(buf) - 1; i++)
		put(buf[i]);
	return n;
}
