#!/usr/bin/env bash
# Make sure the Debian packages a target needs are installed: install the
# missing ones when we are root with apt-get, otherwise print the exact
# command to run. Quiet when everything is there.
# usage: deps.sh [build|iso|efi|linux|test|gdb|fuzz]...   (none: test, i.e. everything)
#   build: compile the monitor, the guest and the unit tests, and run QEMU
#   iso:   build, and the ISO (both monitors, GRUB) to boot under BIOS (make qemu)
#   efi:   build, and the UEFI app, its ESP and OVMF to boot it (make qemu-efi)
#   linux: build, and the Linux host's module, runner and VM (make qemu-linux)
#   test:  all of the above and the test tools (make test, make bench)
#   gdb:   iso, and gdb (make qemu-gdb, make switch-walk)
#   fuzz:  clang and libFuzzer (make fuzz)
# A lab's grader boots some hosts only: `make grade` asks for iso, efi or linux
# for each (the Makefile's lab-deps), nothing more.
set -euo pipefail

# package : a file or command that proves it is installed
build=(
	"nasm:/usr/bin/nasm"
	"gcc:/usr/bin/gcc"
	"make:/usr/bin/make"
	"libc6-dev:/usr/include/stdio.h"
	"qemu-system-x86:/usr/bin/qemu-system-x86_64"
)
iso=(
	"${build[@]}"
	"gnu-efi:/usr/lib/crt0-efi-x86_64.o" # the ISO carries the UEFI app too
	"grub-common:/usr/bin/grub-mkrescue"
	"grub-pc-bin:/usr/lib/grub/i386-pc/multiboot2.mod"
	"grub-efi-amd64-bin:/usr/lib/grub/x86_64-efi/multiboot2.mod"
	"xorriso:/usr/bin/xorriso"
	"mtools:/usr/bin/mformat"
)
# The ESP is a FAT image written with mtools (scripts/mkesp.sh), no GRUB.
efi=(
	"${build[@]}"
	"gnu-efi:/usr/lib/crt0-efi-x86_64.o"
	"mtools:/usr/bin/mformat"
	"ovmf:/usr/share/ovmf/OVMF.fd"
)
# The Linux host: the kernel the VM boots, its headers for kbuild, and the
# initramfs's makings (the busybox must be the static one; the tools are
# static too, hence libc.a).
linux=(
	"${build[@]}"
	"linux-image-amd64:/boot/vmlinuz-*[0-9]-amd64"
	"linux-headers-amd64:/usr/src/linux-headers-*-amd64/Makefile"
	"busybox-static:/usr/share/doc/busybox-static"
	"cpio:/usr/bin/cpio"
	"gzip:/usr/bin/gzip"
	"libc6-dev:/usr/lib/x86_64-linux-gnu/libc.a"
)
# --nmi: scripts/qemu-nmi.sh talks to QEMU's monitor socket with socat; make
# qemu-gdb and make switch-walk need gdb (Debian's has Python, which
# scripts/gdb/ needs)
tools=("socat:/usr/bin/socat" "gdb:/usr/bin/gdb")
gdb=("gdb:/usr/bin/gdb")
fuzz=("clang:/usr/bin/clang"
	"libclang-rt-14-dev:/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a")

need=()
[ $# -gt 0 ] || set -- test
for what in "$@"; do
	case "$what" in
	build) need+=("${build[@]}") ;;
	iso) need+=("${iso[@]}") ;;
	efi) need+=("${efi[@]}") ;;
	linux) need+=("${linux[@]}") ;;
	test) need+=("${iso[@]}" "${efi[@]}" "${linux[@]}" "${tools[@]}") ;;
	gdb) need+=("${iso[@]}" "${gdb[@]}") ;;
	fuzz | --fuzz) need+=("${fuzz[@]}") ;;
	*) echo "deps: unknown set $what (build, iso, efi, linux, gdb, test, fuzz)" >&2; exit 2 ;;
	esac
done
missing=()
for entry in "${need[@]}"; do
	pkg="${entry%%:*}"
	compgen -G "${entry#*:}" >/dev/null && continue
	[[ " ${missing[*]} " == *" $pkg "* ]] || missing+=("$pkg")
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
