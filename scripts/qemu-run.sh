#!/usr/bin/env bash
# The one QEMU runner that `make qemu`, `make qemu-gdb` and the test harness
# share. Boots the ISO under TCG on BIOS (SeaBIOS) or UEFI (OVMF). The monitor's
# command line reaches GRUB on a tiny FAT disk holding /cokernel.cfg, which the
# ISO's grub.cfg sources when it finds one (scripts/grub.cfg), so any command
# line can be tested on the very ISO a user boots.
#
# usage: qemu-run.sh [--uefi] [--args "guest=NAME ..."] [--log FILE]
#                    [--timeout SECONDS] [--interactive] [--gdb] [--icount]
#                    [--chain | --esp ESP_IMG [--esp-copy FILE]] [--disk DISK_IMG]
#                    [--nmi COUNT] ISO
#   --icount: -icount shift=0, one TSC tick per instruction (scripts/bench.sh)
#   --cpu MODEL: a QEMU CPU model (default: QEMU's own, qemu64)
#   --chain:  (UEFI) GRUB chainloads the ISO's cokernel.efi instead of multiboot2
#   --esp:    (UEFI) boot a copy of this ESP image directly, no GRUB; the command
#             line goes into its \cokernel.cfg
#   --esp-copy: (with --esp) that copy is FILE, kept after QEMU ends (the app
#             writes a crashed guest's core to it), instead of a temporary one
#   --disk:   attach this raw image (written in place) on virtio, where the UEFI
#             host's BlockIo finds it
#   --nmi:    (not with --interactive) QEMU gets a human monitor on a socket and
#             scripts/qemu-nmi.sh sends it `nmi` COUNT times once the serial log
#             shows "nmi: inject now" ($QEMU_NMI_TRIGGER overrides), then
#             appends "qemu-nmi: injected N NMIs in T ms" (or "qemu-nmi:
#             failed: WHY") to the log; without --log the log is a temp file
# Exit status: QEMU's, i.e. (monitor status << 1) | 1 through isa-debug-exit;
# 124 on timeout.
set -euo pipefail

firmware=bios args="" log="" timeout_s=0 interactive=0 gdb=0 icount=0 chain=0 esp="" disk="" nmi=0
esp_copy=""
cpu=
while [ $# -gt 1 ]; do
	case "$1" in
	--uefi) firmware=uefi ;;
	--bios) firmware=bios ;;
	--args) args="$2"; shift ;;
	--log) log="$2"; shift ;;
	--timeout) timeout_s="$2"; shift ;;
	--interactive) interactive=1 ;;
	--gdb) gdb=1 ;;
	--icount) icount=1 ;;
	--cpu) cpu="$2"; shift ;;
	--chain) chain=1 firmware=uefi ;;
	--esp) esp="$2" firmware=uefi; shift ;;
	--esp-copy) esp_copy="$2"; shift ;;
	--disk) disk="$2"; shift ;;
	--nmi) nmi="$2"; shift ;;
	*) echo "qemu-run: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
iso="${1:?usage: qemu-run.sh [options] ISO}"
build="$(dirname "$iso")"
case "$nmi" in ''|*[!0-9]*) echo "qemu-run: --nmi needs a count" >&2; exit 2 ;; esac
if [ "$nmi" != 0 ] && [ "$interactive" = 1 ]; then
	echo "qemu-run: --nmi needs a non-interactive run" >&2; exit 2
fi

qemu=(qemu-system-x86_64 -machine pc -m 256M -no-reboot -display none -nic none
	-device isa-debug-exit,iobase=0xf4,iosize=0x04)
cfgdir="$(mktemp -d "$build/qemu-run.XXXXXX")"
nmi_pid=""
stop_nmi() {	# after QEMU: the injector gives up or notices the monitor's EOF
	[ -n "$nmi_pid" ] || return 0
	kill -TERM "$nmi_pid" 2>/dev/null
	wait "$nmi_pid" 2>/dev/null
	nmi_pid=""
	return 0
}
trap 'stop_nmi; rm -rf "$cfgdir"' EXIT
if [ -n "$disk" ]; then
	qemu+=(-drive "file=$disk,format=raw,if=virtio")
