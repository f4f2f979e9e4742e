#!/usr/bin/env bash
# Console-input injector for qemu-run.sh --input TEXT. Started next to QEMU,
# whose serial port is the Unix socket SOCKET (server, waiting for us): it
# connects, copies all the port's output to LOG (appending), waits there for
# the trigger text, then types TEXT (printf %b: "\n" ends a line), one line at
# a time, QEMU_INPUT_GAP seconds apart (default 0.3), so each line reaches a
# waiting guest as input of its own. Then appends one line to LOG (grep for it
# unanchored: the guest may be printing):
#   qemu-input: sent N bytes in L lines
#   qemu-input: failed: WHY              (no socket, no trigger, ...)
# The log is our copy, not QEMU's logfile=: QEMU 7.2 writes a byte of a
# socket port's logfile twice now and then (the socket's own stream is exact).
# The trigger, default "type a line", can be overridden with
# QEMU_INPUT_TRIGGER. Gives up after TIMEOUT seconds without the trigger (0:
# never), or at SIGTERM (the runner sends it once QEMU has exited).
# usage: qemu-input.sh SOCKET LOG TEXT [TIMEOUT]
set -uo pipefail

sock="$1" log="$2" text="$3" tmo="${4:-0}"
trigger="${QEMU_INPUT_TRIGGER:-type a line}"
gap="${QEMU_INPUT_GAP:-0.3}"
stopped=0
trap 'stopped=1' TERM INT

inject_name=qemu-input
. "$(dirname "$0")/qemu-inject.sh"

for _ in $(seq 200); do # QEMU makes the socket before it starts the CPU
	[ -S "$sock" ] && break
	[ "$stopped" = 1 ] && break
	sleep 0.05
done
if [ ! -S "$sock" ]; then
	note "failed: no socket $sock"
	exit 1
fi
# One connection, held until QEMU ends: QEMU's socket chardev takes one
# client, what it reads from it is the UART's receive line, and a client that
# hangs up leaves QEMU's UART waiting for a socket that never drains.
coproc SERIAL { exec socat - "UNIX-CONNECT:$sock" >> "$log" 2>&1; }
serial_pid=$SERIAL_PID # bash unsets SERIAL_PID once the coproc ends
exec {out}>&"${SERIAL[1]}"

wait_for_trigger "$trigger" "$serial_pid"

printf -v all '%b' "$text"
bytes=0 lines=0
while [ -n "$all" ] && [ "$stopped" = 0 ]; do
	if [[ "$all" == *$'\n'* ]]; then line="${all%%$'\n'*}"$'\n' all="${all#*$'\n'}"
	else line="$all" all=""; fi
	if ! printf '%s' "$line" >&"$out" 2>/dev/null; then
		note "failed: the socket closed after $bytes bytes"
		exit 1
	fi
	bytes=$((bytes + ${#line})) lines=$((lines + 1))
	[ -n "$all" ] && sleep "$gap"
done
note "sent $bytes bytes in $lines lines"
while [ "$stopped" = 0 ] && kill -0 "$serial_pid" 2>/dev/null; do
	sleep 0.1
done
exec {out}>&-
kill "$serial_pid" 2>/dev/null
wait "$serial_pid" 2>/dev/null
exit 0
