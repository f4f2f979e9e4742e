#!/usr/bin/env bash
# Grader of the device lab (docs/labs/device.md): the random-number device on
# the request ring. guest=lab-device (labs/device/guest/prog.c) on bare metal,
# under UEFI and on the Linux host (whose runner must not be handed the new
# device's requests); each of its checks is a line "lab-device: WHAT: ok".
source "$(dirname "$0")/../lib.sh"
lab_begin device bios efi-esp linux
lab_protect labs/device/guest/prog.c

ok() { # host, points, the check's name as the program prints it (quoted for grep -E)
	lab_expect "$2" "$1: $3" "^lab-device: $(printf '%s' "$3" | sed 's/[][\\.*^$()+?{}|]/\\&/g'): ok"
}

lab_boot bios bios 30 "guest=lab-device"
ok bios 2 "rng_fill of 12388 bytes returns 12388"
ok bios 2 "one HC_POST for the four requests (HC_STATS counts 2 hypercalls)"
ok bios 1 "a second fill returns 12388"
ok bios 2 "two fills differ (under 200 equal bytes)"
ok bios 1 "about half the bits set (16384 +- 1000)"
ok bios 1 "every byte value in the first 4096"
ok bios 1 "the last, short request filled too"
ok bios 1 "no byte-to-byte step much more common than others (at most 64 of 4095)"
ok bios 1 "no 16 bytes come back within 64 KiB (no short period)"
ok bios 2 "one request across a page boundary"
ok bios 1 "... filled on both sides"
ok bios 1 "an unknown op: -HCERR_INVAL"
ok bios 1 "an offset: -HCERR_INVAL"
ok bios 1 "a zero length: -HCERR_INVAL"
ok bios 1 "4097 bytes: -HCERR_2BIG"
ok bios 1 "a buffer past the pool's end: -HCERR_FAULT"
ok bios 1 "a buffer across the pool's end: -HCERR_FAULT"
ok bios 1 "nothing written by a refused request"
lab_check 1 "bios: the guest exits 0" test "$LAB_STATUS" = 0

# Two boots of one host must not give the same bytes: the seed.
first=$(grep -a "equal bytes between" "$LAB_LOG")
lab_boot bios bios-again 30 "guest=lab-device"
lab_check 1 "bios: a second boot gives other numbers" \
	eval '[ -n "$first" ] && ! grep -aqF "$first" "$LAB_LOG"'

lab_boot efi-esp efi 60 "guest=lab-device"
lab_check 2 "efi-esp: lab-device passes (exit 0, SUCCESS)" \
	eval 'test "$LAB_STATUS" = 0 && grep -aq "^SUCCESS" "$LAB_LOG"'

# Linux defers block I/O to its runner: the new device must stay in the core.
lab_linux linux 90 "/cokrun guest=lab-device"
ok linux 1 "rng_fill of 12388 bytes returns 12388"
ok linux 1 "an unknown op: -HCERR_INVAL"
lab_check 2 "linux: lab-device passes (exit 0, SUCCESS)" \
	eval 'grep -aq "^lab: status 0" "$LAB_LOG" && grep -aq "^SUCCESS" "$LAB_LOG"'
lab_expect 1 "linux: no page left behind, clean dmesg" "^linux: dmesg: clean"
lab_end
