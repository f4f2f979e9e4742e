#!/usr/bin/env bash
# The one QEMU runner: every QEMU command line of the project is built here
# (`make qemu`, `make qemu-efi`, `make qemu-gdb`, the tests, the bench, and
# the Linux host's VM through scripts/linux/run-vm.sh); --show prints it.
# Boots the ISO under TCG on BIOS (SeaBIOS) or UEFI (OVMF), an ESP image under
# OVMF, or a Linux kernel and initramfs directly. The monitor's
# command line reaches GRUB on a tiny FAT disk holding /cokernel.cfg, which the
# ISO's grub.cfg sources when it finds one (scripts/grub.cfg), so any command
# line can be tested on the very ISO a user boots.
#
# usage: qemu-run.sh [--uefi] [--args "guest=NAME ..."] [--log FILE]
#                    [--timeout SECONDS] [--interactive] [--gdb | --gdb-stdio] [--icount]
#                    [--chain | --esp ESP_IMG [--esp-copy FILE]] [--disk DISK_IMG] [--nmi COUNT]
#                    [--input TEXT] [--net] [--net-fwd PORT --peer CMD]
#                    [--kernel BZIMAGE --initrd FILE --append ARGS]
#                    [--smp N] [--mem SIZE] [--show] [--image GUEST_ELF] [ISO]
#   --gdb:    QEMU's gdbstub on :1234, stopped at the first instruction
#   --gdb-stdio: (not with --interactive) the gdbstub on this script's stdin and
#             stdout, stopped at the first instruction, for gdb's
#             `target remote | qemu-run.sh --gdb-stdio ...` (scripts/switch-walk.sh):
#             no port, so runs in parallel cannot collide
#   --icount: -icount shift=0, one TSC tick per instruction (scripts/bench.sh)
#   --cpu MODEL: a QEMU CPU model (default: QEMU's own, qemu64)
#   --chain:  (UEFI) GRUB chainloads the ISO's cokernel.efi instead of multiboot2
#   --esp:    (UEFI) boot a copy of this ESP image directly, no GRUB; the command
#             line goes into its \cokernel.cfg
#   --esp-copy: (with --esp) that copy is FILE, kept after QEMU ends (the app
#             writes a crashed guest's core to it), instead of a temporary one
#   --disk:   attach this raw image (written in place) on virtio, where the UEFI
#             host's BlockIo finds it
#   --kernel, --initrd, --append: boot this kernel directly (the Linux host's
#             VM, scripts/linux/run-vm.sh); no ISO
#   --smp, --mem: CPUs (default 1) and memory (default 256M)
#   --net:    a virtio-net PCI card on QEMU's user-mode network (gateway
#             10.0.2.2) instead of no NIC at all; without its option ROM, so
#             that OVMF's own VirtioNetDxe drives it and no iPXE boots
#   --net-fwd PORT: --net, with the build machine's UDP ports PORT and PORT+2
#             (127.0.0.1) forwarded to 10.0.2.15's 7 and 9 (guest=net's echo
#             and control ports)
#   --peer CMD: (with --net-fwd, not with --input or --nmi) once the log shows
#             "UDP echo on port 7" ($QEMU_PEER_TRIGGER overrides), bash runs
#             CMD beside QEMU, its output appended to the log
#             (scripts/qemu-peer.sh)
#   --show:   print the QEMU command line before running it
#   --image:  a guest ELF to run instead of the built-in one: through GRUB, a
#             Multiboot2 module named "guest" from the command-line disk
#             (scripts/grub.cfg); with --esp, \image.elf on the ESP's copy and
#             image=\image.elf added to every run's command line
#   --nmi:    (not with --interactive) QEMU gets a human monitor on a socket and
#             scripts/qemu-nmi.sh sends it `nmi` COUNT times once the serial log
#             shows "nmi: inject now" ($QEMU_NMI_TRIGGER overrides), then
#             appends "qemu-nmi: injected N NMIs in T ms" (or "qemu-nmi:
#             failed: WHY") to the log; without --log the log is a temp file
#   --input:  (not with --interactive or --nmi) the serial port is a socket
#             that scripts/qemu-input.sh holds, copying its output to the log,
#             and types TEXT into (printf %b: "\n" ends a line), a line at a
#             time, once the log shows "type a line" ($QEMU_INPUT_TRIGGER
#             overrides), then appends "qemu-input: sent N bytes in L lines"
# Exit status: QEMU's, i.e. (monitor status << 1) | 1 through isa-debug-exit;
# 124 on timeout.
set -euo pipefail

