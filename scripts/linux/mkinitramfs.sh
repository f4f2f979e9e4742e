#!/usr/bin/env bash
# Build the Linux-host VM's initramfs (a newc cpio, gzip): busybox-static, our
# /init and /scenario.sh, and the files given (each lands at /its-basename).
# usage: mkinitramfs.sh OUTPUT FILE...
set -euo pipefail
out="$1"
shift
root="$out.root"
rm -rf "$root"
mkdir -p "$root/bin"
cp /bin/busybox "$root/bin/busybox"
cp "$(dirname "$0")/init" "$(dirname "$0")/scenario.sh" "$root/"
for f in "$@"; do
	cp "$f" "$root/"
done
# /guest-v2.elf: the guest with its ABI note saying version 2 (proto/note.h:
# magic "LNRK", then the version), for the refusal of an older guest.
if [ -f "$root/guest.elf" ]; then
	v=$(sed -n 's/^#define HCABI_VERSION \([0-9]*\).*/\1/p' "$(dirname "$0")/../../proto/hypercall.h")
	at=$(grep -obUaP "LNRK\\x$(printf %02x "$v")\\x00\\x00\\x00" "$root/guest.elf" | cut -d: -f1)
	cp "$root/guest.elf" "$root/guest-v2.elf"
	printf '\x02' | dd of="$root/guest-v2.elf" bs=1 seek=$((at + 4)) conv=notrunc status=none
fi
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -6 > "$out"
rm -rf "$root"
