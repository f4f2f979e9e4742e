#!/usr/bin/env bash
# Grader of the hypercall lab (docs/labs/hypercall.md): HC_STATS end to end.
# The unit tests of tests/unit/test_lab_hypercall.c, then guest=lab-hypercall
# (labs/hypercall/guest/prog.c) on bare metal, under UEFI and on Linux: each
# of its checks is a line "lab-hypercall: WHAT: ok".
source "$(dirname "$0")/../lib.sh"
lab_begin hypercall bios efi-esp linux
lab_protect labs/hypercall/guest/prog.c tests/unit/test_lab_hypercall.c tests/unit/test_abi.c

# The monitor's side alone, on the build machine (make check's binary).
make -s --no-print-directory build/tests/unit > "$LAB_DIR/unit-build.log" 2>&1
build/tests/unit > "$LAB_DIR/unit.log" 2>&1
LAB_LOG="$LAB_DIR/unit.log"
lab_expect 2 "unit: HC_STATS copies the counters" "^ok +lab_hypercall_stats_copies_the_counters"
lab_expect 2 "unit: HC_STATS refuses bad arguments, writes nothing" \
	"^ok +lab_hypercall_stats_refuses_bad_arguments_and_writes_nothing"
lab_expect 1 "unit: HC_STATS in proto/hypercall.inc" "^ok +lab_hypercall_stats_number_in_assembly"
lab_expect 1 "unit: all unit tests pass, the lab's three included" "^[0-9]+ passed, 0 failed"

# Bare metal: every check of the guest's test program, one by one.
lab_boot bios bios 30 "guest=lab-hypercall"
ok() { # the check's name, as the program prints it, quoted for grep -E
	lab_expect "$1" "bios: $2" "^lab-hypercall: $(printf '%s' "$2" | sed 's/[][\\.*^$()+?{}|]/\\&/g'): ok"
}
ok 2 "HC_STATS returns 0"
ok 1 "HC_STATS returns 0 again"
ok 1 "yields counted"
ok 1 "hypercalls counted (the yields and the second HC_STATS)"
ok 1 "two switches a hypercall or host interrupt"
ok 1 "the clock moves forward"
ok 1 "the clock agrees with HC_WAIT's"
ok 2 "a buffer across a page boundary"
ok 1 "... filled in"
ok 1 "a length too short: -HCERR_INVAL"
ok 1 "a length too long: -HCERR_INVAL"
ok 1 "a zero length: -HCERR_INVAL"
ok 1 "a guest virtual address, not a gpa: -HCERR_FAULT"
ok 1 "a buffer past the pool's end: -HCERR_FAULT"
ok 1 "a buffer across the pool's end: -HCERR_FAULT"
ok 1 "a buffer wrapping past 2^64: -HCERR_FAULT"
ok 2 "nothing written by a refused call"
lab_check 1 "bios: the guest exits 0" test "$LAB_STATUS" = 0

# The same core under the other hosts: the whole program passes.
lab_boot efi-esp efi 60 "guest=lab-hypercall"
lab_check 2 "efi-esp: lab-hypercall passes (exit 0, SUCCESS)" \
	eval 'test "$LAB_STATUS" = 0 && grep -aq "^SUCCESS" "$LAB_LOG"'
lab_linux linux 90 "/cokrun guest=lab-hypercall"
lab_check 2 "linux: lab-hypercall passes (exit 0, SUCCESS)" \
	eval 'grep -aq "^lab: status 0" "$LAB_LOG" && grep -aq "^SUCCESS" "$LAB_LOG"'
lab_expect 1 "linux: no page left behind, clean dmesg" "^linux: dmesg: clean"
lab_end
