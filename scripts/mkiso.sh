#!/usr/bin/env bash
# Build the hybrid BIOS + UEFI ISO with grub-mkrescue, trimmed to the GRUB
# modules the menu needs (an untrimmed image is about 20 MiB).
# usage: mkiso.sh MONITOR_ELF MONITOR_EFI DISK_IMAGE OUTPUT_ISO
set -euo pipefail
elf="$1" efi="$2" disk="$3" out="$4"
root="$(dirname "$out")/iso-root"
rm -rf "$root"
mkdir -p "$root/boot/grub"
cp "$elf" "$root/boot/cokernel.elf"
cp "$disk" "$root/boot/disk.img"
cp "$efi" "$root/boot/cokernel.efi"
cp "$(dirname "$0")/grub.cfg" "$root/boot/grub/grub.cfg"

# What grub.cfg uses: multiboot2 to load us; serial/terminal for the console;
# search (by file), fat and the disk drivers to find /cokernel.cfg; source
# (configfile), test ([ ] and if) and normal to read the menu; iso9660 for
# the ISO itself; part_msdos for partitioned disks.
mods="multiboot2 normal configfile test echo serial terminal search search_fs_file
	fat iso9660 part_msdos part_gpt all_video chain"
# The EFI core image's built-in config loads every partition map it knows:
# ship them (a few KiB each) so it does not print an error per missing one.
partmaps="part_acorn part_amiga part_apple part_bsd part_dfly part_dvh part_plan part_sun
	part_sunpc"
# Its output (xorriso's banner and progress) is shown only if it fails.
if ! grub-mkrescue --quiet -o "$out" \
	--install-modules="$(echo $mods $partmaps)" --modules="$(echo $mods)" \
	--locales= --fonts= --themes= --compress=xz \
	"$root" -- -volid COKERNEL > "$out.log" 2>&1 || [ ! -s "$out" ]; then
	cat "$out.log" >&2
	echo "mkiso: grub-mkrescue failed to make $out" >&2
	exit 1
fi
rm -f "$out.log"
