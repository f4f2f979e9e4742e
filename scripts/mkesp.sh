#!/usr/bin/env bash
# Build the EFI system partition image: a FAT file system (mtools, no root)
# with cokernel.efi as \EFI\BOOT\BOOTX64.EFI, the removable-media boot path
# that firmware tries on its own (UEFI spec 3.5.1.1).
# usage: mkesp.sh COKERNEL_EFI OUTPUT_IMG
set -euo pipefail
efi="$1" out="$2"
rm -f "$out"
mformat -i "$out" -C -T 8192 -h 2 -s 32 -v COKERNEL :: # 4 MiB
mmd -i "$out" ::/EFI ::/EFI/BOOT
mcopy -i "$out" "$efi" ::/EFI/BOOT/BOOTX64.EFI
