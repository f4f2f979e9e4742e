/* PCI configuration space on the bare-metal host, through configuration
 * mechanism #1 (ports 0xCF8/0xCFC): find a function by vendor and device id,
 * read its BARs, turn on its I/O decoding and bus mastering. Enough for the
 * monitor's own device drivers (loader/mb2/virtio_net.c); no hot plug. */
#ifndef MB2_PCI_H
#define MB2_PCI_H

#include <stdint.h>

/* A function's address: bus 0-255, device 0-31, function 0-7. */
struct pci_dev {
	uint8_t bus, dev, fn;
};

/* Config-space offsets (PCI Local Bus Spec 3.0, 6.1 "Configuration Space
 * Organization", figure 6-1). */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SUBSYSTEM_ID 0x2e

/* Command register bits (PCI spec 3.0, 6.2.2). */
#define PCI_COMMAND_IO (1u << 0)
#define PCI_COMMAND_MEMORY (1u << 1)
#define PCI_COMMAND_MASTER (1u << 2)

uint32_t pci_read32(struct pci_dev d, uint8_t off);
uint16_t pci_read16(struct pci_dev d, uint8_t off);
void pci_write16(struct pci_dev d, uint8_t off, uint16_t v);

/* The first function, in bus/device/function order, with this vendor and
 * device id into *out: 0, or -HCERR_NODEV. */
int pci_find(uint16_t vendor, uint16_t device, struct pci_dev *out);

/* BAR n (0-5) of a type-0 header as an I/O port base: 0 and *port, or
 * -HCERR_NODEV when the BAR is a memory BAR or unassigned (0). */
int pci_bar_io(struct pci_dev d, int n, uint16_t *port);

/* Set the command register's I/O space and bus master bits (the firmware may
 * have left them off): the device answers its ports and may DMA. */
void pci_enable_io_master(struct pci_dev d);

#endif
