#!/usr/bin/env bash
# The build machine's side of a networked run (qemu-run.sh --peer CMD):
# started next to QEMU, it waits for the trigger text in LOG (default
# "UDP echo on port 7", $QEMU_PEER_TRIGGER overrides), then runs CMD with
# bash, its output appended to LOG, and appends one line of its own:
#   qemu-peer: CMD exit status N
#   qemu-peer: failed: WHY             (no trigger in time, QEMU ended first)
# Killed with QEMU (SIGTERM from the runner): CMD goes with it.
# usage: qemu-peer.sh LOG TIMEOUT CMD
set -uo pipefail

log="$1" tmo="$2" cmd="$3"
trigger="${QEMU_PEER_TRIGGER:-UDP echo on port 7}"
stopped=0 pid=""
trap 'stopped=1; [ -n "$pid" ] && kill -- -"$pid" 2>/dev/null' TERM INT

inject_name=qemu-peer
. "$(dirname "$0")/qemu-inject.sh"

wait_for_trigger "$trigger"
set -m # CMD in a process group of its own: the TERM trap ends all of it
bash -c "$cmd" >> "$log" 2>&1 &
pid=$!
set +m
wait "$pid"
status=$?
[ "$stopped" = 1 ] || note "CMD exit status $status"
