/* PCI configuration mechanism #1 on the bare-metal host (loader/mb2/pci.h):
 * an address written to 0xCF8 selects a dword of one function's config space,
 * which 0xCFC then reads or writes. A brute-force scan of every bus is 8192
 * reads of a vendor id: cheap once at boot, and needs no bridge walking. */
#include "pci.h"
#include "../io.h"
#include "../../proto/errors.h"

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc

/* PCI spec 3.0, 3.2.2.3.2: bit 31 enable, bus 23:16, device 15:11, function
 * 10:8, register 7:2 (dword aligned). */
static void cfg_select(struct pci_dev d, uint8_t off)
{
	outl(PCI_CONFIG_ADDRESS, 0x80000000u | (uint32_t)d.bus << 16 | (uint32_t)(d.dev & 31) << 11 |
					 (uint32_t)(d.fn & 7) << 8 | (off & 0xfcu));
}

uint32_t pci_read32(struct pci_dev d, uint8_t off)
{
	cfg_select(d, off);
	return inl(PCI_CONFIG_DATA);
}

uint16_t pci_read16(struct pci_dev d, uint8_t off)
{
	return (uint16_t)(pci_read32(d, off) >> ((off & 2) * 8));
}

/* A read-modify-write of the dword: 0xCFC takes the word at its byte offset
 * too, but one access width keeps it simple. The status register (the upper
 * half of dword 1) clears the bits written as 1 (PCI spec 3.0, 6.2.3), so a
 * command write puts 0 there. */
void pci_write16(struct pci_dev d, uint8_t off, uint16_t v)
{
	uint32_t dw = pci_read32(d, off), shift = (off & 2) * 8;

	dw = (dw & ~(0xffffu << shift)) | (uint32_t)v << shift;
	if ((off & 0xfc) == PCI_COMMAND)
		dw &= 0xffff;
	cfg_select(d, off);
	outl(PCI_CONFIG_DATA, dw);
}

int pci_find(uint16_t vendor, uint16_t device, struct pci_dev *out)
{
	for (unsigned bus = 0; bus < 256; bus++) {
		for (uint8_t dev = 0; dev < 32; dev++) {
			struct pci_dev d = { (uint8_t)bus, dev, 0 };
			uint8_t nfn;

			/* PCI spec 3.0, 6.2.1: vendor 0xFFFF is "no function here". */
			if (pci_read16(d, PCI_VENDOR_ID) == 0xffff)
				continue;
			/* Header type bit 7: a multi-function device (6.2.1). */
			nfn = (pci_read32(d, PCI_HEADER_TYPE & 0xfc) >> 16) & 0x80 ? 8 : 1;
			for (d.fn = 0; d.fn < nfn; d.fn++) {
				uint32_t id = pci_read32(d, PCI_VENDOR_ID);

				if ((id & 0xffff) == vendor && id >> 16 == device) {
					*out = d;
					return 0;
				}
			}
		}
	}
	return -HCERR_NODEV;
}

int pci_bar_io(struct pci_dev d, int n, uint16_t *port)
{
	uint32_t bar;

	if (n < 0 || n > 5)
		return -HCERR_NODEV;
	bar = pci_read32(d, (uint8_t)(PCI_BAR0 + 4 * n));
	/* PCI spec 3.0, 6.2.5.1: bit 0 set is an I/O BAR, its base in 31:2; the
	 * PC's I/O space is 64 KiB. */
	if (!(bar & 1) || (bar & ~3u) == 0 || (bar & ~3u) > 0xffff)
		return -HCERR_NODEV;
	*port = (uint16_t)(bar & ~3u);
	return 0;
}

void pci_enable_io_master(struct pci_dev d)
{
	uint16_t cmd = pci_read16(d, PCI_COMMAND);

	pci_write16(d, PCI_COMMAND, cmd | PCI_COMMAND_IO | PCI_COMMAND_MASTER);
}