firmware=bios args="" log="" timeout_s=0 interactive=0 gdb=0 icount=0 chain=0 esp="" disk="" nmi=0 input="" fwd="" peer=""
cpu="" kernel="" initrd="" append="" smp=1 mem=256M show=0 image="" esp_copy="" net=0
while [ $# -gt 0 ] && [[ "$1" == --* ]]; do
	case "$1" in
	--uefi) firmware=uefi ;;
	--bios) firmware=bios ;;
	--args) args="$2"; shift ;;
	--log) log="$2"; shift ;;
	--timeout) timeout_s="$2"; shift ;;
	--interactive) interactive=1 ;;
	--gdb) gdb=1 ;;
	--gdb-stdio) gdb=stdio ;;
	--icount) icount=1 ;;
	--cpu) cpu="$2"; shift ;;
	--chain) chain=1 firmware=uefi ;;
	--esp) esp="$2" firmware=uefi; shift ;;
	--esp-copy) esp_copy="$2"; shift ;;
	--disk) disk="$2"; shift ;;
	--nmi) nmi="$2"; shift ;;
	--input) input="$2"; shift ;;
	--kernel) kernel="$2"; shift ;;
	--initrd) initrd="$2"; shift ;;
	--append) append="$2"; shift ;;
	--smp) smp="$2"; shift ;;
	--mem) mem="$2"; shift ;;
	--show) show=1 ;;
	--image) image="$2"; shift ;;
	--net) net=1 ;;
	--net-fwd) net=1 fwd="$2"; shift ;;
	--peer) peer="$2"; shift ;;
	*) echo "qemu-run: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
iso="${1:-}"
[ -n "$iso" ] || [ -n "$esp" ] || [ -n "$kernel" ] ||
	{ echo "usage: qemu-run.sh [options] ISO (or --esp IMG, or --kernel K --initrd I)" >&2; exit 2; }
build="$(dirname "${iso:-${esp:-$initrd}}")"
case "$nmi" in ''|*[!0-9]*) echo "qemu-run: --nmi needs a count" >&2; exit 2 ;; esac
if [ "$nmi" != 0 ] && [ "$interactive" = 1 ]; then
	echo "qemu-run: --nmi needs a non-interactive run" >&2; exit 2
fi
if [ -n "$input" ] && { [ "$interactive" = 1 ] || [ "$nmi" != 0 ] || [ "$gdb" = stdio ]; }; then
	echo "qemu-run: --input needs a non-interactive run without --nmi or --gdb-stdio" >&2; exit 2
fi
if [ -n "$image" ] && [ ! -f "$image" ]; then
	echo "qemu-run: --image $image: no such file" >&2; exit 2
fi
if [ -n "$image" ] && [ "$chain" = 1 ]; then
	echo "qemu-run: --image works with GRUB's multiboot2 entry and --esp, not --chain" >&2; exit 2
fi

qemu=(qemu-system-x86_64 -machine pc -smp "$smp" -m "$mem" -no-reboot -display none
	-device isa-debug-exit,iobase=0xf4,iosize=0x04)
if [ "$net" = 1 ]; then
	user=user,id=n0
	[ -n "$fwd" ] && user+=",hostfwd=udp:127.0.0.1:$fwd-10.0.2.15:7,hostfwd=udp:127.0.0.1:$((fwd + 2))-10.0.2.15:9"
	qemu+=(-netdev "$user" -device virtio-net-pci,netdev=n0,romfile=)
else
	qemu+=(-nic none)
fi
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

if [ -n "$kernel" ]; then
	qemu+=(-kernel "$kernel" -initrd "$initrd" -append "$append")
