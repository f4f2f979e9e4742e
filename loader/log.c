/* The monitor's console (loader/log.h). */
#include "log.h"
#include "fmt.h"

static void (*sink)(const char *buf, size_t len);

void log_set_sink(void (*write)(const char *buf, size_t len))
{
	sink = write;
}

void log_write(const char *buf, size_t len)
{
	if (sink)
		sink(buf, len);
}

void log_printf(const char *f, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, f);
	n = fmt_vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	log_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}
