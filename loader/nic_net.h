/* The monitor's view of a host's own card (host.h struct host_net over
 * nic.h struct nic): how the bare-metal and UEFI hosts give their guests the
 * network their driver brought up. */
#ifndef LOADER_NIC_NET_H
#define LOADER_NIC_NET_H

#include "host.h"
#include "nic.h"

/* Fills out to send, receive and poll through nic (which must outlive it);
 * the guest's MAC address is the card's, its MTU the card's held to the
 * ring's RING_NET_MTU_MAX. */
void nic_host_net(struct nic *nic, struct host_net *out);

#endif