elif [ -n "$esp" ]; then
	# Straight from the ESP: the firmware boots \EFI\BOOT\BOOTX64.EFI itself.
	esp_copy="${esp_copy:-$cfgdir/esp.img}"
	cp "$esp" "$esp_copy"
	if [ -n "$image" ]; then # every run names it (the UEFI host reads image= per run)
		mcopy -o -i "$esp_copy" "$image" ::/image.elf
		args="image=\\image.elf $(sed 's/ -- / -- image=\\image.elf /g' <<< "$args")"
	fi
	printf '%s\n' "$args" > "$cfgdir/cokernel.cfg"
	mcopy -o -i "$esp_copy" "$cfgdir/cokernel.cfg" ::/cokernel.cfg
	qemu+=(-drive "file=$esp_copy,format=raw,if=ide,index=0")
else
	qemu+=(-drive "file=$iso,media=cdrom,readonly=on,format=raw" -boot d)
fi

# The command-line disk: a FAT image (mtools, no root needed) of 1.44 MB, or
# as large as the guest image on it needs. Without --args (and --image) an
# interactive run shows GRUB's own menu instead.
if [ -z "$esp" ] && [ -z "$kernel" ] && { [ -n "$args" ] || [ -n "$image" ] || [ "$interactive" = 0 ]; }; then
	printf 'set cokernel_args="%s"\nset timeout=0\n' "$args" > "$cfgdir/cokernel.cfg"
	[ "$chain" = 1 ] && printf 'set cokernel_host=efi\n' >> "$cfgdir/cokernel.cfg"
	if [ -n "$image" ]; then
		printf 'set cokernel_image=/image.elf\n' >> "$cfgdir/cokernel.cfg"
		# 2 heads of 32 sectors a track: whole tracks, 1 MiB more than the image
		tracks=$(( ($(stat -c %s "$image") / 512 + 2048) / 64 ))
		mformat -i "$cfgdir/cfg.img" -C -T $((tracks * 64)) -h 2 -s 32 -v CKCFG ::
		mcopy -i "$cfgdir/cfg.img" "$image" ::/image.elf
	else
		mformat -i "$cfgdir/cfg.img" -C -f 1440 -v CKCFG ::
	fi
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
elif [ "$gdb" = stdio ]; then
	if [ "$interactive" = 1 ] || [ "$nmi" != 0 ]; then
		echo "qemu-run: --gdb-stdio needs a non-interactive run without --nmi" >&2; exit 2
	fi
	qemu+=(-gdb stdio -S) # stdout is gdb's from here: say nothing on it
fi
show_cmd() {	# the command line, one argument per quoted word
	[ "$show" = 1 ] || [ "$interactive" = 1 ] || return 0
	{ printf 'qemu-run:'; printf ' %q' "${qemu[@]}" "$@"; printf '\n'; } >&2
}
if [ "$interactive" = 1 ]; then
	show_cmd -serial mon:stdio
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
elif [ -n "$peer" ]; then
	# Both append (O_APPEND), as with --nmi: neither overwrites the other.
	log="${log:-$cfgdir/serial.log}"
	: > "$log"
	qemu+=(-chardev "file,id=serial0,path=$log,append=on" -serial chardev:serial0)
	"$(dirname "$0")/qemu-peer.sh" "$log" "$timeout_s" "$peer" &
	nmi_pid=$!
elif [ -n "$input" ]; then
	# QEMU waits for the injector to connect (wait=on), which copies the
	# port's output into the log: nothing is lost before it connects.
	log="${log:-$cfgdir/serial.log}"
	: > "$log"
	qemu+=(-chardev "socket,id=serial0,path=$cfgdir/serial.sock,server=on,wait=on"
		-serial chardev:serial0)
	"$(dirname "$0")/qemu-input.sh" "$cfgdir/serial.sock" "$log" "$input" "$timeout_s" &
	nmi_pid=$!
else
	qemu+=(-serial "file:${log:-/dev/null}")
fi
show_cmd
# wait=on makes QEMU say it waits for the injector: not news.
[ -n "$input" ] && exec 2> >(grep -v --line-buffered 'QEMU waiting for connection' >&2)
set +e
[ "$gdb" = stdio ] || exec </dev/null # with --gdb-stdio, gdb's packets arrive on stdin
if [ "$timeout_s" -gt 0 ]; then
	timeout --foreground -k 5 "$timeout_s" "${qemu[@]}"
else
	"${qemu[@]}"
fi
status=$?
stop_nmi
set -e
exit $status
