/* The user programs' C library (guest/user/ulib.h): printf through the
 * tree's formatter (lib/fmt.c, built again for ring 3), one SYS_WRITE a call. */
#include <stdarg.h>
#include "ulib.h"
#include "../../lib/fmt.h"

int printf(const char *f, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, f);
	n = fmt_vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	write(buf, (uint64_t)n);
	return n;
}
