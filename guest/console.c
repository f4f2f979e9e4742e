/* The guest's console: printf formats into a line buffer and each full line
 * goes to the host with one HC_LOG (one world switch per line, not per char). */
#include <stdarg.h>
#include "hypercall.h"
#include "kernel.h"
#include "../lib/fmt.h"

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

static void put_all(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		put(buf[i]);
}

int printf(const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = fmt_vprint(put_all, f, ap);
	va_end(ap);
	return n;
}
