/* The monitor's console: one sink that the host sets at start-up, and a
 * printf over it. Monitor lines start with "monitor: " by convention. */
#ifndef LOADER_LOG_H
#define LOADER_LOG_H

#include <stddef.h>

void log_set_sink(void (*write)(const char *buf, size_t len));
void log_write(const char *buf, size_t len);
void log_printf(const char *f, ...) __attribute__((format(printf, 1, 2)));

#endif