fi

if [ -n "$esp" ]; then
	# Straight from the ESP: the firmware boots \EFI\BOOT\BOOTX64.EFI itself.
	esp_copy="${esp_copy:-$cfgdir/esp.img}"
	cp "$esp" "$esp_copy"
	printf '%s\n' "$args" > "$cfgdir/cokernel.cfg"
	mcopy -o -i "$esp_copy" "$cfgdir/cokernel.cfg" ::/cokernel.cfg
	qemu+=(-drive "file=$esp_copy,format=raw,if=ide,index=0")
else
	qemu+=(-drive "file=$iso,media=cdrom,readonly=on,format=raw" -boot d)
fi

# The command-line disk: a 1.44 MB FAT image (mtools, no root needed). Without
# --args an interactive run shows GRUB's own menu instead.
if [ -z "$esp" ] && { [ -n "$args" ] || [ "$interactive" = 0 ]; }; then
	printf 'set cokernel_args="%s"\nset timeout=0\n' "$args" > "$cfgdir/cokernel.cfg"
	[ "$chain" = 1 ] && printf 'set cokernel_host=efi\n' >> "$cfgdir/cokernel.cfg"
	mformat -i "$cfgdir/cfg.img" -C -f 1440 -v CKCFG ::
	mcopy -i "$cfgdir/cfg.img" "$cfgdir/cokernel.cfg" ::/cokernel.cfg
	qemu+=(-drive "file=$cfgdir/cfg.img,format=raw,if=ide,index=1")
fi
if [ "$firmware" = uefi ]; then
	qemu+=(-bios /usr/share/ovmf/OVMF.fd)
fi
[ -n "$cpu" ] && qemu+=(-cpu "$cpu")
if [ "$icount" = 1 ]; then
	qemu+=(-icount shift=0)
fi
if [ "$gdb" = 1 ]; then
	qemu+=(-s -S)
	echo "qemu-run: waiting for gdb on :1234; attach with:"
	echo "  gdb -x $build/gdbinit"
fi
if [ "$interactive" = 1 ]; then
	echo "qemu-run: serial console below; quit with Ctrl-A then X"
	set +e
	"${qemu[@]}" -serial mon:stdio
	status=$?
	# isa-debug-exit: QEMU's status is (monitor status << 1) | 1.
	if [ $((status & 1)) -eq 1 ]; then
		echo "qemu-run: monitor status $((status >> 1)) (0-99: the guest's exit code;" \
			"100 crash, 101 refused, 102 monitor exception, 103 another hypervisor appeared)"
		exit $((status >> 1))
	fi
	exit $status
fi
if [ "$nmi" != 0 ]; then
	# The injector appends to the log while QEMU writes it: QEMU must append
	# too (O_APPEND), or its next write lands on the injector's line. With
	# append=on QEMU does not truncate, so empty the log first, also so that a
	# stale trigger from an older run is not seen.
	log="${log:-$cfgdir/serial.log}"
	: > "$log"
	qemu+=(-chardev "file,id=serial0,path=$log,append=on" -serial chardev:serial0
		-chardev "socket,id=hmp,path=$cfgdir/hmp.sock,server=on,wait=off"
		-mon chardev=hmp,mode=readline)
	"$(dirname "$0")/qemu-nmi.sh" "$cfgdir/hmp.sock" "$log" "$nmi" "$timeout_s" &
	nmi_pid=$!
else
	qemu+=(-serial "file:${log:-/dev/null}")
fi
set +e
if [ "$timeout_s" -gt 0 ]; then
	timeout --foreground -k 5 "$timeout_s" "${qemu[@]}" </dev/null
else
	"${qemu[@]}" </dev/null
fi
status=$?
stop_nmi
set -e
exit $status
