/* netcheck=1 on the bare-metal or UEFI host's command line: before the guests
 * run, the host's own network driver proves itself by asking QEMU's
 * user-mode network (as 10.0.2.15) for its gateway 10.0.2.2 by ARP, and
 * prints what came back and its counters. The boot goes on either way. */
#ifndef LOADER_NETCHECK_H
#define LOADER_NETCHECK_H

#include <stdint.h>
#include "nic.h"

#define NETCHECK_OUR_IP 0x0a00020fu     /* 10.0.2.15: QEMU's first DHCP address */
#define NETCHECK_GATEWAY_IP 0x0a000202u /* 10.0.2.2: its gateway (QEMU, "user" netdev) */
#define NETCHECK_WAIT_MS 3000            /* for the reply, asked again every 500 ms */

/* Nonzero if the line (all of it, every run) has the word netcheck=1. */
int netcheck_wanted(const char *cmdline);

/* net as its driver's init filled it. 0 if the gateway answered, else a
 * named error (-HCERR_AGAIN: no reply in time; what send or recv returned). */
int netcheck_run(struct nic *net, uint64_t tsc_hz);

#endif
