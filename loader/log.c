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
	va_list ap;

	va_start(ap, f);
	fmt_vprint(log_write, f, ap);
	va_end(ap);
}
