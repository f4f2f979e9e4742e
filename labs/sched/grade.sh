#!/usr/bin/env bash
# Lab sched's grader (docs/labs/sched.md): guest=lab-sched runs the kit's
# processes under labs/sched/guest/sched.c's scheduler on bare metal (every
# check, with keys typed at the console meanwhile), the UEFI host and the
# Linux host (the run's verdict and the counts): three spinners that never
# make a system call must take turns, round robin and fairly, each finding
# its registers as it left them, while a talker's system calls, forks and
# waits go on. The turns and registers are checked in ring 3, where no kernel
# code writes them, and the switches against the monitor's own count of
# address-space loads.
source "$(dirname "$0")/../lib.sh"
lab_begin sched bios efi-esp linux
lab_protect labs/sched/guest/sched_test.c labs/sched/guest/sched.h guest/user/spinner.c \
	guest/user/spinner.h guest/proc.c guest/progs/check.c

CHECKS=14 MIN_TURNS=15 # the test's checks; turns in all at the least (5 a spinner)

# A check line of the test program: "guest: lab-sched: ok   <what>".
ok() {
	lab_expect "$1" "$2" "^guest: lab-sched: ok +$3"
}

# The counts, from the test's lines and the monitor's report: the turns the
# spinners saw in ring 3 (each after the first needs a switch into it), the
# switches the kit made (each loads an address space: the monitor's set_cr3),
# the preemptions (each needs a timer expiry, which the monitor counts).
counts() {
	local log turns exp pre sw cr3
	log=$(tr -d '\r' < "$LAB_LOG")
	turns=$(sed -n 's/^lab-sched: spinners .*: \([0-9]*\) turns in all.*/\1/p' <<< "$log")
	exp=$(sed -n 's/^lab-sched: \([0-9]*\) timer expiries, .*/\1/p' <<< "$log")
	pre=$(sed -n 's/^lab-sched: .*, \([0-9]*\) preemptions by sched_tick.*/\1/p' <<< "$log")
	sw=$(sed -n 's/^lab-sched: .*, \([0-9]*\) switches in all$/\1/p' <<< "$log")
	cr3=$(sed -n 's/^monitor: [0-9]* world switches; hypercalls:.* set_cr3 \([0-9]*\),.*/\1/p' <<< "$log")
	for v in turns exp pre sw cr3; do
		[ "$(wc -l <<< "${!v}")" = 1 ] && [ -n "${!v}" ] ||
			{ echo "want one count of '$v' in the log, found '${!v}'"; return 1; }
	done
	[ "$turns" -ge "$MIN_TURNS" ] || { echo "the spinners saw $turns turns, fewer than $MIN_TURNS"; return 1; }
	[ "$turns" -le $((sw + 1)) ] || { echo "$turns turns seen in ring 3, but only $sw switches"; return 1; }
	[ "$pre" -le "$exp" ] || { echo "$pre preemptions, but the timer expired $exp times"; return 1; }
	[ "$sw" -le "$cr3" ] || { echo "$sw switches, but the monitor loaded $cr3 address spaces"; return 1; }
}
verdict() {
	test "$(tr -d '\r' < "$LAB_LOG" | grep -cx "guest: lab-sched: $CHECKS checks, 0 failed")" = 1
}
# Keys typed during the run reached the guest (HCEV_INPUT in an upcall) and
# did not stop it: the guest ended the run itself (its checks' verdict, 0 or
# 1), not the monitor's timeout=; and processes were preempted meanwhile (a
# handler that never switches takes the keys easily).
typed() {
	local n
	grep -aEq "^guest: lab-sched: ok +preemption: every spinner" "$LAB_LOG" ||
		{ echo "and only with preemption seen, which did not pass"; return 1; }
	n=$(tr -d '\r' < "$LAB_LOG" | sed -n 's/^lab-sched: .* upcalls (.*, \([0-9]*\) with typed input).*/\1/p')
	[ -n "$n" ] && [ "$n" -gt 0 ] || { echo "no upcall brought HCEV_INPUT (${n:-no count})"; return 1; }
	grep -aq "qemu-input: sent" "$LAB_LOG" || { echo "nothing was typed"; return 1; }
	[ "$LAB_STATUS" = 0 ] || [ "$LAB_STATUS" = 1 ] || { echo "the run ended with status $LAB_STATUS"; return 1; }
}

TYPED='typed while the spinners spin\nand more\nand more\n'
QEMU_INPUT_TRIGGER="lab-sched: spinning" lab_boot bios sched-bios 40 "guest=lab-sched" \
	--input "$TYPED"
ok 1 "bios: every process ran to its end and reported" "every process ran to its end"
ok 3 "bios: each spinner's registers, RSP and DF kept (checked in ring 3)" "every spinner's 15 registers"
ok 3 "bios: preemption: every spinner at least 5 turns (seen in ring 3)" "preemption: every spinner"
ok 2 "bios: the turns interleave, A B C" "the turns interleave"
ok 2 "bios: fairness: the least CPU time (measured in ring 3) at least half the most" "fairness:"
ok 2 "bios: the talker's system calls, forks and waits" "the talker's calls"
ok 1 "bios: preemptions on timer upcalls only" "sched_tick preempts, on timer upcalls only"
ok 3 "bios: round robin: each tick resumes the next runnable slot" "round robin:"
ok 2 "bios: every register of the interrupted process saved" "sched_tick saves every register"
ok 2 "bios: the next process's registers resumed" "sched_tick resumes the next process"
ok 1 "bios: ring 3 resumed (user CS, SS)" "every preemption resumes ring 3"
ok 2 "bios: a system call in the kernel never preempted" "sched_tick leaves the kernel alone"
ok 2 "bios: never a process that waits" "never a switch to a process that is not runnable"
lab_check 2 "bios: keys typed meanwhile: HCEV_INPUT taken with the timer's, the run goes on" typed
lab_check 2 "bios: the counts (ring-3 turns, switches, expiries, the monitor's CR3 loads)" counts
lab_check 1 "bios: every check, once: $CHECKS checks, 0 failed" verdict
lab_check 1 "bios: the run ends well (exit 0, SUCCESS)" \
	eval 'test "$LAB_STATUS" = 0 && grep -aq "^SUCCESS" "$LAB_LOG"'

lab_boot efi-esp sched-efi 40 "guest=lab-sched"
lab_check 2 "efi-esp: every check passes" verdict
lab_check 1 "efi-esp: the counts" counts
lab_check 1 "efi-esp: the run ends well (exit 0, SUCCESS)" \
	eval 'test "$LAB_STATUS" = 0 && grep -aq "^SUCCESS" "$LAB_LOG"'
lab_linux sched-linux 90 "/cokrun guest=lab-sched timeout=30"
lab_check 2 "linux: every check passes" verdict
lab_check 1 "linux: the counts" counts
lab_check 1 "linux: the run ends well (exit 0, SUCCESS)" \
	eval 'grep -aq "^lab: status 0" "$LAB_LOG" && grep -aq "^SUCCESS" "$LAB_LOG"'
lab_end
