/* A small printf-style formatter for freestanding code: the guest's printf and
 * the monitor's messages both use it (there is no libc in either world).
 * Supports %d %i %u %x %X %p %c %s %%, the l, ll and z sizes, a width, the 0
 * and - flags, and a precision for %s (including %.*s). */
#ifndef LIBC_FMT_H
#define LIBC_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* Like C99 vsnprintf: writes at most size bytes including the NUL, returns the
 * length the whole output would have had. */
int fmt_vsnprintf(char *buf, size_t size, const char *f, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *f, ...)
	__attribute__((format(printf, 3, 4)));
/* Format (at most FMT_PRINT_MAX bytes) and hand the text to out; the printf
 * of both the guest and the monitor. Returns the bytes handed over. */
#define FMT_PRINT_MAX 511
int fmt_vprint(void (*out)(const char *buf, size_t len), const char *f, va_list ap);

#endif
