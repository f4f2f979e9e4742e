#!/usr/bin/env bash
# Build the EFI system partition image: a FAT file system (mtools, no root)
# with cokernel.efi as \EFI\BOOT\BOOTX64.EFI, the removable-media boot path
# that firmware tries on its own (UEFI spec 3.5.1.1), and guest images beside
# it in \examples\ for the UEFI host's image=\examples\NAME.elf.
# usage: mkesp.sh COKERNEL_EFI OUTPUT_IMG [GUEST_ELF...]
set -euo pipefail
efi="$1" out="$2"
shift 2
rm -f "$out"
mformat -i "$out" -C -T 8192 -h 2 -s 32 -v COKERNEL :: # 4 MiB
mmd -i "$out" ::/EFI ::/EFI/BOOT
mcopy -i "$out" "$efi" ::/EFI/BOOT/BOOTX64.EFI
if [ $# -gt 0 ]; then
	mmd -i "$out" ::/examples
	mcopy -i "$out" "$@" ::/examples/
fi
