#!/usr/bin/env bash
# Lab lazy's grader (docs/labs/lazy.md): guest=lab-lazy runs
# labs/lazy/guest/lazy.c's fault handler under labs/lazy/guest/lazy_test.c on
# bare metal (every check), the UEFI host and the Linux host (the verdict and
# the counts): lazy_fault called fault by fault on a process not running,
# then as the kit's processes' handler: the kit's pager, its touch past the
# break, lab_lazy's ways to die and its good faults. The lazy pages are
# counted by the kit from the leaves, the faults by the monitor: a solution
# cannot print its way past them.
source "$(dirname "$0")/../lib.sh"
lab_begin lazy bios efi-esp linux
lab_protect labs/lazy/guest/lazy_test.c labs/lazy/guest/lazy_test.h labs/lazy/user/lab_lazy.c \
	guest/user/lazy.c guest/proc.c guest/palloc.c guest/progs/memtest.c guest/progs/check.c

# The reference run's counts: the test's checks (its own and the processes'
# kcheck lines), and the heap pages the kit saw mapped by lazy_fault.
CHECKS=66 LAZY=19

# A check line: "guest: lab-lazy: ok   <what>" (a process's: "... ok   pid N: <what>").
ok() {
	lab_expect "$1" "$2" "^guest: lab-lazy: ok +$3"
}
pid() {
	lab_expect "$1" "$2" "^guest: lab-lazy: ok +pid [0-9]+: $3"
}
# A refusal, a kill or the leak check, which a solution doing nothing would
# pass, counts only once a heap page is seen mapped: the line of check $1
# too. ok_after <check's ERE> <points> <what> <ERE>.
ok_after() {
	lab_expect_after "$2" "$3" "^guest: lab-lazy: ok +$1" "^guest: lab-lazy: ok +$4"
}
GOOD="the good faults: every check"

# The verdict and the counts, each printed once: the test's "N checks, 0
# failed", the kit's lazy pages, and at least that many page faults in the
# monitor's own count.
counts() {
	local line="lab-lazy: the processes' lazy pages: $LAZY"
	test "$(tr -d '\r' < "$LAB_LOG" | grep -cx "$line")" = 1 ||
		{ echo "want one line '$line'; the log has:"; grep -a "lazy pages:" "$LAB_LOG"; return 1; }
	lab_monitor_faults "$LAZY" "the $LAZY lazy pages"
}
verdict() {
	test "$(tr -d '\r' < "$LAB_LOG" | grep -cx "guest: lab-lazy: $CHECKS checks, 0 failed")" = 1
}

lab_boot bios lazy-bios 40 "guest=lab-lazy"
ok 2 "bios: a write to a heap page not present is made good" "a write to a heap page not present"
ok 2 "bios: that page mapped P W U NX on its own frame" "it mapped that page, P W U NX"
ok 1 "bios: no page beside it" "and no page beside it"
ok 1 "bios: one zeroed frame taken" "one frame taken, zeroed"
ok 2 "bios: a fault at the break is refused" "a fault at the break"
ok 1 "bios: a fault far past the break is refused" "a fault far past the break"
ok 2 "bios: a fault below the image is refused" "a fault below the image"
ok 2 "bios: a fault in the kernel's half is refused" "a fault in the kernel's half"
ok 1 "bios: a write to the read-only text is refused" "a write to the present, read-only text"
ok 2 "bios: a write to a read-only heap page is refused" "a write to a read-only heap page"
ok 1 "bios: a kernel read maps a heap page too" "a kernel read of the heap's last byte"
ok_after "a write to a heap page not present" 1 "bios: the walked process's pages all back" \
	"every page is back after the walked process"
ok_after "$GOOD" 1 "bios: every process ran to its end" "every process ran to its end"
pid 2 "bios: pager: a page mapped per distinct page touched" "a lazy page mapped per distinct page touched"
pid 2 "bios: pager: the pages mapped are the ones touched" "the heap pages mapped are the ones touched"
pid 1 "bios: pager: untouched pages read as zeros" "reads of untouched heap pages see zeros"
pid 1 "bios: pager: every byte reads back" "every byte of the touched pages reads back"
pid 1 "bios: pager: sbrk to the limit maps nothing" "growing to the limit mapped nothing"
pid 1 "bios: pager: a page given back comes back fresh" "grown again, a page given back is a fresh page"
pid 2 "bios: pager: SYS_WRITE's copy takes a lazy fault" "its copy took a lazy fault inside the system call"
ok 2 "bios: the kit's pager passed all its checks" "the kit's pager passed its own checks"
ok_after "$GOOD" 2 "bios: a touch past the break kills" "a touch of the byte past the break"
ok_after "$GOOD" 2 "bios: a read of the kernel's text kills" "a read of the kernel's text"
ok_after "$GOOD" 2 "bios: a write to an unmapped kernel address kills" "a write to the kernel's half where"
ok_after "$GOOD" 2 "bios: a write to a read-only heap page kills" "a write to a heap page made read-only"
ok_after "$GOOD" 2 "bios: a touch below the image kills" "a touch below the image kills"
pid 1 "bios: a read maps the page P W U NX" "it mapped that page, P W U NX"
pid 1 "bios: a write after that read takes no fault" "a write after that read"
pid 2 "bios: the heap's last byte maps its own page" "the heap's last byte maps its own page"
pid 2 "bios: a kernel copy into a fresh page (copy_to_user)" "a kernel copy into a page never touched"
ok 1 "bios: lab_lazy's good faults all passed" "$GOOD"
ok_after "$GOOD" 1 "bios: nothing mapped in the kernel's half" "nothing was mapped in the kernel's half"
ok_after "$GOOD" 3 "bios: no page leaked" "every page is back in the allocator"
lab_check 3 "bios: the kit's and the monitor's counts ($LAZY lazy pages, the faults)" counts
lab_check 1 "bios: every check, once: $CHECKS checks, 0 failed" verdict
lab_check 1 "bios: the run ends well (exit 0, SUCCESS)" \
	eval 'test "$LAB_STATUS" = 0 && grep -aq "^SUCCESS" "$LAB_LOG"'

lab_boot efi-esp lazy-efi 40 "guest=lab-lazy"
lab_check 2 "efi-esp: every check passes" verdict
lab_check 1 "efi-esp: the counts" counts
lab_check 1 "efi-esp: the run ends well (exit 0, SUCCESS)" \
	eval 'test "$LAB_STATUS" = 0 && grep -aq "^SUCCESS" "$LAB_LOG"'
lab_linux lazy-linux 90 "/cokrun guest=lab-lazy"
lab_check 2 "linux: every check passes" verdict
lab_check 1 "linux: the counts" counts
lab_check 1 "linux: the run ends well (exit 0, SUCCESS)" \
	eval 'grep -aq "^lab: status 0" "$LAB_LOG" && grep -aq "^SUCCESS" "$LAB_LOG"'
lab_end
