/* COM1, the bare-metal host's console. */
#ifndef MB2_SERIAL_H
#define MB2_SERIAL_H

#include <stddef.h>

void serial_init(void);
void serial_write(const char *buf, size_t len);

#endif
