#!/usr/bin/env bash
# Lab threads' grader (docs/labs/threads.md): guest=lab-threads runs the
# threads and scheduler of labs/threads/guest/thread.c on bare metal and on
# the UEFI host: three threads that never yield must take turns (the timer
# preempts them), share the CPU fairly, keep their own floating-point state,
# exit and be joined with their codes; then dozens of short threads reuse
# the slots that joining frees, seven run side by side, and new threads
# start with the default x87/SSE control words on an ABI-aligned stack.
source "$(dirname "$0")/../lib.sh"
lab_begin threads bios efi-esp
lab_protect labs/threads/guest/threads_test.c

judge() {
	local host="$1"
	lab_expect 2 "$host: thread_create: three threads with tids 1-7" \
		"^threads: ok: created 3 threads: tids [1-7] [1-7] [1-7]"
	lab_check 2 "$host: thread_join: each thread's exit code (returned or thread_exit's)" \
		test "$(grep -acE '^threads: ok: joined thread [1-7], exit code 1[012]' "$LAB_LOG")" = 3
	lab_expect 3 "$host: preemption: threads that never yield take turns" \
		"^threads: ok: interleaved"
	lab_expect 2 "$host: fairness: the least work at least half the most" \
		"^threads: fairness: the least work is ([5-9][0-9]|100)% of the most"
	lab_expect 2 "$host: each thread keeps its own x87/SSE state (and did some work)" \
		"^threads: ok: every thread's floating-point sum is exact"
	lab_expect 2 "$host: reaping: 32 threads in turn through 7 slots" \
		"^threads: ok: 32 threads created and joined in turn"
	lab_expect 1 "$host: a full table: thread_create says -1" \
		"^threads: ok: 7 threads at once, then thread_create said -1"
	lab_expect 1 "$host: those 7 ran side by side (main spinning), then joined" \
		"^threads: ok: joined all 7, after they ran side by side"
	lab_expect 1 "$host: thread_join refuses a joined thread and bad tids" \
		"^threads: ok: thread_join refuses"
	lab_expect 1 "$host: a new thread starts with FCW 0x37f and MXCSR 0x1f80" \
		"^threads: ok: a new thread starts with FCW 0x37f and MXCSR 0x1f80"
	lab_expect 1 "$host: a new thread's stack is aligned as after a CALL" \
		"^threads: ok: a new thread's stack is aligned"
	lab_expect 1 "$host: a thread joining itself gets -1" \
		"^threads: ok: a thread's thread_join of itself says -1"
	lab_expect 1 "$host: the run ends well" "^SUCCESS"
}

lab_boot bios threads-bios 40 "guest=lab-threads"
judge bios
lab_boot efi-esp threads-efi 40 "guest=lab-threads"
judge efi-esp
lab_end
