#!/usr/bin/env bash
# Lab syscall's grader (docs/labs/syscall.md): guest=lab-syscall runs
# labs/syscall/guest/syscall.c's first user process, system-call table and
# user-memory access under labs/syscall/user/lab_syscall.c (ring 3), which
# passes good and bad arguments and prints a line per check; before it, the
# kernel's test calls lab_user_ok and the copies on a process not running;
# after, it checks the process ended well and no page was kept. Bare metal:
# every check; the UEFI and Linux hosts: the run's verdict.
source "$(dirname "$0")/../lib.sh"
lab_begin syscall bios efi-esp linux
lab_protect labs/syscall/guest/syscall_test.c labs/syscall/user/lab_syscall.c

# The reference run's counts: the user program's checks, the kernel test's,
# and the system calls the kit counted for the first process (its 30 check
# lines are SYS_WRITEs too). A solution cannot print its way past them: the
# last is the kit's own count, printed by the test program.
UCHECKS=30 KCHECKS=18 NCALLS=77

# Every check passed, each once: both verdict lines, exactly UCHECKS user ok
# lines, the kit's count of the process's calls; then the run's end ($1 bios
# or linux: the status as that host gives it).
verdict() {
	local log
	log=$(tr -d '\r' < "$LAB_LOG")
	test "$(grep -cx "lab-syscall: $UCHECKS checks, 0 failed" <<< "$log")" = 1 ||
		{ echo "want one line 'lab-syscall: $UCHECKS checks, 0 failed'; the log has:"; grep "^lab-syscall: [0-9]* checks" <<< "$log"; return 1; }
	test "$(grep -c "^lab-syscall: ok " <<< "$log")" = "$UCHECKS" ||
		{ echo "want $UCHECKS lines 'lab-syscall: ok ...', the log has $(grep -c "^lab-syscall: ok " <<< "$log")"; return 1; }
	test "$(grep -cx "guest: lab-syscall: $KCHECKS checks, 0 failed" <<< "$log")" = 1 ||
		{ echo "want one line 'guest: lab-syscall: $KCHECKS checks, 0 failed'"; return 1; }
	grep -qx "guest: lab-syscall: the first process made $NCALLS system calls" <<< "$log" ||
		{ echo "want the kit's count of $NCALLS system calls; the log has:"; grep "system calls" <<< "$log"; return 1; }
	case "$1" in
	linux) grep -q "^lab: status 0" <<< "$log" ;;
	*) test "$LAB_STATUS" = 0 ;;
	esac || { echo "the run's status is not 0"; return 1; }
	grep -q "^SUCCESS" <<< "$log" || { echo "no SUCCESS line"; return 1; }
}

# A check line of the user program ("lab-syscall: ok   <what>") or of the
# kernel's test ("guest: lab-syscall: ok   <what>").
user() {
	lab_expect "$1" "bios: $2" "^lab-syscall: ok +$3"
}
kernel() {
	lab_expect "$1" "bios: $2" "^guest: lab-syscall: ok +$3"
}

lab_boot bios syscall-bios 40 "guest=lab-syscall"
kernel 1 "lab_user_ok: text readable, stack writable" "lab_user_ok: the program's text may be read"
kernel 1 "lab_user_ok: text not writable" "lab_user_ok: its text may not be written"
kernel 1 "lab_user_ok: the range's end is checked" "lab_user_ok: a range running past"
kernel 2 "lab_user_ok: a wrapping length is refused" "lab_user_ok: a length that wraps"
kernel 1 "lab_user_ok: kernel addresses are refused" "lab_user_ok: a kernel address"
kernel 1 "lab_user_ok: a length of 0 is fine" "lab_user_ok: a length of 0"
kernel 2 "lab_user_ok: a page without PTE_U is refused" "lab_user_ok: a lower-half page without PTE_U"
kernel 2 "lab_copyout walks the process's tables (not loaded)" "lab_copyout across two pages"
kernel 1 "lab_copyout writes the process's frames" "and the bytes are in the process's frames"
kernel 1 "lab_copyin reads them back" "lab_copyin reads them back"
kernel 1 "lab_copyin of the text" "lab_copyin of the text"
kernel 1 "lab_copyout refuses the text, writes nothing" "lab_copyout to the text is -1"
kernel 1 "lab_copyinstr: the length" "lab_copyinstr: its length"
kernel 1 "lab_copyinstr: no NUL within max is -1" "lab_copyinstr: -1 when"
user 2 "ADD3: three arguments fetched" "ADD3\\(1, 2, 3\\) is 6"
user 1 "ADD3: 64-bit arguments" "ADD3 of 64-bit arguments"
user 2 "the table: numbers it lacks are -1" "numbers the table lacks are -1"
user 1 "the kit's own calls still work" "the kit's own calls still work"
user 1 "STRLEN of short strings" "STRLEN\\(\"hello\"\\) is 5"
user 1 "STRLEN of the empty string" "STRLEN\\(\"\"\\) is 0"
user 1 "STRLEN across two pages" "STRLEN of a string across two pages"
user 1 "STRLEN of 127 bytes" "STRLEN of 127 bytes"
user 1 "STRLEN stops at 128 bytes" "STRLEN with no NUL"
user 2 "STRLEN refuses kernel, NULL and unmapped pointers" "STRLEN of a kernel address"
user 1 "STRLEN refuses a string running into an unmapped page" "STRLEN of a string running into"
user 1 "SUM of three pages" "SUM of three pages"
user 1 "SUM across a page boundary" "SUM of 10 bytes across"
user 1 "SUM of a read-only page" "SUM of a read-only page"
user 1 "SUM of 0 bytes" "SUM of 0 bytes"
user 2 "SUM refuses kernel memory" "SUM of kernel memory is -1"
user 1 "SUM refuses NULL and an unmapped page" "SUM of NULL and of an unmapped page"
user 2 "SUM checks the length: the second page" "SUM of a range whose second page"
user 1 "SUM refuses more than LAB_LEN_MAX bytes" "SUM longer than LAB_LEN_MAX"
user 1 "SUM refuses a wrapping length" "SUM of a length that wraps"
user 1 "SUM refuses a range past the lower half" "SUM of a range past the lower half"
user 1 "FILL across a page boundary" "FILL of 8 bytes across"
user 1 "FILL writes exactly its bytes" "and wrote exactly those 8"
user 1 "FILL of three pages" "FILL of three pages"
user 2 "FILL refuses a read-only page" "FILL of a read-only page is -1"
user 1 "FILL refuses the program's text" "FILL of the program's own text"
user 1 "FILL checks the length: the second page" "FILL of a range whose second page"
user 2 "a refused FILL writes nothing" "and wrote nothing, not even"
user 1 "FILL refuses more than LAB_LEN_MAX bytes, and NULL" "FILL longer than LAB_LEN_MAX"
user 2 "FILL refuses a kernel address" "FILL of a kernel address"
kernel 1 "the kernel outlived the bad pointers" "the kernel outlived"
kernel 2 "the first user process ran and exited 0" "the first user process exited 0"
kernel 1 "its pages were given back" "its pages were given back"
lab_check 1 "bios: every check, once; the kit's count of the calls; the run ends well" verdict bios

lab_boot efi-esp syscall-efi 40 "guest=lab-syscall"
lab_check 3 "efi-esp: every check passes, the kit's count, the run ends well" verdict efi-esp
lab_linux syscall-linux 90 "/cokrun guest=lab-syscall"
lab_check 3 "linux: every check passes, the kit's count, the run ends well" verdict linux
lab_end
