#!/usr/bin/env bash
# Lab vm's grader (docs/labs/vm.md): guest=lab-vm runs labs/vm/guest/vm.c's
# page tables under labs/vm/guest/vm_test.c on bare metal (every check), the
# UEFI host and the Linux host (the run's verdict): the kernel's tables
# entry by entry and loaded, two address spaces, map and unmap with their
# invalidation, vm_print against the test's own walk, and no page leaked.
source "$(dirname "$0")/../lib.sh"
lab_begin vm bios efi-esp linux
lab_protect labs/vm/guest/vm_test.c

# A check line of the test program: "guest: lab-vm: ok   <what>".
ok() {
	lab_expect "$1" "$2" "^guest: lab-vm: ok +$3"
}

# vm_print's lines (from "page table" to "lab-vm: vmprint done") against the
# lines the test printed as "lab-vm: want:" from its own walk.
vmprint_matches() {
	local log want got
	log=$(tr -d '\r' < "$LAB_LOG") # the serial log's lines end in CR LF
	want=$(sed -n 's/^lab-vm: want://p' <<< "$log")
	got=$(awk '/^page table 0x[0-9a-f]+$/ { on = 1; next } /^lab-vm: vmprint done/ { on = 0 } on' <<< "$log")
	[ -n "$want" ] || { echo "the test printed no table (it stopped before)"; return 1; }
	grep -qE '^page table 0x[0-9a-f]{16}$' <<< "$log" || { echo "no line 'page table 0x<16 hex digits>'"; return 1; }
	diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") > "$LAB_DIR/vmprint.diff" ||
		{ echo "vm_print's lines (>) differ from the table's (<), $LAB_DIR/vmprint.diff:"; head -n 6 "$LAB_DIR/vmprint.diff"; return 1; }
}

# vm.c builds its own tables: it calls none of the kit's (guest/pt.h).
own_tables() {
	lab_calls_none build/guest-obj/labs/vm/guest/vm.o vm.c \
		pt_new pt_walk pt_map pt_unmap pt_free pt_copy_cow pt_print
}
lab_check 0 "labs/vm/guest/vm.c builds its own tables: it calls none of guest/pt.h's pt_ functions" own_tables
# A vm.c on the kit's tables is not graded: no boot, every check fails.
own_tables > /dev/null || LAB_NOBOOT="vm.c uses the kit's page tables"

lab_boot bios vm-bios 40 "guest=lab-vm pool=16M"
ok 1 "bios: vm_kernel returns a table" "vm_kernel returns a table"
ok 1 "bios: the kernel's tables leave the lower half empty" "vm_kernel: the lower half is empty"
ok 2 "bios: the direct map: right frames, P W NX G, not U" "vm_kernel: the direct map"
ok 1 "bios: nothing mapped past the pool" "vm_kernel: nothing mapped past the pool"
ok 2 "bios: text: P G, read-only, executable" "vm_kernel: every text page"
ok 1 "bios: rodata: read-only, NX" "vm_kernel: every rodata page"
ok 1 "bios: data and bss: writable, NX" "vm_kernel: every data and bss page"
ok 1 "bios: nothing mapped after the image" "vm_kernel: nothing mapped after the image"
ok 2 "bios: the kernel runs on its own tables" "the kernel runs on them"
ok 1 "bios: loaded, text refuses writes" "a write to the kernel's text faults"
ok 1 "bios: loaded, rodata refuses writes" "a write to rodata faults"
ok 1 "bios: loaded, data and the direct map refuse to run code" "nor through the direct map"
ok 1 "bios: vm_new shares the kernel's half, empty below" "vm_new: the upper half is the kernel's"
ok 1 "bios: vm_map: three pages mapped" "vm_map three user pages"
ok 1 "bios: vm_map: three table pages made, no more" "it took three table pages"
ok 2 "bios: vm_map: leaves exact, tables above P W U" "the leaves are frame \\| perm \\| P exactly"
ok 1 "bios: vm_map refuses a misaligned va or gpa" "of a misaligned gpa"
ok 1 "bios: vm_map refuses a bad length" "of a length not a multiple"
ok 1 "bios: vm_map refuses a range mapped already" "of a range whose second page"
ok 1 "bios: a refused vm_map changes nothing" "and it changed nothing"
ok 1 "bios: vm_walk without alloc" "vm_walk without alloc"
ok 1 "bios: refusals and walks take no page" "the refusals and the walks took no page"
lab_check 3 "bios: vm_print prints the table as xv6's vmprint" vmprint_matches
ok 1 "bios: the process's tables: user pages read their frames" "the three user pages read"
ok 1 "bios: a read-only page refuses writes" "a write to the read-only page faults"
ok 3 "bios: vm_unmap invalidates: the page faults at once" "vm_unmap of a page just used"
ok 1 "bios: vm_unmap gives the frame back (free_frames)" "and its frame was given back"
ok 1 "bios: vm_unmap keeps the frame without free_frames" "vm_unmap without free_frames keeps"
ok 2 "bios: two spaces, one address, their own frames" "in it \\(PCID 2\\) the address reads"
ok 1 "bios: vm_free gives the frames back" "vm_free gave back the frames"
ok 1 "bios: vm_free leaves the kernel's half alone" "and left the kernel's half alone"
ok 3 "bios: no page leaked (vm_free frees every table page)" "every page given back"
lab_check 1 "bios: the run ends well (exit 0, SUCCESS)" \
	eval 'test "$LAB_STATUS" = 0 && grep -aq "^SUCCESS" "$LAB_LOG"'

lab_boot efi-esp vm-efi 40 "guest=lab-vm pool=12M"
lab_expect 2 "efi-esp pool=12M: every check passes" "^guest: lab-vm: [0-9]+ checks, 0 failed"
lab_check 1 "efi-esp: the run ends well (exit 0, SUCCESS)" \
	eval 'test "$LAB_STATUS" = 0 && grep -aq "^SUCCESS" "$LAB_LOG"'
lab_linux vm-linux 90 "/cokrun guest=lab-vm pool=20M"
lab_expect 2 "linux pool=20M: every check passes" "^guest: lab-vm: [0-9]+ checks, 0 failed"
lab_check 1 "linux: the run ends well (exit 0, SUCCESS)" \
	eval 'grep -aq "^lab: status 0" "$LAB_LOG" && grep -aq "^SUCCESS" "$LAB_LOG"'
lab_end
