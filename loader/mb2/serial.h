/* COM1, the bare-metal host's console. */
#ifndef MB2_SERIAL_H
#define MB2_SERIAL_H

#include <stddef.h>
#include <stdint.h>

void serial_init(void);
void serial_write(const char *buf, size_t len);
/* What has arrived, without waiting: up to len bytes. */
uint64_t serial_read(char *buf, uint64_t len);

#endif
