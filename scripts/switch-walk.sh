#!/usr/bin/env bash
# make switch-walk: gdb in batch mode over QEMU's gdbstub single-steps one
# YIELD round trip and one forwarded host interrupt on the bare-metal monitor
# and writes the trace (scripts/gdb/switch_walk.py, docs/SWITCH-WALK.md); then
# checks that it shows what a world switch must do: both CR3 loads, both
# privilege changes, the interrupt gate taken and the host's own handler run.
#
# usage: switch-walk.sh [--timeout S] [--log LOG] [--quiet] [--args ARGS] ISO TRACE
#   --args:  the monitor's command line; the walk needs run 1 to yield (hello)
#            and run 2 to compute in prog_preempt (preempt); the default is
#            "guest=hello -- guest=preempt seconds=1"
#   --log:   the serial console's log (default: beside ISO), the checks'
#            verdicts appended to it
#   --quiet: print only the checks, not the trace
# Prints "switch-walk: ok: ..." for each check that holds (scripts/
# switch-walk-check.awk), "switch-walk: FAIL: ..." for each that does not;
# exits 0 when all hold, 124 when the walk timed out, 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/.."

timeout_s=60 log="" quiet=0
# Run 1 yields (hello); run 2 computes while the host's timer ticks (preempt).
args="guest=hello -- guest=preempt seconds=1"
while [ $# -gt 2 ]; do
	case "$1" in
	--timeout) timeout_s="$2"; shift ;;
	--log) log="$2"; shift ;;
	--quiet) quiet=1 ;;
	--args) args="$2"; shift ;;
	*) echo "switch-walk: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
iso="${1:?usage: switch-walk.sh [options] ISO TRACE}" trace="${2:?usage: switch-walk.sh [options] ISO TRACE}"
build="$(dirname "$iso")"
log="${log:-$build/switch-walk.serial.log}"
gdblog="$trace.gdb.log" # what gdb said, for when the walk fails
rm -f "$trace"

# QEMU is gdb's child, on a pipe (qemu-run.sh --gdb-stdio): no TCP port, so
# several walks (or a walk and a `make qemu-gdb`) never collide; its own
# timeout too, so that it cannot outlive gdb.
timeout -k 5 "$timeout_s" gdb -nx -batch -ex 'set pagination off' -ex 'set confirm off' \
	-ex 'set architecture i386:x86-64' -ex "set \$cokernel_build = \"$build\"" \
	-ex "symbol-file $build/cokernel.elf" -ex "add-symbol-file $build/guest.elf" \
	-ex "python import sys; sys.path.insert(0, 'scripts/gdb'); import passage, switch_walk" \
	-ex "target remote | scripts/qemu-run.sh --gdb-stdio --timeout $timeout_s --args '$args' --log $log $iso" \
	-ex "python switch_walk.walk('$trace')" -ex continue > "$gdblog" 2>&1
status=$?
# gdb's own status says little: its last command always loses the connection
# when QEMU exits at the end of the runs. The trace and the checks decide.
[ "$quiet" = 1 ] || cat "$trace" 2>/dev/null
if [ $status -eq 124 ] || [ $status -eq 137 ]; then
	echo "switch-walk: FAIL: timed out after ${timeout_s}s" | tee -a "$log"
	exit 124
fi
if ! grep -q '^switch-walk: walk took' "$trace" 2>/dev/null; then
	echo "switch-walk: FAIL: the walk did not finish; gdb said:" | tee -a "$log"
	grep -iE 'error|switch-walk|Traceback|exception' "$gdblog" | head -n 20 | tee -a "$log"
fi
awk -f scripts/switch-walk-check.awk "$trace" 2>/dev/null | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] && grep -q '^switch-walk: walk took' "$trace"
