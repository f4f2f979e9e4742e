#!/usr/bin/env bash
# NMI injector for qemu-run.sh and linux/run-vm.sh --nmi COUNT. Run in the
# background next to QEMU: polls LOG (the serial log) every 50 ms for the
# trigger text, then sends the HMP command `nmi` COUNT times over QEMU's human
# monitor socket, one at a time, each after QEMU's `(qemu)` prompt answered the
# one before (so QEMU paces them, as fast as it takes them). `nmi` raises
# LINT1 on every vCPU's local APIC: only those whose LVT LINT1 is unmasked and
# set to NMI take it (under Linux: the BSP only). NMIs sent while one is
# already pending merge, so a guest counts fewer than were sent. Then appends
# one line to LOG (if the guest is printing at that moment, the line can land
# inside one of the guest's lines: grep for it unanchored):
#   qemu-nmi: injected N NMIs in T ms      (N: commands QEMU acknowledged)
#   qemu-nmi: failed: WHY                  (socket trouble, no trigger, ...)
# Gives up after TIMEOUT seconds without the trigger (0: never), or at SIGTERM
# (the runner sends it once QEMU has exited). Talks to the socket with socat.
# The trigger, default "nmi: inject now", can be overridden with
# QEMU_NMI_TRIGGER (for experiments with guests that print something else).
# QEMU_NMI_GAP: seconds to wait between two NMIs (default 0.02), so that no
# NMI is sent while the one before may still be pending: then none merge, and
# the host must count exactly COUNT (0: as fast as QEMU takes them).
# usage: qemu-nmi.sh SOCKET LOG COUNT [TIMEOUT]
set -uo pipefail

sock="$1" log="$2" count="$3" tmo="${4:-0}"
trigger="${QEMU_NMI_TRIGGER:-nmi: inject now}"
gap="${QEMU_NMI_GAP:-0.02}"
reply_tmo=10	# seconds for QEMU to answer one command
stopped=0
trap 'stopped=1' TERM INT

inject_name=qemu-nmi
. "$(dirname "$0")/qemu-inject.sh"
wait_for_trigger "$trigger"

# From here on a SIGTERM (QEMU gone) is noticed as the socket's EOF.
coproc HMP { exec socat - "UNIX-CONNECT:$sock" 2>&1; }
hmp_pid=$HMP_PID
# Our own copies of the pipe ends: bash closes the coproc's when socat exits
# (QEMU gone), and reading a closed fd is a noisy error, not a quiet EOF.
exec {in}<&"${HMP[0]}" {out}>&"${HMP[1]}"
finish() {
	exec {in}<&- {out}>&-
	kill "$hmp_pid" 2>/dev/null
	wait "$hmp_pid" 2>/dev/null
}

# Read up to and including the next "(qemu)" prompt into $reply; else 1
# and $lost says why.
reply="" lost=""
prompt() {
	local chunk rc
	reply=""
	while :; do
		IFS= read -r -d ')' -t "$reply_tmo" -u "$in" chunk
		rc=$?
		[ $rc = 0 ] || break
		reply+="$chunk)"
		[[ $chunk == *"(qemu" ]] && return 0
	done
	reply+="$chunk"
	if [ $rc -gt 128 ] && [ "$stopped" = 0 ]; then
		lost="no answer within ${reply_tmo} s"
	else
		lost="the monitor closed"
	fi
	return 1
}
# What a command printed, into $said: the reply minus the echoed command
# line, the prompt and the terminal escapes (no $(...): a fork per NMI would
# be the bottleneck).
said=""
output() {
	local s="${reply%(qemu)}"
	[[ $s == *$'\r\n'* ]] && s="${s#*$'\r\n'}"
	s="${s//$'\e['[A-Z]/}"
	s="${s//$'\r'/}"
	s="${s//$'\n'/ }"
	s="${s#"${s%%[! ]*}"}"
	said="${s%"${s##*[! ]}"}"
}

exec {pause}<> <(:) # read-write: never EOF, so a read waits its whole timeout
if ! prompt; then
	output
	finish
	note "failed: no monitor prompt on $sock: $lost${said:+ ($said)}"
	exit 1
fi
n=0 why=""
t0=$EPOCHREALTIME
while [ "$n" -lt "$count" ]; do
	if ! printf 'nmi\n' >&"$out" 2>/dev/null; then
		why="monitor closed"
		break
	fi
	if ! prompt; then
		why="no reply to nmi #$((n + 1)) ($lost)"
		break
	fi
	output
	if [ -n "$said" ]; then
		why="QEMU answered nmi #$((n + 1)) with: $said"
		break
	fi
	n=$((n + 1))
	# The pause without a fork (an external sleep per NMI cost ~10 ms more
	# on a loaded 2-core machine: 200 NMIs then outlasted the guest's 4 s):
	# a read with a timeout on a pipe nobody writes.
	[ "$gap" = 0 ] || read -r -t "$gap" -u "$pause" _
done
t1=$EPOCHREALTIME
finish
# EPOCHREALTIME is seconds.microseconds: integer microseconds, then ms.
us=$(( ${t1//[.,]/} - ${t0//[.,]/} ))
ms=$(( (us + 500) / 1000 ))
if [ -n "$why" ]; then
	note "failed: $why after $n of $count NMIs in $ms ms"
	exit 1
fi
note "injected $n NMIs in $ms ms"
