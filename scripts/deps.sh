#!/usr/bin/env bash
# Make sure the Debian packages the build and the tests need are installed:
# install the missing ones when we are root with apt-get, otherwise print the
# exact command to run. Quiet when everything is there.
# usage: deps.sh [--fuzz]   (--fuzz: also clang and libFuzzer, for make fuzz)
set -euo pipefail

# package : a file or command that proves it is installed
need=(
	"nasm:/usr/bin/nasm"
	"qemu-system-x86:/usr/bin/qemu-system-x86_64"
	"grub-common:/usr/bin/grub-mkrescue"
	"grub-pc-bin:/usr/lib/grub/i386-pc/multiboot2.mod"
	"grub-efi-amd64-bin:/usr/lib/grub/x86_64-efi/multiboot2.mod"
	"xorriso:/usr/bin/xorriso"
	"mtools:/usr/bin/mformat"
	"ovmf:/usr/share/ovmf/OVMF.fd"
	"gnu-efi:/usr/lib/crt0-efi-x86_64.o"
	"gcc:/usr/bin/gcc"
	"make:/usr/bin/make"
	"libc6-dev:/usr/include/stdio.h"
	"libc6-dev:/usr/lib/x86_64-linux-gnu/libc.a"
	# The Linux host: the kernel the tests boot, its headers for kbuild, and
	# the initramfs's makings (the busybox must be the static one).
	"linux-image-amd64:/boot/vmlinuz-*[0-9]-amd64"
	"linux-headers-amd64:/usr/src/linux-headers-*-amd64/Makefile"
	"busybox-static:/usr/share/doc/busybox-static"
	"cpio:/usr/bin/cpio"
	"gzip:/usr/bin/gzip"
	# --nmi: scripts/qemu-nmi.sh talks to QEMU's monitor socket with it
	"socat:/usr/bin/socat"
	# the *-coredump scenarios open a crashed guest's core with it
	"gdb:/usr/bin/gdb"
)
if [ "${1:-}" = --fuzz ]; then
	need+=("clang:/usr/bin/clang" "libclang-rt-14-dev:/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a")
fi
missing=()
for entry in "${need[@]}"; do
	compgen -G "${entry#*:}" >/dev/null || missing+=("${entry%%:*}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	exit 0
fi
echo "deps: missing Debian packages: ${missing[*]}" >&2
echo "deps: run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
exit 1
