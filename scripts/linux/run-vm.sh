#!/usr/bin/env bash
# Boot Debian's kernel (linux-image-amd64, the version the module is built
# for) with the Linux-host initramfs under QEMU TCG, 2 CPUs, 512 MiB, and run
# scenarios of scenario.sh (SCENARIO: NAME[,NAME...]); the serial log goes to LOG. --icount: one TSC tick
# per instruction (make bench), on one CPU: with -icount and -smp 2 this
# kernel does not get as far as its first line under TCG.
# --interactive: the serial console on this terminal (LOG is not written).
# --cpu MODEL: a QEMU CPU model; --append ARGS: more of the kernel's command line;
# --mem SIZE: the VM's memory (QEMU -m), for guests with pools of gigabytes.
# --nmi COUNT (not with --interactive): QEMU gets a human monitor on a socket
# and scripts/qemu-nmi.sh sends it `nmi` COUNT times once LOG shows
# "nmi: inject now" ($QEMU_NMI_TRIGGER overrides), then appends
# "qemu-nmi: injected N NMIs in T ms" (or "qemu-nmi: failed: WHY") to LOG.
# --image FILE: FILE is in the VM as /image.elf (a second cpio archive after
# the first: the kernel unpacks them in turn, its initramfs buffer format).
# usage: run-vm.sh [--icount] [--interactive] [--cpu MODEL] [--append ARGS]
#                  [--mem SIZE] [--timeout SECONDS] [--nmi COUNT] [--image FILE]
#                  INITRAMFS SCENARIO LOG
set -uo pipefail
extra=() tmo=120 cpus=2 interactive=0 append="" mem=512M nmi=0 image=""
while [ $# -gt 3 ]; do
	case "$1" in
	--icount) extra+=(--icount) cpus=1 ;;
	--interactive) interactive=1 ;;
	--cpu) extra+=(--cpu "$2"); shift ;;
	--append) append="$2"; shift ;;
	--mem) mem="$2"; shift ;;
	--timeout) tmo="$2"; shift ;;
	--nmi) nmi="$2"; shift ;;
	--image) image="$2"; shift ;;
	*) echo "run-vm: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
initrd="$1" scenario="$2" log="$3"
case "$nmi" in ''|*[!0-9]*) echo "run-vm: --nmi needs a count" >&2; exit 2 ;; esac
if [ "$nmi" != 0 ] && [ $interactive = 1 ]; then
	echo "run-vm: --nmi needs a non-interactive run" >&2; exit 2
fi
if [ -n "$image" ]; then
	[ -f "$image" ] || { echo "run-vm: --image $image: no such file" >&2; exit 2; }
	dir_img=$(mktemp -d "${TMPDIR:-/tmp}/run-vm-image.XXXXXX")
	trap 'rm -rf "$dir_img"' EXIT
	cp "$image" "$dir_img/image.elf"
	cp "$initrd" "$dir_img/initrd"
	(cd "$dir_img" && echo image.elf | cpio -o -H newc --quiet | gzip) >> "$dir_img/initrd"
	initrd="$dir_img/initrd"
fi
# The generic flavour, newest version: the one the Makefile built the module for.
kernel=$(ls /boot/vmlinuz-*[0-9]-amd64 2>/dev/null | sort -V | tail -n 1)
[ -n "$kernel" ] || { echo "run-vm: no /boot/vmlinuz-*: apt-get install linux-image-amd64" >&2; exit 2; }
# -cpu max would offer LA57 (5-level paging), which the monitor refuses; the
# default CPU model has NX, which is what the guest's tables need. QEMU's
# command line itself is scripts/qemu-run.sh's.
run=(--kernel "$kernel" --initrd "$initrd" --smp "$cpus" --mem "$mem" "${extra[@]}"
	--append "console=ttyS0 quiet panic=-1 ck.scenario=$scenario $append")
if [ $interactive = 1 ]; then
	"$(dirname "$0")/../qemu-run.sh" "${run[@]}" --interactive
	exit $?
fi
# --nmi: the injector (scripts/qemu-nmi.sh) and QEMU's monitor socket are
# qemu-run.sh's too. (Not exec: the trap removes the image's initramfs.)
[ "$nmi" != 0 ] && run+=(--nmi "$nmi")
"$(dirname "$0")/../qemu-run.sh" "${run[@]}" --timeout "$tmo" --log "$log"
