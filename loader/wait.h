/* HC_WAIT's host side (loader/wait.c). */
#ifndef LOADER_WAIT_H
#define LOADER_WAIT_H

#include <stdint.h>

struct monitor;

/* HC_WAIT_INPUT, HC_WAIT_UPCALL, or HC_WAIT_TIMEOUT (at the deadline or the
 * end of the slice). With a host that defers I/O, *deferred is set instead of
 * spinning: the host waits until m->wait_deadline_ns, then monitor_wait_done
 * gives the result. */
int64_t wait_for_event(struct monitor *m, uint64_t deadline_ns, int *deferred);

#endif
