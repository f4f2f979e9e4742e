#!/usr/bin/env bash
# Lab cow's grader (docs/labs/cow.md): guest=lab-cow runs labs/cow/guest/cow.c's
# fork copy and write fault under labs/cow/guest/cow_test.c on bare metal
# (every check), the UEFI host and the Linux host (the run's verdict and the
# counts): two tables entry by entry, then the kit's processes forking with
# them, every byte, frame and reference checked, and no page leaked. The
# copies and reuses are counted by the kit from the leaves, the faults by the
# monitor: a solution cannot print its way past them.
source "$(dirname "$0")/../lib.sh"
lab_begin cow bios efi-esp linux
lab_protect labs/cow/guest/cow_test.c guest/user/cow.c guest/user/fault.c guest/proc.c \
	guest/palloc.c guest/progs/memtest.c guest/progs/check.c

# The counts of the reference solution's run: the test's checks, and the
# write faults of its processes that the kit saw made good.
CHECKS=86 COPIES=16 REUSES=8

# A check line of the test program: "guest: lab-cow: ok   <what>".
ok() {
	lab_expect "$1" "$2" "^guest: lab-cow: ok +$3"
}

# A check that a solution doing nothing would pass (a refusal, no leak, a
# process killed) counts only once the work it guards is seen done: the line
# of the test's check $1 too. ok_after <check's ERE> <points> <what> <ERE>.
ok_after() {
	lab_expect_after "$2" "$3" "^guest: lab-cow: ok +$1" "^guest: lab-cow: ok +$4"
}
COPIED="a write to a shared PTE_COW page is made good" SHARED="pid 1: P: after the fork every page has two"

# The verdict and the counts, each printed once: the test's "N checks, 0
# failed", the kit's copies and reuses, and at least that many page faults
# (plus the fault program's) in the monitor's own count.
counts() {
	local log line
	log=$(tr -d '\r' < "$LAB_LOG")
	line="lab-cow: the processes' write faults: $COPIES copies, $REUSES reuses"
	test "$(grep -cx "$line" <<< "$log")" = 1 ||
		{ echo "want one line '$line'; the log has:"; grep "write faults:" <<< "$log"; return 1; }
	lab_monitor_faults $((COPIES + REUSES + 1)) "$COPIES + $REUSES + 1"
}
verdict() {
	test "$(tr -d '\r' < "$LAB_LOG" | grep -cx "guest: lab-cow: $CHECKS checks, 0 failed")" = 1
}

# cow.c does its own copy: it calls not the kit's pt_copy_cow.
own_copy() {
	lab_calls_none build/guest-obj/labs/cow/guest/cow.o cow.c pt_copy_cow
}
lab_check 0 "labs/cow/guest/cow.c makes its own copy: it calls not the kit's pt_copy_cow" own_copy
own_copy > /dev/null || LAB_NOBOOT="cow.c uses the kit's pt_copy_cow"

lab_boot bios cow-bios 40 "guest=lab-cow pool=16M"
ok 1 "bios: cow_copy returns COW_OK" "cow_copy of four writable"
ok 2 "bios: cow_copy: both tables map each page on its frame" "both tables map each page"
ok 2 "bios: cow_copy: a reference per sharer" "each frame has two references"
ok 3 "bios: cow_copy: writable pages read-only and PTE_COW in both" "the writable pages are read-only"
ok 1 "bios: cow_copy: a read-only page stays so, not PTE_COW" "the read-only page stays"
ok 1 "bios: cow_copy: the other bits of each leaf kept" "the child's leaves are the parent's"
ok 1 "bios: cow_copy: the child's tables its own, P W U" "the child's tables are its own"
ok 1 "bios: cow_copy: table pages only, no frame copied" "it took six table pages"
ok_after "$COPIED" 2 "bios: cow_fault refuses a write to a page never PTE_COW" "a write fault on the read-only page"
ok_after "$COPIED" 1 "bios: cow_fault refuses a read fault" "a read fault on a PTE_COW page"
ok_after "$COPIED" 1 "bios: cow_fault refuses an unmapped address" "a fault where nothing is mapped"
ok 1 "bios: cow_fault makes a shared page's write good" "a write to a shared PTE_COW page is made good"
ok 2 "bios: cow_fault copies into a new writable frame" "the child's page is a new frame"
ok 1 "bios: the copy holds the page's bytes" "holding the page's bytes"
ok 2 "bios: the old frame given a reference back, one page taken" "one page taken; the old frame"
ok 1 "bios: the other sharer's page untouched" "the parent's page is as it was"
ok 2 "bios: the last holder reuses its frame" "the last holder's write fault reuses"
ok_after "cow_copy of four" 1 "bios: both tables freed, every page back" "both freed: every page is back"
ok_after "$SHARED" 1 "bios: processes: every one ran to its end" "every process ran to its end"
ok 2 "bios: fork: parent and child share, read-only, COW" "pid 1: P: read-only and marked copy-on-write"
ok 3 "bios: fork invalidates the parent's writable translations" "pid 1: P: writes to two shared pages copy each once"
ok 2 "bios: the parent passed every check (bytes, frames, refs)" "the parent passed its checks \\(exit 0\\)"
ok 2 "bios: child A: a copy and a reuse, every byte" "child A passed its checks"
ok 2 "bios: SYS_WAIT's copy_to_user copies a shared page" "pid 1: P: which copied the page"
ok 2 "bios: three sharers: child C and grandchild G" "grandchild G passed its checks"
ok 1 "bios: child C too" "child C passed its checks"
ok_after "$SHARED" 3 "bios: a write to its own text kills the process" "a write to its own text killed"
ok_after "$SHARED" 3 "bios: no page leaked: every reference given back at exit" "every page is back in the allocator"
lab_check 3 "bios: the kit's and the monitor's counts ($COPIES copies, $REUSES reuses, the faults)" counts
lab_check 1 "bios: every check, once: $CHECKS checks, 0 failed" verdict
lab_check 1 "bios: the run ends well (exit 0, SUCCESS)" \
	eval 'test "$LAB_STATUS" = 0 && grep -aq "^SUCCESS" "$LAB_LOG"'

lab_boot efi-esp cow-efi 40 "guest=lab-cow pool=12M"
lab_check 2 "efi-esp pool=12M: every check passes" verdict
lab_check 1 "efi-esp: the counts" counts
lab_check 1 "efi-esp: the run ends well (exit 0, SUCCESS)" \
	eval 'test "$LAB_STATUS" = 0 && grep -aq "^SUCCESS" "$LAB_LOG"'
lab_linux cow-linux 90 "/cokrun guest=lab-cow pool=20M"
lab_check 2 "linux pool=20M: every check passes" verdict
lab_check 1 "linux: the counts" counts
lab_check 1 "linux: the run ends well (exit 0, SUCCESS)" \
	eval 'grep -aq "^lab: status 0" "$LAB_LOG" && grep -aq "^SUCCESS" "$LAB_LOG"'
lab_end
