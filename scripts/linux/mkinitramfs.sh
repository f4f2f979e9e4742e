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
# /guest-v2.elf: the guest with its ABI note saying version 2, for the
# refusal of an older guest.
if [ -f "$root/guest.elf" ]; then
	"$(dirname "$0")/../abi-downgrade.sh" "$root/guest.elf" "$root/guest-v2.elf"
fi
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -6 > "$out"
rm -rf "$root"
